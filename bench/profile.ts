/**
 * Per-kernel time profile of training steps (not a test): wraps every kernel method of the active
 * backend with a timer (wall and process CPU time), trains a few batches of the tutorial CNN, the
 * ResNets of bench/models.ts or the fast recipe's network, and prints milliseconds per
 * step by kernel (convolutions split by shape, stride and kernel size; batch normalisation by
 * activation).
 * usage: node dist/bench/profile.js [wasm|reference] [threads] [batch] [steps] [tutorial|resnet|resnet9|fast] [early|late] [adam|muon]
 * (fast: the whitening weights held still as in the recipe; 'late' holds its bias still too, as
 * from epoch 4, 'early' trains it, as in epochs 1-3; 'muon' trains it with the recipe's own
 * optimizer, Muon for the filters, instead of Adam.)
 */
import * as ck from '../src/index.js';
import { buildFastModel, FAST_MUON, muonOptimizer } from '../src/applications/fast.js';
import { patchWhitening } from '../src/layers/init/whitening.js';
import { resnet, resnet9 } from './models.js';
import { ReferenceBackend } from '../src/backend/reference/index.js';

const [backend = 'wasm', threadsArg = '2', batchArg = '32', stepsArg = '40', modelName = 'tutorial', phase = 'early', optimizerName = 'adam'] = process.argv.slice(2);
if (phase !== 'early' && phase !== 'late') throw new Error(`profile: PHASE must be early or late. Received ${phase}`);
if (optimizerName !== 'adam' && optimizerName !== 'muon') throw new Error(`profile: OPTIMIZER must be adam or muon. Received ${optimizerName}`);
if (optimizerName === 'muon' && modelName !== 'fast') throw new Error(`profile: muon is the fast recipe's optimizer; it needs the model fast. Received ${modelName}`);
const threads = Number(threadsArg), batch = Number(batchArg), steps = Number(stepsArg);

// The fast recipe's batches (1024 by default there) need more than the default 1 GB of WASM memory.
ck.setBackendSync(backend, { threads, ...(modelName === 'fast' && backend === 'wasm' ? { memoryMB: 3500 } : {}) });
const be = ck.getBackend() as unknown as Record<string, unknown>;
const totals = new Map<string, { ms: number; cpu: number; calls: number }>();
let recording = false;
/** Kernel calls in progress: a kernel that calls others (conv2dMaxPool's stored path) is timed once, as itself. */
let depth = 0;

function label(name: string, args: unknown[]): string {
  if (name === 'conv2dMaxPool') {
    const info = args[4] as { inH: number; inW: number; inC: number; outC: number; kH: number; strideH: number };
    const pool = args[5] as { poolH: number; strideH: number };
    return `${name} ${info.inH}x${info.inW}x${info.inC}->${info.outC} k${info.kH} s${info.strideH} pool${pool.poolH} s${pool.strideH}`;
  }
  if (name.startsWith('conv2d')) {
    const info = args[3] as { inH: number; inW: number; inC: number; outC: number; kH: number; strideH: number };
    return `${name} ${info.inH}x${info.inW}x${info.inC}->${info.outC} k${info.kH} s${info.strideH}`;
  }
  if (name === 'binary') {
    const info = args[4] as { shape: number[]; strides: number[][] };
    const same = info.strides.every((st) => st.join() === info.strides[0].join());
    return `binary ${args[0]} ${info.shape.reduce((a, b) => a * b, 1) >= 65536 ? 'large' : 'small'}${same ? '' : ' broadcast'}`;
  }
  if (name === 'unary' || name === 'unaryBackward') return `${name} ${args[0]} ${(args[name === 'unary' ? 3 : 5] as number) >= 65536 ? 'large' : 'small'}`;
  if (name === 'batchNormForward') return `${name} ${args[9]}`;
  if (name === 'batchNormBackward') return `${name} ${args[12]}`;
  if (name === 'gemm') return `gemm ${args[3]}x${args[4]}x${args[5]}${args[6] ? ' Aᵀ' : ''}${args[7] ? ' Bᵀ' : ''}`;
  return name;
}

/**
 * The kernel methods of the Backend contract: the methods both backends have (private helpers
 * are the WASM backend's own), less memory management and steps, which are not timed.
 */
const NOT_KERNELS = new Set(['constructor', 'alloc', 'free', 'write', 'readSync', 'read', 'beginStep', 'endStep', 'memory', 'dispose', 'materialize', 'waitForWorkers', 'winogradTile']);
const contract = new Set(Object.getOwnPropertyNames(ReferenceBackend.prototype));
const KERNELS = Object.getOwnPropertyNames(Object.getPrototypeOf(be)).filter((k) => contract.has(k) && typeof be[k] === 'function' && !NOT_KERNELS.has(k));
for (const name of KERNELS) {
  const f = be[name] as (...a: unknown[]) => unknown;
  be[name] = (...args: unknown[]) => {
    if (!recording || depth > 0) return f.apply(be, args);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    depth++;
    let r: unknown;
    try {
      r = f.apply(be, args);
    } finally {
      depth--;
    }
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    const key = label(name, args);
    const e = totals.get(key) ?? { ms: 0, cpu: 0, calls: 0 };
    e.ms += t1 - t0;
    e.cpu += (c1.user + c1.system) / 1000;
    e.calls++;
    totals.set(key, e);
    return r;
  };
}

ck.setSeed(0);
const models: Record<string, () => ck.LayersModel> = {
  tutorial: () => ck.tutorial.buildModel(), resnet: () => resnet(1), resnet9, fast: () => buildFastModel([32, 32, 3], 10, [64, 128, 128]),
};
if (!(modelName in models)) throw new Error(`model must be one of ${Object.keys(models).join(', ')}. Received ${modelName}`);
const model = models[modelName]();
// Muon as the recipe sets it up for a run of 9 epochs of these steps (its schedule over 9·steps).
const optimizer = optimizerName === 'muon' ? muonOptimizer(model, FAST_MUON, batch, 9 * steps, 3 * steps) : ck.train.adam();
model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const rng = new ck.Random(1);
const n = batch * steps;
const x = ck.tensor(Uint8Array.from({ length: n * 3072 }, () => rng.int(256)), [n, 32, 32, 3], 'uint8');
const y = ck.tensor(Int32Array.from({ length: n }, () => rng.int(10)), [n], 'int32');
const rescale = modelName === 'fast' ? undefined : 1 / 255;
if (modelName === 'fast') {
  // As the recipe: the whitening layer from the images (pixels stay 0-255 there).
  const { kernel, bias } = patchWhitening(x, { kernelSize: 2, maxImages: 1000 });
  model.getLayer('whiten').setWeights([kernel, bias]);
  const [whitenKernel, whitenBias] = model.getLayer('whiten').trainableWeights.map((v) => v.tensor);
  optimizer.paramGroup(phase === 'late' ? [whitenKernel, whitenBias] : [whitenKernel], { trainable: false });
}
await model.fit(x, y, { epochs: 1, batchSize: batch, rescale, verbose: 0, shuffle: false });
recording = true;
const t0 = performance.now();
await model.fit(x, y, { epochs: 1, batchSize: batch, rescale, verbose: 0, shuffle: false });
const wall = performance.now() - t0;
recording = false;

let kernelMs = 0, kernelCpu = 0;
for (const e of totals.values()) {
  kernelMs += e.ms;
  kernelCpu += e.cpu;
}
console.log(`Per-kernel profile: ${modelName}, ${backend}, ${ck.getBackend().threads} thread(s), batch ${batch}, ${steps} steps`);
console.log(`step ${(wall / steps).toFixed(2)} ms (${((batch * steps) / (wall / 1000)).toFixed(0)} images/s); kernels ${(kernelMs / steps).toFixed(2)} ms, outside kernels ${((wall - kernelMs) / steps).toFixed(2)} ms`);
console.log(`kernel CPU time (all threads) ${(kernelCpu / steps).toFixed(2)} ms/step: the CPU column is robust to other processes sharing the cores`);
console.log(`${'kernel'.padEnd(40)} ${'wall ms'.padStart(8)} ${'share'.padStart(6)} ${'cpu ms'.padStart(8)} ${'share'.padStart(6)} ${'calls'.padStart(6)}`);
for (const [k, e] of [...totals.entries()].sort((a, b) => b[1].cpu - a[1].cpu))
  console.log(`${k.padEnd(40)} ${(e.ms / steps).toFixed(3).padStart(8)} ${((100 * e.ms) / wall).toFixed(1).padStart(5)}% ${(e.cpu / steps).toFixed(3).padStart(8)} ${((100 * e.cpu) / kernelCpu).toFixed(1).padStart(5)}% ${(e.calls / steps).toFixed(1).padStart(6)}`);
ck.getBackend().dispose();
