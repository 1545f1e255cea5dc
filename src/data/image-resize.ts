/**
 * Turning decoded pixels into a model's input: channel conversion (grayscale / RGB / RGBA), an
 * optional centred crop or zero padding to the target aspect ratio (Keras `crop_to_aspect_ratio`,
 * `pad_to_aspect_ratio`), and resizing by TensorFlow's rules (`tf.image.resize`, half-pixel
 * centres, no antialiasing): bilinear, nearest, or area (box averaging, the right choice when
 * shrinking). Results are rounded to uint8. Pure code.
 */
import { ValueError } from '../errors.js';
import { decodeImage, type RawImage } from './image-decode.js';

/** Resizing methods (Keras `interpolation`). */
export type Interpolation = 'bilinear' | 'nearest' | 'area';
export const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest', 'area'];

/** Output channels: Keras `color_mode`. */
export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
export const COLOR_CHANNELS: Record<ColorMode, 1 | 3 | 4> = { grayscale: 1, rgb: 3, rgba: 4 };

/** How {@link prepareImage} shapes an image. */
export interface PrepareOptions {
  /** Output `[height, width]`. */
  imageSize: readonly [number, number];
  colorMode: ColorMode;
  interpolation: Interpolation;
  /** Crop the largest centred window of the output's aspect ratio first. */
  cropToAspectRatio?: boolean;
  /** Pad with black to the output's aspect ratio first (centred). */
  padToAspectRatio?: boolean;
}

/** A float or uint8 image buffer: floats are kept as computed (tests compare them with tfjs). */
type Out = Uint8Array | Float32Array;

/** Converts to `channels` channels: gray = 0.2989 R + 0.587 G + 0.114 B (tf.image.rgb_to_grayscale); alpha is dropped or set to 255. */
export function convertChannels(img: RawImage, channels: 1 | 3 | 4): RawImage {
  const { width, height, channels: c, data } = img;
  if (c === channels) return img;
  const n = width * height;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * c;
    const r = data[s], g = c >= 3 ? data[s + 1] : r, b = c >= 3 ? data[s + 2] : r;
    if (channels === 1) out[p] = Math.round(0.2989 * r + 0.587 * g + 0.114 * b);
    else {
      const d = p * channels;
      out[d] = r; out[d + 1] = g; out[d + 2] = b;
      if (channels === 4) out[d + 3] = c === 4 ? data[s + 3] : 255;
    }
  }
  return { width, height, channels, data: out };
}

/** The centred crop window Keras's `smart_resize` takes: [top, left, height, width]. */
export function aspectCrop(h: number, w: number, th: number, tw: number): [number, number, number, number] {
  const ch = Math.min(h, Math.trunc(Math.fround((w * th) / tw)));
  const cw = Math.min(w, Math.trunc(Math.fround((h * tw) / th)));
  return [Math.trunc((h - ch) / 2), Math.trunc((w - cw) / 2), ch, cw];
}

function crop(img: RawImage, top: number, left: number, ch: number, cw: number): RawImage {
  if (top === 0 && left === 0 && ch === img.height && cw === img.width) return img;
  const c = img.channels;
  const out = new Uint8Array(ch * cw * c);
  for (let y = 0; y < ch; y++) out.set(img.data.subarray(((top + y) * img.width + left) * c, ((top + y) * img.width + left + cw) * c), y * cw * c);
  return { width: cw, height: ch, channels: c, data: out };
}

function pad(img: RawImage, th: number, tw: number): RawImage {
  const { width: w, height: h, channels: c } = img;
  // Keras pad_to_aspect_ratio: grow the short side to the target ratio, image centred.
  const ph = Math.max(h, Math.trunc((w * th) / tw)), pw = Math.max(w, Math.trunc((h * tw) / th));
  if (ph === h && pw === w) return img;
  const out = new Uint8Array(ph * pw * c);
  const top = Math.trunc((ph - h) / 2), left = Math.trunc((pw - w) / 2);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(y * w * c, (y + 1) * w * c), ((top + y) * pw + left) * c);
  return { width: pw, height: ph, channels: c, data: out };
}

function store(out: Out, i: number, v: number): void {
  out[i] = out instanceof Uint8Array ? Math.min(255, Math.max(0, Math.round(v))) : v;
}

/** tf.image.resize bilinear (half_pixel_centers=True), as tfjs resizeBilinear(halfPixelCenters). */
function bilinear(img: RawImage, oh: number, ow: number, out: Out): void {
  const { width: w, height: h, channels: c, data } = img;
  const sy = h / oh, sx = w / ow;
  const x0 = new Int32Array(ow), x1 = new Int32Array(ow), fx = new Float64Array(ow);
  for (let x = 0; x < ow; x++) {
    const src = (x + 0.5) * sx - 0.5;
    const f = Math.floor(src);
    x0[x] = Math.max(0, f) * c;
    x1[x] = Math.min(w - 1, Math.ceil(src)) * c;
    fx[x] = src - f;
  }
  for (let y = 0; y < oh; y++) {
    const src = (y + 0.5) * sy - 0.5;
    const f = Math.floor(src);
    const r0 = Math.max(0, f) * w * c, r1 = Math.min(h - 1, Math.ceil(src)) * w * c;
    const fy = src - f;
    for (let x = 0; x < ow; x++) {
      for (let k = 0; k < c; k++) {
        const tl = data[r0 + x0[x] + k], tr = data[r0 + x1[x] + k], bl = data[r1 + x0[x] + k], br = data[r1 + x1[x] + k];
        const top = tl + (tr - tl) * fx[x], bottom = bl + (br - bl) * fx[x];
        store(out, (y * ow + x) * c + k, top + (bottom - top) * fy);
      }
    }
  }
}

/** tf.image.resize nearest (half_pixel_centers=True): source = floor((i + 0.5) * scale). */
function nearest(img: RawImage, oh: number, ow: number, out: Out): void {
  const { width: w, height: h, channels: c, data } = img;
  const sx = new Int32Array(ow);
  for (let x = 0; x < ow; x++) sx[x] = Math.min(w - 1, Math.floor((x + 0.5) * (w / ow))) * c;
  for (let y = 0; y < oh; y++) {
    const row = Math.min(h - 1, Math.floor((y + 0.5) * (h / oh))) * w * c;
    for (let x = 0; x < ow; x++) for (let k = 0; k < c; k++) store(out, (y * ow + x) * c + k, data[row + sx[x] + k]);
  }
}

/** Per output index, the input indices and weights of its box [i * scale, (i + 1) * scale). */
function boxWeights(inSize: number, outSize: number): { start: Int32Array; count: Int32Array; weights: Float64Array; stride: number } {
  const scale = inSize / outSize;
  const stride = Math.ceil(scale) + 1;
  const start = new Int32Array(outSize), count = new Int32Array(outSize), weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const a = o * scale, b = Math.min(inSize, (o + 1) * scale);
    const first = Math.floor(a);
    start[o] = first;
    let n = 0;
    for (let i = first; i < b && n < stride; i++, n++) weights[o * stride + n] = (Math.min(i + 1, b) - Math.max(i, a)) / scale;
    count[o] = n;
  }
  return { start, count, weights, stride };
}

/** tf.image.resize area (resize_area): each output pixel is the mean of the input box it covers. */
function area(img: RawImage, oh: number, ow: number, out: Out): void {
  const { width: w, height: h, channels: c, data } = img;
  const X = boxWeights(w, ow), Y = boxWeights(h, oh);
  // Horizontal pass into floats, then vertical.
  const rows = new Float64Array(h * ow * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < ow; x++) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let n = 0; n < X.count[x]; n++) s += data[(y * w + X.start[x] + n) * c + k] * X.weights[x * X.stride + n];
        rows[(y * ow + x) * c + k] = s;
      }
    }
  }
  for (let y = 0; y < oh; y++) {
    for (let i = 0; i < ow * c; i++) {
      let s = 0;
      for (let n = 0; n < Y.count[y]; n++) s += rows[(Y.start[y] + n) * ow * c + i] * Y.weights[y * Y.stride + n];
      store(out, y * ow * c + i, s);
    }
  }
}

/** Resizes `img` to `oh` x `ow` into `out` (uint8: rounded and clamped; float32: as computed). */
export function resizeInto(img: RawImage, oh: number, ow: number, interpolation: Interpolation, out: Out): void {
  if (out.length !== oh * ow * img.channels) throw new ValueError(`resize: output holds ${out.length} values, expected ${oh}x${ow}x${img.channels}`);
  if (img.width === ow && img.height === oh) {
    for (let i = 0; i < out.length; i++) out[i] = img.data[i];
    return;
  }
  if (interpolation === 'bilinear') bilinear(img, oh, ow, out);
  else if (interpolation === 'nearest') nearest(img, oh, ow, out);
  else area(img, oh, ow, out);
}

/**
 * Shapes a decoded image for a model: channels, then crop or pad to the aspect ratio, then resize.
 * Writes `imageSize[0] * imageSize[1] * channels` bytes into `out` (allocated when omitted).
 */
export function prepareImage(img: RawImage, options: PrepareOptions, out?: Uint8Array): Uint8Array {
  const [th, tw] = options.imageSize;
  const channels = COLOR_CHANNELS[options.colorMode];
  let cur = img;
  if (options.cropToAspectRatio) {
    const [top, left, ch, cw] = aspectCrop(cur.height, cur.width, th, tw);
    cur = crop(cur, top, left, ch, cw);
  } else if (options.padToAspectRatio) cur = pad(cur, th, tw);
  cur = convertChannels(cur, channels);
  const dest = out ?? new Uint8Array(th * tw * channels);
  resizeInto(cur, th, tw, options.interpolation, dest);
  return dest;
}

/** Everything needed to turn an image file's bytes into a model input. */
export interface ImageJob extends PrepareOptions {
  /** Largest width * height decoded. */
  maxPixels: number;
}

/**
 * Decodes `bytes` and shapes the pixels for the model (the work of one decoding worker, in Node's
 * worker threads or a page's Web Workers).
 * @throws DataError naming `name` for a file that is not a readable image or is above the limit
 */
export async function decodeAndPrepare(bytes: Uint8Array, name: string, job: ImageJob, out?: Uint8Array): Promise<Uint8Array> {
  const raw = await decodeImage(bytes, { maxPixels: job.maxPixels, name });
  return prepareImage(raw, job, out);
}
