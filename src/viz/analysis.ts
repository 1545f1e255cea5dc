/**
 * Numbers behind the pictures: predicted classes, the confusion matrix, per-class accuracy, the
 * most confident mistakes, and the training history as JSON/CSV.
 */
import { ShapeError, check } from '../errors.js';

/** Labels as any integer array. */
export type LabelArray = ArrayLike<number>;

/** Argmax of each row of a `[n, k]` probability (or logit) matrix, plus that row's maximum. */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): { classes: Int32Array; confidence: Float32Array } {
  check(numClasses > 0 && probs.length % numClasses === 0, 'argmaxRows',
    'the length must be a multiple of numClasses', { length: probs.length, numClasses });
  const n = probs.length / numClasses;
  const classes = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bv = probs[i * numClasses];
    for (let j = 1; j < numClasses; j++) {
      const v = probs[i * numClasses + j];
      if (v > bv) { bv = v; best = j; }
    }
    classes[i] = best;
    confidence[i] = bv;
  }
  return { classes, confidence };
}

/**
 * Mean cross-entropy −log p(true class) of `[n, k]` probabilities, each clipped to [1e-7, 1 − 1e-7]
 * as Keras's sparse categorical cross-entropy does.
 */
export function meanCrossEntropy(probs: ArrayLike<number>, trueLabels: LabelArray, numClasses: number): number {
  check(numClasses > 0 && probs.length === trueLabels.length * numClasses, 'meanCrossEntropy',
    'probabilities must be [labels, numClasses]', { length: probs.length, labels: trueLabels.length, numClasses });
  let sum = 0;
  for (let i = 0; i < trueLabels.length; i++) sum -= Math.log(Math.min(Math.max(probs[i * numClasses + trueLabels[i]], 1e-7), 1 - 1e-7));
  return sum / trueLabels.length;
}

/** Row = true class, column = predicted class; `matrix[t][p]` counts images. */
export function confusionMatrix(trueLabels: LabelArray, predicted: LabelArray, numClasses: number): number[][] {
  if (trueLabels.length !== predicted.length) {
    throw new ShapeError(`confusionMatrix: ${trueLabels.length} true labels but ${predicted.length} predictions`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < trueLabels.length; i++) {
    const t = trueLabels[i], p = predicted[i];
    check(t >= 0 && t < numClasses && p >= 0 && p < numClasses, 'confusionMatrix',
      `labels must be in [0, ${numClasses})`, { index: i, trueLabel: t, predicted: p });
    m[t][p]++;
  }
  return m;
}

/** Accuracy for one class of a confusion matrix. */
export interface ClassAccuracy {
  /** Class index. */
  index: number;
  name: string;
  /** Test images of this class. */
  support: number;
  /** Of them, predicted correctly. */
  correct: number;
  /** correct / support (0 when support is 0). */
  accuracy: number;
  /** The class most often predicted instead, or null when there is no mistake. */
  mostConfusedWith: string | null;
}

/** Per-class accuracy (recall) from a confusion matrix. */
export function perClassAccuracy(matrix: number[][], classNames: readonly string[]): ClassAccuracy[] {
  return matrix.map((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    const correct = row[t];
    let worst = -1, worstCount = 0;
    row.forEach((c, p) => { if (p !== t && c > worstCount) { worst = p; worstCount = c; } });
    return {
      index: t,
      name: classNames[t] ?? String(t),
      support,
      correct,
      accuracy: support > 0 ? correct / support : 0,
      mostConfusedWith: worst >= 0 ? (classNames[worst] ?? String(worst)) : null,
    };
  });
}

/** Per-class accuracy as CSV text. */
export function perClassCsv(rows: readonly ClassAccuracy[]): string {
  const lines = ['class,name,support,correct,accuracy,most_confused_with'];
  for (const r of rows) {
    lines.push(`${r.index},${r.name},${r.support},${r.correct},${r.accuracy.toFixed(4)},${r.mostConfusedWith ?? ''}`);
  }
  return lines.join('\n') + '\n';
}

/** One misclassified test image. */
export interface Mistake {
  index: number;
  trueLabel: number;
  predicted: number;
  /** The predicted class's probability. */
  confidence: number;
}

/** Misclassified images, most confident mistakes first, at most `limit`. */
export function misclassified(trueLabels: LabelArray, predicted: LabelArray, confidence: ArrayLike<number>,
  limit = 25): Mistake[] {
  const out: Mistake[] = [];
  for (let i = 0; i < trueLabels.length; i++) {
    if (trueLabels[i] !== predicted[i]) {
      out.push({ index: i, trueLabel: trueLabels[i], predicted: predicted[i], confidence: confidence[i] });
    }
  }
  out.sort((a, b) => b.confidence - a.confidence || a.index - b.index);
  return out.slice(0, limit);
}

/** Per-epoch metrics, Keras style: `{ loss: [...], accuracy: [...], val_loss: [...], ... }`. */
export type HistoryRecord = Record<string, number[]>;

/** Metric names in Keras order: loss, accuracy, other metrics, then the same for validation. */
export function historyColumns(history: HistoryRecord): string[] {
  const rank = (k: string): number => {
    const base = k.replace(/^val_/, '');
    const b = base === 'loss' ? 0 : base === 'accuracy' || base === 'acc' ? 1 : 2;
    return (k.startsWith('val_') ? 10 : 0) + b;
  };
  return Object.keys(history).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Number of epochs recorded (the longest metric series). */
export function historyEpochs(history: HistoryRecord): number {
  return Math.max(0, ...Object.values(history).map((v) => v.length));
}

/** The history as CSV: `epoch,loss,accuracy,val_loss,val_accuracy`, epochs counted from 1. */
export function historyCsv(history: HistoryRecord): string {
  const cols = historyColumns(history);
  const lines = [['epoch', ...cols].join(',')];
  for (let e = 0; e < historyEpochs(history); e++) {
    lines.push([String(e + 1), ...cols.map((c) => (history[c][e] === undefined ? '' : String(history[c][e])))].join(','));
  }
  return lines.join('\n') + '\n';
}
