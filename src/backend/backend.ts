/**
 * The Backend contract: memory plus one method per kernel.
 *
 * Memory. Every float32 buffer is a {@link Storage} allocated by the backend. For the WASM backend
 * it lives inside one shared `WebAssembly.Memory` (initial = maximum, so views never detach) and
 * `ptr` is its byte offset there; for the reference backend `ptr` is 0 and `data` is a plain
 * Float32Array. Kernels receive storages and element counts/offsets only; they never allocate
 * user-visible memory. A backend may keep private workspaces (im2col buffers), sized once and
 * reused.
 *
 * Steps. Between `beginStep()` and `endStep()` every `alloc` comes from a step arena: a bump
 * allocator whose pointer returns to its start at `endStep()`, so a training loop that repeats
 * the same sequence of allocations touches the same memory every batch and allocates nothing new
 * after the first. Storages allocated inside a step are invalid after `endStep()`.
 *
 * Layouts. Images are NHWC (Keras channels_last). Conv kernels are [kH, kW, inC, outC] and dense
 * kernels [in, out], as in Keras/TensorFlow.js. Matrices are row-major.
 *
 * Accumulation. Kernels whose name ends in an `accumulate` flag add into their output when the
 * flag is true (gradients accumulate with `+=`), and overwrite it otherwise.
 */

/** A block of float32 storage owned by a backend. */
export interface Storage {
  /** Live view of the elements. Valid until the storage is freed (or its step ends). */
  readonly data: Float32Array;
  /** Byte offset inside the backend's memory (0 for backends without a linear memory). */
  readonly ptr: number;
  /** Number of float32 elements. */
  readonly size: number;
}

/** Activations a kernel can fuse with a bias add. Softmax is a separate kernel (it spans a row). */
export type KernelActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** Bias (over output channels; may be null) and activation a convolution applies as it writes its output. */
export interface ConvEpilogue {
  readonly bias: Storage | null;
  readonly act: KernelActivation;
}

/** Geometry of a 2-D convolution over NHWC input; computed once by `conv2dInfo` (shape.ts). */
export interface Conv2DInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outH: number;
  readonly outW: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Zero rows added above the input (TensorFlow puts the odd extra row at the bottom). */
  readonly padTop: number;
  /** Zero columns added left of the input (the odd extra column goes right). */
  readonly padLeft: number;
}

/** Geometry of a 2-D pooling window over NHWC input; padded cells never win a max or count in an average. */
export interface Pool2DInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  readonly poolH: number;
  readonly poolW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Hyper-parameters of one Adam step (Kingma & Ba 2015, with Keras's epsilon placement). */
export interface AdamParams {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

/** Memory statistics, in bytes. */
export interface MemoryInfo {
  /** Bytes held by persistent allocations (weights, optimizer state, user tensors). */
  readonly persistentBytes: number;
  /** Highest step-arena pointer reached so far. */
  readonly arenaHighWater: number;
  /** Total bytes the backend has reserved (the WASM memory size, or a sum for plain arrays). */
  readonly reservedBytes: number;
}

export interface Backend {
  readonly name: string;
  /** Worker threads used by the kernels (1 for single-threaded backends). */
  readonly threads: number;

  // ---- memory -------------------------------------------------------------------------------
  /** Allocates `size` float32 elements, zero-filled. Inside a step, from the step arena. */
  alloc(size: number): Storage;
  /** Releases a persistent storage. Freeing a step storage is a no-op (the step reclaims it). */
  free(s: Storage): void;
  /** A window of `size` elements starting at element `offset` of `s`; shares memory, frees nothing. */
  view(s: Storage, offset: number, size: number): Storage;
  /** Starts a step arena (see header). Steps do not nest. */
  beginStep(): void;
  /** Ends the step: every storage allocated since `beginStep` is reclaimed. */
  endStep(): void;
  memory(): MemoryInfo;
  /** Releases workers and memory; the backend is unusable afterwards. */
  dispose(): void;

  // ---- dense linear algebra -----------------------------------------------------------------
  /**
   * C[m×n] = op(A) · op(B) (+ C when `accumulate`), where op(A) is m×k (A stored k×m when
   * `transA`) and op(B) is k×n (B stored n×k when `transB`). Offsets are in elements.
   */
  gemm(
    a: Storage,
    b: Storage,
    c: Storage,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    accumulate: boolean,
  ): void;

  // ---- convolution (NHWC, kernel [kH, kW, inC, outC]) ---------------------------------------
  /** y[batch, outH, outW, outC] = conv(x, w), or act(conv(x, w) + bias) with an epilogue. */
  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void;
  /** dx = ∂L/∂x given dy; overwrites (or adds into) dx[batch, inH, inW, inC]. */
  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void;
  /** dw = ∂L/∂w given x and dy, summed over the batch; dw is [kH, kW, inC, outC]. */
  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void;

  // ---- pooling (NHWC) -----------------------------------------------------------------------
  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void;
  /**
   * Routes dy to the first maximal element of each window (ties go to the earliest, row-major).
   * With `reluMask`, x is a ReLU's output and dy is routed only where the window's maximum is
   * positive: the ReLU's gradient is folded in, so dx is already the gradient of its input.
   */
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask?: boolean): void;
  avgPool(x: Storage, y: Storage, info: Pool2DInfo): void;
  avgPoolBackward(dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void;

  // ---- element-wise -------------------------------------------------------------------------
  /** y[r, c] = act(x[r, c] + bias[c]) over a rows×cols matrix; `bias` may be null. In-place allowed. */
  biasActivation(x: Storage, bias: Storage | null, y: Storage, rows: number, cols: number, act: KernelActivation): void;
  /** dx = dy · act'(·), written from the activation's output y (every supported act allows it). */
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void;
  /** db[c] (+)= Σ_r dy[r, c]. */
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void;
  /** out = a + b (n elements). */
  add(a: Storage, b: Storage, out: Storage, n: number): void;
  /** out = a ⊙ b. */
  mul(a: Storage, b: Storage, out: Storage, n: number): void;
  /** out (+)= alpha · x. */
  scale(x: Storage, alpha: number, out: Storage, n: number, accumulate: boolean): void;
  fill(out: Storage, value: number, n: number): void;
  /** Copies n elements from src[srcOffset..] to dst[dstOffset..]. */
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void;
  /** dst[i] = src[srcOffset + i] · scale, converting uint8 pixels (e.g. scale 1/255) into float32. */
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void;

  // ---- reductions ---------------------------------------------------------------------------
  /** Σ x[i] over n elements, summed in a fixed order (deterministic for any thread count). */
  sum(x: Storage, n: number): number;

  // ---- softmax and losses -------------------------------------------------------------------
  /** Row-wise softmax of a rows×cols matrix (max-subtracted). */
  softmax(x: Storage, y: Storage, rows: number, cols: number): void;
  /**
   * Fused softmax + cross-entropy on logits. `labels` holds `rows` class indices (as float32).
   * Writes per-row losses into `losses` and, when `dlogits` is given, (softmax − onehot) · gradScale
   * into it. Returns nothing; callers reduce `losses` with `sum`.
   */
  softmaxCrossEntropy(
    logits: Storage,
    labels: Storage,
    losses: Storage,
    dlogits: Storage | null,
    rows: number,
    cols: number,
    gradScale: number,
  ): void;

  // ---- optimizer updates (in place, n elements) ----------------------------------------------
  /** Keras Adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr_t · m / (√v + ε̂), lr_t = lr·√(1−β2^t)/(1−β1^t). */
  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, params: AdamParams): void;
  /** Keras SGD: v = momentum·v − lr·g; p += nesterov ? momentum·v − lr·g : v (plain p −= lr·g when momentum is 0). */
  sgdUpdate(p: Storage, g: Storage, velocity: Storage | null, n: number, lr: number, momentum: number, nesterov: boolean): void;
  /** Keras RMSprop (no momentum, not centered): a = ρ·a + (1−ρ)·g²; p −= lr·g / √(a + ε). */
  rmspropUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, rho: number, epsilon: number): void;
}
