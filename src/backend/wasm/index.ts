/**
 * The WASM backend: AssemblyScript SIMD kernels over one shared WebAssembly.Memory, with worker
 * threads that split each large kernel into tasks. All tensors live in that memory: persistent
 * blocks through a free list, step tensors in a bump arena reset at `endStep`, and private
 * workspaces (packed weights, partial sums, per-thread scratch) that only grow.
 */
import type { AdamParams, Backend, Conv2DInfo, ConvEpilogue, KernelActivation, MemoryInfo, Pool2DInfo, Storage } from '../backend.js';
import type { BackendOptions } from '../engine.js';
import { StateError, ValueError, check } from '../../errors.js';
import { LinearAllocator } from './allocator.js';
import { CONTROL_BYTES, JOB_OFFSET } from './control.js';
import { compileAsync, compileSync, instantiate, Kind, PoolKind, type KernelVariant, type Kernels } from './module.js';
import { availableCores } from './platform.js';
import { ThreadPool } from './threads.js';
import { Workspace } from './workspace.js';
import { chooseConvAlgorithm, winogradBlockBytes } from './conv-plan.js';

export { chooseConvAlgorithm } from './conv-plan.js';

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
   * Output tile of the Winograd convolutions: 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3)) for every one,
   * instead of the choice per shape (benchmarks and tests compare them).
   */
  winogradTile?: 2 | 4;
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
    private readonly view: Float32Array,
    readonly ptr: number,
    readonly size: number,
    readonly kind: number,
  ) {}
  /** Clears the block now if its clearing is still pending. */
  settle(): void {
    if (this.pending) this.owner.materialize(this);
  }
  get data(): Float32Array {
    this.settle();
    return this.view;
  }
}

/** Pointer of a kernel input (or accumulated output): clears a pending block first. */
function inp(s: Storage): number {
  if ((s as WasmStorage).pending) (s as WasmStorage).settle();
  return s.ptr;
}

/** Pointer of a kernel output that overwrites elements [0, n): no clearing needed when that is all of it. */
function out(s: Storage, n: number): number {
  const w = s as WasmStorage;
  if (w.pending) {
    if (n >= w.size) w.pending = false;
    else w.settle();
  }
  return s.ptr;
}

/** Accumulating outputs are inputs too. */
function acc(s: Storage, accumulate: boolean, n: number): number {
  return accumulate ? inp(s) : out(s, n);
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
  private readonly mr: number;
  /** Rows of a backprop-filter block (task spans of filter jobs are multiples of it). */
  private readonly fb: number;
  private readonly ws: Workspace;
  private readonly useWinograd: boolean;
  private readonly forcedTile: 2 | 4 | undefined;
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
    check(options.winogradTile === undefined || options.winogradTile === 2 || options.winogradTile === 4, 'WASM backend', 'winogradTile must be 2 or 4', { winogradTile: options.winogradTile });
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

  private wrap(ptr: number, size: number, kind: number): WasmStorage {
    return new WasmStorage(this, new Float32Array(this.memoryObject.buffer, ptr, size), ptr, size, kind);
  }

  /** Clears a step block whose clearing was deferred (see WasmStorage). */
  materialize(s: Storage): void {
    (s as WasmStorage).pending = false;
    this.clear(s.ptr, s.size);
  }

  private clear(ptr: number, size: number): void {
    // Large blocks by all threads (clearing is a visible share of a step).
    if (this.parallel(size, PAR_ZERO)) {
      const per = 1 << 18;
      this.setJob(ptr, size * 4, per);
      this.pool.run(Kind.ZERO, this.job, Math.ceil((size * 4) / per));
    } else this.k.zero(ptr, size * 4);
  }

  // ---- memory ----------------------------------------------------------------------------------
  alloc(size: number): Storage {
    if (this.disposed) throw new StateError('This WASM backend was disposed');
    const { ptr, dirty } = this.inStep ? this.heap.allocStep(size * 4) : this.heap.allocPersistent(size * 4);
    const s = this.wrap(ptr, size, this.inStep ? STEP : PERSISTENT);
    if (dirty && size > 0) {
      // Reused memory reads as zeros: step blocks are cleared when first read (often never).
      if (this.inStep) s.pending = true;
      else this.clear(ptr, size);
    }
    return s;
  }
  free(s: Storage): void {
    if (s instanceof WasmStorage && s.kind === PERSISTENT && !this.disposed) this.heap.freePersistent(s.ptr, s.size * 4);
  }
  view(s: Storage, offset: number, size: number): Storage {
    if (offset < 0 || size < 0 || offset + size > s.size) throw new ValueError(`view [${offset}, ${offset + size}) is outside a storage of ${s.size} elements`);
    inp(s);
    return this.wrap(s.ptr + offset * 4, size, VIEW);
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
    this.setJob(a.ptr, b.ptr, c.ptr, m, n, k, +transA, +transB, +accumulate, mb, nb, kb, mT, nT, kT, partial);
    this.run(Kind.GEMM, mT * nT * kT);
    if (kT > 1) this.k.reduceChunks(c.ptr, partial, kT, m * n, +accumulate);
  }

  // ---- convolution -----------------------------------------------------------------------------
  private convJob(src: number, packed: number, out: number, i: Conv2DInfo, per: number, acc: boolean, partial: number, group: number, dy: number, bias = 0, act = 0): void {
    this.setJob(src, packed, out, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.kH, i.kW, i.strideH, i.strideW, i.padTop, i.padLeft, per, +acc, partial, group, dy, bias, act);
  }

  /** Whether this convolution runs as Winograd (F(2x2, 3x3) or F(4x4, 3x3)): 3x3 kernel, stride 1, channels in fours (at least 8). */
  usesWinograd(info: Conv2DInfo): boolean {
    return this.winogradTile(info) !== 0;
  }

  /**
   * The Winograd output tile this convolution runs with: 4 for F(4x4, 3x3), 2 for F(2x2, 3x3), 0
   * for im2col + GEMM. The choice depends on the shape only (see `chooseConvAlgorithm`), so every
   * thread count computes the same sums; the `winogradTile` option forces a tile wherever
   * Winograd can run.
   */
  winogradTile(info: Conv2DInfo): 0 | 2 | 4 {
    const ok = this.useWinograd && info.kH === 3 && info.kW === 3 && info.strideH === 1 && info.strideW === 1 &&
      info.inC % 4 === 0 && info.outC % 4 === 0 && info.inC >= 8 && info.outC >= 8 && info.batch > 0 && info.outH > 0 && info.outW > 0;
    if (!ok) return 0;
    return this.forcedTile ?? chooseConvAlgorithm(info);
  }

  /** The layer's kernel transformed (U = G g Gᵀ) and packed for the forward pass or, with `transpose`, the input gradient. */
  private winogradFilter(w: number, info: Conv2DInfo, transpose: boolean, m: 2 | 4): number {
    const n = info.inC * info.outC, positions = (m + 2) * (m + 2);
    const u = this.ws.ensure('winogradU', m === 4 ? this.k.wino4ChunkBytes(n) : this.k.winoChunkBytes(n));
    if (m === 4) this.k.wino4Filter(w, u, n);
    else this.k.winoFilter(w, u, n);
    const packed = this.ws.ensure('pack', positions * roundUp(transpose ? info.inC : info.outC, 8) * (transpose ? info.outC : info.inC) * 4);
    this.k.winoPackFilter(u, packed, info.inC, info.outC, +transpose, positions);
    return packed;
  }

  /** Winograd convolution of x [batch, inH, inW, inC] into y [batch, outH, outW, outC] with a packed filter; bias (or 0) and act 0/1 (linear/relu) applied. */
  private winogradConv(x: number, packed: number, y: number, i: Conv2DInfo, m: 2 | 4, bias: number, act: number): void {
    const tiles = i.batch * Math.ceil(i.outH / m) * Math.ceil(i.outW / m);
    const mr = this.mr, positions = (m + 2) * (m + 2);
    // Tiles per task: the block's transformed inputs and products stay within L2 (see blockBytes).
    let per = Math.max(mr, Math.floor(winogradBlockBytes(positions, i) / (positions * 4 * (i.inC + i.outC)) / mr) * mr);
    // At least ~32 tiles a task: each task runs 16 or 36 GEMMs, whose fixed costs dominate tiny blocks.
    if (this.parallel(tiles * 2 * positions * i.inC * i.outC, PAR_FLOPS)) per = Math.min(per, Math.max(roundUp(32, mr), roundUp(Math.ceil(tiles / (4 * this.threads)), mr)));
    else per = Math.min(per, roundUp(tiles, mr));
    per = Math.max(per, roundUp(Math.ceil(tiles / MAX_SPANS), mr));
    this.setJob(x, packed, y, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, per, bias, act);
    this.run(m === 4 ? Kind.WINO4_FWD : Kind.WINO_FWD, this.k.spanCount(tiles, per, mr));
  }

  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void {
    const xPtr = inp(x), wPtr = inp(w);
    out(y, info.batch * info.outH * info.outW * info.outC);
    const bias = epilogue?.bias ? inp(epilogue.bias) : 0;
    const act = epilogue ? ACT_CODE[epilogue.act] : 0;
    const m = this.winogradTile(info);
    if (m !== 0) {
      // The output transform adds the bias and applies linear/relu itself; other activations get a pass after.
      const inline = act <= ACT_CODE.relu;
      this.winogradConv(xPtr, this.winogradFilter(wPtr, info, false, m), y.ptr, info, m, inline ? bias : 0, inline ? act : 0);
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
    this.convJob(xPtr, packed, y.ptr, info, per, false, 0, 0, 0, bias, act);
    this.run(Kind.CONV_FWD, this.k.spanCount(M, per, mr));
  }

  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void {
    const K = info.kH * info.kW * info.inC, hw = info.outH * info.outW;
    if (info.batch <= 0) return;
    inp(dy);
    inp(w);
    acc(dx, accumulate, info.batch * info.inH * info.inW * info.inC);
    const m = this.winogradTile(info);
    if (m !== 0) {
      this.winogradBackpropInput(dy.ptr, w.ptr, dx.ptr, info, accumulate, m);
      return;
    }
    const packed = this.ws.ensure('pack', roundUp(K, 8) * info.outC * 4);
    this.k.packB(w.ptr, 1, info.outC, info.outC, K, packed);
    let g = Math.max(1, Math.floor(128 / Math.max(1, hw)));
    if (this.parallel(info.batch * hw * K * info.outC, PAR_FLOPS)) g = Math.min(g, Math.max(1, Math.ceil(info.batch / (4 * this.threads))));
    g = Math.min(g, info.batch);
    this.convJob(dy.ptr, packed, dx.ptr, info, 0, accumulate, 0, g, 0);
    this.run(Kind.CONV_BWD_INPUT, Math.ceil(info.batch / g));
  }

  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void {
    const K = info.kH * info.kW * info.inC, M = info.batch * info.outH * info.outW, N = info.outC;
    if (K <= 0 || N <= 0) return;
    inp(x);
    inp(dy);
    acc(dw, accumulate, K * N);
    if (M <= 0) {
      if (!accumulate) this.k.fill(dw.ptr, 0, K * N);
      return;
    }
    const m = this.winogradTile(info);
    if (m !== 0) {
      this.winogradBackpropFilter(x.ptr, dy.ptr, dw.ptr, info, accumulate, m);
      return;
    }
    // Row chunks depend on the shape only (deterministic for any thread count).
    const per = Math.max(256, roundUp(Math.ceil(M / 16), 128));
    const chunks = this.k.spanCount(M, per, this.fb);
    if (info.inC % 4 !== 0) {
      // Channels not in fours (RGB): im2col(x)ᵀ from window-row segments, no widening.
      const L = info.kW * info.inC, R = this.k.segmentRows(L, info.kH);
      const partial = this.ws.ensure('partial', chunks * R * N * 4);
      this.convJob(x.ptr, 0, dw.ptr, info, per, accumulate, partial, chunks, dy.ptr);
      this.run(Kind.CONV_BWD_FILTER_SEG, chunks);
      this.k.reduceFilterSegments(dw.ptr, partial, chunks, info.kH, L, N, +accumulate);
      return;
    }
    const partial = this.ws.ensure('partial', chunks * K * N * 4);
    this.convJob(x.ptr, 0, dw.ptr, info, per, accumulate, partial, chunks, dy.ptr);
    this.run(Kind.CONV_BWD_FILTER, chunks);
    this.k.reduceFilter(dw.ptr, partial, chunks, K, N, +accumulate);
  }

  /** Input gradient as Winograd: per tile dV_ξ = (A dY Aᵀ)_ξ · U_ξᵀ, scattered back as B dV Bᵀ; a task owns whole images. */
  private winogradBackpropInput(dy: number, w: number, dx: number, info: Conv2DInfo, accumulate: boolean, m: 2 | 4): void {
    const i = info, mr = this.mr, positions = (m + 2) * (m + 2);
    const tiles = Math.ceil(i.outH / m) * Math.ceil(i.outW / m);
    // Whole images a task, at least ~32 tiles (small images: several per task).
    const g = this.parallel(i.batch * tiles * 2 * positions * i.inC * i.outC, PAR_FLOPS) ? Math.min(i.batch, Math.max(Math.ceil(32 / tiles), Math.ceil(i.batch / (8 * this.threads)))) : i.batch;
    const blk = Math.min(Math.max(mr, Math.floor(winogradBlockBytes(positions, i) / (positions * 4 * (i.inC + i.outC)) / mr) * mr), roundUp(g * tiles, mr));
    const packed = this.winogradFilter(w, info, true, m);
    this.setJob(dy, packed, dx, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, g, +accumulate, blk);
    this.run(m === 4 ? Kind.WINO4_INPUT : Kind.WINO_INPUT, this.k.spanCount(i.batch, g, 1));
  }

  /** Filter gradient as Winograd: per tile chunk Σ V_ξᵀ · (A dY Aᵀ)_ξ, then the chunks summed and dW = Gᵀ dU G. */
  private winogradBackpropFilter(x: number, dy: number, dw: number, info: Conv2DInfo, accumulate: boolean, m: 2 | 4): void {
    // Tile chunks depend on the shape only (deterministic for any thread count).
    const tiles = info.batch * Math.ceil(info.outH / m) * Math.ceil(info.outW / m);
    // Up to 8 chunks (plus the tail), fewer for small jobs and when their partial sums would pass 64 MiB.
    const n = info.inC * info.outC, chunkBytes = m === 4 ? this.k.wino4ChunkBytes(n) : this.k.winoChunkBytes(n);
    let base = Math.max(1, Math.min(8, Math.floor(tiles / 64))), per = 0, chunks = 0;
    for (; ; base--) {
      per = Math.ceil(tiles / base);
      chunks = this.k.spanCount(tiles, per, 4);
      if (base === 1 || chunks * chunkBytes <= PARTIAL_BYTES) break;
    }
    const partial = this.ws.ensure('partial', chunks * chunkBytes);
    const i = info, positions = (m + 2) * (m + 2);
    this.setJob(x, dy, partial, i.batch, i.inH, i.inW, i.inC, i.outH, i.outW, i.outC, i.padTop, i.padLeft, per);
    this.run(m === 4 ? Kind.WINO4_FILTER : Kind.WINO_FILTER, chunks);
    // Sum the chunks and transform back to 3x3, split over kernel columns.
    const cols = this.parallel(n * chunks * positions, PAR_ELEMS) ? roundUp(Math.ceil(n / (4 * this.threads)), 4) : n;
    this.setJob(partial, dw, n, chunks, +accumulate, cols);
    this.run(m === 4 ? Kind.WINO4_FILTER_OUT : Kind.WINO_FILTER_OUT, Math.ceil(n / cols));
  }

  // ---- pooling ---------------------------------------------------------------------------------
  private pool2d(kind: number, x: number, dy: number, out: number, i: Pool2DInfo, acc: boolean, reluMask = false): void {
    if (i.batch <= 0) return;
    // (Callers have prepared the storages with inp/out/acc.)
    const g = this.parallel(i.batch * i.inH * i.inW * i.channels, PAR_ELEMS) ? Math.ceil(i.batch / (4 * this.threads)) : i.batch;
    this.setJob(x, dy, out, i.batch, i.inH, i.inW, i.channels, i.outH, i.outW, i.poolH, i.poolW, i.strideH, i.strideW, i.padTop, i.padLeft, +acc, g, kind, +reluMask);
    this.run(Kind.POOL, this.k.spanCount(i.batch, g, 1));
  }
  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void {
    this.pool2d(PoolKind.MAX_FWD, inp(x), 0, out(y, info.batch * info.outH * info.outW * info.channels), info, false);
  }
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask = false): void {
    this.pool2d(PoolKind.MAX_BWD, inp(x), inp(dy), acc(dx, accumulate, info.batch * info.inH * info.inW * info.channels), info, accumulate, reluMask);
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
      this.setJob(x.ptr, bias ? bias.ptr : 0, y.ptr, rows, cols, code, per);
      this.run(Kind.BIAS_ACT, Math.ceil(rows / per));
    } else this.k.biasActivation(x.ptr, bias ? bias.ptr : 0, y.ptr, 0, rows, cols, code);
  }
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void {
    const code = ACT_CODE[act];
    inp(y);
    inp(dy);
    acc(dx, accumulate, n);
    if (this.parallel(n, PAR_ELEMS)) {
      const per = roundUp(Math.ceil(n / (4 * this.threads)), 16);
      this.setJob(y.ptr, dy.ptr, dx.ptr, n, code, +accumulate, per);
      this.run(Kind.ACT_BWD, Math.ceil(n / per));
    } else this.k.activationBackward(y.ptr, dy.ptr, dx.ptr, 0, n, code, +accumulate);
  }
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void {
    inp(dy);
    acc(db, accumulate, cols);
    // Split by columns: every column still sums its rows in order (same result for any thread count).
    if (cols >= 8 && this.parallel(rows * cols, PAR_ELEMS)) {
      const per = roundUp(Math.ceil(cols / this.threads), 4);
      this.setJob(dy.ptr, db.ptr, rows, cols, +accumulate, per);
      this.run(Kind.BIAS_GRAD, Math.ceil(cols / per));
    } else this.k.biasGrad(dy.ptr, db.ptr, rows, cols, +accumulate);
  }
  add(a: Storage, b: Storage, o: Storage, n: number): void {
    this.k.binary(inp(a), inp(b), out(o, n), n, 0);
  }
  mul(a: Storage, b: Storage, o: Storage, n: number): void {
    this.k.binary(inp(a), inp(b), out(o, n), n, 1);
  }
  scale(x: Storage, alpha: number, o: Storage, n: number, accumulate: boolean): void {
    this.k.scale(inp(x), alpha, acc(o, accumulate, n), n, +accumulate);
  }
  fill(o: Storage, value: number, n: number): void {
    this.k.fill(out(o, n), value, n);
  }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    if (n <= 0) return;
    const d = dstOffset === 0 ? out(dst, n) : inp(dst);
    this.k.copy(inp(src) + srcOffset * 4, d + dstOffset * 4, n);
  }
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void {
    if (n <= 0) return;
    const tmp = this.ws.ensure('bytes', n);
    new Uint8Array(this.memoryObject.buffer, tmp, n).set(src.subarray(srcOffset, srcOffset + n));
    this.k.fromUint8(tmp, out(dst, n), n, scale);
  }

  // ---- reductions, softmax, losses ------------------------------------------------------------
  sum(x: Storage, n: number): number {
    return this.k.sum(inp(x), n);
  }
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
    this.k.sgd(inp(p), inp(g), velocity ? inp(velocity) : 0, n, lr, momentum, +nesterov);
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
