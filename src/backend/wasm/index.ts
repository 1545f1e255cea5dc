/**
 * The WASM backend: AssemblyScript SIMD kernels over one shared WebAssembly.Memory, with worker
 * threads that split each large kernel into tasks. All tensors live in that memory: persistent
 * blocks through a free list, step tensors in a bump arena reset at `endStep`, and private
 * workspaces (packed weights, partial sums, per-thread scratch) that only grow.
 */
import type {
  AdamParams, Backend, BinaryOp, BroadcastInfo, Conv2DInfo, ConvEpilogue, CropInfo, DifferentiableUnaryOp, DType, KernelActivation, MemoryInfo, NormAccumulate, NormActivation, Pool2DInfo, ReduceOp,
  ResizeInfo, Storage,
  TypedArray, UnaryOp,
} from '../backend.js';
import * as conv from '../cpu/convolution.js';
import * as cpu from '../cpu/generic.js';
import * as cpuImage from '../cpu/image.js';
import * as norm from '../cpu/normalization.js';
import * as cpuScan from '../cpu/scan.js';
import type { BackendOptions } from '../engine.js';
import { StateError, ValueError, check } from '../../errors.js';
import { LinearAllocator } from './allocator.js';
import { CONTROL_BYTES, JOB_OFFSET } from './control.js';
import { compileAsync, compileSync, instantiate, Kind, PoolKind, type KernelVariant, type Kernels } from './module.js';
import { availableCores } from './platform.js';
import { ThreadPool } from './threads.js';
import { Workspace } from './workspace.js';
import { chooseConvAlgorithm, filterGradientTile, winogradBlockBytes, type WinogradTile } from './conv-plan.js';
import { checkArgmaxWindow, checkConvPool } from '../shape.js';

export { chooseConvAlgorithm, filterGradientTile } from './conv-plan.js';

/** Options of the WASM backend. */
export interface WasmBackendOptions extends BackendOptions {
  /** Force a kernel build instead of the best one the engine validates. */
  variant?: KernelVariant;
  /** Spin iterations before a waiting thread sleeps. */
  spin?: number;
  /**
   * Run jobs on the calling thread alone for a while after a worker lost its core mid-task
   * (default true). Results are identical either way; tests turn it off to force the threads.
   */
  adaptive?: boolean;
  /**
   * Output tile of the Winograd convolutions: 2 (F(2x2, 3x3)), 3 (F(3x3, 3x3)), 4 (F(4x4, 3x3)), 7 (F(7x7, 3x3)) or 8 (F(8x8, 3x3))
   * for every one, instead of the choice per shape (benchmarks and tests compare them).
   */
  winogradTile?: WinogradTile;
}

/** Default size of the shared memory, in MiB (only touched pages cost physical memory). */
export const DEFAULT_MEMORY_MB = 1024;
/** Work below which a kernel runs on the calling thread alone. */
const PAR_FLOPS = 1 << 18;
const PAR_ELEMS = 1 << 16;
const PAR_ZERO = 1 << 18;
/** Most spans of one job before its quarter-size tail (the pool takes at most 65,534 tasks). */
const MAX_SPANS = 30000;
/** Budget for the Winograd filter gradient's partial sums. */
const PARTIAL_BYTES = 64 << 20;
const ACT_CODE: Record<KernelActivation, number> = { linear: 0, relu: 1, sigmoid: 2, tanh: 3 };
const NORM_ACT: Record<NormActivation, number> = { linear: 0, relu: 1, gelu: 2 };
/** The unary ops of the SIMD kernel, each exact in float32 (assembly/ops.ts `unv`). */
const UNARY_CODE: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 1, square: 2, sqrt: 3, reciprocal: 4, relu: 5, relu6: 6, floor: 7, ceil: 8 };
/** The activations of the SIMD activation kernel (assembly/activation.ts); relu and relu6 for their gradients (their forms are exact in UNARY_CODE). */
const ACTIVATION_CODE: Partial<Record<DifferentiableUnaryOp, number>> = {
  gelu: 0, sigmoid: 1, tanh: 2, elu: 3, selu: 4, swish: 5, softplus: 6, mish: 7, leakyRelu: 8, hardSigmoid: 9, softsign: 10, exp: 11, relu: 12, relu6: 13,
};
/** Activations whose gradient the reference takes from y = f(x) alone. */
const FROM_Y = new Set<DifferentiableUnaryOp>(['sigmoid', 'tanh', 'exp', 'relu']);
/** elu's and leakyRelu's α (the reference's defaults when absent). */
function alphaOf(op: UnaryOp, params?: readonly number[]): number {
  return op === 'elu' ? (params?.[0] ?? 1) : op === 'leakyRelu' ? (params?.[0] ?? 0.2) : 0;
}
/** The job kinds of each Winograd tile's passes. */
const WINO_KIND = {
  2: { fwd: Kind.WINO_FWD, input: Kind.WINO_INPUT, filter: Kind.WINO_FILTER, filterOut: Kind.WINO_FILTER_OUT },
  3: { fwd: Kind.WINO3_FWD, input: Kind.WINO3_INPUT, filter: Kind.WINO3_FILTER, filterOut: Kind.WINO3_FILTER_OUT },
  4: { fwd: Kind.WINO4_FWD, input: Kind.WINO4_INPUT, filter: Kind.WINO4_FILTER, filterOut: Kind.WINO4_FILTER_OUT },
  7: { fwd: Kind.WINO7_FWD, input: Kind.WINO7_INPUT, filter: Kind.WINO7_FILTER, filterOut: Kind.WINO7_FILTER_OUT },
  8: { fwd: Kind.WINO8_FWD, input: Kind.WINO8_INPUT, filter: Kind.WINO8_FILTER, filterOut: Kind.WINO8_FILTER_OUT },
} as const;
/** Whether tile m runs on winograd8.ts's tasks (F(8x8), F(7x7), F(3x3)); F(4x4) and F(2x2) have kernels of their own. */
const generalTile = (m: WinogradTile): m is 3 | 7 | 8 => m === 3 || m === 7 || m === 8;
/** Ops of the binary kernel (assembly/ops.ts), and the op that computes op(b, a) as op'(a, b). */
const BINARY_CODE: Partial<Record<BinaryOp, number>> = { add: 0, mul: 1, sub: 2, div: 3, maximum: 4, minimum: 5 };
const SWAPPED_CODE: Partial<Record<BinaryOp, number>> = { add: 0, mul: 1, sub: 6, div: 7, maximum: 4, minimum: 5 };

/**
 * How an operand's strides cover a contiguous output `shape`: mode 0 the same layout, 1 a trailing
 * block of `cols` values repeated over the leading dimensions (zero strides there), 2 one value,
 * 3 anything else.
 */
function broadcastMode(shape: readonly number[], strides: readonly number[]): { mode: number; cols: number } {
  let expect = 1, d = shape.length - 1;
  for (; d >= 0 && (shape[d] === 1 || strides[d] === expect); d--) expect *= shape[d];
  const cols = expect;
  for (; d >= 0; d--) if (shape[d] !== 1 && strides[d] !== 0) return { mode: 3, cols };
  const n = shape.reduce((p, x) => p * x, 1);
  return cols === n ? { mode: 0, cols } : cols === 1 ? { mode: 2, cols } : { mode: 1, cols };
}

/**
 * Rows per task of a normalisation's sums: a function of the shape alone (so the sums, added per
 * chunk, do not depend on the thread count), one task below PAR_ELEMS values, at most 64 chunks.
 */
function normChunks(rows: number, cols: number): { per: number; chunks: number } {
  const per = rows * cols < PAR_ELEMS ? rows : Math.max(64, Math.ceil(rows / 64));
  return { per, chunks: Math.ceil(rows / per) };
}

const PERSISTENT = 0, STEP = 1, VIEW = 2;

/**
 * A block of the backend's memory. A step block whose memory held older data is cleared lazily:
 * `pending` stays set until something reads it (`data`, a kernel input, an accumulating output),
 * and a kernel that overwrites the whole block never clears it at all, which saves a large share
 * of a training step's memory traffic.
 */
class WasmStorage implements Storage {
  pending = false;
  constructor(
    private readonly owner: WasmBackend,
    private readonly view: TypedArray,
    readonly ptr: number,
    readonly size: number,
    readonly kind: number,
    readonly dtype: DType,
  ) {}
  /** Clears the block now if its clearing is still pending. */
  settle(): void {
    if (this.pending) this.owner.materialize(this);
  }
  /** The block's values (a view of the memory), after any pending clear. */
  get data(): TypedArray {
    this.settle();
    return this.view;
  }
}

/** Bytes per element of a dtype. */
function bytesOf(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** The values of an input storage (pending clears done). */
function vin(s: Storage): TypedArray {
  return (s as WasmStorage).data;
}

/** The values of an output storage that the caller overwrites in [0, n) (no clearing when that is all of it). */
function vout(s: Storage, n: number): TypedArray {
  out(s, n);
  return (s as WasmStorage).data;
}

/** Byte offset of a storage of this backend in the memory. */
function ptrOf(s: Storage): number {
  return (s as WasmStorage).ptr;
}

/** Pointer of a kernel input (or accumulated output): clears a pending block first. */
function inp(s: Storage): number {
  if ((s as WasmStorage).pending) (s as WasmStorage).settle();
  return ptrOf(s);
}

/** Pointer of a kernel output that overwrites elements [0, n): no clearing needed when that is all of it. */
function out(s: Storage, n: number): number {
  const w = s as WasmStorage;
  if (w.pending) {
    if (n >= w.size) w.pending = false;
    else w.settle();
  }
  return ptrOf(s);
}

/** Accumulating outputs are inputs too. */
function acc(s: Storage, accumulate: boolean, n: number): number {
  return accumulate ? inp(s) : out(s, n);
}

/** The values of an output storage that a kernel adds into (`accumulate`) or overwrites in [0, n). */
function accOut(s: Storage, accumulate: boolean, n: number): TypedArray {
  return accumulate ? vin(s) : vout(s, n);
}

/** A float32 storage's view (the float kernels' operands). */
function f32(a: TypedArray): Float32Array {
  return a as Float32Array;
}

/** Whether a convolution has a dilation other than 1 (the SIMD kernels cover dilation 1 only). */
function dilated(info: Conv2DInfo): boolean {
  return info.dilationH !== 1 || info.dilationW !== 1;
}

function roundUp(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly threads: number;
  /** The kernel build in use. */
  readonly variant: KernelVariant;
  readonly memoryObject: WebAssembly.Memory;
  private readonly k: Kernels;
  private readonly heap: LinearAllocator;
  private readonly pool: ThreadPool;
  private readonly job: number;
  private readonly jobWords: Int32Array;
  /** One float32 and its bits, for a job word that holds a float. */
  private readonly jobFloat = new Float32Array(1);
  private readonly jobFloatBits = new Int32Array(this.jobFloat.buffer);
  private readonly mr: number;
  /** Rows of a backprop-filter block (task spans of filter jobs are multiples of it). */
  private readonly fb: number;
  private readonly ws: Workspace;
  private readonly useWinograd: boolean;
  private readonly forcedTile: WinogradTile | undefined;
  private inStep = false;
  private disposed = false;

  constructor(module: WebAssembly.Module, variant: KernelVariant, options: WasmBackendOptions = {}) {
    const threads = options.threads ?? availableCores();
    if (!Number.isInteger(threads) || threads < 1) throw new ValueError(`threads must be a positive integer, got ${threads}`);
    const mb = options.memoryMB ?? DEFAULT_MEMORY_MB;
    if (!(mb >= 1 && mb <= 4095)) throw new ValueError(`memoryMB must be in [1, 4095], got ${mb}`);
    const pages = Math.ceil((mb * 1048576) / 65536);
    this.memoryObject = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.k = instantiate(module, this.memoryObject);
    this.variant = variant;
    this.threads = threads;
    this.mr = this.k.tileRows();
    this.fb = this.k.constant(4);
    this.useWinograd = options.winograd ?? true;
    check(options.winogradTile === undefined || [2, 3, 4, 7, 8].includes(options.winogradTile), 'WASM backend', 'winogradTile must be 2, 3, 4, 7 or 8', { winogradTile: options.winogradTile });
    this.forcedTile = options.winogradTile;
    const control = roundUp(this.k.heapBase(), 64);
    // The last 64 bytes stay unallocated: kernels may read a vector past the end of a block.
    this.heap = new LinearAllocator(control + CONTROL_BYTES, pages * 65536 - 64);
    this.job = control + JOB_OFFSET;
    this.jobWords = new Int32Array(this.memoryObject.buffer, this.job, (CONTROL_BYTES - JOB_OFFSET) >> 2);
    this.pool = new ThreadPool(threads, this.memoryObject, module, control, this.k.runTask, options.spin, options.adaptive ?? true);
    this.ws = new Workspace(this.heap, this.pool, threads);
  }

  /** Blocks until every worker has started (they start in the background; kernels never wait). */
  waitForWorkers(timeoutMs?: number): boolean {
    return this.pool.waitReady(timeoutMs);
  }

  private wrap(ptr: number, size: number, kind: number, dtype: DType = 'float32'): WasmStorage {
    const buf = this.memoryObject.buffer;
    const view = dtype === 'float32' ? new Float32Array(buf, ptr, size) : dtype === 'int32' ? new Int32Array(buf, ptr, size) : new Uint8Array(buf, ptr, size);
    return new WasmStorage(this, view, ptr, size, kind, dtype);
  }

  /** Clears a step block whose clearing was deferred (see WasmStorage). */
  materialize(s: Storage): void {
    (s as WasmStorage).pending = false;
    this.clear(ptrOf(s), s.size * bytesOf(s.dtype));
  }

  private clear(ptr: number, bytes: number): void {
    // Large blocks by all threads (clearing is a visible share of a step).
    if (this.parallel(bytes >> 2, PAR_ZERO)) {
      const per = 1 << 18;
      this.setJob(ptr, bytes, per);
      this.pool.run(Kind.ZERO, this.job, Math.ceil(bytes / per));
    } else this.k.zero(ptr, bytes);
  }

  // ---- memory ----------------------------------------------------------------------------------
  readonly canReadSync = true;

  alloc(size: number, dtype: DType = 'float32'): Storage {
    if (this.disposed) throw new StateError('This WASM backend was disposed');
    const bytes = size * bytesOf(dtype);
    const { ptr, dirty } = this.inStep ? this.heap.allocStep(bytes) : this.heap.allocPersistent(bytes);
    const s = this.wrap(ptr, size, this.inStep ? STEP : PERSISTENT, dtype);
    if (dirty && size > 0) {
      // Reused memory reads as zeros: step blocks are cleared when first read (often never).
      if (this.inStep) s.pending = true;
      else this.clear(ptr, bytes);
    }
    return s;
  }
  free(s: Storage): void {
    if (s instanceof WasmStorage && s.kind === PERSISTENT && !this.disposed) this.heap.freePersistent(ptrOf(s), s.size * bytesOf(s.dtype));
  }
  write(s: Storage, values: ArrayLike<number>, offset = 0): void {
    if (offset < 0 || offset + values.length > s.size) throw new ValueError(`write of ${values.length} values at ${offset} is outside a storage of ${s.size}`);
    const d = offset === 0 ? vout(s, values.length) : vin(s);
    if (s.dtype === 'bool') for (let i = 0; i < values.length; i++) d[offset + i] = values[i] !== 0 ? 1 : 0;
    else if (ArrayBuffer.isView(values) && values.constructor === d.constructor) d.set(values as TypedArray, offset);
    else for (let i = 0; i < values.length; i++) d[offset + i] = values[i];
  }
  readSync(s: Storage, offset = 0, size = s.size - offset): TypedArray {
    return vin(s).slice(offset, offset + size);
  }
  async read(s: Storage, offset?: number, size?: number): Promise<TypedArray> {
    return this.readSync(s, offset, size);
  }
  beginStep(): void {
    if (this.inStep) throw new StateError('Steps do not nest');
    this.inStep = true;
  }
  endStep(): void {
    this.inStep = false;
    this.heap.resetStep();
  }
  memory(): MemoryInfo {
    return { persistentBytes: this.heap.persistentBytes, arenaHighWater: this.heap.arenaHighWater, reservedBytes: this.memoryObject.buffer.byteLength };
  }
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.dispose();
  }

  // ---- jobs ------------------------------------------------------------------------------------
  private setJob(...words: number[]): void {
    for (let i = 0; i < words.length; i++) this.jobWords[i] = words[i];
  }
  private run(kind: number, tasks: number): void {
    this.ws.ensureScratch(this.k.scratchBytes(kind, this.job));
    this.pool.run(kind, this.job, tasks);
  }
  private parallel(work: number, limit: number): boolean {
    return this.threads > 1 && work >= limit;
  }

  // ---- generic kernels -------------------------------------------------------------------------
  // Plain loops over views of the memory (cpu/generic.ts), shared with the reference backend,
  // except the float32 ops with SIMD kernels: the exact unary ops, the activations and their
  // gradients, and the common binary ops.
  unary(op: UnaryOp, x: Storage, y: Storage, n: number, params?: readonly number[]): void {
    if (x.dtype !== 'float32' || y.dtype !== 'float32') cpu.unary(op, vin(x), vout(y, n), n, params);
    else if (UNARY_CODE[op] !== undefined) this.unaryKernel(UNARY_CODE[op], x, y, n);
    else if (ACTIVATION_CODE[op as DifferentiableUnaryOp] !== undefined) this.activation(ACTIVATION_CODE[op as DifferentiableUnaryOp]!, x, null, null, y, n, false, alphaOf(op, params));
    else cpu.unary(op, vin(x), vout(y, n), n, params);
  }
  unaryBackward(op: DifferentiableUnaryOp, x: Storage | null, y: Storage | null, dy: Storage, dx: Storage, n: number, accumulate: boolean, params?: readonly number[]): void {
    const code = ACTIVATION_CODE[op];
    // The kernel's gradient reads what the reference's does: y for sigmoid, tanh, exp and relu, x and y for elu, x otherwise.
    const needs = code === undefined ? null : FROM_Y.has(op) ? [y] : op === 'elu' ? [x, y] : [x];
    if (needs && needs.every((s) => s && s.dtype === 'float32') && dy.dtype === 'float32' && dx.dtype === 'float32') this.activation(code!, x, y, dy, dx, n, accumulate, alphaOf(op, params));
    else cpu.unaryBackward(op, x && vin(x), y && vin(y), vin(dy), accumulate ? vin(dx) : vout(dx, n), n, accumulate, params);
  }
  /** The SIMD kernel of the exact float32 unary ops (UNARY_CODE) over the threads (assembly/ops.ts). */
  private unaryKernel(code: number, x: Storage, y: Storage, n: number): void {
    if (n <= 0) return;
    inp(x);
    if (y !== x) out(y, n);
    const per = this.parallel(n, PAR_ELEMS) ? roundUp(Math.ceil(n / (4 * this.threads)), 16) : n;
    this.setJob(ptrOf(x), ptrOf(y), n, code, per);
    this.run(Kind.UNARY, Math.ceil(n / per));
  }
  /** An activation (dy null) or dy·its gradient as a SIMD kernel over the threads (assembly/activation.ts). */
  private activation(code: number, x: Storage | null, y: Storage | null, dy: Storage | null, o: Storage, n: number, accumulate: boolean, alpha: number): void {
    if (n <= 0) return;
    for (const s of [x, y, dy]) if (s) inp(s);
    acc(o, accumulate, n);
    const per = this.parallel(n, PAR_ELEMS) ? roundUp(Math.ceil(n / (4 * this.threads)), 16) : n;
    this.jobFloat[0] = alpha;
    this.setJob(x ? ptrOf(x) : 0, y ? ptrOf(y) : 0, dy ? ptrOf(dy) : 0, ptrOf(o), n, per, +accumulate, code, this.jobFloatBits[0]);
    this.run(Kind.ACTIVATION, Math.ceil(n / per));
  }
  binary(op: BinaryOp, a: Storage, b: Storage, o: Storage, info: BroadcastInfo): void {
    if (!this.binaryKernel(op, a, b, o, info)) cpu.binary(op, vin(a), vin(b), vout(o, o.size), info);
  }
  /**
   * The SIMD kernel for float32 add/sub/mul/div/maximum/minimum where one operand has the output's
   * shape and the other the same shape, a trailing block of it repeated (a bias row) or one value;
   * false for everything else (left to the generic loops).
   */
  private binaryKernel(op: BinaryOp, a: Storage, b: Storage, o: Storage, info: BroadcastInfo): boolean {
    const code = BINARY_CODE[op];
    if (code === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || o.dtype !== 'float32') return false;
    const n = info.shape.reduce((p, d) => p * d, 1);
    if (n === 0) return true;
    const [sa, sb] = info.strides;
    const ma = broadcastMode(info.shape, sa), mb = broadcastMode(info.shape, sb);
    let full = a, other = b, mode = mb, opCode = code;
    if (ma.mode !== 0) [full, other, mode, opCode] = [b, a, ma, SWAPPED_CODE[op]!];
    if ((full === a ? ma : mb).mode !== 0 || mode.mode === 3) return false;
    // Rows of the repeated block, or single elements (in spans that keep whole vectors).
    const cols = mode.mode === 1 ? mode.cols : 1, rows = n / cols;
    inp(full);
    inp(other);
    out(o, n);
    const per = rows > 1 && this.parallel(n, PAR_ELEMS) ? (cols === 1 ? roundUp(Math.ceil(n / (4 * this.threads)), 16) : Math.ceil(rows / (4 * this.threads))) : rows;
    this.setJob(ptrOf(full), ptrOf(other), ptrOf(o), rows, cols, opCode, mode.mode, per);
    this.run(Kind.BINARY, Math.ceil(rows / per));
    return true;
  }
  where(cond: Storage, a: Storage, b: Storage, o: Storage, info: BroadcastInfo): void {
    cpu.where(vin(cond), vin(a), vin(b), vout(o, o.size), info);
  }
  cast(x: Storage, y: Storage, n: number): void {
    cpu.cast(vin(x), vout(y, n), n);
  }
  fill(o: Storage, value: number, n: number, offset = 0): void {
    if (o.dtype === 'float32') this.k.fill(offset === 0 ? out(o, n) + 0 : inp(o) + offset * 4, value, n);
    else (offset === 0 ? vout(o, n) : vin(o)).fill(o.dtype === 'bool' ? +(value !== 0) : value, offset, offset + n);
  }
  stridedCopy(src: Storage, srcOffset: number, srcStrides: readonly number[], dst: Storage, dstOffset: number, dstStrides: readonly number[], shape: readonly number[], accumulate = false): void {
    cpu.stridedCopy(vin(src), srcOffset, srcStrides, vin(dst), dstOffset, dstStrides, shape, accumulate);
  }
  reduce(op: ReduceOp, x: Storage, y: Storage, outer: number, inner: number): void {
    cpu.reduce(op, vin(x), vout(y, outer), outer, inner);
  }
  gather(x: Storage, indices: Storage, y: Storage, outer: number, axisLen: number, inner: number, n: number): void {
    cpu.gather(vin(x), vin(indices), vout(y, outer * n * inner), outer, axisLen, inner, n);
  }
  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number, n: number): void {
    cpu.scatterAdd(vin(dy), vin(indices), vin(dx), outer, axisLen, inner, n);
  }
  randomUniform(o: Storage, n: number, seed: number): void {
    cpu.randomUniform(vout(o, n), n, seed);
  }
  cumulative(op: 'sum' | 'prod', x: Storage, y: Storage, outer: number, len: number, inner: number, exclusive: boolean, reverse: boolean): void {
    cpuScan.cumulative(op, vin(x), vout(y, outer * len * inner), outer, len, inner, exclusive, reverse);
  }
  topk(x: Storage, values: Storage, indices: Storage, rows: number, cols: number, k: number, sorted: boolean): void {
    cpuScan.topk(vin(x), vout(values, rows * k), vout(indices, rows * k), rows, cols, k, sorted);
  }
  resizeBilinear(x: Storage, y: Storage, info: ResizeInfo): void {
    cpuImage.resizeBilinear(vin(x), vout(y, info.batch * info.outH * info.outW * info.channels), info);
  }
  resizeBilinearBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void {
    const n = info.batch * info.inH * info.inW * info.channels;
    cpuImage.resizeBilinearBackward(vin(dy), accumulate ? vin(dx) : vout(dx, n), info, accumulate);
  }
  resizeNearest(x: Storage, y: Storage, info: ResizeInfo): void {
    cpuImage.resizeNearest(vin(x), vout(y, info.batch * info.outH * info.outW * info.channels), info);
  }
  resizeNearestBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void {
    const n = info.batch * info.inH * info.inW * info.channels;
    cpuImage.resizeNearestBackward(vin(dy), accumulate ? vin(dx) : vout(dx, n), info, accumulate);
  }
  cropAndResize(image: Storage, boxes: Storage, boxIndices: Storage, y: Storage, info: CropInfo): void {
    // Boxes whose image index is outside the batch leave their output as it was: read it in.
    cpuImage.cropAndResize(vin(image), vin(boxes), vin(boxIndices), vin(y), info);
  }

  // ---- batch normalisation ----------------------------------------------------------------------
  // SIMD tasks over row spans (assembly/norm.ts); per-column sums come back as float64 partials per
  // chunk of rows, added here in chunk order, and per-column coefficients are computed here in
  // float64. Chunks depend on the shape only, so results do not depend on the thread count.
  batchNormStats(x: Storage, mean: Storage, variance: Storage, rows: number, cols: number): void {
    if (rows <= 0 || cols <= 0) {
      norm.batchNormStats(vin(x) as Float32Array, vout(mean, cols) as Float32Array, vout(variance, cols) as Float32Array, rows, cols);
      return;
    }
    const X = vin(x) as Float32Array;
    const { per, chunks } = normChunks(rows, cols);
    const part = this.ws.ensure('normPartials', chunks * cols * 16);
    this.setJob(ptrOf(x), rows, cols, per, part);
    this.run(Kind.NORM_STATS, chunks);
    const [s1, s2] = this.normSums(part, chunks, cols);
    const m = vout(mean, cols), v = vout(variance, cols);
    for (let c = 0; c < cols; c++) {
      const d = s1[c] / rows;
      m[c] = X[c] + d;
      v[c] = Math.max(0, s2[c] / rows - d * d);
    }
  }
  batchNormForward(x: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, rows: number, cols: number, epsilon: number, act: NormActivation): void {
    if (rows <= 0 || cols <= 0) return;
    const M = vin(mean), V = vin(variance), G = gamma && vin(gamma), B = beta && vin(beta);
    const coef = this.normCoefficients(cols, 2);
    for (let c = 0; c < cols; c++) {
      const scale = (G ? G[c] : 1) / Math.sqrt(V[c] + epsilon);
      coef[0][c] = scale;
      coef[1][c] = (B ? B[c] : 0) - M[c] * scale;
    }
    inp(x);
    if (y !== x) out(y, rows * cols);
    const per = this.parallel(rows * cols, PAR_ELEMS) ? Math.ceil(rows / (4 * this.threads)) : rows;
    this.setJob(ptrOf(x), ptrOf(y), rows, cols, coef[0].byteOffset, coef[1].byteOffset, NORM_ACT[act], per);
    this.run(Kind.NORM_FWD, Math.ceil(rows / per));
  }
  batchNormBackward(
    x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null, dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null,
    rows: number, cols: number, epsilon: number, act: NormActivation, training: boolean, accumulate: NormAccumulate,
  ): void {
    if (rows <= 0 || cols <= 0) {
      const f = (s: Storage | null) => s && (vin(s) as Float32Array);
      const o = (s: Storage | null, a: boolean, n: number) => s && ((a ? vin(s) : vout(s, n)) as Float32Array);
      norm.batchNormBackward(vin(x) as Float32Array, vin(dy) as Float32Array, vin(mean) as Float32Array, vin(variance) as Float32Array, f(gamma), f(beta),
        o(dx, accumulate.dx, rows * cols), o(dgamma, accumulate.dgamma, cols), o(dbeta, accumulate.dbeta, cols), rows, cols, epsilon, act, training, accumulate);
      return;
    }
    const M = vin(mean), V = vin(variance), G = gamma && vin(gamma), B = beta && vin(beta);
    // 0 mean, 1 inv, 2 g, 3 b, then the second pass's 4 A, 5 Q, 6 C.
    const coef = this.normCoefficients(cols, 7);
    const inv = new Float64Array(cols);
    for (let c = 0; c < cols; c++) {
      inv[c] = 1 / Math.sqrt(V[c] + epsilon);
      coef[0][c] = M[c];
      coef[1][c] = inv[c];
      coef[2][c] = G ? G[c] : 1;
      coef[3][c] = B ? B[c] : 0;
    }
    inp(x);
    inp(dy);
    // dz = dy·act'(z) is kept in dx when dx is overwritten; an accumulated dx recomputes it.
    const keep = dx !== null && !accumulate.dx && act !== 'linear';
    const dzPtr = keep ? out(dx, rows * cols) : 0;
    const { per, chunks } = normChunks(rows, cols);
    const part = this.ws.ensure('normPartials', chunks * cols * 16);
    this.setJob(ptrOf(x), ptrOf(dy), rows, cols, per, part, coef[0].byteOffset, coef[1].byteOffset, coef[2].byteOffset, coef[3].byteOffset, NORM_ACT[act], dzPtr);
    this.run(Kind.NORM_BWD_SUMS, chunks);
    const [sumDz, sumDzXhat] = this.normSums(part, chunks, cols);
    if (dgamma) {
      const d = accOut(dgamma, accumulate.dgamma, cols);
      for (let c = 0; c < cols; c++) d[c] = (accumulate.dgamma ? d[c] : 0) + sumDzXhat[c];
    }
    if (dbeta) {
      const d = accOut(dbeta, accumulate.dbeta, cols);
      for (let c = 0; c < cols; c++) d[c] = (accumulate.dbeta ? d[c] : 0) + sumDz[c];
    }
    if (!dx) return;
    // dx = k·(dz − m − x̂·q) = A·dz + Q·(x − mean) + C with k = γ·inv, m and q the means of dz and dz·x̂.
    for (let c = 0; c < cols; c++) {
      const k = coef[2][c] * inv[c], m = training ? sumDz[c] / rows : 0, q = training ? sumDzXhat[c] / rows : 0;
      coef[4][c] = k;
      coef[5][c] = -k * q * inv[c];
      coef[6][c] = -k * m;
    }
    acc(dx, accumulate.dx, rows * cols);
    const rowsPer = this.parallel(rows * cols, PAR_ELEMS) ? Math.ceil(rows / (4 * this.threads)) : rows;
    this.setJob(ptrOf(x), keep ? dzPtr : ptrOf(dy), ptrOf(dx), rows, cols, coef[4].byteOffset, coef[5].byteOffset, coef[6].byteOffset, coef[0].byteOffset, +accumulate.dx, rowsPer,
      keep || act === 'linear' ? -1 : NORM_ACT[act], coef[1].byteOffset, coef[2].byteOffset, coef[3].byteOffset);
    this.run(Kind.NORM_BWD_DX, Math.ceil(rows / rowsPer));
  }
  /** `count` float32 arrays of `cols` values in one workspace (the kernels' per-column coefficients). */
  private normCoefficients(cols: number, count: number): Float32Array[] {
    const stride = roundUp(cols, 16);
    const ptr = this.ws.ensure('normCoefficients', count * stride * 4);
    return Array.from({ length: count }, (_, i) => new Float32Array(this.memoryObject.buffer, ptr + i * stride * 4, cols));
  }
  /** The two per-column sums of a normalisation job's float64 partials, added in chunk order. */
  private normSums(part: number, chunks: number, cols: number): [Float64Array, Float64Array] {
    const p = new Float64Array(this.memoryObject.buffer, part, chunks * cols * 2);
    const s1 = new Float64Array(cols), s2 = new Float64Array(cols);
    for (let t = 0; t < chunks; t++) {
      const o = t * cols * 2;
      for (let c = 0; c < cols; c++) {
        s1[c] += p[o + c];
        s2[c] += p[o + cols + c];
      }
    }
    return [s1, s2];
  }

  // ---- dense linear algebra --------------------------------------------------------------------
  gemm(a: Storage, b: Storage, c: Storage, m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): void {
    if (m <= 0 || n <= 0) return;
    const cPtr = acc(c, accumulate, m * n);
    if (k <= 0) {
      if (!accumulate) this.k.fill(cPtr, 0, m * n);
      return;
    }
    inp(a);
    inp(b);
    // Depth chunks depend on the shape only, so every thread count sums in the same order.
    let kT = 1, kb = k;
    if (k >= 4096 && m * n <= 65536) {
      kb = roundUp(Math.ceil(k / Math.min(16, Math.ceil(k / 2048))), 8);
      kT = Math.ceil(k / kb);
    }
    let mT = 1, nT = 1, mb = m, nb = n;
    if (this.parallel(m * n * k, PAR_FLOPS)) {
      // Each task packs the whole other operand again, so blocks stay ≥ 32 wide (≤ 2% extra work).
      const want = Math.max(1, Math.ceil((4 * this.threads) / kT));
      if (m >= n) {
        mb = roundUp(Math.max(32, Math.ceil(m / want)), this.mr);
        mT = Math.ceil(m / mb);
      } else {
        nb = roundUp(Math.max(32, Math.ceil(n / want)), 8);
        nT = Math.ceil(n / nb);
      }
    }
    const partial = kT > 1 ? this.ws.ensure('partial', kT * m * n * 4) : 0;
    this.setJob(ptrOf(a), ptrOf(b), ptrOf(c), m, n, k, +transA, +transB, +accumulate, mb, nb, kb, mT, nT, kT, partial);
    this.run(Kind.GEMM, mT * nT * kT);
    if (kT > 1) this.k.reduceChunks(ptrOf(c), partial, kT, m * n, accumulate);
  }

  batchGemm(a: Storage, b: Storage, c: Storage, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, accumulate: boolean): void {
    const view = (s: Storage, off: number, len: number): WasmStorage => this.wrap(inp(s) + off * 4, len, VIEW);
    if (!accumulate) out(c, batch * m * n);
    for (let i = 0; i < batch; i++) this.gemm(view(a, i * strideA, m * k), view(b, i * strideB, k * n), view(c, i * m * n, m * n), m, n, k, transA, transB, accumulate);
  }

  // ---- convolution -----------------------------------------------------------------------------
  private convJob(src: number, packed: number, out: number, i: Conv2DInfo, per: number, acc: boolean, partial: number, group: number, dy: number, bias = 0, act = 0): void {
    this.setJob(src, packed, out, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.kH, i.kW, i.strideH, i.strideW, i.padTop, i.padLeft, per, +acc, partial, group, dy, bias, act);
  }

  /** Whether this convolution runs as Winograd (F(m x m, 3x3), m = 2, 3, 4, 7 or 8): 3x3 kernel, stride 1, channels in fours (at least 8). */
  usesWinograd(info: Conv2DInfo): boolean {
    return this.winogradTile(info) !== 0;
  }

  /**
   * The Winograd output tile this convolution runs with: 8 for F(8x8, 3x3), 7 for F(7x7, 3x3), 4 for F(4x4, 3x3), 3 for F(3x3, 3x3), 2 for F(2x2, 3x3), 0
   * for im2col + GEMM. The choice depends on the shape only (see `chooseConvAlgorithm`), so every
   * thread count computes the same sums; the `winogradTile` option forces a tile wherever
   * Winograd can run.
   */
  winogradTile(info: Conv2DInfo): 0 | WinogradTile {
    const ok = this.useWinograd && info.kH === 3 && info.kW === 3 && info.strideH === 1 && info.strideW === 1 && !dilated(info) &&
      info.inC % 4 === 0 && info.outC % 4 === 0 && info.inC >= 8 && info.outC >= 8 && info.batch > 0 && info.outH > 0 && info.outW > 0;
    if (!ok) return 0;
    return this.forcedTile ?? chooseConvAlgorithm(info);
  }

  /** The layer's kernel transformed (U = G g Gᵀ) and packed for the forward pass or, with `transpose`, the input gradient. */
  private winogradFilter(w: number, info: Conv2DInfo, transpose: boolean, m: WinogradTile): number {
    const n = info.inC * info.outC, positions = (m + 2) * (m + 2);
    const u = this.ws.ensure('winogradU', this.winogradChunkBytes(m, n));
    const packed = this.ws.ensure('pack', positions * roundUp(transpose ? info.inC : info.outC, 8) * (transpose ? info.outC : info.inC) * 4);
    if (this.parallel(n * positions, PAR_ELEMS)) {
      // Transform by kernel columns, then pack by positions, over the threads (a layer of 256x256
      // channels transforms and packs 2.4 M values, about 2.5 ms on one thread).
      const cols = roundUp(Math.ceil(n / (2 * this.threads)), 4), span = Math.ceil(positions / (2 * this.threads));
      this.setJob(w, u, packed, info.inC, info.outC, +transpose, m, 0, cols);
      this.run(Kind.WINO_PREP, Math.ceil(n / cols));
      this.setJob(w, u, packed, info.inC, info.outC, +transpose, m, 1, span);
      this.run(Kind.WINO_PREP, Math.ceil(positions / span));
      return packed;
    }
    if (generalTile(m)) this.k.winoMFilter(m, w, u, n);
    else if (m === 4) this.k.wino4Filter(w, u, n);
    else this.k.winoFilter(w, u, n);
    this.k.winoPackFilter(u, packed, info.inC, info.outC, transpose, positions);
    return packed;
  }

  /** Bytes of the transformed kernel (and of one chunk of filter-gradient partial sums) for n kernel columns. */
  private winogradChunkBytes(m: WinogradTile, n: number): number {
    return generalTile(m) ? this.k.winoMChunkBytes(m, n) : m === 4 ? this.k.wino4ChunkBytes(n) : this.k.winoChunkBytes(n);
  }

  /**
   * Winograd convolution of x [batch, inH, inW, inC] into y [batch, outH, outW, outC] with a packed
   * filter; bias (or 0) and act 0/1 (linear/relu) applied. With `pool` (F(8x8), F(7x7), F(3x3)
   * only; see `fusesConvPool`), y is the 2x2 max pool of that output and `winners` (0: none) its
   * argmax bytes.
   */
  private winogradConv(x: number, packed: number, y: number, i: Conv2DInfo, m: WinogradTile, bias: number, act: number, pool?: { info: Pool2DInfo; winners: number }): void {
    const tiles = i.batch * Math.ceil(i.outH / m) * Math.ceil(i.outW / m);
    const mr = this.mr, positions = (m + 2) * (m + 2);
    // Tiles per task: the block's transformed inputs and products stay within L2 (see blockBytes).
    let per = Math.max(mr, Math.floor(winogradBlockBytes(positions, i) / (positions * 4 * (i.inC + i.outC)) / mr) * mr);
    // At least ~32 tiles a task (8 for F(8x8) and F(7x7)): each task runs 16, 25, 36, 81 or 100 GEMMs, whose fixed costs dominate tiny blocks.
    if (this.parallel(tiles * 2 * positions * i.inC * i.outC, PAR_FLOPS)) per = Math.min(per, Math.max(roundUp(m >= 7 ? 8 : 32, mr), roundUp(Math.ceil(tiles / (4 * this.threads)), mr)));
    else per = Math.min(per, roundUp(tiles, mr));
    per = Math.max(per, roundUp(Math.ceil(tiles / MAX_SPANS), mr));
    this.setJob(x, packed, y, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, per, bias, act, pool ? 1 : 0, pool?.winners ?? 0, pool?.info.outH ?? 0, pool?.info.outW ?? 0);
    this.run(WINO_KIND[m].fwd, this.k.spanCount(tiles, per, mr));
  }

  /**
   * Whether `conv2dMaxPool` pools the convolution's output as its Winograd pass stores it (the
   * output is never stored): a 2x2 stride-2 'valid' pool whose windows each lie inside one tile (m
   * even, or one tile per map), on the tiles whose tasks take the pool (F(8x8), F(7x7), F(3x3)).
   * Elsewhere the output is stored, pooled and dropped.
   */
  fusesConvPool(i: Conv2DInfo, p: Pool2DInfo): boolean {
    return this.poolingTile(i, p) !== null;
  }

  /** The Winograd tile that pools as it stores (see `fusesConvPool`), or null. */
  private poolingTile(i: Conv2DInfo, p: Pool2DInfo): 3 | 7 | 8 | null {
    const m = this.winogradTile(i);
    const twoByTwo = p.poolH === 2 && p.poolW === 2 && p.strideH === 2 && p.strideW === 2 && p.padTop === 0 && p.padLeft === 0;
    return m !== 0 && generalTile(m) && twoByTwo && (m % 2 === 0 || (i.outH <= m && i.outW <= m)) ? m : null;
  }

  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    if (dilated(info)) {
      conv.conv2d(f32(vin(x)), f32(vin(w)), f32(vout(y, info.batch * info.outH * info.outW * info.outC)), info);
      this.epilogue(y, info, epilogue);
      return;
    }
    const xPtr = inp(x), wPtr = inp(w);
    out(y, info.batch * info.outH * info.outW * info.outC);
    const bias = epilogue?.bias ? inp(epilogue.bias) : 0;
    const act = epilogue ? ACT_CODE[epilogue.act] : 0;
    const m = this.winogradTile(info);
    if (m !== 0) {
      // The output transform adds the bias and applies linear/relu itself; other activations get a pass after.
      const inline = act <= ACT_CODE.relu;
      this.winogradConv(xPtr, this.winogradFilter(wPtr, info, false, m), ptrOf(y), info, m, inline ? bias : 0, inline ? act : 0);
      if (!inline) this.biasActivation(y, epilogue?.bias ?? null, y, info.batch * info.outH * info.outW, info.outC, epilogue?.act ?? 'linear');
      return;
    }
    const K = info.kH * info.kW * info.inC, M = info.batch * info.outH * info.outW, N = info.outC;
    if (M <= 0 || N <= 0) return;
    const packed = this.ws.ensure('pack', roundUp(N, 8) * K * 4);
    this.k.packB(wPtr, N, 1, K, N, packed);
    const mr = this.mr;
    let per = Math.max(mr, Math.floor(32768 / K / mr) * mr);
    if (this.parallel(M * N * K, PAR_FLOPS)) per = Math.min(per, Math.max(mr, roundUp(Math.ceil(M / (8 * this.threads)), mr)));
    else per = Math.min(per, roundUp(M, mr));
    per = Math.max(per, roundUp(Math.ceil(M / MAX_SPANS), mr));
    // Each task applies bias and activation to its rows while they are still in cache.
    this.convJob(xPtr, packed, ptrOf(y), info, per, false, 0, 0, 0, bias, act);
    this.run(Kind.CONV_FWD, this.k.spanCount(M, per, mr));
  }

  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    if (dilated(info)) {
      conv.conv2dBackpropInput(f32(vin(dy)), f32(vin(w)), f32(accOut(dx, accumulate, info.batch * info.inH * info.inW * info.inC)), info, accumulate);
      return;
    }
    const K = info.kH * info.kW * info.inC, hw = info.outH * info.outW;
    if (info.batch <= 0) return;
    inp(dy);
    inp(w);
    acc(dx, accumulate, info.batch * info.inH * info.inW * info.inC);
    const m = this.winogradTile(info);
    if (m !== 0) {
      this.winogradBackpropInput(ptrOf(dy), ptrOf(w), ptrOf(dx), info, accumulate, m);
      return;
    }
    const packed = this.ws.ensure('pack', roundUp(K, 8) * info.outC * 4);
    this.k.packB(ptrOf(w), 1, info.outC, info.outC, K, packed);
    let g = Math.max(1, Math.floor(128 / Math.max(1, hw)));
    if (this.parallel(info.batch * hw * K * info.outC, PAR_FLOPS)) g = Math.min(g, Math.max(1, Math.ceil(info.batch / (4 * this.threads))));
    g = Math.min(g, info.batch);
    this.convJob(ptrOf(dy), packed, ptrOf(dx), info, 0, accumulate, 0, g, 0);
    this.run(Kind.CONV_BWD_INPUT, Math.ceil(info.batch / g));
  }

  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    if (dilated(info)) {
      conv.conv2dBackpropFilter(f32(vin(x)), f32(vin(dy)), f32(accOut(dw, accumulate, info.kH * info.kW * info.inC * info.outC)), info, accumulate);
      return;
    }
    const K = info.kH * info.kW * info.inC, M = info.batch * info.outH * info.outW, N = info.outC;
    if (K <= 0 || N <= 0) return;
    inp(x);
    inp(dy);
    acc(dw, accumulate, K * N);
    if (M <= 0) {
      if (!accumulate) this.k.fill(ptrOf(dw), 0, K * N);
      return;
    }
    // A pinned tile applies where Winograd runs at all (winogradTile gives 0 elsewhere).
    const m = this.forcedTile !== undefined ? this.winogradTile(info) : filterGradientTile(info, this.winogradTile(info));
    if (m !== 0) {
      this.winogradBackpropFilter(ptrOf(x), ptrOf(dy), ptrOf(dw), info, accumulate, m);
      return;
    }
    // Row chunks depend on the shape only (deterministic for any thread count).
    const per = Math.max(256, roundUp(Math.ceil(M / 16), 128));
    const chunks = this.k.spanCount(M, per, this.fb);
    if (info.inC % 4 !== 0) {
      // Channels not in fours (RGB): im2col(x)ᵀ from window-row segments, no widening.
      const L = info.kW * info.inC, R = this.k.segmentRows(L, info.kH);
      const partial = this.ws.ensure('partial', chunks * R * N * 4);
      this.convJob(ptrOf(x), 0, ptrOf(dw), info, per, accumulate, partial, chunks, ptrOf(dy));
      this.run(Kind.CONV_BWD_FILTER_SEG, chunks);
      this.k.reduceFilterSegments(ptrOf(dw), partial, chunks, info.kH, L, N, accumulate);
      return;
    }
    const partial = this.ws.ensure('partial', chunks * K * N * 4);
    this.convJob(ptrOf(x), 0, ptrOf(dw), info, per, accumulate, partial, chunks, ptrOf(dy));
    this.run(Kind.CONV_BWD_FILTER, chunks);
    this.k.reduceFilter(ptrOf(dw), partial, chunks, K, N, accumulate);
  }

  // Dilated and depthwise convolutions run as plain loops over views of the memory (cpu/convolution.ts).
  depthwiseConv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    conv.depthwiseConv2d(f32(vin(x)), f32(vin(w)), f32(vout(y, info.batch * info.outH * info.outW * info.outC)), info);
    this.epilogue(y, info, epilogue);
  }
  depthwiseConv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    conv.depthwiseConv2dBackpropInput(f32(vin(dy)), f32(vin(w)), f32(accOut(dx, accumulate, info.batch * info.inH * info.inW * info.inC)), info, accumulate);
  }
  depthwiseConv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    conv.depthwiseConv2dBackpropFilter(f32(vin(x)), f32(vin(dy)), f32(accOut(dw, accumulate, info.kH * info.kW * info.outC)), info, accumulate);
  }

  /** Bias and activation of a convolution's epilogue as a pass over its output (in place). */
  private epilogue(y: Storage, info: Conv2DInfo, epilogue: ConvEpilogue | undefined): void {
    if (epilogue && (epilogue.bias || epilogue.act !== 'linear')) this.biasActivation(y, epilogue.bias, y, info.batch * info.outH * info.outW, info.outC, epilogue.act);
  }

  /** Input gradient as Winograd: per tile dV_ξ = (A dY Aᵀ)_ξ · U_ξᵀ, scattered back as B dV Bᵀ; a task owns whole images. */
  private winogradBackpropInput(dy: number, w: number, dx: number, info: Conv2DInfo, accumulate: boolean, m: WinogradTile): void {
    const i = info, mr = this.mr, positions = (m + 2) * (m + 2);
    const tiles = Math.ceil(i.outH / m) * Math.ceil(i.outW / m);
    // Whole images a task, at least ~32 tiles (small images: several per task).
    const g = this.parallel(i.batch * tiles * 2 * positions * i.inC * i.outC, PAR_FLOPS) ? Math.min(i.batch, Math.max(Math.ceil(32 / tiles), Math.ceil(i.batch / (8 * this.threads)))) : i.batch;
    const blk = Math.min(Math.max(mr, Math.floor(winogradBlockBytes(positions, i) / (positions * 4 * (i.inC + i.outC)) / mr) * mr), roundUp(g * tiles, mr));
    const packed = this.winogradFilter(w, info, true, m);
    this.setJob(dy, packed, dx, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, g, +accumulate, blk);
    this.run(WINO_KIND[m].input, this.k.spanCount(i.batch, g, 1));
  }

  /** Filter gradient as Winograd: per tile chunk Σ V_ξᵀ · (A dY Aᵀ)_ξ, then the chunks summed and dW = Gᵀ dU G. */
  private winogradBackpropFilter(x: number, dy: number, dw: number, info: Conv2DInfo, accumulate: boolean, m: WinogradTile): void {
    // Tile chunks depend on the shape only (deterministic for any thread count).
    const tiles = info.batch * Math.ceil(info.outH / m) * Math.ceil(info.outW / m);
    // Up to 8 chunks (plus the tail), fewer for small jobs and when their partial sums would pass 64 MiB.
    const n = info.inC * info.outC, chunkBytes = this.winogradChunkBytes(m, n);
    let base = Math.max(1, Math.min(8, Math.floor(tiles / 64))), per = 0, chunks = 0;
    for (; ; base--) {
      per = Math.ceil(tiles / base);
      chunks = this.k.spanCount(tiles, per, 4);
      if (base === 1 || chunks * chunkBytes <= PARTIAL_BYTES) break;
    }
    const partial = this.ws.ensure('partial', chunks * chunkBytes);
    const i = info, positions = (m + 2) * (m + 2);
    this.setJob(x, dy, partial, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, per);
    this.run(WINO_KIND[m].filter, chunks);
    // Sum the chunks and transform back to 3x3, split over kernel columns.
    const cols = this.parallel(n * chunks * positions, PAR_ELEMS) ? roundUp(Math.ceil(n / (4 * this.threads)), 4) : n;
    this.setJob(partial, dw, n, chunks, +accumulate, cols);
    this.run(WINO_KIND[m].filterOut, Math.ceil(n / cols));
  }

  // ---- pooling ---------------------------------------------------------------------------------
  private pool2d(kind: number, x: number, dy: number, out: number, i: Pool2DInfo, acc: boolean, reluMask = false, winners = 0): void {
    if (i.batch <= 0) return;
    // (Callers have prepared the storages with inp/out/acc.)
    const g = this.parallel(i.batch * i.inH * i.inW * i.channels, PAR_ELEMS) ? Math.ceil(i.batch / (4 * this.threads)) : i.batch;
    this.setJob(x, dy, out, i.batch, i.inH, i.inW, i.channels, i.outH, i.outW, i.poolH, i.poolW, i.strideH, i.strideW, i.padTop, i.padLeft, +acc, g, kind, +reluMask, winners);
    this.run(Kind.POOL, this.k.spanCount(i.batch, g, 1));
  }
  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    this.pool2d(PoolKind.MAX_FWD, inp(x), 0, out(y, info.batch * info.outH * info.outW * info.channels), info, false);
  }
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask = false): void {
    this.pool2d(PoolKind.MAX_BWD, inp(x), inp(dy), acc(dx, accumulate, info.batch * info.inH * info.inW * info.channels), info, accumulate, reluMask);
  }
  maxPoolArgmax(x: Storage, y: Storage, argmax: Storage, info: Pool2DInfo, reluMask: boolean): void {
    checkArgmaxWindow(info);
    const n = info.batch * info.outH * info.outW * info.channels;
    this.pool2d(PoolKind.MAX_ARGMAX, inp(x), 0, out(y, n), info, false, reluMask, out(argmax, n));
  }
  maxPoolBackwardArgmax(argmax: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void {
    checkArgmaxWindow(info);
    this.pool2d(PoolKind.MAX_BWD_ARGMAX, 0, inp(dy), acc(dx, accumulate, info.batch * info.inH * info.inW * info.channels), info, accumulate, false, inp(argmax));
  }
  conv2dMaxPool(x: Storage, w: Storage, y: Storage, argmax: Storage | null, info: Conv2DInfo, pool: Pool2DInfo, epilogue?: ConvEpilogue): void {
    checkConvPool(info, pool, epilogue);
    const m = this.poolingTile(info, pool);
    if (m !== null) {
      const xPtr = inp(x), wPtr = inp(w), n = pool.batch * pool.outH * pool.outW * pool.channels;
      const yPtr = out(y, n), winners = argmax ? out(argmax, n) : 0;
      const bias = epilogue?.bias ? inp(epilogue.bias) : 0;
      this.winogradConv(xPtr, this.winogradFilter(wPtr, info, false, m), yPtr, info, m, bias, epilogue?.act === 'relu' ? ACT_CODE.relu : 0, { info: pool, winners });
      return;
    }
    // Elsewhere the convolution's output is stored for the pool, and dropped once pooled.
    const z = this.alloc(info.batch * info.outH * info.outW * info.outC);
    this.conv2d(x, w, z, info, epilogue);
    if (argmax) this.maxPoolArgmax(z, y, argmax, pool, epilogue?.act === 'relu');
    else this.maxPool(z, y, pool);
    this.free(z);
  }
  avgPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    this.pool2d(PoolKind.AVG_FWD, inp(x), 0, out(y, info.batch * info.outH * info.outW * info.channels), info, false);
  }
  avgPoolBackward(dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void {
    this.pool2d(PoolKind.AVG_BWD, 0, inp(dy), acc(dx, accumulate, info.batch * info.inH * info.inW * info.channels), info, accumulate);
  }

  // ---- element-wise ----------------------------------------------------------------------------
  biasActivation(x: Storage, bias: Storage | null, y: Storage, rows: number, cols: number, act: KernelActivation): void {
    const code = ACT_CODE[act];
    inp(x);
    if (bias) inp(bias);
    out(y, rows * cols);
    if (rows > 1 && this.parallel(rows * cols, PAR_ELEMS)) {
      const per = Math.ceil(rows / (4 * this.threads));
      this.setJob(ptrOf(x), bias ? ptrOf(bias) : 0, ptrOf(y), rows, cols, code, per);
      this.run(Kind.BIAS_ACT, Math.ceil(rows / per));
    } else this.k.biasActivation(ptrOf(x), bias ? ptrOf(bias) : 0, ptrOf(y), 0, rows, cols, code);
  }
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void {
    const code = ACT_CODE[act];
    inp(y);
    inp(dy);
    acc(dx, accumulate, n);
    if (this.parallel(n, PAR_ELEMS)) {
      const per = roundUp(Math.ceil(n / (4 * this.threads)), 16);
      this.setJob(ptrOf(y), ptrOf(dy), ptrOf(dx), n, code, +accumulate, per);
      this.run(Kind.ACT_BWD, Math.ceil(n / per));
    } else this.k.activationBackward(ptrOf(y), ptrOf(dy), ptrOf(dx), 0, n, code, accumulate);
  }
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void {
    inp(dy);
    acc(db, accumulate, cols);
    // Split by columns: every column still sums its rows in order (same result for any thread count).
    if (cols >= 8 && this.parallel(rows * cols, PAR_ELEMS)) {
      const per = roundUp(Math.ceil(cols / this.threads), 4);
      this.setJob(ptrOf(dy), ptrOf(db), rows, cols, +accumulate, per);
      this.run(Kind.BIAS_GRAD, Math.ceil(cols / per));
    } else this.k.biasGrad(ptrOf(dy), ptrOf(db), rows, cols, accumulate);
  }
  scale(x: Storage, alpha: number, o: Storage, n: number, accumulate: boolean): void {
    this.k.scale(inp(x), alpha, acc(o, accumulate, n), n, accumulate);
  }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    if (n <= 0) return;
    const d = dstOffset === 0 ? out(dst, n) : inp(dst);
    const b = bytesOf(src.dtype);
    this.k.copyBytes(inp(src) + srcOffset * b, d + dstOffset * b, n * b);
  }
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void {
    if (n <= 0) return;
    const tmp = this.ws.ensure('bytes', n);
    new Uint8Array(this.memoryObject.buffer, tmp, n).set(src.subarray(srcOffset, srcOffset + n));
    this.k.fromUint8(tmp, out(dst, n), n, scale);
  }

  // ---- reductions, softmax, losses ------------------------------------------------------------
  softmax(x: Storage, y: Storage, rows: number, cols: number): void {
    this.k.softmax(inp(x), out(y, rows * cols), rows, cols);
  }
  softmaxCrossEntropy(logits: Storage, labels: Storage, losses: Storage, dlogits: Storage | null, rows: number, cols: number, gradScale: number): void {
    this.k.softmaxCrossEntropy(inp(logits), inp(labels), out(losses, rows), dlogits ? out(dlogits, rows * cols) : 0, rows, cols, gradScale);
  }

  // ---- optimizers ------------------------------------------------------------------------------
  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, o: AdamParams): void {
    const alpha = (o.lr * Math.sqrt(1 - o.beta2 ** o.step)) / (1 - o.beta1 ** o.step);
    this.k.adam(inp(p), inp(g), inp(m), inp(v), n, alpha, o.beta1, o.beta2, o.epsilon);
  }
  sgdUpdate(p: Storage, g: Storage, velocity: Storage | null, n: number, lr: number, momentum: number, nesterov: boolean): void {
    this.k.sgd(inp(p), inp(g), velocity ? inp(velocity) : 0, n, lr, momentum, nesterov);
  }
  rmspropUpdate(p: Storage, g: Storage, accum: Storage, n: number, lr: number, rho: number, epsilon: number): void {
    this.k.rmsprop(inp(p), inp(g), inp(accum), n, lr, rho, epsilon);
  }
}

/** Creates the WASM backend synchronously (Node.js, workers); its workers start in the background. */
export function createWasmBackendSync(options: WasmBackendOptions = {}): WasmBackend {
  const { variant, module } = compileSync(options.variant);
  return new WasmBackend(module, variant, options);
}

/** Creates the WASM backend, compiling asynchronously (required on a browser's main thread). */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const { variant, module } = await compileAsync(options.variant);
  return new WasmBackend(module, variant, options);
}
