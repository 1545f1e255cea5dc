/**
 * A small preview of images in the terminal: 24-bit colour upper-half blocks, two image rows per
 * text line. Shown only where the terminal says it can (COLORTERM truecolor/24bit, a TTY) and
 * never when NO_COLOR is set.
 */

/** What decides whether a preview is shown. */
export interface TerminalInfo {
  env: Record<string, string | undefined>;
  isTTY: boolean;
}

/** True when the terminal can show 24-bit colour and colour is not turned off. */
export function supportsTrueColor(info: TerminalInfo): boolean {
  if (info.env.NO_COLOR !== undefined && info.env.NO_COLOR !== '') return false;
  if (!info.isTTY) return false;
  const ct = (info.env.COLORTERM ?? '').toLowerCase();
  return ct === 'truecolor' || ct === '24bit';
}

/** Options for {@link terminalPreview}. */
export interface PreviewOptions {
  /** Source image height, width, channels. Default 32x32x3. */
  imageShape?: readonly [number, number, number];
  /** Preview side in pixels (source is area-averaged down); even. Default: up to 16, to fit `columns`. */
  size?: number;
  /** Images per row. Default 5. */
  cols?: number;
  /** Caption under each image, cut to the cell width. */
  captions?: readonly string[];
  /** Terminal width; rows are narrowed to fit. Default 80. */
  columns?: number;
}

/** Area-averages image `index` of an NHWC batch down to `size x size` RGB. */
function downsample(images: Uint8Array, index: number, h: number, w: number, c: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const base = index * h * w * c;
  for (let oy = 0; oy < size; oy++) {
    const y0 = Math.floor((oy * h) / size), y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * h) / size));
    for (let ox = 0; ox < size; ox++) {
      const x0 = Math.floor((ox * w) / size), x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * w) / size));
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += images[base + (y * w + x) * c + (c === 3 ? k : 0)];
        out[(oy * size + ox) * 3 + k] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return out;
}

/**
 * Renders images as lines of ANSI 24-bit colour half blocks (`▀`: foreground = upper pixel,
 * background = lower pixel). Returns the text, ending in a newline; print it only when
 * {@link supportsTrueColor} says so.
 */
export function terminalPreview(images: Uint8Array, indices: readonly number[], options: PreviewOptions = {}): string {
  const [h, w, c] = options.imageShape ?? [32, 32, 3];
  const gap = 1;
  const columns = options.columns ?? 80;
  const want = Math.max(1, Math.min(options.cols ?? 5, indices.length));
  // Shrink the cells (down to 8 px) before dropping columns, so a row fits the terminal.
  let size = options.size ?? Math.max(8, Math.min(16, Math.floor((columns - (want - 1) * gap) / want)));
  size -= size % 2;
  const maxCols = Math.max(1, Math.floor((columns + gap) / (size + gap)));
  const cols = Math.min(want, maxCols);
  const pics = indices.map((i) => downsample(images, i, h, w, c, size));
  const lines: string[] = [];
  for (let r0 = 0; r0 < pics.length; r0 += cols) {
    const row = pics.slice(r0, r0 + cols);
    for (let y = 0; y < size; y += 2) {
      let line = '';
      row.forEach((p, k) => {
        if (k > 0) line += ' '.repeat(gap);
        for (let x = 0; x < size; x++) {
          const a = (y * size + x) * 3, b = ((y + 1) * size + x) * 3;
          line += `\x1b[38;2;${p[a]};${p[a + 1]};${p[a + 2]}m\x1b[48;2;${p[b]};${p[b + 1]};${p[b + 2]}m▀`;
        }
        line += '\x1b[0m';
      });
      lines.push(line);
    }
    if (options.captions) {
      lines.push(row.map((_, k) => (options.captions![r0 + k] ?? '').slice(0, size).padEnd(size)).join(' '.repeat(gap)).trimEnd());
    }
  }
  return lines.join('\n') + '\n';
}
