/**
 * Convolution as GEMM over NHWC images with kernels [kH, kW, inC, outC].
 *
 * Job words (shared by the three conv kinds): 0 x (or dy for backprop input), 1 packed weights,
 * 2 output, 3 batch, 4 inH, 5 inW, 6 inC, 7 outH, 8 outW, 9 outC, 10 kH, 11 kW, 12 strideH,
 * 13 strideW, 14 padTop, 15 padLeft, 16 rows per task, 17 accumulate, 18 partial buffer,
 * 19 chunks / images per task, 20 dy (backprop filter).
 */
import { MR } from './simd';
import { MC, NR, TILE_BYTES, blockMul, packA, packB, roundUp, word } from './gemm';

/** Rows of the im2col block a backprop-filter task multiplies at a time. */
export const FB: i32 = 128;

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

/** Writes im2col rows [r0, r0 + rows) row-major (row stride K) at `dst`. */
function im2colRows(job: usize, x: usize, r0: i32, rows: i32, dst: usize): void {
  const inH = word(job, 4), inW = word(job, 5), inC = word(job, 6);
  const outH = word(job, 7), outW = word(job, 8);
  const kH = word(job, 10), kW = word(job, 11), sH = word(job, 12), sW = word(job, 13);
  const pT = word(job, 14), pL = word(job, 15);
  const hw = outH * outW;
  const run = <usize>inC << 2;
  let d = dst;
  for (let i = 0; i < rows; i++) {
    const row = r0 + i;
    const b = row / hw, rem = row % hw, oy = rem / outW, ox = rem % outW;
    for (let ky = 0; ky < kH; ky++) {
      const iy = oy * sH + ky - pT;
      for (let kx = 0; kx < kW; kx++) {
        const ix = ox * sW + kx - pL;
        if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) memory.fill(d, 0, run);
        else memory.copy(d, x + (<usize>(((b * inH + iy) * inW + ix) * inC) << 2), run);
        d += run;
      }
    }
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
  const r0 = t * per, rows = min(M - r0, per);
  const tile = scratch, pa = scratch + TILE_BYTES;
  im2colPacked(job, r0, rows, pa);
  blockMul(pa, wp, rows, outC, K, y + (<usize>r0 * <usize>outC << 2), outC, false, tile);
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
  return TILE_BYTES + FB * K * 4 + roundUp(K, MR) * FB * 4 + roundUp(word(job, 9), NR) * FB * 4;
}

/**
 * Conv backprop-filter task for row chunk t: dW_t = im2col(x)ᵀ · dy over the chunk's rows, into
 * the chunk's own partial buffer (or straight into dW when there is one chunk). Chunks depend only
 * on the shape, so any thread count sums in the same order.
 */
export function convBwdFilterTask(job: usize, t: i32, scratch: usize): void {
  const x = <usize>word(job, 0), dw = <usize>word(job, 2), dy = <usize>word(job, 20);
  const outC = word(job, 9);
  const K = word(job, 10) * word(job, 11) * word(job, 6);
  const M = word(job, 3) * word(job, 7) * word(job, 8);
  const per = word(job, 16), chunks = word(job, 19);
  const r0 = t * per, r1 = min(M, r0 + per);
  let target = dw, acc = word(job, 17) != 0;
  if (chunks > 1) {
    target = <usize>word(job, 18) + (<usize>t * <usize>(K * outC) << 2);
    acc = false;
  }
  const tile = scratch, col = scratch + TILE_BYTES;
  const pa = col + (<usize>(FB * K) << 2), pb = pa + (<usize>(roundUp(K, MR) * FB) << 2);
  for (let rr = r0; rr < r1; rr += FB) {
    const kc = min(FB, r1 - rr);
    im2colRows(job, x, rr, kc, col);
    packA(col, 1, K, K, kc, pa);
    packB(dy + (<usize>rr * <usize>outC << 2), outC, 1, kc, outC, pb);
    blockMul(pa, pb, K, outC, kc, target, outC, acc || rr > r0, tile);
  }
}
