/** Light canvas drawings: line charts, the confusion matrix, image grids, heatmaps. */
import { sizeCanvas } from './dom.ts';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** Draw dots instead of a line (e.g. one point per epoch). */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  /** Written across an empty chart (no points yet). */
  empty: string;
  yMin?: number;
  yMax?: number;
  /** Formats y tick labels. */
  yFormat?: (v: number) => string;
  width?: number;
  height?: number;
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `range` into at most `most` intervals. */
function niceStep(range: number, most = 6): number {
  const base = 10 ** Math.floor(Math.log10(range / most));
  for (const m of [1, 2, 2.5, 5]) if (range / (m * base) <= most) return m * base;
  return 10 * base;
}

/** Draws a line chart of the series; records the number of points in `data-points`. */
export function lineChart(canvas: HTMLCanvasElement, series: Series[], o: ChartOptions): void {
  const W = o.width ?? 440, H = o.height ?? 240;
  const ctx = sizeCanvas(canvas, W, H);
  const m = { l: 46, r: 12, t: 40, b: 40 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const all = series.flatMap((s) => s.points);
  canvas.dataset.points = String(all.length);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yMin = o.yMin ?? 0;
  const yMax = o.yMax ?? niceMax(Math.max(...all.map((p) => p[1]), 1e-6));
  const X = (x: number) => m.l + (x / xMax) * pw;
  const Y = (y: number) => m.t + ph - ((y - yMin) / (yMax - yMin)) * ph;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.fillText(o.title, m.l, 16);
  ctx.strokeStyle = '#e3e3e3';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#555';
  if (all.length === 0) {
    // No axis numbers for no data: just the frame and what will appear there.
    ctx.strokeStyle = '#888';
    ctx.strokeRect(m.l, m.t, pw, ph);
    ctx.textAlign = 'center';
    ctx.fillText(o.empty, m.l + pw / 2, m.t + ph / 2 + 4);
    legend(ctx, series, m.l);
    canvas.dataset.yTicks = '';
    return;
  }
  ctx.textAlign = 'right';
  const range = yMax - yMin;
  const yStep = niceStep(range);
  const ticks: string[] = [];
  for (let i = 0; i * yStep <= range + 1e-9; i++) {
    const v = yMin + i * yStep;
    const y = Y(v);
    ctx.beginPath();
    ctx.moveTo(m.l, y);
    ctx.lineTo(m.l + pw, y);
    ctx.stroke();
    const label = (o.yFormat ?? ((t: number) => String(Number(t.toFixed(3)))))(v);
    ticks.push(label);
    ctx.fillText(label, m.l - 6, y + 4);
  }
  // What the axis says, for tests and for anyone reading the page's markup.
  canvas.dataset.yTicks = ticks.join(' ');
  ctx.textAlign = 'center';
  let xStep = 1;
  for (let k = 1; xMax / xStep > 6; k++) xStep = [1, 2, 5][k % 3] * 10 ** Math.floor(k / 3); // 1, 2, 5, 10, 20, ...
  for (let x = 0; x <= xMax + 1e-9; x += xStep) ctx.fillText(String(x), X(x), m.t + ph + 16);
  ctx.fillText(o.xLabel, m.l + pw / 2, H - 6);
  ctx.strokeStyle = '#888';
  ctx.strokeRect(m.l, m.t, pw, ph);
  legend(ctx, series, m.l);
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = 2;
    if (s.dots) {
      for (const [x, y] of s.points) {
        ctx.beginPath();
        ctx.arc(X(x), Y(y), 4, 0, Math.PI * 2);
        ctx.fill();
      }
      continue;
    }
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
  }
}

/** The series' names and marks, in a row under the title. */
function legend(ctx: CanvasRenderingContext2D, series: Series[], left: number): void {
  let lx = left;
  ctx.textAlign = 'left';
  for (const s of series) {
    ctx.fillStyle = s.color;
    if (s.dots) {
      ctx.beginPath();
      ctx.arc(lx + 5, 28, 4, 0, Math.PI * 2);
      ctx.fill();
    } else ctx.fillRect(lx, 27, 12, 3);
    ctx.fillStyle = '#333';
    ctx.fillText(s.name, lx + 16, 32);
    lx += ctx.measureText(s.name).width + 30;
  }
}

/** Draws square `size` x `size` RGB images (NHWC bytes) as a captioned grid of `cols` columns, each `side` pixels wide. */
export function imageGrid(canvas: HTMLCanvasElement, images: Uint8Array, indices: number[], captions: string[], cols: number, side = 96, size = 32): void {
  const capH = 18, gap = 8;
  const rows = Math.ceil(indices.length / cols);
  const W = cols * (side + gap) - gap, H = rows * (side + capH + gap) - gap;
  const ctx = sizeCanvas(canvas, W, H);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.imageSmoothingEnabled = false;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  indices.forEach((idx, i) => {
    const x = (i % cols) * (side + gap), y = Math.floor(i / cols) * (side + capH + gap);
    ctx.drawImage(rgbBitmap(images, idx, size), x, y, side, side);
    ctx.fillStyle = '#222';
    ctx.fillText(captions[i], x + side / 2, y + side + 13, side + gap - 2);
  });
  canvas.dataset.images = String(indices.length);
}

/** One square NHWC image (32x32 unless told) as a canvas. */
export function rgbBitmap(images: Uint8Array, index: number, size = 32): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = size;
  c.height = size;
  const ctx = c.getContext('2d') as CanvasRenderingContext2D;
  const img = ctx.createImageData(size, size);
  const off = index * size * size * 3;
  for (let p = 0; p < size * size; p++) {
    img.data[4 * p] = images[off + 3 * p];
    img.data[4 * p + 1] = images[off + 3 * p + 1];
    img.data[4 * p + 2] = images[off + 3 * p + 2];
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/** A 10x10 confusion matrix: rows true class, columns predicted, shade by row share. */
export function confusionChart(canvas: HTMLCanvasElement, matrix: number[][], names: string[], axes: string): void {
  // Room for the longest class name (a visitor's own names can be long) and for the axes' caption.
  const probe = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
  probe.font = '11px system-ui, sans-serif';
  const longest = Math.min(160, Math.max(0, ...names.map((t) => probe.measureText(t).width)));
  const n = names.length, cell = 34, left = Math.max(84, longest + 12), top = Math.max(84, longest * 0.87 + 20);
  const W = Math.max(left + n * cell + 8, probe.measureText(axes).width + 8), H = top + n * cell + 8;
  const ctx = sizeCanvas(canvas, W, H);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '11px system-ui, sans-serif';
  for (let r = 0; r < n; r++) {
    const rowSum = matrix[r].reduce((a, b) => a + b, 0) || 1;
    for (let c = 0; c < n; c++) {
      const share = matrix[r][c] / rowSum;
      const x = left + c * cell, y = top + r * cell;
      ctx.fillStyle = r === c ? `rgba(30, 110, 200, ${0.08 + 0.92 * share})` : `rgba(210, 70, 40, ${share * 1.6})`;
      ctx.fillRect(x, y, cell - 1, cell - 1);
      ctx.fillStyle = share > 0.5 ? '#fff' : '#222';
      ctx.textAlign = 'center';
      ctx.fillText(String(matrix[r][c]), x + cell / 2, y + cell / 2 + 4);
    }
    ctx.fillStyle = '#222';
    ctx.textAlign = 'right';
    ctx.fillText(names[r], left - 6, top + r * cell + cell / 2 + 4);
  }
  for (let c = 0; c < n; c++) {
    ctx.save();
    ctx.translate(left + c * cell + cell / 2 + 4, top - 6);
    ctx.rotate(-Math.PI / 3);
    ctx.textAlign = 'left';
    ctx.fillText(names[c], 0, 0);
    ctx.restore();
  }
  ctx.textAlign = 'left';
  ctx.fillStyle = '#555';
  ctx.fillText(axes, 4, 14);
}

/** The heat maps' colours from low to high (a perceptual dark-blue → yellow ramp). */
export const RAMP: readonly [number, number, number][] = [[13, 8, 135], [126, 3, 168], [204, 71, 120], [248, 149, 64], [240, 249, 33]];

/** The ramp as a CSS gradient, for the legend. */
export function rampCss(): string {
  return `linear-gradient(to right, ${RAMP.map((c, i) => `rgb(${c.join(' ')}) ${(100 * i) / (RAMP.length - 1)}%`).join(', ')})`;
}

/** Maps 0..1 to the ramp. */
function ramp(t: number): [number, number, number] {
  const stops = RAMP;
  const x = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(x), f = x - i;
  const a = stops[i], b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The ramp in 256 steps, RGB, so that colouring a pixel is a table lookup. */
const RAMP_TABLE = (() => {
  const t = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) t.set(ramp(i / 255), 3 * i);
  return t;
})();

/**
 * A grid of `count` small w x h pictures on `canvas`, `cols` per row, each scaled to `tile` pixels
 * without smoothing. `fill(i, rgba, stride, offset)` writes picture i's RGBA pixels into one shared
 * sheet (row stride `stride` bytes, first pixel at `offset`); the sheet is put once and each picture
 * drawn from it, so that a few hundred pictures cost a few milliseconds.
 */
function tileSheet(canvas: HTMLCanvasElement, count: number, cols: number, tile: number, gap: number, w: number, h: number,
  fill: (i: number, rgba: Uint8ClampedArray, stride: number, offset: number) => void): void {
  const rows = Math.ceil(count / cols);
  const W = cols * (tile + gap) - gap, H = rows * (tile + gap) - gap;
  const ctx = sizeCanvas(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  ctx.imageSmoothingEnabled = false;
  const sheet = document.createElement('canvas');
  sheet.width = cols * w;
  sheet.height = rows * h;
  const sctx = sheet.getContext('2d') as CanvasRenderingContext2D;
  const img = sctx.createImageData(sheet.width, sheet.height);
  const stride = 4 * sheet.width;
  for (let i = 0; i < count; i++) fill(i, img.data, stride, Math.floor(i / cols) * h * stride + (i % cols) * w * 4);
  sctx.putImageData(img, 0, 0);
  for (let i = 0; i < count; i++) {
    const c = i % cols, r = Math.floor(i / cols);
    ctx.drawImage(sheet, c * w, r * h, w, h, c * (tile + gap), r * (tile + gap), tile, tile);
  }
}

/**
 * Tiles the channels of an [h, w, channels] activation as heatmaps, each normalised to its own
 * range, `cols` per row.
 */
export function heatmaps(canvas: HTMLCanvasElement, data: Float32Array, h: number, w: number, channels: number, cols: number, tile: number): void {
  tileSheet(canvas, channels, cols, tile, 3, w, h, (ch, rgba, stride, offset) => {
    let lo = Infinity, hi = -Infinity;
    for (let p = ch; p < data.length; p += channels) {
      const v = data[p];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const k = 3 * Math.round((data[(y * w + x) * channels + ch] - lo) * scale);
        const o = offset + y * stride + 4 * x;
        rgba[o] = RAMP_TABLE[k];
        rgba[o + 1] = RAMP_TABLE[k + 1];
        rgba[o + 2] = RAMP_TABLE[k + 2];
        rgba[o + 3] = 255;
      }
    }
  });
  canvas.dataset.maps = String(channels);
}

/** Draws conv kernels [kh, kw, 3, filters] as small RGB pictures, normalised over all filters. */
export function filterImages(canvas: HTMLCanvasElement, kernel: Float32Array, kh: number, kw: number, inC: number, filters: number, cols: number, tile: number): void {
  let lo = Infinity, hi = -Infinity;
  for (const v of kernel) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  tileSheet(canvas, filters, cols, tile, 4, kw, kh, (f, rgba, stride, offset) => {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const o = offset + i * stride + 4 * j;
        for (let c = 0; c < 3; c++) {
          const v = kernel[((i * kw + j) * inC + Math.min(c, inC - 1)) * filters + f];
          rgba[o + c] = hi > lo ? Math.round((255 * (v - lo)) / (hi - lo)) : 128;
        }
        rgba[o + 3] = 255;
      }
    }
  });
  canvas.dataset.filters = String(filters);
}
