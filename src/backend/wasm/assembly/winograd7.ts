/**
 * The transforms of Winograd F(7x7, 3x3) (the tasks are winograd8.ts's, which run F(8x8) and
 * F(7x7) alike): each 7x7 output tile from a 9x9 input patch, 81 products per channel pair (1.65
 * per output against F(8x8)'s 1.56), for maps whose side is a multiple of 7 (7x7, 14x14, 28x28),
 * where F(8x8) would compute a wasted row and column of every tile (100 products for 49 outputs on
 * a 7x7 map, against 81).
 *
 * Interpolation points ±1/2, ±3/4, ±4/3, ±2 and ∞: F(8x8)'s without 0, so every finite point has
 * its negative and each pair of rows shares its even and odd halves. Simulated in float32 on
 * 64-channel tiles (as winograd8.ts's points were chosen), its worst error was about 0.7 of
 * F(8x8)'s. The matrices follow the same construction, with M(x) = Π (x² − a²) over the four pairs:
 *
 *   Aᵀ[i][j] = a_jⁱ (column ∞: 1 in row 6),   G[j][k] = a_jᵏ / Π_{l≠j} (a_j − a_l) (row ∞: g2),
 *   Bᵀ row j = the coefficients of M(x) / (x − a_j) (row ∞: those of M(x)), lowest power first,
 *
 * computed in exact rationals and rounded once to float32 (printed by scripts/winograd-transforms.py).
 */
import { madd } from './simd';

/** Bᵀ d over 9 vectors (rows for ±a share their even and odd halves). */
// @ts-ignore: decorator
@inline
export function bt7(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, d8: v128, p: usize, s: usize): void {
  const e0 = madd(d5, f32x4.splat(<f32>-6.340277777777778), madd(d3, f32x4.splat(<f32>10.36111111111111), madd(d1, f32x4.splat(<f32>-4.0), d7))), o0 = madd(d6, f32x4.splat(<f32>0.5), madd(d4, f32x4.splat(<f32>-3.170138888888889), madd(d2, f32x4.splat(<f32>5.180555555555555), f32x4.mul(d0, f32x4.splat(<f32>-2.0)))));
  const e2 = madd(d5, f32x4.splat(<f32>-6.027777777777778), madd(d3, f32x4.splat(<f32>8.555555555555555), madd(d1, f32x4.splat(<f32>-1.7777777777777777), d7))), o2 = madd(d6, f32x4.splat(<f32>0.75), madd(d4, f32x4.splat(<f32>-4.520833333333333), madd(d2, f32x4.splat(<f32>6.416666666666667), f32x4.mul(d0, f32x4.splat(<f32>-1.3333333333333333)))));
  const e4 = madd(d5, f32x4.splat(<f32>-4.8125), madd(d3, f32x4.splat(<f32>3.390625), madd(d1, f32x4.splat(<f32>-0.5625), d7))), o4 = madd(d6, f32x4.splat(<f32>1.3333333333333333), madd(d4, f32x4.splat(<f32>-6.416666666666667), madd(d2, f32x4.splat(<f32>4.520833333333333), f32x4.mul(d0, f32x4.splat(<f32>-0.75)))));
  const e6 = madd(d5, f32x4.splat(<f32>-2.5902777777777777), madd(d3, f32x4.splat(<f32>1.5850694444444444), madd(d1, f32x4.splat(<f32>-0.25), d7))), o6 = madd(d6, f32x4.splat(<f32>2.0), madd(d4, f32x4.splat(<f32>-5.180555555555555), madd(d2, f32x4.splat(<f32>3.170138888888889), f32x4.mul(d0, f32x4.splat(<f32>-0.5)))));
  const r8 = madd(d6, f32x4.splat(<f32>-6.590277777777778), madd(d4, f32x4.splat(<f32>11.946180555555555), madd(d2, f32x4.splat(<f32>-6.590277777777778), f32x4.add(d0, d8))));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, f32x4.add(e4, o4));
  v128.store(p + 5 * s, f32x4.sub(e4, o4));
  v128.store(p + 6 * s, f32x4.add(e6, o6));
  v128.store(p + 7 * s, f32x4.sub(e6, o6));
  v128.store(p + 8 * s, r8);
}

/** B v (the transpose of Bᵀ, for the input gradient's scatter). */
// @ts-ignore: decorator
@inline
export function bn7(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128, v8: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(v0, v1), t0 = f32x4.sub(v0, v1);
  const s1 = f32x4.add(v2, v3), t1 = f32x4.sub(v2, v3);
  const s2 = f32x4.add(v4, v5), t2 = f32x4.sub(v4, v5);
  const s3 = f32x4.add(v6, v7), t3 = f32x4.sub(v6, v7);
  const w0 = madd(t3, f32x4.splat(<f32>-0.5), madd(t2, f32x4.splat(<f32>-0.75), madd(t1, f32x4.splat(<f32>-1.3333333333333333), madd(t0, f32x4.splat(<f32>-2.0), v8))));
  const w1 = madd(s3, f32x4.splat(<f32>-0.25), madd(s2, f32x4.splat(<f32>-0.5625), madd(s1, f32x4.splat(<f32>-1.7777777777777777), f32x4.mul(s0, f32x4.splat(<f32>-4.0)))));
  const w2 = madd(v8, f32x4.splat(<f32>-6.590277777777778), madd(t3, f32x4.splat(<f32>3.170138888888889), madd(t2, f32x4.splat(<f32>4.520833333333333), madd(t1, f32x4.splat(<f32>6.416666666666667), f32x4.mul(t0, f32x4.splat(<f32>5.180555555555555))))));
  const w3 = madd(s3, f32x4.splat(<f32>1.5850694444444444), madd(s2, f32x4.splat(<f32>3.390625), madd(s1, f32x4.splat(<f32>8.555555555555555), f32x4.mul(s0, f32x4.splat(<f32>10.36111111111111)))));
  const w4 = madd(v8, f32x4.splat(<f32>11.946180555555555), madd(t3, f32x4.splat(<f32>-5.180555555555555), madd(t2, f32x4.splat(<f32>-6.416666666666667), madd(t1, f32x4.splat(<f32>-4.520833333333333), f32x4.mul(t0, f32x4.splat(<f32>-3.170138888888889))))));
  const w5 = madd(s3, f32x4.splat(<f32>-2.5902777777777777), madd(s2, f32x4.splat(<f32>-4.8125), madd(s1, f32x4.splat(<f32>-6.027777777777778), f32x4.mul(s0, f32x4.splat(<f32>-6.340277777777778)))));
  const w6 = madd(v8, f32x4.splat(<f32>-6.590277777777778), madd(t3, f32x4.splat(<f32>2.0), madd(t2, f32x4.splat(<f32>1.3333333333333333), madd(t1, f32x4.splat(<f32>0.75), f32x4.mul(t0, f32x4.splat(<f32>0.5))))));
  const w7 = f32x4.add(f32x4.add(f32x4.add(s0, s1), s2), s3);
  const w8 = v8;
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
  v128.store(p + 3 * s, w3);
  v128.store(p + 4 * s, w4);
  v128.store(p + 5 * s, w5);
  v128.store(p + 6 * s, w6);
  v128.store(p + 7 * s, w7);
  v128.store(p + 8 * s, w8);
}

/** A y for the 7 values of a dY column (the values of the polynomial Σ y_i xⁱ at the points). */
// @ts-ignore: decorator
@inline
export function an7(y0: v128, y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, y6: v128, p: usize, s: usize): void {
  const e0 = madd(y6, f32x4.splat(<f32>0.015625), madd(y4, f32x4.splat(<f32>0.0625), madd(y2, f32x4.splat(<f32>0.25), y0))), o0 = madd(y5, f32x4.splat(<f32>0.03125), madd(y3, f32x4.splat(<f32>0.125), f32x4.mul(y1, f32x4.splat(<f32>0.5))));
  const e2 = madd(y6, f32x4.splat(<f32>0.177978515625), madd(y4, f32x4.splat(<f32>0.31640625), madd(y2, f32x4.splat(<f32>0.5625), y0))), o2 = madd(y5, f32x4.splat(<f32>0.2373046875), madd(y3, f32x4.splat(<f32>0.421875), f32x4.mul(y1, f32x4.splat(<f32>0.75))));
  const e4 = madd(y6, f32x4.splat(<f32>5.618655692729766), madd(y4, f32x4.splat(<f32>3.1604938271604937), madd(y2, f32x4.splat(<f32>1.7777777777777777), y0))), o4 = madd(y5, f32x4.splat(<f32>4.2139917695473255), madd(y3, f32x4.splat(<f32>2.3703703703703702), f32x4.mul(y1, f32x4.splat(<f32>1.3333333333333333))));
  const e6 = madd(y6, f32x4.splat(<f32>64.0), madd(y4, f32x4.splat(<f32>16.0), madd(y2, f32x4.splat(<f32>4.0), y0))), o6 = madd(y5, f32x4.splat(<f32>32.0), madd(y3, f32x4.splat(<f32>8.0), f32x4.mul(y1, f32x4.splat(<f32>2.0))));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, f32x4.add(e4, o4));
  v128.store(p + 5 * s, f32x4.sub(e4, o4));
  v128.store(p + 6 * s, f32x4.add(e6, o6));
  v128.store(p + 7 * s, f32x4.sub(e6, o6));
  v128.store(p + 8 * s, y6);
}

/** Aᵀ m over 9 values to p + k·s, k < 7 (may overwrite m's own slots: all loads come first). */
// @ts-ignore: decorator
@inline
export function outputColumn7(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, m8: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(m0, m1), t0 = f32x4.sub(m0, m1);
  const s1 = f32x4.add(m2, m3), t1 = f32x4.sub(m2, m3);
  const s2 = f32x4.add(m4, m5), t2 = f32x4.sub(m4, m5);
  const s3 = f32x4.add(m6, m7), t3 = f32x4.sub(m6, m7);
  const w0 = f32x4.add(f32x4.add(f32x4.add(s0, s1), s2), s3);
  const w1 = madd(t3, f32x4.splat(<f32>2.0), madd(t2, f32x4.splat(<f32>1.3333333333333333), madd(t1, f32x4.splat(<f32>0.75), f32x4.mul(t0, f32x4.splat(<f32>0.5)))));
  const w2 = madd(s3, f32x4.splat(<f32>4.0), madd(s2, f32x4.splat(<f32>1.7777777777777777), madd(s1, f32x4.splat(<f32>0.5625), f32x4.mul(s0, f32x4.splat(<f32>0.25)))));
  const w3 = madd(t3, f32x4.splat(<f32>8.0), madd(t2, f32x4.splat(<f32>2.3703703703703702), madd(t1, f32x4.splat(<f32>0.421875), f32x4.mul(t0, f32x4.splat(<f32>0.125)))));
  const w4 = madd(s3, f32x4.splat(<f32>16.0), madd(s2, f32x4.splat(<f32>3.1604938271604937), madd(s1, f32x4.splat(<f32>0.31640625), f32x4.mul(s0, f32x4.splat(<f32>0.0625)))));
  const w5 = madd(t3, f32x4.splat(<f32>32.0), madd(t2, f32x4.splat(<f32>4.2139917695473255), madd(t1, f32x4.splat(<f32>0.2373046875), f32x4.mul(t0, f32x4.splat(<f32>0.03125)))));
  const w6 = madd(s3, f32x4.splat(<f32>64.0), madd(s2, f32x4.splat(<f32>5.618655692729766), madd(s1, f32x4.splat(<f32>0.177978515625), madd(s0, f32x4.splat(<f32>0.015625), m8))));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
  v128.store(p + 3 * s, w3);
  v128.store(p + 4 * s, w4);
  v128.store(p + 5 * s, w5);
  v128.store(p + 6 * s, w6);
}

/** G g for a kernel column (9 values from three). */
// @ts-ignore: decorator
@inline
export function gn7(g0: v128, g1: v128, g2: v128, p: usize, s: usize): void {
  const e0 = f32x4.mul(g1, f32x4.splat(<f32>-0.2792727272727273)), o0 = madd(g2, f32x4.splat(<f32>-0.13963636363636364), f32x4.mul(g0, f32x4.splat(<f32>-0.5585454545454546)));
  const e2 = f32x4.mul(g1, f32x4.splat(<f32>0.3830025974025974)), o2 = madd(g2, f32x4.splat(<f32>0.28725194805194804), f32x4.mul(g0, f32x4.splat(<f32>0.5106701298701298)));
  const e4 = f32x4.mul(g1, f32x4.splat(<f32>-0.12118441558441559)), o4 = madd(g2, f32x4.splat(<f32>-0.16157922077922077), f32x4.mul(g0, f32x4.splat(<f32>-0.09088831168831168)));
  const e6 = f32x4.mul(g1, f32x4.splat(<f32>0.017454545454545455)), o6 = madd(g2, f32x4.splat(<f32>0.03490909090909091), f32x4.mul(g0, f32x4.splat(<f32>0.008727272727272728)));
  v128.store(p, f32x4.add(e0, o0));
  v128.store(p + s, f32x4.sub(e0, o0));
  v128.store(p + 2 * s, f32x4.add(e2, o2));
  v128.store(p + 3 * s, f32x4.sub(e2, o2));
  v128.store(p + 4 * s, f32x4.add(e4, o4));
  v128.store(p + 5 * s, f32x4.sub(e4, o4));
  v128.store(p + 6 * s, f32x4.add(e6, o6));
  v128.store(p + 7 * s, f32x4.sub(e6, o6));
  v128.store(p + 8 * s, g2);
}

/** Gᵀ u over 9 values to p + k·s, k < 3. */
// @ts-ignore: decorator
@inline
export function gt7(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, u6: v128, u7: v128, u8: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(u0, u1), t0 = f32x4.sub(u0, u1);
  const s1 = f32x4.add(u2, u3), t1 = f32x4.sub(u2, u3);
  const s2 = f32x4.add(u4, u5), t2 = f32x4.sub(u4, u5);
  const s3 = f32x4.add(u6, u7), t3 = f32x4.sub(u6, u7);
  const w0 = madd(t3, f32x4.splat(<f32>0.008727272727272728), madd(t2, f32x4.splat(<f32>-0.09088831168831168), madd(t1, f32x4.splat(<f32>0.5106701298701298), f32x4.mul(t0, f32x4.splat(<f32>-0.5585454545454546)))));
  const w1 = madd(s3, f32x4.splat(<f32>0.017454545454545455), madd(s2, f32x4.splat(<f32>-0.12118441558441559), madd(s1, f32x4.splat(<f32>0.3830025974025974), f32x4.mul(s0, f32x4.splat(<f32>-0.2792727272727273)))));
  const w2 = madd(t3, f32x4.splat(<f32>0.03490909090909091), madd(t2, f32x4.splat(<f32>-0.16157922077922077), madd(t1, f32x4.splat(<f32>0.28725194805194804), madd(t0, f32x4.splat(<f32>-0.13963636363636364), u8))));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
}

