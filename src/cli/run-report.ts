/**
 * What a training command writes once training is over, shared by `cnnkit tutorial` and
 * `cnnkit train`: the sample grid, history and curves, the held-out analysis (confusion matrix,
 * per-class accuracy, mistakes gallery) and `report.html`. Every file is written atomically.
 */
import { join } from 'node:path';
import type { BackupAndRestore } from '../io/checkpoint.js';
import {
  argmaxRows, confusionMatrix, historyCsv, misclassified, perClassAccuracy, perClassCsv, type ClassAccuracy, type HistoryRecord,
} from '../viz/analysis.js';
import { imageGrid, sampleIndices } from '../viz/grid.js';
import type { ReportFiles } from '../viz/report.js';
import { writeFileAtomic, type Io } from './common.js';

/**
 * The chart module, loaded when the first chart is drawn: Vega and Vega-Lite take about 20 MB that
 * would otherwise stay resident through training.
 */
function charts(): Promise<typeof import('../viz/charts.js')> {
  return import('../viz/charts.js');
}

/** The files a run writes into its output folder, in the order written. */
export class RunOutputs {
  readonly written: string[] = [];

  constructor(readonly outDir: string) {}

  /** Writes `name` (relative to the output folder) atomically and records it. */
  async write(name: string, data: string | Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.outDir, name), data);
    this.written.push(name);
  }
}

/** Images with their shape, uint8 NHWC. */
export interface ImageSet {
  images: Uint8Array;
  labels: ArrayLike<number> & (Uint8Array | Int32Array);
  count: number;
  /** `[height, width, channels]`. */
  imageShape: readonly [number, number, number];
}

/** Sample images copied out of a training set (so the set itself can be let go before drawing). */
export interface Samples {
  images: Uint8Array;
  /** Indices into the training set. */
  indices: number[];
  captions: string[];
  imageShape: readonly [number, number, number];
}

/** The tutorial's 25 samples: the first images of the training set, with their class names. */
export function pickSamples(set: ImageSet, names: readonly string[], n = 25): Samples {
  const indices = sampleIndices(set.labels, n);
  const bytes = set.imageShape[0] * set.imageShape[1] * set.imageShape[2];
  const images = new Uint8Array(indices.length * bytes);
  indices.forEach((i, k) => images.set(set.images.subarray(i * bytes, (i + 1) * bytes), k * bytes));
  return { images, indices, captions: indices.map((i) => names[set.labels[i]]), imageShape: set.imageShape };
}

/** How much to enlarge images in a grid: CIFAR-10's 32x32 four times, larger images less. */
function gridScale(shape: readonly [number, number, number]): number {
  return Math.max(1, Math.round(128 / Math.max(shape[0], shape[1])));
}

/** Draws `samples.png`; returns its size. */
export async function writeSamples(out: RunOutputs, samples: Samples): Promise<{ width: number; height: number }> {
  const grid = await imageGrid(samples.images, samples.indices.map((_, k) => k), samples.captions, 5,
    { imageShape: [...samples.imageShape], scale: gridScale(samples.imageShape) });
  await out.write('samples.png', grid.png);
  return { width: grid.width, height: grid.height };
}

/** Writes history.json, history.csv and the accuracy and loss curves (SVG and PNG). */
export async function writeHistory(out: RunOutputs, hist: HistoryRecord, epochs: number, batchSize: number): Promise<void> {
  await out.write('history.json', JSON.stringify({ epochs, batchSize, history: hist }, null, 2) + '\n');
  await out.write('history.csv', historyCsv(hist));
  const { accuracySpec, lossSpec, renderChart } = await charts();
  for (const [name, spec] of [['accuracy', accuracySpec(hist)], ['loss', lossSpec(hist)]] as const) {
    const chart = await renderChart(spec);
    await out.write(`${name}.svg`, chart.svg);
    await out.write(`${name}.png`, chart.png);
  }
}

/** What {@link writeAnalysis} found. */
export interface Analysis {
  perClass: ClassAccuracy[];
  /** Fraction of images whose most probable class is the true one. */
  accuracy: number;
  /** 'misclassified.png' when there were mistakes to show. */
  misclassifiedFile?: string;
}

/**
 * From class probabilities of held-out images: the confusion matrix (SVG, PNG), per-class
 * accuracy (JSON, CSV, and a line on `io`) and the gallery of the most confident mistakes.
 */
export async function writeAnalysis(io: Io, out: RunOutputs, set: ImageSet, probs: ArrayLike<number>, names: readonly string[], setName = 'test'): Promise<Analysis> {
  const { classes, confidence } = argmaxRows(probs, names.length);
  const matrix = confusionMatrix(set.labels, classes, names.length);
  const perClass = perClassAccuracy(matrix, names);
  const { confusionSpec, renderChart } = await charts();
  const confusion = await renderChart(confusionSpec(matrix, names, perClass));
  await out.write('confusion.svg', confusion.svg);
  await out.write('confusion.png', confusion.png);
  await out.write('per-class.json', JSON.stringify({ classes: perClass, confusionMatrix: matrix }, null, 2) + '\n');
  await out.write('per-class.csv', perClassCsv(perClass));
  const worst = [...perClass].sort((a, b) => a.accuracy - b.accuracy).slice(0, 3);
  io.out(`Per-class accuracy: best ${[...perClass].sort((a, b) => b.accuracy - a.accuracy)[0].name}, ` +
    `weakest ${worst.map((r) => `${r.name} ${(r.accuracy * 100).toFixed(1)}%`).join(', ')}\n`);

  const mistakes = misclassified(set.labels, classes, confidence, 25);
  let misclassifiedFile: string | undefined;
  if (mistakes.length > 0) {
    const gallery = await imageGrid(set.images, mistakes.map((m) => m.index), mistakes.map((m) => [
      `true: ${names[m.trueLabel]}`,
      { text: `pred: ${names[m.predicted]} ${(m.confidence * 100).toFixed(0)}%`, color: '#c62828' },
    ]), 5, { imageShape: [...set.imageShape], scale: Math.max(1, Math.round(gridScale(set.imageShape) * 0.75)), fontSize: 12, title: `Misclassified ${setName} images, most confident first` });
    await out.write('misclassified.png', gallery.png);
    misclassifiedFile = 'misclassified.png';
  }
  io.out(`Wrote confusion.svg/.png, per-class.json/.csv${misclassifiedFile ? ', misclassified.png' : ''}\n`);
  let correct = 0;
  for (let i = 0; i < set.count; i++) if (classes[i] === set.labels[i]) correct++;
  return { perClass, accuracy: set.count > 0 ? correct / set.count : 0, misclassifiedFile };
}

/** The report's links to the files a complete run writes. */
export function reportFiles(misclassifiedFile: string | undefined): ReportFiles {
  return {
    samples: 'samples.png', accuracySvg: 'accuracy.svg', accuracyPng: 'accuracy.png', lossSvg: 'loss.svg',
    lossPng: 'loss.png', confusionSvg: 'confusion.svg', confusionPng: 'confusion.png', misclassified: misclassifiedFile,
    historyJson: 'history.json', historyCsv: 'history.csv', perClass: 'per-class.csv', model: 'model/',
  };
}

/** A fit callback that says, as training starts, whether a backup was resumed or discarded. */
export function announceBackup(io: Io, backup: BackupAndRestore, epochs: number): { onTrainBegin: () => void } {
  return {
    onTrainBegin: (): void => {
      if (backup.discarded) io.out(`Starting afresh: ${backup.discarded}\n`);
      if (backup.restoredEpoch < 0) return;
      io.out(backup.restoredEpoch >= epochs
        ? `The backup holds all ${epochs} epochs: training is complete; going on with evaluation and saving\n`
        : `Resuming from the backup: epoch ${backup.restoredEpoch + 1} of ${epochs}\n`);
    },
  };
}
