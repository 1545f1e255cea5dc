/**
 * Datasets in the engine worker: each kind of source has a loader that turns what the visitor gave
 * (a file, a URL on the page's server, a folder of class folders) into images and labels. CIFAR-10
 * archives are unpacked by the library's own parser (ck.datasets.parseCifar10Archive); folders by
 * worker-folder.ts.
 */
import * as ck from 'cnnkit';
import { loadFolder } from './worker-folder.ts';
import type { DataSource, DataSummary, Skipped } from './protocol.ts';

export type Split = ck.datasets.Cifar10Split;

/** A dataset in the worker: square RGB images of one size, a training and a held-out split. */
export interface Dataset {
  kind: DataSource['kind'];
  classNames: string[];
  train: Split;
  /** CIFAR-10's test set or a folder's validation split. */
  test: Split;
  heldOut: 'test' | 'validation';
  imageSize: number;
  files: number;
  skipped: Skipped[];
  /** What a model trained on it records about its inputs (`userDefinedMetadata`). */
  metadata: ck.datasets.ClassifierMetadata;
}

type Progress = (stage: 'read' | 'download' | 'unpack' | 'decode', done: number, total: number) => void;

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

const loaders: { [K in DataSource['kind']]: (source: Extract<DataSource, { kind: K }>, progress: Progress) => Promise<Dataset> } = {
  'cifar10-archive': async (source, progress) => {
    let bytes: Uint8Array;
    if (source.file) {
      progress('read', 0, source.file.size);
      bytes = new Uint8Array(await source.file.arrayBuffer());
    } else if (source.url) bytes = await download(source.url, progress);
    else throw new Error('no file and no address to read from');
    progress('unpack', 0, bytes.length);
    const d = ck.datasets.parseCifar10Archive(bytes, source.name);
    return {
      kind: 'cifar10-archive', classNames: d.classNames, train: d.train, test: d.test, heldOut: 'test', imageSize: 32,
      files: 0, skipped: [], metadata: ck.datasets.cifar10Metadata(d.classNames),
    };
  },
  'image-folder': async (source, progress) => {
    const d = await loadFolder(source, (done, total) => progress('decode', done, total));
    return {
      kind: 'image-folder', classNames: d.classNames, train: d.train, test: d.validation, heldOut: 'validation', imageSize: d.size,
      files: d.files, skipped: d.skipped,
      // As `cnnkit train --data` records it: the images were stretched to the size, bilinear.
      metadata: { classNames: d.classNames, imageSize: [d.size, d.size], colorMode: 'rgb', interpolation: 'bilinear', cropToAspectRatio: false },
    };
  },
};

/** Loads a dataset from `source`. */
export async function loadSource(source: DataSource, progress: Progress): Promise<Dataset> {
  const load = loaders[source.kind] as (s: DataSource, p: Progress) => Promise<Dataset>;
  if (!load) throw new Error(`unknown data source '${String((source as { kind: unknown }).kind)}'`);
  return load(source, progress);
}

/** Bytes of one image of `data`. */
export function imageBytes(data: Dataset): number {
  return data.imageSize * data.imageSize * 3;
}

/** The first `n` images of a split and their labels (copies, to hand to the page). */
export function firstImages(split: Split, n: number, bytes: number): { images: Uint8Array; labels: Uint8Array } {
  const k = Math.min(n, split.count);
  return { images: split.images.slice(0, k * bytes), labels: split.labels.slice(0, k) };
}

/** What the page shows of a dataset: counts, class names, the first training and held-out images. */
export function summary(data: Dataset, name: string, seconds: number): DataSummary {
  const bytes = imageBytes(data);
  return {
    name, kind: data.kind, seconds, trainCount: data.train.count, testCount: data.test.count, heldOut: data.heldOut, classNames: [...data.classNames],
    imageSize: data.imageSize, files: data.files, skipped: data.skipped,
    train: firstImages(data.train, 25, bytes), test: firstImages(data.test, 12, bytes),
  };
}

/** A class-balanced subset of `count` images (the whole split when `count` covers it). */
export function subsetOf(split: Split, count: number, classes: number): Split {
  return count >= split.count ? split : ck.datasets.balancedSplitSubset(split, count, classes);
}

/** One test image and its label. */
export function testImage(data: Dataset, index: number): { pixels: Uint8Array; label: number } {
  if (!Number.isInteger(index) || index < 0 || index >= data.test.count) throw new Error(`test image ${index} does not exist (0 to ${data.test.count - 1})`);
  const bytes = imageBytes(data);
  return { pixels: data.test.images.slice(index * bytes, (index + 1) * bytes), label: data.test.labels[index] };
}
