/**
 * Convolutions the SIMD kernels do not cover yet, as plain loops over typed arrays: dilated
 * convolutions and depthwise convolutions (NHWC; kernels [kH, kW, inC, outC] and
 * [kH, kW, inC, multiplier]). The WASM backend runs them on views of its memory. Each output pixel
 * walks its kernel taps once and the channel loops run over contiguous memory; every sum is taken
 * in the same order for any thread count (these loops run on the calling thread).
 */
import type { Conv2DInfo } from '../backend.js';

/**
 * Calls `tap(xo, wo, yo)` for every (output pixel, kernel tap) pair whose input pixel lies inside
 * the image: `xo`, `yo` are the offsets of the input and output pixels' channel vectors and `wo`
 * the offset of the tap's [inC, ·] block of weights (in units of `wStride` per tap).
 */
function forEachTap(info: Conv2DInfo, wStride: number, tap: (xo: number, wo: number, yo: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = info;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((b * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky * dilationH - padTop;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx * dilationW - padLeft;
            if (ix < 0 || ix >= inW) continue;
            tap(((b * inH + iy) * inW + ix) * inC, (ky * kW + kx) * wStride, yo);
          }
        }
      }
}

/** y = conv(x, w) for a convolution of any dilation (y is overwritten). */
export function conv2d(x: Float32Array, w: Float32Array, y: Float32Array, info: Conv2DInfo): void {
  const { inC, outC } = info;
  y.fill(0, 0, info.batch * info.outH * info.outW * outC);
  forEachTap(info, inC * outC, (xo, wo, yo) => {
    for (let ci = 0; ci < inC; ci++) {
      const xv = x[xo + ci], wr = wo + ci * outC;
      for (let co = 0; co < outC; co++) y[yo + co] += xv * w[wr + co];
    }
  });
}

/** dx (+)= ∂L/∂x of `conv2d` given dy. */
export function conv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2DInfo, accumulate: boolean): void {
  const { inC, outC } = info;
  if (!accumulate) dx.fill(0, 0, info.batch * info.inH * info.inW * inC);
  forEachTap(info, inC * outC, (xo, wo, yo) => {
    for (let ci = 0; ci < inC; ci++) {
      const wr = wo + ci * outC;
      let s = 0;
      for (let co = 0; co < outC; co++) s += dy[yo + co] * w[wr + co];
      dx[xo + ci] += s;
    }
  });
}

/** dw (+)= ∂L/∂w of `conv2d` given x and dy. */
export function conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, info: Conv2DInfo, accumulate: boolean): void {
  const { inC, outC } = info;
  if (!accumulate) dw.fill(0, 0, info.kH * info.kW * inC * outC);
  forEachTap(info, inC * outC, (xo, wo, yo) => {
    for (let ci = 0; ci < inC; ci++) {
      const xv = x[xo + ci], wr = wo + ci * outC;
      for (let co = 0; co < outC; co++) dw[wr + co] += xv * dy[yo + co];
    }
  });
}

/** y = depthwise conv(x, w), w [kH, kW, inC, m], output channel c·m + q (y is overwritten). */
export function depthwiseConv2d(x: Float32Array, w: Float32Array, y: Float32Array, info: Conv2DInfo): void {
  const { inC, outC } = info;
  const m = outC / inC;
  y.fill(0, 0, info.batch * info.outH * info.outW * outC);
  forEachTap(info, outC, (xo, wo, yo) => {
    for (let c = 0; c < inC; c++) {
      const xv = x[xo + c], k = c * m;
      for (let q = 0; q < m; q++) y[yo + k + q] += xv * w[wo + k + q];
    }
  });
}

/** dx (+)= ∂L/∂x of `depthwiseConv2d` given dy. */
export function depthwiseConv2dBackpropInput(dy: Float32Array, w: Float32Array, dx: Float32Array, info: Conv2DInfo, accumulate: boolean): void {
  const { inC, outC } = info;
  const m = outC / inC;
  if (!accumulate) dx.fill(0, 0, info.batch * info.inH * info.inW * inC);
  forEachTap(info, outC, (xo, wo, yo) => {
    for (let c = 0; c < inC; c++) {
      const k = c * m;
      let s = 0;
      for (let q = 0; q < m; q++) s += dy[yo + k + q] * w[wo + k + q];
      dx[xo + c] += s;
    }
  });
}

/** dw (+)= ∂L/∂w of `depthwiseConv2d` given x and dy. */
export function depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, info: Conv2DInfo, accumulate: boolean): void {
  const { inC, outC } = info;
  const m = outC / inC;
  if (!accumulate) dw.fill(0, 0, info.kH * info.kW * outC);
  forEachTap(info, outC, (xo, wo, yo) => {
    for (let c = 0; c < inC; c++) {
      const xv = x[xo + c], k = c * m;
      for (let q = 0; q < m; q++) dw[wo + k + q] += xv * dy[yo + k + q];
    }
  });
}
