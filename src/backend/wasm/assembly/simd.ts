/**
 * Baseline SIMD micro-kernel (mul + add), 4 rows by 8 columns. V8 gives WebAssembly SIMD only
 * xmm0-xmm14 and issues all of an iteration's loads first, so the tile must fit with every
 * broadcast live: 8 accumulators + 2 B vectors + 4 broadcasts + 1 product = 15 registers. (A 5x8
 * tile spills an accumulator and runs at half the speed.) The relaxed build uses simd-relaxed.ts.
 */
import { finish } from './epilogue';

/** Register tile rows (the tile is MR x 8). */
export const MR: i32 = 4;

/**
 * C[MR x 8] (+)= Apanel[kc x MR] . Bpanel[kc x 8] on packed panels; C's row stride is `ldc` bytes.
 * With `acc` the tile is added to C, otherwise it overwrites C; then `bias` (8 floats, or 0 for
 * none) is added to every row and `relu` clamps at zero (the same select as the bias-activation kernel).
 */
// @ts-ignore: decorator
@inline
export function micro(kc: i32, a: usize, b: usize, c: usize, ldc: usize, acc: bool, bias: usize, relu: bool): void {
  let c00 = f32x4.splat(0); let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0); let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0); let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0); let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b); const b1 = v128.load(b, 16);
    let av: v128;
    av = v128.load32_splat(a, 0);
    c00 = f32x4.add(f32x4.mul(av, b0), c00); c01 = f32x4.add(f32x4.mul(av, b1), c01);
    av = v128.load32_splat(a, 4);
    c10 = f32x4.add(f32x4.mul(av, b0), c10); c11 = f32x4.add(f32x4.mul(av, b1), c11);
    av = v128.load32_splat(a, 8);
    c20 = f32x4.add(f32x4.mul(av, b0), c20); c21 = f32x4.add(f32x4.mul(av, b1), c21);
    av = v128.load32_splat(a, 12);
    c30 = f32x4.add(f32x4.mul(av, b0), c30); c31 = f32x4.add(f32x4.mul(av, b1), c31);
    a += 16; b += 32;
  }
  if (acc) {
    c00 = f32x4.add(v128.load(c + 0 * ldc), c00); c01 = f32x4.add(v128.load(c + 0 * ldc, 16), c01);
    c10 = f32x4.add(v128.load(c + 1 * ldc), c10); c11 = f32x4.add(v128.load(c + 1 * ldc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * ldc), c20); c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * ldc), c30); c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
  }
  if (bias || relu) {
    const hb = bias != 0, b0 = hb ? v128.load(bias) : f32x4.splat(0), b1 = hb ? v128.load(bias, 16) : f32x4.splat(0);
    c00 = finish(c00, b0, hb, relu); c01 = finish(c01, b1, hb, relu);
    c10 = finish(c10, b0, hb, relu); c11 = finish(c11, b1, hb, relu);
    c20 = finish(c20, b0, hb, relu); c21 = finish(c21, b1, hb, relu);
    c30 = finish(c30, b0, hb, relu); c31 = finish(c31, b1, hb, relu);
  }
  v128.store(c + 0 * ldc, c00); v128.store(c + 0 * ldc, c01, 16);
  v128.store(c + 1 * ldc, c10); v128.store(c + 1 * ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** a·b + c on four lanes: a multiply and an add. For polynomials and range reductions (exp, erfc). */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}
