/**
 * Max-pooling kernel benchmark (not a test): milliseconds of the WASM backend's 2x2 stride-2 max
 * pooling, forward (plain, with winners, with winners under the ReLU mask) and backward (from x,
 * from the winners), and of a convolution stored then pooled against `conv2dMaxPool`, on the
 * tutorial's and the fast recipe's pooled shapes. Calls are interleaved (each kernel once, then the
 * next sample); the table gives the median of the samples, wall time, 2 threads by default.
 * usage: node dist/bench/pool.js [--samples 7] [--threads 2]
 */
import { createWasmBackendSync } from '../src/backend/wasm/index.js';
import { conv2dInfo, pool2dInfo } from '../src/backend/shape.js';
import type { Storage } from '../src/backend/backend.js';
import { median } from './harness.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const samples = Number(opt('samples', '7'));
const threads = Number(opt('threads', '2'));

/** Pooled convolutions (input sizes): the tutorial's two (batch 1000, as in its predict) and the recipe's first two (batch 1024). */
const SHAPES = [
  { name: 'tutorial conv1', batch: 1000, hw: 32, inC: 3, outC: 32, padding: 'valid' as const },
  { name: 'tutorial conv2', batch: 1000, hw: 15, inC: 32, outC: 64, padding: 'valid' as const },
  { name: 'recipe b1.conv1', batch: 1024, hw: 31, inC: 24, outC: 64, padding: 'same' as const },
  { name: 'recipe b2.conv1', batch: 1024, hw: 15, inC: 64, outC: 128, padding: 'same' as const },
];

const be = createWasmBackendSync({ threads, memoryMB: 3000, adaptive: false });
be.waitForWorkers();
const fill = (n: number): Storage => {
  const s = be.alloc(n), v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i * 0.37);
  be.write(s, v);
  return s;
};

console.log(`cnnkit WASM (${be.variant} build, ${threads} threads): milliseconds, median of ${samples} interleaved samples`);
console.log('| shape | maxPool | maxPoolArgmax | with ReLU mask | maxPoolBackward | maxPoolBackwardArgmax | conv2d then maxPoolArgmax | conv2dMaxPool |');
console.log('|---|---|---|---|---|---|---|---|');
for (const s of SHAPES) {
  // The pooled map is the convolution's output (hw is the convolution's input).
  const conv = conv2dInfo({ batch: s.batch, inH: s.hw, inW: s.hw, inC: s.inC, outC: s.outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: s.padding });
  const info = pool2dInfo({ batch: s.batch, inH: conv.outH, inW: conv.outW, channels: s.outC, kH: 2, kW: 2, strideH: 2, strideW: 2, padding: 'valid' });
  const n = s.batch * conv.outH * conv.outW * s.outC, pn = s.batch * info.outH * info.outW * s.outC;
  const x = fill(s.batch * conv.inH * conv.inW * s.inC), w = fill(9 * s.inC * s.outC), z = fill(n), dy = fill(pn);
  const y = be.alloc(pn), win = be.alloc(pn, 'bool'), dz = be.alloc(n);
  const kernels: [string, () => void][] = [
    ['maxPool', () => be.maxPool(z, y, info)],
    ['maxPoolArgmax', () => be.maxPoolArgmax(z, y, win, info, false)],
    ['mask', () => be.maxPoolArgmax(z, y, win, info, true)],
    ['maxPoolBackward', () => be.maxPoolBackward(z, dy, dz, info, false)],
    ['maxPoolBackwardArgmax', () => be.maxPoolBackwardArgmax(win, dy, dz, info, false)],
    ['stored', () => {
      be.conv2d(x, w, z, conv);
      be.maxPoolArgmax(z, y, win, info, false);
    }],
    ['conv2dMaxPool', () => be.conv2dMaxPool(x, w, y, win, conv, info)],
  ];
  const ms = kernels.map((): number[] => []);
  for (let r = 0; r < samples + 1; r++)
    kernels.forEach(([, f], k) => {
      const t = performance.now();
      f();
      if (r > 0) ms[k].push(performance.now() - t);
    });
  console.log(`| ${s.name} ${conv.outH}x${conv.outW}x${s.outC}, batch ${s.batch}${be.fusesConvPool(conv, info) ? ' (pooled in the Winograd pass)' : ''} | ${ms.map((m) => median(m).toFixed(2)).join(' | ')} |`);
  for (const st of [x, w, z, dy, y, win, dz]) be.free(st);
}
be.dispose();
