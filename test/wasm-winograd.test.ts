/**
 * The WASM convolution algorithms for 3x3 stride-1 layers (im2col + GEMM, Winograd F(2x2, 3x3),
 * F(3x3, 3x3), F(4x4, 3x3), F(7x7, 3x3) and F(8x8, 3x3)): each one's own rounding error against float64 direct convolution, in both
 * kernel builds; bit-identical results for 1 and 2 threads on shapes that split into many tasks;
 * and the choice of algorithm per shape. (Parity with the reference backend on odd shapes is in
 * wasm-kernels.test.ts.)
 *
 * Error bounds, as max |err| / max |exact| and RMS(err) / RMS(exact), set from
 * bench/winograd-error.ts on the fast recipe's and a ResNet's layers (4 images, up to 256
 * channels, both builds), whose worst cases were: im2col 1.4e-6 and 5.7e-7, F(2x2) 6.1e-7 and
 * 5.1e-7, F(4x4) 9.8e-6 and 3.4e-6 (its interpolation points ±2 scale some products up to 64x
 * in the output transform), F(8x8) 1.3e-4 and 5.0e-5 (nine points, up to 2⁷ = 128 in the output
 * transform), F(7x7) 1.2e-4 and 3.5e-5 (F(8x8)'s points less 0; 2 images). The bounds below leave
 * about 2x over those.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseConvAlgorithm, createWasmBackendSync, filterGradientTile, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo, type Padding } from '../src/backend/shape.js';
import type { Conv2DInfo, Storage } from '../src/backend/backend.js';
import { Random } from '../src/tensor/random.js';
import { conv2d64, conv2dBackpropFilter64, conv2dBackpropInput64, relativeError } from './helpers/conv64.js';

const VARIANT = process.env.CNNKIT_WASM_VARIANT as 'simd' | 'relaxed-simd' | undefined;
const variants: ('simd' | 'relaxed-simd')[] = VARIANT ? [VARIANT] : ['simd', 'relaxed-simd'];
if (!VARIANT) {
  const probe = createWasmBackendSync({ threads: 1, memoryMB: 1 });
  if (probe.variant !== 'relaxed-simd') variants.pop();
  probe.dispose();
}

type Path = 'im2col' | 'F(2x2)' | 'F(3x3)' | 'F(4x4)' | 'F(7x7)' | 'F(8x8)';
const OPTIONS: Record<Path, { winograd?: boolean; winogradTile?: 2 | 3 | 4 | 7 | 8 }> = {
  'im2col': { winograd: false }, 'F(2x2)': { winogradTile: 2 }, 'F(3x3)': { winogradTile: 3 }, 'F(4x4)': { winogradTile: 4 }, 'F(7x7)': { winogradTile: 7 }, 'F(8x8)': { winogradTile: 8 },
};
/** [max, rms] bounds per algorithm. */
const BOUNDS: Record<Path, [number, number]> = { 'im2col': [3e-6, 1.2e-6], 'F(2x2)': [1.5e-6, 1.2e-6], 'F(3x3)': [4e-6, 2.5e-6], 'F(4x4)': [2e-5, 7e-6], 'F(7x7)': [2.4e-4, 7e-5], 'F(8x8)': [2.6e-4, 1e-4] };

function uniform(rng: Random, n: number, lo: number, hi: number, relu = false): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lo + (hi - lo) * rng.uniform();
    a[i] = relu ? Math.max(0, v) : v;
  }
  return a;
}

function put(be: WasmBackend, a: Float32Array): Storage {
  const s = be.alloc(a.length);
  be.write(s, a);
  return s;
}

function info3x3(batch: number, h: number, w: number, inC: number, outC: number, padding: Padding = 'same'): Conv2DInfo {
  return conv2dInfo({ batch, inH: h, inW: w, inC, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding });
}

for (const variant of variants) {
  test(`each algorithm's error against float64 stays within its measured bound (${variant})`, () => {
    const rng = new Random(7);
    const engines = Object.fromEntries(Object.entries(OPTIONS).map(([p, o]) => [p, createWasmBackendSync({ threads: 1, memoryMB: 64, variant, ...o })])) as Record<Path, WasmBackend>;
    // Recipe-like layers at a few images: 24 -> 64 on an odd map, 64 -> 64, 128 -> 128 on 7x7, a 'valid' one, two whole 8x8 (and 7x7) tiles a side.
    for (const info of [info3x3(2, 11, 11, 24, 64), info3x3(2, 9, 9, 64, 64), info3x3(1, 7, 7, 128, 128), info3x3(3, 8, 8, 32, 64, 'valid'), info3x3(1, 16, 16, 64, 32), info3x3(1, 14, 14, 64, 32)]) {
      const scale = Math.sqrt(6 / (9 * info.inC));
      const x = uniform(rng, info.batch * info.inH * info.inW * info.inC, -1, 1, true);
      const w = uniform(rng, 9 * info.inC * info.outC, -scale, scale);
      const dy = uniform(rng, info.batch * info.outH * info.outW * info.outC, -1, 1);
      const exact = [conv2d64(x, w, info), conv2dBackpropInput64(dy, w, info), conv2dBackpropFilter64(x, dy, info)];
      for (const [path, be] of Object.entries(engines) as [Path, WasmBackend][]) {
        const xs = put(be, x), ws = put(be, w), dys = put(be, dy);
        const y = be.alloc(dy.length), dx = be.alloc(x.length), dw = be.alloc(w.length);
        be.conv2d(xs, ws, y, info);
        be.conv2dBackpropInput(dys, ws, dx, info, false);
        be.conv2dBackpropFilter(xs, dys, dw, info, false);
        [y, dx, dw].forEach((got, k) => {
          const e = relativeError(be.readSync(got) as Float32Array, exact[k]);
          const [maxB, rmsB] = BOUNDS[path];
          const what = `${path} ${['forward', 'input gradient', 'filter gradient'][k]} ${info.batch}x${info.inH}x${info.inW} ${info.inC}->${info.outC}`;
          assert.ok(e.max <= maxB, `${what}: max error ${e.max.toExponential(2)} > ${maxB}`);
          assert.ok(e.rms <= rmsB, `${what}: RMS error ${e.rms.toExponential(2)} > ${rmsB}`);
        });
        for (const s of [xs, ws, dys, y, dx, dw]) be.free(s);
      }
    }
    for (const be of Object.values(engines)) be.dispose();
  });

  test(`1 and 2 threads give bit-identical convolutions with every algorithm (${variant})`, () => {
    // Enough tiles for many forward tasks, several input-gradient tasks and filter-gradient chunks;
    // the last has enough kernel values (64x64 channels) for the kernel's transform and packing to
    // run over the threads too.
    const shapes = [info3x3(24, 15, 15, 24, 32), info3x3(40, 7, 7, 32, 32), info3x3(6, 31, 31, 16, 16), info3x3(9, 10, 13, 8, 24, 'valid'), info3x3(3, 6, 6, 64, 64)];
    const paths: (Path | 'chosen')[] = ['chosen', 'im2col', 'F(2x2)', 'F(3x3)', 'F(4x4)', 'F(7x7)', 'F(8x8)'];
    for (const path of paths) {
      const runs = [1, 2].map((threads) => {
        const be = createWasmBackendSync({ threads, memoryMB: 96, variant, adaptive: false, ...(path === 'chosen' ? {} : OPTIONS[path]) });
        be.waitForWorkers();
        const rng = new Random(11);
        const out: Buffer[] = [];
        for (const info of shapes) {
          const x = put(be, uniform(rng, info.batch * info.inH * info.inW * info.inC, -1, 1));
          const w = put(be, uniform(rng, 9 * info.inC * info.outC, -1, 1));
          const dy = put(be, uniform(rng, info.batch * info.outH * info.outW * info.outC, -1, 1));
          const bias = put(be, uniform(rng, info.outC, -1, 1));
          const y = be.alloc(dy.size), dx = put(be, uniform(rng, x.size, -1, 1)), dw = put(be, uniform(rng, w.size, -1, 1));
          be.conv2d(x, w, y, info, { bias, act: 'relu' });
          be.conv2dBackpropInput(dy, w, dx, info, true);
          be.conv2dBackpropFilter(x, dy, dw, info, true);
          for (const s of [y, dx, dw]) out.push(Buffer.from(Float32Array.from(be.readSync(s) as Float32Array).buffer));
          be.conv2dBackpropInput(dy, w, dx, info, false);
          be.conv2dBackpropFilter(x, dy, dw, info, false);
          for (const s of [dx, dw]) out.push(Buffer.from(Float32Array.from(be.readSync(s) as Float32Array).buffer));
        }
        out.forEach((b, i) => (out[i] = Buffer.from(b)));
        be.dispose();
        return out;
      });
      runs[0].forEach((b, i) => assert.ok(b.equals(runs[1][i]), `${path}: output ${i} differs between 1 and 2 threads`));
    }
  });
}

test('the algorithm is chosen per shape: F(8x8) or F(7x7) (the one with fewer products) on maps from 13x13 up, F(3x3) on 3x3 maps, F(4x4) on 4x4 and 10x10 to 12x12 maps, F(2x2) on 2x2 maps, im2col on 1x1 maps and single small images', () => {
  const recipe: [number, number, number, 0 | 2 | 3 | 4 | 7 | 8][] = [[31, 24, 64, 8], [15, 64, 64, 8], [15, 64, 128, 8], [7, 128, 128, 7], [3, 128, 128, 3]];
  for (const batch of [32, 256, 1024])
    for (const [hw, inC, outC, m] of recipe) assert.equal(chooseConvAlgorithm(info3x3(batch, hw, hw, inC, outC)), m, `recipe layer ${hw}x${hw} ${inC}->${outC} at batch ${batch}`);
  // A ResNet-9's maps: 32, 16, 8 and 4.
  for (const [hw, c, m] of [[32, 64, 8], [16, 128, 8], [8, 256, 8], [4, 256, 4]] as const) assert.equal(chooseConvAlgorithm(info3x3(128, hw, hw, c, c)), m, `${hw}x${hw}`);
  // F(7x7) wherever it needs no more tiles than F(8x8) (81 products a tile against 100); F(3x3) on 9x9, F(4x4) on 10x10 to 12x12.
  for (const [hw, m] of [[9, 3], [10, 4], [12, 4], [13, 7], [14, 7], [17, 7], [21, 7], [22, 8], [24, 8], [28, 7], [29, 8]] as const) assert.equal(chooseConvAlgorithm(info3x3(64, hw, hw, 64, 64)), m, `${hw}x${hw} maps`);
  // The tutorial's conv2 (15x15 -> 13x13) and conv3 (6x6 -> 4x4) when training.
  assert.equal(chooseConvAlgorithm(info3x3(32, 15, 15, 32, 64, 'valid')), 7);
  assert.equal(chooseConvAlgorithm(info3x3(32, 6, 6, 64, 64, 'valid')), 4);
  assert.equal(chooseConvAlgorithm(info3x3(64, 6, 6, 128, 128)), 3);
  assert.equal(chooseConvAlgorithm(info3x3(1024, 6, 6, 128, 128)), 7);
  assert.equal(chooseConvAlgorithm(info3x3(64, 5, 5, 128, 128)), 3);
  assert.equal(chooseConvAlgorithm(info3x3(64, 3, 3, 128, 128)), 3);
  assert.equal(chooseConvAlgorithm(info3x3(64, 4, 4, 128, 128)), 4);
  assert.equal(chooseConvAlgorithm(info3x3(64, 2, 2, 128, 128)), 2);
  assert.equal(chooseConvAlgorithm(info3x3(64, 1, 1, 128, 128)), 0);
  assert.equal(chooseConvAlgorithm(info3x3(1, 7, 7, 128, 128)), 0);
  // The filter gradient keeps F(8x8) or F(7x7) only with at least inC·outC / m² tiles of m x m.
  assert.equal(filterGradientTile(info3x3(128, 16, 16, 128, 128), 8), 8, '512 tiles, 128x128 channels');
  assert.equal(filterGradientTile(info3x3(32, 15, 15, 32, 64, 'valid'), 7), 7, "the tutorial's conv2");
  assert.equal(filterGradientTile(info3x3(1024, 7, 7, 128, 128), 7), 7, "the recipe's last block");
  assert.equal(filterGradientTile(info3x3(128, 8, 8, 256, 256), 8), 4, '128 tiles, 256x256 channels');
  assert.equal(filterGradientTile(info3x3(16, 7, 7, 256, 256), 7), 4, '16 tiles of 7x7, 256x256 channels');
  assert.equal(filterGradientTile(info3x3(128, 8, 8, 256, 256), 4), 4);
  assert.equal(filterGradientTile(info3x3(128, 8, 8, 256, 256), 0), 0);

  const be = createWasmBackendSync({ threads: 1, memoryMB: 8 });
  const off = createWasmBackendSync({ threads: 1, memoryMB: 8, winograd: false });
  const info = info3x3(8, 15, 15, 64, 64);
  assert.equal(be.winogradTile(info), 8);
  assert.equal(off.winogradTile(info), 0, 'winograd: false keeps im2col');
  assert.equal(be.winogradTile(info3x3(64, 1, 1, 128, 128)), 0);
  assert.equal(be.winogradTile(conv2dInfo({ batch: 8, inH: 16, inW: 16, inC: 64, outC: 64, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: 'same' })), 0, 'stride 2');
  assert.equal(be.winogradTile(info3x3(8, 32, 32, 3, 64)), 0, 'channels not in fours');
  be.dispose();
  off.dispose();
  assert.throws(() => createWasmBackendSync({ threads: 1, memoryMB: 8, winogradTile: 5 as 2 }), /WASM backend: winogradTile must be 2, 3, 4, 7 or 8\. Received winogradTile=5/);
});

test('a pinned winogradTile leaves the layers Winograd cannot run to im2col, filter gradient included', () => {
  const rng = new Random(5);
  for (const tile of [2, 3, 4, 7, 8] as const) {
    const be = createWasmBackendSync({ threads: 1, memoryMB: 16, winogradTile: tile });
    for (const info of [conv2dInfo({ batch: 2, inH: 9, inW: 9, inC: 8, outC: 8, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: 'same' }), info3x3(2, 9, 9, 3, 8)]) {
      assert.equal(be.winogradTile(info), 0);
      const x = uniform(rng, info.batch * info.inH * info.inW * info.inC, -1, 1), dy = uniform(rng, info.batch * info.outH * info.outW * info.outC, -1, 1);
      const dw = be.alloc(9 * info.inC * info.outC);
      be.conv2dBackpropFilter(put(be, x), put(be, dy), dw, info, false);
      const e = relativeError(be.readSync(dw) as Float32Array, conv2dBackpropFilter64(x, dy, info));
      assert.ok(e.max <= BOUNDS.im2col[0], `pinned F(${tile}x${tile}), ${info.strideH === 2 ? 'stride 2' : '3 channels'}: filter gradient max error ${e.max.toExponential(2)}`);
    }
    be.dispose();
  }
});
