/**
 * Image grids with captions: the tutorial's 5x5 sample of training images and the gallery of
 * misclassified test images. Images are pasted pixel-exact (integer nearest-neighbour scaling);
 * caption text is rendered by resvg with the bundled font and composited underneath each image.
 */
import { ValueError, check } from '../errors.js';
import { Canvas, parseHex } from './canvas.js';
import { escapeXml, renderSvg } from './render.js';

/** One caption line: plain text (dark grey) or text with a `#rrggbb` colour. */
export type CaptionLine = string | { text: string; color: string };
/** A caption: one line or several. */
export type Caption = CaptionLine | readonly CaptionLine[];

/** Options for {@link imageGrid}. */
export interface GridOptions {
  /** Image height, width and channels (1 or 3). Default 32x32x3 (CIFAR-10). */
  imageShape?: readonly [number, number, number];
  /** Each source pixel becomes `scale x scale` output pixels. Default 4. */
  scale?: number;
  /** Caption font size in output pixels. Default 14. */
  fontSize?: number;
  /** Space around and between cells, in pixels. Default 10. */
  padding?: number;
  /** Optional title drawn above the grid. */
  title?: string;
}

/** Where one image landed in the grid. */
export interface GridCell {
  /** Position in `indices`. */
  slot: number;
  /** Index of the image in the batch. */
  index: number;
  /** Top-left corner of the pasted image. */
  x: number;
  y: number;
  /** Pasted size in pixels (image side times scale). */
  width: number;
  height: number;
}

/** The grid as PNG plus its layout. */
export interface GridImage {
  png: Uint8Array;
  width: number;
  height: number;
  /** The rendered canvas (RGB pixels, for previews and tests). */
  canvas: Canvas;
  cells: GridCell[];
}

const TEXT = '#222222';

function lines(c: Caption | undefined): { text: string; color: string }[] {
  if (c === undefined) return [];
  const arr = (Array.isArray(c) ? c : [c]) as CaptionLine[];
  return arr.map((l) => (typeof l === 'string' ? { text: l, color: TEXT } : l));
}

/**
 * Draws images from an NHWC uint8 batch in a grid of `cols` columns, with a caption under each.
 *
 * @param images NHWC uint8 pixels, e.g. `count * 32 * 32 * 3` bytes.
 * @param indices Which images to draw, in order (row-major through the grid).
 * @param captions One caption per entry of `indices` (e.g. the class name); may be shorter.
 * @param cols Number of columns (default 5, like the tutorial).
 */
export async function imageGrid(
  images: Uint8Array,
  indices: readonly number[],
  captions: readonly Caption[] = [],
  cols = 5,
  options: GridOptions = {},
): Promise<GridImage> {
  const [ih, iw, ch] = options.imageShape ?? [32, 32, 3];
  const scale = options.scale ?? 4;
  const fontSize = options.fontSize ?? 14;
  const pad = options.padding ?? 10;
  check(indices.length > 0, 'imageGrid', 'indices must name at least one image', { count: indices.length });
  check(Number.isInteger(cols) && cols > 0, 'imageGrid', 'cols must be a positive integer', { cols });
  check(Number.isInteger(scale) && scale > 0, 'imageGrid', 'scale must be a positive integer', { scale });
  const count = Math.floor(images.length / (ih * iw * ch));
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new ValueError(`imageGrid: image index out of range [0, ${count}). Received index=${i}`);
    }
  }

  const caps = indices.map((_, k) => lines(captions[k]));
  const maxLines = Math.max(0, ...caps.map((c) => c.length));
  const maxChars = Math.max(0, ...caps.flat().map((l) => l.text.length));
  const lineH = Math.ceil(fontSize * 1.3);
  const imgW = iw * scale, imgH = ih * scale;
  // DejaVu Sans averages about 0.6 em a character; widen cells so captions never collide.
  const cellW = Math.max(imgW, Math.ceil(maxChars * fontSize * 0.62));
  const cellH = imgH + (maxLines > 0 ? 4 + maxLines * lineH : 0);
  const rows = Math.ceil(indices.length / cols);
  const usedCols = Math.min(cols, indices.length);
  const titleH = options.title ? Math.ceil(fontSize * 1.3 * 1.6) : 0;
  const width = pad + usedCols * (cellW + pad);
  const height = pad + titleH + rows * (cellH + pad);

  const canvas = new Canvas(width, height);
  const cells: GridCell[] = [];
  const texts: string[] = [];
  if (options.title) {
    texts.push(`<text x="${width / 2}" y="${pad + fontSize * 1.3}" font-size="${Math.round(fontSize * 1.3)}" ` +
      `font-weight="bold" text-anchor="middle" fill="${TEXT}">${escapeXml(options.title)}</text>`);
  }
  indices.forEach((index, slot) => {
    const col = slot % cols, row = Math.floor(slot / cols);
    const cx = pad + col * (cellW + pad);
    const cy = pad + titleH + row * (cellH + pad);
    const x = cx + Math.floor((cellW - imgW) / 2);
    canvas.drawImage(images, index, ih, iw, ch, x, cy, scale);
    cells.push({ slot, index, x, y: cy, width: imgW, height: imgH });
    caps[slot].forEach((l, k) => {
      parseHex(l.color); // validates the colour
      texts.push(`<text x="${cx + cellW / 2}" y="${cy + imgH + 4 + (k + 1) * lineH - Math.round(lineH * 0.25)}" ` +
        `font-size="${fontSize}" text-anchor="middle" fill="${l.color}">${escapeXml(l.text)}</text>`);
    });
  });

  if (texts.length > 0) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="sans-serif">${texts.join('')}</svg>`;
    const layer = await renderSvg(svg);
    canvas.composite(layer.pixels);
  }
  return { png: canvas.toPng(), width, height, canvas, cells };
}

/**
 * Picks `n` images for a sample grid: the first `n` (like the tutorial), or, with `perClass`,
 * round-robin over classes so every class shows up.
 */
export function sampleIndices(labels: Uint8Array | Int32Array, n: number, perClass = false): number[] {
  const total = Math.min(n, labels.length);
  if (!perClass) return Array.from({ length: total }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => {
    const list = byClass.get(l) ?? [];
    list.push(i);
    byClass.set(l, list);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 0; out.length < total; k++) {
    for (const c of classes) {
      const list = byClass.get(c)!;
      if (k < list.length && out.length < total) out.push(list[k]);
    }
  }
  return out;
}
