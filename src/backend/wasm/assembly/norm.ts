/**
 * Batch normalisation over the rows of a rows×cols matrix (NHWC flattened: one column per
 * channel), as tasks over row spans: statistics, the normalised (and activated) output, and the
 * two passes of the backward. Activations: 0 linear, 1 relu, 2 gelu (the erf form, as Keras
 * computes it: x·(1 + erf(x/√2))/2).
 *
 * Sums per column are taken per chunk of rows (the chunking depends on the shape only, so a result
 * never depends on the thread count): float32 lanes over blocks of BLOCK rows, flushed into a
 * float64 partial per chunk that the host adds up in chunk order. Statistics sum x − x[0, c] (the
 * first row as a shift), which keeps the variance free of cancellation when the mean is large.
 */
import { word } from './gemm';
import { madd } from './simd';

const RELU: i32 = 1;
const GELU: i32 = 2;
/** Rows summed in float32 before they are added into the float64 partials. */
const BLOCK: i32 = 32;

// @ts-ignore: decorator
@inline
export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// ---- exp, Φ and GELU on four lanes ---------------------------------------------------------------

/** c5·x⁵ + c4·x⁴ + ... + c0 on four lanes, by Horner's rule (highest coefficient first). */
// @ts-ignore: decorator
@inline
function horner5(x: v128, c5: f32, c4: f32, c3: f32, c2: f32, c1: f32, c0: f32): v128 {
  let p = f32x4.splat(c5);
  p = madd(p, x, f32x4.splat(c4));
  p = madd(p, x, f32x4.splat(c3));
  p = madd(p, x, f32x4.splat(c2));
  p = madd(p, x, f32x4.splat(c1));
  return madd(p, x, f32x4.splat(c0));
}

/**
 * e^x on four lanes for x ≤ 88 (arguments below −87.3 give 0: no subnormal reaches the callers,
 * whose arithmetic on them runs several times slower): x = n·ln 2 + r with |r| ≤ ln 2 / 2
 * (ln 2 split in two parts, as in Cephes' expf), e^r by its degree-7 minimax polynomial (Cephes),
 * 2^n through the exponent bits. Relative error about 2 ulp. n is rounded by adding
 * 1.5·2²³ + 127, which leaves n + 127 in the low mantissa bits (the exponent field of 2^n once
 * shifted), and the clamp uses pmin/pmax (one instruction each; a NaN still passes through):
 * f32x4.min/max, f32x4.nearest and the saturating conversion cost about twenty instructions more.
 */
// @ts-ignore: decorator
@inline
export function expv(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, f32x4.splat(-87.33654)), f32x4.splat(88.0));
  const t = madd(x, f32x4.splat(1.44269504089), f32x4.splat(12583039.0));
  const n = f32x4.sub(t, f32x4.splat(12583039.0));
  let r = madd(n, f32x4.splat(-0.693359375), x);
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  const p = horner5(r, 1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1);
  const y = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1));
  return v128.andnot(f32x4.mul(y, i32x4.shl(t, 23)), f32x4.lt(x0, f32x4.splat(-87.33654)));
}

/**
 * erf(x) on four lanes: x·P(x²)/Q(x²) for |x| ≤ 3.92, a rational function of degree 5 over 5 in
 * x² fitted toward the minimax absolute error (1.6e-8 in float64, about 3.4e-7 evaluated in
 * float32), and exactly ±1 from 3.92 on (erf is within 1.1e-8 of it there). One division and eleven
 * multiply-adds: the erfc form with its exponential (relative accuracy in the far tails) took
 * twice the instructions, and GELU's forward pass is instruction-bound. A NaN passes through.
 */
// @ts-ignore: decorator
@inline
function erfv(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, f32x4.splat(-3.92)), f32x4.splat(3.92));
  const u = f32x4.mul(x, x);
  const p = horner5(u, 2.034724155636214e-06, 0.00028747577444329306, 0.0038682477687353163, 0.053060233092028744, 0.19276246391361018, 1.128379022426061);
  const q = horner5(u, 3.807033814075961e-05, 0.0011880923362965305, 0.01517213931471053, 0.11508392614363161, 0.5041629530057783, 1.0);
  // Exactly ±1 past the clamp (the rational's float32 value there is 1 − 6e-8), so that gelu(−∞) = −∞·0 = NaN as the reference has it.
  const sign = v128.or(v128.and(x0, f32x4.splat(-0.0)), f32x4.splat(1));
  return v128.bitselect(sign, f32x4.div(f32x4.mul(x, p), q), f32x4.ge(f32x4.abs(x0), f32x4.splat(3.92)));
}

/** e^(−z²/2) = √(2π)·φ(z). */
// @ts-ignore: decorator
@inline
function gaussv(z: v128): v128 {
  return expv(f32x4.mul(f32x4.mul(z, z), f32x4.splat(-0.5)));
}

/** Φ(z) = (1 + erf(z/√2))/2, as Keras and TensorFlow.js compute GELU's (absolute error about 2e-7). */
// @ts-ignore: decorator
@inline
function cdfv(z: v128): v128 {
  return madd(erfv(f32x4.mul(z, f32x4.splat(0.70710678118654752))), f32x4.splat(0.5), f32x4.splat(0.5));
}

/** gelu(z) = z·Φ(z). */
// @ts-ignore: decorator
@inline
export function geluv(z: v128): v128 {
  return f32x4.mul(z, cdfv(z));
}

/** gelu'(z) = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π). */
// @ts-ignore: decorator
@inline
export function geluGradv(z: v128): v128 {
  return madd(z, f32x4.mul(gaussv(z), f32x4.splat(0.39894228)), cdfv(z));
}

/** act(z) on four lanes. */
// @ts-ignore: decorator
@inline
function actv(z: v128, act: i32): v128 {
  if (act == RELU) return f32x4.max(z, f32x4.splat(0));
  if (act == GELU) return geluv(z);
  return z;
}

/** dy·act'(z) on four lanes. */
// @ts-ignore: decorator
@inline
function actGradv(z: v128, dy: v128, act: i32): v128 {
  if (act == RELU) return v128.and(dy, f32x4.gt(z, f32x4.splat(0)));
  if (act == GELU) return f32x4.mul(dy, geluGradv(z));
  return dy;
}

/**
 * Activations as type parameters: a task's loop is compiled once per activation (forwardRows<Gelu>,
 * ...), each with its activation fixed. With the activation a runtime value chosen inside the loop,
 * V8 reloads the spilled constants of GELU's polynomials at every step; inlined copies with a
 * constant argument do not help, as the optimizer folds their identical loops back into one.
 */
class Linear {}
class Relu {}
export class Gelu {}
/** The second backward pass's dz read as stored (no activation to recompute). */
class Stored {}

/** The activation code (0 linear, RELU, GELU; −1 Stored) of an activation type, a compile-time constant. */
// @ts-ignore: decorator
@inline
function actCode<A>(): i32 {
  return idof<A>() == idof<Gelu>() ? GELU : idof<A>() == idof<Relu>() ? RELU : idof<A>() == idof<Stored>() ? -1 : 0;
}

/** Lane 0 of a four-lane function for the last cols mod 4 columns. */
// @ts-ignore: decorator
@inline
export function lane(v: v128): f32 {
  return f32x4.extract_lane(v, 0);
}

// ---- jobs ----------------------------------------------------------------------------------------

/** Scratch bytes of a sum task: two float32 accumulators per column. */
export function normSumScratch(job: usize, colsWord: i32): i32 {
  return (word(job, colsWord) << 3) + 64;
}

/** Adds the block sums s1, s2 (float32) into the chunk's float64 partials p1, p2 and clears them. */
// @ts-ignore: decorator
@inline
function flush(s1: usize, s2: usize, p1: usize, p2: usize, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    const o = <usize>c << 3;
    store<f64>(p1 + o, load<f64>(p1 + o) + <f64>load<f32>(at(s1, c)));
    store<f64>(p2 + o, load<f64>(p2 + o) + <f64>load<f32>(at(s2, c)));
  }
  memory.fill(s1, 0, <usize>cols << 3);
}

/**
 * Statistics task t: rows [t·per, (t+1)·per). Job words: 0 x, 1 rows, 2 cols, 3 rows per task,
 * 4 partials (float64 [task][2][cols]: Σ (x − x[0]) and Σ (x − x[0])²).
 */
export function normStatsTask(job: usize, t: i32, scratch: usize): void {
  const x = <usize>word(job, 0), rows = word(job, 1), cols = word(job, 2), per = word(job, 3);
  const r0 = t * per, r1 = min(rows, r0 + per);
  const p1 = <usize>word(job, 4) + (<usize>(t * cols) << 4), p2 = p1 + (<usize>cols << 3);
  const s1 = scratch, s2 = at(scratch, cols);
  memory.fill(p1, 0, <usize>cols << 4);
  memory.fill(s1, 0, <usize>cols << 3);
  for (let b = r0; b < r1; b += BLOCK) {
    const e = min(r1, b + BLOCK);
    for (let r = b; r < e; r++) {
      const row = at(x, r * cols);
      let c = 0;
      for (; c + 4 <= cols; c += 4) {
        const d = f32x4.sub(v128.load(at(row, c)), v128.load(at(x, c)));
        v128.store(at(s1, c), f32x4.add(v128.load(at(s1, c)), d));
        v128.store(at(s2, c), f32x4.add(v128.load(at(s2, c)), f32x4.mul(d, d)));
      }
      for (; c < cols; c++) {
        const d = load<f32>(at(row, c)) - load<f32>(at(x, c));
        store<f32>(at(s1, c), load<f32>(at(s1, c)) + d);
        store<f32>(at(s2, c), load<f32>(at(s2, c)) + d * d);
      }
    }
    flush(s1, s2, p1, p2, cols);
  }
}

/**
 * Forward task t: y = act(x·scale + shift) for rows [t·per, (t+1)·per). Job words: 0 x, 1 y,
 * 2 rows, 3 cols, 4 scale, 5 shift (float32 per column), 6 act, 7 rows per task. Each activation
 * gets its own loop (forwardRows inlined with a constant act): with the activation chosen inside
 * the loop, V8 reloads the spilled constants of GELU's polynomials at every step.
 */
export function normForwardTask(job: usize, t: i32): void {
  const act = word(job, 6);
  if (act == GELU) forwardRows<Gelu>(job, t);
  else if (act == RELU) forwardRows<Relu>(job, t);
  else forwardRows<Linear>(job, t);
}

function forwardRows<A>(job: usize, t: i32): void {
  const act = actCode<A>();
  const x = <usize>word(job, 0), y = <usize>word(job, 1), rows = word(job, 2), cols = word(job, 3);
  const scale = <usize>word(job, 4), shift = <usize>word(job, 5), per = word(job, 7);
  const r0 = t * per, r1 = min(rows, r0 + per);
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * cols), yr = at(y, r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const z = madd(v128.load(at(xr, c)), v128.load(at(scale, c)), v128.load(at(shift, c)));
      v128.store(at(yr, c), actv(z, act));
    }
    for (; c < cols; c++) {
      const z = f32x4.splat(load<f32>(at(xr, c)) * load<f32>(at(scale, c)) + load<f32>(at(shift, c)));
      store<f32>(at(yr, c), lane(actv(z, act)));
    }
  }
}

/**
 * First backward pass, task t over rows [t·per, (t+1)·per): dz = dy·act'(z) with
 * x̂ = (x − mean)·inv and z = g·x̂ + b; stores dz where a buffer is given (it may be dy itself) and
 * sums Σ dz and Σ dz·x̂ per column. Job words: 0 x, 1 dy, 2 rows, 3 cols, 4 rows per task,
 * 5 partials (float64 [task][2][cols]), 6 mean, 7 inv, 8 g, 9 b (float32 per column), 10 act,
 * 11 dz (0: not stored). One loop per activation, as normForwardTask.
 */
export function normBackwardSumsTask(job: usize, t: i32, scratch: usize): void {
  const act = word(job, 10);
  if (act == GELU) backwardSums<Gelu>(job, t, scratch);
  else if (act == RELU) backwardSums<Relu>(job, t, scratch);
  else backwardSums<Linear>(job, t, scratch);
}

function backwardSums<A>(job: usize, t: i32, scratch: usize): void {
  const act = actCode<A>();
  const x = <usize>word(job, 0), dy = <usize>word(job, 1), rows = word(job, 2), cols = word(job, 3), per = word(job, 4);
  const mean = <usize>word(job, 6), inv = <usize>word(job, 7), g = <usize>word(job, 8), b = <usize>word(job, 9);
  const dz = <usize>word(job, 11);
  const r0 = t * per, r1 = min(rows, r0 + per);
  const p1 = <usize>word(job, 5) + (<usize>(t * cols) << 4), p2 = p1 + (<usize>cols << 3);
  const s1 = scratch, s2 = at(scratch, cols);
  memory.fill(p1, 0, <usize>cols << 4);
  memory.fill(s1, 0, <usize>cols << 3);
  for (let bl = r0; bl < r1; bl += BLOCK) {
    const e = min(r1, bl + BLOCK);
    for (let r = bl; r < e; r++) {
      const xr = at(x, r * cols), dyr = at(dy, r * cols), dzr = dz ? at(dz, r * cols) : 0;
      let c = 0;
      for (; c + 4 <= cols; c += 4) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(at(xr, c)), v128.load(at(mean, c))), v128.load(at(inv, c)));
        const z = f32x4.add(f32x4.mul(v128.load(at(g, c)), xhat), v128.load(at(b, c)));
        const d = actGradv(z, v128.load(at(dyr, c)), act);
        if (dz) v128.store(at(dzr, c), d);
        v128.store(at(s1, c), f32x4.add(v128.load(at(s1, c)), d));
        v128.store(at(s2, c), f32x4.add(v128.load(at(s2, c)), f32x4.mul(d, xhat)));
      }
      for (; c < cols; c++) {
        const xhat = (load<f32>(at(xr, c)) - load<f32>(at(mean, c))) * load<f32>(at(inv, c));
        const z = f32x4.splat(load<f32>(at(g, c)) * xhat + load<f32>(at(b, c)));
        const d = lane(actGradv(z, f32x4.splat(load<f32>(at(dyr, c))), act));
        if (dz) store<f32>(at(dzr, c), d);
        store<f32>(at(s1, c), load<f32>(at(s1, c)) + d);
        store<f32>(at(s2, c), load<f32>(at(s2, c)) + d * xhat);
      }
    }
    flush(s1, s2, p1, p2, cols);
  }
}

/**
 * Second backward pass, task t over rows [t·per, (t+1)·per): dx (+)= A·dz + Q·(x − mean) + C per
 * column. dz is read from `src`, or, with `recompute` ≥ 0, recomputed from src = dy as in the
 * first pass with that activation. Job words: 0 x, 1 src, 2 dx, 3 rows, 4 cols, 5 A, 6 Q, 7 C,
 * 8 mean, 9 accumulate, 10 rows per task, 11 recompute (−1: src is dz), 12 inv, 13 g, 14 b.
 */
export function normBackwardDxTask(job: usize, t: i32): void {
  const act = word(job, 11);
  if (act == GELU) backwardDx<Gelu>(job, t);
  else if (act == RELU) backwardDx<Relu>(job, t);
  else if (act >= 0) backwardDx<Linear>(job, t);
  else backwardDx<Stored>(job, t);
}

function backwardDx<A>(job: usize, t: i32): void {
  const act = actCode<A>();
  const x = <usize>word(job, 0), src = <usize>word(job, 1), dx = <usize>word(job, 2), rows = word(job, 3), cols = word(job, 4);
  const A = <usize>word(job, 5), Q = <usize>word(job, 6), C = <usize>word(job, 7), mean = <usize>word(job, 8);
  const accumulate = word(job, 9) != 0, per = word(job, 10);
  const inv = <usize>word(job, 12), g = <usize>word(job, 13), b = <usize>word(job, 14);
  const r0 = t * per, r1 = min(rows, r0 + per);
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * cols), sr = at(src, r * cols), dxr = at(dx, r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const centred = f32x4.sub(v128.load(at(xr, c)), v128.load(at(mean, c)));
      let d = v128.load(at(sr, c));
      if (act >= 0) d = actGradv(f32x4.add(f32x4.mul(v128.load(at(g, c)), f32x4.mul(centred, v128.load(at(inv, c)))), v128.load(at(b, c))), d, act);
      let v = f32x4.add(f32x4.add(f32x4.mul(v128.load(at(A, c)), d), f32x4.mul(v128.load(at(Q, c)), centred)), v128.load(at(C, c)));
      if (accumulate) v = f32x4.add(v128.load(at(dxr, c)), v);
      v128.store(at(dxr, c), v);
    }
    for (; c < cols; c++) {
      const centred = load<f32>(at(xr, c)) - load<f32>(at(mean, c));
      let d = load<f32>(at(sr, c));
      if (act >= 0) d = lane(actGradv(f32x4.splat(load<f32>(at(g, c)) * (centred * load<f32>(at(inv, c))) + load<f32>(at(b, c))), f32x4.splat(d), act));
      let v = load<f32>(at(A, c)) * d + load<f32>(at(Q, c)) * centred + load<f32>(at(C, c));
      if (accumulate) v += load<f32>(at(dxr, c));
      store<f32>(at(dxr, c), v);
    }
  }
}
