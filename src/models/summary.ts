/**
 * The tf.keras 2.x `model.summary()` table. A model whose graph is a chain (a Sequential, or a
 * graph model without branches or shared layers) gets the three-column table; other graph
 * models get the fourth "Connected to" column listing each call's inputs as `layer[node][tensor]`.
 * Rows wrap as Keras's `print_row` wraps them.
 */
import { fmtShape } from '../errors.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer, Shape } from '../layers/layer.js';
import type { Node } from '../layers/symbolic.js';

/** What the summary reads of a model. */
interface Summarizable {
  readonly name: string;
  readonly layers: readonly Layer[];
}

/**
 * 122570 → '122,570' (en-US grouping; written out rather than with toLocaleString, whose locale
 * data costs a few MB of memory in every process that formats a number).
 */
export function thousands(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [int, frac] = String(Math.abs(n)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac !== undefined ? `.${frac}` : ''}`;
}

/** One row, wrapped over several lines as Keras's print_row does (breaking after '),', '],', "',"). */
function row(fields: string[], positions: number[]): string[] {
  const left = [...fields];
  const lines: string[] = [];
  while (left.some((f) => f.length > 0)) {
    let line = '';
    for (let col = 0; col < left.length; col++) {
      const start = col > 0 ? positions[col - 1] : 0;
      const space = col !== positions.length - 1 ? 2 : 0;
      let cutoff = positions[col] - start - space;
      let fit = left[col].slice(0, cutoff);
      const breaks = ['),', '},', '],', "',"].map((b) => (fit.includes(b) ? fit.indexOf(b) + b.length : -1)).filter((c) => c >= 0);
      if (breaks.length) {
        cutoff = Math.min(...breaks);
        fit = fit.slice(0, cutoff);
      }
      if (col === 0) line += ' ';
      line += fit + ' '.repeat(space);
      left[col] = left[col].slice(cutoff);
      line += ' '.repeat(Math.max(positions[col] - line.length, 0));
    }
    lines.push(line);
  }
  return lines;
}

/** Python's repr of a list of strings: ['a[0][0]', 'b[0][0]']. */
function pyList(items: string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`;
}

/** Keras's output_shape of a layer: an InputLayer's is a list of one shape; several different calls give 'multiple'. */
function outputShapeText(l: Layer, nodes: readonly Node[]): string {
  if (l instanceof InputLayer) return `[${fmtShape(l.batchInputShape as Shape)}]`;
  const shapes = [...new Set(nodes.map((n) => n.outputTensors.map((t) => fmtShape(t.shape)).join(', ')))];
  if (shapes.length === 0) return fmtShape(l.outputShape as Shape);
  if (shapes.length > 1) return 'multiple';
  return nodes[0].outputTensors.length === 1 ? shapes[0] : `[${shapes[0]}]`;
}

/**
 * Lines of the summary. `nodes` (the model's nodes, input nodes included) limits each layer's
 * calls to this model's. Defaults as tf.keras: line length 65 with columns at 45% and 85% for
 * chains, 98 with columns at 33%, 55% and 67% for graphs. `positions` may be fractions (≤ 1) or
 * absolute column ends.
 */
export function formatSummary(model: Summarizable & { readonly nodeSet?: ReadonlySet<Node> }, lineLength?: number, positions?: number[]): string[] {
  const inModel = (l: Layer): Node[] => l.inboundNodes.filter((n) => !model.nodeSet || model.nodeSet.has(n));
  // Keras: sequential-like when no node has several inputs, no depth has several nodes, no layer is called twice.
  const calls = model.layers.map((l) => inModel(l).filter((n) => !n.isInput));
  const sequentialLike = calls.every((c) => c.length <= 1 && c.every((n) => n.inputTensors.length <= 1)) && chainLike(calls.flat()) &&
    model.layers.filter((l) => l instanceof InputLayer).length <= 1;
  const width = lineLength ?? (sequentialLike ? 65 : 98);
  const fractions = positions ?? (sequentialLike ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1]);
  const ends = fractions[fractions.length - 1] <= 1 ? fractions.map((p) => Math.floor(width * p)) : fractions;
  const header = sequentialLike ? ['Layer (type)', 'Output Shape', 'Param #'] : ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const lines = [`Model: "${model.name}"`, '_'.repeat(width), ...row(header, ends), '='.repeat(width)];
  model.layers.forEach((l, i) => {
    const fields = [`${l.name} (${l.getClassName()})`, outputShapeText(l, inModel(l)), String(l.countParams())];
    if (!sequentialLike) fields.push(pyList(calls[i].flatMap((n) => n.inputTensors.map((t) => t.ref))));
    lines.push(...row(fields, ends));
    lines.push(i === model.layers.length - 1 ? '='.repeat(width) : ' '.repeat(width));
  });
  const total = model.layers.reduce((s, l) => s + l.countParams(), 0);
  // Moving statistics (BatchNormalization) and frozen layers count as non-trainable.
  const trainable = model.layers.reduce((s, l) => s + l.trainableWeights.reduce((n, v) => n + v.tensor.size, 0), 0);
  lines.push(`Total params: ${thousands(total)}`, `Trainable params: ${thousands(trainable)}`, `Non-trainable params: ${thousands(total - trainable)}`, '_'.repeat(width));
  return lines;
}

/** Whether no call's output is read by two calls (with one input and one input per call: a chain). */
function chainLike(nodes: Node[]): boolean {
  const readers = new Map<Node, number>();
  for (const n of nodes) for (const p of n.parentNodes) readers.set(p, (readers.get(p) ?? 0) + 1);
  return [...readers.values()].every((c) => c <= 1);
}
