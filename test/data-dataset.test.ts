/**
 * `ck.data` next to real `@tensorflow/tfjs`: the same pipelines on the same inputs give the same
 * elements, batch shapes, dtypes and sizes. Shuffling uses a different generator, so orders are
 * compared by their properties (a permutation, window-bounded, reproducible with a seed).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';

await tf.setBackend('cpu');
ck.setBackendSync('reference');

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-dataset-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

type AnyDataset = { toArray(): Promise<unknown[]>; size: number | null };

/** Plain values of an element: tensors become { shape, dtype, values }. */
function plain(v: unknown): unknown {
  if (v instanceof ck.Tensor) return { shape: [...v.shape], dtype: v.dtype, values: Array.from(v.dataSync()) };
  if (v instanceof tf.Tensor) return { shape: [...v.shape], dtype: v.dtype, values: Array.from(v.dataSync()) };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, plain(e)]));
  return v;
}

/**
 * Compares sizes and elements. `size` overrides tfjs's size where tfjs's own bookkeeping is wrong
 * (it reports -1 for take(-1) and NaN for zip over a nested structure).
 */
async function same(mine: AnyDataset, theirs: AnyDataset, what: string, size?: number): Promise<unknown[]> {
  assert.equal(mine.size, size ?? theirs.size, `${what}: size`);
  const a = (await mine.toArray()).map(plain);
  const b = (await theirs.toArray()).map(plain);
  assert.deepEqual(a, b, what);
  return a;
}

/** Runs the same pipeline on both libraries. */
function both<T>(items: T[], build: (d: ck.data.Dataset<T> | tf.data.Dataset<tf.TensorContainer>) => unknown): [AnyDataset, AnyDataset] {
  return [build(ck.data.array(items)) as AnyDataset, build(tf.data.array(items as tf.TensorContainer[])) as AnyDataset];
}

const nums = Array.from({ length: 10 }, (_, i) => i + 1);

describe('ck.data against tfjs', () => {
  test('take, skip, repeat, concatenate, filter, map and their sizes', async () => {
    type D = ck.data.Dataset<number>;
    const cases: [string, (d: D) => unknown][] = [
      ['take(3)', (d) => d.take(3)],
      ['take(20)', (d) => d.take(20)],
      ['take(-1)', (d) => d.take(-1)],
      ['skip(4)', (d) => d.skip(4)],
      ['skip(20)', (d) => d.skip(20)],
      ['repeat(3)', (d) => d.repeat(3)],
      ['repeat(0)', (d) => d.repeat(0)],
      ['repeat().take(25)', (d) => d.repeat().take(25)],
      ['repeat(2).skip(3).take(12)', (d) => d.repeat(2).skip(3).take(12)],
      ['concatenate', (d) => d.take(3).concatenate(d.skip(7))],
      ['filter', (d) => d.filter((x) => x % 3 === 0)],
      ['map', (d) => d.map((x) => x * x)],
      ['mapAsync', (d) => d.mapAsync(async (x) => x + 0.5)],
      ['prefetch', (d) => d.prefetch(4).map((x) => -x)],
    ];
    for (const [name, build] of cases) {
      const [mine, theirs] = both(nums, build as (d: unknown) => unknown);
      await same(mine, theirs, name, name === 'take(-1)' ? 10 : undefined);
    }
  });

  test('batch stacks numbers, arrays, tensors and objects like tfjs, with the same shapes and sizes', async () => {
    await same(...both(nums, (d) => d.batch(4)), 'numbers batch(4)');
    await same(...both(nums, (d) => d.batch(4, false)), 'numbers batch(4, false)');
    const arrays = nums.map((i) => [[i, i + 1], [i * 2, i * 3]]);
    await same(...both(arrays, (d) => d.batch(3)), 'nested arrays');
    const objs = nums.map((i) => ({ xs: [i, -i], ys: i % 2, meta: { w: i / 10 } }));
    const batches = await same(...both(objs, (d) => d.batch(4)), 'objects');
    assert.deepEqual((batches[0] as { xs: { shape: number[] } }).xs.shape, [4, 2]);
    const bools = nums.map((i) => i % 2 === 0);
    await same(...both(bools, (d) => d.batch(5)), 'booleans');
    // Tensors keep their dtype; batching adds a leading dimension.
    const mine = ck.data.array(nums.map((i) => ck.tensor([i, i, i], [3], 'int32'))).batch(4);
    const theirs = tf.data.array(nums.map((i) => tf.tensor([i, i, i], [3], 'int32'))).batch(4);
    await same(mine as AnyDataset, theirs as AnyDataset, 'int32 tensors');
    const u8 = await ck.data.array([ck.tensor(new Uint8Array([1, 2, 3, 4]), [2, 2], 'uint8'), ck.tensor(new Uint8Array([5, 6, 7, 8]), [2, 2], 'uint8')]).batch(2).toArray();
    assert.equal((u8[0] as ck.Tensor).dtype, 'uint8');
    assert.deepEqual([...(u8[0] as ck.Tensor).shape], [2, 2, 2]);
  });

  test('batch refuses ragged elements and mismatched structures with an error naming the key', async () => {
    await assert.rejects(ck.data.array([{ a: [1, 2] }, { a: [1] }]).batch(2).toArray(), /batch: a: .*shape/);
    await assert.rejects(ck.data.array([{ a: 1 }, { b: 1 }]).batch(2).toArray(), /element 1 has no key 'a'/);
    await assert.rejects(ck.data.array([{ a: 'x' }, { a: 'y' }]).batch(2).toArray(), /batch: a: cannot batch a value of type string/);
    assert.throws(() => ck.data.array([1]).batch(0), /batchSize must be a positive integer/);
  });

  test('zip of arrays and objects, ending with the shortest', async () => {
    const a = [1, 2, 3, 4], b = [{ v: 10 }, { v: 20 }, { v: 30 }];
    const mine = ck.data.zip({ first: ck.data.array(a), rest: [ck.data.array(b)] });
    const theirs = tf.data.zip({ first: tf.data.array(a), rest: [tf.data.array(b)] });
    assert.ok(Number.isNaN(theirs.size));
    await same(mine as AnyDataset, theirs as AnyDataset, 'zip', 3);
  });

  test('generator is called again for every pass; forEachAsync visits every element', async () => {
    const gen = function* () {
      for (let i = 0; i < 5; i++) yield { xs: [i, i], ys: i % 2 };
    };
    const mine = ck.data.generator(gen).batch(2);
    const theirs = tf.data.generator(gen as () => Iterator<tf.TensorContainer>).batch(2);
    await same(mine as AnyDataset, theirs as AnyDataset, 'generator pass 1');
    await same(mine as AnyDataset, theirs as AnyDataset, 'generator pass 2');
    const seen: number[] = [];
    await ck.data.array(nums).forEachAsync((x) => seen.push(x));
    assert.deepEqual(seen, nums);
  });

  test('iterator().next() and for await walk the same stream', async () => {
    const it = await ck.data.array([1, 2]).iterator();
    assert.deepEqual(await it.next(), { value: 1, done: false });
    assert.deepEqual(await it.next(), { value: 2, done: false });
    assert.deepEqual(await it.next(), { value: null, done: true });
    const got: number[] = [];
    for await (const x of ck.data.array(nums).take(3)) got.push(x);
    assert.deepEqual(got, [1, 2, 3]);
  });
});

describe('shuffle', () => {
  const n = 200;
  const items = Array.from({ length: n }, (_, i) => i);

  test('is a permutation, reproducible with a seed, and new on each pass (like tfjs)', async () => {
    const a = ck.data.array(items).shuffle(50, 'seed-1');
    const p1 = await a.toArray(), p2 = await a.toArray();
    assert.deepEqual([...p1].sort((x, y) => x - y), items);
    assert.notDeepEqual(p1, items);
    assert.notDeepEqual(p1, p2, 'reshuffled on the second pass');
    const b = ck.data.array(items).shuffle(50, 'seed-1');
    assert.deepEqual(await b.toArray(), p1, 'same seed, same first pass');
    assert.deepEqual(await b.toArray(), p2, 'same seed, same second pass');
    assert.notDeepEqual(await ck.data.array(items).shuffle(50, 'seed-2').toArray(), p1);
    // tfjs behaves the same way on these properties.
    const t = tf.data.array(items).shuffle(50, 'seed-1');
    const t1 = await t.toArray(), t2 = await t.toArray();
    assert.deepEqual([...t1].sort((x, y) => x - y), items);
    assert.notDeepEqual(t1, t2);
    assert.equal(a.size, t.size);
  });

  test('draws from a sliding window: element i can come out only after i - bufferSize others', async () => {
    for (const buffer of [1, 5, 30]) {
      const out = await ck.data.array(items).shuffle(buffer, 7).toArray();
      out.forEach((x, pos) => assert.ok(x <= pos + buffer - 1, `buffer ${buffer}: element ${x} at position ${pos}`));
      if (buffer === 1) assert.deepEqual(out, items);
      const theirs = await tf.data.array(items).shuffle(buffer, '7').toArray();
      theirs.forEach((x, pos) => assert.ok(x <= pos + buffer - 1));
    }
  });

  test('window sampling is uniform: the first element out is any of the first bufferSize', async () => {
    const counts = new Array(4).fill(0);
    for (let s = 0; s < 400; s++) counts[(await ck.data.array([0, 1, 2, 3, 4, 5]).shuffle(4, s).take(1).toArray())[0]]++;
    for (const c of counts) assert.ok(c > 60 && c < 140, `first element counts ${counts}`);
  });

  test('reshuffleEachIteration=false repeats the first order on every pass', async () => {
    const a = ck.data.array(items).shuffle(n, 3, false);
    const p1 = await a.toArray();
    assert.deepEqual(await a.toArray(), p1);
    assert.notDeepEqual(p1, items);
  });

  test('without a seed it follows ck.setSeed', async () => {
    ck.setSeed(11);
    const p1 = await ck.data.array(items).shuffle(20).toArray();
    ck.setSeed(11);
    assert.deepEqual(await ck.data.array(items).shuffle(20).toArray(), p1);
  });
});

describe('ck.data.csv against tf.data.csv', () => {
  const file = join(tmp, 'table.csv');
  writeFileSync(file, [
    'name,age,score,member,note',
    'ann,31,0.5,true,"hello, world"',
    'bob,,1.5,0,plain',
    '"c ""q""",44.7,-2,1,""',
    'dan,12,3e2,false,x\r',
    '',
  ].join('\n'));
  const url = `file://${file}`;

  test('header, numbers, quotes, empty fields and booleans parse the same', async () => {
    await same(ck.data.csv(url) as AnyDataset, tf.data.csv(url) as unknown as AnyDataset, 'no config');
    assert.deepEqual(await ck.data.csv(url).columnNames(), await tf.data.csv(url).columnNames());
  });

  test('columnConfigs with isLabel give { xs, ys }; configuredColumnsOnly keeps those columns', async () => {
    const config = {
      columnConfigs: { age: { dtype: 'int32' as const, default: 0 }, member: { dtype: 'bool' as const, isLabel: true }, score: {} },
      configuredColumnsOnly: true,
    };
    const rows = await same(ck.data.csv(url, config) as AnyDataset, tf.data.csv(url, config) as unknown as AnyDataset, 'configured');
    assert.deepEqual(rows[0], { xs: { age: 31, score: 0.5 }, ys: { member: 1 } });
    assert.deepEqual(await ck.data.csv(url, config).columnNames(), await tf.data.csv(url, config).columnNames());
    // Batched, as fitDataset takes it.
    const mine = ck.data.csv(url, config).batch(3);
    const theirs = tf.data.csv(url, config).batch(3);
    await same(mine as AnyDataset, theirs as unknown as AnyDataset, 'batched');
  });

  test('other delimiters, whitespace, columnNames without a header', async () => {
    const f2 = join(tmp, 'spaces.txt');
    writeFileSync(f2, '1   2 3\n4 5    6\n');
    const config = { hasHeader: false, columnNames: ['a', 'b', 'c'], delimWhitespace: true };
    await same(ck.data.csv(f2, config) as AnyDataset, tf.data.csv(`file://${f2}`, config) as unknown as AnyDataset, 'whitespace');
    const f3 = join(tmp, 'semi.csv');
    writeFileSync(f3, 'a;b\n1;2\n;4\n');
    await same(ck.data.csv(f3, { delimiter: ';' }) as AnyDataset, tf.data.csv(`file://${f3}`, { delimiter: ';' }) as unknown as AnyDataset, 'semicolon');
  });

  test('errors name the file and line; unknown options are refused', async () => {
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3\n');
    await assert.rejects(ck.data.csv(bad).toArray(), (e: Error) => e.message.includes(bad) && /line 3: invalid row, expected 2 fields but got 1/.test(e.message));
    await assert.rejects(ck.data.csv(url, { columnConfigs: { age: { isLabel: true } } }).toArray(), /line 3: required column age is empty/);
    await assert.rejects(ck.data.csv(url, { columnConfigs: { nope: {} } }).toArray(), /the key 'nope' in columnConfigs does not match/);
    assert.throws(() => ck.data.csv(url, { delimeter: ';' } as never), /unknown option 'delimeter'/);
    const dup = join(tmp, 'dup.csv');
    writeFileSync(dup, 'a,a\n1,2\n');
    await assert.rejects(ck.data.csv(dup).toArray(), /duplicate column names found: a/);
  });

  test('a file larger than the read chunk streams row by row in bounded memory', async () => {
    const big = join(tmp, 'big.csv');
    const rows = 60_000;
    const lines = ['x,y,label'];
    for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7) % 13},${i % 3}`);
    writeFileSync(big, lines.join('\n') + '\n');
    let count = 0, sum = 0;
    const ds = ck.data.csv(big, { columnConfigs: { label: { isLabel: true } } }).batch(1000);
    for await (const b of ds as ck.data.Dataset<{ xs: { x: ck.Tensor }; ys: { label: ck.Tensor } }>) {
      count += b.xs.x.shape[0];
      for (const v of b.ys.label.dataSync()) sum += v;
    }
    assert.equal(count, rows);
    assert.equal(sum, Array.from({ length: rows }, (_, i) => i % 3).reduce((s, v) => s + v, 0));
  });
});
