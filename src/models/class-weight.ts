/**
 * `fit({ classWeight })` as tfjs-layers applies it: each sample's loss is multiplied by the weight
 * of its class before the batch mean (metrics stay unweighted). Class weights are given as
 * `{ [classIndex]: weight }` for a single output, or per output as an array or an object keyed by
 * output name. The weights live on the backend as a table indexed by class, so each batch looks
 * its samples' weights up with a gather, without reading labels back.
 */
import { argMax, cast, floor, gather, reshape } from '../autograd/ops.js';
import { ValueError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

/** Weight per class index (tfjs `ClassWeight`). */
export type ClassWeight = Record<number, number>;
/** Class weights per output name (tfjs `ClassWeightMap`). */
export type ClassWeightMap = Record<string, ClassWeight>;

/** One ClassWeight (or null) per output, as tfjs's `standardizeClassWeights` resolves them. */
function perOutput(cw: ClassWeight | ClassWeight[] | ClassWeightMap, outputNames: readonly string[], where: string): (ClassWeight | null)[] {
  const n = outputNames.length;
  if (Array.isArray(cw)) {
    if (n === 1 && cw.length === 1) return cw;
    if (cw.length !== n) throw new ValueError(`${where}: classWeight is an array of ${cw.length} element(s), but the model has ${n} outputs (${outputNames.join(', ')})`);
    return cw;
  }
  if (typeof cw !== 'object' || cw === null) throw new ValueError(`${where}: classWeight must be an object { classIndex: weight }. Received ${String(cw)}`);
  if (n === 1) return [outputNames[0] in cw && typeof (cw as ClassWeightMap)[outputNames[0]] === 'object' ? (cw as ClassWeightMap)[outputNames[0]] : (cw as ClassWeight)];
  const keys = Object.keys(cw);
  if (keys.length === 0 || typeof (cw as ClassWeightMap)[keys[0]] !== 'object')
    throw new ValueError(`${where}: the model has ${n} outputs, so classWeight must be an array of ${n} or an object keyed by output name (${outputNames.join(', ')})`);
  for (const k of keys) if (!outputNames.includes(k)) throw new ValueError(`${where}: classWeight names no output '${k}'. Outputs: ${outputNames.join(', ')}`);
  return outputNames.map((name) => (cw as ClassWeightMap)[name] ?? null);
}

/** The class indices of a batch of targets: indices [n], one-hot [n, k], or indices [n, 1]. */
export function targetClasses(y: Tensor, where: string): Tensor {
  if (y.rank === 1) return cast(floor(y), 'int32');
  if (y.rank === 2 && y.shape[1] > 1) return argMax(y, 1);
  if (y.rank === 2 && y.shape[1] === 1) return cast(floor(reshape(y, [y.shape[0]])), 'int32');
  throw new ValueError(`${where}: class weights need targets of rank 1 (class indices) or 2 (one-hot or [n, 1]). Received targets of shape [${y.shape.join(', ')}]`);
}

/**
 * Per output, the class-weight table (float32 [classes], NaN for classes without a weight) or
 * null. Checks that every class in the training targets has a weight, as tfjs does. The caller
 * disposes the tables.
 */
export async function classWeightTables(cw: ClassWeight | ClassWeight[] | ClassWeightMap | null | undefined, outputNames: readonly string[], ys: readonly Tensor[], where: string): Promise<(Tensor | null)[]> {
  if (cw === null || cw === undefined || (Array.isArray(cw) && cw.length === 0)) return outputNames.map(() => null);
  const specs = perOutput(cw, outputNames, where);
  const tables: (Tensor | null)[] = [];
  try {
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i];
      if (!spec) {
        tables.push(null);
        continue;
      }
      const entries = Object.entries(spec).map(([k, v]) => {
        const c = Number(k);
        if (!Number.isInteger(c) || c < 0) throw new ValueError(`${where}: classWeight keys must be class indices (non-negative integers). Received '${k}'`);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${where}: classWeight for class ${c} must be a finite number. Received ${JSON.stringify(v)}`);
        return [c, v] as const;
      });
      const table = new Float32Array(entries.reduce((m, [c]) => Math.max(m, c + 1), 0)).fill(NaN);
      for (const [c, v] of entries) table[c] = v;
      const classes = targetClasses(ys[i], where);
      const present = new Set(Array.from(await classes.data(), Number));
      classes.dispose();
      for (const c of [...present].sort((a, b) => a - b))
        if (!(c < table.length) || Number.isNaN(table[c])) throw new ValueError(`${where}: classWeight must contain all classes in the training data. The class ${c} exists in the data but not in classWeight`);
      tables.push(Tensor.fromValues([table.length], table, 'float32'));
    }
  } catch (e) {
    for (const t of tables) t?.dispose();
    throw e;
  }
  return tables;
}

/** The weight of each sample of a batch's targets, looked up in `table` (inside a step). */
export function sampleWeightsOf(table: Tensor, y: Tensor, where: string): Tensor {
  return gather(table, targetClasses(y, where));
}
