/**
 * Winograd F(8x8, 3x3) convolution for 3x3 kernels at stride 1 over NHWC images, built as F(4x4, 3x3)
 * in winograd4.ts: each 8x8 output tile comes from a 10x10 input patch with 100 products per
 * channel pair instead of 576 (1.5625 per output, against 2.25 for F(4x4)), and for each of the 100
 * positions ξ of the transformed tile the channel sum is a GEMM. Map sides that are multiples of 8
 * (32, 16, 8) and one less (31, 15, 7) waste no more than F(4x4) does.
 *
 * Interpolation points 0, ±1/2, ±3/4, ±4/3, ±2 and ∞ (Toom-Cook; Lavin & Gray's construction): of
 * the sets of four pairs ±a from {1/4, 1/3, 1/2, 2/3, 3/4, 1, 4/3, 3/2, 2, 5/2, 3, 4}, simulated in
 * float32 on 64-channel tiles, it gave the smallest worst-case error (6.8e-5 of the largest output;
 * its RMS error within 15% of the best set's), about 15 times F(4x4)'s (bench/winograd-error.ts
 * measures both against float64); the textbook ±1/2, ±2, ±4 gave 2.2e-3. With
 * M(x) = Π (x − a_j) over the nine finite points,
 *
 *   Aᵀ[i][j] = a_jⁱ (column ∞: 1 in row 7),   G[j][k] = a_jᵏ / Π_{l≠j} (a_j − a_l) (row ∞: g2),
 *   Bᵀ row j = the coefficients of M(x) / (x − a_j) (row ∞: those of M(x)), lowest power first,
 *
 * exact in rationals (Aᵀ [(G g) ⊙ (Bᵀ d)] is the 1-D correlation). Rows for +a and −a share their
 * even and odd halves, which halves the transforms' multiplications. The gradients are the
 * transposes, as in winograd4.ts. The job words are those of winograd.ts.
 *
 * The tasks below run F(7x7, 3x3) and F(3x3, 3x3) too (winograd7.ts's and winograd3.ts's transforms:
 * 9x9 and 5x5 patches, 81 and 25 positions), with the tile as their first argument: m x m output
 * tiles, n = m + 2 a side, n² GEMMs.
 */
import { MR, madd } from './simd';
import { NR, TILE_BYTES, blockMul, packA, roundUp, spanStart, storeTransposed4, word } from './gemm';
import { biasRelu, spread, storeOut } from './winograd';
import { an3, bn3, bt3, gn3, gt3, outputColumn3 } from './winograd3';
import { an7, bn7, bt7, gn7, gt7, outputColumn7 } from './winograd7';
import { winnerBytes, winners2x2 } from './pool';

/** Positions of a transformed F(8x8) tile (F(7x7)'s 81 fit the same buffers). */
const P: i32 = 100;
/** Tiles of a filter-gradient sub-block (the depth of its GEMMs). */
export const WB8: i32 = 32;

// @ts-ignore: decorator
@inline
function ld(p: usize, off: usize): v128 {
  return p ? v128.load(p + off) : f32x4.splat(0);
}

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): v128 {
  return v128.load(p + (<usize>i << 4));
}

// ---- the 1-D transforms on ten (or eight, or three) vectors, results stored at p + k·s -----------

/** Bᵀ d over ten vectors (rows for ±a share their even and odd halves). */
// @ts-ignore: decorator
@inline
function bt8(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, d6: v128, d7: v128, d8: v128, d9: v128, p: usize, s: usize): void {
  const r0 = madd(d6, f32x4.splat(<f32>-6.590277777777778), madd(d4, f32x4.splat(<f32>11.946180555555555), madd(d2, f32x4.splat(<f32>-6.590277777777778), f32x4.add(d0, d8))));
  const r9 = madd(d7, f32x4.splat(<f32>-6.590277777777778), madd(d5, f32x4.splat(<f32>11.946180555555555), madd(d3, f32x4.splat(<f32>-6.590277777777778), f32x4.add(d1, d9))));
  const e0 = madd(d6, f32x4.splat(<f32>-6.340277777777778), madd(d4, f32x4.splat(<f32>10.36111111111111), madd(d2, f32x4.splat(<f32>-4.0), d8))), o0 = madd(d7, f32x4.splat(<f32>0.5), madd(d5, f32x4.splat(<f32>-3.170138888888889), madd(d3, f32x4.splat(<f32>5.180555555555555), f32x4.mul(d1, f32x4.splat(<f32>-2.0)))));
  const e1 = madd(d6, f32x4.splat(<f32>-6.027777777777778), madd(d4, f32x4.splat(<f32>8.555555555555555), madd(d2, f32x4.splat(<f32>-1.7777777777777777), d8))), o1 = madd(d7, f32x4.splat(<f32>0.75), madd(d5, f32x4.splat(<f32>-4.520833333333333), madd(d3, f32x4.splat(<f32>6.416666666666667), f32x4.mul(d1, f32x4.splat(<f32>-1.3333333333333333)))));
  const e2 = madd(d6, f32x4.splat(<f32>-4.8125), madd(d4, f32x4.splat(<f32>3.390625), madd(d2, f32x4.splat(<f32>-0.5625), d8))), o2 = madd(d7, f32x4.splat(<f32>1.3333333333333333), madd(d5, f32x4.splat(<f32>-6.416666666666667), madd(d3, f32x4.splat(<f32>4.520833333333333), f32x4.mul(d1, f32x4.splat(<f32>-0.75)))));
  const e3 = madd(d6, f32x4.splat(<f32>-2.5902777777777777), madd(d4, f32x4.splat(<f32>1.5850694444444444), madd(d2, f32x4.splat(<f32>-0.25), d8))), o3 = madd(d7, f32x4.splat(<f32>2.0), madd(d5, f32x4.splat(<f32>-5.180555555555555), madd(d3, f32x4.splat(<f32>3.170138888888889), f32x4.mul(d1, f32x4.splat(<f32>-0.5)))));
  v128.store(p, r0);
  v128.store(p + s, f32x4.add(e0, o0));
  v128.store(p + 2 * s, f32x4.sub(e0, o0));
  v128.store(p + 3 * s, f32x4.add(e1, o1));
  v128.store(p + 4 * s, f32x4.sub(e1, o1));
  v128.store(p + 5 * s, f32x4.add(e2, o2));
  v128.store(p + 6 * s, f32x4.sub(e2, o2));
  v128.store(p + 7 * s, f32x4.add(e3, o3));
  v128.store(p + 8 * s, f32x4.sub(e3, o3));
  v128.store(p + 9 * s, r9);
}

/** B v (the transpose of Bᵀ, for the input gradient's scatter). */
// @ts-ignore: decorator
@inline
function bn8(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, v6: v128, v7: v128, v8: v128, v9: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(v1, v2), t0 = f32x4.sub(v1, v2);
  const s1 = f32x4.add(v3, v4), t1 = f32x4.sub(v3, v4);
  const s2 = f32x4.add(v5, v6), t2 = f32x4.sub(v5, v6);
  const s3 = f32x4.add(v7, v8), t3 = f32x4.sub(v7, v8);
  const w0 = v0;
  const w1 = madd(t3, f32x4.splat(<f32>-0.5), madd(t2, f32x4.splat(<f32>-0.75), madd(t1, f32x4.splat(<f32>-1.3333333333333333), madd(t0, f32x4.splat(<f32>-2.0), v9))));
  const w2 = madd(s3, f32x4.splat(<f32>-0.25), madd(s2, f32x4.splat(<f32>-0.5625), madd(s1, f32x4.splat(<f32>-1.7777777777777777), madd(s0, f32x4.splat(<f32>-4.0), f32x4.mul(v0, f32x4.splat(<f32>-6.590277777777778))))));
  const w3 = madd(t3, f32x4.splat(<f32>3.170138888888889), madd(t2, f32x4.splat(<f32>4.520833333333333), madd(t1, f32x4.splat(<f32>6.416666666666667), madd(t0, f32x4.splat(<f32>5.180555555555555), f32x4.mul(v9, f32x4.splat(<f32>-6.590277777777778))))));
  const w4 = madd(s3, f32x4.splat(<f32>1.5850694444444444), madd(s2, f32x4.splat(<f32>3.390625), madd(s1, f32x4.splat(<f32>8.555555555555555), madd(s0, f32x4.splat(<f32>10.36111111111111), f32x4.mul(v0, f32x4.splat(<f32>11.946180555555555))))));
  const w5 = madd(t3, f32x4.splat(<f32>-5.180555555555555), madd(t2, f32x4.splat(<f32>-6.416666666666667), madd(t1, f32x4.splat(<f32>-4.520833333333333), madd(t0, f32x4.splat(<f32>-3.170138888888889), f32x4.mul(v9, f32x4.splat(<f32>11.946180555555555))))));
  const w6 = madd(s3, f32x4.splat(<f32>-2.5902777777777777), madd(s2, f32x4.splat(<f32>-4.8125), madd(s1, f32x4.splat(<f32>-6.027777777777778), madd(s0, f32x4.splat(<f32>-6.340277777777778), f32x4.mul(v0, f32x4.splat(<f32>-6.590277777777778))))));
  const w7 = madd(t3, f32x4.splat(<f32>2.0), madd(t2, f32x4.splat(<f32>1.3333333333333333), madd(t1, f32x4.splat(<f32>0.75), madd(t0, f32x4.splat(<f32>0.5), f32x4.mul(v9, f32x4.splat(<f32>-6.590277777777778))))));
  const w8 = f32x4.add(f32x4.add(f32x4.add(f32x4.add(v0, s0), s1), s2), s3);
  const w9 = v9;
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
  v128.store(p + 3 * s, w3);
  v128.store(p + 4 * s, w4);
  v128.store(p + 5 * s, w5);
  v128.store(p + 6 * s, w6);
  v128.store(p + 7 * s, w7);
  v128.store(p + 8 * s, w8);
  v128.store(p + 9 * s, w9);
}

/** A y for the eight values of a dY column (the values of the polynomial Σ y_i xⁱ at the points). */
// @ts-ignore: decorator
@inline
function an8(y0: v128, y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, y6: v128, y7: v128, p: usize, s: usize): void {
  const e0 = madd(y6, f32x4.splat(<f32>0.015625), madd(y4, f32x4.splat(<f32>0.0625), madd(y2, f32x4.splat(<f32>0.25), y0))), o0 = madd(y7, f32x4.splat(<f32>0.0078125), madd(y5, f32x4.splat(<f32>0.03125), madd(y3, f32x4.splat(<f32>0.125), f32x4.mul(y1, f32x4.splat(<f32>0.5)))));
  const e1 = madd(y6, f32x4.splat(<f32>0.177978515625), madd(y4, f32x4.splat(<f32>0.31640625), madd(y2, f32x4.splat(<f32>0.5625), y0))), o1 = madd(y7, f32x4.splat(<f32>0.13348388671875), madd(y5, f32x4.splat(<f32>0.2373046875), madd(y3, f32x4.splat(<f32>0.421875), f32x4.mul(y1, f32x4.splat(<f32>0.75)))));
  const e2 = madd(y6, f32x4.splat(<f32>5.618655692729766), madd(y4, f32x4.splat(<f32>3.1604938271604937), madd(y2, f32x4.splat(<f32>1.7777777777777777), y0))), o2 = madd(y7, f32x4.splat(<f32>7.491540923639689), madd(y5, f32x4.splat(<f32>4.2139917695473255), madd(y3, f32x4.splat(<f32>2.3703703703703702), f32x4.mul(y1, f32x4.splat(<f32>1.3333333333333333)))));
  const e3 = madd(y6, f32x4.splat(<f32>64.0), madd(y4, f32x4.splat(<f32>16.0), madd(y2, f32x4.splat(<f32>4.0), y0))), o3 = madd(y7, f32x4.splat(<f32>128.0), madd(y5, f32x4.splat(<f32>32.0), madd(y3, f32x4.splat(<f32>8.0), f32x4.mul(y1, f32x4.splat(<f32>2.0)))));
  v128.store(p, y0);
  v128.store(p + s, f32x4.add(e0, o0));
  v128.store(p + 2 * s, f32x4.sub(e0, o0));
  v128.store(p + 3 * s, f32x4.add(e1, o1));
  v128.store(p + 4 * s, f32x4.sub(e1, o1));
  v128.store(p + 5 * s, f32x4.add(e2, o2));
  v128.store(p + 6 * s, f32x4.sub(e2, o2));
  v128.store(p + 7 * s, f32x4.add(e3, o3));
  v128.store(p + 8 * s, f32x4.sub(e3, o3));
  v128.store(p + 9 * s, y7);
}

/** Aᵀ m over ten values to p + k·s, k < 8 (may overwrite m's own slots: all loads come first). */
// @ts-ignore: decorator
@inline
function outputColumn8(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128, m8: v128, m9: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(m1, m2), t0 = f32x4.sub(m1, m2);
  const s1 = f32x4.add(m3, m4), t1 = f32x4.sub(m3, m4);
  const s2 = f32x4.add(m5, m6), t2 = f32x4.sub(m5, m6);
  const s3 = f32x4.add(m7, m8), t3 = f32x4.sub(m7, m8);
  const w0 = f32x4.add(f32x4.add(f32x4.add(f32x4.add(m0, s0), s1), s2), s3);
  const w1 = madd(t3, f32x4.splat(<f32>2.0), madd(t2, f32x4.splat(<f32>1.3333333333333333), madd(t1, f32x4.splat(<f32>0.75), f32x4.mul(t0, f32x4.splat(<f32>0.5)))));
  const w2 = madd(s3, f32x4.splat(<f32>4.0), madd(s2, f32x4.splat(<f32>1.7777777777777777), madd(s1, f32x4.splat(<f32>0.5625), f32x4.mul(s0, f32x4.splat(<f32>0.25)))));
  const w3 = madd(t3, f32x4.splat(<f32>8.0), madd(t2, f32x4.splat(<f32>2.3703703703703702), madd(t1, f32x4.splat(<f32>0.421875), f32x4.mul(t0, f32x4.splat(<f32>0.125)))));
  const w4 = madd(s3, f32x4.splat(<f32>16.0), madd(s2, f32x4.splat(<f32>3.1604938271604937), madd(s1, f32x4.splat(<f32>0.31640625), f32x4.mul(s0, f32x4.splat(<f32>0.0625)))));
  const w5 = madd(t3, f32x4.splat(<f32>32.0), madd(t2, f32x4.splat(<f32>4.2139917695473255), madd(t1, f32x4.splat(<f32>0.2373046875), f32x4.mul(t0, f32x4.splat(<f32>0.03125)))));
  const w6 = madd(s3, f32x4.splat(<f32>64.0), madd(s2, f32x4.splat(<f32>5.618655692729766), madd(s1, f32x4.splat(<f32>0.177978515625), f32x4.mul(s0, f32x4.splat(<f32>0.015625)))));
  const w7 = madd(t3, f32x4.splat(<f32>128.0), madd(t2, f32x4.splat(<f32>7.491540923639689), madd(t1, f32x4.splat(<f32>0.13348388671875), madd(t0, f32x4.splat(<f32>0.0078125), m9))));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
  v128.store(p + 3 * s, w3);
  v128.store(p + 4 * s, w4);
  v128.store(p + 5 * s, w5);
  v128.store(p + 6 * s, w6);
  v128.store(p + 7 * s, w7);
}

/** G g for a kernel column (ten values from three). */
// @ts-ignore: decorator
@inline
function gn8(g0: v128, g1: v128, g2: v128, p: usize, s: usize): void {
  const e0 = madd(g2, f32x4.splat(<f32>-0.2792727272727273), f32x4.mul(g0, f32x4.splat(<f32>-1.1170909090909091))), o0 = f32x4.mul(g1, f32x4.splat(<f32>-0.5585454545454546));
  const e1 = madd(g2, f32x4.splat(<f32>0.3830025974025974), f32x4.mul(g0, f32x4.splat(<f32>0.6808935064935064))), o1 = f32x4.mul(g1, f32x4.splat(<f32>0.5106701298701298));
  const e2 = madd(g2, f32x4.splat(<f32>-0.12118441558441559), f32x4.mul(g0, f32x4.splat(<f32>-0.06816623376623376))), o2 = f32x4.mul(g1, f32x4.splat(<f32>-0.09088831168831168));
  const e3 = madd(g2, f32x4.splat(<f32>0.017454545454545455), f32x4.mul(g0, f32x4.splat(<f32>0.004363636363636364))), o3 = f32x4.mul(g1, f32x4.splat(<f32>0.008727272727272728));
  v128.store(p, g0);
  v128.store(p + s, f32x4.add(e0, o0));
  v128.store(p + 2 * s, f32x4.sub(e0, o0));
  v128.store(p + 3 * s, f32x4.add(e1, o1));
  v128.store(p + 4 * s, f32x4.sub(e1, o1));
  v128.store(p + 5 * s, f32x4.add(e2, o2));
  v128.store(p + 6 * s, f32x4.sub(e2, o2));
  v128.store(p + 7 * s, f32x4.add(e3, o3));
  v128.store(p + 8 * s, f32x4.sub(e3, o3));
  v128.store(p + 9 * s, g2);
}

/** Gᵀ u over ten values to p + k·s, k < 3. */
// @ts-ignore: decorator
@inline
function gt8(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, u6: v128, u7: v128, u8: v128, u9: v128, p: usize, s: usize): void {
  const s0 = f32x4.add(u1, u2), t0 = f32x4.sub(u1, u2);
  const s1 = f32x4.add(u3, u4), t1 = f32x4.sub(u3, u4);
  const s2 = f32x4.add(u5, u6), t2 = f32x4.sub(u5, u6);
  const s3 = f32x4.add(u7, u8), t3 = f32x4.sub(u7, u8);
  const w0 = madd(s3, f32x4.splat(<f32>0.004363636363636364), madd(s2, f32x4.splat(<f32>-0.06816623376623376), madd(s1, f32x4.splat(<f32>0.6808935064935064), madd(s0, f32x4.splat(<f32>-1.1170909090909091), u0))));
  const w1 = madd(t3, f32x4.splat(<f32>0.008727272727272728), madd(t2, f32x4.splat(<f32>-0.09088831168831168), madd(t1, f32x4.splat(<f32>0.5106701298701298), f32x4.mul(t0, f32x4.splat(<f32>-0.5585454545454546)))));
  const w2 = madd(s3, f32x4.splat(<f32>0.017454545454545455), madd(s2, f32x4.splat(<f32>-0.12118441558441559), madd(s1, f32x4.splat(<f32>0.3830025974025974), madd(s0, f32x4.splat(<f32>-0.2792727272727273), u9))));
  v128.store(p, w0);
  v128.store(p + s, w1);
  v128.store(p + 2 * s, w2);
}

// ---- per-tile transforms of F(8x8), F(7x7) and F(3x3) --------------------------------------------------

/** Positions of a transformed tile of F(m x m, 3x3): (m + 2)². */
// @ts-ignore: decorator
@inline
function positions(m: i32): i32 {
  return (m + 2) * (m + 2);
}

/** V = Bᵀ d B for channels [c, c+4) of the patch in `table`: the n² vectors go to out + ξ·stride; `tmp` holds n² vectors. */
// @ts-ignore: decorator
@inline
function inputTransform(m: i32, table: usize, off: usize, tmp: usize, out: usize, stride: usize): void {
  if (m == 8) {
    // Columns: tmp[a·10 + j] = (Bᵀ d)[a][j].
    for (let j = 0; j < 10; j++) {
      const e = table + <usize>(j << 2);
      bt8(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 40), off), ld(<usize>load<i32>(e, 80), off), ld(<usize>load<i32>(e, 120), off), ld(<usize>load<i32>(e, 160), off),
        ld(<usize>load<i32>(e, 200), off), ld(<usize>load<i32>(e, 240), off), ld(<usize>load<i32>(e, 280), off), ld(<usize>load<i32>(e, 320), off), ld(<usize>load<i32>(e, 360), off), tmp + (<usize>j << 4), 160);
    }
    // Rows: V[a][b] = Σ_j (Bᵀ d)[a][j] Bᵀ[b][j].
    for (let a = 0; a < 10; a++) {
      const q = tmp + <usize>(a * 160);
      bt8(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), at(q, 6), at(q, 7), at(q, 8), at(q, 9), out + <usize>(a * 10) * stride, stride);
    }
  } else if (m == 3) {
    for (let j = 0; j < 5; j++) {
      const e = table + <usize>(j << 2);
      bt3(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 20), off), ld(<usize>load<i32>(e, 40), off), ld(<usize>load<i32>(e, 60), off), ld(<usize>load<i32>(e, 80), off), tmp + (<usize>j << 4), 80);
    }
    for (let a = 0; a < 5; a++) {
      const q = tmp + <usize>(a * 80);
      bt3(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), out + <usize>(a * 5) * stride, stride);
    }
  } else {
    for (let j = 0; j < 9; j++) {
      const e = table + <usize>(j << 2);
      bt7(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 36), off), ld(<usize>load<i32>(e, 72), off), ld(<usize>load<i32>(e, 108), off), ld(<usize>load<i32>(e, 144), off),
        ld(<usize>load<i32>(e, 180), off), ld(<usize>load<i32>(e, 216), off), ld(<usize>load<i32>(e, 252), off), ld(<usize>load<i32>(e, 288), off), tmp + (<usize>j << 4), 144);
    }
    for (let a = 0; a < 9; a++) {
      const q = tmp + <usize>(a * 144);
      bt7(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), at(q, 6), at(q, 7), at(q, 8), out + <usize>(a * 9) * stride, stride);
    }
  }
}

/** D = A dY Aᵀ for channels [c, c+4) of the m x m of dy in `table`: the n² vectors go to out + ξ·stride; `tmp` holds n·m vectors. */
// @ts-ignore: decorator
@inline
function gradTransform(m: i32, table: usize, off: usize, tmp: usize, out: usize, stride: usize): void {
  if (m == 8) {
    for (let j = 0; j < 8; j++) {
      const e = table + <usize>(j << 2);
      an8(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 32), off), ld(<usize>load<i32>(e, 64), off), ld(<usize>load<i32>(e, 96), off),
        ld(<usize>load<i32>(e, 128), off), ld(<usize>load<i32>(e, 160), off), ld(<usize>load<i32>(e, 192), off), ld(<usize>load<i32>(e, 224), off), tmp + (<usize>j << 4), 128);
    }
    for (let a = 0; a < 10; a++) {
      const q = tmp + <usize>(a * 128);
      an8(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), at(q, 6), at(q, 7), out + <usize>(a * 10) * stride, stride);
    }
  } else if (m == 3) {
    for (let j = 0; j < 3; j++) {
      const e = table + <usize>(j << 2);
      an3(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 12), off), ld(<usize>load<i32>(e, 24), off), tmp + (<usize>j << 4), 48);
    }
    for (let a = 0; a < 5; a++) {
      const q = tmp + <usize>(a * 48);
      an3(at(q, 0), at(q, 1), at(q, 2), out + <usize>(a * 5) * stride, stride);
    }
  } else {
    for (let j = 0; j < 7; j++) {
      const e = table + <usize>(j << 2);
      an7(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 28), off), ld(<usize>load<i32>(e, 56), off), ld(<usize>load<i32>(e, 84), off),
        ld(<usize>load<i32>(e, 112), off), ld(<usize>load<i32>(e, 140), off), ld(<usize>load<i32>(e, 168), off), tmp + (<usize>j << 4), 112);
    }
    for (let a = 0; a < 9; a++) {
      const q = tmp + <usize>(a * 112);
      an7(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), at(q, 6), out + <usize>(a * 9) * stride, stride);
    }
  }
}

/** Aᵀ over the n values m0 + k·step to p + k·s, k < m (all loads come first). */
// @ts-ignore: decorator
@inline
function outputColumn(m: i32, q: usize, step: usize, p: usize, s: usize): void {
  if (m == 8) {
    outputColumn8(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), v128.load(q + 9 * step), p, s);
  } else if (m == 3) {
    outputColumn3(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step), p, s);
  } else {
    outputColumn7(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), p, s);
  }
}

/** B over the n values q + k·step to p + k·s, k < n (all loads come first). */
// @ts-ignore: decorator
@inline
function inputColumn(m: i32, q: usize, step: usize, p: usize, s: usize): void {
  if (m == 8) {
    bn8(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), v128.load(q + 9 * step), p, s);
  } else if (m == 3) {
    bn3(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step), p, s);
  } else {
    bn7(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), p, s);
  }
}

/** Gᵀ over the n values q + k·step to p + k·s, k < 3. */
// @ts-ignore: decorator
@inline
function kernelColumnT(m: i32, q: usize, step: usize, p: usize, s: usize): void {
  if (m == 8) {
    gt8(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), v128.load(q + 9 * step), p, s);
  } else if (m == 3) {
    gt3(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step), p, s);
  } else {
    gt7(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), v128.load(q + 3 * step), v128.load(q + 4 * step),
      v128.load(q + 5 * step), v128.load(q + 6 * step), v128.load(q + 7 * step), v128.load(q + 8 * step), p, s);
  }
}

/** G over the three values q + k·step to p + k·s, k < n. */
// @ts-ignore: decorator
@inline
function kernelColumn(m: i32, q: usize, step: usize, p: usize, s: usize): void {
  if (m == 8) gn8(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), p, s);
  else if (m == 3) gn3(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), p, s);
  else gn7(v128.load(q), v128.load(q + step), v128.load(q + 2 * step), p, s);
}

// ---- tile tables -----------------------------------------------------------------------------------

/** Writes the n² byte offsets (0 outside the image) of the n x n input patch of tile `t` at `table`; tiles at or past `tiles` get zeros. */
function patchTable(m: i32, job: usize, t: i32, tiles: i32, table: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const n = m + 2, tW = (word(job, 8) + m - 1) / m, per = ((word(job, 7) + m - 1) / m) * tW;
  if (t >= tiles) {
    for (let i = 0; i < n * n; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per;
  const iy0 = (rem / tW) * m - word(job, 10), ix0 = (rem % tW) * m - word(job, 11);
  const img = x + (<usize>b * <usize>(inH * inW * inC) << 2);
  for (let i = 0; i < n; i++) {
    const iy = iy0 + i;
    for (let j = 0; j < n; j++) {
      const ix = ix0 + j;
      const inside = <u32>iy < <u32>inH && <u32>ix < <u32>inW;
      store<i32>(table + <usize>((i * n + j) << 2), inside ? <i32>(img + (<usize>((iy * inW + ix) * inC) << 2)) : 0);
    }
  }
}

/** Writes the m² byte offsets (0 outside dy) of the m x m of `dy` under tile `t`, row-major; tiles at or past `tiles` get zeros. */
function gradTable(m: i32, job: usize, dy: usize, t: i32, tiles: i32, table: usize): void {
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const tW = (outW + m - 1) / m, per = ((outH + m - 1) / m) * tW;
  if (t >= tiles) {
    for (let i = 0; i < m * m; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per, oy = (rem / tW) * m, ox = (rem % tW) * m;
  const base = dy + (<usize>((b * outH * outW) * outC) << 2);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const inside = oy + i < outH && ox + j < outW;
      store<i32>(table + <usize>((i * m + j) << 2), inside ? <i32>(base + (<usize>(((oy + i) * outW + ox + j) * outC) << 2)) : 0);
    }
  }
}

/**
 * Writes the n² transformed blocks of tiles [t0, t0 + rows) into MR-row packed GEMM panels at
 * dst + ξ·blockBytes (depth C, rows past `rows` zero): V = Bᵀ d B of the input patches, or with
 * `grad` D = A dY Aᵀ of the m x m tiles of dy (job word 0 is then dy, words 7/8 its size), as
 * winograd4.ts's packTiles.
 */
function packTiles(m: i32, job: usize, grad: bool, t0: i32, rows: i32, C: i32, dst: usize, blockBytes: usize, tv: usize, tmp: usize, table: usize): void {
  const step = <usize>(MR << 2);
  const rowsP = roundUp(rows, MR);
  const pos = positions(m), tb = <usize>(P << 2);
  for (let g = 0; g < rowsP; g += MR) {
    if (grad) for (let r = 0; r < MR; r++) gradTable(m, job, <usize>word(job, 0), t0 + g + r, t0 + rows, table + <usize>r * tb);
    else for (let r = 0; r < MR; r++) patchTable(m, job, t0 + g + r, t0 + rows, table + <usize>r * tb);
    const panel = dst + (<usize>(g * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const off = <usize>c << 2;
      if (grad) for (let r = 0; r < MR; r++) gradTransform(m, table + <usize>r * tb, off, tmp, tv + (<usize>r << 4), <usize>(MR << 4));
      else for (let r = 0; r < MR; r++) inputTransform(m, table + <usize>r * tb, off, tmp, tv + (<usize>r << 4), <usize>(MR << 4));
      let d = panel + <usize>c * step;
      for (let xi = 0; xi < pos; xi++) {
        const s = tv + <usize>(xi * MR << 4);
        storeTransposed4(d, step, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48));
        if (MR == 5) {
          const v4 = v128.load(s, 64);
          store<f32>(d, f32x4.extract_lane(v4, 0), 16);
          store<f32>(d + step, f32x4.extract_lane(v4, 1), 16);
          store<f32>(d + 2 * step, f32x4.extract_lane(v4, 2), 16);
          store<f32>(d + 3 * step, f32x4.extract_lane(v4, 3), 16);
        }
        d += blockBytes;
      }
    }
  }
}

/** Bytes of the transform buffers shared by the tasks (sized for F(8x8)): tv (100·MR vectors), tmp (100 vectors), MR tables of 100 offsets. */
const TRANSFORM_BYTES: i32 = P * MR * 16 + P * 16 + MR * P * 4 + 64;

// ---- forward -----------------------------------------------------------------------------------------

/** Scratch bytes of a forward task of F(m x m). */
export function winoMFwdScratch(m: i32, job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), per = word(job, 12), pos = positions(m);
  return TILE_BYTES + pos * spread(roundUp(per, MR) * inC * 4) + pos * spread(per * outC * 4) + TRANSFORM_BYTES;
}

/**
 * Stores the 2x2 max pool of a b / c d (four channels, through the epilogue storeOut applies) at p
 * and its winners (bytes) at w, as the pool kernel's argmaxForward2x2 computes them from the stored
 * convolution (w = 0: no winners).
 */
// @ts-ignore: decorator
@inline
function storePooled(p: usize, w: usize, a: v128, b: v128, c: v128, d: v128, bias: v128, relu: bool): void {
  const za = biasRelu(a, bias, relu), zb = biasRelu(b, bias, relu), zc = biasRelu(c, bias, relu), zd = biasRelu(d, bias, relu);
  const m = f32x4.max(f32x4.max(za, zb), f32x4.max(zc, zd));
  v128.store(p, m);
  if (w) store<i32>(w, winnerBytes(winners2x2(za, zb, zc, zd, m, relu)));
}

/**
 * Forward task t of F(m x m): output tiles [t·per, (t+1)·per). Job words as winoFwdTask's, and
 * with word 15 set, a 2x2 stride-2 max pool of the output: y is then the pooled map (words 17, 18
 * its height and width) and word 16 its winners (bytes, as the pool kernel's MAX_ARGMAX writes
 * them; 0: none); the convolution's output is never stored. Every pool window must lie inside one
 * tile: m even, or one tile per map.
 */
export function winoMFwdTask(m: i32, job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), y = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12), bias = <usize>word(job, 13), relu = word(job, 14) == 1;
  const n = m + 2, pos = positions(m);
  const tH = (outH + m - 1) / m, tW = (outW + m - 1) / m, per2 = tH * tW, tiles = batch * per2;
  const t0 = spanStart(t, tiles, per, MR), rows = spanStart(t + 1, tiles, per, MR) - t0, rowsP = roundUp(rows, MR);
  const tile = scratch, vp = tile + TILE_BYTES;
  const vBytes = <usize>spread(rowsP * inC * 4);
  const mp = vp + <usize>pos * vBytes, mBytes = <usize>spread(rows * outC * 4);
  const tv = mp + <usize>pos * mBytes, tmp = tv + <usize>(P * MR * 16), table = tmp + <usize>(P * 16);
  // 1. V_ξ for MR tiles at a time, straight into MR-row packed panels (depth inC).
  packTiles(m, job, false, t0, rows, inC, vp, vBytes, tv, tmp, table);
  // 2. The n² GEMMs M_ξ = V_ξ · U_ξ.
  const uBytes = <usize>(roundUp(outC, NR) * inC) << 2;
  for (let xi = 0; xi < pos; xi++) blockMul(vp + <usize>xi * vBytes, up + <usize>xi * uBytes, rows, outC, inC, mp + <usize>xi * mBytes, outC, false, tile);
  // 3. Y = Aᵀ M A per tile and 4 channels, into NHWC y (tiles past the edge store what fits), or
  // with the pool two rows at a time, pooled as they are stored (y is then [batch, pH, pW, outC]).
  const pool = word(job, 15) != 0, win = <usize>word(job, 16), pH = word(job, 17), pW = word(job, 18);
  const rowB = <usize>((pool ? pW : outW) * outC) << 2, colB = <usize>outC << 2, tRow = <usize>(n << 4);
  for (let i = 0; i < rows; i++) {
    const tt = t0 + i;
    const b = tt / per2, rem = tt % per2, oy = (rem / tW) * m, ox = (rem % tW) * m;
    // Rows and columns stored: of the output, or of the pool (windows past the map's last even row or column are dropped).
    let nR = min(m, outH - oy), nC = min(m, outW - ox);
    let cell = <usize>(((b * outH + oy) * outW + ox) * outC);
    if (pool) {
      nR = min(nR >> 1, pH - (oy >> 1));
      nC = min(nC >> 1, pW - (ox >> 1));
      cell = <usize>(((b * pH + (oy >> 1)) * pW + (ox >> 1)) * outC);
    }
    const y00 = y + (cell << 2), w00 = win ? win + cell : 0;
    for (let c = 0; c < outC; c += 4) {
      const mc = mp + (<usize>(i * outC + c) << 2);
      // Columns: tmp[k·n + j] = Σ_a Aᵀ[k][a] M[a][j].
      for (let j = 0; j < n; j++) outputColumn(m, mc + <usize>j * mBytes, <usize>n * mBytes, tmp + (<usize>j << 4), tRow);
      const off = <usize>c << 2;
      const bv = bias ? v128.load(bias + off) : f32x4.splat(0);
      for (let k = 0; k < nR; k++) {
        const p = y00 + <usize>k * rowB + off;
        if (pool) {
          // Rows 2k and 2k + 1, their 2x2 windows pooled.
          const q0 = tmp + <usize>(2 * k) * tRow, q1 = q0 + tRow;
          outputColumn(m, q0, 16, q0, 16);
          outputColumn(m, q1, 16, q1, 16);
          const w = w00 ? w00 + (<usize>k * rowB >> 2) + <usize>c : 0;
          for (let l = 0; l < nC; l++)
            storePooled(p + <usize>l * colB, w ? w + <usize>(l * outC) : 0, at(q0, 2 * l), at(q0, 2 * l + 1), at(q1, 2 * l), at(q1, 2 * l + 1), bv, relu);
          continue;
        }
        // Row k: Y[k][l] = Σ_j tmp[k·n + j] Aᵀ[l][j], stored through the epilogue.
        const q = tmp + <usize>k * tRow;
        outputColumn(m, q, 16, q, 16);
        for (let l = 0; l < nC; l++) storeOut(p + <usize>l * colB, at(q, l), bv, relu);
      }
    }
  }
}

// ---- input gradient ----------------------------------------------------------------------------------

/** Scratch bytes of an input-gradient task of F(m x m). */
export function winoMInputScratch(m: i32, job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), blk = word(job, 14), pos = positions(m);
  return TILE_BYTES + pos * spread(roundUp(blk, MR) * outC * 4) + pos * spread(blk * inC * 4) + TRANSFORM_BYTES;
}

// @ts-ignore: decorator
@inline
function addAt(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v));
}

/**
 * Input-gradient task t of F(m x m) over whole images [t·g, (t+1)·g): per block of tiles
 * D = A dY Aᵀ, the n² GEMMs dV_ξ = D_ξ · U_ξᵀ, then each tile's n x n patch of dx += B dV Bᵀ,
 * tiles in order.
 */
export function winoMInputTask(m: i32, job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), dx = <usize>word(job, 2);
  const batch = word(job, 3), inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9), pT = word(job, 10), pL = word(job, 11);
  const g = word(job, 12), acc = word(job, 13) != 0, blk = word(job, 14);
  const n = m + 2, pos = positions(m);
  const tW = (outW + m - 1) / m, per2 = ((outH + m - 1) / m) * tW;
  const b0 = spanStart(t, batch, g, 1), b1 = spanStart(t + 1, batch, g, 1);
  const imgBytes = <usize>(inH * inW * inC) << 2;
  if (!acc) memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  const tile = scratch, dp = tile + TILE_BYTES;
  const dBytes = <usize>spread(roundUp(blk, MR) * outC * 4);
  const mp = dp + <usize>pos * dBytes, mBytes = <usize>spread(blk * inC * 4);
  const tv = mp + <usize>pos * mBytes, tmp = tv + <usize>(P * MR * 16), table = tmp + <usize>(P * 16);
  const uBytes = <usize>(roundUp(inC, NR) * outC) << 2;
  const rowB = <usize>(inW * inC) << 2, colB = <usize>inC << 2, tRow = <usize>(n << 4);
  const end = b1 * per2;
  for (let s0 = b0 * per2; s0 < end; s0 += blk) {
    const rows = min(blk, end - s0);
    packTiles(m, job, true, s0, rows, outC, dp, dBytes, tv, tmp, table);
    for (let xi = 0; xi < pos; xi++) blockMul(dp + <usize>xi * dBytes, up + <usize>xi * uBytes, rows, inC, outC, mp + <usize>xi * mBytes, inC, false, tile);
    for (let i = 0; i < rows; i++) {
      const tt = s0 + i;
      const b = tt / per2, rem = tt % per2;
      const iy0 = (rem / tW) * m - pT, ix0 = (rem % tW) * m - pL;
      const inside = iy0 >= 0 && iy0 + n <= inH && ix0 >= 0 && ix0 + n <= inW;
      const img = dx + <usize>b * imgBytes;
      for (let c = 0; c < inC; c += 4) {
        const mc = mp + (<usize>(i * inC + c) << 2);
        // Columns: tmp[r·n + j] = Σ_a Bᵀ[a][r] dV[a][j].
        for (let j = 0; j < n; j++) inputColumn(m, mc + <usize>j * mBytes, <usize>n * mBytes, tmp + (<usize>j << 4), tRow);
        const off = <usize>c << 2;
        for (let r = 0; r < n; r++) {
          const iy = iy0 + r;
          if (<u32>iy >= <u32>inH) continue;
          const q = tmp + <usize>r * tRow;
          inputColumn(m, q, 16, q, 16);
          const rowP = img + <usize>iy * rowB + off;
          if (inside) {
            const p = rowP + <usize>ix0 * colB;
            for (let l = 0; l < n; l++) addAt(p + <usize>l * colB, at(q, l));
          } else {
            for (let l = 0; l < n; l++) if (<u32>(ix0 + l) < <u32>inW) addAt(rowP + <usize>(ix0 + l) * colB, at(q, l));
          }
        }
      }
    }
  }
}

// ---- filter gradient -----------------------------------------------------------------------------------

/** Bytes of one chunk of filter-gradient partial sums of F(m x m): n² blocks of `spread(n·4)`, spread again. */
export function winoMChunkBytes(m: i32, n: i32): i32 {
  return spread(positions(m) * spread(n * 4));
}

/** Scratch bytes of a filter-gradient task of F(m x m). */
export function winoMFilterScratch(m: i32, job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), pos = positions(m);
  return TILE_BYTES + pos * spread(WB8 * inC * 4) + pos * spread(roundUp(outC, NR) * WB8 * 4) + roundUp(inC, MR) * WB8 * 4 + TRANSFORM_BYTES;
}

/**
 * Filter-gradient task of F(m x m) for chunk t of tiles: partial_t[ξ][inC x outC] = Σ over the
 * chunk's tiles of V_ξᵀ · D_ξ. Chunks depend only on the shape (see winoFilterTask).
 */
export function winoMFilterTask(m: i32, job: usize, t: i32, scratch: usize): void {
  const dy = <usize>word(job, 1), partial = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12), pos = positions(m);
  const tiles = batch * ((outH + m - 1) / m) * ((outW + m - 1) / m);
  const c0 = spanStart(t, tiles, per, 4), c1 = spanStart(t + 1, tiles, per, 4);
  const outCP = roundUp(outC, NR);
  const tile = scratch, vp = tile + TILE_BYTES;
  const vStride = <usize>spread(WB8 * inC * 4);
  const dp = vp + <usize>pos * vStride, dStride = <usize>spread(outCP * WB8 * 4);
  const pa = dp + <usize>pos * dStride, tmp = pa + (<usize>(roundUp(inC, MR) * WB8) << 2), table = tmp + <usize>(P * 16);
  const target = partial + <usize>t * <usize>winoMChunkBytes(m, inC * outC), tBytes = <usize>spread(inC * outC * 4);
  const nTiles = c1 - c0, blocks = (nTiles + WB8 - 1) / WB8, sb = min(WB8, roundUp((nTiles + blocks - 1) / blocks, 4));
  for (let s0 = c0; s0 < c1; s0 += sb) {
    const nt = min(sb, c1 - s0);
    const panelB = <usize>nt << 5;
    for (let p = 0; p < nt; p++) {
      const tt = s0 + p;
      // V_ξ rows (row-major, inC per tile).
      patchTable(m, job, tt, tiles, table);
      for (let c = 0; c < inC; c += 4) inputTransform(m, table, <usize>c << 2, tmp, vp + (<usize>(p * inC + c) << 2), vStride);
      // D_ξ = A dY Aᵀ into 8-column panels of depth nt (columns past outC zero: the table's pointers are 0 there).
      gradTable(m, job, dy, tt, tiles, table);
      for (let c = 0; c < outCP; c += 4) {
        const d = dp + <usize>(c >> 3) * panelB + (<usize>p << 5) + (<usize>(c & 7) << 2);
        if (c < outC) gradTransform(m, table, <usize>c << 2, tmp, d, dStride);
        else for (let xi = 0; xi < pos; xi++) v128.store(d + <usize>xi * dStride, f32x4.splat(0));
      }
    }
    for (let xi = 0; xi < pos; xi++) {
      packA(vp + <usize>xi * vStride, 1, inC, inC, nt, pa);
      blockMul(pa, dp + <usize>xi * dStride, inC, outC, nt, target + <usize>xi * tBytes, outC, s0 > c0, tile);
    }
  }
}

/**
 * Filter-gradient output task t of F(m x m) over kernel columns [t·per, (t+1)·per) of
 * n = inC·outC: dU = Σ chunks (in chunk order), then dW[3][3][n] (+)= Gᵀ dU G. Job words as
 * winoFilterOutTask's.
 */
export function winoMFilterOutTask(m: i32, job: usize, t: i32, scratch: usize): void {
  const partial = <usize>word(job, 0), dw = <usize>word(job, 1), n = word(job, 2), chunks = word(job, 3);
  const acc = word(job, 4) != 0, per = word(job, 5);
  const q0 = t * per, q1 = min(n, q0 + per);
  const side = m + 2, pos = positions(m), tRow = <usize>(side << 4);
  const xb = <usize>spread(n << 2), cb = <usize>winoMChunkBytes(m, n), nb = <usize>n << 2;
  const e = scratch + <usize>(P << 4);
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    for (let xi = 0; xi < pos; xi++) {
      const p = partial + <usize>xi * xb + off;
      let s = v128.load(p);
      for (let c = 1; c < chunks; c++) s = f32x4.add(s, v128.load(p + <usize>c * cb));
      v128.store(scratch + (<usize>xi << 4), s);
    }
    // Columns: e[ky·n + b] = Σ_a G[a][ky] dU[a][b]; then rows: dW[ky][kx] = Σ_b e[ky·n + b] G[b][kx].
    for (let b = 0; b < side; b++) kernelColumnT(m, scratch + (<usize>b << 4), tRow, e + (<usize>b << 4), tRow);
    for (let ky = 0; ky < 3; ky++) {
      const r = e + <usize>ky * tRow;
      kernelColumnT(m, r, 16, r, 16);
      for (let kx = 0; kx < 3; kx++) {
        const o = dw + <usize>(ky * 3 + kx) * nb + off;
        const v = at(r, kx);
        v128.store(o, acc ? f32x4.add(v128.load(o), v) : v);
      }
    }
  }
}

/** Scratch bytes of a filter-gradient output task (sized for F(8x8)). */
export const WINOM_FILTER_OUT_SCRATCH: i32 = P * 16 + 30 * 16 + 64;

// ---- filter transform ----------------------------------------------------------------------------------

/** u[ξ] = (G g Gᵀ)_ξ of F(m x m) for the n = inC·outC kernel columns of w[3][3][n]; the n² blocks are spread(n·4) bytes apart. */
export function winoMFilter(m: i32, w: usize, u: usize, n: i32): void {
  winoMFilterSpan(m, w, u, n, 0, n);
}

/** winoMFilter for the kernel columns [q0, q1) of n (multiples of 4): a task's share. */
export function winoMFilterSpan(m: i32, w: usize, u: usize, n: i32, q0: i32, q1: i32): void {
  const side = m + 2, nb = <usize>spread(n << 2), wb = <usize>n << 2;
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    // Columns: R[a][kx] = Σ_ky G[a][ky] g[ky][kx] to slot a·n + kx; then each row in place (its 3 loads come first).
    for (let kx = 0; kx < 3; kx++) kernelColumn(m, w + <usize>kx * wb + off, 3 * wb, u + <usize>kx * nb + off, <usize>side * nb);
    for (let a = 0; a < side; a++) {
      const r = u + <usize>(a * side) * nb + off;
      kernelColumn(m, r, nb, r, nb);
    }
  }
}
