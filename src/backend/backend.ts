/**
 * The Backend contract: memory plus one method per kernel.
 *
 * Memory. Every tensor value lives in a {@link Storage} allocated by the backend: an opaque handle
 * (size and dtype). Values cross the boundary only through `write`, `readSync` (where the backend
 * can read synchronously) and `read`. For the WASM backend a storage is a block of one shared
 * `WebAssembly.Memory`; for the reference backend a typed array. Kernels receive storages and
 * element counts, offsets and strides; they never allocate user-visible memory. A backend may keep
 * private workspaces (im2col buffers), sized once and reused.
 *
 * Steps. Between `beginStep()` and `endStep()` every `alloc` comes from a step arena: a bump
 * allocator whose pointer returns to its start at `endStep()`, so a training loop that repeats
 * the same sequence of allocations touches the same memory every batch and allocates nothing new
 * after the first. Storages allocated inside a step are invalid after `endStep()`.
 *
 * Layouts. Images are NHWC (Keras channels_last). Conv kernels are [kH, kW, inC, outC] and dense
 * kernels [in, out], as in Keras/TensorFlow.js. Matrices and tensors are row-major.
 *
 * Dtypes. Kernels named for float32 data (convolution, pooling, losses, optimizers) take float32
 * storages. Generic kernels (unary, binary, where, reduce, stridedCopy, gather...) take any dtype
 * unless stated; the output's dtype is the output storage's, and `cast` converts between them
 * (float to int truncates toward zero, anything to bool is `!= 0`), as in TensorFlow.js.
 *
 * Accumulation. Kernels with an `accumulate` flag add into their output when it is true
 * (gradients accumulate with `+=`), and overwrite it otherwise.
 *
 * Determinism. Every reduction sums in a fixed order that depends on the shapes only, so results
 * are bit-identical for any thread count.
 */

/** Element types a backend stores: tfjs's float32, int32 and bool (bool as one byte per value). */
export type DType = 'float32' | 'int32' | 'bool';

/** The host array that holds values of a dtype: Float32Array, Int32Array or Uint8Array (bool). */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/**
 * A block of storage owned by a backend: an opaque handle. Only the backend that made it can see
 * its values; everyone else reads them with `readSync`/`read` and writes them with `write` or
 * kernels, so a backend whose memory is on a device works behind the same contract.
 */
export interface Storage {
  /** Number of elements. */
  readonly size: number;
  readonly dtype: DType;
}

/** Activations a kernel can fuse with a bias add. Softmax is a separate kernel (it spans a row). */
export type KernelActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** Activations a batch normalisation can apply as it writes its output. */
export type NormActivation = 'linear' | 'relu' | 'gelu';

/** Which outputs of `batchNormBackward` are added into rather than overwritten. */
export interface NormAccumulate {
  readonly dx: boolean;
  readonly dgamma: boolean;
  readonly dbeta: boolean;
}

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
  /**
   * Dilation (atrous rate): kernel tap (ky, kx) reads input row oy·strideH + ky·dilationH − padTop
   * and column ox·strideW + kx·dilationW − padLeft. 1 for an ordinary convolution.
   */
  readonly dilationH: number;
  readonly dilationW: number;
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

/** The `argmax` byte of a max-pool window whose gradient goes nowhere (see `maxPoolArgmax`). */
export const NO_WINNER = 255;
/** The most cells a max-pool window may have for `maxPoolArgmax` to record its winner (positions 0 to 254). */
export const MAX_WINNER_CELLS = 255;

/** Hyper-parameters of one Adam step (Kingma & Ba 2015, with Keras's epsilon placement). */
export interface AdamParams {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1-based step count, for bias correction. */
  readonly step: number;
}

/**
 * Geometry of an NHWC image resize, with TensorFlow's coordinate conventions: `alignCorners` maps
 * the corner pixels onto each other, `halfPixelCenters` samples at pixel centres.
 */
export interface ResizeInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly outH: number;
  readonly outW: number;
  readonly alignCorners: boolean;
  readonly halfPixelCenters: boolean;
}

/** Geometry of `cropAndResize`: `boxes` crops of an NHWC image batch, each resized to cropH × cropW. */
export interface CropInfo {
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly channels: number;
  readonly boxes: number;
  readonly cropH: number;
  readonly cropW: number;
  readonly method: 'bilinear' | 'nearest';
  readonly extrapolationValue: number;
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

/** Element-wise functions of one argument (`unary`); `params` gives alpha-like constants. */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'square' | 'sqrt' | 'rsqrt' | 'reciprocal'
  | 'exp' | 'expm1' | 'log' | 'log1p'
  | 'sin' | 'cos' | 'tan' | 'asin' | 'acos' | 'atan' | 'sinh' | 'cosh' | 'tanh' | 'asinh' | 'acosh' | 'atanh'
  | 'floor' | 'ceil' | 'round' | 'erf'
  | 'relu' | 'relu6' | 'elu' | 'selu' | 'sigmoid' | 'logSigmoid' | 'softplus' | 'softsign' | 'gelu' | 'geluTanh'
  | 'swish' | 'mish' | 'hardSigmoid' | 'leakyRelu' | 'step'
  | 'clip' | 'affine'
  | 'isNaN' | 'isInf' | 'isFinite' | 'logicalNot';

/**
 * Functions of one argument with a derivative kernel (`unaryBackward`). For these, dx = dy · f'(x);
 * `relu`, `sigmoid` and `tanh` may be differentiated from their output as well.
 */
export type DifferentiableUnaryOp = Exclude<UnaryOp, 'sign' | 'floor' | 'ceil' | 'round' | 'step' | 'isNaN' | 'isInf' | 'isFinite' | 'logicalNot'>;

/** Element-wise functions of two arguments (`binary`); comparisons and logical ops write bool. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'floorDiv' | 'mod' | 'pow' | 'maximum' | 'minimum' | 'squaredDifference' | 'atan2' | 'divNoNan'
  | 'equal' | 'notEqual' | 'less' | 'lessEqual' | 'greater' | 'greaterEqual'
  | 'logicalAnd' | 'logicalOr' | 'logicalXor';

/** Row reductions (`reduce`); argMax/argMin write int32 (the first index of the extreme). */
export type ReduceOp = 'sum' | 'mean' | 'prod' | 'max' | 'min' | 'any' | 'all' | 'argMax' | 'argMin';

/**
 * An element-wise operation over an output of `shape`, with each input addressed by its own
 * strides (a 0 stride broadcasts that dimension). All arrays have the output's rank.
 */
export interface BroadcastInfo {
  readonly shape: readonly number[];
  /** Strides of the inputs, one array per input, in elements. */
  readonly strides: readonly (readonly number[])[];
}

export interface Backend {
  readonly name: string;
  /** Worker threads used by the kernels (1 for single-threaded backends). */
  readonly threads: number;
  /** Whether `readSync` works (false for a backend whose memory is on a device that only reads asynchronously). */
  readonly canReadSync: boolean;

  // ---- memory -------------------------------------------------------------------------------
  /** Allocates `size` elements of `dtype` (default float32), zero-filled. Inside a step, from the step arena. */
  alloc(size: number, dtype?: DType): Storage;
  /** Releases a persistent storage. Freeing a step storage is a no-op (the step reclaims it). */
  free(s: Storage): void;
  /** Writes `values` into elements [offset, offset + values.length) of `s`, converted to its dtype. */
  write(s: Storage, values: ArrayLike<number>, offset?: number): void;
  /** A copy of elements [offset, offset + size) of `s` (the whole storage by default). Throws where `canReadSync` is false. */
  readSync(s: Storage, offset?: number, size?: number): TypedArray;
  /** Resolves to a copy of elements [offset, offset + size) of `s`. */
  read(s: Storage, offset?: number, size?: number): Promise<TypedArray>;
  /** Starts a step arena (see header). Steps do not nest. */
  beginStep(): void;
  /** Ends the step: every storage allocated since `beginStep` is reclaimed. */
  endStep(): void;
  memory(): MemoryInfo;
  /** Releases workers and memory; the backend is unusable afterwards. */
  dispose(): void;

  // ---- generic kernels (any dtype unless stated) ---------------------------------------------
  /** y[i] = op(x[i]) for n elements (float32). `params`: leakyRelu/elu [alpha], step [alpha], clip [lo, hi], affine [scale, offset]. */
  unary(op: UnaryOp, x: Storage, y: Storage, n: number, params?: readonly number[]): void;
  /**
   * dx (+)= dy · op'(x) for n elements (float32). `y` is op(x) (kernels may use either); for
   * relu, sigmoid and tanh `x` may be null, the derivative then comes from `y`.
   */
  unaryBackward(op: DifferentiableUnaryOp, x: Storage | null, y: Storage | null, dy: Storage, dx: Storage, n: number, accumulate: boolean, params?: readonly number[]): void;
  /** out = op(a, b) with broadcasting (a and b share a dtype; comparisons and logical ops write bool). */
  binary(op: BinaryOp, a: Storage, b: Storage, out: Storage, info: BroadcastInfo): void;
  /** out = cond ? a : b with broadcasting (cond bool; a, b and out share a dtype). */
  where(cond: Storage, a: Storage, b: Storage, out: Storage, info: BroadcastInfo): void;
  /** y[i] = x[i] converted to y's dtype (float → int truncates toward zero; → bool is x != 0). */
  cast(x: Storage, y: Storage, n: number): void;
  /** out[i] = value for n elements. */
  fill(out: Storage, value: number, n: number, offset?: number): void;
  /**
   * Copies a strided block: for every index (i0..ik) of `shape`,
   * dst[dstOffset + Σ i·dstStrides] = src[srcOffset + Σ i·srcStrides] (strides in elements, may be
   * 0 or negative on the source). Covers transpose, slice, concat, pad, tile, reverse and broadcast.
   * With `accumulate`, adds into dst (dst positions must then be distinct).
   */
  stridedCopy(src: Storage, srcOffset: number, srcStrides: readonly number[], dst: Storage, dstOffset: number, dstStrides: readonly number[], shape: readonly number[], accumulate?: boolean): void;
  /** Reduces each of the `outer` contiguous rows of `inner` elements of x into y[row]. */
  reduce(op: ReduceOp, x: Storage, y: Storage, outer: number, inner: number): void;
  /**
   * y[o, j, i] = x[o, indices[j], i] for x viewed as [outer, axisLen, inner] and int32 `indices`
   * of length n; an index outside [0, axisLen) gives zeros.
   */
  gather(x: Storage, indices: Storage, y: Storage, outer: number, axisLen: number, inner: number, n: number): void;
  /** dx[o, indices[j], i] += dy[o, j, i] (dx is accumulated into; repeated indices add up in order j = 0, 1, ...). */
  scatterAdd(dy: Storage, indices: Storage, dx: Storage, outer: number, axisLen: number, inner: number, n: number): void;
  /** Counter-based uniform [0, 1) floats: out[i] = U(seed, i), the same for any thread count or backend. */
  randomUniform(out: Storage, n: number, seed: number): void;
  /**
   * Running sums or products of x viewed as [outer, len, inner], along the middle axis (float32 or
   * int32, x and y of one dtype). `exclusive` starts from the identity, `reverse` from the end.
   * Each partial result is stored before the next step reads it (TensorFlow.js's order).
   */
  cumulative(op: 'sum' | 'prod', x: Storage, y: Storage, outer: number, len: number, inner: number, exclusive: boolean, reverse: boolean): void;
  /**
   * The k largest values of each of `rows` rows of `cols` elements (values in x's dtype, indices
   * int32): sorted descending with ties to the lower index when `sorted`, else in TensorFlow.js's
   * selection order.
   */
  topk(x: Storage, values: Storage, indices: Storage, rows: number, cols: number, k: number, sorted: boolean): void;

  // ---- image resampling (NHWC) --------------------------------------------------------------
  /** y[batch, outH, outW, C] = bilinear resize of x (float32). */
  resizeBilinear(x: Storage, y: Storage, info: ResizeInfo): void;
  /** dx (+)= the adjoint of `resizeBilinear` applied to dy (float32). */
  resizeBilinearBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void;
  /** y = nearest-neighbour resize of x (x and y of one dtype). */
  resizeNearest(x: Storage, y: Storage, info: ResizeInfo): void;
  /** dx (+)= the adjoint of `resizeNearest` applied to dy (float32). */
  resizeNearestBackward(dy: Storage, dx: Storage, info: ResizeInfo, accumulate: boolean): void;
  /**
   * y[boxes, cropH, cropW, C] = crops of `image` at normalised `boxes` [n, 4] = (y1, x1, y2, x2)
   * from the int32 `boxIndices`, resampled (float32); samples outside the image get
   * `extrapolationValue`.
   */
  cropAndResize(image: Storage, boxes: Storage, boxIndices: Storage, y: Storage, info: CropInfo): void;

  // ---- dense linear algebra -----------------------------------------------------------------
  /**
   * C[m×n] = op(A) · op(B) (+ C when `accumulate`), where op(A) is m×k (A stored k×m when
   * `transA`) and op(B) is k×n (B stored n×k when `transB`), float32.
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
  /**
   * `batch` independent gemms; the i-th reads A at i·strideA, B at i·strideB and writes C at
   * i·m·n (a 0 stride reuses one matrix for every item, for broadcasting).
   */
  batchGemm(a: Storage, b: Storage, c: Storage, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, accumulate: boolean): void;

  // ---- convolution (NHWC, kernel [kH, kW, inC, outC], any dilation) ----------------------------
  /** y[batch, outH, outW, outC] = conv(x, w), or act(conv(x, w) + bias) with an epilogue. */
  conv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void;
  /** dx = ∂L/∂x given dy; overwrites (or adds into) dx[batch, inH, inW, inC]. */
  conv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void;
  /** dw = ∂L/∂w given x and dy, summed over the batch; dw is [kH, kW, inC, outC]. */
  conv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void;

  // ---- depthwise convolution (NHWC, kernel [kH, kW, inC, multiplier], any dilation) -------------
  // Each input channel c has its own `multiplier` filters; output channel c·multiplier + q is
  // input channel c convolved with filter q (TensorFlow's layout). `info.outC` is inC·multiplier.
  /**
   * y[b, oy, ox, c·m + q] = Σ_{ky,kx} x[b, oy·sH + ky·dH − padTop, ox·sW + kx·dW − padLeft, c] · w[ky, kx, c, q]
   * (m = outC / inC), or act(· + bias[c·m + q]) with an epilogue.
   */
  depthwiseConv2d(x: Storage, w: Storage, y: Storage, info: Conv2DInfo, epilogue?: ConvEpilogue): void;
  /** dx = ∂L/∂x of `depthwiseConv2d` given dy; overwrites (or adds into) dx[batch, inH, inW, inC]. */
  depthwiseConv2dBackpropInput(dy: Storage, w: Storage, dx: Storage, info: Conv2DInfo, accumulate: boolean): void;
  /** dw = ∂L/∂w of `depthwiseConv2d` given x and dy, summed over the batch; dw is [kH, kW, inC, outC / inC]. */
  depthwiseConv2dBackpropFilter(x: Storage, dy: Storage, dw: Storage, info: Conv2DInfo, accumulate: boolean): void;

  // ---- pooling (NHWC) -----------------------------------------------------------------------
  maxPool(x: Storage, y: Storage, info: Pool2DInfo): void;
  /**
   * Routes dy to the first maximal element of each window (ties go to the earliest, row-major).
   * With `reluMask`, x is a ReLU's output and dy is routed only where the window's maximum is
   * positive: the ReLU's gradient is folded in, so dx is already the gradient of its input.
   */
  maxPoolBackward(x: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean, reluMask?: boolean): void;
  /**
   * `maxPool` that also records each window's winner: `argmax` (a bool storage read as bytes, one
   * per element of y) gets the window position i·poolW + j of the first cell equal to the maximum
   * (row-major, so ties go to the earliest; padding cells never win), or NO_WINNER where no cell
   * takes the gradient: a NaN maximum, or with `reluMask` a maximum that is not positive (x is then
   * a ReLU's output, whose gradient the routing folds in). Windows have at most 255 cells.
   */
  maxPoolArgmax(x: Storage, y: Storage, argmax: Storage, info: Pool2DInfo, reluMask: boolean): void;
  /** dx (+)= dy routed to each window's recorded winner (`maxPoolArgmax`, `conv2dMaxPool`); 0 elsewhere. */
  maxPoolBackwardArgmax(argmax: Storage, dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void;
  /**
   * y = maxPool(act(conv2d(x, w) + bias)) with its winners in `argmax` (null: not recorded, for
   * inference), as `conv2d` with the epilogue and then `maxPoolArgmax` (with `reluMask` for act
   * 'relu') would compute them, bit for bit; a backend may skip storing the convolution's output.
   * `pool` is the pooling of the convolution's output [batch, outH, outW, outC]. Activations:
   * 'linear' and 'relu' (whose gradient the winners fold in); others are refused.
   */
  conv2dMaxPool(x: Storage, w: Storage, y: Storage, argmax: Storage | null, info: Conv2DInfo, pool: Pool2DInfo, epilogue?: ConvEpilogue): void;
  avgPool(x: Storage, y: Storage, info: Pool2DInfo): void;
  avgPoolBackward(dy: Storage, dx: Storage, info: Pool2DInfo, accumulate: boolean): void;

  // ---- fused element-wise (float32) ----------------------------------------------------------
  /** y[r, c] = act(x[r, c] + bias[c]) over a rows×cols matrix; `bias` may be null. In-place allowed. */
  biasActivation(x: Storage, bias: Storage | null, y: Storage, rows: number, cols: number, act: KernelActivation): void;
  /** dx = dy · act'(·), written from the activation's output y (every supported act allows it). */
  activationBackward(y: Storage, dy: Storage, dx: Storage, n: number, act: KernelActivation, accumulate: boolean): void;
  /** db[c] (+)= Σ_r dy[r, c]. */
  biasGrad(dy: Storage, db: Storage, rows: number, cols: number, accumulate: boolean): void;
  /** out (+)= alpha · x (n elements, float32). */
  scale(x: Storage, alpha: number, out: Storage, n: number, accumulate: boolean): void;
  /** Copies n elements from src[srcOffset..] to dst[dstOffset..] (same dtype). */
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void;
  /** dst[i] = src[srcOffset + i] · scale, converting host uint8 pixels (e.g. scale 1/255) into float32. */
  fromUint8(src: Uint8Array, srcOffset: number, dst: Storage, n: number, scale: number): void;

  // ---- batch normalisation over rows×cols (one column per channel, float32) -------------------
  /** Per-column mean and biased variance over the rows (tfjs `moments` over all axes but the last). */
  batchNormStats(x: Storage, mean: Storage, variance: Storage, rows: number, cols: number): void;
  /** y = act(γ·(x − mean)/√(variance + ε) + β); `gamma`/`beta` null mean 1 and 0. In-place allowed. */
  batchNormForward(x: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null, y: Storage, rows: number, cols: number, epsilon: number, act: NormActivation): void;
  /**
   * Gradients of `batchNormForward` given dy (of its output, after the activation). With
   * `training`, mean and variance are the batch's own statistics and dx includes their dependence
   * on x; otherwise they are constants. Null outputs are skipped.
   */
  batchNormBackward(
    x: Storage, dy: Storage, mean: Storage, variance: Storage, gamma: Storage | null, beta: Storage | null,
    dx: Storage | null, dgamma: Storage | null, dbeta: Storage | null,
    rows: number, cols: number, epsilon: number, act: NormActivation, training: boolean, accumulate: NormAccumulate,
  ): void;

  // ---- softmax and losses -------------------------------------------------------------------
  /** Row-wise softmax of a rows×cols matrix (max-subtracted). */
  softmax(x: Storage, y: Storage, rows: number, cols: number): void;
  /**
   * Fused softmax + cross-entropy on logits. `labels` holds `rows` class indices (int32). Writes
   * per-row losses into `losses` and, when `dlogits` is given, (softmax − onehot) · gradScale into
   * it. A label outside [0, cols) gives a NaN loss.
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

  // ---- optimizer updates (in place, n elements, float32) -------------------------------------
  /** Keras Adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr_t · m / (√v + ε̂), lr_t = lr·√(1−β2^t)/(1−β1^t). */
  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, params: AdamParams): void;
  /** Keras SGD: v = momentum·v − lr·g; p += nesterov ? momentum·v − lr·g : v (plain p −= lr·g when momentum is 0). */
  sgdUpdate(p: Storage, g: Storage, velocity: Storage | null, n: number, lr: number, momentum: number, nesterov: boolean): void;
  /** Keras RMSprop (no momentum, not centered): a = ρ·a + (1−ρ)·g²; p −= lr·g / √(a + ε). */
  rmspropUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, rho: number, epsilon: number): void;
}

/** The host array type of a dtype. */
export function arrayFor(dtype: DType, size: number): TypedArray {
  return dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
}
