/**
 * Convolution as GEMM over NHWC images with kernels [kH, kW, inC, outC].
 *
 * Job words (shared by the three conv kinds): 0 x (or dy for backprop input), 1 packed weights,
 * 2 output, 3 batch, 4 inH, 5 inW, 6 inC, 7 outH, 8 outW, 9 outC, 10 kH, 11 kW, 12 strideH,
 * 13 strideW, 14 padTop, 15 padLeft, 16 rows per task, 17 accumulate, 18 partial buffer,
 * 19 chunks / images per task, 20 dy (backprop filter), 21 bias and 22 activation (forward epilogue).
 */
import { MR } from './simd';
import { MC, NR, TILE_BYTES, blockMul, packA, packB, reduceChunks, roundUp, spanStart, storeTransposed4, word } from './gemm';
import { biasActivation } from './ops';

/** Rows of the im2col block a backprop-filter task multiplies at a time. */
export const FB: i32 = 256;

/**
 * Writes, for rows [r0, r0 + count), the row's image base pointer and the input coordinates of its
 * window's top-left tap (3 words per row) at `table`; rows at or past `end` get a window that is
 * never inside the image.
 */
function rowTable(job: usize, x: usize, r0: i32, count: i32, end: i32, table: usize): void {
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), hw = outH * outW;
  const sH = word(job, 12), sW = word(job, 13), pT = word(job, 14), pL = word(job, 15);
  // Decode the first row, then step through the others without dividing.
  let b = r0 / hw;
  const rem = r0 % hw;
  let oy = rem / outW, ox = rem % outW;
  const imgBytes = <usize>(inH * inW * inC) << 2;
  for (let r = 0; r < count; r++) {
    const t = table + <usize>(r * 12);
    if (r0 + r >= end) {
      store<i32>(t, 0);
      store<i32>(t, -(1 << 28), 4);
      store<i32>(t, 0, 8);
      continue;
    }
    store<i32>(t, <i32>(x + <usize>b * imgBytes));
    store<i32>(t, oy * sH - pT, 4);
    store<i32>(t, ox * sW - pL, 8);
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        b++;
      }
    }
  }
}

/** Pointer to tap (ky, kx) of table row r, or 0 where it falls in the padding. */
// @ts-ignore: decorator
@inline
function cellAt(table: usize, r: i32, ky: i32, kx: i32, inH: i32, inW: i32, inC: i32): usize {
  const t = table + <usize>(r * 12);
  const iy = load<i32>(t, 4) + ky, ix = load<i32>(t, 8) + kx;
  if (<u32>iy >= <u32>inH || <u32>ix >= <u32>inW) return 0;
  return <usize>load<i32>(t) + (<usize>((iy * inW + ix) * inC) << 2);
}

/** Address of the top-left tap of table row r (meaningful only when its window is inside the image). */
// @ts-ignore: decorator
@inline
function origin(table: usize, r: i32, inW: i32, inC: i32): usize {
  const t = table + <usize>(r * 12);
  return <usize>load<i32>(t) + (<usize>((load<i32>(t, 4) * inW + load<i32>(t, 8)) * inC) << 2);
}

// @ts-ignore: decorator
@inline
function load4(p: usize, off: usize): v128 {
  return p ? v128.load(p + off) : f32x4.splat(0);
}

/** Whether the windows of all MR table rows lie inside the image. */
// @ts-ignore: decorator
@inline
function allInside(table: usize, kH: i32, kW: i32, inH: i32, inW: i32): bool {
  let inside = true;
  for (let r = 0; r < MR; r++) {
    const t = table + <usize>(r * 12);
    const iy0 = load<i32>(t, 4), ix0 = load<i32>(t, 8);
    if (iy0 < 0 || iy0 + kH > inH || ix0 < 0 || ix0 + kW > inW) inside = false;
  }
  return inside;
}

/**
 * im2col into MR-row panels when inC is a multiple of 4: each group of 4 channels of rows 0-3 is
 * a 4x4 transpose (8 shuffles), row 4 of a 5-row panel is copied lane by lane.
 */
function im2colPacked4(job: usize, r0: i32, rows: i32, dst: usize, table: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6), kH = word(job, 10), kW = word(job, 11);
  const K = kH * kW * inC, end = r0 + rows;
  const step = <usize>(MR << 2);
  for (let i0 = 0; i0 < rows; i0 += MR) {
    rowTable(job, x, r0 + i0, MR, end, table);
    // When every row's window lies inside the image, tap (ky, kx) is a fixed offset from each row's origin.
    const inside = allInside(table, kH, kW, inH, inW);
    const o0 = origin(table, 0, inW, inC), o1 = origin(table, 1, inW, inC), o2 = origin(table, 2, inW, inC), o3 = origin(table, 3, inW, inC);
    const o4 = MR == 5 ? origin(table, 4, inW, inC) : 0;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        let s0: usize, s1: usize, s2: usize, s3: usize, s4: usize = 0;
        if (inside) {
          const tap = <usize>((ky * inW + kx) * inC) << 2;
          s0 = o0 + tap;
          s1 = o1 + tap;
          s2 = o2 + tap;
          s3 = o3 + tap;
          if (MR == 5) s4 = o4 + tap;
        } else {
          s0 = cellAt(table, 0, ky, kx, inH, inW, inC);
          s1 = cellAt(table, 1, ky, kx, inH, inW, inC);
          s2 = cellAt(table, 2, ky, kx, inH, inW, inC);
          s3 = cellAt(table, 3, ky, kx, inH, inW, inC);
          if (MR == 5) s4 = cellAt(table, 4, ky, kx, inH, inW, inC);
        }
        let d = dst + <usize>((ky * kW + kx) * inC) * step;
        for (let ci = 0; ci < inC; ci += 4) {
          const off = <usize>ci << 2;
          const v0 = load4(s0, off), v1 = load4(s1, off), v2 = load4(s2, off), v3 = load4(s3, off);
          storeTransposed4(d, step, v0, v1, v2, v3);
          if (MR == 5) {
            const v4 = load4(s4, off);
            store<f32>(d, f32x4.extract_lane(v4, 0), 16);
            store<f32>(d + step, f32x4.extract_lane(v4, 1), 16);
            store<f32>(d + 2 * step, f32x4.extract_lane(v4, 2), 16);
            store<f32>(d + 3 * step, f32x4.extract_lane(v4, 3), 16);
          }
          d += 4 * step;
        }
      }
    }
    dst += <usize>K * step;
  }
}

/**
 * Writes im2col rows [r0, r0 + rows) straight into MR-row packed panels (depth K = kH·kW·inC),
 * zero for padding cells and for rows past the end of the panel.
 */
function im2colPacked(job: usize, r0: i32, rows: i32, dst: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8);
  const kH = word(job, 10), kW = word(job, 11), sH = word(job, 12), sW = word(job, 13);
  const pT = word(job, 14), pL = word(job, 15);
  const K = kH * kW * inC;
  const panelBytes = <usize>(K * MR) << 2;
  const hw = outH * outW;
  for (let i0 = 0; i0 < rows; i0 += MR) {
    for (let r = 0; r < MR; r++) {
      let d = dst + (<usize>r << 2);
      if (i0 + r >= rows) {
        for (let p = 0; p < K; p++) {
          store<f32>(d, 0);
          d += <usize>(MR << 2);
        }
        continue;
      }
      const row = r0 + i0 + r;
      const b = row / hw, rem = row % hw, oy = rem / outW, ox = rem % outW;
      for (let ky = 0; ky < kH; ky++) {
        const iy = oy * sH + ky - pT;
        for (let kx = 0; kx < kW; kx++) {
          const ix = ox * sW + kx - pL;
          if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) {
            for (let ci = 0; ci < inC; ci++) {
              store<f32>(d, 0);
              d += <usize>(MR << 2);
            }
          } else {
            let s = x + (<usize>(((b * inH + iy) * inW + ix) * inC) << 2);
            for (let ci = 0; ci < inC; ci++) {
              store<f32>(d, load<f32>(s));
              s += 4;
              d += <usize>(MR << 2);
            }
          }
        }
      }
    }
    dst += panelBytes;
  }
}

/**
 * im2col into MR-row panels when inC is not a multiple of 4 (RGB): for a kernel row ky the taps
 * (kx, ci) of a window are L = kW·inC consecutive floats, so each group of 4 of them over rows 0-3
 * is one 4x4 transpose (row 4 of a 5-row panel lane by lane) and only the last L mod 4 taps of a
 * kernel row are copied one by one. Depth stays K = kH·L, with no channel widening. Groups of
 * rows whose windows touch the padding use the element-wise packer.
 */
function im2colSegments(job: usize, r0: i32, rows: i32, dst: usize, table: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6), kH = word(job, 10), kW = word(job, 11);
  const L = kW * inC, K = kH * L, L4 = L & ~3;
  const step = <usize>(MR << 2), rowBytes = <usize>(inW * inC) << 2;
  const end = r0 + rows;
  for (let i0 = 0; i0 < rows; i0 += MR) {
    rowTable(job, x, r0 + i0, MR, end, table);
    const inside = allInside(table, kH, kW, inH, inW);
    if (!inside) {
      im2colPacked(job, r0 + i0, min(MR, rows - i0), dst);
      dst += <usize>K * step;
      continue;
    }
    let s0 = origin(table, 0, inW, inC), s1 = origin(table, 1, inW, inC), s2 = origin(table, 2, inW, inC), s3 = origin(table, 3, inW, inC);
    let s4: usize = MR == 5 ? origin(table, 4, inW, inC) : 0;
    let d = dst;
    for (let ky = 0; ky < kH; ky++) {
      for (let j = 0; j < L4; j += 4) {
        const off = <usize>j << 2;
        storeTransposed4(d, step, v128.load(s0 + off), v128.load(s1 + off), v128.load(s2 + off), v128.load(s3 + off));
        if (MR == 5) {
          const v4 = v128.load(s4 + off);
          store<f32>(d, f32x4.extract_lane(v4, 0), 16);
          store<f32>(d + step, f32x4.extract_lane(v4, 1), 16);
          store<f32>(d + 2 * step, f32x4.extract_lane(v4, 2), 16);
          store<f32>(d + 3 * step, f32x4.extract_lane(v4, 3), 16);
        }
        d += 4 * step;
      }
      for (let j = L4; j < L; j++) {
        const off = <usize>j << 2;
        store<f32>(d, load<f32>(s0 + off));
        store<f32>(d, load<f32>(s1 + off), 4);
        store<f32>(d, load<f32>(s2 + off), 8);
        store<f32>(d, load<f32>(s3 + off), 12);
        if (MR == 5) store<f32>(d, load<f32>(s4 + off), 16);
        d += step;
      }
      s0 += rowBytes;
      s1 += rowBytes;
      s2 += rowBytes;
      s3 += rowBytes;
      s4 += rowBytes;
    }
    dst += <usize>K * step;
  }
}

/** Scratch bytes for a conv forward job. */
export function convFwdScratch(job: usize): i32 {
  const K = word(job, 10) * word(job, 11) * word(job, 6);
  return TILE_BYTES + roundUp(word(job, 16), MR) * K * 4;
}

/** Conv forward task: output rows [t·rows, (t+1)·rows) = im2col(x) · W, W pre-packed in 8-column panels. */
export function convFwdTask(job: usize, t: i32, scratch: usize): void {
  const wp = <usize>word(job, 1), y = <usize>word(job, 2);
  const outC = word(job, 9);
  const K = word(job, 10) * word(job, 11) * word(job, 6);
  const M = word(job, 3) * word(job, 7) * word(job, 8);
  const per = word(job, 16);
  const r0 = spanStart(t, M, per, MR), rows = spanStart(t + 1, M, per, MR) - r0;
  const tile = scratch, pa = scratch + TILE_BYTES;
  if (word(job, 6) % 4 == 0) im2colPacked4(job, r0, rows, pa, tile);
  else im2colSegments(job, r0, rows, pa, tile);
  // Bias and linear/relu ride on the GEMM's stores; sigmoid/tanh take a pass over the task's rows.
  const bias = <usize>word(job, 21), act = word(job, 22);
  const inline = act <= 1;
  blockMul(pa, wp, rows, outC, K, y + (<usize>r0 * <usize>outC << 2), outC, false, tile, inline ? bias : 0, act == 1);
  if (!inline) biasActivation(y, bias, y, r0, r0 + rows, outC, act);
}

/** Scratch bytes for a conv backprop-input job. */
export function convBwdInputScratch(job: usize): i32 {
  const K = word(job, 10) * word(job, 11) * word(job, 6);
  const rows = word(job, 19) * word(job, 7) * word(job, 8);
  return TILE_BYTES + MC * word(job, 9) * 4 + rows * K * 4;
}

/**
 * Conv backprop-input task over whole images [t·g, (t+1)·g): dcol = dy · Wᵀ (Wᵀ pre-packed), then
 * col2im adds dcol into dx. Whole images per task keep the scatter free of races.
 */
export function convBwdInputTask(job: usize, t: i32, scratch: usize): void {
  const dy = <usize>word(job, 0), wp = <usize>word(job, 1), dx = <usize>word(job, 2);
  const batch = word(job, 3), inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8), outC = word(job, 9);
  const kH = word(job, 10), kW = word(job, 11), sH = word(job, 12), sW = word(job, 13);
  const pT = word(job, 14), pL = word(job, 15), acc = word(job, 17) != 0, g = word(job, 19);
  const K = kH * kW * inC;
  const b0 = t * g, b1 = min(batch, b0 + g);
  const hw = outH * outW;
  const r0 = b0 * hw, rows = (b1 - b0) * hw;
  const tile = scratch, pa = scratch + TILE_BYTES, dcol = pa + (<usize>(MC * outC) << 2);
  for (let ii = 0; ii < rows; ii += MC) {
    const mc = min(MC, rows - ii);
    packA(dy + (<usize>(r0 + ii) * <usize>outC << 2), outC, 1, mc, outC, pa);
    blockMul(pa, wp, mc, K, outC, dcol + (<usize>ii * <usize>K << 2), K, false, tile);
  }
  const imgBytes = <usize>(inH * inW * inC) << 2;
  if (!acc) memory.fill(dx + <usize>b0 * imgBytes, 0, <usize>(b1 - b0) * imgBytes);
  let s = dcol;
  for (let i = 0; i < rows; i++) {
    const row = r0 + i;
    const b = row / hw, rem = row % hw, oy = rem / outW, ox = rem % outW;
    for (let ky = 0; ky < kH; ky++) {
      const iy = oy * sH + ky - pT;
      for (let kx = 0; kx < kW; kx++) {
        const ix = ox * sW + kx - pL;
        if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
          const d = dx + (<usize>(((b * inH + iy) * inW + ix) * inC) << 2);
          let c = 0;
          for (; c + 4 <= inC; c += 4) {
            const o = <usize>c << 2;
            v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
          }
          for (; c < inC; c++) {
            const o = <usize>c << 2;
            store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o));
          }
        }
        s += <usize>inC << 2;
      }
    }
  }
}

/** Scratch bytes for a conv backprop-filter job. */
export function convBwdFilterScratch(job: usize): i32 {
  const K = word(job, 10) * word(job, 11) * word(job, 6);
  return TILE_BYTES + roundUp(word(job, 9), MR) * FB * 4 + roundUp(K, NR) * FB * 4 + FB * 12 + K * 2 + 16;
}



/**
 * Packs im2col rows [r0, r0 + rows) as 8-column panels (columns are kernel taps·channels) straight
 * from x when inC is a multiple of 4: whole-vector copies of 4 channels. A table of (source,
 * destination) offsets per 4-column group, built once per call, makes rows whose window lies inside
 * the image a plain list of copies; rows that touch the padding check each tap.
 */
function im2colPanelsVec(job: usize, r0: i32, rows: i32, dst: usize, table: usize, groups: usize): void {
  const x = <usize>word(job, 0);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6), kH = word(job, 10), kW = word(job, 11);
  const K = kH * kW * inC, G = K >> 2;
  const panelBytes = <usize>rows << 5;
  let g = 0;
  for (let ky = 0; ky < kH; ky++)
    for (let kx = 0; kx < kW; kx++)
      for (let ci = 0; ci < inC; ci += 4) {
        const q = g << 2;
        store<i32>(groups + <usize>(g << 3), ((ky * inW + kx) * inC + ci) << 2);
        store<i32>(groups + <usize>(g << 3), <i32>(<usize>(q >> 3) * panelBytes) + ((q & 7) << 2), 4);
        g++;
      }
  rowTable(job, x, r0, rows, r0 + rows, table);
  for (let i = 0; i < rows; i++) {
    const t = table + <usize>(i * 12);
    const iy0 = load<i32>(t, 4), ix0 = load<i32>(t, 8);
    const drow = dst + (<usize>i << 5);
    if (iy0 >= 0 && iy0 + kH <= inH && ix0 >= 0 && ix0 + kW <= inW) {
      const srow = <usize>load<i32>(t) + (<usize>((iy0 * inW + ix0) * inC) << 2);
      for (let e = groups, end = groups + <usize>(G << 3); e < end; e += 8) v128.store(drow + <usize>load<i32>(e, 4), v128.load(srow + <usize>load<i32>(e)));
    } else {
      let q = 0;
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++) {
          const s = cellAt(table, i, ky, kx, inH, inW, inC);
          for (let ci = 0; ci < inC; ci += 4) {
            v128.store(drow + <usize>(q >> 3) * panelBytes + (<usize>(q & 7) << 2), s ? v128.load(s + (<usize>ci << 2)) : f32x4.splat(0));
            q += 4;
          }
        }
      }
    }
    if (K & 7) v128.store(drow + <usize>(K >> 3) * panelBytes + 16, f32x4.splat(0));
  }
}

/**
 * Conv backprop-filter task for row chunk t: dWᵀ_t[outC x K] = dyᵀ · im2col(x) over the chunk's
 * rows, into the chunk's own partial buffer (outC x K). Putting dy on the A side lets both operands
 * be packed with whole-vector copies. Chunks depend only on the shape, so any thread count sums in
 * the same order; `reduceFilter` then adds the chunks and transposes into dW.
 */
export function convBwdFilterTask(job: usize, t: i32, scratch: usize): void {
  const dy = <usize>word(job, 20);
  const inC = word(job, 6), outC = word(job, 9);
  const K = word(job, 10) * word(job, 11) * inC;
  const M = word(job, 3) * word(job, 7) * word(job, 8);
  const per = word(job, 16);
  const r0 = spanStart(t, M, per, FB), r1 = spanStart(t + 1, M, per, FB);
  const target = <usize>word(job, 18) + (<usize>t * <usize>(K * outC) << 2);
  const tile = scratch, pa = scratch + TILE_BYTES, pb = pa + (<usize>(roundUp(outC, MR) * FB) << 2);
  const table = pb + (<usize>(roundUp(K, NR) * FB) << 2), groups = table + <usize>(FB * 12);
  for (let rr = r0; rr < r1; rr += FB) {
    const kc = min(FB, r1 - rr);
    packA(dy + (<usize>rr * <usize>outC << 2), 1, outC, outC, kc, pa);
    im2colPanelsVec(job, rr, kc, pb, table, groups);
    blockMul(pa, pb, outC, K, kc, target, K, rr > r0, tile);
  }
}

/** dW[K x outC] (+)= Σ_t partial_t[outC x K]ᵀ, chunks summed in index order. */
export function reduceFilter(dw: usize, partial: usize, chunks: i32, K: i32, outC: i32, acc: bool): void {
  if (chunks > 1) reduceChunks(partial, partial, chunks, K * outC, false);
  for (let co = 0; co < outC; co++) {
    const src = partial + (<usize>(co * K) << 2);
    for (let q = 0; q < K; q++) {
      const d = dw + (<usize>(q * outC + co) << 2);
      const v = load<f32>(src + (<usize>q << 2));
      store<f32>(d, acc ? load<f32>(d) + v : v);
    }
  }
}

// ---- filter gradient from window-row segments (channels not in fours) ------------------------------
// For a fixed kernel row ky, the taps (kx, ci) of a window are L = kW·inC consecutive floats of x.
// Each such segment is cut into MR-long pieces, one MR-row panel each (the last piece zero-padded):
// im2col(x)ᵀ packs with whole-vector copies and no widening of the channels, and the GEMM's rows
// are K in order with a few zero rows after each kernel row (30 rows for K = 27 with MR = 5).

/** Panels per kernel row of the segment layout. */
// @ts-ignore: decorator
@inline
function segPieces(L: i32): i32 {
  return (L + MR - 1) / MR;
}

/** Row k = ky·L + j of dW held by GEMM row r of the segment layout, or -1 for a zero row. */
function segRow(r: i32, L: i32): i32 {
  const per = segPieces(L) * MR, ky = r / per, j = r % per;
  return j < L ? ky * L + j : -1;
}

/** Scratch bytes for a segment filter-gradient job. */
export function convBwdFilterSegScratch(job: usize): i32 {
  const R = word(job, 10) * segPieces(word(job, 11) * word(job, 6)) * MR;
  return TILE_BYTES + R * FB * 4 + roundUp(word(job, 9), NR) * FB * 4 + FB * 12;
}

/**
 * Segment filter-gradient task for pixel chunk t: partial_t[R x outC] = im2col(x)ᵀ · dy over the
 * chunk, rows in the segment layout. Chunks depend only on the shape (see convBwdFilterTask).
 */
export function convBwdFilterSegTask(job: usize, t: i32, scratch: usize): void {
  const x = <usize>word(job, 0), dy = <usize>word(job, 20);
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6), outC = word(job, 9), kH = word(job, 10), kW = word(job, 11);
  const M = word(job, 3) * word(job, 7) * word(job, 8);
  const per = word(job, 16);
  const r0 = spanStart(t, M, per, FB), r1 = spanStart(t + 1, M, per, FB);
  const L = kW * inC, np = segPieces(L), full = L / MR, rem = L % MR, R = kH * np * MR;
  const target = <usize>word(job, 18) + (<usize>t * <usize>(R * outC) << 2);
  const tile = scratch, pa = scratch + TILE_BYTES, pb = pa + (<usize>(R * FB) << 2);
  const table = pb + (<usize>(roundUp(outC, NR) * FB) << 2);
  const rowBytes = <usize>(inW * inC) << 2;
  // Lanes [0, rem) of the last piece's first four (a whole vector load, the rest masked off).
  const keep: v128 = i32x4.gt_s(i32x4.splat(rem), i32x4(0, 1, 2, 3));
  for (let rr = r0; rr < r1; rr += FB) {
    const kc = min(FB, r1 - rr);
    const panelBytes = <usize>(kc * MR) << 2;
    rowTable(job, x, rr, kc, rr + kc, table);
    for (let p = 0; p < kc; p++) {
      const tb = table + <usize>(p * 12);
      const iy0 = load<i32>(tb, 4), ix0 = load<i32>(tb, 8);
      const col = pa + (<usize>(p * MR) << 2);
      if (iy0 >= 0 && iy0 + kH <= inH && ix0 >= 0 && ix0 + kW <= inW) {
        let seg = <usize>load<i32>(tb) + (<usize>((iy0 * inW + ix0) * inC) << 2);
        let d = col;
        for (let ky = 0; ky < kH; ky++) {
          let s = seg;
          for (let f = 0; f < full; f++) {
            v128.store(d, v128.load(s));
            if (MR == 5) store<f32>(d, load<f32>(s, 16), 16);
            s += <usize>(MR << 2);
            d += panelBytes;
          }
          if (rem) {
            // Reads up to 4 floats past the segment (still inside the memory), masked to zero.
            v128.store(d, v128.and(v128.load(s), keep));
            if (MR == 5) store<f32>(d, 0, 16);
            d += panelBytes;
          }
          seg += rowBytes;
        }
      } else {
        // A window over the padding: tap by tap.
        for (let r = 0; r < R; r++) {
          const k = segRow(r, L);
          let v: f32 = 0;
          if (k >= 0) {
            const ky = k / L, j = k % L;
            const c = cellAt(table, p, ky, j / inC, inH, inW, inC);
            if (c) v = load<f32>(c + (<usize>(j % inC) << 2));
          }
          store<f32>(col + <usize>(r / MR) * panelBytes + (<usize>(r % MR) << 2), v);
        }
      }
    }
    packB(dy + (<usize>rr * <usize>outC << 2), outC, 1, kc, outC, pb);
    blockMul(pa, pb, R, outC, kc, target, outC, rr > r0, tile);
  }
}

/** dW[K x outC] (+)= Σ_t partial_t[R x outC] with the segment layout's rows put back in K order. */
export function reduceFilterSegments(dw: usize, partial: usize, chunks: i32, kH: i32, L: i32, outC: i32, acc: bool): void {
  const R = kH * segPieces(L) * MR;
  if (chunks > 1) reduceChunks(partial, partial, chunks, R * outC, false);
  for (let r = 0; r < R; r++) {
    const k = segRow(r, L);
    if (k < 0) continue;
    const s = partial + (<usize>(r * outC) << 2), d = dw + (<usize>(k * outC) << 2);
    let c = 0;
    for (; c + 4 <= outC; c += 4) {
      const o = <usize>c << 2;
      const v = v128.load(s + o);
      v128.store(d + o, acc ? f32x4.add(v128.load(d + o), v) : v);
    }
    for (; c < outC; c++) {
      const o = <usize>c << 2;
      store<f32>(d + o, acc ? load<f32>(d + o) + load<f32>(s + o) : load<f32>(s + o));
    }
  }
}

/** GEMM rows of the segment layout for segment length L = kW·inC and kH kernel rows. */
export function segmentRows(L: i32, kH: i32): i32 {
  return kH * segPieces(L) * MR;
}
