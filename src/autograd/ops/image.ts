/**
 * Image resizing (tfjs `tf.image.resizeNearestNeighbor` / `resizeBilinear`) on NHWC batches,
 * built from gathers along the height and width axes and element-wise interpolation, so the
 * gradient comes from those ops. Source coordinates follow tfjs's CPU kernels exactly
 * (`alignCorners`, `halfPixelCenters`, both false by default).
 */
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { add, mul, sub } from './elementwise.js';
import { gather } from './transform.js';
import { toTensor, type TensorInput } from './util.js';

/** Checks the arguments shared by both resizers; returns the image batch. */
function setup(imagesIn: TensorInput, size: readonly number[], op: string): Tensor {
  const x = toTensor(imagesIn, 'images', op);
  if (x.rank !== 4) throw new ShapeError(`${op}: images must be a 4-D batch [n, height, width, channels]. Received ${fmtShape(x.shape)}`);
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ValueError(`${op}: size must be [newHeight, newWidth] of positive integers. Received size=${JSON.stringify(size)}`);
  return x;
}

/** The ratio of input to output positions along one axis, as tfjs computes it. */
function ratio(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

function indices(values: number[], backendOf: Tensor): Tensor {
  return Tensor.fromValues([values.length], Int32Array.from(values), 'int32', backendOf.backend);
}

/** The nearest source index of each output position along one axis. */
function nearest(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number[] {
  const r = ratio(inSize, outSize, alignCorners);
  return Array.from({ length: outSize }, (_, o) => {
    const frac = halfPixelCenters ? r * (o + 0.5) : r * o;
    const i = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    return halfPixelCenters ? Math.max(0, i) : i;
  });
}

/** Resizes each image to `size` = [newHeight, newWidth] taking the nearest pixel (tfjs `image.resizeNearestNeighbor`). */
export function resizeNearestNeighbor(images: TensorInput, size: readonly number[], alignCorners = false, halfPixelCenters = false): Tensor {
  const x = setup(images, size, 'resizeNearestNeighbor');
  if (alignCorners && halfPixelCenters) throw new ValueError('resizeNearestNeighbor: alignCorners and halfPixelCenters cannot both be true');
  const [, h, w] = x.shape;
  const rows = gather(x, indices(nearest(h, size[0], alignCorners, halfPixelCenters), x), 1);
  return gather(rows, indices(nearest(w, size[1], alignCorners, halfPixelCenters), x), 2);
}

/** For each output position along one axis: the lower and upper source indices and the weight of the upper one. */
function linear(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): { lo: number[]; hi: number[]; frac: number[] } {
  const r = ratio(inSize, outSize, alignCorners);
  const lo: number[] = [], hi: number[] = [], frac: number[] = [];
  for (let o = 0; o < outSize; o++) {
    const src = halfPixelCenters ? r * (o + 0.5) - 0.5 : r * o;
    const floor = Math.max(0, Math.floor(src));
    lo.push(floor);
    hi.push(Math.min(inSize - 1, Math.ceil(src)));
    frac.push(src - floor);
  }
  return { lo, hi, frac };
}

/**
 * Resizes each image to `size` = [newHeight, newWidth] by bilinear interpolation (tfjs
 * `image.resizeBilinear`): top = tl + (tr − tl)·colFrac, bottom likewise, out = top + (bottom − top)·rowFrac.
 */
export function resizeBilinear(images: TensorInput, size: readonly number[], alignCorners = false, halfPixelCenters = false): Tensor {
  const x = setup(images, size, 'resizeBilinear');
  if (alignCorners && halfPixelCenters) throw new ValueError('resizeBilinear: alignCorners and halfPixelCenters cannot both be true');
  const [, h, w] = x.shape;
  const ry = linear(h, size[0], alignCorners, halfPixelCenters), rx = linear(w, size[1], alignCorners, halfPixelCenters);
  const top = gather(x, indices(ry.lo, x), 1), bottom = gather(x, indices(ry.hi, x), 1);
  const left = indices(rx.lo, x), right = indices(rx.hi, x);
  const colFrac = Tensor.fromValues([1, 1, size[1], 1], rx.frac, 'float32', x.backend);
  const rowFrac = Tensor.fromValues([1, size[0], 1, 1], ry.frac, 'float32', x.backend);
  const lerpCols = (rows: Tensor): Tensor => {
    const l = gather(rows, left, 2);
    return add(l, mul(sub(gather(rows, right, 2), l), colFrac));
  };
  const t = lerpCols(top), b = lerpCols(bottom);
  return add(t, mul(sub(b, t), rowFrac));
}
