/**
 * A minimal RGBA raster: fill rectangles, paste NHWC uint8 images at an integer scale, composite
 * another RGBA layer over it, and encode the result as PNG (pngjs).
 */
import { PNG } from 'pngjs';
import { ShapeError, ValueError, check } from '../errors.js';

/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];

/** Parses `#rrggbb` (or `#rgb`) into an RGB triple. */
export function parseHex(color: string): Rgb {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (!m) throw new ValueError(`parseHex: expected a colour like '#1f77b4'. Received color='${color}'`);
  let hex = m[1];
  if (hex.length === 3) hex = hex.replace(/./g, (c) => c + c);
  const n = parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** An RGBA image held in memory, row-major, 4 bytes a pixel. */
export class Canvas {
  /** RGBA bytes, `width * height * 4`. */
  readonly data: Uint8Array;

  /** Creates a canvas filled with `background` (opaque). */
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    check(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0, 'Canvas',
      'width and height must be positive integers', { width, height });
    this.data = new Uint8Array(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Fills a rectangle (clipped to the canvas) with an opaque colour. */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, x), y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + w), y1 = Math.min(this.height, y + h);
    for (let yy = y0; yy < y1; yy++) {
      let o = (yy * this.width + x0) * 4;
      for (let xx = x0; xx < x1; xx++, o += 4) {
        this.data[o] = color[0];
        this.data[o + 1] = color[1];
        this.data[o + 2] = color[2];
        this.data[o + 3] = 255;
      }
    }
  }

  /**
   * Pastes image `index` of an NHWC uint8 batch (`height x width x channels`, 1 or 3 channels)
   * with its top-left corner at (x, y), each source pixel drawn as a `scale x scale` block.
   */
  drawImage(images: Uint8Array, index: number, imgH: number, imgW: number, channels: number,
    x: number, y: number, scale = 1): void {
    check(channels === 1 || channels === 3, 'Canvas.drawImage', 'channels must be 1 or 3', { channels });
    const size = imgH * imgW * channels;
    if ((index + 1) * size > images.length || index < 0) {
      throw new ShapeError(`Canvas.drawImage: image ${index} is outside the batch of ` +
        `${Math.floor(images.length / size)} images of ${imgH}x${imgW}x${channels}`);
    }
    const base = index * size;
    for (let r = 0; r < imgH; r++) {
      for (let c = 0; c < imgW; c++) {
        const s = base + (r * imgW + c) * channels;
        const rgb: Rgb = channels === 3 ? [images[s], images[s + 1], images[s + 2]] : [images[s], images[s], images[s]];
        this.fillRect(x + c * scale, y + r * scale, scale, scale, rgb);
      }
    }
  }

  /** Composites an RGBA layer (same size as the canvas, straight alpha) over the canvas. */
  composite(layer: Uint8Array): void {
    if (layer.length !== this.data.length) {
      throw new ShapeError(`Canvas.composite: layer has ${layer.length} bytes, expected ${this.data.length}`);
    }
    const d = this.data;
    for (let o = 0; o < d.length; o += 4) {
      const a = layer[o + 3];
      if (a === 0) continue;
      const t = a / 255;
      d[o] = Math.round(layer[o] * t + d[o] * (1 - t));
      d[o + 1] = Math.round(layer[o + 1] * t + d[o + 1] * (1 - t));
      d[o + 2] = Math.round(layer[o + 2] * t + d[o + 2] * (1 - t));
    }
  }

  /** Reads the RGB colour at (x, y). */
  pixel(x: number, y: number): Rgb {
    const o = (y * this.width + x) * 4;
    return [this.data[o], this.data[o + 1], this.data[o + 2]];
  }

  /** Encodes the canvas as an RGB PNG. */
  toPng(): Buffer {
    return encodePng(this.data, this.width, this.height);
  }
}

/** Encodes RGBA pixels as a PNG file (RGB colour type; alpha is dropped). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new ShapeError(`encodePng: expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputHasAlpha: true });
}

/** Width and height from a PNG's IHDR chunk, or null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) return null;
  if (String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) !== 'IHDR') return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}
