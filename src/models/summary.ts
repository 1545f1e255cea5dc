/** The tf.keras `model.summary()` table for a Sequential model. */
import { fmtShape } from '../errors.js';
import type { Layer, Shape } from '../layers/layer.js';

interface Summarizable {
  readonly name: string;
  readonly layers: readonly Layer[];
}

/** 122570 → '122,570'. */
export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/** Splits `text` into pieces no longer than `width` (Keras wraps long cells onto extra lines). */
function wrap(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += width) pieces.push(text.slice(i, i + width));
  return pieces;
}

function row(cells: string[], ends: number[]): string[] {
  const wrapped = cells.map((c, i) => wrap(c, ends[i] - (i === 0 ? 0 : ends[i - 1]) - 2));
  const height = Math.max(...wrapped.map((w) => w.length));
  const lines: string[] = [];
  for (let h = 0; h < height; h++) {
    let line = '';
    wrapped.forEach((w, i) => {
      line = `${line}${i === 0 ? ' ' : ''}${w[h] ?? ''}`;
      line = line.padEnd(ends[i]);
    });
    lines.push(line);
  }
  return lines;
}

/**
 * Lines of the summary: defaults as tf.keras for sequential models (line length 65, columns at
 * 45% and 85%). `positions` may be fractions (≤ 1) or absolute column ends.
 */
export function formatSummary(model: Summarizable, lineLength = 65, positions = [0.45, 0.85, 1]): string[] {
  const ends = positions.map((p) => (p <= 1 ? Math.floor(lineLength * p) : p));
  const lines = [`Model: "${model.name}"`, '_'.repeat(lineLength), ...row(['Layer (type)', 'Output Shape', 'Param #'], ends), '='.repeat(lineLength)];
  model.layers.forEach((l, i) => {
    lines.push(...row([`${l.name} (${l.className})`, fmtShape(l.outputShape as Shape), String(l.countParams())], ends));
    lines.push(i === model.layers.length - 1 ? '='.repeat(lineLength) : ''.padEnd(lineLength));
  });
  const total = model.layers.reduce((s, l) => s + l.countParams(), 0);
  // Moving statistics (BatchNormalization) and frozen layers count as non-trainable.
  const trainable = model.layers.reduce((s, l) => s + l.trainableWeights.reduce((n, v) => n + v.tensor.size, 0), 0);
  lines.push(`Total params: ${thousands(total)}`, `Trainable params: ${thousands(trainable)}`, `Non-trainable params: ${thousands(total - trainable)}`, '_'.repeat(lineLength));
  return lines;
}
