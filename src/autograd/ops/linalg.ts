/** Matrix products (tfjs `matMul`, batched over leading dimensions with broadcasting). */
import { sizeOf } from '../../backend/shape.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { broadcastShape, cast, sumToShape } from './elementwise.js';
import { broadcastTo, reshape } from './transform.js';
import { asStorage, toTensor, type TensorInput } from './util.js';

/**
 * a · b over the last two dimensions, with optional transposes (tfjs `matMul`). Leading (batch)
 * dimensions broadcast. float32.
 */
export function matMul(aIn: TensorInput, bIn: TensorInput, transposeA = false, transposeB = false): Tensor {
  const a0 = toTensor(aIn, 'a', 'matMul'), b0 = toTensor(bIn, 'b', 'matMul');
  if (a0.dtype === 'bool' || b0.dtype === 'bool') throw new ValueError(`matMul: operands must be float32 or int32. Received ${a0.dtype} and ${b0.dtype}`);
  // Mixed operands are upcast to float32 (tfjs's makeTypesMatch).
  const mixed = a0.dtype !== b0.dtype && (a0.dtype === 'float32' || b0.dtype === 'float32');
  const a = mixed ? cast(a0, 'float32') : a0, b = mixed ? cast(b0, 'float32') : b0;
  if (a.rank < 2 || b.rank < 2) throw new ShapeError(`matMul: both operands must have rank >= 2. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  if (a.dtype !== 'float32') {
    // int32 (tfjs allows it): the float32 product is exact while the sums stay below 2^24.
    return cast(matMul(cast(a, 'float32'), cast(b, 'float32'), transposeA, transposeB), 'int32');
  }
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transposeA ? ac : ar, k = transposeA ? ar : ac;
  const k2 = transposeB ? bc : br, n = transposeB ? br : bc;
  if (k !== k2)
    throw new ShapeError(`matMul: inner dimensions must agree. Received ${fmtShape(a.shape)}${transposeA ? 'ᵀ' : ''} · ${fmtShape(b.shape)}${transposeB ? 'ᵀ' : ''} (${k} vs ${k2})`);
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = broadcastShape('matMul', batchA, batchB);
  const nb = sizeOf(batch);
  // A batch operand that is broadcast is read with stride 0 when it is a single matrix, else expanded.
  const operand = (t: Tensor, own: number[]): { t: Tensor; stride: number } => {
    if (sizeOf(own) === nb) return { t: asStorage(t), stride: t.shape.at(-2)! * t.shape.at(-1)! };
    if (sizeOf(own) === 1) return { t: asStorage(t), stride: 0 };
    return { t: asStorage(broadcastTo(t, [...batch, ...t.shape.slice(-2)])), stride: t.shape.at(-2)! * t.shape.at(-1)! };
  };
  const A = operand(a, batchA), B = operand(b, batchB);
  const be = A.t.backend;
  const y = Tensor.empty([...batch, m, n], 'float32', be);
  if (nb === 1) be.gemm(A.t.storage, B.t.storage, y.storage, m, n, k, transposeA, transposeB, false);
  else if (y.size > 0) be.batchGemm(A.t.storage, B.t.storage, y.storage, nb, m, n, k, transposeA, transposeB, A.stride, B.stride, false);
  return record(y, 'matMul', [a, b], (dy, grads) => {
    // C = op(A)·op(B): dop(A) = dC·op(B)ᵀ, dop(B) = op(A)ᵀ·dC, transposed back where op transposed.
    if (a.requiresGrad) {
      const ga = transposeA ? matMul(b, dy, transposeB, true) : matMul(dy, b, false, !transposeB);
      grads.add(a, sumToShape(ga, a.shape));
    }
    if (b.requiresGrad) {
      const gb = transposeB ? matMul(dy, a, true, transposeA) : matMul(a, dy, !transposeA, false);
      grads.add(b, sumToShape(gb, b.shape));
    }
  });
}

/**
 * Dot product of vectors and matrices of rank 1 or 2 (tfjs `dot`): vector·vector is a scalar,
 * matrix·vector a vector, and so on.
 */
export function dot(t1In: TensorInput, t2In: TensorInput): Tensor {
  const a = toTensor(t1In, 't1', 'dot'), b = toTensor(t2In, 't2', 'dot');
  if ((a.rank !== 1 && a.rank !== 2) || (b.rank !== 1 && b.rank !== 2))
    throw new ShapeError(`dot: inputs must have rank 1 or 2. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  const inA = a.rank === 1 ? a.size : a.shape[1], inB = b.rank === 1 ? b.size : b.shape[0];
  if (inA !== inB) throw new ShapeError(`dot: inner dimensions must match. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)} (${inA} vs ${inB})`);
  const y = matMul(a.rank === 1 ? reshape(a, [1, -1]) : a, b.rank === 1 ? reshape(b, [-1, 1]) : b);
  if (a.rank === 1 && b.rank === 1) return reshape(y, []);
  return a.rank === 1 || b.rank === 1 ? reshape(y, [y.size]) : y;
}

/** The outer product of two vectors: [m] ⊗ [n] → [m, n] (tfjs `outerProduct`). */
export function outerProduct(v1In: TensorInput, v2In: TensorInput): Tensor {
  const a = toTensor(v1In, 'v1', 'outerProduct'), b = toTensor(v2In, 'v2', 'outerProduct');
  if (a.rank !== 1 || b.rank !== 1) throw new ShapeError(`outerProduct: inputs must have rank 1. Received ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matMul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}
