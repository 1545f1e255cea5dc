import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValueError } from '../src/errors.js';
import { CIFAR10_CLASSES, type Cifar10Data, type Cifar10Split } from '../src/data/format.js';
import { cifar10Subset } from '../src/data/subset.js';

/** A split whose image i is filled with the byte i and whose labels follow `labels`. */
function split(labels: number[]): Cifar10Split {
  const images = new Uint8Array(labels.length * 3072);
  labels.forEach((_, i) => images.fill(i, i * 3072, (i + 1) * 3072));
  return { images, labels: Uint8Array.from(labels), count: labels.length };
}

function data(train: number[], test: number[]): Cifar10Data {
  return { train: split(train), test: split(test), classNames: [...CIFAR10_CLASSES], source: 'fixture' };
}

describe('cifar10Subset', () => {
  test('keeps classes balanced and the original order', () => {
    // 40 images: labels cycle 0,0,1,1,...,9,9 twice; class 0 is overrepresented at the front.
    const labels = [0, 0, 0, 0, 0, 0, ...Array.from({ length: 34 }, (_, i) => 1 + (i % 9))];
    const d = cifar10Subset(data(labels, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 20, 10);
    assert.equal(d.train.count, 20);
    const counts = new Array(10).fill(0);
    for (const l of d.train.labels) counts[l]++;
    assert.deepEqual(counts, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // images are copied with their labels, in ascending original index
    const idx = Array.from({ length: 20 }, (_, i) => d.train.images[i * 3072]);
    assert.deepEqual(idx, [...idx].sort((a, b) => a - b));
    for (let i = 0; i < 20; i++) assert.equal(d.train.labels[i], labels[idx[i]]);
    assert.deepEqual(Array.from(d.test.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(d.source, 'fixture');
  });

  test('a class that runs short leaves its share to the classes present', () => {
    const labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
    const d = cifar10Subset(data(labels, [0]), 4, 1);
    assert.deepEqual(Array.from(d.train.labels), [0, 0, 1, 1]);
    const e = cifar10Subset(data(labels, [0]), 7, 1);
    assert.equal(e.train.count, 7);
    assert.deepEqual(Array.from(e.train.images.filter((_, i) => i % 3072 === 0)), [0, 1, 2, 3, 5, 6, 7]);
  });

  test('clamps to the available count, copies, and rejects bad counts', () => {
    const d0 = data([1, 2, 3], [4]);
    const d = cifar10Subset(d0, 100, 100);
    assert.equal(d.train.count, 3);
    assert.equal(d.test.count, 1);
    assert.notEqual(d.train.images, d0.train.images);
    assert.equal(cifar10Subset(d0, 0, 0).train.count, 0);
    assert.throws(() => cifar10Subset(d0, -1, 1), ValueError);
    assert.throws(() => cifar10Subset(d0, 1.5, 1), /count must be a non-negative integer/);
  });
});
