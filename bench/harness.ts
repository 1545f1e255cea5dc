/**
 * What the side-by-side benchmarks share (bench/compare.ts, bench/compare-models.ts): one
 * measurement per process, read from its last JSON line; the Python with PyTorch, if any; medians;
 * and an atomic write of the results file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A measurement's last line, as the engine scripts print it. */
export interface Result {
  engine: string;
  threads?: number;
  mode?: 'train' | 'predict';
  batch: number;
  imagesPerSecond: number;
  peakRssMB: number;
}

/** Command-line options `--name value`. */
export function options(args: readonly string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
}

/** Runs `cmd argv` and parses its last stdout line; null (with the command's last error lines printed) when it fails. */
export function runJson(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env, timeoutS = 600): Result | null {
  const r = spawnSync(cmd, argv, { env, encoding: 'utf8', timeout: timeoutS * 1000 });
  const line = r.stdout?.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    console.error(`  ${cmd} ${argv.join(' ')} failed: ${(r.stderr || r.error?.message || 'no output').trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
}

/** A python3 that imports torch, or null. */
export function findPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  return null;
}

/** PyTorch's best configuration measured here: huge pages for its allocations (the peers set 2 threads and channels_last). */
export const TORCH_ENV: NodeJS.ProcessEnv = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

export const NO_TORCH = "PyTorch not measured: 'python3 -c \"import torch\"' fails (Debian: apt-get install python3-torch)";

export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Writes `value` as JSON to `file` through a temporary file and a rename. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, file);
}
