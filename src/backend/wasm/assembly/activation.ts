/**
 * Element-wise activations and their gradients on four lanes, as tasks over element spans: the
 * float32 forms of the reference's float64 functions (src/backend/cpu/elementwise.ts), built on
 * norm.ts's e^x (about 2 ulp), a Cephes-style tanh and a log1p from atanh's series. Each agrees
 * with the reference to about 1e-7 relative to the larger of 1 and the value; NaN stays NaN.
 *
 * Ops: 0 gelu, 1 sigmoid, 2 tanh, 3 elu (α), 4 selu, 5 swish, 6 softplus, 7 mish, 8 leakyRelu (α),
 * 9 hardSigmoid, 10 softsign, 11 exp, and, for gradients only (their forms are exact in ops.ts),
 * 12 relu, 13 relu6.
 */
import { word } from './gemm';
import { madd } from './simd';
import { Gelu, at, expv, geluGradv, geluv, lane } from './norm';

const SELU_SCALE: f32 = 1.0507009873554805;
const SELU_ALPHA: f32 = 1.6732632423543772;

/** e^−|x| and p = 1/(1 + e^−|x|): σ(x) is p or e·p by x's sign, 1 − σ(x) = σ(−x) the other (no cancellation). */
// @ts-ignore: decorator
@inline
function sigmoidE(x: v128): v128 {
  return expv(f32x4.neg(f32x4.abs(x)));
}

// @ts-ignore: decorator
@inline
function sigmoidP(e: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
}

/** σ(x) = 1/(1 + e^−x), never overflowing. */
// @ts-ignore: decorator
@inline
export function sigmoidv(x: v128): v128 {
  const e = sigmoidE(x), p = sigmoidP(e);
  return v128.bitselect(p, f32x4.mul(e, p), f32x4.ge(x, f32x4.splat(0)));
}

/** 1 − σ(x) = σ(−x). */
// @ts-ignore: decorator
@inline
function sigmoidComplementv(x: v128): v128 {
  const e = sigmoidE(x), p = sigmoidP(e);
  return v128.bitselect(f32x4.mul(e, p), p, f32x4.ge(x, f32x4.splat(0)));
}

/** 1 − tanh|u|, from 2/(e^2|u| + 1) above |u| = 0.625 (accurate where tanh nears 1), else 1 − |P-form tanh|. */
// @ts-ignore: decorator
@inline
function tanhComplement(a: v128, small: v128): v128 {
  const q = f32x4.div(f32x4.splat(2), f32x4.add(expv(f32x4.add(a, a)), f32x4.splat(1)));
  return v128.bitselect(f32x4.sub(f32x4.splat(1), f32x4.abs(small)), q, f32x4.lt(a, f32x4.splat(0.625)));
}

/** tanh by Cephes' tanhf below |x| = 0.625 (x + x³·P(x²)); x² for the caller. */
// @ts-ignore: decorator
@inline
function tanhSmall(x: v128): v128 {
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd(p, z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  return madd(f32x4.mul(p, z), x, x);
}

/** tanh: the small form below |x| = 0.625, 1 − (1 − tanh|x|) with x's sign above. */
// @ts-ignore: decorator
@inline
export function tanhv(x: v128): v128 {
  const a = f32x4.abs(x), small = tanhSmall(x);
  const big = v128.or(f32x4.sub(f32x4.splat(1), tanhComplement(a, small)), v128.and(x, f32x4.splat(-0.0)));
  return v128.bitselect(small, big, f32x4.lt(a, f32x4.splat(0.625)));
}

/** 1 − tanh²(x) = c·(2 − c), c = 1 − tanh|x| (no cancellation where tanh nears ±1). */
// @ts-ignore: decorator
@inline
function sech2v(x: v128): v128 {
  const c = tanhComplement(f32x4.abs(x), tanhSmall(x));
  return f32x4.mul(c, f32x4.sub(f32x4.splat(2), c));
}

/** log(1 + u) for u in [0, 1]: 2·atanh(s), s = u/(2 + u) ≤ 1/3, by atanh's series to s¹³. */
// @ts-ignore: decorator
@inline
function log1pv(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(u, f32x4.splat(2)));
  const z = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 13));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 11)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 9)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 7)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 5)));
  p = madd(p, z, f32x4.splat(<f32>(1.0 / 3)));
  p = madd(p, z, f32x4.splat(1));
  return f32x4.mul(f32x4.add(s, s), p);
}

/** log(1 + e^x) = max(x, 0) + log1p(e^−|x|). */
// @ts-ignore: decorator
@inline
function softplusv(x: v128): v128 {
  return f32x4.add(f32x4.max(x, f32x4.splat(0)), log1pv(expv(f32x4.neg(f32x4.abs(x)))));
}

/** e^x with overflow to +∞ (expv alone clamps at e^88): e^(x − 1)·e above 80. */
// @ts-ignore: decorator
@inline
function expFullv(x: v128): v128 {
  const high = f32x4.mul(expv(f32x4.sub(x, f32x4.splat(1))), f32x4.splat(2.7182817459106445));
  return v128.bitselect(high, expv(x), f32x4.gt(x, f32x4.splat(80)));
}

/** x where x > 0, else `neg`. */
// @ts-ignore: decorator
@inline
function positive(x: v128, neg: v128): v128 {
  return v128.bitselect(x, neg, f32x4.gt(x, f32x4.splat(0)));
}

/** f(x) of op (α: elu's and leakyRelu's parameter). */
// @ts-ignore: decorator
@inline
function forwardv(x: v128, op: i32, alpha: v128): v128 {
  if (op == 0) return geluv(x);
  if (op == 1) return sigmoidv(x);
  if (op == 2) return tanhv(x);
  if (op == 3) return positive(x, f32x4.mul(alpha, f32x4.sub(expv(x), f32x4.splat(1))));
  if (op == 4) return positive(f32x4.mul(x, f32x4.splat(SELU_SCALE)), f32x4.mul(f32x4.splat(SELU_SCALE * SELU_ALPHA), f32x4.sub(expv(x), f32x4.splat(1))));
  if (op == 5) return f32x4.mul(x, sigmoidv(x));
  if (op == 6) return softplusv(x);
  if (op == 7) return f32x4.mul(x, tanhv(softplusv(x)));
  if (op == 8) return positive(x, f32x4.mul(alpha, x));
  if (op == 9) return f32x4.min(f32x4.max(madd(x, f32x4.splat(0.2), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
  if (op == 10) return f32x4.div(x, f32x4.add(f32x4.splat(1), f32x4.abs(x)));
  return expFullv(x);
}

/** dy·f'(x) of op; y = f(x) where the op's gradient is taken from it (sigmoid, tanh, exp, relu). */
// @ts-ignore: decorator
@inline
function gradientv(x: v128, y: v128, dy: v128, op: i32, alpha: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  if (op == 12) return v128.and(dy, f32x4.gt(y, zero));
  if (op == 13) return v128.and(dy, v128.and(f32x4.gt(x, zero), f32x4.lt(x, f32x4.splat(6))));
  let d: v128;
  if (op == 0) d = geluGradv(x);
  else if (op == 1) d = f32x4.mul(y, f32x4.sub(one, y));
  else if (op == 2) d = f32x4.sub(one, f32x4.mul(y, y));
  else if (op == 3) d = v128.bitselect(one, f32x4.add(y, alpha), f32x4.gt(x, zero));
  else if (op == 4) d = v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.mul(f32x4.splat(SELU_SCALE * SELU_ALPHA), expv(x)), f32x4.gt(x, zero));
  else if (op == 5) {
    const s = sigmoidv(x);
    d = madd(f32x4.mul(x, s), sigmoidComplementv(x), s);
  } else if (op == 6) d = sigmoidv(x);
  else if (op == 7) {
    const sp = softplusv(x);
    d = madd(f32x4.mul(x, sech2v(sp)), sigmoidv(x), tanhv(sp));
  } else if (op == 8) d = v128.bitselect(one, alpha, f32x4.gt(x, zero));
  else if (op == 9) d = v128.and(f32x4.splat(0.2), v128.and(f32x4.gt(x, f32x4.splat(-2.5)), f32x4.lt(x, f32x4.splat(2.5))));
  else if (op == 10) {
    const a = f32x4.add(one, f32x4.abs(x));
    d = f32x4.div(one, f32x4.mul(a, a));
  } else d = y;
  return f32x4.mul(dy, d);
}

/**
 * Activation task t over elements [t·per, (t+1)·per): out = f(x), or with dy, out (+)= dy·f'(x).
 * Job words: 0 x, 1 y (= f(x), read by the gradients of sigmoid, tanh, elu, exp and relu), 2 dy
 * (0: forward), 3 out, 4 n, 5 elements per task (a multiple of 4), 6 accumulate, 7 op, 8 α (float32 bits).
 * GELU, the fast recipe's, gets loops of its own, as norm.ts's activations do: activationSpan is
 * compiled per direction and for GELU or any op (type parameters), since with the op chosen inside
 * the loop V8 reloads spilled constants at every step.
 */
export function activationTask(job: usize, t: i32): void {
  const gradient = word(job, 2) != 0, gelu = word(job, 7) == 0;
  if (gradient) {
    if (gelu) activationSpan<Gradient, Gelu>(job, t);
    else activationSpan<Gradient, AnyOp>(job, t);
  } else if (gelu) activationSpan<Forward, Gelu>(job, t);
  else activationSpan<Forward, AnyOp>(job, t);
}

/** The direction of an activation task, as a type parameter. */
class Forward {}
class Gradient {}
/** Any activation: the op is read from the job. */
class AnyOp {}

function activationSpan<D, O>(job: usize, t: i32): void {
  const gradient = idof<D>() == idof<Gradient>(), op = idof<O>() == idof<Gelu>() ? 0 : word(job, 7);
  const x = <usize>word(job, 0), y = <usize>word(job, 1), dy = <usize>word(job, 2), o = <usize>word(job, 3), n = word(job, 4), per = word(job, 5);
  const accumulate = word(job, 6) != 0;
  const alpha = f32x4.splat(reinterpret<f32>(word(job, 8)));
  const i0 = t * per, i1 = min(n, i0 + per);
  const zero = f32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const xv = x ? v128.load(at(x, i)) : zero, yv = y ? v128.load(at(y, i)) : zero;
    let v = gradient ? gradientv(xv, yv, v128.load(at(dy, i)), op, alpha) : forwardv(xv, op, alpha);
    if (accumulate) v = f32x4.add(v128.load(at(o, i)), v);
    v128.store(at(o, i), v);
  }
  for (; i < i1; i++) {
    const xv = f32x4.splat(x ? load<f32>(at(x, i)) : 0), yv = f32x4.splat(y ? load<f32>(at(y, i)) : 0);
    let v = lane(gradient ? gradientv(xv, yv, f32x4.splat(load<f32>(at(dy, i))), op, alpha) : forwardv(xv, op, alpha));
    if (accumulate) v += load<f32>(at(o, i));
    store<f32>(at(o, i), v);
  }
}
