/**
 * Image resampling as plain loops over NHWC typed arrays: bilinear and nearest-neighbour resizes
 * (TensorFlow's `alignCorners` / `halfPixelCenters` coordinate conventions) with their exact
 * adjoints, and `cropAndResize`. The forward loops follow TensorFlow.js's CPU kernels step for
 * step (float64 arithmetic on float32 inputs, one rounding at the store), so results agree bit for
 * bit. The backward loops scatter through the same source coordinates as the forward pass, so
 * they are the true gradient of the forward (TensorFlow.js's own resize gradients ignore
 * `halfPixelCenters`).
 */
import type { CropInfo, ResizeInfo, TypedArray } from '../backend.js';

/** Source-coordinate scale of one axis: (in − 1)/(out − 1) with alignCorners (out > 1), else in/out. */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** The two source indices and the weight of the second for output index `o` (TensorFlow's bilinear rule). */
function bilinearTaps(o: number, scale: number, inSize: number, halfPixel: boolean): [number, number, number] {
  const src = halfPixel ? scale * (o + 0.5) - 0.5 : scale * o;
  const lo = Math.max(0, Math.floor(src));
  const hi = Math.min(inSize - 1, Math.ceil(src));
  return [lo, hi, src - lo];
}

/** The nearest source index for output index `o` (TensorFlow's nearest-neighbour rule). */
function nearestTap(o: number, scale: number, inSize: number, alignCorners: boolean, halfPixel: boolean): number {
  const src = halfPixel ? scale * (o + 0.5) : scale * o;
  const i = Math.min(inSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
  return halfPixel ? Math.max(0, i) : i;
}

/** Calls `visit(outRow, outCol, [r0, r1, rw], [c0, c1, cw])` for every output pixel of a bilinear resize. */
function forEachBilinear(info: ResizeInfo, visit: (r: number, c: number, rows: [number, number, number], cols: [number, number, number]) => void): void {
  const sh = ratio(info.inH, info.outH, info.alignCorners), sw = ratio(info.inW, info.outW, info.alignCorners);
  const cols = Array.from({ length: info.outW }, (_, c) => bilinearTaps(c, sw, info.inW, info.halfPixelCenters));
  for (let r = 0; r < info.outH; r++) {
    const rows = bilinearTaps(r, sh, info.inH, info.halfPixelCenters);
    for (let c = 0; c < info.outW; c++) visit(r, c, rows, cols[c]);
  }
}

export function resizeBilinear(x: TypedArray, y: TypedArray, info: ResizeInfo): void {
  const { inH, inW, channels: C, outH, outW } = info;
  for (let b = 0; b < info.batch; b++) {
    const xb = b * inH * inW * C, yb = b * outH * outW * C;
    forEachBilinear(info, (r, c, [r0, r1, rw], [c0, c1, cw]) => {
      const tl = xb + (r0 * inW + c0) * C, tr = xb + (r0 * inW + c1) * C;
      const bl = xb + (r1 * inW + c0) * C, br = xb + (r1 * inW + c1) * C;
      const o = yb + (r * outW + c) * C;
      for (let d = 0; d < C; d++) {
        const top = x[tl + d] + (x[tr + d] - x[tl + d]) * cw;
        const bottom = x[bl + d] + (x[br + d] - x[bl + d]) * cw;
        y[o + d] = top + (bottom - top) * rw;
      }
    });
  }
}

export function resizeBilinearBackward(dy: TypedArray, dx: TypedArray, info: ResizeInfo, accumulate: boolean): void {
  const { inH, inW, channels: C, outH, outW } = info;
  if (!accumulate) dx.fill(0, 0, info.batch * inH * inW * C);
  for (let b = 0; b < info.batch; b++) {
    const xb = b * inH * inW * C, yb = b * outH * outW * C;
    forEachBilinear(info, (r, c, [r0, r1, rw], [c0, c1, cw]) => {
      const tl = xb + (r0 * inW + c0) * C, tr = xb + (r0 * inW + c1) * C;
      const bl = xb + (r1 * inW + c0) * C, br = xb + (r1 * inW + c1) * C;
      const o = yb + (r * outW + c) * C;
      const wtl = (1 - rw) * (1 - cw), wtr = (1 - rw) * cw, wbl = rw * (1 - cw), wbr = rw * cw;
      for (let d = 0; d < C; d++) {
        const g = dy[o + d];
        dx[tl + d] += g * wtl;
        dx[tr + d] += g * wtr;
        dx[bl + d] += g * wbl;
        dx[br + d] += g * wbr;
      }
    });
  }
}

/** Source pixel offsets (row·inW + col) of every output pixel of a nearest-neighbour resize. */
function nearestSources(info: ResizeInfo): Int32Array {
  const sh = ratio(info.inH, info.outH, info.alignCorners), sw = ratio(info.inW, info.outW, info.alignCorners);
  const out = new Int32Array(info.outH * info.outW);
  for (let r = 0; r < info.outH; r++) {
    const sr = nearestTap(r, sh, info.inH, info.alignCorners, info.halfPixelCenters);
    for (let c = 0; c < info.outW; c++) out[r * info.outW + c] = sr * info.inW + nearestTap(c, sw, info.inW, info.alignCorners, info.halfPixelCenters);
  }
  return out;
}

export function resizeNearest(x: TypedArray, y: TypedArray, info: ResizeInfo): void {
  const C = info.channels, src = nearestSources(info), inPix = info.inH * info.inW;
  for (let b = 0; b < info.batch; b++)
    for (let p = 0; p < src.length; p++) {
      const s = (b * inPix + src[p]) * C, o = (b * src.length + p) * C;
      for (let d = 0; d < C; d++) y[o + d] = x[s + d];
    }
}

export function resizeNearestBackward(dy: TypedArray, dx: TypedArray, info: ResizeInfo, accumulate: boolean): void {
  const C = info.channels, src = nearestSources(info), inPix = info.inH * info.inW;
  if (!accumulate) dx.fill(0, 0, info.batch * inPix * C);
  for (let b = 0; b < info.batch; b++)
    for (let p = 0; p < src.length; p++) {
      const s = (b * inPix + src[p]) * C, o = (b * src.length + p) * C;
      for (let d = 0; d < C; d++) dx[s + d] += dy[o + d];
    }
}

/** Fills output pixel `o` (its C channels) with the extrapolation value. */
function extrapolate(y: TypedArray, o: number, C: number, value: number): void {
  for (let d = 0; d < C; d++) y[o + d] = value;
}

/**
 * Crops boxes (normalised [y1, x1, y2, x2], float32) out of `image` [batch, h, w, C] and resizes
 * each to cropH × cropW, bilinear or nearest; samples outside the image get `extrapolationValue`,
 * and a box whose image index is outside the batch leaves its output untouched (TensorFlow.js).
 */
export function cropAndResize(image: TypedArray, boxes: TypedArray, boxIndices: TypedArray, y: TypedArray, info: CropInfo): void {
  const { inH, inW, channels: C, cropH, cropW } = info;
  for (let n = 0; n < info.boxes; n++) {
    const [y1, x1, y2, x2] = [boxes[4 * n], boxes[4 * n + 1], boxes[4 * n + 2], boxes[4 * n + 3]];
    const bi = boxIndices[n];
    if (bi >= info.batch) continue;
    const base = bi * inH * inW * C;
    const hs = cropH > 1 ? ((y2 - y1) * (inH - 1)) / (cropH - 1) : 0;
    const ws = cropW > 1 ? ((x2 - x1) * (inW - 1)) / (cropW - 1) : 0;
    for (let r = 0; r < cropH; r++) {
      const yi = cropH > 1 ? y1 * (inH - 1) + r * hs : 0.5 * (y1 + y2) * (inH - 1);
      const rowOut = ((n * cropH + r) * cropW) * C;
      if (yi < 0 || yi > inH - 1) {
        for (let c = 0; c < cropW; c++) extrapolate(y, rowOut + c * C, C, info.extrapolationValue);
        continue;
      }
      for (let c = 0; c < cropW; c++) {
        const xi = cropW > 1 ? x1 * (inW - 1) + c * ws : 0.5 * (x1 + x2) * (inW - 1);
        const o = rowOut + c * C;
        if (xi < 0 || xi > inW - 1) {
          extrapolate(y, o, C, info.extrapolationValue);
          continue;
        }
        if (info.method === 'nearest') {
          const s = base + (Math.round(yi) * inW + Math.round(xi)) * C;
          for (let d = 0; d < C; d++) y[o + d] = image[s + d];
          continue;
        }
        const top = Math.floor(yi), bottom = Math.ceil(yi), left = Math.floor(xi), right = Math.ceil(xi);
        const rw = yi - top, cw = xi - left;
        const tl = base + (top * inW + left) * C, tr = base + (top * inW + right) * C;
        const bl = base + (bottom * inW + left) * C, br = base + (bottom * inW + right) * C;
        for (let d = 0; d < C; d++) {
          const t = image[tl + d] + (image[tr + d] - image[tl + d]) * cw;
          const b = image[bl + d] + (image[br + d] - image[bl + d]) * cw;
          y[o + d] = t + (b - t) * rw;
        }
      }
    }
  }
}
