/**
 * The Keras progress line: `1563/1563 [==============================] - 12s 8ms/step - loss: ...`.
 * On a terminal it is redrawn in place; elsewhere one line is printed per epoch.
 */
import type { Logs } from './callbacks.js';

interface Out {
  write(s: string): void;
  isTTY: boolean;
}

function stdout(): Out {
  const proc = (globalThis as { process?: { stdout?: { write(s: string): boolean; isTTY?: boolean } } }).process;
  if (proc?.stdout) return { write: (s) => void proc.stdout?.write(s), isTTY: !!proc.stdout.isTTY };
  let line = '';
  return {
    // Browsers have no carriage return: collect until a newline, then log.
    write: (s) => {
      line += s;
      const parts = line.split('\n');
      line = parts.pop() ?? '';
      for (const p of parts) console.log(p.replace(/^.*\r/, ''));
    },
    isTTY: false,
  };
}

export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${v.toFixed(4)}`)
    .join('');
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  return `${Math.round(seconds)}s`;
}

export class ProgressBar {
  private readonly out: Out;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly verbose: number,
    out?: Out,
    /** When the epoch started (performance.now()); default now. */
    readonly startedAt = performance.now(),
  ) {
    this.out = out ?? stdout();
  }

  static epochHeader(epoch: number, epochs: number, verbose: number, out?: Out): void {
    if (verbose > 0) (out ?? stdout()).write(`Epoch ${epoch + 1}/${epochs}\n`);
  }

  private bar(done: number): string {
    const width = 30;
    const filled = Math.floor((width * done) / this.total);
    if (done >= this.total) return '='.repeat(width);
    return `${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? '>' : '>'}${'.'.repeat(width - Math.max(filled, 1))}`;
  }

  /** Whether `update(done, ...)` would redraw now (so the caller reads the logs only then). */
  wantsUpdate(done: number): boolean {
    return this.verbose === 1 && this.out.isTTY && (performance.now() - this.lastDraw >= 100 || done >= this.total);
  }

  /** Redraws the in-place line (terminals only, at most every 100 ms). */
  update(done: number, logs: Logs): void {
    if (!this.wantsUpdate(done)) return;
    const now = performance.now();
    this.lastDraw = now;
    const elapsed = (now - this.startedAt) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    const w = String(this.total).length;
    this.out.write(`\r${String(done).padStart(w)}/${this.total} [${this.bar(done)}] - ETA: ${formatDuration(eta)}${formatLogs(logs)}\x1b[K`);
  }

  /** Prints the final line of the epoch. */
  finish(logs: Logs): string {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const perStep = (elapsed * 1000) / Math.max(this.total, 1);
    const line = `${this.total}/${this.total} [${this.bar(this.total)}] - ${formatDuration(elapsed)} ${Math.round(perStep)}ms/step${formatLogs(logs)}`;
    if (this.verbose === 1) this.out.write(`${this.out.isTTY ? '\r' : ''}${line}${this.out.isTTY ? '\x1b[K' : ''}\n`);
    else if (this.verbose === 2) this.out.write(`${line}\n`);
    return line;
  }
}
