import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'fflate';
import { DataError } from '../src/errors.js';
import { parseCifar10Archive } from '../src/data/archive.js';
import { CIFAR10_CLASSES, type Cifar10Data } from '../src/data/format.js';
import { crc32 } from '../src/data/gunzip.js';
import { readArchiveFile } from '../src/data/node-read.js';
import { binaryEntries, gzip, makeBatch, makeSet, makeTar, pythonEntries, type FixtureSet, type TarEntry } from './helpers/cifar-fixtures.js';
import { gzipZeros, repeatedPickle, tarHeader } from './helpers/hostile-files.js';

const set = makeSet(3, 4);

function checkData(d: Cifar10Data, s: FixtureSet): void {
  assert.equal(d.train.count, 15);
  assert.equal(d.test.count, 4);
  assert.deepEqual(Array.from(d.train.labels), s.trainLabels);
  assert.deepEqual(Array.from(d.test.labels), s.test.labels);
  assert.ok(Buffer.from(d.train.images).equals(Buffer.from(s.trainNhwc)), 'training images NHWC in batch order 1..5');
  assert.ok(Buffer.from(d.test.images).equals(Buffer.from(s.test.nhwc)), 'test images NHWC');
  assert.deepEqual(d.classNames, [...CIFAR10_CLASSES]);
}

function withEntries(f: (e: TarEntry[]) => TarEntry[]): Uint8Array {
  return gzip(makeTar(f(binaryEntries(set))));
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cnnkit-data-archive-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a case through both readers: the pure parser (browser) and the Node file reader (zlib). */
async function both(bytes: Uint8Array, name: string): Promise<{ pure: Cifar10Data | Error; node: Cifar10Data | Error }> {
  const file = join(dir, name);
  await writeFile(file, bytes);
  let pure: Cifar10Data | Error;
  try {
    pure = parseCifar10Archive(bytes, file);
  } catch (e) {
    pure = e as Error;
  }
  let node: Cifar10Data | Error;
  try {
    node = await readArchiveFile(file);
  } catch (e) {
    node = e as Error;
  }
  return { pure, node };
}

async function rejects(bytes: Uint8Array, name: string, re: RegExp): Promise<void> {
  const r = await both(bytes, name);
  for (const [which, v] of Object.entries(r)) {
    assert.ok(v instanceof DataError, `${which}: expected a DataError, got ${v instanceof Error ? v.message : 'data'}`);
    assert.match(v.message, re, `${which} message`);
    assert.ok(v.message.includes(name), `${which} message names the file: ${v.message}`);
  }
}

describe('CIFAR-10 archives', () => {
  test('reads a tiny binary tar.gz (members out of order) into NHWC, both readers agree', async () => {
    const r = await both(gzip(makeTar(binaryEntries(set))), 'tiny.tar.gz');
    checkData(r.pure as Cifar10Data, set);
    checkData(r.node as Cifar10Data, set);
    assert.match((r.node as Cifar10Data).source, /tiny\.tar\.gz$/);
  });

  test('reads a plain (uncompressed) tar and tolerates a missing end-of-archive marker', async () => {
    const r = await both(makeTar(binaryEntries(set), false), 'plain.tar');
    checkData(r.pure as Cifar10Data, set);
    checkData(r.node as Cifar10Data, set);
  });

  test('reads the python version archive (pickles decoded structurally)', async () => {
    const r = await both(gzip(makeTar(pythonEntries(set))), 'cifar-10-python.tar.gz');
    checkData(r.pure as Cifar10Data, set);
    checkData(r.node as Cifar10Data, set);
  });

  test('batches of different sizes are joined in batch order', async () => {
    const odd = makeSet(3, 4);
    odd.train[2] = makeBatch(5, 100);
    odd.trainNhwc = Buffer.concat(odd.train.map((b) => b.nhwc));
    odd.trainLabels = odd.train.flatMap((b) => b.labels);
    const d = parseCifar10Archive(gzip(makeTar(binaryEntries(odd))), 'odd');
    assert.equal(d.train.count, 17);
    assert.deepEqual(Array.from(d.train.labels), odd.trainLabels);
    assert.ok(Buffer.from(d.train.images).equals(Buffer.from(odd.trainNhwc)));
  });

  test('in memory, an archive that compresses more than 64-fold is read whole (each compressed byte once)', () => {
    // Fixture pixels compress far better than photos: the first 64 KB piece inflates > 64-fold,
    // and the reader goes on in smaller pieces from where it was.
    const set = makeSet(200, 200);
    const bytes = gzip(makeTar(binaryEntries(set)));
    const d = parseCifar10Archive(bytes, 'small');
    assert.equal(d.train.count, 1000);
    assert.equal(d.test.count, 200);
    assert.ok(Buffer.from(d.train.images).equals(Buffer.from(set.trainNhwc)));
    assert.deepEqual(Array.from(d.test.labels), set.test.labels);
  });

  test('crc32 matches the standard check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  });
});

describe('CIFAR-10 archive faults (DataError naming the file and the fault)', () => {
  const good = gzip(makeTar(binaryEntries(set)));

  test('truncated archive', async () => {
    await rejects(good.subarray(0, Math.floor(good.length * 0.6)), 'cut.tar.gz', /truncated/);
  });

  test('truncated tar inside a complete gzip stream', async () => {
    const tar = makeTar(binaryEntries(set));
    await rejects(gzip(tar.subarray(0, 512 * 3 + 100)), 'cut-tar.tar.gz', /truncated tar archive.*inside member 'cifar-10-batches-bin\/data_batch_4\.bin'/);
  });

  test('corrupt gzip: damaged compressed data', async () => {
    const bad = good.slice();
    for (let i = 40; i < 60; i++) bad[i] ^= 0x5a;
    await rejects(bad, 'corrupt.tar.gz', /corrupt gzip data|truncated gzip/);
  });

  test('corrupt gzip whose damage decodes to a bad label is reported as gzip corruption', async () => {
    const tar = makeTar(binaryEntries(set));
    const labelAt = 1024 + 3073; // record 1 of the first batch member (after the folder and member headers)
    assert.equal(tar[labelAt], set.train[3].labels[1]);
    const stored = gzipSync(tar, { level: 0 }); // stored deflate blocks: tar byte k sits at 10 + 5 + k
    assert.equal(stored[15 + labelAt], tar[labelAt]);
    stored[15 + labelAt] = 200;
    // (The pure reader also says what reading gave; zlib may stop before the damaged chunk is parsed.)
    await rejects(stored, 'stored.tar.gz', /^\S+stored\.tar\.gz: corrupt gzip data \((incorrect data check|CRC-32 or length in the trailer does not match)/);
    assert.throws(() => parseCifar10Archive(stored, 'x'), /reading it gave: x: member cifar-10-batches-bin\/data_batch_4\.bin: record 1 has label 200, expected 0-9\)$/);
  });

  test('corrupt gzip: CRC-32 in the trailer does not match', async () => {
    const bad = good.slice();
    bad[bad.length - 8] ^= 0xff;
    await rejects(bad, 'crc.tar.gz', /corrupt gzip data/);
  });

  test('batch size not a multiple of 3,073', async () => {
    const bytes = withEntries((e) => e.map((x) => (x.name.endsWith('data_batch_2.bin') ? { ...x, data: x.data!.subarray(0, 3073 * 2 + 10) } : x)));
    await rejects(bytes, 'size.tar.gz', /data_batch_2\.bin: size 6156 bytes is not a multiple of the 3073-byte record size/);
  });

  test('label byte above 9', async () => {
    const bytes = withEntries((e) =>
      e.map((x) => {
        if (!x.name.endsWith('test_batch.bin')) return x;
        const d = x.data!.slice();
        d[3073 * 2] = 10;
        return { ...x, data: d };
      }),
    );
    await rejects(bytes, 'label.tar.gz', /test_batch\.bin: record 2 has label 10, expected 0-9/);
  });

  test('missing member', async () => {
    const bytes = withEntries((e) => e.filter((x) => !x.name.endsWith('data_batch_3.bin')));
    await rejects(bytes, 'missing.tar.gz', /missing member cifar-10-batches-bin\/data_batch_3\.bin/);
  });

  test('an archive without any CIFAR-10 batch', async () => {
    await rejects(gzip(makeTar([{ name: 'notes.txt', data: new Uint8Array(10) }])), 'other.tar.gz', /no CIFAR-10 batches found/);
  });

  test('path traversal with .. is rejected', async () => {
    const bytes = withEntries((e) => [{ name: 'cifar-10-batches-bin/../../etc/passwd', data: new Uint8Array(5) }, ...e]);
    await rejects(bytes, 'dotdot.tar.gz', /unsafe member path '.*\.\.\/etc\/passwd' \(contains '\.\.'\)/);
  });

  test('absolute member path is rejected', async () => {
    const bytes = withEntries((e) => [{ name: '/tmp/evil', data: new Uint8Array(5) }, ...e]);
    await rejects(bytes, 'abs.tar.gz', /unsafe member path '\/tmp\/evil' \(absolute/);
  });

  test('an expected member that is a link is rejected', async () => {
    const bytes = withEntries((e) => e.map((x) => (x.name.endsWith('data_batch_1.bin') ? { name: x.name, type: '2' } : x)));
    await rejects(bytes, 'link.tar.gz', /data_batch_1\.bin: is a symbolic link, expected a regular file/);
  });

  test('corrupt tar header checksum', async () => {
    const bytes = withEntries((e) => e.map((x) => (x.name.endsWith('data_batch_5.bin') ? { ...x, badChecksum: true } : x)));
    await rejects(bytes, 'hdr.tar.gz', /corrupt tar header at byte \d+ \(checksum mismatch\)/);
  });

  test('duplicate batch member', async () => {
    const bytes = withEntries((e) => [...e, { name: 'cifar-10-batches-bin/data_batch_1.bin', data: set.train[0].bin }]);
    await rejects(bytes, 'dup.tar.gz', /data_batch_1\.bin: duplicate batch/);
  });

  test('an implausibly large batch is refused before allocating', () => {
    // A header announcing 200,000 records, with no data behind it.
    const tar = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: new Uint8Array(0) }]);
    const size = (200_000 * 3073).toString(8).padStart(11, '0');
    for (let i = 0; i < 11; i++) tar[124 + i] = size.charCodeAt(i);
    for (let i = 148; i < 156; i++) tar[i] = 32;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[i];
    const cs = sum.toString(8).padStart(6, '0') + '\0 ';
    for (let i = 0; i < 8; i++) tar[148 + i] = cs.charCodeAt(i);
    assert.throws(() => parseCifar10Archive(tar, 'huge.tar'), /huge\.tar: member cifar-10-batches-bin\/data_batch_1\.bin: 200000 records is implausibly large/);
  });

  test('a device entry where a batch belongs is named as one', async () => {
    const bytes = withEntries((e) => e.map((x) => (x.name.endsWith('data_batch_2.bin') ? { name: x.name, type: '3' } : x)));
    await rejects(bytes, 'device.tar.gz', /member cifar-10-batches-bin\/data_batch_2\.bin: is a character device, expected a regular file/);
  });

  test('a small archive that expands without end is refused after 256 MB, not read for minutes', async () => {
    // A member of 600 MB of zeros that nobody reads: 600 KB compressed.
    const junk = gzipZeros(tarHeader('junk.bin', 600 * 2 ** 20), 600 * 2 ** 20 + 1024);
    assert.ok(junk.length < 1e6);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await rejects(junk, 'endless.tar.gz', /endless\.tar\.gz: the archive expands to more than 256 MB, far more than CIFAR-10 \(about 185 MB\); refusing to read on$/);
    assert.ok(performance.now() - t0 < 30_000, 'stops at the bound');
    assert.ok(process.memoryUsage().rss - rss < 300e6, `memory stays bounded (grew ${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB)`);
  });

  test('a python batch that is an object bomb fails fast with bounded memory, in both readers', async () => {
    // 20 MB of EMPTY_DICT opcodes (about 20 KB compressed): 20 million dicts without the bound.
    const bomb = repeatedPickle([0x7d], 20_000_000);
    const entries = pythonEntries(set).map((x) => (x.name.endsWith('data_batch_1') ? { ...x, data: bomb } : x));
    const bytes = gzip(makeTar(entries));
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    await rejects(bytes, 'bomb.tar.gz', /member cifar-10-batches-py\/data_batch_1: the pickle builds more than \d+ MB of values, the most cnnkit allows for a file of 20000003 bytes \(a CIFAR-10 batch needs far less\) at byte \d+/);
    assert.ok(performance.now() - t0 < 20_000, 'fails fast');
    assert.ok(process.memoryUsage().rss - rss < 400e6, `memory stays bounded (grew ${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB)`);
  });

  test('not an archive at all', async () => {
    await rejects(new TextEncoder().encode('hello'), 'hello.tar.gz', /not a gzip or tar archive/);
  });

  test('a bad pickle member in a python archive names the member', async () => {
    const entries = pythonEntries(set).map((x) => (x.name.endsWith('data_batch_2') ? { ...x, data: x.data!.subarray(0, 200) } : x));
    await rejects(gzip(makeTar(entries)), 'py-bad.tar.gz', /member cifar-10-batches-py\/data_batch_2: truncated pickle/);
  });
});
