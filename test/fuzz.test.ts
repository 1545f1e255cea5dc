/**
 * A fuzz corpus of hostile and damaged files, generated here: CIFAR-10 archives (decompression
 * and object bombs, huge announced sizes, odd tar entries, seeded byte mutations), python batch
 * pickles, model folders and images, plus FIFOs and devices in their place. Each crafted case runs
 * in its own child process (fixtures/fuzz-child.js), which reports its peak RSS and time: every
 * case must end with a DataError or ValueError (or read fine, for mutations that happen to stay
 * valid), under 300 MB of RSS and within 10 s of CPU time (CPU rather than wall time, which a
 * shared machine stretches); one that blocks is killed after a minute.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import * as ck from '../src/index.js';
import { Random } from '../src/tensor/random.js';
import { binaryEntries, gzip, makeSet, makeTar, pythonBatchPickle, pythonEntries, PickleWriter, type TarEntry } from './helpers/cifar-fixtures.js';
import { blackPng, gzipZeros, hugeJpegHeader, repeatedPickle, tarHeader } from './helpers/hostile-files.js';
import { inPairs } from './helpers/child-processes.js';
import { gzipSync } from 'node:zlib';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fuzz-child.js');
const RSS_CEILING_MB = 300;
const CPU_LIMIT_MS = 10_000;
const HANG_MS = 60_000;
const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-fuzz-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

type Kind = 'archive' | 'archive-file' | 'pickle' | 'model' | 'image';
interface Case {
  name: string;
  kind: Kind;
  path: string;
  /** Reading it may succeed (a mutation that stays valid). Such small cases share a process per kind. */
  mayRead?: boolean;
}
const cases: Case[] = [];
let serial = 0;
function add(kind: Kind, name: string, bytes: Uint8Array | null, mayRead = false, file = `f${serial++}`): string {
  const path = join(tmp, kind, file);
  mkdirSync(dirname(path), { recursive: true });
  if (bytes) writeFileSync(path, bytes);
  cases.push({ name, kind, path, mayRead });
  return path;
}
const rng = new Random(7);
/** Copies of `bytes` with `flips` random bytes changed, seeded. */
function mutate(bytes: Uint8Array, flips: number, from = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < flips; i++) out[from + rng.int(out.length - from)] = rng.int(256);
  return out;
}
const mkfifo = (path: string) => assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');

// --- Archives --------------------------------------------------------------------------------
const set = makeSet(3, 4);
const tarOf = (entries: TarEntry[]) => makeTar(entries);
const header = tarHeader;
const pyBomb = (pickle: Uint8Array) => gzipSync(tarOf(pythonEntries(set).map((e) => (e.name.endsWith('data_batch_1') ? { ...e, data: pickle } : e))));
const BOMBS: [string, Uint8Array][] = [
  ['EMPTY_DICT x 20M', repeatedPickle([0x7d], 20_000_000)],
  ['EMPTY_LIST + APPEND x 10M', repeatedPickle([0x32, 0x61], 10_000_000, [0x5d])],
  ['DUP x 20M', repeatedPickle([0x32], 20_000_000, [0x4e])],
  ['MARK x 1M', repeatedPickle([0x28], 1_000_000)],
  ['EMPTY_TUPLE TUPLE1 nesting x 5M', repeatedPickle([0x85], 5_000_000, [0x29])],
  ['MEMOIZE x 10M', repeatedPickle([0x94], 10_000_000, [0x4e])],
  ['BINUNICODE of 4 GB announced', Uint8Array.of(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff, 0x61, 0x2e)],
  ['BINBYTES8 of 2^53 announced', Uint8Array.of(0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x2e)],
  ['LONG1 of 255 bytes', Uint8Array.of(0x80, 2, 0x8a, 0xff, ...new Array(255).fill(1), 0x2e)],
  ['1 MB key set 100,000 times', (() => {
    const w = new PickleWriter();
    w.op(0x80, 2).op(0x7d).binstring(new Uint8Array(1 << 20).fill(0x41)).put().op(0x30);
    for (let i = 0; i < 100_000; i++) w.op(0x68, 0, 0x4e, 0x73);
    return w.op(0x2e).bytes();
  })()],
  ['GLOBAL without newline', Uint8Array.from([0x80, 2, 0x63, ...new Array(1 << 20).fill(0x61)])],
];
for (const [name, pickle] of BOMBS) {
  add('archive', `python archive, pickle bomb: ${name}`, pyBomb(pickle));
  add('pickle', `pickle bomb: ${name}`, pickle);
}
add('archive', '600 MB of zeros in a junk member (gzip bomb)', gzipZeros(header('junk.bin', 600 << 20), (600 << 20) + 1024));
add('archive', 'binary batch announcing 10,001 records, no data', header('cifar-10-batches-bin/data_batch_1.bin', 10_001 * 3073));
add('archive', 'binary batch of 10,000 records, truncated', gzip(Uint8Array.from([...header('cifar-10-batches-bin/data_batch_1.bin', 10_000 * 3073), ...new Uint8Array(3073 * 10)])));
add('archive', 'base-256 size of 2^80', header('cifar-10-batches-bin/data_batch_1.bin', 2 ** 80, '0', true));
add('archive', 'python batch announcing 48 MB + 1', header('cifar-10-batches-py/data_batch_1', (48 << 20) + 1));
add('archive', 'python batch of 48 MB of zeros (gzip bomb)', gzipZeros(header('cifar-10-batches-py/data_batch_1', 48 << 20), (48 << 20) + 1024));
add('archive', 'pax record of 1 MB + 1', header('PaxHeader', (1 << 20) + 1, 'x'));
add('archive', 'GNU long name of 1 MB + 1', header('././@LongLink', (1 << 20) + 1, 'L'));
add('archive', 'pax size 1e15 for a batch', (() => {
  const rec = new TextEncoder().encode('24 size=1000000000000000\n');
  return gzip(Uint8Array.from([...tarOf([{ name: 'PaxHeader/x', data: rec, type: 'x' }]).subarray(0, 1024), ...header('cifar-10-batches-bin/data_batch_1.bin', 0)]));
})());
for (const [flag, what] of [['1', 'hard link'], ['2', 'symbolic link'], ['3', 'character device'], ['4', 'block device'], ['6', 'FIFO']])
  add('archive', `a ${what} entry where a batch belongs`, gzip(tarOf(binaryEntries(set).map((e) => (e.name.endsWith('data_batch_3.bin') ? { name: e.name, type: flag } : e)))));
add('archive', '100,000 empty junk members', gzip(tarOf(Array.from({ length: 100_000 }, (_, i) => ({ name: `junk/${i}` })))));
add('archive', 'path traversal member', gzip(tarOf([{ name: '../../etc/data_batch_1.bin', data: set.train[0].bin }])));
add('archive', 'empty file', new Uint8Array(0));
add('archive', '511 bytes', new Uint8Array(511).fill(7));
add('archive', 'random 64 KB', Uint8Array.from({ length: 65536 }, () => rng.int(256)));
const goodBin = gzip(tarOf(binaryEntries(set)));
const goodPy = gzip(tarOf(pythonEntries(set)));
add('archive', 'truncated gzip', goodBin.subarray(0, goodBin.length >> 1));
for (let i = 0; i < 20; i++) add('archive', `binary archive, 4 bytes mutated (#${i})`, mutate(goodBin, 4, 10), true);
for (let i = 0; i < 20; i++) add('archive', `python archive, 4 bytes mutated (#${i})`, mutate(goodPy, 4, 10), true);
mkfifo(add('archive-file', 'a FIFO as the archive', null));
cases.push({ name: '/dev/zero as the archive', kind: 'archive-file', path: '/dev/zero' });
const goodPickle = pythonBatchPickle(set.train[0].planar, set.train[0].labels, 'batch');
for (let i = 0; i < 20; i++) add('pickle', `batch pickle, 3 bytes mutated (#${i})`, mutate(goodPickle, 3), true);

// --- Model folders ---------------------------------------------------------------------------
ck.setBackendSync('reference');
ck.clearSession();
const model = ck.sequential({ name: 'small' });
model.add(ck.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1], activation: 'relu' }));
model.add(ck.layers.flatten());
model.add(ck.layers.dense({ units: 3, activation: 'softmax' }));
const good = join(tmp, 'good-model');
await model.save(`file://${good}`);
const goodJson = readFileSync(join(good, 'model.json'), 'utf8');
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
function modelCase(name: string, edit: (dir: string, j: Json) => Json | string | void, mayRead = false): void {
  const dir = join(tmp, 'model', `m${serial++}`);
  cpSync(good, dir, { recursive: true });
  const r = edit(dir, JSON.parse(goodJson) as Json);
  if (r !== undefined) writeFileSync(join(dir, 'model.json'), typeof r === 'string' ? r : JSON.stringify(r));
  cases.push({ name, kind: 'model', path: dir, mayRead });
}
modelCase('one shard listed 100,000 times', (_d, j) => (j.weightsManifest[0].paths = new Array(100_000).fill('group1-shard1of1.bin'), j));
modelCase('100,000 shards named, none there', (_d, j) => (j.weightsManifest[0].paths = Array.from({ length: 100_000 }, (_, i) => `s${i}.bin`), j));
modelCase('a 2 GB sparse shard', (d) => truncateSync(join(d, 'group1-shard1of1.bin'), 2 ** 31 - 8));
modelCase('weights of 2^31 x 2^31 values', (_d, j) => (j.weightsManifest[0].weights[0].shape = [2 ** 31, 2 ** 31], j));
modelCase('a model.json of 16 MB + 1 (sparse)', (d) => truncateSync(join(d, 'model.json'), (16 << 20) + 1));
modelCase('a model.json of 8 million zeros', () => `[${'0,'.repeat(8_000_000)}0]`);
modelCase('a model.json of 5 million empty objects', () => `[${'{},'.repeat(5_000_000)}{}]`);
modelCase('a model.json of 2 million empty arrays in strings and out', () => `[${'"[{",[],'.repeat(1_000_000)}0]`);
modelCase('a model.json nested 1,000,000 deep', () => '['.repeat(1_000_000) + ']'.repeat(1_000_000));
modelCase('a dense layer of 2e9 units', (_d, j) => (j.modelTopology.config.layers[2].config.units = 2e9, j));
modelCase('60,000 layers', (_d, j) => (j.modelTopology.config.layers = new Array(60_000).fill(j.modelTopology.config.layers[1]), j));
modelCase('model.json a link to a password file', (d) => {
  writeFileSync(join(tmp, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  rmSync(join(d, 'model.json'));
  symlinkSync(join(tmp, 'passwd'), join(d, 'model.json'));
});
modelCase('model.json a link to /dev/zero', (d) => {
  rmSync(join(d, 'model.json'));
  symlinkSync('/dev/zero', join(d, 'model.json'));
});
modelCase('model.json a FIFO', (d) => {
  rmSync(join(d, 'model.json'));
  mkfifo(join(d, 'model.json'));
});
modelCase('a shard that is a FIFO', (d) => {
  rmSync(join(d, 'group1-shard1of1.bin'));
  mkfifo(join(d, 'group1-shard1of1.bin'));
});
modelCase('a shard linked to /dev/zero', (d) => {
  rmSync(join(d, 'group1-shard1of1.bin'));
  symlinkSync('/dev/zero', join(d, 'group1-shard1of1.bin'));
});
for (let i = 0; i < 10; i++) modelCase(`model.json, 3 bytes mutated (#${i})`, () => new TextDecoder().decode(mutate(new TextEncoder().encode(goodJson), 3)), true);

// --- Images ----------------------------------------------------------------------------------
const png = new PNG({ width: 40, height: 30 });
png.data.fill(90);
const goodPng = new Uint8Array(PNG.sync.write(png));
const goodJpg = new Uint8Array(jpeg.encode({ data: Buffer.alloc(40 * 30 * 4, 90), width: 40, height: 30 }, 80).data);
add('image', 'a valid 20000x20000 PNG of 1.2 MB', blackPng(20000, 20000));
add('image', 'a valid 8000x8000 PNG (64 megapixels)', blackPng(8000, 8000));
add('image', 'an interlaced 100x100 PNG inflating to 1 GB', blackPng(100, 100, { interlace: true, inflated: 1 << 30 }));
add('image', 'a non-interlaced 100x100 PNG inflating to 1 GB', blackPng(100, 100, { inflated: 1 << 30 }));
add('image', 'a JPEG frame of 60000x60000', hugeJpegHeader(60000, 60000));
add('image', 'a JPEG frame of 65535x65535', hugeJpegHeader(65535, 65535));
add('image', 'a PNG header of 0x0', (() => {
  const b = blackPng(1, 1);
  b.fill(0, 16, 24);
  return b;
})());
add('image', 'a PNG chunk claiming 4 GB', Uint8Array.from([...goodPng.subarray(0, 33), 0xff, 0xff, 0xff, 0xff, 0x49, 0x44, 0x41, 0x54, 1, 2, 3]));
add('image', 'truncated PNG', goodPng.subarray(0, 50));
add('image', 'truncated JPEG', goodJpg.subarray(0, 100));
add('image', 'an empty file', new Uint8Array(0));
for (let i = 0; i < 8; i++) add('image', `PNG, 3 bytes mutated (#${i})`, mutate(goodPng, 3, 8), true);
for (let i = 0; i < 8; i++) add('image', `JPEG, 3 bytes mutated (#${i})`, mutate(goodJpg, 3, 4), true);
mkfifo(add('image', 'a FIFO as the image', null));
cases.push({ name: '/dev/zero as the image', kind: 'image', path: '/dev/zero' });
mkdirSync(add('image', 'a folder as the image', null));

interface Report {
  name: string;
  outcome: string;
  error?: string;
  ms: number;
  cpuMs: number;
  maxRssMB: number;
}

/**
 * Runs cases in one process (so the peak RSS it reports after a case bounds that case and all
 * before it); a process that hangs is killed and its unreported cases say so.
 */
function runCases(group: Case[], i: number): Promise<Report[]> {
  const file = join(tmp, `cases${i}.json`);
  writeFileSync(file, JSON.stringify(group));
  const p = spawn(process.execPath, ['--expose-gc', CHILD, file], { env: { ...process.env, CNNKIT_IO_CHILD: '1' } });
  let out = '', err = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => p.kill('SIGKILL'), group.length * HANG_MS);
  return new Promise((resolve) => p.on('close', (code, signal) => {
    clearTimeout(timer);
    const reports = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Report);
    for (const c of group.slice(reports.length)) reports.push({ name: c.name, outcome: `no report (exit ${code ?? signal}: ${err.slice(-300)})`, ms: NaN, cpuMs: NaN, maxRssMB: NaN });
    resolve(reports);
  }));
}

test('fuzz corpus: every hostile or damaged file fails with a clear error, under 300 MB of RSS and 10 s of CPU time', { timeout: 15 * 60_000 }, async (t) => {
  // Each crafted case in its own process, so its peak RSS is its own; the small mutated files of
  // one kind share one.
  const groups = [...cases.filter((c) => !c.mayRead).map((c) => [c]), ...(['archive', 'pickle', 'model', 'image'] as Kind[]).map((k) => cases.filter((c) => c.mayRead && c.kind === k))];
  const reports = (await inPairs(groups.map((g, i) => () => runCases(g, i)))).flat();
  const ordered = groups.flat();
  const problems: string[] = [];
  reports.forEach((r, i) => {
    const c = ordered[i];
    const clean = r.outcome === 'DataError' || r.outcome === 'ValueError' || (c.mayRead && r.outcome === 'read');
    if (!clean) problems.push(`${c.name}: ${r.outcome}${r.error ? `: ${r.error}` : ''}`);
    if (!(r.maxRssMB < RSS_CEILING_MB)) problems.push(`${c.name}: peak RSS ${r.maxRssMB} MB`);
    if (!(r.cpuMs < CPU_LIMIT_MS)) problems.push(`${c.name}: ${r.cpuMs} ms of CPU time`);
  });
  const worst = (of: (r: Report) => number) => reports.reduce((a, b) => ((Number.isNaN(of(b)) ? Infinity : of(b)) > of(a) ? b : a));
  const worstRss = worst((r) => r.maxRssMB), worstTime = worst((r) => r.cpuMs), worstWall = worst((r) => r.ms);
  const read = reports.filter((r) => r.outcome === 'read').length;
  t.diagnostic(`fuzz corpus: ${reports.length} cases, ${reports.length - read} refused with a DataError or ValueError, ${read} mutations still valid; worst peak RSS ${worstRss.maxRssMB} MB (${worstRss.name}); worst CPU time ${worstTime.cpuMs} ms (${worstTime.name}); worst wall time ${worstWall.ms} ms (${worstWall.name})`);
  console.log(`fuzz totals: ${JSON.stringify({ cases: reports.length, refused: reports.length - read, read, worstPeakRssMB: worstRss.maxRssMB, worstCpuMs: worstTime.cpuMs, worstWallMs: worstWall.ms })}`);
  assert.deepEqual(problems, []);
});
