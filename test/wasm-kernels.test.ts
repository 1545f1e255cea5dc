/**
 * Parity of every WASM kernel with the reference backend, on random shapes with odd sizes,
 * strides of 2, 'same' padding with odd totals, batch 1, every transposition and accumulate on
 * and off, for 1 and 2 threads, in both kernel builds (baseline SIMD and relaxed SIMD) where the
 * engine supports relaxed SIMD. CNNKIT_WASM_VARIANT=simd|relaxed-simd restricts the run to one build.
 *
 * Tolerance: float32 results differ from the reference only by summation order (and, in the
 * relaxed build, fused rounding), so |wasm − ref| ≤ 2e-5 · max(1, max |ref|) for reductions over
 * up to ~30,000 terms (GEMM, convolution, pooling sums), and 1e-6 relative for element-wise work.
 * Winograd F(4x4, 3x3) adds its transforms' rounding: against float64, at most 1e-5 · max |z| for
 * a convolution z on the recipe's and a ResNet's layers up to 256 channels, 10x F(2x2)'s and 7x
 * im2col's (bench/winograd-error.ts; wasm-winograd.test.ts pins each algorithm's own error). The
 * same 2e-5 bound holds for its outputs, but measured at the scale of z: an epilogue's sigmoid or
 * tanh (slope at most 1) squeezes the output to [-1, 1] and keeps z's absolute error, so
 * F(4x4) outputs with an activation are judged at max(1, max |z|), z the reference convolution
 * plus bias before the activation; every other output at its own scale, as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReferenceBackend } from '../src/backend/reference/index.js';
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo, pool2dInfo, type Padding } from '../src/backend/shape.js';
import { NO_WINNER, type Backend, type BinaryOp, type Conv2DInfo, type DifferentiableUnaryOp, type KernelActivation, type NormActivation, type Pool2DInfo, type Storage, type UnaryOp } from '../src/backend/backend.js';
import { Random } from '../src/tensor/random.js';

const VARIANT = process.env.CNNKIT_WASM_VARIANT as 'simd' | 'relaxed-simd' | undefined;
const REDUCE_TOL = 2e-5;
/** Winograd F(8x8, 3x3)'s and F(7x7, 3x3)'s own rounding (10-15x F(4x4)'s: test/wasm-winograd.test.ts measures each algorithm against float64). */
const F8_TOL = 2.6e-4;
/** The tolerance of the algorithm `be` runs this convolution with. */
const convTol = (be: WasmBackend, info: Conv2DInfo): number => (be.winogradTile(info) >= 7 ? F8_TOL : REDUCE_TOL);
const ELEM_TOL = 1e-6;
const NORM_TOL = 1e-6;

const ref = new ReferenceBackend();
const rng = new Random(1234);

function randomArray(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

function put(be: Backend, values: Float32Array | Int32Array): Storage {
  const s = be.alloc(values.length, values instanceof Int32Array ? 'int32' : 'float32');
  be.write(s, values);
  return s;
}

/** Asserts |got − want| ≤ tol · max(1, max |scaleOf|) element-wise (scaleOf: want itself unless given). */
function close(got: Float32Array, want: Float32Array, tol: number, what: string, scaleOf: Float32Array = want): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 1;
  for (const v of scaleOf) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol * scale)) assert.fail(`${what}: element ${i} is ${got[i]}, reference ${want[i]} (|diff| ${d.toExponential(2)} > ${(tol * scale).toExponential(2)})`);
  }
}

/**
 * The array an epilogue output of `be` is judged at (see the header): for F(4x4) with an activation,
 * the reference convolution plus bias z before it; otherwise the output itself (undefined).
 */
function epilogueScale(be: WasmBackend, info: Conv2DInfo, x: Float32Array, k: Float32Array, bias: Float32Array | null, act: KernelActivation): Float32Array | undefined {
  if (be.winogradTile(info) < 4 || act === 'linear') return undefined;
  const z = ref.alloc(info.batch * info.outH * info.outW * info.outC);
  ref.conv2d(put(ref, x), put(ref, k), z, info, { bias: bias ? put(ref, bias) : null, act: 'linear' });
  return ref.readSync(z) as Float32Array;
}

/** maxPoolArgmax of x on `be`: the pooled values and the winners. */
function pooledWithWinners(be: Backend, x: Float32Array, info: Pool2DInfo, mask: boolean): { y: Float32Array; winners: Uint8Array } {
  const n = info.batch * info.outH * info.outW * info.channels;
  const y = be.alloc(n), a = be.alloc(n, 'bool');
  be.maxPoolArgmax(put(be, x), y, a, info, mask);
  return { y: be.readSync(y) as Float32Array, winners: be.readSync(a) as Uint8Array };
}

/** Runs `op` on both backends over copies of the same inputs; returns the outputs of each. */
function both(w: Backend, inputs: (Float32Array | Int32Array)[], op: (be: Backend, s: Storage[]) => void): { got: Float32Array[]; want: Float32Array[] } {
  const ws = inputs.map((a) => put(w, a));
  const rs = inputs.map((a) => put(ref, a));
  op(w, ws);
  op(ref, rs);
  const got = ws.map((s) => w.readSync(s) as Float32Array);
  for (const s of ws) w.free(s);
  return { got, want: rs.map((s) => ref.readSync(s) as Float32Array) };
}

// Both builds where the engine runs relaxed SIMD (the loader turns on Node.js 20's flag), each with 1 and 2 threads.
const variants: ('simd' | 'relaxed-simd')[] = VARIANT ? [VARIANT] : ['simd', 'relaxed-simd'];
if (!VARIANT) {
  const probe = createWasmBackendSync({ threads: 1, memoryMB: 1 });
  if (probe.variant !== 'relaxed-simd') variants.pop();
  probe.dispose();
}
const backends: [string, () => WasmBackend][] = variants.flatMap((variant) =>
  [1, 2].map((threads): [string, () => WasmBackend] => [
    `${variant}, ${threads} thread${threads > 1 ? 's' : ''}`,
    () => createWasmBackendSync({ threads, memoryMB: 128, variant, adaptive: false }),
  ]),
);

for (const [label, make] of backends) {
  const w = make();
  w.waitForWorkers();

  test(`gemm matches the reference for every layout (${label})`, () => {
    const shapes: [number, number, number][] = [
      [1, 1, 1], [7, 13, 5], [33, 17, 300], [125, 9, 260], [4, 70, 3], [64, 64, 64], [3, 5, 5000], [130, 11, 4200],
    ];
    for (const [m, n, k] of shapes)
      for (const tA of [false, true])
        for (const tB of [false, true])
          for (const acc of [false, true]) {
            const { got, want } = both(w, [randomArray(m * k), randomArray(k * n), randomArray(m * n)], (be, [a, b, c]) => be.gemm(a, b, c, m, n, k, tA, tB, acc));
            close(got[2], want[2], REDUCE_TOL, `gemm m=${m} n=${n} k=${k} transA=${tA} transB=${tB} acc=${acc}`);
          }
  });

  test(`conv2d forward and both backprops match the reference (${label})`, () => {
    const cases: { batch: number; h: number; w: number; inC: number; outC: number; kH: number; kW: number; s: number; padding: Padding }[] = [
      { batch: 2, h: 9, w: 7, inC: 3, outC: 5, kH: 3, kW: 3, s: 1, padding: 'same' },
      { batch: 1, h: 8, w: 8, inC: 4, outC: 8, kH: 3, kW: 3, s: 2, padding: 'same' },
      { batch: 3, h: 10, w: 11, inC: 5, outC: 16, kH: 2, kW: 2, s: 2, padding: 'same' },
      { batch: 2, h: 7, w: 9, inC: 6, outC: 9, kH: 3, kW: 2, s: 1, padding: 'valid' },
      { batch: 1, h: 5, w: 5, inC: 1, outC: 1, kH: 5, kW: 5, s: 1, padding: 'valid' },
      { batch: 4, h: 32, w: 32, inC: 3, outC: 32, kH: 3, kW: 3, s: 1, padding: 'valid' },
      { batch: 3, h: 15, w: 15, inC: 32, outC: 64, kH: 3, kW: 3, s: 1, padding: 'valid' },
      { batch: 2, h: 12, w: 13, inC: 8, outC: 12, kH: 3, kW: 3, s: 2, padding: 'valid' },
      { batch: 2, h: 9, w: 10, inC: 16, outC: 7, kH: 3, kW: 3, s: 2, padding: 'same' },
      { batch: 1, h: 6, w: 5, inC: 8, outC: 9, kH: 2, kW: 3, s: 1, padding: 'same' },
    ];
    for (const c of cases) {
      const info = conv2dInfo({ batch: c.batch, inH: c.h, inW: c.w, inC: c.inC, outC: c.outC, kH: c.kH, kW: c.kW, strideH: c.s, strideW: c.s, padding: c.padding });
      const xn = c.batch * c.h * c.w * c.inC, wn = c.kH * c.kW * c.inC * c.outC, yn = c.batch * info.outH * info.outW * c.outC;
      const tag = JSON.stringify(c);
      let r = both(w, [randomArray(xn), randomArray(wn), randomArray(yn)], (be, [x, k, y]) => be.conv2d(x, k, y, info));
      close(r.got[2], r.want[2], convTol(w, info), `conv2d ${tag}`);
      for (const act of ['relu', 'tanh'] as const) {
        const ins = [randomArray(xn), randomArray(wn), randomArray(yn), randomArray(c.outC)];
        r = both(w, ins, (be, [x, k, y, b]) => be.conv2d(x, k, y, info, { bias: b, act }));
        close(r.got[2], r.want[2], convTol(w, info), `conv2d + bias + ${act} ${tag}`, epilogueScale(w, info, ins[0], ins[1], ins[3], act));
      }
      for (const acc of [false, true]) {
        r = both(w, [randomArray(yn), randomArray(wn), randomArray(xn)], (be, [dy, k, dx]) => be.conv2dBackpropInput(dy, k, dx, info, acc));
        close(r.got[2], r.want[2], convTol(w, info), `conv2dBackpropInput acc=${acc} ${tag}`);
        r = both(w, [randomArray(xn), randomArray(yn), randomArray(wn)], (be, [x, dy, dw]) => be.conv2dBackpropFilter(x, dy, dw, info, acc));
        close(r.got[2], r.want[2], convTol(w, info), `conv2dBackpropFilter acc=${acc} ${tag}`);
      }
    }
  });

  test(`dilated and depthwise convolutions (forward, epilogue, both backprops) match the reference (${label})`, () => {
    const cases: { batch: number; h: number; w: number; inC: number; m: number; outC: number; kH: number; kW: number; s: number; d: [number, number]; padding: Padding }[] = [
      { batch: 2, h: 9, w: 8, inC: 3, m: 2, outC: 5, kH: 3, kW: 3, s: 1, d: [2, 2], padding: 'same' },
      { batch: 1, h: 10, w: 11, inC: 4, m: 1, outC: 8, kH: 3, kW: 2, s: 1, d: [3, 2], padding: 'valid' },
      { batch: 3, h: 7, w: 7, inC: 8, m: 3, outC: 4, kH: 2, kW: 2, s: 2, d: [1, 1], padding: 'same' },
      { batch: 2, h: 6, w: 9, inC: 5, m: 1, outC: 6, kH: 3, kW: 3, s: 1, d: [1, 3], padding: 'same' },
      { batch: 1, h: 5, w: 5, inC: 2, m: 2, outC: 3, kH: 1, kW: 1, s: 1, d: [2, 2], padding: 'valid' },
    ];
    for (const c of cases) {
      const tag = JSON.stringify(c);
      const geometry = (outC: number) =>
        conv2dInfo({ batch: c.batch, inH: c.h, inW: c.w, inC: c.inC, outC, kH: c.kH, kW: c.kW, strideH: c.s, strideW: c.s, padding: c.padding, dilationH: c.d[0], dilationW: c.d[1] });
      const xn = c.batch * c.h * c.w * c.inC;
      for (const depthwise of [false, true]) {
        const info = geometry(depthwise ? c.inC * c.m : c.outC);
        const kind = depthwise ? 'depthwiseConv2d' : 'dilated conv2d';
        const wn = c.kH * c.kW * c.inC * (depthwise ? c.m : c.outC), yn = c.batch * info.outH * info.outW * info.outC;
        const fwd = (be: Backend, [x, k, y, b]: Storage[], act?: KernelActivation) => {
          const e = act ? { bias: b, act } : undefined;
          if (depthwise) be.depthwiseConv2d(x, k, y, info, e);
          else be.conv2d(x, k, y, info, e);
        };
        for (const act of [undefined, 'relu', 'sigmoid'] as const) {
          const r = both(w, [randomArray(xn), randomArray(wn), randomArray(yn), randomArray(info.outC)], (be, s) => fwd(be, s, act));
          close(r.got[2], r.want[2], REDUCE_TOL, `${kind} ${act ?? 'no epilogue'} ${tag}`);
        }
        for (const acc of [false, true]) {
          let r = both(w, [randomArray(yn), randomArray(wn), randomArray(xn)], (be, [dy, k, dx]) =>
            depthwise ? be.depthwiseConv2dBackpropInput(dy, k, dx, info, acc) : be.conv2dBackpropInput(dy, k, dx, info, acc));
          close(r.got[2], r.want[2], REDUCE_TOL, `${kind} backprop input acc=${acc} ${tag}`);
          r = both(w, [randomArray(xn), randomArray(yn), randomArray(wn)], (be, [x, dy, dw]) =>
            depthwise ? be.depthwiseConv2dBackpropFilter(x, dy, dw, info, acc) : be.conv2dBackpropFilter(x, dy, dw, info, acc));
          close(r.got[2], r.want[2], REDUCE_TOL, `${kind} backprop filter acc=${acc} ${tag}`);
        }
      }
    }
  });

  test(`Winograd F(2x2, 3x3), F(3x3, 3x3), F(4x4, 3x3), F(7x7, 3x3) and F(8x8, 3x3) convolutions match the reference, and so does im2col on the same shapes (${label})`, () => {
    // 3x3 stride-1 convolutions with channels in fours: odd and even output sizes, 'same' padding,
    // batch 1, outputs of 1x1 to 5x5 (smaller than, equal to and just past one F(4x4) tile),
    // channel counts that are not multiples of 8, the recipe's 24 input channels, the tutorial's conv2/conv3.
    const cases: { batch: number; h: number; w: number; inC: number; outC: number; padding: Padding }[] = [
      { batch: 3, h: 15, w: 15, inC: 32, outC: 64, padding: 'valid' },
      { batch: 2, h: 6, w: 6, inC: 64, outC: 64, padding: 'valid' },
      { batch: 2, h: 9, w: 10, inC: 8, outC: 12, padding: 'same' },
      { batch: 3, h: 7, w: 5, inC: 12, outC: 8, padding: 'same' },
      { batch: 1, h: 3, w: 3, inC: 8, outC: 8, padding: 'valid' },
      { batch: 1, h: 2, w: 2, inC: 8, outC: 16, padding: 'same' },
      { batch: 1, h: 11, w: 4, inC: 20, outC: 28, padding: 'valid' },
      { batch: 5, h: 8, w: 8, inC: 16, outC: 16, padding: 'same' },
      { batch: 2, h: 5, w: 5, inC: 24, outC: 16, padding: 'same' },
      { batch: 2, h: 3, w: 7, inC: 16, outC: 8, padding: 'same' },
      { batch: 1, h: 13, w: 9, inC: 24, outC: 32, padding: 'same' },
      { batch: 2, h: 14, w: 14, inC: 16, outC: 24, padding: 'same' },
    ];
    const plain = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winograd: false });
    const f2 = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winogradTile: 2 });
    const f3 = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winogradTile: 3 });
    const f4 = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winogradTile: 4 });
    const f7 = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winogradTile: 7 });
    const f8 = createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, winogradTile: 8 });
    for (const be of [plain, f2, f3, f4, f7, f8]) be.waitForWorkers();
    for (const c of cases) {
      const info = conv2dInfo({ batch: c.batch, inH: c.h, inW: c.w, inC: c.inC, outC: c.outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: c.padding });
      assert.equal(f2.winogradTile(info), 2, `F(2x2) should run for ${JSON.stringify(c)}`);
      assert.equal(f3.winogradTile(info), 3, `F(3x3) should run for ${JSON.stringify(c)}`);
      assert.equal(f4.winogradTile(info), 4, `F(4x4) should run for ${JSON.stringify(c)}`);
      assert.equal(f7.winogradTile(info), 7, `F(7x7) should run for ${JSON.stringify(c)}`);
      assert.equal(f8.winogradTile(info), 8, `F(8x8) should run for ${JSON.stringify(c)}`);
      assert.ok(!plain.usesWinograd(info), 'winograd: false turns it off');
      const xn = c.batch * c.h * c.w * c.inC, wn = 9 * c.inC * c.outC, yn = c.batch * info.outH * info.outW * c.outC;
      const tag = JSON.stringify(c);
      for (const [be, path, tol] of [[f2, 'F(2x2)', REDUCE_TOL], [f3, 'F(3x3)', REDUCE_TOL], [f4, 'F(4x4)', REDUCE_TOL], [f7, 'F(7x7)', F8_TOL], [f8, 'F(8x8)', F8_TOL], [plain, 'im2col', REDUCE_TOL]] as const) {
        let r = both(be, [randomArray(xn), randomArray(wn), randomArray(yn)], (b, [x, k, y]) => b.conv2d(x, k, y, info));
        close(r.got[2], r.want[2], tol, `${path} conv2d ${tag}`);
        // Epilogues: bias + relu and relu alone run inside the output pass, sigmoid after it.
        for (const [withBias, act] of [[true, 'relu'], [false, 'relu'], [true, 'linear'], [true, 'sigmoid']] as const) {
          const ins = [randomArray(xn), randomArray(wn), randomArray(yn), randomArray(c.outC)];
          r = both(be, ins, (b, [x, k, y, bias]) => b.conv2d(x, k, y, info, { bias: withBias ? bias : null, act }));
          close(r.got[2], r.want[2], tol, `${path} conv2d + ${withBias ? 'bias + ' : ''}${act} ${tag}`, epilogueScale(be, info, ins[0], ins[1], withBias ? ins[3] : null, act));
        }
        for (const acc of [false, true]) {
          r = both(be, [randomArray(yn), randomArray(wn), randomArray(xn)], (b, [dy, k, dx]) => b.conv2dBackpropInput(dy, k, dx, info, acc));
          close(r.got[2], r.want[2], tol, `${path} conv2dBackpropInput acc=${acc} ${tag}`);
          r = both(be, [randomArray(xn), randomArray(yn), randomArray(wn)], (b, [x, dy, dw]) => b.conv2dBackpropFilter(x, dy, dw, info, acc));
          close(r.got[2], r.want[2], tol, `${path} conv2dBackpropFilter acc=${acc} ${tag}`);
        }
      }
    }
    for (const be of [plain, f2, f3, f4, f7, f8]) be.dispose();
  });

  test(`pooling forward and backward match the reference (${label})`, () => {
    const cases: { batch: number; h: number; w: number; c: number; k: number; s: number; padding: Padding }[] = [
      { batch: 2, h: 30, w: 30, c: 32, k: 2, s: 2, padding: 'valid' },
      { batch: 1, h: 7, w: 9, c: 5, k: 3, s: 2, padding: 'same' },
      { batch: 3, h: 8, w: 6, c: 8, k: 2, s: 2, padding: 'same' },
      { batch: 2, h: 5, w: 5, c: 3, k: 3, s: 1, padding: 'same' },
      { batch: 1, h: 13, w: 13, c: 64, k: 2, s: 2, padding: 'valid' },
      { batch: 40, h: 16, w: 16, c: 16, k: 2, s: 2, padding: 'valid' },
      { batch: 2, h: 9, w: 10, c: 8, k: 3, s: 3, padding: 'valid' },
      { batch: 1, h: 4, w: 4, c: 4, k: 1, s: 1, padding: 'valid' },
    ];
    for (const c of cases) {
      const info = pool2dInfo({ batch: c.batch, inH: c.h, inW: c.w, channels: c.c, kH: c.k, kW: c.k, strideH: c.s, strideW: c.s, padding: c.padding });
      const xn = c.batch * c.h * c.w * c.c, yn = c.batch * info.outH * info.outW * c.c;
      const tag = JSON.stringify(c);
      // Small integers make ties common, which checks that the first maximum wins.
      const x = randomArray(xn, 0, 4).map(Math.floor);
      let r = both(w, [x, randomArray(yn)], (be, [xs, y]) => be.maxPool(xs, y, info));
      close(r.got[1], r.want[1], 0, `maxPool ${tag}`);
      r = both(w, [randomArray(xn), randomArray(yn)], (be, [xs, y]) => be.avgPool(xs, y, info));
      close(r.got[1], r.want[1], REDUCE_TOL, `avgPool ${tag}`);
      for (const acc of [false, true]) {
        r = both(w, [x, randomArray(yn), randomArray(xn)], (be, [xs, dy, dx]) => be.maxPoolBackward(xs, dy, dx, info, acc));
        close(r.got[2], r.want[2], ELEM_TOL, `maxPoolBackward acc=${acc} ${tag}`);
        // With the ReLU mask: integers in [-2, 2) make windows whose maximum is 0 or negative common.
        const xr = randomArray(xn, -2, 2).map(Math.floor);
        r = both(w, [xr, randomArray(yn), randomArray(xn)], (be, [xs, dy, dx]) => be.maxPoolBackward(xs, dy, dx, info, acc, true));
        close(r.got[2], r.want[2], ELEM_TOL, `maxPoolBackward with ReLU mask acc=${acc} ${tag}`);
        r = both(w, [randomArray(yn), randomArray(xn)], (be, [dy, dx]) => be.avgPoolBackward(dy, dx, info, acc));
        close(r.got[1], r.want[1], ELEM_TOL, `avgPoolBackward acc=${acc} ${tag}`);
      }
      // Recorded winners: ties (small integers), non-positive maxima under the mask, and a NaN.
      for (const mask of [false, true]) {
        const xa = randomArray(xn, -2, 3).map(Math.floor);
        xa[0] = NaN;
        const got = pooledWithWinners(w, xa, info, mask), want = pooledWithWinners(ref, xa, info, mask);
        assert.deepEqual(Array.from(got.y), Array.from(want.y), `maxPoolArgmax values mask=${mask} ${tag}`);
        assert.deepEqual(got.winners, want.winners, `maxPoolArgmax winners mask=${mask} ${tag}`);
        assert.equal(want.winners[0], NO_WINNER, `the NaN's window has no winner ${tag}`);
        if (c.k > 1) assert.ok(want.winners.some((k) => k > 0 && k !== NO_WINNER), `the data must have winners past the first cell ${tag}`);
        // Each backend routes dy by its own winners (equal, as checked above; `write` cannot set winner bytes).
        for (const acc of [false, true]) {
          const r = both(w, [xa, randomArray(yn), randomArray(xn)], (be, [xs, dy, dx]) => {
            const a = be.alloc(yn, 'bool');
            be.maxPoolArgmax(xs, be.alloc(yn), a, info, mask);
            be.maxPoolBackwardArgmax(a, dy, dx, info, acc);
          });
          close(r.got[2], r.want[2], ELEM_TOL, `maxPoolBackwardArgmax mask=${mask} acc=${acc} ${tag}`);
        }
        // Without the NaN, the winners route dy as maxPoolBackward does (ReLU mask included).
        const xf = randomArray(xn, -2, 3).map(Math.floor), dy = randomArray(yn);
        for (const be of [w, ref] as Backend[]) {
          const byX = be.alloc(xn), byWinners = be.alloc(xn), a = be.alloc(yn, 'bool'), xs = put(be, xf), g = put(be, dy);
          be.maxPoolBackward(xs, g, byX, info, false, mask);
          be.maxPoolArgmax(xs, be.alloc(yn), a, info, mask);
          be.maxPoolBackwardArgmax(a, g, byWinners, info, false);
          close(be.readSync(byWinners) as Float32Array, be.readSync(byX) as Float32Array, 0, `winners route as maxPoolBackward mask=${mask} ${be === ref ? 'reference' : 'wasm'} ${tag}`);
        }
      }
    }
  });

  test(`convolution into max pooling (conv2dMaxPool) equals conv2d then maxPoolArgmax bit for bit on every path, pooled in the Winograd pass where its windows lie in one tile (${label})`, () => {
    type Case = { batch: number; h: number; w: number; inC: number; outC: number; padding: Padding; k?: number; s?: number; poolPad?: Padding };
    const cases: Case[] = [
      { batch: 2, h: 31, w: 31, inC: 8, outC: 16, padding: 'same' },
      { batch: 3, h: 15, w: 15, inC: 16, outC: 8, padding: 'same' },
      { batch: 2, h: 7, w: 7, inC: 8, outC: 12, padding: 'same' },
      { batch: 1, h: 13, w: 11, inC: 12, outC: 8, padding: 'valid' },
      { batch: 2, h: 3, w: 3, inC: 8, outC: 8, padding: 'same' },
      { batch: 1, h: 10, w: 9, inC: 8, outC: 8, padding: 'same', k: 3, s: 2, poolPad: 'same' },
      { batch: 2, h: 8, w: 8, inC: 8, outC: 8, padding: 'same', k: 2, s: 1 },
    ];
    const make = (o: object) => createWasmBackendSync({ threads: w.threads, memoryMB: 64, variant: w.variant, adaptive: false, ...o });
    const paths = [['im2col', make({ winograd: false }), REDUCE_TOL], ['F(3x3)', make({ winogradTile: 3 }), REDUCE_TOL], ['F(4x4)', make({ winogradTile: 4 }), REDUCE_TOL],
      ['F(7x7)', make({ winogradTile: 7 }), F8_TOL], ['F(8x8)', make({ winogradTile: 8 }), F8_TOL], ['chosen', w, 0]] as const;
    let fusedRuns = 0;
    for (const c of cases) {
      const info = conv2dInfo({ batch: c.batch, inH: c.h, inW: c.w, inC: c.inC, outC: c.outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: c.padding });
      const k = c.k ?? 2, st = c.s ?? 2;
      const pool = pool2dInfo({ batch: c.batch, inH: info.outH, inW: info.outW, channels: c.outC, kH: k, kW: k, strideH: st, strideW: st, padding: c.poolPad ?? 'valid' });
      const xn = c.batch * c.h * c.w * c.inC, wn = 9 * c.inC * c.outC, zn = c.batch * info.outH * info.outW * c.outC, yn = pool.batch * pool.outH * pool.outW * c.outC;
      for (const [path, be, pathTol] of paths) {
        const m = be.winogradTile(info);
        const expectFused = m !== 0 && m !== 4 && m !== 2 && k === 2 && st === 2 && !c.poolPad && (m % 2 === 0 || (info.outH <= m && info.outW <= m));
        assert.equal(be.fusesConvPool(info, pool), expectFused, `${path} fuses ${JSON.stringify(c)}`);
        if (expectFused) fusedRuns++;
        for (const [withBias, act] of [[false, 'linear'], [true, 'linear'], [true, 'relu']] as const) {
          const tag = `${path} ${act}${withBias ? ' + bias' : ''} ${JSON.stringify(c)}`;
          // Inputs on a coarse grid make exact ties in the convolution's output common.
          const x = randomArray(xn, -2, 2).map((v) => Math.round(v * 2) / 2), kw = randomArray(wn, -1, 1).map((v) => Math.round(v * 2) / 2);
          const bias = withBias ? randomArray(c.outC, -1, 0) : null;
          const epi = (b: Backend) => ({ bias: bias ? put(b, bias) : null, act });
          const xs = put(be, x), ks = put(be, kw);
          const y = be.alloc(yn), win = be.alloc(yn, 'bool');
          be.conv2dMaxPool(xs, ks, y, win, info, pool, epi(be));
          const z = be.alloc(zn), y2 = be.alloc(yn), win2 = be.alloc(yn, 'bool');
          be.conv2d(xs, ks, z, info, epi(be));
          be.maxPoolArgmax(z, y2, win2, pool, act === 'relu');
          const got = be.readSync(y) as Float32Array, gotWin = be.readSync(win) as Uint8Array;
          close(got, be.readSync(y2) as Float32Array, 0, `conv2dMaxPool = conv2d + maxPoolArgmax: values, ${tag}`);
          const y3 = be.alloc(yn);
          be.conv2dMaxPool(xs, ks, y3, null, info, pool, epi(be));
          close(be.readSync(y3) as Float32Array, got, 0, `conv2dMaxPool without winners: values, ${tag}`);
          be.free(y3);
          assert.deepEqual(gotWin, be.readSync(win2), `conv2dMaxPool = conv2d + maxPoolArgmax: winners, ${tag}`);
          const rw = ref.alloc(yn), rwin = ref.alloc(yn, 'bool');
          ref.conv2dMaxPool(put(ref, x), put(ref, kw), rw, rwin, info, pool, epi(ref));
          close(got, ref.readSync(rw) as Float32Array, pathTol || convTol(w, info), `conv2dMaxPool against the reference, ${tag}`);
          const rw3 = ref.alloc(yn);
          ref.conv2dMaxPool(put(ref, x), put(ref, kw), rw3, null, info, pool, epi(ref));
          close(ref.readSync(rw3) as Float32Array, ref.readSync(rw) as Float32Array, 0, `reference conv2dMaxPool without winners, ${tag}`);
          for (const s of [xs, ks, y, win, z, y2, win2]) be.free(s);
        }
      }
    }
    assert.ok(fusedRuns >= 6, `the Winograd pass pooled in ${fusedRuns} runs`);
    assert.throws(() => ref.conv2dMaxPool(ref.alloc(1), ref.alloc(1), ref.alloc(1), ref.alloc(1, 'bool'), conv2dInfo({ batch: 1, inH: 4, inW: 4, inC: 1, outC: 1, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: 'same' }),
      pool2dInfo({ batch: 1, inH: 4, inW: 4, channels: 1, kH: 2, kW: 2, strideH: 2, strideW: 2, padding: 'valid' }), { bias: null, act: 'tanh' }), /activation 'tanh' is not supported/);
    for (const [, be] of paths) if (be !== w) be.dispose();
  });

  test(`activations, bias and element-wise kernels match the reference (${label})`, () => {
    const acts: KernelActivation[] = ['linear', 'relu', 'sigmoid', 'tanh'];
    for (const [rows, cols] of [[3, 7], [1, 1], [37, 33], [2100, 32]]) {
      const n = rows * cols;
      for (const act of acts) {
        let r = both(w, [randomArray(n, -3, 3), randomArray(cols), new Float32Array(n)], (be, [x, b, y]) => be.biasActivation(x, b, y, rows, cols, act));
        close(r.got[2], r.want[2], ELEM_TOL, `biasActivation ${act} ${rows}x${cols}`);
        r = both(w, [randomArray(n, -3, 3)], (be, [x]) => be.biasActivation(x, null, x, rows, cols, act));
        close(r.got[0], r.want[0], ELEM_TOL, `biasActivation in place, no bias ${act}`);
        const y = act === 'sigmoid' ? randomArray(n, 0, 1) : act === 'tanh' ? randomArray(n, -1, 1) : randomArray(n, -2, 2);
        for (const acc of [false, true]) {
          r = both(w, [y, randomArray(n), randomArray(n)], (be, [ys, dy, dx]) => be.activationBackward(ys, dy, dx, n, act, acc));
          close(r.got[2], r.want[2], ELEM_TOL, `activationBackward ${act} acc=${acc} n=${n}`);
        }
      }
      for (const acc of [false, true]) {
        const r = both(w, [randomArray(n), randomArray(cols)], (be, [dy, db]) => be.biasGrad(dy, db, rows, cols, acc));
        close(r.got[1], r.want[1], REDUCE_TOL, `biasGrad acc=${acc} ${rows}x${cols}`);
      }
    }
    for (const n of [1, 5, 19, 1000]) {
      let r: { got: Float32Array[]; want: Float32Array[] };
      for (const acc of [false, true]) {
        r = both(w, [randomArray(n), randomArray(n)], (be, [x, o]) => be.scale(x, -0.37, o, n, acc));
        close(r.got[1], r.want[1], ELEM_TOL, `scale acc=${acc} n=${n}`);
      }
      r = both(w, [randomArray(n + 2)], (be, [o]) => be.fill(o, 2.5, n));
      close(r.got[0], r.want[0], 0, `fill n=${n}`);
      r = both(w, [randomArray(n + 7), randomArray(n + 3)], (be, [s, d]) => be.copy(s, 7, d, 3, n));
      close(r.got[1], r.want[1], 0, `copy n=${n}`);
      const bytes = new Uint8Array(n + 9).map(() => rng.int(256));
      r = both(w, [randomArray(n + 1)], (be, [d]) => be.fromUint8(bytes, 9, d, n, 1 / 255));
      close(r.got[0], r.want[0], ELEM_TOL, `fromUint8 n=${n}`);
      r = both(w, [randomArray(n), new Float32Array(1)], (be, [x, o]) => be.reduce('sum', x, o, 1, n));
      close(r.got[1], r.want[1], 0, `sum n=${n}`);
    }
  });

  test(`unary element-wise ops of the SIMD kernel equal the reference exactly, special values included (${label})`, () => {
    const ops: UnaryOp[] = ['neg', 'abs', 'square', 'sqrt', 'reciprocal', 'relu', 'relu6', 'floor', 'ceil'];
    const special = [NaN, 0, -0, Infinity, -Infinity, 0.5, 1.5, 2.5, -0.5, -2.5, 6, 6.5, -1e-40, 3.4e38, 1e-45];
    // Lengths below and above the parallel split, with vector tails.
    for (const n of [3, 37, 70001]) {
      const x = randomArray(n, -8, 8);
      for (let i = 0; i < Math.min(n, special.length); i++) x[i] = special[i];
      for (const op of ops) {
        const r = both(w, [x, new Float32Array(n)], (be, [xs, y]) => be.unary(op, xs, y, n));
        const bits = (a: Float32Array) => [...a].map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)));
        assert.deepEqual(bits(r.got[1]), bits(r.want[1]), `unary ${op} n=${n}`);
      }
      const r = both(w, [x], (be, [xs]) => be.unary('square', xs, xs, n));
      assert.deepEqual([...r.got[0]], [...r.want[0]], `unary square in place n=${n}`);
    }
  });

  test(`activations and their gradients of the SIMD kernel match the reference within 1e-6 of max(1, |value|), special values included (${label})`, () => {
    type Case = [DifferentiableUnaryOp, number[]?];
    const cases: Case[] = [['gelu'], ['sigmoid'], ['tanh'], ['elu'], ['elu', [0.7]], ['selu'], ['swish'], ['softplus'], ['mish'], ['leakyRelu'], ['leakyRelu', [0.01]],
      ['hardSigmoid'], ['softsign'], ['exp'], ['relu'], ['relu6']];
    const special = [NaN, 0, -0, Infinity, -Infinity, 0.6249, 0.6251, -0.6251, 2.5, -2.5, 6, 20, -20, 50, -50, 88.5, 89, -88, -100, 1e-30, -1e-30];
    /**
     * |got − want| ≤ 1e-6·max(1, |want|) per element; NaN and infinities must match exactly. Gradients
     * are compared at finite x and NaN (at ±∞ the reference's x·φ(x)-style products give ∞·0 = NaN).
     */
    const closeEach = (got: Float32Array, want: Float32Array, what: string, finiteOnly = false) => {
      for (let i = 0; i < want.length; i++) {
        if (finiteOnly && (x[i] === Infinity || x[i] === -Infinity)) continue;
        const g = got[i], w = want[i];
        const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= 1e-6 * Math.max(1, Math.abs(w));
        if (!ok) assert.fail(`${what}: element ${i} (x = ${x[i]}) is ${g}, reference ${w}`);
      }
    };
    let x: Float32Array = new Float32Array(0);
    for (const n of [3, 37, 70001]) {
      x = randomArray(n, -8, 8);
      for (let i = 0; i < Math.min(n, special.length); i++) x[i] = special[i];
      for (const [op, params] of cases) {
        const what = `${op}${params ? `(${params})` : ''} n=${n}`;
        const y = new Float32Array(n);
        const yRef = ref.alloc(n);
        ref.unary(op, put(ref, x), yRef, n, params);
        y.set(ref.readSync(yRef) as Float32Array);
        if (op !== 'relu' && op !== 'relu6') {
          const r = both(w, [x, new Float32Array(n)], (be, [xs, out]) => be.unary(op, xs, out, n, params));
          closeEach(r.got[1], r.want[1], `unary ${what}`);
        }
        const dy = randomArray(n, -2, 2);
        for (const accumulate of [false, true]) {
          const r = both(w, [x, y, dy, randomArray(n)], (be, [xs, ys, d, dx]) => be.unaryBackward(op, xs, ys, d, dx, n, accumulate, params));
          closeEach(r.got[3], r.want[3], `unaryBackward ${what} accumulate=${accumulate}`, true);
        }
      }
    }
  });

  test(`binary element-wise ops (same shape, a repeated row, one value, either side) equal the reference exactly (${label})`, () => {
    const ops: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow'];
    const contiguous = (shape: number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((p, x) => p * x, 1));
    for (const shape of [[3, 5], [2, 3, 7], [70, 33, 32], [1, 1], [4100, 17]]) {
      const n = shape.reduce((p, x) => p * x, 1), full = contiguous(shape);
      const rowShape = shape.map((d, i) => (i === 0 ? 1 : d)), row = rowShape.reduce((p, x) => p * x, 1);
      const rowStrides = full.map((st, i) => (i === 0 ? 0 : st));
      const middle = shape.length === 3 ? { strides: [shape[2], 0, 1], size: shape[0] * shape[2] } : null;
      const cases: [string, number, number, number[][]][] = [
        ['same shape', n, n, [full, full]],
        ['row on the right', n, row, [full, rowStrides]],
        ['row on the left', row, n, [rowStrides, full]],
        ['one value on the right', n, 1, [full, full.map(() => 0)]],
        ['one value on the left', 1, n, [full.map(() => 0), full]],
        ...(middle ? [['a middle dimension repeated (generic loops)', n, middle.size, [full, middle.strides]] as [string, number, number, number[][]]] : []),
      ];
      for (const op of ops)
        for (const [what, na, nb, strides] of cases) {
          const a = randomArray(na, -2, 2), b = randomArray(nb, -2, 2);
          if (op === 'div' && nb > 0) b[0] = 0;
          if (op === 'maximum') a[0] = NaN;
          const r = both(w, [a, b, new Float32Array(n)], (be, [x, y, o]) => be.binary(op, x, y, o, { shape, strides }));
          assert.deepEqual([...r.got[2]], [...r.want[2]], `binary ${op} ${what} ${shape.join('x')}`);
        }
    }
  });

  test(`batch normalisation statistics, forward and backward (linear, relu, gelu), and GELU alone, match the reference (${label})`, () => {
    for (const n of [3, 37, 70001]) {
      const x = randomArray(n, -6, 6);
      x[0] = -30;
      let r = both(w, [x, new Float32Array(n)], (be, [xs, y]) => be.unary('gelu', xs, y, n));
      close(r.got[1], r.want[1], NORM_TOL, `unary gelu n=${n}`);
      for (const accumulate of [false, true]) {
        r = both(w, [x, randomArray(n), randomArray(n)], (be, [xs, dy, dx]) => be.unaryBackward('gelu', xs, null, dy, dx, n, accumulate));
        close(r.got[2], r.want[2], NORM_TOL, `unaryBackward gelu accumulate=${accumulate} n=${n}`);
      }
    }
    const acts: NormActivation[] = ['linear', 'relu', 'gelu'];
    // Odd column counts (vector tails), one task and many chunks, a mean far from zero.
    for (const [rows, cols, offset] of [[5, 3, 0], [37, 33, 0.5], [3000, 24, 4], [700, 130, -2]]) {
      const n = rows * cols;
      const x = randomArray(n, -2, 2).map((v) => v + offset);
      let r = both(w, [x, new Float32Array(cols), new Float32Array(cols)], (be, [xs, m, v]) => be.batchNormStats(xs, m, v, rows, cols));
      close(r.got[1], r.want[1], REDUCE_TOL, `batchNormStats mean ${rows}x${cols}`);
      close(r.got[2], r.want[2], REDUCE_TOL, `batchNormStats variance ${rows}x${cols}`);
      const [mean, variance] = [r.want[1], r.want[2]];
      const gamma = randomArray(cols, 0.5, 1.5), beta = randomArray(cols, -0.5, 0.5);
      for (const act of acts) {
        for (const affine of [true, false]) {
          r = both(w, [x, mean, variance, gamma, beta, new Float32Array(n)], (be, [xs, m, v, g, b, y]) =>
            be.batchNormForward(xs, m, v, affine ? g : null, affine ? b : null, y, rows, cols, 1e-3, act));
          close(r.got[5], r.want[5], NORM_TOL, `batchNormForward ${act} affine=${affine} ${rows}x${cols}`);
        }
        r = both(w, [x, mean, variance, gamma, beta], (be, [xs, m, v, g, b]) => be.batchNormForward(xs, m, v, g, b, xs, rows, cols, 1e-3, act));
        close(r.got[0], r.want[0], NORM_TOL, `batchNormForward in place ${act}`);
        const dy = randomArray(n);
        for (const training of [true, false])
          for (const accumulate of [{ dx: false, dgamma: false, dbeta: false }, { dx: true, dgamma: true, dbeta: true }]) {
            r = both(w, [x, dy, mean, variance, gamma, beta, randomArray(n), randomArray(cols), randomArray(cols)], (be, [xs, d, m, v, g, b, dx, dg, db]) =>
              be.batchNormBackward(xs, d, m, v, g, b, dx, dg, db, rows, cols, 1e-3, act, training, accumulate));
            const what = `batchNormBackward ${act} training=${training} accumulate=${accumulate.dx} ${rows}x${cols}`;
            close(r.got[6], r.want[6], NORM_TOL, `${what}: dx`);
            close(r.got[7], r.want[7], REDUCE_TOL, `${what}: dgamma`);
            close(r.got[8], r.want[8], REDUCE_TOL, `${what}: dbeta`);
          }
        // Only some outputs, no gamma/beta.
        r = both(w, [x, dy, mean, variance, new Float32Array(cols)], (be, [xs, d, m, v, db]) =>
          be.batchNormBackward(xs, d, m, v, null, null, null, null, db, rows, cols, 1e-3, act, true, { dx: false, dgamma: false, dbeta: false }));
        close(r.got[4], r.want[4], REDUCE_TOL, `batchNormBackward dbeta only ${act}`);
      }
    }
  });

  test(`softmax, softmax cross-entropy and optimizer updates match the reference (${label})`, () => {
    for (const [rows, cols] of [[1, 1], [5, 10], [32, 10], [7, 3]]) {
      const n = rows * cols;
      const logits = randomArray(n, -8, 8);
      let r = both(w, [logits, new Float32Array(n)], (be, [x, y]) => be.softmax(x, y, rows, cols));
      close(r.got[1], r.want[1], ELEM_TOL, `softmax ${rows}x${cols}`);
      const labels = new Int32Array(rows).map(() => rng.int(cols));
      r = both(w, [logits, labels, new Float32Array(rows), new Float32Array(n)], (be, [x, l, losses, d]) => be.softmaxCrossEntropy(x, l, losses, d, rows, cols, 1 / rows));
      close(r.got[2], r.want[2], ELEM_TOL, `softmaxCrossEntropy losses ${rows}x${cols}`);
      close(r.got[3], r.want[3], ELEM_TOL, `softmaxCrossEntropy dlogits ${rows}x${cols}`);
      r = both(w, [logits, labels, new Float32Array(rows)], (be, [x, l, losses]) => be.softmaxCrossEntropy(x, l, losses, null, rows, cols, 1));
      close(r.got[2], r.want[2], ELEM_TOL, `softmaxCrossEntropy without gradient`);
    }
    for (const n of [1, 6, 1001]) {
      const p = randomArray(n), g = randomArray(n), m = randomArray(n, -0.1, 0.1), v = randomArray(n, 0, 0.1);
      for (const step of [1, 7]) {
        const r = both(w, [p, g, m, v], (be, [ps, gs, ms, vs]) => be.adamUpdate(ps, gs, ms, vs, n, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, step }));
        for (let i = 0; i < 4; i += 2) close(r.got[i], r.want[i], ELEM_TOL, `adamUpdate step=${step} output ${i}`);
        close(r.got[3], r.want[3], ELEM_TOL, `adamUpdate v`);
      }
      for (const [momentum, nesterov, withVelocity] of [[0, false, false], [0.9, false, true], [0.9, true, true], [0, false, true]] as const) {
        const r = both(w, [p, g, m], (be, [ps, gs, vs]) => be.sgdUpdate(ps, gs, withVelocity ? vs : null, n, 0.01, momentum, nesterov));
        close(r.got[0], r.want[0], ELEM_TOL, `sgdUpdate momentum=${momentum} nesterov=${nesterov}`);
        close(r.got[2], r.want[2], ELEM_TOL, `sgdUpdate velocity`);
      }
      const r = both(w, [p, g, v], (be, [ps, gs, as]) => be.rmspropUpdate(ps, gs, as, n, 0.001, 0.9, 1e-7));
      close(r.got[0], r.want[0], ELEM_TOL, `rmspropUpdate p`);
      close(r.got[2], r.want[2], ELEM_TOL, `rmspropUpdate acc`);
    }
  });

  test(`dispose (${label})`, () => {
    w.dispose();
    assert.throws(() => w.alloc(4), /disposed/);
  });
}
