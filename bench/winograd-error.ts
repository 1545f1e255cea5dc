/**
 * Rounding error of the WASM convolutions (im2col + GEMM, Winograd F(m x m, 3x3), m = 2, 3, 4, 7, 8)
 * against float64 direct convolution, on the 3x3 stride-1 layers of the fast recipe and of a
 * ResNet (bench/conv-shape-list.ts), for forward, input gradient and filter gradient, in both
 * kernel builds. Not a test: it prints max |err| / max |exact| and RMS(err) / RMS(exact) per
 * shape, and the worst of each over all shapes (the bounds the Winograd parity tests are set from).
 *
 * Data as in training: x = ReLU of uniform [-1, 1) (activations), w uniform with He-uniform
 * scale, dy uniform [-1, 1).
 *
 * usage: node dist/bench/winograd-error.js [--images 4] [--seed 1]
 */
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo } from '../src/backend/shape.js';
import type { Conv2DInfo } from '../src/backend/backend.js';
import { Random } from '../src/tensor/random.js';
import { CONV_SHAPES } from './conv-shape-list.js';
import { conv2d64, conv2dBackpropFilter64, conv2dBackpropInput64, relativeError } from '../test/helpers/conv64.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const images = Number(opt('images', '4'));
const rng = new Random(Number(opt('seed', '1')));

type Path = 'im2col' | 'F2' | 'F3' | 'F4' | 'F7' | 'F8';
const PATHS: Path[] = ['im2col', 'F2', 'F3', 'F4', 'F7', 'F8'];
const OPS = ['forward', 'input', 'filter'] as const;

function uniform(n: number, lo: number, hi: number, relu = false): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * rng.uniform();
    a[i] = relu ? Math.max(0, v) : v;
  }
  return a;
}

function run(be: WasmBackend, info: Conv2DInfo, x: Float32Array, w: Float32Array, dy: Float32Array): Float32Array[] {
  const put = (a: Float32Array) => {
    const s = be.alloc(a.length);
    be.write(s, a);
    return s;
  };
  const xs = put(x), ws = put(w), dys = put(dy), y = be.alloc(dy.length), dx = be.alloc(x.length), dw = be.alloc(w.length);
  be.conv2d(xs, ws, y, info);
  be.conv2dBackpropInput(dys, ws, dx, info, false);
  be.conv2dBackpropFilter(xs, dys, dw, info, false);
  const out = [y, dx, dw].map((s) => Float32Array.from(be.readSync(s) as Float32Array));
  for (const s of [xs, ws, dys, y, dx, dw]) be.free(s);
  return out;
}

const worst: Record<string, { max: number; rms: number }> = {};
const shapes = CONV_SHAPES.filter((s) => s.k === 3 && s.stride === 1 && s.inC % 4 === 0);
for (const variant of ['relaxed-simd', 'simd'] as const) {
  const engines: Record<Path, WasmBackend> = {
    im2col: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winograd: false }),
    F2: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winogradTile: 2 }),
    F3: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winogradTile: 3 }),
    F4: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winogradTile: 4 }),
    F7: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winogradTile: 7 }),
    F8: createWasmBackendSync({ threads: 1, memoryMB: 256, variant, winogradTile: 8 }),
  };
  console.log(`\n${variant} build: error against float64 direct convolution, ${images} images (max |err| / max |exact|, RMS err / RMS exact)`);
  console.log('| layer | map | channels | op | im2col max | F(2x2) max | F(3x3) max | F(4x4) max | F(7x7) max | F(8x8) max | im2col rms | F(2x2) rms | F(3x3) rms | F(4x4) rms | F(7x7) rms | F(8x8) rms |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of shapes) {
    const info = conv2dInfo({ batch: images, inH: s.h, inW: s.w, inC: s.inC, outC: s.outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: s.padding });
    const scale = Math.sqrt(6 / (9 * s.inC));
    const x = uniform(images * s.h * s.w * s.inC, -1, 1, true), w = uniform(9 * s.inC * s.outC, -scale, scale);
    const dy = uniform(images * info.outH * info.outW * s.outC, -1, 1);
    const exact = [conv2d64(x, w, info), conv2dBackpropInput64(dy, w, info), conv2dBackpropFilter64(x, dy, info)];
    const errs = PATHS.map((p) => run(engines[p], info, x, w, dy).map((got, k) => relativeError(got, exact[k])));
    OPS.forEach((op, k) => {
      const e = PATHS.map((_, j) => errs[j][k]);
      console.log(`| ${s.set} ${s.name} | ${s.h}x${s.w} | ${s.inC}->${s.outC} | ${op} | ${e.map((v) => v.max.toExponential(1)).join(' | ')} | ${e.map((v) => v.rms.toExponential(1)).join(' | ')} |`);
      PATHS.forEach((p, j) => {
        const key = `${variant} ${p} ${op}`;
        const prev = worst[key] ?? { max: 0, rms: 0 };
        worst[key] = { max: Math.max(prev.max, e[j].max), rms: Math.max(prev.rms, e[j].rms) };
      });
    });
  }
  for (const be of Object.values(engines)) be.dispose();
}
console.log('\nWorst over the shapes (max |err| / max |exact|; RMS ratio):');
for (const [k, v] of Object.entries(worst)) console.log(`  ${k.padEnd(28)} ${v.max.toExponential(2)}  ${v.rms.toExponential(2)}`);
