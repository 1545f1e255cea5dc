/**
 * GELU kernel benchmark (not a test): nanoseconds per element of the WASM backend's GELU and GELU'
 * (one thread, 4 M elements, the fastest of 7 calls), and their largest absolute difference from
 * the reference backend on 400,000 points in [-12, 12] (and the largest relative one where the
 * reference's value passes 1e-3), in the relaxed-SIMD and the baseline builds. To compare two
 * builds, run each one's dist/bench/gelu.js in turn.
 * usage: node dist/bench/gelu.js
 */
import { createWasmBackendSync } from '../src/backend/wasm/index.js';
import { ReferenceBackend } from '../src/backend/reference/index.js';
import type { Backend, Storage } from '../src/backend/backend.js';

type Kernel = (b: Backend, x: Storage, dy: Storage, out: Storage, n: number) => void;
const KERNELS: [string, Kernel][] = [
  ['gelu', (b, x, _dy, o, n) => b.unary('gelu', x, o, n)],
  ["gelu'", (b, x, dy, o, n) => b.unaryBackward('gelu', x, null, dy, o, n, false)],
];

function run(b: Backend, values: Float32Array, kernel: Kernel, reps: number): { out: Float32Array; ms: number } {
  const n = values.length;
  const x = b.alloc(n, 'float32'), dy = b.alloc(n, 'float32'), o = b.alloc(n, 'float32');
  b.write(x, values);
  b.write(dy, new Float32Array(n).fill(1));
  let ms = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    kernel(b, x, dy, o, n);
    ms = Math.min(ms, performance.now() - t);
  }
  return { out: b.readSync(o) as Float32Array, ms };
}

const big = Float32Array.from({ length: 1 << 22 }, (_, i) => Math.sin(i) * 3);
const grid = Float32Array.from({ length: 400000 }, (_, i) => -12 + (24 * i) / 399999);
const ref = new ReferenceBackend();
for (const variant of ['relaxed-simd', 'simd'] as const) {
  const be = createWasmBackendSync({ threads: 1, variant, memoryMB: 128 });
  for (const [name, kernel] of KERNELS) {
    const { ms } = run(be, big, kernel, 7);
    const got = run(be, grid, kernel, 1).out, want = run(ref, grid, kernel, 1).out;
    let err = 0, rel = 0;
    for (let i = 0; i < grid.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      err = Math.max(err, d);
      if (Math.abs(want[i]) > 1e-3) rel = Math.max(rel, d / Math.abs(want[i]));
    }
    console.log(JSON.stringify({ variant, kernel: name, nsPerElement: +((ms * 1e6) / big.length).toFixed(2), maxAbsError: err, maxRelErrorAbove1e3: +rel.toPrecision(2) }));
  }
  be.dispose();
}
