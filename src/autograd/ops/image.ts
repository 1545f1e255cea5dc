/**
 * Image ops (tfjs `tf.image.*`) over NHWC batches or single HWC images: bilinear and
 * nearest-neighbour resizes with TensorFlow's `alignCorners`/`halfPixelCenters`, left-right
 * flips, `cropAndResize`, and RGB/grayscale conversions. The resizes are backend kernels whose
 * gradients are their exact adjoints.
 */
import type { ResizeInfo } from '../../backend/backend.js';
import { ShapeError, ValueError, fmtShape } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { cast, mul } from './elementwise.js';
import { sum } from './reduction.js';
import { reshape, reverse, tile } from './transform.js';
import { asStorage, storageType, toTensor, type TensorInput } from './util.js';

/** x as a batch [n, h, w, c] (a rank-3 image gets a batch of one), and whether it was one image. */
function batched(op: string, x: Tensor): { x4: Tensor; single: boolean } {
  if (x.rank !== 3 && x.rank !== 4) throw new ShapeError(`${op}: images must have rank 3 [h, w, c] or 4 [n, h, w, c]. Received ${fmtShape(x.shape)}`);
  return x.rank === 3 ? { x4: reshape(x, [1, ...x.shape]), single: true } : { x4: x, single: false };
}

function resizeInfo(op: string, x4: Tensor, size: readonly [number, number], alignCorners: boolean, halfPixelCenters: boolean): ResizeInfo {
  if (!Array.isArray(size) || size.length !== 2 || size.some((d) => !Number.isInteger(d) || d <= 0))
    throw new ValueError(`${op}: size must be [newHeight, newWidth] with positive integers. Received ${JSON.stringify(size)}`);
  if (alignCorners && halfPixelCenters) throw new ValueError(`${op}: alignCorners and halfPixelCenters cannot both be true`);
  const [batch, inH, inW, channels] = x4.shape;
  return { batch, inH, inW, channels, outH: size[0], outW: size[1], alignCorners, halfPixelCenters };
}

type Kind = 'bilinear' | 'nearest';

function resize(kind: Kind, imagesIn: TensorInput, size: readonly [number, number], alignCorners: boolean, halfPixelCenters: boolean): Tensor {
  const op = kind === 'bilinear' ? 'resizeBilinear' : 'resizeNearestNeighbor';
  const { x4, single } = batched(op, toTensor(imagesIn, 'images', op));
  const info = resizeInfo(op, x4, size, alignCorners, halfPixelCenters);
  // Bilinear always computes in float32; nearest keeps the dtype (tfjs).
  const dtype = kind === 'bilinear' ? 'float32' : storageType(x4);
  const X = asStorage(x4, dtype);
  const be = X.backend;
  const y = Tensor.empty([info.batch, info.outH, info.outW, info.channels], dtype, be);
  if (y.size > 0 && X.size > 0) {
    if (kind === 'bilinear') be.resizeBilinear(X.storage, y.storage, info);
    else be.resizeNearest(X.storage, y.storage, info);
  }
  const out = dtype === 'float32'
    ? record(y, op, [x4], (dy, grads) => {
        const s = grads.slot(x4);
        if (kind === 'bilinear') be.resizeBilinearBackward(dy.storage, s.grad.storage, info, s.accumulate);
        else be.resizeNearestBackward(dy.storage, s.grad.storage, info, s.accumulate);
      })
    : y;
  return single ? reshape(out, out.shape.slice(1)) : out;
}

/**
 * Bilinear resize to [newHeight, newWidth] (tfjs `tf.image.resizeBilinear`); float32 output.
 * @example ck.image.resizeBilinear(images, [64, 64], false, true)
 */
export function resizeBilinear(images: TensorInput, size: readonly [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  return resize('bilinear', images, size, alignCorners, halfPixelCenters);
}

/** Nearest-neighbour resize (tfjs `tf.image.resizeNearestNeighbor`); keeps the dtype. */
export function resizeNearestNeighbor(images: TensorInput, size: readonly [number, number], alignCorners = false, halfPixelCenters = false): Tensor {
  return resize('nearest', images, size, alignCorners, halfPixelCenters);
}

/** Mirrors each image of a batch [n, h, w, c] left to right (tfjs `tf.image.flipLeftRight`). */
export function flipLeftRight(imageIn: TensorInput): Tensor {
  const image = toTensor(imageIn, 'image', 'flipLeftRight');
  if (image.rank !== 4) throw new ShapeError(`flipLeftRight: image must have rank 4 [n, h, w, c]. Received ${fmtShape(image.shape)}`);
  return reverse(image, 2);
}

/**
 * Crops boxes out of a batch of images and resizes each crop (tfjs `tf.image.cropAndResize`):
 * `boxes` [n, 4] hold normalised (y1, x1, y2, x2), `boxInd` [n] the image of each box,
 * `cropSize` [h, w]. Output float32 [n, h, w, c]. Not differentiable (as in tfjs).
 */
export function cropAndResize(
  imageIn: TensorInput, boxesIn: TensorInput, boxIndIn: TensorInput, cropSize: readonly [number, number],
  method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0,
): Tensor {
  const image = toTensor(imageIn, 'image', 'cropAndResize');
  const boxes = asStorage(toTensor(boxesIn, 'boxes', 'cropAndResize'), 'float32');
  const boxInd0 = toTensor(boxIndIn, 'boxInd', 'cropAndResize', 'int32');
  if (image.rank !== 4) throw new ShapeError(`cropAndResize: image must have rank 4 [n, h, w, c]. Received ${fmtShape(image.shape)}`);
  if (boxes.rank !== 2 || boxes.shape[1] !== 4) throw new ShapeError(`cropAndResize: boxes must have shape [numBoxes, 4]. Received ${fmtShape(boxes.shape)}`);
  if (boxInd0.rank !== 1 || boxInd0.shape[0] !== boxes.shape[0])
    throw new ShapeError(`cropAndResize: boxInd must have shape [${boxes.shape[0]}] (one per box). Received ${fmtShape(boxInd0.shape)}`);
  if (boxInd0.dtype !== 'int32') throw new ValueError(`cropAndResize: boxInd must have dtype int32. Received ${boxInd0.dtype}`);
  if (!Array.isArray(cropSize) || cropSize.length !== 2 || cropSize.some((d) => !Number.isInteger(d) || d < 1))
    throw new ValueError(`cropAndResize: cropSize must be [height, width] with positive integers. Received ${JSON.stringify(cropSize)}`);
  if (method !== 'bilinear' && method !== 'nearest') throw new ValueError(`cropAndResize: method must be 'bilinear' or 'nearest'. Received ${JSON.stringify(method)}`);
  const X = asStorage(image, 'float32'), idx = asStorage(boxInd0, 'int32');
  const [batch, inH, inW, channels] = image.shape;
  const be = X.backend;
  const y = Tensor.empty([boxes.shape[0], cropSize[0], cropSize[1], channels], 'float32', be);
  if (y.size > 0)
    be.cropAndResize(X.storage, boxes.storage, idx.storage, y.storage, {
      batch, inH, inW, channels, boxes: boxes.shape[0], cropH: cropSize[0], cropW: cropSize[1], method, extrapolationValue,
    });
  return y;
}

/** RGB to grayscale with TensorFlow's weights (0.2989, 0.5870, 0.1140) over the last axis (tfjs `rgbToGrayscale`). */
export function rgbToGrayscale(imageIn: TensorInput): Tensor {
  const image = toTensor(imageIn, 'image', 'rgbToGrayscale');
  if (image.rank < 2 || image.shape[image.rank - 1] !== 3)
    throw new ShapeError(`rgbToGrayscale: the last dimension must be 3 (RGB). Received ${fmtShape(image.shape)}`);
  const weights = Tensor.fromValues([3], [0.2989, 0.587, 0.114]);
  const gray = sum(mul(cast(image, 'float32'), weights), -1, true);
  return image.dtype === 'float32' ? gray : cast(gray, 'int32');
}

/** Grayscale [..., 1] to RGB by repeating the channel (tfjs `grayscaleToRGB`). */
export function grayscaleToRGB(imageIn: TensorInput): Tensor {
  const image = toTensor(imageIn, 'image', 'grayscaleToRGB');
  if (image.rank < 2 || image.shape[image.rank - 1] !== 1)
    throw new ShapeError(`grayscaleToRGB: the last dimension must be 1. Received ${fmtShape(image.shape)}`);
  return tile(image, [...image.shape.slice(0, -1).map(() => 1), 3]);
}
