/**
 * Reads the real CIFAR-10 archive at ../shared/cifar10/cifar-10-binary.tar.gz (relative to the
 * repository root) when it is there, and checks it against its raw bytes read independently.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { cifar10Subset, cifar10Tensors, readCifar10 } from '../src/data/cifar10.js';

const ARCHIVE = resolve(process.cwd(), '../shared/cifar10/cifar-10-binary.tar.gz');

/** Finds a member's data in an uncompressed tar by walking its 512-byte headers (independent of src/data). */
function member(tar: Buffer, name: string): Buffer {
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const n = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    if (n === name) return tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} not in archive`);
}

test('real CIFAR-10 archive: counts, class balance, records match the raw bytes', async (t) => {
  if (!existsSync(ARCHIVE)) {
    t.skip(`real archive not found at ${ARCHIVE}`);
    return;
  }
  const t0 = performance.now();
  const data = await readCifar10({ path: ARCHIVE, download: false });
  const ms = performance.now() - t0;
  t.diagnostic(`read ${ARCHIVE} in ${ms.toFixed(0)} ms`);
  assert.equal(data.train.count, 50_000);
  assert.equal(data.test.count, 10_000);
  assert.equal(data.train.images.length, 50_000 * 3072);
  assert.equal(data.test.images.length, 10_000 * 3072);
  const count = (labels: Uint8Array): number[] => {
    const c = new Array(10).fill(0);
    for (const l of labels) c[l]++;
    return c;
  };
  assert.deepEqual(count(data.train.labels), new Array(10).fill(5000));
  assert.deepEqual(count(data.test.labels), new Array(10).fill(1000));

  const tar = gunzipSync(readFileSync(ARCHIVE));
  const check = (memberName: string, record: number, images: Uint8Array, labels: Uint8Array, index: number): void => {
    const raw = member(tar, `cifar-10-batches-bin/${memberName}`);
    assert.equal(raw.length, 10_000 * 3073);
    const rec = raw.subarray(record * 3073, (record + 1) * 3073);
    assert.equal(labels[index], rec[0], `${memberName} record ${record} label`);
    for (const p of [0, 1, 2, 31, 32, 517, 1023]) {
      const got = Array.from(images.subarray(index * 3072 + p * 3, index * 3072 + p * 3 + 3));
      assert.deepEqual(got, [rec[1 + p], rec[1 + 1024 + p], rec[1 + 2048 + p]], `${memberName} record ${record} pixel ${p}`);
    }
  };
  check('data_batch_1.bin', 0, data.train.images, data.train.labels, 0);
  check('data_batch_3.bin', 1234, data.train.images, data.train.labels, 2 * 10_000 + 1234);
  check('data_batch_5.bin', 9999, data.train.images, data.train.labels, 49_999);
  check('test_batch.bin', 42, data.test.images, data.test.labels, 42);

  const small = cifar10Subset(data, 500, 100);
  assert.deepEqual(count(small.train.labels), new Array(10).fill(50));
  assert.deepEqual(count(small.test.labels), new Array(10).fill(10));

  const [[xTrain, yTrain], [xTest, yTest]] = cifar10Tensors(data);
  assert.deepEqual(xTrain.shape, [50_000, 32, 32, 3]);
  assert.deepEqual(yTrain.shape, [50_000]);
  assert.deepEqual(xTest.shape, [10_000, 32, 32, 3]);
  assert.deepEqual(yTest.shape, [10_000]);
});
