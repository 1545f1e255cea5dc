/**
 * Shared pieces of the `cnnkit` command: colour that honours NO_COLOR, argument parsers, atomic
 * file writes, progress lines, and one-line error messages.
 */
import { InvalidArgumentError } from 'commander';
import stringWidth from 'string-width';

/** Where the command writes and what the terminal can do. */
export interface Io {
  /** Writes to stdout. */
  out(s: string): void;
  /** Writes to stderr. */
  err(s: string): void;
  /** stdout is a terminal (progress redraws in place). */
  isTTY: boolean;
  /** Colour is allowed: a terminal, and NO_COLOR unset. */
  color: boolean;
  env: Record<string, string | undefined>;
  /** Terminal width in columns (80 when unknown). */
  columns: number;
}

/** The process's own stdout/stderr and environment. */
export function processIo(): Io {
  const env = process.env;
  const isTTY = !!process.stdout.isTTY;
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    isTTY,
    color: isTTY && (env.NO_COLOR === undefined || env.NO_COLOR === ''),
    env,
    columns: process.stdout.columns || 80,
  };
}

/** Text styles; each is the identity when colour is off. */
export function styles(io: Io): { bold(s: string): string; dim(s: string): string; green(s: string): string; red(s: string): string } {
  const wrap = (open: number, close: number) => (s: string) => (io.color ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39) };
}

/** commander parser for a positive integer option. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected a positive integer.');
  }
  return n;
}

/** commander parser for a non-negative integer option (seeds). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}

export { writeFileAtomic } from '../util/node-fs.js';
export { thousands } from '../models/summary.js';


/**
 * A progress line for slow steps. On a terminal it redraws in place (at most ten times a second);
 * elsewhere it prints a line at each quarter so logs stay short.
 */
export class Progress {
  private lastDraw = 0;
  private lastQuarter = -1;
  private shown = false;
  private readonly start = performance.now();

  constructor(private readonly io: Io, private readonly label: string) {}

  /** Reports `done` of `total` units (`unit` 'B' formats bytes as MB). */
  update(done: number, total: number, unit = ''): void {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const amount = unit === 'B' ? `${(done / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB` : `${done}/${total}`;
    const text = `${this.label} ${String(Math.floor(frac * 100)).padStart(3)}% (${amount})`;
    if (this.io.isTTY) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && frac < 1) return;
      this.lastDraw = now;
      this.io.out(`\r${text}\x1b[K`);
      this.shown = true;
    } else {
      const q = Math.floor(frac * 4);
      if (q === this.lastQuarter) return;
      this.lastQuarter = q;
      this.io.out(`${text}\n`);
    }
  }

  /** Ends the line with the elapsed time. */
  done(note = ''): void {
    const secs = ((performance.now() - this.start) / 1000).toFixed(1);
    const text = `${this.label} done in ${secs}s${note ? ` ${note}` : ''}`;
    this.io.out(this.io.isTTY && this.shown ? `\r${text}\x1b[K\n` : `${text}\n`);
  }
}

/** The message of an error as one line (newlines folded), without a stack trace. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/** Formats seconds as `1h 02m 03s` / `2m 03s` / `4.2s`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.round(seconds % 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Aligns columns: numeric columns (numbers, or text like `12.5%`) and their headers to the right, text to the left. */
export function table(rows: readonly (readonly (string | number)[])[], header?: readonly string[]): string {
  const isNumeric = (v: string | number | undefined) => typeof v === 'number' || (typeof v === 'string' && /^-?[\d.,]+%?$/.test(v));
  const all = header ? [header, ...rows] : rows;
  const cols = Math.max(...all.map((r) => r.length));
  // Terminal columns, not UTF-16 units: Korean and other wide characters take two.
  const width = Array.from({ length: cols }, (_, c) => Math.max(...all.map((r) => stringWidth(String(r[c] ?? '')))));
  const numeric = width.map((_, c) => rows.length > 0 && rows.every((r) => isNumeric(r[c])));
  const fill = (v: string | number, c: number) => ' '.repeat(Math.max(0, width[c] - stringWidth(String(v))));
  const line = (r: readonly (string | number)[]) =>
    r.map((v, c) => (numeric[c] ? fill(v, c) + String(v) : String(v) + fill(v, c))).join('  ').trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, width.map((w) => '-'.repeat(w)).join('  '));
  return out.join('\n') + '\n';
}
