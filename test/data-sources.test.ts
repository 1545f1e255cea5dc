import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataError } from '../src/errors.js';
import { cifar10, readCifar10 } from '../src/data/cifar10.js';
import { cacheFolder, findSource, kerasFolder } from '../src/data/node-sources.js';
import { readArchiveFile } from '../src/data/node-read.js';
import type { LoadOptions } from '../src/data/options.js';
import { binaryEntries, gzip, makeBatch, makeSet, makeTar, pythonBatchPickle, type FixtureSet } from './helpers/cifar-fixtures.js';

/** A set whose first training label tells which place it came from. */
function tagged(tag: number): FixtureSet {
  const s = makeSet(2, 3);
  s.train[0] = makeBatch(2, 0, (i) => (i === 0 ? tag : 0));
  return s;
}

async function writeBinFolder(dir: string, s: FixtureSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `data_batch_${i + 1}.bin`), s.train[i].bin);
  await writeFile(join(dir, 'test_batch.bin'), s.test.bin);
}

async function writePyFolder(dir: string, s: FixtureSet): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `data_batch_${i + 1}`), pythonBatchPickle(s.train[i].planar, s.train[i].labels, `training batch ${i + 1} of 5`));
  await writeFile(join(dir, 'test_batch'), pythonBatchPickle(s.test.planar, s.test.labels, 'testing batch 1 of 1'));
  await writeFile(join(dir, 'batches.meta'), new Uint8Array([0x80, 2, 0x7d, 0x2e]));
}

let root = '';
let home = '';
let explicit = '';
let envData = '';
let xdg = '';
const noFetch = (() => {
  throw new Error('no network in tests');
}) as unknown as typeof fetch;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cnnkit-data-sources-'));
  home = join(root, 'home');
  explicit = join(root, 'explicit', 'cifar-10-binary.tar.gz');
  envData = join(root, 'envdata');
  xdg = join(root, 'xdg');
  await mkdir(join(root, 'explicit'), { recursive: true });
  await writeFile(explicit, gzip(makeTar(binaryEntries(tagged(1)))));
  await writeBinFolder(join(envData, 'cifar-10-batches-bin'), tagged(2)); // a folder containing the extracted folder
  await mkdir(join(xdg, 'cnnkit', 'datasets'), { recursive: true });
  await writeFile(join(xdg, 'cnnkit', 'datasets', 'cifar-10-binary.tar.gz'), gzip(makeTar(binaryEntries(tagged(3)))));
  await writePyFolder(join(home, '.keras', 'datasets', 'cifar-10-batches-py'), tagged(4));
  await writeBinFolder(join(home, '.cache', 'cnnkit', 'datasets', 'cifar-10-batches-bin'), tagged(5));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function opts(extra: LoadOptions & { data?: string; xdg?: string }): LoadOptions {
  const env: Record<string, string | undefined> = { HOME: home };
  if (extra.data) env.CNNKIT_DATA = extra.data;
  if (extra.xdg) env.XDG_CACHE_HOME = extra.xdg;
  return { download: false, fetchImpl: noFetch, env, path: extra.path, cacheDir: extra.cacheDir };
}

describe('where CIFAR-10 comes from', () => {
  test('precedence: path > CNNKIT_DATA > cache > Keras cache', async () => {
    const all = { path: explicit, data: envData, xdg };
    let d = await readCifar10(opts(all));
    assert.equal(d.train.labels[0], 1);
    assert.equal(d.source, explicit);

    d = await readCifar10(opts({ data: envData, xdg }));
    assert.equal(d.train.labels[0], 2);
    assert.equal(d.source, join(envData, 'cifar-10-batches-bin'));

    d = await readCifar10(opts({ xdg }));
    assert.equal(d.train.labels[0], 3, 'XDG_CACHE_HOME cache');
    assert.equal(d.source, join(xdg, 'cnnkit', 'datasets', 'cifar-10-binary.tar.gz'));

    d = await readCifar10(opts({}));
    assert.equal(d.train.labels[0], 5, '~/.cache/cnnkit/datasets when XDG_CACHE_HOME is unset');

    d = await readCifar10(opts({ cacheDir: join(root, 'empty-cache') }));
    assert.equal(d.train.labels[0], 4, 'Keras cache (python format)');
    assert.equal(d.source, join(home, '.keras', 'datasets', 'cifar-10-batches-py'));
    assert.equal(d.train.count, 10);
    assert.equal(d.test.count, 3);
  });

  test('cache and Keras folders follow XDG_CACHE_HOME, HOME and KERAS_HOME', () => {
    assert.equal(cacheFolder({ env: { HOME: '/h' } }), '/h/.cache/cnnkit/datasets');
    assert.equal(cacheFolder({ env: { HOME: '/h', XDG_CACHE_HOME: '/x' } }), '/x/cnnkit/datasets');
    assert.equal(cacheFolder({ env: { HOME: '/h' }, cacheDir: '/c' }), '/c');
    assert.equal(kerasFolder({ env: { HOME: '/h' } }), '/h/.keras/datasets/cifar-10-batches-py');
    assert.equal(kerasFolder({ env: { HOME: '/h', KERAS_HOME: '/k' } }), '/k/datasets/cifar-10-batches-py');
  });

  test('an explicit path or CNNKIT_DATA that holds nothing is an error, not skipped', async () => {
    await assert.rejects(readCifar10(opts({ path: join(root, 'nope.tar.gz'), xdg })), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /nope\.tar\.gz \(path option\): does not exist/);
      return true;
    });
    await assert.rejects(readCifar10(opts({ data: join(root, 'explicit-empty'), xdg })), /explicit-empty \(CNNKIT_DATA\): does not exist/);
    await mkdir(join(root, 'emptydir'), { recursive: true });
    await assert.rejects(readCifar10(opts({ path: join(root, 'emptydir') })), /emptydir \(path option\): holds no CIFAR-10 data/);
  });

  test('path forms: the archive, the extracted folder, a folder containing either', async () => {
    assert.equal((await findSource(opts({ path: join(root, 'explicit') })))?.path, explicit);
    const bin = join(envData, 'cifar-10-batches-bin');
    assert.deepEqual(await findSource(opts({ path: bin })), { kind: 'folder', path: bin, origin: 'path option' });
    assert.equal((await findSource(opts({ path: envData })))?.path, bin);
  });

  test('an extracted folder with a missing batch names the file', async () => {
    const dir = join(root, 'partial', 'cifar-10-batches-bin');
    await writeBinFolder(dir, makeSet(2, 2));
    await unlink(join(dir, 'data_batch_3.bin'));
    await assert.rejects(readCifar10(opts({ path: dir })), /cifar-10-batches-bin: missing file data_batch_3\.bin/);
  });

  test('a FIFO or a device as --data, and a folder where a batch file belongs, are named for what they are', async () => {
    const fifo = join(root, 'pipe.tar.gz');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    await assert.rejects(readCifar10(opts({ path: fifo })), /pipe\.tar\.gz \(path option\): is a FIFO \(named pipe\), neither an archive file nor a folder/);
    await assert.rejects(readCifar10(opts({ path: '/dev/zero' })), /\/dev\/zero \(path option\): is a character device, neither an archive file nor a folder/);
    // Read directly, neither hangs nor reads forever.
    await assert.rejects(readArchiveFile(fifo), /pipe\.tar\.gz: is a FIFO \(named pipe\), not a regular file; expected a CIFAR-10 archive/);
    await assert.rejects(readArchiveFile('/dev/zero'), /\/dev\/zero: is a character device, not a regular file/);
    const dir = join(root, 'dir-in-place', 'cifar-10-batches-bin');
    await writeBinFolder(dir, makeSet(2, 2));
    await unlink(join(dir, 'data_batch_4.bin'));
    await mkdir(join(dir, 'data_batch_4.bin'));
    await assert.rejects(readCifar10(opts({ path: dir })), /data_batch_4\.bin: is a folder, expected the batch file data_batch_4\.bin/);
  });

  test('an extracted folder with a bad batch names the file and the fault', async () => {
    const dir = join(root, 'badfolder', 'cifar-10-batches-bin');
    const s = makeSet(2, 2);
    await writeBinFolder(dir, s);
    await writeFile(join(dir, 'data_batch_2.bin'), s.train[1].bin.subarray(1));
    await assert.rejects(readCifar10(opts({ path: dir })), /data_batch_2\.bin: size 6145 bytes is not a multiple of the 3073-byte record size/);
    await writeBinFolder(dir, s);
    const bad = s.test.bin.slice();
    bad[3073] = 200;
    await writeFile(join(dir, 'test_batch.bin'), bad);
    await assert.rejects(readCifar10(opts({ path: dir })), /test_batch\.bin: record 1 has label 200, expected 0-9/);
  });

  test('offline with nothing found: one clear error listing where to put the archive', async () => {
    const empty = join(root, 'nothing');
    const o: LoadOptions = { download: false, env: { HOME: join(empty, 'home'), XDG_CACHE_HOME: join(empty, 'xdg') } };
    await assert.rejects(readCifar10(o), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^CIFAR-10 not found and downloading is off\./);
      assert.match(e.message, /put cifar-10-binary\.tar\.gz \(or its extracted cifar-10-batches-bin folder\) in/);
      assert.ok(e.message.includes(join(empty, 'xdg', 'cnnkit', 'datasets')), 'names the cache folder');
      assert.ok(e.message.includes(join(empty, 'home', '.keras', 'datasets', 'cifar-10-batches-py')), 'names the Keras cache');
      assert.match(e.message, /--data \/ options\.path|CNNKIT_DATA/);
      return true;
    });
  });

  test('cifar10.loadData returns Keras-style host tensors', async () => {
    const [[xTrain, yTrain], [xTest, yTest]] = await cifar10.loadData(opts({ path: explicit }));
    assert.deepEqual(xTrain.shape, [10, 32, 32, 3]);
    assert.equal(xTrain.dtype, 'uint8');
    assert.deepEqual(yTrain.shape, [10]);
    assert.equal(yTrain.dtype, 'int32');
    assert.deepEqual(xTest.shape, [3, 32, 32, 3]);
    assert.deepEqual(yTest.shape, [3]);
    assert.equal(yTrain.dataSync()[0], 1);
    assert.equal(cifar10.classNames[9], 'truck');
  });
});
