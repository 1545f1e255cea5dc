/**
 * Direct convolution over NHWC float32 data with float64 sums: the exact result to within float64
 * rounding, against which the float32 algorithms' errors are measured (bench/winograd-error.ts
 * and the Winograd error tests). Kernels are [kH, kW, inC, outC], as in the Backend contract.
 */
import type { Conv2DInfo } from '../../src/backend/backend.js';

/** y[b, oy, ox, co] = Σ x[b, oy·s + ky − padTop, ox·s + kx − padLeft, ci] · w[ky, kx, ci, co]. */
export function conv2d64(x: Float32Array, w: Float32Array, i: Conv2DInfo): Float64Array {
  const y = new Float64Array(i.batch * i.outH * i.outW * i.outC);
  const acc = new Float64Array(i.outC);
  for (let b = 0; b < i.batch; b++)
    for (let oy = 0; oy < i.outH; oy++)
      for (let ox = 0; ox < i.outW; ox++) {
        acc.fill(0);
        for (let ky = 0; ky < i.kH; ky++) {
          const iy = oy * i.strideH + ky - i.padTop;
          if (iy < 0 || iy >= i.inH) continue;
          for (let kx = 0; kx < i.kW; kx++) {
            const ix = ox * i.strideW + kx - i.padLeft;
            if (ix < 0 || ix >= i.inW) continue;
            const xo = ((b * i.inH + iy) * i.inW + ix) * i.inC, wo = (ky * i.kW + kx) * i.inC * i.outC;
            for (let ci = 0; ci < i.inC; ci++) {
              const v = x[xo + ci], wr = wo + ci * i.outC;
              for (let co = 0; co < i.outC; co++) acc[co] += v * w[wr + co];
            }
          }
        }
        y.set(acc, ((b * i.outH + oy) * i.outW + ox) * i.outC);
      }
  return y;
}

/** dx = ∂(Σ y·dy)/∂x: every output's gradient spread back over its window. */
export function conv2dBackpropInput64(dy: Float32Array, w: Float32Array, i: Conv2DInfo): Float64Array {
  const dx = new Float64Array(i.batch * i.inH * i.inW * i.inC);
  for (let b = 0; b < i.batch; b++)
    for (let oy = 0; oy < i.outH; oy++)
      for (let ox = 0; ox < i.outW; ox++) {
        const go = ((b * i.outH + oy) * i.outW + ox) * i.outC;
        for (let ky = 0; ky < i.kH; ky++) {
          const iy = oy * i.strideH + ky - i.padTop;
          if (iy < 0 || iy >= i.inH) continue;
          for (let kx = 0; kx < i.kW; kx++) {
            const ix = ox * i.strideW + kx - i.padLeft;
            if (ix < 0 || ix >= i.inW) continue;
            const xo = ((b * i.inH + iy) * i.inW + ix) * i.inC, wo = (ky * i.kW + kx) * i.inC * i.outC;
            for (let ci = 0; ci < i.inC; ci++) {
              let s = 0;
              const wr = wo + ci * i.outC;
              for (let co = 0; co < i.outC; co++) s += dy[go + co] * w[wr + co];
              dx[xo + ci] += s;
            }
          }
        }
      }
  return dx;
}

/** dw = ∂(Σ y·dy)/∂w, summed over the batch. */
export function conv2dBackpropFilter64(x: Float32Array, dy: Float32Array, i: Conv2DInfo): Float64Array {
  const dw = new Float64Array(i.kH * i.kW * i.inC * i.outC);
  for (let b = 0; b < i.batch; b++)
    for (let oy = 0; oy < i.outH; oy++)
      for (let ox = 0; ox < i.outW; ox++) {
        const go = ((b * i.outH + oy) * i.outW + ox) * i.outC;
        for (let ky = 0; ky < i.kH; ky++) {
          const iy = oy * i.strideH + ky - i.padTop;
          if (iy < 0 || iy >= i.inH) continue;
          for (let kx = 0; kx < i.kW; kx++) {
            const ix = ox * i.strideW + kx - i.padLeft;
            if (ix < 0 || ix >= i.inW) continue;
            const xo = ((b * i.inH + iy) * i.inW + ix) * i.inC, wo = (ky * i.kW + kx) * i.inC * i.outC;
            for (let ci = 0; ci < i.inC; ci++) {
              const v = x[xo + ci], wr = wo + ci * i.outC;
              for (let co = 0; co < i.outC; co++) dw[wr + co] += v * dy[go + co];
            }
          }
        }
      }
  return dw;
}

/** Error of a float32 result against the float64 one: max |diff| / max |exact| and RMS(diff) / RMS(exact). */
export function relativeError(got: Float32Array, exact: Float64Array): { max: number; rms: number } {
  let dMax = 0, eMax = 0, d2 = 0, e2 = 0;
  for (let k = 0; k < exact.length; k++) {
    const d = Math.abs(got[k] - exact[k]), e = Math.abs(exact[k]);
    if (d > dMax) dMax = d;
    if (e > eMax) eMax = e;
    d2 += d * d;
    e2 += e * e;
  }
  return { max: eMax > 0 ? dMax / eMax : dMax, rms: e2 > 0 ? Math.sqrt(d2 / e2) : Math.sqrt(d2) };
}
