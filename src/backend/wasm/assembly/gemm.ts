/**
 * Packed, register-tiled GEMM: C[m x n] (+)= op(A)[m x k] . op(B)[k x n], any transposition.
 *
 * op(A) is packed into MR-row panels and op(B) into 8-column panels (zero-padded at the edges),
 * then the micro-kernel from simd.ts (4x8 mul+add, or 5x8 fused in the relaxed build) computes
 * each register tile. Depth is blocked by KC and rows by MC so a packed block stays in L2.
 * Element (i, p) of a strided matrix lives at `base + (i * rs + p * cs) * 4`.
 */
import { MR, micro } from './simd';

/** Columns of a register tile. */
export const NR: i32 = 8;
/** Depth block (rows of a packed B panel). */
export const KC: i32 = 256;
/** Row block of packed A (a multiple of 4 and 5). */
export const MC: i32 = 120;
/** Bytes of the per-thread edge tile. */
export const TILE_BYTES: i32 = 256;

/**
 * Stores the 4x4 transpose of rows v0..v3: column j of the rows goes to d + j*step. Packing uses it
 * to turn four source rows into four packed columns.
 */
// @ts-ignore: decorator
@inline
export function storeTransposed4(d: usize, step: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d + step, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(d + 2 * step, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(d + 3 * step, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline
export function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** Packs rows [0, mc) and depth [0, kc) of the strided matrix at `src` into MR-row panels at `dst`. */
export function packA(src: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    if (cs == 1 && rows == MR && MR <= 5) {
      // Rows are contiguous in p: transpose 4x4 blocks of rows 0-3 (row 4 of a 5-row panel lane by lane).
      const step = <usize>(MR << 2);
      const r0p = src + (<usize>i0 * <usize>rs << 2), rsB = <usize>rs << 2;
      let d = dst;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        const v0 = v128.load(r0p + o), v1 = v128.load(r0p + rsB + o), v2 = v128.load(r0p + 2 * rsB + o), v3 = v128.load(r0p + 3 * rsB + o);
        storeTransposed4(d, step, v0, v1, v2, v3);
        if (MR == 5) {
          const v4 = v128.load(r0p + 4 * rsB + o);
          store<f32>(d, f32x4.extract_lane(v4, 0), 16);
          store<f32>(d + step, f32x4.extract_lane(v4, 1), 16);
          store<f32>(d + 2 * step, f32x4.extract_lane(v4, 2), 16);
          store<f32>(d + 3 * step, f32x4.extract_lane(v4, 3), 16);
        }
        d += 4 * step;
      }
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) store<f32>(d + (<usize>r << 2), load<f32>(r0p + <usize>r * rsB + (<usize>p << 2)));
        d += step;
      }
    } else if (cs == 1) {
      for (let r = 0; r < MR; r++) {
        let d = dst + <usize>(r << 2);
        if (r < rows) {
          let s = src + (<usize>(i0 + r) * <usize>rs << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(d, load<f32>(s));
            s += 4;
            d += <usize>(MR << 2);
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(d, 0);
            d += <usize>(MR << 2);
          }
        }
      }
    } else if (rs == 1 && rows == MR) {
      let s = src + (<usize>i0 << 2);
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        if (MR == 5) store<f32>(d, load<f32>(s, 16), 16);
        s += <usize>cs << 2;
        d += <usize>(MR << 2);
      }
    } else {
      let d = dst;
      for (let p = 0; p < kc; p++) {
        const s = src + (<usize>p * <usize>cs + <usize>i0 * <usize>rs << 2);
        for (let r = 0; r < MR; r++) {
          store<f32>(d, r < rows ? load<f32>(s + (<usize>(r * rs) << 2)) : 0);
          d += 4;
        }
      }
    }
    dst += <usize>(kc * MR) << 2;
  }
}

/** Packs depth [0, kc) and columns [0, nc) of the strided matrix at `src` into 8-column panels at `dst`. */
export function packB(src: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    if (cs == 1 && cols == NR) {
      let s = src + (<usize>j0 << 2);
      let d = dst;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += <usize>rs << 2;
        d += 32;
      }
    } else {
      for (let j = 0; j < NR; j++) {
        let d = dst + (<usize>j << 2);
        if (j < cols) {
          let s = src + (<usize>(j0 + j) * <usize>cs << 2);
          for (let p = 0; p < kc; p++) {
            store<f32>(d, load<f32>(s));
            s += <usize>rs << 2;
            d += 32;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            store<f32>(d, 0);
            d += 32;
          }
        }
      }
    }
    dst += <usize>(kc * NR) << 2;
  }
}

/**
 * C[mc x nc] (+)= packedA . packedB over depth kc. `ldc` is C's row stride in elements; `tile`
 * is a TILE_BYTES scratch for edge tiles. An epilogue may add `bias` (nc floats, 0 for none) to
 * every row and clamp at zero with `relu`, on the registers before they are stored.
 */
export function blockMul(pa: usize, pb: usize, mc: i32, nc: i32, kc: i32, c: usize, ldc: i32, acc: bool, tile: usize, bias: usize = 0, relu: bool = false): void {
  const ldcB = <usize>ldc << 2;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    const bp = pb + (<usize>(j0 / NR) * <usize>kc << 5);
    const bb = bias ? bias + (<usize>j0 << 2) : 0;
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const rows = min(MR, mc - i0);
      const ap = pa + (<usize>(i0 / MR) * <usize>(kc * MR) << 2);
      const cp = c + (<usize>i0 * ldcB) + (<usize>j0 << 2);
      if (rows == MR && cols == NR) {
        micro(kc, ap, bp, cp, ldcB, acc, bb, relu);
      } else {
        micro(kc, ap, bp, tile, 32, false, 0, false);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) {
            const t = load<f32>(tile + (<usize>(r * NR + j) << 2));
            const q = cp + <usize>r * ldcB + (<usize>j << 2);
            let v = acc ? load<f32>(q) + t : t;
            if (bb) v += load<f32>(bb + (<usize>j << 2));
            if (relu && !(v > 0)) v = 0;
            store<f32>(q, v);
          }
        }
      }
    }
  }
}

// ---- task spans -----------------------------------------------------------------------------------
// A job over n items (rows, tiles, images) is cut into tasks of `per` items, except that when there
// are at least two such tasks the last per to 2·per items go in quarter-size tasks (rounded up to
// `grain`): the thread that runs out of work first then waits for a short task, not a long one.
// Spans depend only on (n, per, grain), so a job's split never depends on the thread count.

// @ts-ignore: decorator
@inline
function tailSize(per: i32, grain: i32): i32 {
  return roundUp((per + 3) >> 2, grain);
}

/** Number of tasks of a job over n items. */
export function spanCount(n: i32, per: i32, grain: i32): i32 {
  if (n / per < 2) return (n + per - 1) / per;
  const big = n / per - 1, small = tailSize(per, grain);
  return big + (n - big * per + small - 1) / small;
}

/** First item of task t (n for t = spanCount). */
export function spanStart(t: i32, n: i32, per: i32, grain: i32): i32 {
  if (n / per < 2) return min(n, t * per);
  const big = n / per - 1;
  return t <= big ? t * per : min(n, big * per + (t - big) * tailSize(per, grain));
}

// ---- generic GEMM job ---------------------------------------------------------------------------
// Job words: 0 A, 1 B, 2 C, 3 m, 4 n, 5 k, 6 transA, 7 transB, 8 accumulate, 9 mb, 10 nb, 11 kb,
// 12 mTasks, 13 nTasks, 14 kTasks, 15 partial (kTasks x m x n floats when kTasks > 1).

// @ts-ignore: decorator
@inline
export function word(job: usize, i: i32): i32 {
  return load<i32>(job + (<usize>i << 2));
}

/** Scratch bytes one thread needs for a GEMM job with column block `nb`. */
export function gemmScratch(nb: i32): i32 {
  return TILE_BYTES + MC * KC * 4 + roundUp(nb, NR) * KC * 4;
}

/** Runs task `t` of a GEMM job: one (row block, column block, depth chunk) of C. */
export function gemmTask(job: usize, t: i32, scratch: usize): void {
  const A = <usize>word(job, 0), B = <usize>word(job, 1), C = <usize>word(job, 2);
  const m = word(job, 3), n = word(job, 4), k = word(job, 5);
  const transA = word(job, 6) != 0, transB = word(job, 7) != 0, acc = word(job, 8) != 0;
  const mb = word(job, 9), nb = word(job, 10), kb = word(job, 11);
  const mT = word(job, 12), nT = word(job, 13), kT = word(job, 14);
  const kt = t / (mT * nT), rem = t % (mT * nT), mt = rem / nT, nt = rem % nT;
  const m0 = mt * mb, m1 = min(m, m0 + mb), n0 = nt * nb, n1 = min(n, n0 + nb);
  const k0 = kt * kb, k1 = min(k, k0 + kb);
  let target = C, acc0 = acc;
  if (kT > 1) {
    target = <usize>word(job, 15) + (<usize>kt * <usize>m * <usize>n << 2);
    acc0 = false;
  }
  const rsA = transA ? 1 : k, csA = transA ? m : 1;
  const rsB = transB ? 1 : n, csB = transB ? k : 1;
  const tile = scratch, pa = scratch + TILE_BYTES, pb = pa + <usize>(MC * KC * 4);
  // Equal depth blocks (e.g. 288 = 144 + 144 rather than 256 + 32): short blocks run slowly.
  const blocks = (k1 - k0 + KC - 1) / KC;
  const kstep = min(KC, roundUp((k1 - k0 + blocks - 1) / max(blocks, 1), 4));
  for (let kk = k0; kk < k1; kk += kstep) {
    const kc = min(kstep, k1 - kk);
    packB(B + (<usize>(kk * rsB + n0 * csB) << 2), rsB, csB, kc, n1 - n0, pb);
    for (let ii = m0; ii < m1; ii += MC) {
      const mc = min(MC, m1 - ii);
      packA(A + (<usize>(ii * rsA + kk * csA) << 2), rsA, csA, mc, kc, pa);
      blockMul(pa, pb, mc, n1 - n0, kc, target + (<usize>(ii * n + n0) << 2), n, acc0 || kk > k0, tile);
    }
  }
}

/** c (+)= Σ_i partial[i] over `chunks` consecutive blocks of `len` floats, summed in index order. */
export function reduceChunks(c: usize, partial: usize, chunks: i32, len: i32, acc: bool): void {
  const stride = <usize>len << 2;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const off = <usize>i << 2;
    let s = v128.load(partial + off);
    for (let j = 1; j < chunks; j++) s = f32x4.add(s, v128.load(partial + <usize>j * stride + off));
    if (acc) s = f32x4.add(v128.load(c + off), s);
    v128.store(c + off, s);
  }
  for (; i < len; i++) {
    const off = <usize>i << 2;
    let s = load<f32>(partial + off);
    for (let j = 1; j < chunks; j++) s += load<f32>(partial + <usize>j * stride + off);
    if (acc) s = load<f32>(c + off) + s;
    store<f32>(c + off, s);
  }
}
