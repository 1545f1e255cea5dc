/**
 * Stacking dataset elements into batches, as tfjs-data's `deepBatchConcat` does: at every place in
 * the element's structure, numbers, booleans, numeric (nested) arrays and tensors become one tensor
 * with a new leading batch dimension; plain objects are batched key by key. Pure code.
 */
import { DataError, fmtShape } from '../errors.js';
import { Tensor, tensor, type DType } from '../tensor/tensor.js';

/** What a dataset element may hold: tensors, numbers, booleans, strings, arrays and objects of them. */
export type Element = Tensor | number | boolean | string | null | undefined | readonly Element[] | { readonly [key: string]: Element };

/** True for values tfjs turns into one tensor when batching (tfjs `canTensorify`). */
function isLeaf(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== 'object' || v instanceof Tensor || ArrayBuffer.isView(v) || Array.isArray(v);
}

function shapeOf(v: unknown, where: string): number[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [0];
    const inner = shapeOf(v[0], where);
    for (const e of v) {
      const s = shapeOf(e, where);
      if (s.length !== inner.length || s.some((d, i) => d !== inner[i]))
        throw new DataError(`batch: ${where}: ragged nested array (element shapes ${fmtShape(inner)} and ${fmtShape(s)}); every element must have the same shape`);
    }
    return [v.length, ...inner];
  }
  if (ArrayBuffer.isView(v)) return [(v as unknown as ArrayLike<number>).length];
  return [];
}

function pushFlat(v: unknown, out: number[], where: string): void {
  if (Array.isArray(v)) for (const e of v) pushFlat(e, out, where);
  else if (ArrayBuffer.isView(v)) out.push(...Array.from(v as unknown as ArrayLike<number>));
  else if (typeof v === 'number') out.push(v);
  else if (typeof v === 'boolean') out.push(v ? 1 : 0);
  else throw new DataError(`batch: ${where}: cannot batch a value of type ${v === null ? 'null' : typeof v}; elements must hold numbers, booleans, numeric arrays or tensors. Received ${String(v)}`);
}

function stackTensors(rows: Tensor[], where: string): Tensor {
  const first = rows[0];
  const per = first.size;
  const values = first.dtype === 'uint8' || first.dtype === 'bool' ? new Uint8Array(per * rows.length) : first.dtype === 'int32' ? new Int32Array(per * rows.length) : new Float32Array(per * rows.length);
  rows.forEach((t, i) => {
    if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, k) => d !== first.shape[k]))
      throw new DataError(`batch: ${where}: element ${i} is ${t.dtype} ${fmtShape(t.shape)} but element 0 is ${first.dtype} ${fmtShape(first.shape)}; every element of a batch must have the same shape and dtype`);
    values.set(t.dataSync(), i * per);
  });
  return tensor(values, [rows.length, ...first.shape], first.dtype);
}

function stackValues(rows: unknown[], where: string): Tensor {
  const shape = shapeOf(rows, where);
  const flat: number[] = [];
  pushFlat(rows, flat, where);
  // tfjs makes float32 from numbers and bool from booleans.
  const dtype: DType = rows.every((r) => typeof r === 'boolean') ? 'bool' : 'float32';
  return tensor(flat, shape, dtype);
}

/**
 * Stacks `rows` (elements of one structure) into one batched element.
 * @throws DataError naming the key when rows differ in structure, shape or dtype, or hold strings
 */
export function batchElements(rows: readonly unknown[], where = 'element'): unknown {
  if (rows.length === 0) throw new DataError("batch: can't make a batch of zero elements");
  const first = rows[0];
  if (isLeaf(first)) {
    if (first instanceof Tensor) {
      const bad = rows.findIndex((r) => !(r instanceof Tensor));
      if (bad >= 0) throw new DataError(`batch: ${where}: element ${bad} is not a tensor while element 0 is`);
      return stackTensors(rows as Tensor[], where);
    }
    return stackValues(rows as unknown[], where);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first as object)) {
    const column = rows.map((r, i) => {
      if (r === null || typeof r !== 'object' || !(key in r)) throw new DataError(`batch: ${where}: element ${i} has no key '${key}' that element 0 has`);
      return (r as Record<string, unknown>)[key];
    });
    out[key] = batchElements(column, where === 'element' ? key : `${where}.${key}`);
  }
  return out;
}
