/**
 * Element-wise kernels, reductions, softmax and optimizer updates. Activations: 0 linear, 1 relu,
 * 2 sigmoid, 3 tanh (the last two from activation.ts's four-lane forms, within about 2 ulp of the
 * reference's float64 values); the rest in f32x4 lanes.
 */
import { sigmoidv, tanhv } from './activation';

export const LINEAR: i32 = 0;
export const RELU: i32 = 1;
export const SIGMOID: i32 = 2;
export const TANH: i32 = 3;

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** act(v) on four lanes. */
// @ts-ignore: decorator
@inline
function actv(v: v128, act: i32): v128 {
  if (act == RELU) return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  if (act == SIGMOID) return sigmoidv(v);
  if (act == TANH) return tanhv(v);
  return v;
}

/** y[r, c] = act(x[r, c] + bias[c]) for rows [r0, r1); bias 0 means none. */
export function biasActivation(x: usize, bias: usize, y: usize, r0: i32, r1: i32, cols: i32, act: i32): void {
  for (let r = r0; r < r1; r++) {
    const xr = at(x, r * cols), yr = at(y, r * cols);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      let v = v128.load(at(xr, c));
      if (bias) v = f32x4.add(v, v128.load(at(bias, c)));
      v128.store(at(yr, c), actv(v, act));
    }
    for (; c < cols; c++) {
      let v = load<f32>(at(xr, c));
      if (bias) v += load<f32>(at(bias, c));
      store<f32>(at(yr, c), f32x4.extract_lane(actv(f32x4.splat(v), act), 0));
    }
  }
}

/** dx (+)= dy · act'(y) over elements [i0, i1). */
export function activationBackward(y: usize, dy: usize, dx: usize, i0: i32, i1: i32, act: i32, acc: bool): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const yv = v128.load(at(y, i)), g = v128.load(at(dy, i));
    let r: v128;
    if (act == RELU) r = v128.and(g, f32x4.gt(yv, zero));
    else if (act == SIGMOID) r = f32x4.mul(g, f32x4.mul(yv, f32x4.sub(one, yv)));
    else if (act == TANH) r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(yv, yv)));
    else r = g;
    if (acc) r = f32x4.add(v128.load(at(dx, i)), r);
    v128.store(at(dx, i), r);
  }
  for (; i < i1; i++) {
    const yv = load<f32>(at(y, i)), g = load<f32>(at(dy, i));
    let r: f32;
    if (act == RELU) r = yv > 0 ? g : 0;
    else if (act == SIGMOID) r = g * (yv * (1 - yv));
    else if (act == TANH) r = g * (1 - yv * yv);
    else r = g;
    if (acc) r = load<f32>(at(dx, i)) + r;
    store<f32>(at(dx, i), r);
  }
}

/** db[c] (+)= Σ_r dy[r, c], rows summed in order. */
export function biasGrad(dy: usize, db: usize, rows: i32, cols: i32, acc: bool): void {
  biasGradColumns(dy, db, rows, cols, 0, cols, acc);
}

/** biasGrad for columns [c0, c1) only (each column's rows are still summed in order). */
export function biasGradColumns(dy: usize, db: usize, rows: i32, cols: i32, c0: i32, c1: i32, acc: bool): void {
  if (!acc) memory.fill(at(db, c0), 0, <usize>(c1 - c0) << 2);
  for (let r = 0; r < rows; r++) {
    const row = at(dy, r * cols);
    let c = c0;
    for (; c + 4 <= c1; c += 4) v128.store(at(db, c), f32x4.add(v128.load(at(db, c)), v128.load(at(row, c))));
    for (; c < c1; c++) store<f32>(at(db, c), load<f32>(at(db, c)) + load<f32>(at(row, c)));
  }
}

/** Binary element-wise ops: 0 add, 1 mul, 2 sub, 3 div, 4 maximum, 5 minimum, 6 b − a, 7 b / a. */
// @ts-ignore: decorator
@inline
function binv(x: v128, y: v128, op: i32): v128 {
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.mul(x, y);
  if (op == 2) return f32x4.sub(x, y);
  if (op == 3) return f32x4.div(x, y);
  if (op == 4) return f32x4.max(x, y);
  if (op == 5) return f32x4.min(x, y);
  if (op == 6) return f32x4.sub(y, x);
  return f32x4.div(y, x);
}

/** out[i] = op(a[i], b[i·bStep]) for i in [i0, i1); bStep 0 broadcasts one value of b. */
function binaryRange(a: usize, b: usize, out: usize, i0: i32, i1: i32, op: i32, bStep: i32): void {
  let i = i0;
  if (bStep) {
    for (; i + 4 <= i1; i += 4) v128.store(at(out, i), binv(v128.load(at(a, i)), v128.load(at(b, i)), op));
    for (; i < i1; i++) store<f32>(at(out, i), f32x4.extract_lane(binv(f32x4.splat(load<f32>(at(a, i))), f32x4.splat(load<f32>(at(b, i))), op), 0));
  } else {
    const bv = v128.load32_splat(b);
    for (; i + 4 <= i1; i += 4) v128.store(at(out, i), binv(v128.load(at(a, i)), bv, op));
    for (; i < i1; i++) store<f32>(at(out, i), f32x4.extract_lane(binv(f32x4.splat(load<f32>(at(a, i))), bv, op), 0));
  }
}

/**
 * Rows [r0, r1) of out = op(a, b) over rows×cols float32 values: b is `a`'s shape (mode 0), one
 * row of cols values repeated for every row (mode 1) or a single value (mode 2). The arithmetic is
 * IEEE float32, the same values as float64 arithmetic rounded to float32 for these ops.
 */
export function binaryRows(a: usize, b: usize, out: usize, r0: i32, r1: i32, cols: i32, op: i32, mode: i32): void {
  if (mode == 1) {
    for (let r = r0; r < r1; r++) binaryRange(at(a, r * cols), b, at(out, r * cols), 0, cols, op, 1);
  } else binaryRange(a, b, out, r0 * cols, r1 * cols, op, mode == 0 ? 1 : 0);
}

/**
 * Unary element-wise ops, each exact in float32 (the reference's float64 value rounded to float32):
 * 0 neg, 1 abs, 2 square, 3 sqrt, 4 reciprocal, 5 relu, 6 relu6, 7 floor, 8 ceil. NaN stays
 * NaN; relu and relu6 of −0 give +0, as the reference's. (round is not here: f32x4.nearest keeps
 * the sign of a zero result, −0.4 → −0, where TensorFlow.js's banker's rounding gives +0.)
 */
// @ts-ignore: decorator
@inline
function unv(x: v128, op: i32): v128 {
  if (op == 0) return f32x4.neg(x);
  if (op == 1) return f32x4.abs(x);
  if (op == 2) return f32x4.mul(x, x);
  if (op == 3) return f32x4.sqrt(x);
  if (op == 4) return f32x4.div(f32x4.splat(1), x);
  if (op == 5) return f32x4.max(x, f32x4.splat(0));
  if (op == 6) return f32x4.min(f32x4.max(x, f32x4.splat(0)), f32x4.splat(6));
  if (op == 7) return f32x4.floor(x);
  return f32x4.ceil(x);
}

/** y[i] = op(x[i]) for i in [i0, i1) (x and y may be the same). */
export function unaryRange(x: usize, y: usize, i0: i32, i1: i32, op: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(at(y, i), unv(v128.load(at(x, i)), op));
  for (; i < i1; i++) store<f32>(at(y, i), f32x4.extract_lane(unv(f32x4.splat(load<f32>(at(x, i))), op), 0));
}

/** out (+)= alpha · x. */
export function scale(x: usize, alpha: f32, out: usize, n: i32, acc: bool): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let v = f32x4.mul(av, v128.load(at(x, i)));
    if (acc) v = f32x4.add(v128.load(at(out, i)), v);
    v128.store(at(out, i), v);
  }
  for (; i < n; i++) {
    let v = alpha * load<f32>(at(x, i));
    if (acc) v = load<f32>(at(out, i)) + v;
    store<f32>(at(out, i), v);
  }
}

export function fill(out: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), v);
  for (; i < n; i++) store<f32>(at(out, i), value);
}

/** Clears `bytes` bytes (bulk memory fill). */
export function zero(ptr: usize, bytes: i32): void {
  memory.fill(ptr, 0, <usize>bytes);
}

/** Copies `bytes` bytes (any dtype). */
export function copyBytes(src: usize, dst: usize, bytes: i32): void {
  memory.copy(dst, src, <usize>bytes);
}

/** dst[i] = src_u8[i] · scale. */
export function fromUint8(src: usize, dst: usize, n: i32, s: f32): void {
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const b = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(b), hi = i16x8.extend_high_i8x16_u(b);
    v128.store(at(dst, i), f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), sv));
    v128.store(at(dst, i + 4), f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), sv));
    v128.store(at(dst, i + 8), f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), sv));
    v128.store(at(dst, i + 12), f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), sv));
  }
  for (; i < n; i++) store<f32>(at(dst, i), <f32>load<u8>(src + <usize>i) * s);
}

function rowMax(x: usize, cols: i32): f64 {
  let m: f64 = -Infinity;
  for (let c = 0; c < cols; c++) m = Math.max(m, <f64>load<f32>(at(x, c)));
  return m;
}

/** Row-wise softmax (max-subtracted, f64 arithmetic). */
export function softmax(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(x, r * cols), yr = at(y, r * cols);
    const m = rowMax(xr, cols);
    let total: f64 = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(<f64>load<f32>(at(xr, c)) - m);
    for (let c = 0; c < cols; c++) store<f32>(at(yr, c), <f32>(Math.exp(<f64>load<f32>(at(xr, c)) - m) / total));
  }
}

/**
 * Fused softmax + cross-entropy: per-row losses (NaN for a label outside [0, cols)), and
 * (softmax − onehot) · gradScale when dlogits ≠ 0. Labels are int32.
 */
export function softmaxCrossEntropy(logits: usize, labels: usize, losses: usize, dlogits: usize, rows: i32, cols: i32, gradScale: f64): void {
  for (let r = 0; r < rows; r++) {
    const xr = at(logits, r * cols);
    const label = load<i32>(at(labels, r));
    const m = rowMax(xr, cols);
    let total: f64 = 0;
    for (let c = 0; c < cols; c++) total += Math.exp(<f64>load<f32>(at(xr, c)) - m);
    const valid = label >= 0 && label < cols;
    const lz = valid ? <f64>load<f32>(at(xr, label)) : NaN;
    store<f32>(at(losses, r), <f32>(-(lz - m - Math.log(total))));
    if (dlogits) {
      const dr = at(dlogits, r * cols);
      for (let c = 0; c < cols; c++) {
        const p = Math.exp(<f64>load<f32>(at(xr, c)) - m) / total;
        store<f32>(at(dr, c), <f32>((p - (c == label ? 1.0 : 0.0)) * gradScale));
      }
    }
  }
}

/** Adam with a precomputed step size alpha = lr·√(1−β2^t)/(1−β1^t). */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, alpha: f32, b1: f32, b2: f32, eps: f32): void {
  const a = f32x4.splat(alpha), B1 = f32x4.splat(b1), B2 = f32x4.splat(b2);
  const C1 = f32x4.splat(1 - b1), C2 = f32x4.splat(1 - b2), E = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const gv = v128.load(at(g, i));
    const mv = f32x4.add(f32x4.mul(B1, v128.load(at(m, i))), f32x4.mul(C1, gv));
    const vv = f32x4.add(f32x4.mul(B2, v128.load(at(v, i))), f32x4.mul(f32x4.mul(C2, gv), gv));
    v128.store(at(m, i), mv);
    v128.store(at(v, i), vv);
    const step = f32x4.div(f32x4.mul(a, mv), f32x4.add(f32x4.sqrt(vv), E));
    v128.store(at(p, i), f32x4.sub(v128.load(at(p, i)), step));
  }
  for (; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const mi = b1 * load<f32>(at(m, i)) + (1 - b1) * gi;
    const vi = b2 * load<f32>(at(v, i)) + (1 - b2) * gi * gi;
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    store<f32>(at(p, i), load<f32>(at(p, i)) - (alpha * mi) / (Mathf.sqrt(vi) + eps));
  }
}

/** Keras SGD with optional (Nesterov) momentum; velocity 0 or momentum 0 means plain SGD. */
export function sgd(p: usize, g: usize, vel: usize, n: i32, lr: f32, mom: f32, nesterov: bool): void {
  for (let i = 0; i < n; i++) {
    const gi = load<f32>(at(g, i));
    if (!vel || mom == 0) {
      store<f32>(at(p, i), load<f32>(at(p, i)) - lr * gi);
      continue;
    }
    const vn = mom * load<f32>(at(vel, i)) - lr * gi;
    store<f32>(at(vel, i), vn);
    store<f32>(at(p, i), load<f32>(at(p, i)) + (nesterov ? mom * vn - lr * gi : vn));
  }
}

/** Keras RMSprop (plain): a = ρ·a + (1−ρ)·g²; p −= lr·g / √(a + ε). */
export function rmsprop(p: usize, g: usize, acc: usize, n: i32, lr: f32, rho: f32, eps: f32): void {
  for (let i = 0; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const a = rho * load<f32>(at(acc, i)) + (1 - rho) * gi * gi;
    store<f32>(at(acc, i), a);
    store<f32>(at(p, i), load<f32>(at(p, i)) - (lr * gi) / Mathf.sqrt(a + eps));
  }
}
