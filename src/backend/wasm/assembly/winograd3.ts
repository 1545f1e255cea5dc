/**
 * The transforms of Winograd F(3x3, 3x3) (the tasks are winograd8.ts's): each 3x3 output tile from
 * a 5x5 input patch, 25 products per channel pair (2.78 per output), for 3x3 maps, where F(4x4)
 * computes 36 products for the same nine outputs.
 *
 * Interpolation points ±1, ±1/2 and ∞: both finite pairs share their rows' even and odd halves.
 * Simulated in float32 on 64-channel tiles it rounds less than F(4x4) (1.6e-6 of the largest output
 * against 6.8e-6). The matrices follow winograd8.ts's construction with M(x) = (x² − 1)(x² − 1/4):
 *
 *   Aᵀ[i][j] = a_jⁱ (column ∞: 1 in row 2),   G[j][k] = a_jᵏ / Π_{l≠j} (a_j − a_l) (row ∞: g2),
 *   Bᵀ row j = the coefficients of M(x) / (x − a_j) (row ∞: those of M(x)), lowest power first,
 *
 * computed in exact rationals and rounded once to float32 (printed by scripts/winograd-transforms.py).
 */
import { madd } from './simd';

/** Bᵀ d over 5 vectors (rows for ±a share their even and odd halves). */
// @ts-ignore: decorator
@inline
export function bt3(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, p: usize, s: usize): void {
  const e0 = madd(d1, f32x4.splat(<f32>-0.25), d3), o0 = madd(d0, f32x4.splat(<f32>-0.25), d2);
  const e2 = f32x4.sub(d3, d1), o2 = madd(d2, f32x4.splat(<f32>0.5), f32x4.mul(d0, f32x4.splat(<f32>-0.5)));
  const r4 = madd(d2, f32x4.splat(<f32>-1.25), madd(d0, f32x4.splat(<f32>0.25), d4));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, r4);
}

/** B v (the transpose of Bᵀ, for the input gradient's scatter). */
// @ts-ignore: decorator
@inline
export function bn3(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(v0, v1), t0 = f32x4.sub(v0, v1);
  const s1 = f32x4.add(v2, v3), t1 = f32x4.sub(v2, v3);
  const w0 = madd(v4, f32x4.splat(<f32>0.25), madd(t1, f32x4.splat(<f32>-0.5), f32x4.mul(t0, f32x4.splat(<f32>-0.25))));
  const w1 = f32x4.sub(f32x4.mul(s0, f32x4.splat(<f32>-0.25)), s1);
  const w2 = madd(v4, f32x4.splat(<f32>-1.25), madd(t1, f32x4.splat(<f32>0.5), t0));
  const w3 = f32x4.add(s0, s1);
  const w4 = v4;
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
  v128.store(p + 3 * s, w3);
  v128.store(p + 4 * s, w4);
}

/** A y for the 3 values of a dY column (the values of the polynomial Σ y_i xⁱ at the points). */
// @ts-ignore: decorator
@inline
export function an3(y0: v128, y1: v128, y2: v128, p: usize, s: usize): void {
  const e0 = f32x4.add(y0, y2), o0 = y1;
  const e2 = madd(y2, f32x4.splat(<f32>0.25), y0), o2 = f32x4.mul(y1, f32x4.splat(<f32>0.5));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, y2);
}

/** Aᵀ m over 5 values to p + k·s, k < 3 (may overwrite m's own slots: all loads come first). */
// @ts-ignore: decorator
@inline
export function outputColumn3(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(m0, m1), t0 = f32x4.sub(m0, m1);
  const s1 = f32x4.add(m2, m3), t1 = f32x4.sub(m2, m3);
  const w0 = f32x4.add(s0, s1);
  const w1 = madd(t1, f32x4.splat(<f32>0.5), t0);
  const w2 = madd(s1, f32x4.splat(<f32>0.25), f32x4.add(s0, m4));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
}

/** G g for a kernel column (5 values from three). */
// @ts-ignore: decorator
@inline
export function gn3(g0: v128, g1: v128, g2: v128, p: usize, s: usize): void {
  const e0 = f32x4.mul(g1, f32x4.splat(<f32>0.6666666666666666)), o0 = madd(g2, f32x4.splat(<f32>0.6666666666666666), f32x4.mul(g0, f32x4.splat(<f32>0.6666666666666666)));
  const e2 = f32x4.mul(g1, f32x4.splat(<f32>-0.6666666666666666)), o2 = madd(g2, f32x4.splat(<f32>-0.3333333333333333), f32x4.mul(g0, f32x4.splat(<f32>-1.3333333333333333)));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, g2);
}

/** Gᵀ u over 5 values to p + k·s, k < 3. */
// @ts-ignore: decorator
@inline
export function gt3(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(u0, u1), t0 = f32x4.sub(u0, u1);
  const s1 = f32x4.add(u2, u3), t1 = f32x4.sub(u2, u3);
  const w0 = madd(t1, f32x4.splat(<f32>-1.3333333333333333), f32x4.mul(t0, f32x4.splat(<f32>0.6666666666666666)));
  const w1 = madd(s1, f32x4.splat(<f32>-0.6666666666666666), f32x4.mul(s0, f32x4.splat(<f32>0.6666666666666666)));
  const w2 = madd(t1, f32x4.splat(<f32>-0.3333333333333333), madd(t0, f32x4.splat(<f32>0.6666666666666666), u4));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
}

