/**
 * Max and average pooling over NHWC, forward and backward, a task per group of images.
 * Job words: 0 x, 1 dy, 2 output (y or dx), 3 batch, 4 inH, 5 inW, 6 channels, 7 outH, 8 outW,
 * 9 poolH, 10 poolW, 11 strideH, 12 strideW, 13 padTop, 14 padLeft, 15 accumulate, 16 images per task,
 * 17 kind, 18 ReLU mask (max backward: route dy only where the window's maximum is positive),
 * 19 winners (bytes, one per output: MAX_ARGMAX writes them, MAX_BWD_ARGMAX reads them instead of x).
 * Padding cells never win a max or count in an average.
 */
import { spanStart, word } from './gemm';

/** Pooling kinds understood by poolTask. */
export const MAX_FWD: i32 = 0;
export const MAX_BWD: i32 = 1;
export const AVG_FWD: i32 = 2;
export const AVG_BWD: i32 = 3;
/** Max forward that also writes each window's winner (position i·poolW + j of its first maximal cell, or NO_WINNER). */
export const MAX_ARGMAX: i32 = 4;
/** Max backward that routes dy by the recorded winners (x is not read). */
export const MAX_BWD_ARGMAX: i32 = 5;
/** The winner byte of a window whose gradient goes nowhere (a NaN maximum, or one ≤ 0 under the ReLU mask). */
export const NO_WINNER: i32 = 255;

/** Runs pooling `kind` over images [t·g, (t+1)·g). */
export function poolTask(kind: i32, job: usize, t: i32): void {
  const n = word(job, 3), g = word(job, 16);
  poolRange(kind, job, spanStart(t, n, g, 1), spanStart(t + 1, n, g, 1), true);
}

function maxForward(job: usize, b0: i32, b1: i32): void {
  poolRange(MAX_FWD, job, b0, b1, false);
}

function poolRange(kind: i32, job: usize, b0: i32, b1: i32, fast: bool): void {
  const x = <usize>word(job, 0), dy = <usize>word(job, 1), out = <usize>word(job, 2);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), pH = word(job, 9), pW = word(job, 10);
  const sH = word(job, 11), sW = word(job, 12), pT = word(job, 13), pL = word(job, 14);
  const acc = word(job, 15) != 0, mask = word(job, 18) != 0;
  const imgBytes = <usize>(inH * inW * C) << 2;
  if (kind == MAX_ARGMAX || kind == MAX_BWD_ARGMAX) {
    const twoByTwo = sH == pH && sW == pW && pH == 2 && pW == 2 && pT == 0 && pL == 0 && C % 4 == 0;
    if (twoByTwo && kind == MAX_ARGMAX) argmaxForward2x2(job, b0, b1);
    else if (twoByTwo) argmaxBackward2x2(job, b0, b1);
    else if (kind == MAX_ARGMAX) argmaxForward(job, b0, b1);
    else argmaxBackward(job, b0, b1);
    return;
  }
  if (fast && (kind == MAX_BWD || kind == MAX_FWD) && sH == pH && sW == pW && pT == 0 && pL == 0 && C % 4 == 0) {
    if (pH == 2 && pW == 2) max2x2(job, b0, b1, kind == MAX_BWD);
    else if (kind == MAX_BWD) maxBackwardTiled(job, b0, b1);
    else maxForward(job, b0, b1);
    return;
  }
  if ((kind == MAX_BWD || kind == AVG_BWD) && !acc) memory.fill(out + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  const rowBytes = <usize>(inW * C) << 2, cellBytes = <usize>C << 2;
  for (let b = b0; b < b1; b++) {
    const img = <usize>b * imgBytes;
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(0, oy * sH - pT), y1 = min(inH, oy * sH - pT + pH);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(0, ox * sW - pL), x1 = min(inW, ox * sW - pL + pW);
        const o = (<usize>(((b * outH + oy) * outW + ox) * C)) << 2;
        const first = img + <usize>y0 * rowBytes + <usize>x0 * cellBytes;
        if (kind == MAX_FWD) maxCell(x + first, out + o, C, y1 - y0, x1 - x0, rowBytes, cellBytes);
        else if (kind == AVG_FWD) avgCell(x + first, out + o, C, y1 - y0, x1 - x0, rowBytes, cellBytes);
        else if (kind == MAX_BWD) maxCellBackward(x, first, dy + o, out, C, y1 - y0, x1 - x0, rowBytes, cellBytes, mask);
        else avgCellBackward(dy + o, out + first, C, y1 - y0, x1 - x0, rowBytes, cellBytes);
      }
    }
  }
}

function maxCell(x: usize, y: usize, C: i32, h: i32, w: i32, rowBytes: usize, cellBytes: usize): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const off = <usize>c << 2;
    let m = f32x4.splat(-Infinity);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) m = f32x4.max(m, v128.load(x + <usize>i * rowBytes + <usize>j * cellBytes + off));
    v128.store(y + off, m);
  }
  for (; c < C; c++) {
    const off = <usize>c << 2;
    let m: f32 = -Infinity;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) m = max(m, load<f32>(x + <usize>i * rowBytes + <usize>j * cellBytes + off));
    store<f32>(y + off, m);
  }
}

function avgCell(x: usize, y: usize, C: i32, h: i32, w: i32, rowBytes: usize, cellBytes: usize): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const off = <usize>c << 2;
    let s = f32x4.splat(0);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s = f32x4.add(s, v128.load(x + <usize>i * rowBytes + <usize>j * cellBytes + off));
    v128.store(y + off, f32x4.div(s, f32x4.splat(<f32>(h * w))));
  }
  for (; c < C; c++) {
    const off = <usize>c << 2;
    let s: f32 = 0;
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) s += load<f32>(x + <usize>i * rowBytes + <usize>j * cellBytes + off);
    store<f32>(y + off, s / <f32>(h * w));
  }
}

/** Routes dy to the first maximal cell of the window (strictly greater replaces, row-major order). */
function maxCellBackward(x: usize, first: usize, dy: usize, dx: usize, C: i32, h: i32, w: i32, rowBytes: usize, cellBytes: usize, mask: bool): void {
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const off = <usize>c << 2;
    let best = v128.load(x + first + off);
    let idx = i32x4.splat(<i32>(first + off));
    idx = i32x4.add(idx, i32x4(0, 4, 8, 12));
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const q = first + <usize>i * rowBytes + <usize>j * cellBytes + off;
        const v = v128.load(x + q);
        const gt = f32x4.gt(v, best);
        best = v128.bitselect(v, best, gt);
        idx = v128.bitselect(i32x4.add(i32x4.splat(<i32>q), i32x4(0, 4, 8, 12)), idx, gt);
      }
    let g = v128.load(dy + off);
    if (mask) g = v128.and(g, f32x4.gt(best, f32x4.splat(0)));
    addAt(dx + <usize>i32x4.extract_lane(idx, 0), f32x4.extract_lane(g, 0));
    addAt(dx + <usize>i32x4.extract_lane(idx, 1), f32x4.extract_lane(g, 1));
    addAt(dx + <usize>i32x4.extract_lane(idx, 2), f32x4.extract_lane(g, 2));
    addAt(dx + <usize>i32x4.extract_lane(idx, 3), f32x4.extract_lane(g, 3));
  }
  for (; c < C; c++) {
    const off = <usize>c << 2;
    let bq = first + off;
    let best = load<f32>(x + bq);
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const q = first + <usize>i * rowBytes + <usize>j * cellBytes + off;
        const v = load<f32>(x + q);
        if (v > best) {
          best = v;
          bq = q;
        }
      }
    if (!mask || best > 0) addAt(dx + bq, load<f32>(dy + off));
  }
}

/** Zeroes the rows and columns of one image's gradient past the last window (windows tile rows [0, h) and columns [0, w)). */
function clearOutsideWindows(img: usize, inH: i32, inW: i32, h: i32, w: i32, rowBytes: usize, cellBytes: usize): void {
  for (let iy = h; iy < inH; iy++) memory.fill(img + <usize>iy * rowBytes, 0, rowBytes);
  if (w < inW) {
    const from = <usize>w * cellBytes;
    for (let iy = 0; iy < h; iy++) memory.fill(img + <usize>iy * rowBytes + from, 0, rowBytes - from);
  }
}

// @ts-ignore: decorator
@inline
function addAt(p: usize, v: f32): void {
  store<f32>(p, load<f32>(p) + v);
}

function avgCellBackward(dy: usize, dx: usize, C: i32, h: i32, w: i32, rowBytes: usize, cellBytes: usize): void {
  const n = <f32>(h * w);
  let c = 0;
  for (; c + 4 <= C; c += 4) {
    const off = <usize>c << 2;
    const g = f32x4.div(v128.load(dy + off), f32x4.splat(n));
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const q = dx + <usize>i * rowBytes + <usize>j * cellBytes + off;
        v128.store(q, f32x4.add(v128.load(q), g));
      }
  }
  for (; c < C; c++) {
    const off = <usize>c << 2;
    const g = load<f32>(dy + off) / n;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) addAt(dx + <usize>i * rowBytes + <usize>j * cellBytes + off, g);
  }
}

/**
 * Max-pool backward when windows tile the input without overlap or padding (stride = pool size):
 * every input cell is written once, dy where it is its window's first maximum and 0 elsewhere,
 * four channels at a time; cells outside every window (odd edges) get 0. No scatter, no clearing
 * pass.
 */
function maxBackwardTiled(job: usize, b0: i32, b1: i32): void {
  const x = <usize>word(job, 0), dy = <usize>word(job, 1), dx = <usize>word(job, 2);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), pH = word(job, 9), pW = word(job, 10);
  const acc = word(job, 15) != 0, mask = word(job, 18) != 0;
  const rowBytes = <usize>(inW * C) << 2, cellBytes = <usize>C << 2;
  const imgBytes = <usize>inH * rowBytes;
  const zero = f32x4.splat(0);
  for (let b = b0; b < b1; b++) {
    const img = <usize>b * imgBytes;
    if (!acc) clearOutsideWindows(dx + img, inH, inW, outH * pH, outW * pW, rowBytes, cellBytes);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const first = img + <usize>(oy * pH) * rowBytes + <usize>(ox * pW) * cellBytes;
        const g = dy + (<usize>(((b * outH + oy) * outW + ox) * C) << 2);
        for (let c = 0; c < C; c += 4) {
          const off = <usize>c << 2;
          let best = f32x4.splat(-Infinity);
          for (let i = 0; i < pH; i++) for (let j = 0; j < pW; j++) best = f32x4.max(best, v128.load(x + first + <usize>i * rowBytes + <usize>j * cellBytes + off));
          let gv = v128.load(g + off);
          if (mask) gv = v128.and(gv, f32x4.gt(best, zero));
          let taken = zero;
          for (let i = 0; i < pH; i++)
            for (let j = 0; j < pW; j++) {
              const q = first + <usize>i * rowBytes + <usize>j * cellBytes + off;
              const hit = v128.andnot(f32x4.eq(v128.load(x + q), best), taken);
              taken = v128.or(taken, hit);
              const v = v128.and(gv, hit);
              v128.store(dx + q, acc ? f32x4.add(v128.load(dx + q), v) : v);
            }
        }
      }
    }
  }
}

/**
 * 2x2 windows with stride 2 and no padding (the common case), unrolled, four channels at a time.
 * Forward writes the maximum; backward writes dy to each window's first maximal cell and 0 to the
 * others (plus 0 on odd edges outside every window), with no scatter and no clearing pass.
 */
function max2x2(job: usize, b0: i32, b1: i32, backward: bool): void {
  const x = <usize>word(job, 0), dy = <usize>word(job, 1), out = <usize>word(job, 2);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8);
  const acc = word(job, 15) != 0, mask = word(job, 18) != 0;
  const rowBytes = <usize>(inW * C) << 2, cell = <usize>C << 2;
  const imgBytes = <usize>inH * rowBytes;
  for (let b = b0; b < b1; b++) {
    const img = <usize>b * imgBytes;
    if (backward && !acc) clearOutsideWindows(out + img, inH, inW, outH * 2, outW * 2, rowBytes, cell);
    for (let oy = 0; oy < outH; oy++) {
      let p = img + <usize>(oy * 2) * rowBytes;
      let o = (<usize>((b * outH + oy) * outW) * cell);
      for (let ox = 0; ox < outW; ox++) {
        for (let c: usize = 0; c < cell; c += 16) {
          const q = p + c;
          const a = v128.load(x + q), bb = v128.load(x + q + cell);
          const cc = v128.load(x + q + rowBytes), d = v128.load(x + q + rowBytes + cell);
          const m = f32x4.max(f32x4.max(a, bb), f32x4.max(cc, d));
          if (!backward) {
            v128.store(out + o + c, m);
            continue;
          }
          let g = v128.load(dy + o + c);
          if (mask) g = v128.and(g, f32x4.gt(m, f32x4.splat(0)));
          const ha = f32x4.eq(a, m);
          const hb = v128.andnot(f32x4.eq(bb, m), ha);
          const t1 = v128.or(ha, hb);
          const hc = v128.andnot(f32x4.eq(cc, m), t1);
          const hd = v128.andnot(f32x4.eq(d, m), v128.or(t1, hc));
          let va = v128.and(g, ha), vb = v128.and(g, hb), vc = v128.and(g, hc), vd = v128.and(g, hd);
          if (acc) {
            va = f32x4.add(v128.load(out + q), va);
            vb = f32x4.add(v128.load(out + q + cell), vb);
            vc = f32x4.add(v128.load(out + q + rowBytes), vc);
            vd = f32x4.add(v128.load(out + q + rowBytes + cell), vd);
          }
          v128.store(out + q, va);
          v128.store(out + q + cell, vb);
          v128.store(out + q + rowBytes, vc);
          v128.store(out + q + rowBytes + cell, vd);
        }
        p += cell << 1;
        o += cell;
      }
    }
  }
}

// ---- recorded winners ------------------------------------------------------------------------------

/** The four winner bytes of lanes idx (each 0-255) as one i32, lane 0 in the lowest byte. */
// @ts-ignore: decorator
@inline
export function winnerBytes(idx: v128): i32 {
  const h = i16x8.narrow_i32x4_u(idx, idx);
  return i32x4.extract_lane(i8x16.narrow_i16x8_u(h, h), 0);
}

/** Four winner bytes at p widened to i32 lanes. */
// @ts-ignore: decorator
@inline
function loadWinners(p: usize): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p)));
}

/**
 * The winners of 2x2 windows a b / c d on four lanes (already through bias and ReLU where the
 * caller applies them) and their maximum m: the first cell equal to m, NO_WINNER where none is (m
 * NaN) or, with `mask`, where m is not positive.
 */
// @ts-ignore: decorator
@inline
export function winners2x2(a: v128, b: v128, c: v128, d: v128, m: v128, mask: bool): v128 {
  const idx = firstEqual(f32x4.eq(a, m), f32x4.eq(b, m), f32x4.eq(c, m), f32x4.eq(d, m), false);
  // Under the mask, a maximum that is not positive (or NaN) makes its lane NO_WINNER (all bits of the byte set).
  return mask ? v128.or(idx, v128.andnot(i32x4.splat(NO_WINNER), f32x4.gt(m, f32x4.splat(0)))) : idx;
}

/**
 * The first of the cells a, b, c, d (by their masks of equality with the window's maximum: lanes
 * of all ones or zeros, 32-bit, or 8-bit with `bytes`) that equals it, NO_WINNER where none does.
 * Lanes of all ones (−1) where no cell up to a, b, c equals it: the winner is minus their sum,
 * plus 252 where none of the four does (3 + 252 = NO_WINNER).
 */
// @ts-ignore: decorator
@inline
function firstEqual(ea: v128, eb: v128, ec: v128, ed: v128, bytes: bool): v128 {
  const na = v128.not(ea), nab = v128.andnot(na, eb), nabc = v128.andnot(nab, ec), none = v128.andnot(nabc, ed);
  return bytes
    ? i8x16.sub(v128.and(none, i8x16.splat(<i8>(NO_WINNER - 3))), i8x16.add(i8x16.add(na, nab), nabc))
    : i32x4.sub(v128.and(none, i32x4.splat(NO_WINNER - 3)), i32x4.add(i32x4.add(na, nab), nabc));
}

/** Stores the maximum of the 2x2 window at q (four channels) at y and returns it. */
// @ts-ignore: decorator
@inline
function windowMax(q: usize, cell: usize, rowBytes: usize, y: usize): v128 {
  const m = f32x4.max(f32x4.max(v128.load(q), v128.load(q + cell)), f32x4.max(v128.load(q + rowBytes), v128.load(q + rowBytes + cell)));
  v128.store(y, m);
  return m;
}

/** The byte masks of sixteen channels' cells at offset k from q (four groups of four at q, q + 16, ...) equal to their maxima m0..m3. */
// @ts-ignore: decorator
@inline
function equalBytes(q: usize, k: usize, m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  return bytes16(f32x4.eq(v128.load(q + k), m0), f32x4.eq(v128.load(q + k + 16), m1), f32x4.eq(v128.load(q + k + 32), m2), f32x4.eq(v128.load(q + k + 48), m3));
}

/** Four vectors of 32-bit masks (all ones or zeros) as one vector of sixteen byte masks, in order. */
// @ts-ignore: decorator
@inline
function bytes16(m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
}

/**
 * 2x2 windows with stride 2 and no padding, sixteen channels at a time (their winners as bytes)
 * and four for the rest: the maximum and the winners (word 19).
 */
function argmaxForward2x2(job: usize, b0: i32, b1: i32): void {
  const x = <usize>word(job, 0), y = <usize>word(job, 2), win = <usize>word(job, 19);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), mask = word(job, 18) != 0;
  const rowBytes = <usize>(inW * C) << 2, cell = <usize>C << 2;
  for (let b = b0; b < b1; b++) {
    const img = x + <usize>b * <usize>inH * rowBytes;
    for (let oy = 0; oy < outH; oy++) {
      let p = img + <usize>(oy * 2) * rowBytes;
      let o = <usize>((b * outH + oy) * outW) * <usize>C;
      for (let ox = 0; ox < outW; ox++) {
        let c: usize = 0;
        // Sixteen channels at a time: the equality masks narrowed to bytes, the winners counted once.
        for (; c + 16 <= <usize>C; c += 16) {
          const q = p + (c << 2), yo = y + ((o + c) << 2);
          const m0 = windowMax(q, cell, rowBytes, yo), m1 = windowMax(q + 16, cell, rowBytes, yo + 16);
          const m2 = windowMax(q + 32, cell, rowBytes, yo + 32), m3 = windowMax(q + 48, cell, rowBytes, yo + 48);
          let idx = firstEqual(
            equalBytes(q, 0, m0, m1, m2, m3), equalBytes(q, cell, m0, m1, m2, m3), equalBytes(q, rowBytes, m0, m1, m2, m3), equalBytes(q, rowBytes + cell, m0, m1, m2, m3), true,
          );
          if (mask) {
            const zero = f32x4.splat(0);
            idx = v128.or(idx, v128.not(bytes16(f32x4.gt(m0, zero), f32x4.gt(m1, zero), f32x4.gt(m2, zero), f32x4.gt(m3, zero))));
          }
          v128.store(win + o + c, idx);
        }
        for (; c < <usize>C; c += 4) {
          const q = p + (c << 2);
          const a = v128.load(q), bb = v128.load(q + cell), cc = v128.load(q + rowBytes), d = v128.load(q + rowBytes + cell);
          const m = f32x4.max(f32x4.max(a, bb), f32x4.max(cc, d));
          v128.store(y + ((o + c) << 2), m);
          store<i32>(win + o + c, winnerBytes(winners2x2(a, bb, cc, d, m, mask)));
        }
        p += cell << 1;
        o += <usize>C;
      }
    }
  }
}

/**
 * 2x2 windows with stride 2 and no padding, four channels at a time: dy to each window's winner
 * and 0 to its other cells (and to odd edges outside every window), reading the winners (word 19)
 * instead of x.
 */
function argmaxBackward2x2(job: usize, b0: i32, b1: i32): void {
  const dy = <usize>word(job, 1), out = <usize>word(job, 2), win = <usize>word(job, 19);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), acc = word(job, 15) != 0;
  const rowBytes = <usize>(inW * C) << 2, cell = <usize>C << 2;
  const imgBytes = <usize>inH * rowBytes;
  for (let b = b0; b < b1; b++) {
    const img = <usize>b * imgBytes;
    if (!acc) clearOutsideWindows(out + img, inH, inW, outH * 2, outW * 2, rowBytes, cell);
    for (let oy = 0; oy < outH; oy++) {
      let p = img + <usize>(oy * 2) * rowBytes;
      let o = <usize>((b * outH + oy) * outW) * <usize>C;
      for (let ox = 0; ox < outW; ox++) {
        for (let c: usize = 0; c < <usize>C; c += 4) {
          const q = out + p + (c << 2);
          const g = v128.load(dy + ((o + c) << 2)), idx = loadWinners(win + o + c);
          let va = v128.and(g, i32x4.eq(idx, i32x4.splat(0))), vb = v128.and(g, i32x4.eq(idx, i32x4.splat(1)));
          let vc = v128.and(g, i32x4.eq(idx, i32x4.splat(2))), vd = v128.and(g, i32x4.eq(idx, i32x4.splat(3)));
          if (acc) {
            va = f32x4.add(v128.load(q), va);
            vb = f32x4.add(v128.load(q + cell), vb);
            vc = f32x4.add(v128.load(q + rowBytes), vc);
            vd = f32x4.add(v128.load(q + rowBytes + cell), vd);
          }
          v128.store(q, va);
          v128.store(q + cell, vb);
          v128.store(q + rowBytes, vc);
          v128.store(q + rowBytes + cell, vd);
        }
        p += cell << 1;
        o += <usize>C;
      }
    }
  }
}

/** Any window: the maximum (NaN-propagating, as maxCell) and the first cell equal to it, one channel at a time. */
function argmaxForward(job: usize, b0: i32, b1: i32): void {
  const x = <usize>word(job, 0), y = <usize>word(job, 2), win = <usize>word(job, 19);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), pH = word(job, 9), pW = word(job, 10);
  const sH = word(job, 11), sW = word(job, 12), pT = word(job, 13), pL = word(job, 14), mask = word(job, 18) != 0;
  for (let b = b0; b < b1; b++)
    for (let oy = 0; oy < outH; oy++) {
      const wy = oy * sH - pT, y0 = max(0, wy), y1 = min(inH, wy + pH);
      for (let ox = 0; ox < outW; ox++) {
        const wx = ox * sW - pL, x0 = max(0, wx), x1 = min(inW, wx + pW);
        const o = <usize>((b * outH + oy) * outW + ox) * <usize>C;
        for (let c = 0; c < C; c++) {
          let m: f32 = -Infinity;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) m = max(m, load<f32>(x + (<usize>(((b * inH + iy) * inW + ix) * C + c) << 2)));
          let k = NO_WINNER;
          for (let iy = y0; iy < y1 && k == NO_WINNER; iy++)
            for (let ix = x0; ix < x1; ix++)
              if (load<f32>(x + (<usize>(((b * inH + iy) * inW + ix) * C + c) << 2)) == m) {
                k = (iy - wy) * pW + ix - wx;
                break;
              }
          if (mask && !(m > 0)) k = NO_WINNER;
          store<f32>(y + ((o + <usize>c) << 2), m);
          store<u8>(win + o + <usize>c, <u8>k);
        }
      }
    }
}

/** Any window: clears dx (unless accumulating) and adds dy at each window's recorded winner. */
function argmaxBackward(job: usize, b0: i32, b1: i32): void {
  const dy = <usize>word(job, 1), dx = <usize>word(job, 2), win = <usize>word(job, 19);
  const inH = word(job, 4), inW = word(job, 5), C = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), pW = word(job, 10);
  const sH = word(job, 11), sW = word(job, 12), pT = word(job, 13), pL = word(job, 14), acc = word(job, 15) != 0;
  const imgBytes = <usize>(inH * inW * C) << 2;
  if (!acc) memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  for (let b = b0; b < b1; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const o = <usize>((b * outH + oy) * outW + ox) * <usize>C;
        for (let c = 0; c < C; c++) {
          const k = <i32>load<u8>(win + o + <usize>c);
          if (k == NO_WINNER) continue;
          const iy = oy * sH - pT + k / pW, ix = ox * sW - pL + k % pW;
          addAt(dx + (<usize>(((b * inH + iy) * inW + ix) * C + c) << 2), load<f32>(dy + ((o + <usize>c) << 2)));
        }
      }
}
