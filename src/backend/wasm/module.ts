/**
 * Loads the WASM kernels: picks the relaxed-SIMD build where `WebAssembly.validate` accepts it
 * (on Node.js 20 once its experimental flag is set at run time; newer engines have it on) and the
 * baseline SIMD build otherwise, compiles it once, and wraps every export in a typed function.
 */
import { BASELINE_WASM, RELAXED_WASM } from './generated/kernels.js';
import { enableRelaxedSimd, fromBase64 } from './platform.js';

/** Which build runs. */
export type KernelVariant = 'relaxed-simd' | 'simd';

/** Task kinds understood by `runTask` (see assembly/index.ts). */
export const Kind = { GEMM: 0, CONV_FWD: 1, CONV_BWD_INPUT: 2, CONV_BWD_FILTER: 3, POOL: 4, BIAS_ACT: 5, ACT_BWD: 6, ZERO: 7, BIAS_GRAD: 8, WINO_FWD: 9, WINO_FILTER: 10, WINO_FILTER_OUT: 11, WINO_INPUT: 12, CONV_BWD_FILTER_SEG: 13, WINO4_FWD: 14, WINO4_FILTER: 15, WINO4_FILTER_OUT: 16, WINO4_INPUT: 17 } as const;
/** Pooling sub-kinds (job word 17). */
export const PoolKind = { MAX_FWD: 0, MAX_BWD: 1, AVG_FWD: 2, AVG_BWD: 3 } as const;

/** The kernels' exports, with named parameters. Pointers are byte offsets; booleans are 0/1. */
export interface Kernels {
  heapBase(): number;
  tileRows(): number;
  /** 0 MR, 1 NR, 2 KC, 3 MC, 4 FB. */
  constant(which: number): number;
  /** Tasks of a job over n items cut in spans of `per` (a finer tail; see assembly/gemm.ts). */
  spanCount(n: number, per: number, grain: number): number;
  scratchBytes(kind: number, job: number): number;
  runTask(kind: number, job: number, task: number, scratch: number): void;
  packB(src: number, rowStride: number, colStride: number, depth: number, cols: number, dst: number): void;
  reduceChunks(c: number, partial: number, chunks: number, len: number, accumulate: number): void;
  /** dW[K x outC] (+)= Σ chunks of partial[outC x K], transposed. */
  reduceFilter(dw: number, partial: number, chunks: number, K: number, outC: number, accumulate: number): void;
  /** dW[K x outC] (+)= Σ chunks of partial[R x outC] in the segment layout (R = segmentRows(L, kH)). */
  reduceFilterSegments(dw: number, partial: number, chunks: number, kH: number, L: number, outC: number, accumulate: number): void;
  /** GEMM rows of the segment layout for window-row length L = kW·inC. */
  segmentRows(L: number, kH: number): number;
  /** Bytes of one chunk of Winograd filter-gradient partial sums for n = inC·outC. */
  winoChunkBytes(n: number): number;
  /** u[16 spread blocks][n] = G g Gᵀ for the n = inC·outC columns of a 3x3 kernel w[3][3][n]. */
  winoFilter(w: number, u: number, n: number): void;
  /** Packs u into `positions` (16 or 36) GEMM operands: U_ξ [inC x outC], or with `transpose` U_ξᵀ [outC x inC]. */
  winoPackFilter(u: number, packed: number, inC: number, outC: number, transpose: number, positions: number): void;
  /** Bytes of one chunk of Winograd F(4x4) filter-gradient partial sums for n = inC·outC. */
  wino4ChunkBytes(n: number): number;
  /** u[36 spread blocks][n] = G g Gᵀ (F(4x4, 3x3)) for the n = inC·outC columns of a 3x3 kernel w[3][3][n]. */
  wino4Filter(w: number, u: number, n: number): void;
  biasActivation(x: number, bias: number, y: number, row0: number, row1: number, cols: number, act: number): void;
  activationBackward(y: number, dy: number, dx: number, i0: number, i1: number, act: number, accumulate: number): void;
  biasGrad(dy: number, db: number, rows: number, cols: number, accumulate: number): void;
  /** op 0: add, 1: mul. */
  binary(a: number, b: number, out: number, n: number, op: number): void;
  scale(x: number, alpha: number, out: number, n: number, accumulate: number): void;
  fill(out: number, value: number, n: number): void;
  /** Clears bytes (bulk memory fill). */
  zero(ptr: number, bytes: number): void;
  copy(src: number, dst: number, n: number): void;
  fromUint8(src: number, dst: number, n: number, scale: number): void;
  sum(x: number, n: number): number;
  softmax(x: number, y: number, rows: number, cols: number): void;
  softmaxCrossEntropy(logits: number, labels: number, losses: number, dlogits: number, rows: number, cols: number, gradScale: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, alpha: number, beta1: number, beta2: number, epsilon: number): void;
  sgd(p: number, g: number, velocity: number, n: number, lr: number, momentum: number, nesterov: number): void;
  rmsprop(p: number, g: number, acc: number, n: number, lr: number, rho: number, epsilon: number): void;
}

const NAMES: readonly (keyof Kernels)[] = [
  'heapBase', 'tileRows', 'constant', 'spanCount', 'scratchBytes', 'runTask', 'packB', 'reduceChunks', 'reduceFilter', 'reduceFilterSegments', 'segmentRows', 'winoChunkBytes', 'winoFilter', 'winoPackFilter', 'wino4ChunkBytes', 'wino4Filter', 'biasActivation',
  'activationBackward', 'biasGrad', 'binary', 'scale', 'fill', 'zero', 'copy', 'fromUint8', 'sum', 'softmax',
  'softmaxCrossEntropy', 'adam', 'sgd', 'rmsprop',
];

let chosen: { variant: KernelVariant; bytes: Uint8Array<ArrayBuffer> } | null = null;
const compiled = new Map<KernelVariant, WebAssembly.Module>();

/**
 * The build this engine can run (relaxed SIMD when validated, after turning on Node.js 20's
 * experimental flag), unless `force` names one.
 */
export function kernelBinary(force?: KernelVariant): { variant: KernelVariant; bytes: Uint8Array<ArrayBuffer> } {
  if (force) {
    const bytes = fromBase64(force === 'relaxed-simd' ? RELAXED_WASM : BASELINE_WASM);
    if (force === 'relaxed-simd' && !WebAssembly.validate(bytes)) enableRelaxedSimd();
    return { variant: force, bytes };
  }
  if (!chosen) {
    const relaxed = fromBase64(RELAXED_WASM);
    const ok = WebAssembly.validate(relaxed) || (enableRelaxedSimd() && WebAssembly.validate(relaxed));
    chosen = ok ? { variant: 'relaxed-simd', bytes: relaxed } : { variant: 'simd', bytes: fromBase64(BASELINE_WASM) };
  }
  return chosen;
}

/** Compiles (once) synchronously; fine in Node.js and in workers. */
export function compileSync(force?: KernelVariant): { variant: KernelVariant; module: WebAssembly.Module } {
  const { variant, bytes } = kernelBinary(force);
  let m = compiled.get(variant);
  if (!m) {
    m = new WebAssembly.Module(bytes);
    compiled.set(variant, m);
  }
  return { variant, module: m };
}

/** Compiles (once) asynchronously, as browsers require on their main thread. */
export async function compileAsync(force?: KernelVariant): Promise<{ variant: KernelVariant; module: WebAssembly.Module }> {
  const { variant, bytes } = kernelBinary(force);
  let m = compiled.get(variant);
  if (!m) {
    m = await WebAssembly.compile(bytes);
    compiled.set(variant, m);
  }
  return { variant, module: m };
}

/** Instantiates the kernels over `memory` and returns the typed exports. */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const out: Partial<Record<keyof Kernels, unknown>> = {};
  for (const name of NAMES) {
    const f = instance.exports[name];
    if (typeof f !== 'function') throw new Error(`WASM kernels lack export '${name}'`);
    out[name] = f;
  }
  return out as Kernels;
}
