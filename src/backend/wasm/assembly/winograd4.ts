/**
 * Winograd F(4x4, 3x3) convolution for 3x3 kernels at stride 1 over NHWC images (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016), beside F(2x2, 3x3) in winograd.ts
 * and built the same way: each 4x4 output tile comes from a 6x6 input patch with 36 products per
 * channel pair instead of 144 (2.25 per output, against 4 for F(2x2) and 9 for im2col), and for
 * each of the 36 positions ξ of the transformed tile the channel sum is a GEMM.
 *
 * Interpolation points 0, ±1, ±2, ∞ (Lavin's matrices: the transforms need the fewest operations):
 *
 *   Bᵀ = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0  4 -4 -1 1 0;  0 -2 -1  2 1 0;  0 2 -1 -2 1 0;  0 4 0 -5 0 1]
 *   G  = [1/4 0 0;  -1/6 -1/6 -1/6;  -1/6 1/6 -1/6;  1/24 1/12 1/6;  1/24 -1/12 1/6;  0 0 1]
 *   Aᵀ = [1 1 1 1 1 0;  0 1 -1 2 -2 0;  0 1 1 4 4 0;  0 1 -1 8 -8 1]
 *
 * Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A. The gradients are its transpose, as in winograd.ts: with
 * D = A dY Aᵀ, the input gradient is dV_ξ = D_ξ · U_ξᵀ scattered back as dx patch += B dV Bᵀ (a task
 * owns whole images), and the filter gradient dU_ξ = Σ_tiles V_ξᵀ · D_ξ, then dg = Gᵀ dU G.
 *
 * The larger points (±2) cost accuracy: float32 results carry about 5x the rounding error of
 * F(2x2) (bench/winograd-error.ts measures it against a float64 reference), still far below what
 * training notices. The job words are those of winograd.ts; tiles are 4x4 outputs.
 */
import { MR } from './simd';
import { NR, TILE_BYTES, blockMul, packA, roundUp, spanStart, storeTransposed4, word } from './gemm';
import { spread, storeOut } from './winograd';

/** Positions of a transformed tile. */
const P: i32 = 36;
/** Tiles of a filter-gradient sub-block (the depth of its GEMMs). */
export const WB4: i32 = 64;

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

// ---- the 1-D transforms on six (or four) vectors, results stored at p + k·s ------------------------

/** Bᵀ d: [4d0 - 5d2 + d4, -4(d1 + d2) + d3 + d4, 4(d1 - d2) - d3 + d4, ∓2(d1 - d3) + d4 - d2, 4d1 - 5d3 + d5]. */
// @ts-ignore: decorator
@inline
function bt(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, p: usize, s: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  v128.store(p, f32x4.add(f32x4.sub(f32x4.mul(d0, four), f32x4.mul(d2, five)), d4));
  const s12 = f32x4.add(d1, d2), s34 = f32x4.add(d3, d4);
  v128.store(p + s, f32x4.sub(s34, f32x4.mul(s12, four)));
  const m12 = f32x4.sub(d1, d2), m43 = f32x4.sub(d4, d3);
  v128.store(p + 2 * s, f32x4.add(m43, f32x4.mul(m12, four)));
  const e = f32x4.sub(d4, d2), f = f32x4.mul(f32x4.sub(d1, d3), two);
  v128.store(p + 3 * s, f32x4.sub(e, f));
  v128.store(p + 4 * s, f32x4.add(e, f));
  v128.store(p + 5 * s, f32x4.add(f32x4.sub(f32x4.mul(d1, four), f32x4.mul(d3, five)), d5));
}

/** B v (the transpose of Bᵀ, for the input gradient's scatter). */
// @ts-ignore: decorator
@inline
function bn(v0: v128, v1: v128, v2: v128, v3: v128, v4: v128, v5: v128, p: usize, s: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const m12 = f32x4.sub(v1, v2), m34 = f32x4.sub(v3, v4), s12 = f32x4.add(v1, v2), s34 = f32x4.add(v3, v4);
  v128.store(p, f32x4.mul(v0, four));
  v128.store(p + s, f32x4.sub(f32x4.mul(f32x4.sub(v5, m12), four), f32x4.mul(m34, two)));
  v128.store(p + 2 * s, f32x4.sub(f32x4.neg(f32x4.add(f32x4.mul(v0, five), f32x4.mul(s12, four))), s34));
  v128.store(p + 3 * s, f32x4.sub(f32x4.add(m12, f32x4.mul(m34, two)), f32x4.mul(v5, five)));
  v128.store(p + 4 * s, f32x4.add(f32x4.add(v0, s12), s34));
  v128.store(p + 5 * s, v5);
}

/** A y for the four values of a dY column: [y0, y0+y1+y2+y3, y0-y1+y2-y3, y0+2y1+4y2+8y3, y0-2y1+4y2-8y3, y3]. */
// @ts-ignore: decorator
@inline
function an(y0: v128, y1: v128, y2: v128, y3: v128, p: usize, s: usize): void {
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
  const e = f32x4.add(y0, y2), o = f32x4.add(y1, y3);
  const e2 = f32x4.add(y0, f32x4.mul(y2, four)), o2 = f32x4.add(f32x4.mul(y1, two), f32x4.mul(y3, eight));
  v128.store(p, y0);
  v128.store(p + s, f32x4.add(e, o));
  v128.store(p + 2 * s, f32x4.sub(e, o));
  v128.store(p + 3 * s, f32x4.add(e2, o2));
  v128.store(p + 4 * s, f32x4.sub(e2, o2));
  v128.store(p + 5 * s, y3);
}

/** G g for a kernel column: [g0/4, -(g0+g1+g2)/6, -(g0-g1+g2)/6, (g0/4 + g1/2 + g2)/6, (g0/4 - g1/2 + g2)/6, g2]. */
// @ts-ignore: decorator
@inline
function gn(g0: v128, g1: v128, g2: v128, p: usize, s: usize): void {
  const quarter = f32x4.splat(0.25), half = f32x4.splat(0.5), msixth = f32x4.splat(<f32>(-1.0 / 6.0)), sixth = f32x4.splat(<f32>(1.0 / 6.0));
  const g02 = f32x4.add(g0, g2), q = f32x4.add(f32x4.mul(g0, quarter), g2), h = f32x4.mul(g1, half);
  v128.store(p, f32x4.mul(g0, quarter));
  v128.store(p + s, f32x4.mul(f32x4.add(g02, g1), msixth));
  v128.store(p + 2 * s, f32x4.mul(f32x4.sub(g02, g1), msixth));
  v128.store(p + 3 * s, f32x4.mul(f32x4.add(q, h), sixth));
  v128.store(p + 4 * s, f32x4.mul(f32x4.sub(q, h), sixth));
  v128.store(p + 5 * s, g2);
}

/** Gᵀ u over six values: [u0/4 + ((u3+u4)/4 - (u1+u2))/6, ((u2-u1) + (u3-u4)/2)/6, ((u3+u4) - (u1+u2))/6 + u5]. */
// @ts-ignore: decorator
@inline
function gt(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, p: usize, s: usize): void {
  const quarter = f32x4.splat(0.25), half = f32x4.splat(0.5), sixth = f32x4.splat(<f32>(1.0 / 6.0));
  const s12 = f32x4.add(u1, u2), s34 = f32x4.add(u3, u4);
  v128.store(p, f32x4.add(f32x4.mul(u0, quarter), f32x4.mul(f32x4.sub(f32x4.mul(s34, quarter), s12), sixth)));
  v128.store(p + s, f32x4.mul(f32x4.add(f32x4.sub(u2, u1), f32x4.mul(f32x4.sub(u3, u4), half)), sixth));
  v128.store(p + 2 * s, f32x4.add(f32x4.mul(f32x4.sub(s34, s12), sixth), u5));
}

// ---- tile tables -----------------------------------------------------------------------------------

/** Writes the 36 byte offsets (0 outside the image) of the 6x6 input patch of tile `t` at `table`; tiles at or past `tiles` get zeros. */
function patchTable(job: usize, t: i32, tiles: i32, table: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const tW = (word(job, 8) + 3) >> 2, per = ((word(job, 7) + 3) >> 2) * tW;
  if (t >= tiles) {
    for (let i = 0; i < P; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per;
  const iy0 = ((rem / tW) << 2) - word(job, 10), ix0 = ((rem % tW) << 2) - word(job, 11);
  const img = x + (<usize>b * <usize>(inH * inW * inC) << 2);
  for (let i = 0; i < 6; i++) {
    const iy = iy0 + i;
    for (let j = 0; j < 6; j++) {
      const ix = ix0 + j;
      const inside = <u32>iy < <u32>inH && <u32>ix < <u32>inW;
      store<i32>(table + <usize>((i * 6 + j) << 2), inside ? <i32>(img + (<usize>((iy * inW + ix) * inC) << 2)) : 0);
    }
  }
}

/** Writes the 16 byte offsets (0 outside dy) of the 4x4 of `dy` under tile `t`, row-major; tiles at or past `tiles` get zeros. */
function gradTable(job: usize, dy: usize, t: i32, tiles: i32, table: usize): void {
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const tW = (outW + 3) >> 2, per = ((outH + 3) >> 2) * tW;
  if (t >= tiles) {
    for (let i = 0; i < 16; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per, oy = (rem / tW) << 2, ox = (rem % tW) << 2;
  const base = dy + (<usize>((b * outH * outW) * outC) << 2);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const inside = oy + i < outH && ox + j < outW;
      store<i32>(table + <usize>((i * 4 + j) << 2), inside ? <i32>(base + (<usize>(((oy + i) * outW + ox + j) * outC) << 2)) : 0);
    }
  }
}

/** V = Bᵀ d B for channels [c, c+4) of the patch in `table`: the 36 vectors go to out + ξ·stride; `tmp` holds 36 vectors. */
// @ts-ignore: decorator
@inline
function inputTransform(table: usize, off: usize, tmp: usize, out: usize, stride: usize): void {
  // Columns: tmp[a·6 + j] = (Bᵀ d)[a][j].
  for (let j = 0; j < 6; j++) {
    const e = table + <usize>(j << 2);
    bt(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 24), off), ld(<usize>load<i32>(e, 48), off),
      ld(<usize>load<i32>(e, 72), off), ld(<usize>load<i32>(e, 96), off), ld(<usize>load<i32>(e, 120), off), tmp + (<usize>j << 4), 96);
  }
  // Rows: V[a][b] = Σ_j (Bᵀ d)[a][j] Bᵀ[b][j].
  for (let a = 0; a < 6; a++) {
    const q = tmp + <usize>(a * 96);
    bt(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), out + <usize>(a * 6) * stride, stride);
  }
}

/** D = A dY Aᵀ for channels [c, c+4) of the 4x4 of dy in `table`: the 36 vectors go to out + ξ·stride; `tmp` holds 24 vectors. */
// @ts-ignore: decorator
@inline
function gradTransform(table: usize, off: usize, tmp: usize, out: usize, stride: usize): void {
  for (let j = 0; j < 4; j++) {
    const e = table + <usize>(j << 2);
    an(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 16), off), ld(<usize>load<i32>(e, 32), off), ld(<usize>load<i32>(e, 48), off), tmp + (<usize>j << 4), 64);
  }
  for (let a = 0; a < 6; a++) {
    const q = tmp + <usize>(a * 64);
    an(at(q, 0), at(q, 1), at(q, 2), at(q, 3), out + <usize>(a * 6) * stride, stride);
  }
}

/**
 * Writes the 36 transformed blocks of tiles [t0, t0 + rows) into MR-row packed GEMM panels at
 * dst + ξ·blockBytes (depth C, rows past `rows` zero): V = Bᵀ d B of the input patches, or with
 * `grad` D = A dY Aᵀ of the 4x4 tiles of dy (job word 0 is then dy, words 7/8 its size). The
 * transforms of MR tiles go to `tv` first, then each position's MR x 4 block is transposed into
 * its panel (reading A in place instead, with one splat load per row, ran at half the speed).
 */
function packTiles(job: usize, grad: bool, t0: i32, rows: i32, C: i32, dst: usize, blockBytes: usize, tv: usize, tmp: usize, table: usize): void {
  const step = <usize>(MR << 2);
  const rowsP = roundUp(rows, MR);
  const tb = <usize>(P << 2);
  for (let g = 0; g < rowsP; g += MR) {
    if (grad) for (let r = 0; r < MR; r++) gradTable(job, <usize>word(job, 0), t0 + g + r, t0 + rows, table + <usize>r * tb);
    else for (let r = 0; r < MR; r++) patchTable(job, t0 + g + r, t0 + rows, table + <usize>r * tb);
    const panel = dst + (<usize>(g * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const off = <usize>c << 2;
      if (grad) for (let r = 0; r < MR; r++) gradTransform(table + <usize>r * tb, off, tmp, tv + (<usize>r << 4), <usize>(MR << 4));
      else for (let r = 0; r < MR; r++) inputTransform(table + <usize>r * tb, off, tmp, tv + (<usize>r << 4), <usize>(MR << 4));
      let d = panel + <usize>c * step;
      for (let xi = 0; xi < P; xi++) {
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

/** Bytes of the transform buffers shared by the tasks: tv (36·MR vectors), tmp (36 vectors), MR tables of 36 offsets. */
const TRANSFORM_BYTES: i32 = P * MR * 16 + P * 16 + MR * P * 4 + 64;

// ---- forward -----------------------------------------------------------------------------------------

/** Scratch bytes of a forward task. */
export function wino4FwdScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), per = word(job, 12);
  return TILE_BYTES + P * spread(roundUp(per, MR) * inC * 4) + P * spread(per * outC * 4) + TRANSFORM_BYTES;
}

/** Forward task t: output tiles [t·per, (t+1)·per). Job words as winoFwdTask's. */
export function wino4FwdTask(job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), y = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12), bias = <usize>word(job, 13), relu = word(job, 14) == 1;
  const tH = (outH + 3) >> 2, tW = (outW + 3) >> 2, per2 = tH * tW, tiles = batch * per2;
  const t0 = spanStart(t, tiles, per, MR), rows = spanStart(t + 1, tiles, per, MR) - t0, rowsP = roundUp(rows, MR);
  const tile = scratch, vp = tile + TILE_BYTES;
  const vBytes = <usize>spread(rowsP * inC * 4);
  const mp = vp + <usize>P * vBytes, mBytes = <usize>spread(rows * outC * 4);
  const tv = mp + <usize>P * mBytes, tmp = tv + <usize>(P * MR * 16), table = tmp + <usize>(P * 16);
  // 1. V_ξ row-major (inC values a tile; rows past `rows` are never stored, only read by edge tiles).
  // 1. V_ξ for MR tiles at a time, straight into MR-row packed panels (depth inC).
  packTiles(job, false, t0, rows, inC, vp, vBytes, tv, tmp, table);
  // 2. The 36 GEMMs M_ξ = V_ξ · U_ξ.
  const uBytes = <usize>(roundUp(outC, NR) * inC) << 2;
  for (let xi = 0; xi < P; xi++) blockMul(vp + <usize>xi * vBytes, up + <usize>xi * uBytes, rows, outC, inC, mp + <usize>xi * mBytes, outC, false, tile);
  // 3. Y = Aᵀ M A per tile and 4 channels, into NHWC y (tiles past the edge store what fits).
  const rowB = <usize>(outW * outC) << 2, colB = <usize>outC << 2;
  for (let i = 0; i < rows; i++) {
    const tt = t0 + i;
    const b = tt / per2, rem = tt % per2, oy = (rem / tW) << 2, ox = (rem % tW) << 2;
    const nR = min(4, outH - oy), nC = min(4, outW - ox);
    const y00 = y + (<usize>(((b * outH + oy) * outW + ox) * outC) << 2);
    for (let c = 0; c < outC; c += 4) {
      const m = mp + (<usize>(i * outC + c) << 2);
      // Columns: tmp[k·6 + j] = Σ_a Aᵀ[k][a] M[a][j].
      for (let j = 0; j < 6; j++) {
        const q = m + <usize>j * mBytes, s6 = 6 * mBytes;
        outputColumn(v128.load(q), v128.load(q + s6), v128.load(q + 2 * s6), v128.load(q + 3 * s6), v128.load(q + 4 * s6), v128.load(q + 5 * s6), tmp + (<usize>j << 4), 96);
      }
      const off = <usize>c << 2;
      const bv = bias ? v128.load(bias + off) : f32x4.splat(0);
      for (let k = 0; k < nR; k++) {
        // Row k: Y[k][l] = Σ_j tmp[k·6 + j] Aᵀ[l][j], stored through the epilogue.
        const q = tmp + <usize>(k * 96);
        outputColumn(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), q, 16);
        const p = y00 + <usize>k * rowB + off;
        for (let l = 0; l < nC; l++) storeOut(p + <usize>l * colB, at(q, l), bv, relu);
      }
    }
  }
}

/** Aᵀ m over six values: [m0 + (m1+m2) + (m3+m4), (m1-m2) + 2(m3-m4), (m1+m2) + 4(m3+m4), (m1-m2) + 8(m3-m4) + m5] to p + k·s (may overwrite m's own slots: all loads come first). */
// @ts-ignore: decorator
@inline
function outputColumn(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, p: usize, s: usize): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(p, f32x4.add(f32x4.add(m0, a), c));
  v128.store(p + s, f32x4.add(b, f32x4.mul(d, f32x4.splat(2))));
  v128.store(p + 2 * s, f32x4.add(a, f32x4.mul(c, f32x4.splat(4))));
  v128.store(p + 3 * s, f32x4.add(f32x4.add(b, f32x4.mul(d, f32x4.splat(8))), m5));
}

// ---- input gradient ----------------------------------------------------------------------------------

/** Scratch bytes of an input-gradient task. */
export function wino4InputScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), blk = word(job, 14);
  return TILE_BYTES + P * spread(roundUp(blk, MR) * outC * 4) + P * spread(blk * inC * 4) + TRANSFORM_BYTES;
}

// @ts-ignore: decorator
@inline
function addAt(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v));
}

/**
 * Input-gradient task t over whole images [t·g, (t+1)·g): per block of tiles D = A dY Aᵀ, the 36
 * GEMMs dV_ξ = D_ξ · U_ξᵀ, then each tile's 6x6 patch of dx += B dV Bᵀ, tiles in order.
 */
export function wino4InputTask(job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), dx = <usize>word(job, 2);
  const batch = word(job, 3), inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9), pT = word(job, 10), pL = word(job, 11);
  const g = word(job, 12), acc = word(job, 13) != 0, blk = word(job, 14);
  const tW = (outW + 3) >> 2, per2 = ((outH + 3) >> 2) * tW;
  const b0 = spanStart(t, batch, g, 1), b1 = spanStart(t + 1, batch, g, 1);
  const imgBytes = <usize>(inH * inW * inC) << 2;
  if (!acc) memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  const tile = scratch, dp = tile + TILE_BYTES;
  const dBytes = <usize>spread(roundUp(blk, MR) * outC * 4);
  const mp = dp + <usize>P * dBytes, mBytes = <usize>spread(blk * inC * 4);
  const tv = mp + <usize>P * mBytes, tmp = tv + <usize>(P * MR * 16), table = tmp + <usize>(P * 16);
  const uBytes = <usize>(roundUp(inC, NR) * outC) << 2;
  const rowB = <usize>(inW * inC) << 2, colB = <usize>inC << 2;
  const end = b1 * per2;
  for (let s0 = b0 * per2; s0 < end; s0 += blk) {
    const rows = min(blk, end - s0);
    packTiles(job, true, s0, rows, outC, dp, dBytes, tv, tmp, table);
    for (let xi = 0; xi < P; xi++) blockMul(dp + <usize>xi * dBytes, up + <usize>xi * uBytes, rows, inC, outC, mp + <usize>xi * mBytes, inC, false, tile);
    for (let i = 0; i < rows; i++) {
      const tt = s0 + i;
      const b = tt / per2, rem = tt % per2;
      const iy0 = ((rem / tW) << 2) - pT, ix0 = ((rem % tW) << 2) - pL;
      const inside = iy0 >= 0 && iy0 + 6 <= inH && ix0 >= 0 && ix0 + 6 <= inW;
      const img = dx + <usize>b * imgBytes;
      for (let c = 0; c < inC; c += 4) {
        const m = mp + (<usize>(i * inC + c) << 2);
        // Columns: tmp[r·6 + j] = Σ_a Bᵀ[a][r] dV[a][j].
        for (let j = 0; j < 6; j++) {
          const q = m + <usize>j * mBytes, s6 = 6 * mBytes;
          bn(v128.load(q), v128.load(q + s6), v128.load(q + 2 * s6), v128.load(q + 3 * s6), v128.load(q + 4 * s6), v128.load(q + 5 * s6), tmp + (<usize>j << 4), 96);
        }
        const off = <usize>c << 2;
        for (let r = 0; r < 6; r++) {
          const iy = iy0 + r;
          if (<u32>iy >= <u32>inH) continue;
          const q = tmp + <usize>(r * 96);
          bn(at(q, 0), at(q, 1), at(q, 2), at(q, 3), at(q, 4), at(q, 5), q, 16);
          const rowP = img + <usize>iy * rowB + off;
          if (inside) {
            const p = rowP + <usize>ix0 * colB;
            for (let l = 0; l < 6; l++) addAt(p + <usize>l * colB, at(q, l));
          } else {
            for (let l = 0; l < 6; l++) if (<u32>(ix0 + l) < <u32>inW) addAt(rowP + <usize>(ix0 + l) * colB, at(q, l));
          }
        }
      }
    }
  }
}

// ---- filter gradient -----------------------------------------------------------------------------------

/** Bytes of one chunk of filter-gradient partial sums: 36 blocks of `spread(n·4)`, spread again. */
export function wino4ChunkBytes(n: i32): i32 {
  return spread(P * spread(n * 4));
}

/** Scratch bytes of a filter-gradient task. */
export function wino4FilterScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9);
  return TILE_BYTES + P * spread(WB4 * inC * 4) + P * spread(roundUp(outC, NR) * WB4 * 4) + roundUp(inC, MR) * WB4 * 4 + TRANSFORM_BYTES;
}

/**
 * Filter-gradient task for chunk t of tiles: partial_t[ξ][inC x outC] = Σ over the chunk's tiles
 * of V_ξᵀ · D_ξ. Chunks depend only on the shape (see winoFilterTask).
 */
export function wino4FilterTask(job: usize, t: i32, scratch: usize): void {
  const dy = <usize>word(job, 1), partial = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12);
  const tiles = batch * ((outH + 3) >> 2) * ((outW + 3) >> 2);
  const c0 = spanStart(t, tiles, per, 4), c1 = spanStart(t + 1, tiles, per, 4);
  const outCP = roundUp(outC, NR);
  const tile = scratch, vp = tile + TILE_BYTES;
  const vStride = <usize>spread(WB4 * inC * 4);
  const dp = vp + <usize>P * vStride, dStride = <usize>spread(outCP * WB4 * 4);
  const pa = dp + <usize>P * dStride, tmp = pa + (<usize>(roundUp(inC, MR) * WB4) << 2), table = tmp + <usize>(P * 16);
  const target = partial + <usize>t * <usize>wino4ChunkBytes(inC * outC), tBytes = <usize>spread(inC * outC * 4);
  const n = c1 - c0, blocks = (n + WB4 - 1) / WB4, sb = min(WB4, roundUp((n + blocks - 1) / blocks, 4));
  for (let s0 = c0; s0 < c1; s0 += sb) {
    const nt = min(sb, c1 - s0);
    const panelB = <usize>nt << 5;
    for (let p = 0; p < nt; p++) {
      const tt = s0 + p;
      // V_ξ rows (row-major, inC per tile).
      patchTable(job, tt, tiles, table);
      for (let c = 0; c < inC; c += 4) inputTransform(table, <usize>c << 2, tmp, vp + (<usize>(p * inC + c) << 2), vStride);
      // D_ξ = A dY Aᵀ into 8-column panels of depth nt (columns past outC zero: the table's pointers are 0 there).
      gradTable(job, dy, tt, tiles, table);
      for (let c = 0; c < outCP; c += 4) {
        const d = dp + <usize>(c >> 3) * panelB + (<usize>p << 5) + (<usize>(c & 7) << 2);
        if (c < outC) gradTransform(table, <usize>c << 2, tmp, d, dStride);
        else for (let xi = 0; xi < P; xi++) v128.store(d + <usize>xi * dStride, f32x4.splat(0));
      }
    }
    for (let xi = 0; xi < P; xi++) {
      packA(vp + <usize>xi * vStride, 1, inC, inC, nt, pa);
      blockMul(pa, dp + <usize>xi * dStride, inC, outC, nt, target + <usize>xi * tBytes, outC, s0 > c0, tile);
    }
  }
}

/**
 * Filter-gradient output task t over kernel columns [t·per, (t+1)·per) of n = inC·outC:
 * dU = Σ chunks (in chunk order), then dW[3][3][n] (+)= Gᵀ dU G. Job words as winoFilterOutTask's.
 */
export function wino4FilterOutTask(job: usize, t: i32, scratch: usize): void {
  const partial = <usize>word(job, 0), dw = <usize>word(job, 1), n = word(job, 2), chunks = word(job, 3);
  const acc = word(job, 4) != 0, per = word(job, 5);
  const q0 = t * per, q1 = min(n, q0 + per);
  const xb = <usize>spread(n << 2), cb = <usize>wino4ChunkBytes(n), nb = <usize>n << 2;
  const e = scratch + <usize>(P << 4);
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    for (let xi = 0; xi < P; xi++) {
      const p = partial + <usize>xi * xb + off;
      let s = v128.load(p);
      for (let c = 1; c < chunks; c++) s = f32x4.add(s, v128.load(p + <usize>c * cb));
      v128.store(scratch + (<usize>xi << 4), s);
    }
    // Columns: e[ky·6 + b] = Σ_a G[a][ky] dU[a][b]; then rows: dW[ky][kx] = Σ_b e[ky·6 + b] G[b][kx].
    for (let b = 0; b < 6; b++) {
      const u = scratch + (<usize>b << 4);
      gt(at(u, 0), at(u, 6), at(u, 12), at(u, 18), at(u, 24), at(u, 30), e + (<usize>b << 4), 96);
    }
    for (let ky = 0; ky < 3; ky++) {
      const r = e + <usize>(ky * 96);
      gt(at(r, 0), at(r, 1), at(r, 2), at(r, 3), at(r, 4), at(r, 5), r, 16);
      for (let kx = 0; kx < 3; kx++) {
        const o = dw + <usize>(ky * 3 + kx) * nb + off;
        const v = at(r, kx);
        v128.store(o, acc ? f32x4.add(v128.load(o), v) : v);
      }
    }
  }
}

/** Scratch bytes of a filter-gradient output task. */
export const WINO4_FILTER_OUT_SCRATCH: i32 = P * 16 + 18 * 16 + 64;

// ---- filter transform ----------------------------------------------------------------------------------

/** u[ξ] = (G g Gᵀ)_ξ for the n = inC·outC kernel columns of w[3][3][n]; the 36 blocks are spread(n·4) bytes apart. */
export function wino4Filter(w: usize, u: usize, n: i32): void {
  wino4FilterSpan(w, u, n, 0, n);
}

/** wino4Filter for the kernel columns [q0, q1) of n (multiples of 4): a task's share. */
export function wino4FilterSpan(w: usize, u: usize, n: i32, q0: i32, q1: i32): void {
  const nb = <usize>spread(n << 2), wb = <usize>n << 2;
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    // Columns: R[a][kx] = Σ_ky G[a][ky] g[ky][kx] to slot a·6 + kx; then each row in place (its 3 loads come first).
    for (let kx = 0; kx < 3; kx++) {
      gn(v128.load(w + <usize>kx * wb + off), v128.load(w + <usize>(3 + kx) * wb + off), v128.load(w + <usize>(6 + kx) * wb + off), u + <usize>kx * nb + off, 6 * nb);
    }
    for (let a = 0; a < 6; a++) {
      const r = u + <usize>(a * 6) * nb + off;
      gn(v128.load(r), v128.load(r + nb), v128.load(r + 2 * nb), r, nb);
    }
  }
}
