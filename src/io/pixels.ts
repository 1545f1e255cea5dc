/**
 * `ck.browser.fromPixels` / `toPixels` (tfjs `tf.browser`): between tensors and images. Pixel data
 * objects (`{ data, width, height }`, ImageData) work anywhere; image, canvas, video and bitmap
 * elements are drawn onto a 2-D canvas to read them, so they need a browser (or an OffscreenCanvas).
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { Tensor, tensor } from '../tensor/tensor.js';

/** Raw RGBA pixels (tfjs `PixelData`); ImageData has this shape. */
export interface PixelData {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** What can be drawn onto a canvas: images, canvases, video frames, bitmaps. */
interface Drawable {
  width?: number;
  height?: number;
  videoWidth?: number;
  videoHeight?: number;
  naturalWidth?: number;
}

export type PixelSource = PixelData | Drawable;

interface Context2D {
  drawImage(source: unknown, x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  putImageData(data: unknown, x: number, y: number): void;
}

interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d', options?: Record<string, unknown>): Context2D | null;
}

function isPixelData(p: unknown): p is PixelData {
  const d = (p as PixelData).data;
  return d instanceof Uint8Array || d instanceof Uint8ClampedArray;
}

/** A scratch 2-D canvas of the given size (OffscreenCanvas, else a DOM canvas). */
function scratchCanvas(width: number, height: number): CanvasLike {
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike; document?: { createElement(tag: string): CanvasLike } };
  if (g.OffscreenCanvas) return new g.OffscreenCanvas(width, height);
  if (g.document) {
    const c = g.document.createElement('canvas');
    c.width = width;
    c.height = height;
    return c;
  }
  throw new ValueError('fromPixels: reading an image, canvas or video element needs a browser (or an OffscreenCanvas); in Node.js pass { data, width, height } or use ck.node.decodeImage');
}

function rgbaOf(pixels: PixelSource): { data: Uint8Array | Uint8ClampedArray; width: number; height: number } {
  if (isPixelData(pixels)) return pixels;
  const isVideo = typeof pixels.videoWidth === 'number';
  const width = isVideo ? (pixels.videoWidth as number) : (pixels.width ?? 0);
  const height = isVideo ? (pixels.videoHeight as number) : (pixels.height ?? 0);
  const ctx = scratchCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ValueError('fromPixels: could not get a 2-D canvas context to read the pixels');
  ctx.drawImage(pixels, 0, 0, width, height);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}

/**
 * An int32 tensor [height, width, numChannels] of an image's pixels (tfjs `tf.browser.fromPixels`):
 * the first `numChannels` of R, G, B, A.
 * @example const img = ck.browser.fromPixels(document.querySelector('img'));
 */
export function fromPixels(pixels: PixelSource, numChannels = 3): Tensor {
  if (pixels === null || pixels === undefined) throw new ValueError('fromPixels: pixels must be an image, canvas, video, ImageData or { data, width, height }. Received ' + String(pixels));
  if (!Number.isInteger(numChannels) || numChannels < 1 || numChannels > 4) throw new ValueError(`fromPixels: numChannels must be 1, 2, 3 or 4. Received numChannels=${numChannels}`);
  const { data, width, height } = rgbaOf(pixels);
  if (!(width > 0 && height > 0) || data.length !== width * height * 4)
    throw new ShapeError(`fromPixels: expected ${width}x${height} RGBA pixels (${width * height * 4} bytes). Received ${data.length} bytes`);
  const out = new Int32Array(width * height * numChannels);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < numChannels; c++) out[i * numChannels + c] = data[i * 4 + c];
  return tensor(out, [height, width, numChannels], 'int32');
}

/** Like `fromPixels`, resolving to the tensor (tfjs `fromPixelsAsync`). */
export async function fromPixelsAsync(pixels: PixelSource, numChannels = 3): Promise<Tensor> {
  return fromPixels(pixels, numChannels);
}

/**
 * The RGBA bytes of an image tensor [h, w] or [h, w, 1|3|4] (tfjs `tf.browser.toPixels`): float32
 * values in [0, 1] or int32 values in [0, 255]. With a canvas, also draws them onto it (resized to
 * the image).
 * @throws ValueError for values outside the range of their dtype.
 */
export async function toPixels(img: Tensor, canvas?: CanvasLike): Promise<Uint8ClampedArray> {
  if (!(img instanceof Tensor)) throw new ValueError(`toPixels: img must be a tensor. Received ${typeof img}`);
  if (img.rank !== 2 && img.rank !== 3) throw new ShapeError(`toPixels: img must have rank 2 or 3. Received ${fmtShape(img.shape)}`);
  const [height, width] = img.shape;
  const depth = img.rank === 2 ? 1 : img.shape[2];
  if (depth !== 1 && depth !== 3 && depth !== 4) throw new ShapeError(`toPixels: img must have 1, 3 or 4 channels. Received ${fmtShape(img.shape)}`);
  if (img.dtype !== 'float32' && img.dtype !== 'int32' && img.dtype !== 'uint8') throw new ValueError(`toPixels: img must be float32 or int32. Received ${img.dtype}`);
  const values = await img.data();
  const float = img.dtype === 'float32';
  const limit = float ? 1 : 255;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < height * width; i++) {
    const rgba = [0, 0, 0, 255];
    for (let d = 0; d < depth; d++) {
      const v = values[i * depth + d];
      if (!(v >= 0 && v <= limit))
        throw new ValueError(`toPixels: ${img.dtype} values must be in [0, ${limit}]. Received ${v} at pixel ${i} (row ${Math.floor(i / width)}, column ${i % width})`);
      rgba[d] = float ? Math.round(v * 255) : v;
    }
    if (depth === 1) rgba[1] = rgba[2] = rgba[0];
    bytes.set(rgba, i * 4);
  }
  if (canvas) {
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new ValueError('toPixels: could not get a 2-D context from the canvas');
    const g = globalThis as { ImageData?: new (data: Uint8ClampedArray, w: number, h: number) => unknown };
    ctx.putImageData(g.ImageData ? new g.ImageData(bytes, width, height) : { data: bytes, width, height }, 0, 0);
  }
  return bytes;
}
