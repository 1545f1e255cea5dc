/**
 * Winograd F(2x2, 3x3) convolution for 3x3 kernels at stride 1 over NHWC images (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2016; F(4x4, 3x3) is in winograd4.ts).
 * Each 2x2 output tile comes from a 4x4 input patch with 16 products per channel pair instead of 36:
 *
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,  summed over input channels, so for each of the 16 positions
 *   ξ of the 4x4 transformed tile the channel sum is a GEMM: M_ξ[tiles x outC] = V_ξ[tiles x inC] · U_ξ[inC x outC].
 *
 *   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 -1 -1]
 *
 * Both gradients are the transpose of the forward pass. With D = A dY Aᵀ (dY a tile's 2x2 of dy):
 * the input gradient is dV_ξ = D_ξ · U_ξᵀ, scattered back as dx patch += B dV Bᵀ (patches overlap,
 * so a task owns whole images); the filter gradient is dU_ξ = Σ_tiles V_ξᵀ · D_ξ, then dg = Gᵀ dU G.
 *
 * Transforms work on 4 channels at once (inC and outC must be multiples of 4) and write straight
 * into the GEMM's packed panels or its row-major operands, a block of tiles at a time, so the
 * 16 GEMMs of a block run on data that is still in cache.
 *
 * Forward job words: 0 x, 1 packed U (16 blocks of 8-column panels), 2 y, 3 batch, 4 inH, 5 inW,
 * 6 inC, 7 outH, 8 outW, 9 outC, 10 padTop, 11 padLeft, 12 tiles per task, 13 bias (0: none),
 * 14 activation (0 linear, 1 relu).
 * Input-gradient job words: 0 dy, 1 packed Uᵀ, 2 dx, 3-11 as above, 12 images per task,
 * 13 accumulate, 14 tiles per block.
 * Filter-gradient job words: 0 x, 1 dy, 2 partial sums (winoChunkBytes per chunk), 3-11 as above,
 * 12 tiles per chunk.
 */
import { MR } from './simd';
import { NR, TILE_BYTES, blockMul, packA, packB, roundUp, spanStart, storeTransposed4, word } from './gemm';

/** Tiles of a filter-gradient sub-block (the depth of its GEMMs). */
export const WB: i32 = 64;

/**
 * Byte distance between the 16 per-position blocks of a transform: rounded to 256 bytes, then
 * 5 cache lines more, so the 16 streams a transform writes fall in 16 different L1 sets (a
 * power-of-two distance maps them all to one set and the stores evict each other).
 */
// @ts-ignore: decorator
@inline
export function spread(bytes: i32): i32 {
  return ((bytes + 255) & ~255) + 320;
}

// @ts-ignore: decorator
@inline
function ld(p: usize, off: usize): v128 {
  return p ? v128.load(p + off) : f32x4.splat(0);
}

/**
 * Writes the 16 byte offsets (0 outside the image) of the 4x4 input patch of tile `t` at `table`
 * (row-major i32s). Tiles at or past `tiles` get an all-zero patch.
 */
function patchTable(job: usize, t: i32, tiles: i32, table: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const tH = (word(job, 7) + 1) >> 1, tW = (word(job, 8) + 1) >> 1, per = tH * tW;
  if (t >= tiles) {
    for (let i = 0; i < 16; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per, ty = rem / tW, tx = rem % tW;
  const iy0 = 2 * ty - word(job, 10), ix0 = 2 * tx - word(job, 11);
  const img = x + (<usize>b * <usize>(inH * inW * inC) << 2);
  for (let i = 0; i < 4; i++) {
    const iy = iy0 + i;
    for (let j = 0; j < 4; j++) {
      const ix = ix0 + j;
      const inside = <u32>iy < <u32>inH && <u32>ix < <u32>inW;
      store<i32>(table + <usize>((i * 4 + j) << 2), inside ? <i32>(img + (<usize>((iy * inW + ix) * inC) << 2)) : 0);
    }
  }
}

/**
 * V = Bᵀ d B for channels [c, c+4) of the patch in `table`: the 16 vectors go to out + ξ·stride.
 * `tmp` holds 16 vectors of the intermediate Bᵀ d.
 */
// @ts-ignore: decorator
@inline
function inputTransform(table: usize, off: usize, tmp: usize, out: usize, stride: usize): void {
  for (let j = 0; j < 4; j++) {
    const d0 = ld(<usize>load<i32>(table + <usize>(j << 2)), off);
    const d1 = ld(<usize>load<i32>(table + <usize>((4 + j) << 2)), off);
    const d2 = ld(<usize>load<i32>(table + <usize>((8 + j) << 2)), off);
    const d3 = ld(<usize>load<i32>(table + <usize>((12 + j) << 2)), off);
    const q = tmp + (<usize>j << 4);
    v128.store(q, f32x4.sub(d0, d2));
    v128.store(q, f32x4.add(d1, d2), 64);
    v128.store(q, f32x4.sub(d2, d1), 128);
    v128.store(q, f32x4.sub(d1, d3), 192);
  }
  for (let i = 0; i < 4; i++) {
    const q = tmp + (<usize>i << 6);
    const c0 = v128.load(q), c1 = v128.load(q, 16), c2 = v128.load(q, 32), c3 = v128.load(q, 48);
    const o = out + <usize>(i * 4) * stride;
    v128.store(o, f32x4.sub(c0, c2));
    v128.store(o + stride, f32x4.add(c1, c2));
    v128.store(o + 2 * stride, f32x4.sub(c2, c1));
    v128.store(o + 3 * stride, f32x4.sub(c1, c3));
  }
}

/** Σ_a Aᵀ[0][a] M[a][j] = M[0][j] + M[1][j] + M[2][j] (M_ξ blocks `mb` bytes apart). */
// @ts-ignore: decorator
@inline
function colSum(m: usize, mb: usize, j: i32): v128 {
  return f32x4.add(f32x4.add(v128.load(m + <usize>j * mb), v128.load(m + <usize>(4 + j) * mb)), v128.load(m + <usize>(8 + j) * mb));
}

/** Σ_a Aᵀ[1][a] M[a][j] = M[1][j] - M[2][j] - M[3][j]. */
// @ts-ignore: decorator
@inline
function colDiff(m: usize, mb: usize, j: i32): v128 {
  return f32x4.sub(f32x4.sub(v128.load(m + <usize>(4 + j) * mb), v128.load(m + <usize>(8 + j) * mb)), v128.load(m + <usize>(12 + j) * mb));
}

/** Row (u, v) of A dY times Aᵀ: [u, u+v, u-v, -v] to o + k·stride. */
// @ts-ignore: decorator
@inline
function outputRowT(o: usize, stride: usize, u: v128, v: v128): void {
  v128.store(o, u);
  v128.store(o + stride, f32x4.add(u, v));
  v128.store(o + 2 * stride, f32x4.sub(u, v));
  v128.store(o + 3 * stride, f32x4.neg(v));
}

/**
 * Writes the 16 transformed blocks of tiles [t0, t0 + rows) into MR-row packed GEMM panels at
 * dst + ξ·blockBytes (depth C, rows past `rows` zero): V = Bᵀ d B of the input patches, or with
 * `grad` D = A dY Aᵀ of the 2x2 tiles of dy (job word 0 is then dy, words 7/8 its size).
 */
function packTiles(job: usize, grad: bool, t0: i32, rows: i32, C: i32, dst: usize, blockBytes: usize, tv: usize, tmp: usize, table: usize): void {
  const step = <usize>(MR << 2);
  const rowsP = roundUp(rows, MR);
  for (let g = 0; g < rowsP; g += MR) {
    if (grad) for (let r = 0; r < MR; r++) gradTable(job, <usize>word(job, 0), t0 + g + r, t0 + rows, table + <usize>(r << 4));
    else for (let r = 0; r < MR; r++) patchTable(job, t0 + g + r, t0 + rows, table + <usize>(r << 6));
    const panel = dst + (<usize>(g * C) << 2);
    for (let c = 0; c < C; c += 4) {
      const off = <usize>c << 2;
      if (grad) {
        for (let r = 0; r < MR; r++) {
          const e = table + <usize>(r << 4);
          gradTransform(ld(<usize>load<i32>(e), off), ld(<usize>load<i32>(e, 4), off), ld(<usize>load<i32>(e, 8), off), ld(<usize>load<i32>(e, 12), off), tv + (<usize>r << 4), <usize>(MR << 4));
        }
      } else {
        for (let r = 0; r < MR; r++) inputTransform(table + <usize>(r << 6), off, tmp, tv + (<usize>r << 4), <usize>(MR << 4));
      }
      let d = panel + <usize>c * step;
      for (let xi = 0; xi < 16; xi++) {
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

/**
 * Writes the byte offsets (0 outside dy) of the 2x2 of `dy` under tile `t` at `table`
 * (4 i32s: (0,0), (0,1), (1,0), (1,1)); tiles at or past `tiles` get zeros.
 */
function gradTable(job: usize, dy: usize, t: i32, tiles: i32, table: usize): void {
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, per = tH * tW;
  if (t >= tiles) {
    for (let i = 0; i < 4; i++) store<i32>(table + <usize>(i << 2), 0);
    return;
  }
  const b = t / per, rem = t % per, oy = (rem / tW) << 1, ox = (rem % tW) << 1;
  const p = dy + (<usize>(((b * outH + oy) * outW + ox) * outC) << 2);
  const right = ox + 1 < outW, below = oy + 1 < outH;
  const rowB = <usize>(outW * outC) << 2, colB = <usize>outC << 2;
  store<i32>(table, <i32>p);
  store<i32>(table, right ? <i32>(p + colB) : 0, 4);
  store<i32>(table, below ? <i32>(p + rowB) : 0, 8);
  store<i32>(table, right && below ? <i32>(p + rowB + colB) : 0, 12);
}

/** D = A dY Aᵀ of the 2x2 tile [[a, b], [c, d]]: the 16 vectors to out + ξ·stride. */
// @ts-ignore: decorator
@inline
function gradTransform(a: v128, b: v128, c: v128, d: v128, out: usize, stride: usize): void {
  // Rows of A dY: [a b], [a+c b+d], [a-c b-d], [-c -d]; then each row (u, v) -> [u, u+v, u-v, -v].
  outputRowT(out, stride, a, b);
  outputRowT(out + 4 * stride, stride, f32x4.add(a, c), f32x4.add(b, d));
  outputRowT(out + 8 * stride, stride, f32x4.sub(a, c), f32x4.sub(b, d));
  outputRowT(out + 12 * stride, stride, f32x4.neg(c), f32x4.neg(d));
}

/** Scratch bytes of a forward task. */
export function winoFwdScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), per = word(job, 12);
  return TILE_BYTES + 16 * spread(roundUp(per, MR) * inC * 4) + 16 * spread(per * outC * 4) + 16 * MR * 16 + 256 + MR * 64;
}

/** Forward task t: output tiles [t·per, (t+1)·per). */
export function winoFwdTask(job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), y = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12), bias = <usize>word(job, 13), relu = word(job, 14) == 1;
  const tH = (outH + 1) >> 1, tW = (outW + 1) >> 1, tiles = batch * tH * tW;
  const t0 = spanStart(t, tiles, per, MR), rows = spanStart(t + 1, tiles, per, MR) - t0, rowsP = roundUp(rows, MR);
  const tile = scratch;
  const vp = tile + TILE_BYTES;
  const vBytes = <usize>spread(rowsP * inC * 4);
  const mp = vp + 16 * vBytes;
  const mBytes = <usize>spread(rows * outC * 4);
  const tv = mp + 16 * mBytes, tmp = tv + <usize>(16 * MR * 16), table = tmp + 256;
  const step = <usize>(MR << 2);
  // 1. V_ξ for MR tiles at a time, straight into MR-row packed panels (depth inC).
  packTiles(job, false, t0, rows, inC, vp, vBytes, tv, tmp, table);
  // 2. The 16 GEMMs M_ξ = V_ξ · U_ξ.
  const uBytes = <usize>(roundUp(outC, NR) * inC) << 2;
  for (let xi = 0; xi < 16; xi++) blockMul(vp + <usize>xi * vBytes, up + <usize>xi * uBytes, rows, outC, inC, mp + <usize>xi * mBytes, outC, false, tile);
  // 3. Y = Aᵀ M A per tile and 4 channels, into NHWC y.
  const per2 = tH * tW;
  for (let i = 0; i < rows; i++) {
    const tt = t0 + i;
    const b = tt / per2, rem = tt % per2, oy = (rem / tW) << 1, ox = (rem % tW) << 1;
    const right = ox + 1 < outW, below = oy + 1 < outH;
    const y00 = y + (<usize>(((b * outH + oy) * outW + ox) * outC) << 2);
    const rowB = <usize>(outW * outC) << 2, colB = <usize>outC << 2;
    for (let c = 0; c < outC; c += 4) {
      const m = mp + (<usize>(i * outC + c) << 2);
      const s0 = colSum(m, mBytes, 0), s1 = colSum(m, mBytes, 1), s2 = colSum(m, mBytes, 2), s3 = colSum(m, mBytes, 3);
      const e0 = colDiff(m, mBytes, 0), e1 = colDiff(m, mBytes, 1), e2 = colDiff(m, mBytes, 2), e3 = colDiff(m, mBytes, 3);
      const off = <usize>c << 2;
      const p00 = y00 + off;
      const bv = bias ? v128.load(bias + off) : f32x4.splat(0);
      storeOut(p00, f32x4.add(f32x4.add(s0, s1), s2), bv, relu);
      if (right) storeOut(p00 + colB, f32x4.sub(f32x4.sub(s1, s2), s3), bv, relu);
      if (below) {
        const p10 = p00 + rowB;
        storeOut(p10, f32x4.add(f32x4.add(e0, e1), e2), bv, relu);
        if (right) storeOut(p10 + colB, f32x4.sub(f32x4.sub(e1, e2), e3), bv, relu);
      }
    }
  }
}

/** v + bias, through relu when asked (the same select as the bias-activation kernel). */
// @ts-ignore: decorator
@inline
export function biasRelu(v: v128, bias: v128, relu: bool): v128 {
  const r = f32x4.add(v, bias);
  return relu ? v128.and(r, f32x4.gt(r, f32x4.splat(0))) : r;
}

/** Stores v + bias, through relu when asked (every Winograd tile's output epilogue). */
// @ts-ignore: decorator
@inline
export function storeOut(p: usize, v: v128, bias: v128, relu: bool): void {
  v128.store(p, biasRelu(v, bias, relu));
}

/** Scratch bytes of a filter-gradient task. */
export function winoFilterScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9);
  return TILE_BYTES + 16 * spread(WB * inC * 4) + 16 * spread(roundUp(outC, NR) * WB * 4) + roundUp(inC, MR) * WB * 4 + 256 + 64;
}

/**
 * Filter-gradient task for chunk t of tiles: partial_t[ξ][inC x outC] = Σ over the chunk's tiles
 * of V_ξᵀ · D_ξ with D = A dY Aᵀ. Chunks depend only on the shape, so the host's in-order sum of
 * the partials is the same for any number of threads.
 */
export function winoFilterTask(job: usize, t: i32, scratch: usize): void {
  const dy = <usize>word(job, 1), partial = <usize>word(job, 2);
  const batch = word(job, 3), inC = word(job, 6), outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const per = word(job, 12);
  const tiles = batch * ((outH + 1) >> 1) * ((outW + 1) >> 1);
  const c0 = spanStart(t, tiles, per, 4), c1 = spanStart(t + 1, tiles, per, 4);
  const outCP = roundUp(outC, NR);
  const tile = scratch, vp = tile + TILE_BYTES;
  const vStride = <usize>spread(WB * inC * 4);
  const dp = vp + 16 * vStride, dStride = <usize>spread(outCP * WB * 4);
  const pa = dp + 16 * dStride, tmp = pa + (<usize>(roundUp(inC, MR) * WB) << 2), table = tmp + 256;
  const target = partial + <usize>t * <usize>winoChunkBytes(inC * outC), tBytes = <usize>spread(inC * outC * 4);
  // Even sub-blocks (e.g. 196 tiles as 52+52+52+40) keep every GEMM's depth reasonable.
  const n = c1 - c0, blocks = (n + WB - 1) / WB, sb = min(WB, roundUp((n + blocks - 1) / blocks, 4));
  for (let s0 = c0; s0 < c1; s0 += sb) {
    const nt = min(sb, c1 - s0);
    const panelB = <usize>nt << 5;
    for (let p = 0; p < nt; p++) {
      const tt = s0 + p;
      // V_ξ rows (row-major, inC per tile).
      patchTable(job, tt, tiles, table);
      for (let c = 0; c < inC; c += 4) inputTransform(table, <usize>c << 2, tmp, vp + (<usize>(p * inC + c) << 2), vStride);
      // D_ξ = A dY Aᵀ (dY is the tile's 2x2 of dy, zero past the edge), into 8-column panels of depth nt.
      gradTable(job, dy, tt, tiles, table);
      const e0 = <usize>load<i32>(table), e1 = <usize>load<i32>(table, 4), e2 = <usize>load<i32>(table, 8), e3 = <usize>load<i32>(table, 12);
      for (let c = 0; c < outCP; c += 4) {
        const off = <usize>c << 2;
        const d = dp + <usize>(c >> 3) * panelB + (<usize>p << 5) + (<usize>(c & 7) << 2);
        if (c < outC) gradTransform(ld(e0, off), ld(e1, off), ld(e2, off), ld(e3, off), d, dStride);
        else {
          const z = f32x4.splat(0);
          gradTransform(z, z, z, z, d, dStride);
        }
      }
    }
    for (let xi = 0; xi < 16; xi++) {
      packA(vp + <usize>xi * vStride, 1, inC, inC, nt, pa);
      blockMul(pa, dp + <usize>xi * dStride, inC, outC, nt, target + <usize>xi * tBytes, outC, s0 > c0, tile);
    }
  }
}

/** Bytes of one chunk of filter-gradient partial sums: 16 blocks of `spread(n·4)`, spread again. */
export function winoChunkBytes(n: i32): i32 {
  return spread(16 * spread(n * 4));
}

/** u[ξ] = (G g Gᵀ)_ξ for the n = inC·outC kernel columns of w[3][3][n]; the 16 blocks are spread(n·4) bytes apart. */
export function winoFilter(w: usize, u: usize, n: i32): void {
  winoFilterSpan(w, u, n, 0, n);
}

/** winoFilter for the kernel columns [q0, q1) of n (multiples of 4): a task's share. */
export function winoFilterSpan(w: usize, u: usize, n: i32, q0: i32, q1: i32): void {
  const half = f32x4.splat(0.5);
  const nb = <usize>spread(n << 2), wb = <usize>n << 2;
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    // Rows: r_a[kx] = Σ_ky G[a][ky] g[ky][kx], then columns the same way.
    for (let kx = 0; kx < 3; kx++) {
      const g0 = v128.load(w + <usize>kx * wb + off), g1 = v128.load(w + <usize>(3 + kx) * wb + off), g2 = v128.load(w + <usize>(6 + kx) * wb + off);
      const sum = f32x4.mul(f32x4.add(f32x4.add(g0, g1), g2), half), dif = f32x4.mul(f32x4.add(f32x4.sub(g0, g1), g2), half);
      // R[a][kx] goes to slot a·4 + kx of u; the column pass below reads row a before writing it.
      store<v128>(u + <usize>(kx) * nb + off, g0);
      store<v128>(u + <usize>(4 + kx) * nb + off, sum);
      store<v128>(u + <usize>(8 + kx) * nb + off, dif);
      store<v128>(u + <usize>(12 + kx) * nb + off, g2);
    }
    for (let a = 0; a < 4; a++) {
      const r = u + <usize>(a * 4) * nb + off;
      const h0 = v128.load(r), h1 = v128.load(r + nb), h2 = v128.load(r + 2 * nb);
      v128.store(r, h0);
      v128.store(r + nb, f32x4.mul(f32x4.add(f32x4.add(h0, h1), h2), half));
      v128.store(r + 2 * nb, f32x4.mul(f32x4.add(f32x4.sub(h0, h1), h2), half));
      v128.store(r + 3 * nb, h2);
    }
  }
}

/**
 * Packs U for the GEMMs as `positions` (16 for F(2x2), 36 for F(4x4)) blocks of 8-column panels:
 * U_ξ [inC x outC] for the forward pass, or with `transpose` U_ξᵀ [outC x inC] for the input gradient.
 */
export function winoPackFilter(u: usize, packed: usize, inC: i32, outC: i32, transpose: bool, positions: i32): void {
  winoPackFilterSpan(u, packed, inC, outC, transpose, 0, positions);
}

/** winoPackFilter for the positions [p0, p1): a task's share. */
export function winoPackFilterSpan(u: usize, packed: usize, inC: i32, outC: i32, transpose: bool, p0: i32, p1: i32): void {
  const n = <usize>spread(inC * outC * 4);
  for (let xi = p0; xi < p1; xi++) {
    if (!transpose) packB(u + <usize>xi * n, outC, 1, inC, outC, packed + (<usize>(xi * roundUp(outC, NR) * inC) << 2));
    else packB(u + <usize>xi * n, 1, outC, outC, inC, packed + (<usize>(xi * roundUp(inC, NR) * outC) << 2));
  }
}

/** Scratch bytes of an input-gradient task. */
export function winoInputScratch(job: usize): i32 {
  const inC = word(job, 6), outC = word(job, 9), blk = word(job, 14);
  return TILE_BYTES + 16 * spread(roundUp(blk, MR) * outC * 4) + 16 * spread(blk * inC * 4) + 16 * MR * 16 + 256 + MR * 64;
}

/** Row r of B dV for column j: Σ_a Bᵀ[a][r] dV[a][j] (dV_ξ blocks `mb` bytes apart). */
// @ts-ignore: decorator
@inline
function bRow(m: usize, mb: usize, r: i32, j: i32): v128 {
  if (r == 0) return v128.load(m + <usize>j * mb);
  if (r == 1) return f32x4.add(f32x4.sub(v128.load(m + <usize>(4 + j) * mb), v128.load(m + <usize>(8 + j) * mb)), v128.load(m + <usize>(12 + j) * mb));
  if (r == 2) return f32x4.add(f32x4.sub(v128.load(m + <usize>(4 + j) * mb), v128.load(m + <usize>j * mb)), v128.load(m + <usize>(8 + j) * mb));
  return f32x4.neg(v128.load(m + <usize>(12 + j) * mb));
}

// @ts-ignore: decorator
@inline
function addAt(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v));
}

/**
 * Input-gradient task t over whole images [t·g, (t+1)·g): per block of tiles D = A dY Aᵀ, the 16
 * GEMMs dV_ξ = D_ξ · U_ξᵀ, then each tile's 4x4 patch of dx += B dV Bᵀ, tiles in order.
 */
export function winoInputTask(job: usize, t: i32, scratch: usize): void {
  const up = <usize>word(job, 1), dx = <usize>word(job, 2);
  const batch = word(job, 3), inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9), pT = word(job, 10), pL = word(job, 11);
  const g = word(job, 12), acc = word(job, 13) != 0, blk = word(job, 14);
  const tW = (outW + 1) >> 1, per2 = ((outH + 1) >> 1) * tW;
  const b0 = spanStart(t, batch, g, 1), b1 = spanStart(t + 1, batch, g, 1);
  const imgBytes = <usize>(inH * inW * inC) << 2;
  if (!acc) memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  const tile = scratch, dp = tile + TILE_BYTES;
  const dBytes = <usize>spread(roundUp(blk, MR) * outC * 4);
  const mp = dp + 16 * dBytes, mBytes = <usize>spread(blk * inC * 4);
  const tv = mp + 16 * mBytes, tmp = tv + <usize>(16 * MR * 16), table = tmp + 256;
  const uBytes = <usize>(roundUp(inC, NR) * outC) << 2;
  const rowB = <usize>(inW * inC) << 2, colB = <usize>inC << 2;
  const end = b1 * per2;
  for (let s0 = b0 * per2; s0 < end; s0 += blk) {
    const rows = min(blk, end - s0);
    packTiles(job, true, s0, rows, outC, dp, dBytes, tv, tmp, table);
    for (let xi = 0; xi < 16; xi++) blockMul(dp + <usize>xi * dBytes, up + <usize>xi * uBytes, rows, inC, outC, mp + <usize>xi * mBytes, inC, false, tile);
    for (let i = 0; i < rows; i++) {
      const tt = s0 + i;
      const b = tt / per2, rem = tt % per2;
      const iy0 = ((rem / tW) << 1) - pT, ix0 = ((rem % tW) << 1) - pL;
      const inside = iy0 >= 0 && iy0 + 4 <= inH && ix0 >= 0 && ix0 + 4 <= inW;
      const img = dx + <usize>b * imgBytes;
      for (let r = 0; r < 4; r++) {
        const iy = iy0 + r;
        if (<u32>iy >= <u32>inH) continue;
        const rowP = img + <usize>iy * rowB;
        for (let c = 0; c < inC; c += 4) {
          const m = mp + (<usize>(i * inC + c) << 2);
          const r0 = bRow(m, mBytes, r, 0), r1 = bRow(m, mBytes, r, 1), r2 = bRow(m, mBytes, r, 2), r3 = bRow(m, mBytes, r, 3);
          // Columns of (B dV) Bᵀ: [r0, r1 - r2 + r3, r1 + r2 - r0, -r3].
          const v0 = r0, v1 = f32x4.add(f32x4.sub(r1, r2), r3), v2 = f32x4.sub(f32x4.add(r1, r2), r0), v3 = f32x4.neg(r3);
          const off = <usize>c << 2;
          if (inside) {
            const p = rowP + <usize>ix0 * colB + off;
            addAt(p, v0);
            addAt(p + colB, v1);
            addAt(p + 2 * colB, v2);
            addAt(p + 3 * colB, v3);
          } else {
            if (<u32>ix0 < <u32>inW) addAt(rowP + <usize>ix0 * colB + off, v0);
            if (<u32>(ix0 + 1) < <u32>inW) addAt(rowP + <usize>(ix0 + 1) * colB + off, v1);
            if (<u32>(ix0 + 2) < <u32>inW) addAt(rowP + <usize>(ix0 + 2) * colB + off, v2);
            if (<u32>(ix0 + 3) < <u32>inW) addAt(rowP + <usize>(ix0 + 3) * colB + off, v3);
          }
        }
      }
    }
  }
}

/**
 * Filter-gradient output task t over kernel columns [t·per, (t+1)·per) of n = inC·outC:
 * dU = Σ chunks (in chunk order), then dW[3][3][n] (+)= Gᵀ dU G.
 * Job words: 0 partial, 1 dw, 2 n, 3 chunks, 4 accumulate, 5 columns per task.
 */
export function winoFilterOutTask(job: usize, t: i32, scratch: usize): void {
  const partial = <usize>word(job, 0), dw = <usize>word(job, 1), n = word(job, 2), chunks = word(job, 3);
  const acc = word(job, 4) != 0, per = word(job, 5);
  const q0 = t * per, q1 = min(n, q0 + per);
  const xb = <usize>spread(n << 2), cb = <usize>winoChunkBytes(n), nb = <usize>n << 2;
  const half = f32x4.splat(0.5);
  for (let q = q0; q < q1; q += 4) {
    const off = <usize>q << 2;
    for (let xi = 0; xi < 16; xi++) {
      const p = partial + <usize>xi * xb + off;
      let s = v128.load(p);
      for (let c = 1; c < chunks; c++) s = f32x4.add(s, v128.load(p + <usize>c * cb));
      v128.store(scratch + (<usize>xi << 4), s);
    }
    for (let ky = 0; ky < 3; ky++) {
      // E[ky][b] = Σ_a G[a][ky] dU[a][b]: ky 0 -> d0 + ½(d1 + d2), 1 -> ½(d1 - d2), 2 -> ½(d1 + d2) + d3.
      const e0 = gradRow(scratch, 0, ky, half), e1 = gradRow(scratch, 1, ky, half), e2 = gradRow(scratch, 2, ky, half), e3 = gradRow(scratch, 3, ky, half);
      const r0 = f32x4.add(e0, f32x4.mul(f32x4.add(e1, e2), half));
      const r1 = f32x4.mul(f32x4.sub(e1, e2), half);
      const r2 = f32x4.add(f32x4.mul(f32x4.add(e1, e2), half), e3);
      const o = dw + <usize>(ky * 3) * nb + off;
      v128.store(o, acc ? f32x4.add(v128.load(o), r0) : r0);
      v128.store(o + nb, acc ? f32x4.add(v128.load(o + nb), r1) : r1);
      v128.store(o + 2 * nb, acc ? f32x4.add(v128.load(o + 2 * nb), r2) : r2);
    }
  }
}

/** Σ_a G[a][ky] dU[a][b] for the 16 summed vectors at `du`. */
// @ts-ignore: decorator
@inline
function gradRow(du: usize, b: i32, ky: i32, half: v128): v128 {
  const d0 = v128.load(du + (<usize>b << 4)), d1 = v128.load(du + (<usize>(4 + b) << 4));
  const d2 = v128.load(du + (<usize>(8 + b) << 4)), d3 = v128.load(du + (<usize>(12 + b) << 4));
  return ky == 0 ? f32x4.add(d0, f32x4.mul(f32x4.add(d1, d2), half))
    : ky == 1 ? f32x4.mul(f32x4.sub(d1, d2), half)
      : f32x4.add(f32x4.mul(f32x4.add(d1, d2), half), d3);
}
