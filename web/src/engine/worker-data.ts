/**
 * Datasets in the engine worker: each kind of source has a loader that turns what the visitor gave
 * (a file, a URL on the page's server) into images and labels. CIFAR-10 archives are unpacked by
 * the library's own parser (ck.datasets.parseCifar10Archive).
 */
import * as ck from 'cnnkit';
import type { DataSource, DataSummary } from './protocol.ts';

export type Dataset = ck.datasets.Cifar10Data;
export type Split = ck.datasets.Cifar10Split;

type Progress = (stage: 'read' | 'download' | 'unpack', done: number, total: number) => void;

/** Downloads `url`, reporting bytes as they come. */
async function download(url: string, progress: Progress): Promise<Uint8Array> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const chunks: Uint8Array[] = [];
  let got = 0, lastReport = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    const now = performance.now();
    if (now - lastReport > 100) {
      lastReport = now;
      progress('download', got, total);
    }
  }
  progress('download', got, total);
  if (chunks.length === 1) return chunks[0];
  const all = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

const loaders: Record<DataSource['kind'], (source: DataSource, progress: Progress) => Promise<Dataset>> = {
  'cifar10-archive': async (source, progress) => {
    let bytes: Uint8Array;
    if (source.file) {
      progress('read', 0, source.file.size);
      bytes = new Uint8Array(await source.file.arrayBuffer());
    } else if (source.url) bytes = await download(source.url, progress);
    else throw new Error('no file and no address to read from');
    progress('unpack', 0, bytes.length);
    return ck.datasets.parseCifar10Archive(bytes, source.name);
  },
};

/** Loads a dataset from `source`. */
export async function loadSource(source: DataSource, progress: Progress): Promise<Dataset> {
  const load = loaders[source.kind];
  if (!load) throw new Error(`unknown data source '${String(source.kind)}'`);
  return load(source, progress);
}

const IMAGE_BYTES = 32 * 32 * 3;

/** The first `n` images of a split and their labels (copies, to hand to the page). */
export function firstImages(split: Split, n: number): { images: Uint8Array; labels: Uint8Array } {
  const k = Math.min(n, split.count);
  return { images: split.images.slice(0, k * IMAGE_BYTES), labels: split.labels.slice(0, k) };
}

/** What the page shows of a dataset: counts, class names, the first training and test images. */
export function summary(data: Dataset, name: string, seconds: number): DataSummary {
  return {
    name, seconds, trainCount: data.train.count, testCount: data.test.count, classNames: [...data.classNames],
    train: firstImages(data.train, 25), test: firstImages(data.test, 12),
  };
}

/** A class-balanced subset of `count` images (the whole split when `count` covers it). */
export function subsetOf(split: Split, count: number, classes: number): Split {
  return count >= split.count ? split : ck.datasets.balancedSplitSubset(split, count, classes);
}

/** One test image and its label. */
export function testImage(data: Dataset, index: number): { pixels: Uint8Array; label: number } {
  if (!Number.isInteger(index) || index < 0 || index >= data.test.count) throw new Error(`test image ${index} does not exist (0 to ${data.test.count - 1})`);
  return { pixels: data.test.images.slice(index * IMAGE_BYTES, (index + 1) * IMAGE_BYTES), label: data.test.labels[index] };
}
