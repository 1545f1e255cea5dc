/**
 * What every op shares: turning arguments into tensors (tfjs's `convertToTensor`), dtype
 * promotion, axis normalisation, and the uint8 host tensors' conversion to backend storage.
 */
import type { DType as StorageDType } from '../../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor, tensor, type DType, type TensorLike } from '../../tensor/tensor.js';

/** A tensor, or values `ck.tensor` accepts (a number becomes a scalar). */
export type TensorInput = Tensor | TensorLike;

/** `x` as a tensor; `op` and `arg` name it in errors (tfjs's convertToTensor). */
export function toTensor(x: TensorInput, arg: string, op: string, dtype?: StorageDType): Tensor {
  if (x instanceof Tensor) {
    if (x.isDisposed) throw new ValueError(`${op}: argument '${arg}' is a disposed tensor`);
    return x;
  }
  if (x === null || x === undefined) throw new ValueError(`${op}: argument '${arg}' must be a tensor or numbers. Received ${String(x)}`);
  try {
    return tensor(x, undefined, dtype);
  } catch (e) {
    throw new ValueError(`${op}: argument '${arg}' must be a tensor or numbers: ${(e as Error).message}`);
  }
}

const RANK: Record<StorageDType, number> = { bool: 0, int32: 1, float32: 2 };

/** The backend dtype a tensor's values are read as (uint8 image data reads as int32). */
export function storageType(t: Tensor): StorageDType {
  return t.dtype === 'uint8' ? 'int32' : t.dtype;
}

/** tfjs's upcast: bool < int32 < float32. */
export function upcast(a: DType, b: DType): StorageDType {
  const x = a === 'uint8' ? 'int32' : a, y = b === 'uint8' ? 'int32' : b;
  return RANK[x] >= RANK[y] ? x : y;
}

/** `t` with backend storage of `dtype` (itself when it has it already). Not differentiable: see `cast`. */
export function asStorage(t: Tensor, dtype: StorageDType = storageType(t)): Tensor {
  if (!t.isHost && t.dtype === dtype) return t;
  if (t.isHost) {
    const out = Tensor.empty(t.shape, dtype);
    out.backend.write(out.storage, t.hostData);
    return out;
  }
  const out = Tensor.empty(t.shape, dtype, t.backend);
  t.backend.cast(t.storage, out.storage, t.size);
  return out;
}

/** Normalises axes (negative counts from the end) of a rank-`rank` tensor; `undefined` means all. */
export function normAxes(axis: number | readonly number[] | undefined | null, rank: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -Math.max(rank, 1) || a >= Math.max(rank, 1))
      throw new ValueError(`${op}: axis ${a} is out of range for a rank-${rank} tensor (expected [${-rank}, ${rank}))`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new ValueError(`${op}: axes must be distinct. Received ${JSON.stringify(list)}`);
  return out.sort((a, b) => a - b);
}

/** Normalises one axis. */
export function normAxis(axis: number, rank: number, op: string): number {
  return normAxes(axis, rank, op)[0];
}

/** Throws unless the shapes are equal. */
export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(`${op}: shapes must match. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
}

/** Throws unless `t` has one of the dtypes. */
export function assertDType(op: string, arg: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) throw new ValueError(`${op}: argument '${arg}' must have dtype ${allowed.join(' or ')}. Received ${t.dtype}`);
}
