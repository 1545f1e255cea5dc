/**
 * The engine: which backend is active, and the bookkeeping shared by every tensor (scopes for
 * `tidy`, step generations that invalidate step-arena tensors).
 *
 * Backends register a factory. The WASM backend is the default; it can be created synchronously in
 * Node.js and needs `await ck.ready()` (or `await ck.setBackend('wasm')`) in a browser.
 */
import { StateError, ValueError } from '../errors.js';
import type { Backend } from './backend.js';

/** Options a backend factory accepts. */
export interface BackendOptions {
  /** Worker threads for the kernels (default: the available cores). */
  threads?: number;
  /** Size of the backend's memory in MiB (WASM: the fixed shared memory). */
  memoryMB?: number;
  /**
   * WASM: run 3x3 stride-1 convolutions (channels in multiples of 4) as Winograd F(2x2, 3x3),
   * which needs 2.25x fewer multiplications (default true); false keeps im2col + GEMM.
   */
  winograd?: boolean;
}

export interface BackendFactory {
  /** Creates the backend; may be asynchronous (compiling WASM, starting workers). */
  create(options: BackendOptions): Backend | Promise<Backend>;
  /** Creates it synchronously where the platform allows; absent or throwing means "use create". */
  createSync?(options: BackendOptions): Backend;
  priority: number;
}

const factories = new Map<string, BackendFactory>();
let current: Backend | null = null;
let currentName: string | null = null;
let pendingName: string | null = null;
let pendingOptions: BackendOptions = {};
let initializing: Promise<Backend> | null = null;

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
}

/** Names of the registered backends, best first. */
export function backendNames(): string[] {
  return [...factories.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
}

function factoryFor(name: string): BackendFactory {
  const f = factories.get(name);
  if (!f) throw new ValueError(`Unknown backend '${name}'. Expected one of ${backendNames().map((n) => `'${n}'`).join(', ')}`);
  return f;
}

/**
 * Selects the backend for new tensors and kernels (tfjs's `tf.setBackend`). Resolves to true once
 * it is ready. Tensors made with another backend must not be mixed with the new one.
 */
export async function setBackend(name: string, options: BackendOptions = {}): Promise<boolean> {
  const factory = factoryFor(name);
  if (current && currentName === name && Object.keys(options).length === 0) return true;
  const created = await factory.create(options);
  current?.dispose();
  current = created;
  currentName = name;
  return true;
}

/**
 * Selects a backend synchronously where its factory allows (Node.js), else throws a StateError
 * that says to await `setBackend`.
 */
export function setBackendSync(name: string, options: BackendOptions = {}): Backend {
  const factory = factoryFor(name);
  if (!factory.createSync) throw new StateError(`Backend '${name}' cannot start synchronously here: use 'await ck.setBackend('${name}')'`);
  const created = factory.createSync(options);
  current?.dispose();
  current = created;
  currentName = name;
  return created;
}

/** Resolves when the default (or chosen) backend is ready. */
export async function ready(): Promise<Backend> {
  if (current) return current;
  if (!initializing) {
    const name = pendingName ?? backendNames()[0];
    initializing = Promise.resolve(factoryFor(name).create(pendingOptions)).then((b) => {
      current = b;
      currentName = name;
      return b;
    });
  }
  return initializing;
}

/**
 * Runs `fn` with `backend` active and then restores what was active before, including nothing:
 * a default backend not yet created stays uncreated, so options configured for it still apply
 * (e.g. sizing a model on the reference backend before the WASM backend is made with that size).
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const before = current, beforeName = currentName;
  current = backend;
  currentName = backend.name;
  try {
    return fn();
  } finally {
    current = before;
    currentName = beforeName;
  }
}

/** Sets the options the default backend will be created with (before first use). */
export function configureDefaultBackend(name: string | null, options: BackendOptions): void {
  pendingName = name;
  pendingOptions = options;
}

/** The active backend; starts the default one synchronously when none is active yet. */
export function getBackend(): Backend {
  if (current) return current;
  const errors: string[] = [];
  for (const name of pendingName ? [pendingName] : backendNames()) {
    const f = factoryFor(name);
    if (!f.createSync) continue;
    try {
      current = f.createSync(pendingOptions);
      currentName = name;
      return current;
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new StateError(`No backend could start synchronously (${errors.join('; ') || 'none registered'}): call 'await ck.ready()' first`);
}

/** Name of the active backend (tfjs's `tf.getBackend()`). */
export function getBackendName(): string {
  getBackend();
  return currentName as string;
}

// ---- scopes and step generations -------------------------------------------------------------

/** Anything that `tidy` can release. */
export interface Disposable {
  dispose(): void;
}

const scopes: Disposable[][] = [];
/** Open deferral frames: while one is open, tidy hands its disposals to the innermost frame. */
const deferrals: Disposable[][] = [];
let stepDepth = 0;
let generation = 0;

/** Records a new tensor in the innermost `tidy` scope. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.push(t);
}

/**
 * Runs `fn` and disposes every tensor created inside it except those in its result and those
 * marked with `keep` (tfjs's `tf.tidy`). Results may be a tensor, an array or an object of
 * tensors. `fn` must be synchronous. A name may come first, as in tfjs (`tidy('loss', fn)`).
 * @throws ValueError when `fn` is not a function or returns a Promise.
 */
export function tidy<T>(nameOrFn: string | (() => T), fn?: () => T): T {
  const f = typeof nameOrFn === 'function' ? nameOrFn : fn;
  const name = typeof nameOrFn === 'string' ? `'${nameOrFn}' ` : '';
  if (typeof f !== 'function') throw new ValueError(`tidy: ${name}expects a function (tidy(fn) or tidy(name, fn)). Received ${typeof f}`);
  scopes.push([]);
  let created: Disposable[] = [];
  let result: T;
  try {
    result = f();
  } finally {
    created = scopes.pop() as Disposable[];
  }
  if (result instanceof Promise) {
    for (const t of created) if (!(t as { kept?: boolean }).kept) release(t);
    throw new ValueError(`tidy: ${name}cannot return a Promise; tidy runs synchronously (await outside it)`);
  }
  const keep = new Set<unknown>();
  collect(result, keep);
  for (const t of created) if (!keep.has(t) && !(t as { kept?: boolean }).kept) release(t);
  // Kept tensors now belong to the enclosing scope.
  for (const t of keep) track(t as Disposable);
  return result;
}

/** Disposes now, or hands the tensor to the open deferral frame. */
function release(t: Disposable): void {
  const frame = deferrals[deferrals.length - 1];
  if (frame) frame.push(t);
  else t.dispose();
}

/**
 * Runs `fn` with the disposals of every `tidy` inside it deferred, and returns its result with the
 * deferred tensors. Gradient computations run their forward pass this way: a tidy inside the
 * function being differentiated must not free tensors the backward pass still reads (tfjs keeps
 * them on its tape); they are disposed once the gradients are computed.
 */
export function deferDisposals<T>(fn: () => T): { result: T; deferred: Disposable[] } {
  const frame: Disposable[] = [];
  deferrals.push(frame);
  try {
    return { result: fn(), deferred: frame };
  } finally {
    deferrals.pop();
  }
}

function collect(v: unknown, into: Set<unknown>): void {
  if (v === null || typeof v !== 'object') return;
  if ('dispose' in (v as object)) into.add(v);
  if (Array.isArray(v)) for (const e of v) collect(e, into);
  else if (v instanceof Map) for (const e of v.values()) collect(e, into);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v as object)) collect(e, into);
}

/**
 * Disposes every tensor in `container`: a tensor, or arrays and plain objects of them, at any
 * depth (tfjs's `tf.dispose`). Other values are ignored.
 */
export function dispose(container: unknown): void {
  const found = new Set<unknown>();
  collect(container, found);
  for (const t of found) (t as Disposable).dispose();
}

/** The current step generation; tensors made in a step compare it to know they are still valid. */
export function stepGeneration(): number {
  return generation;
}

export function inStep(): boolean {
  return stepDepth > 0;
}

/**
 * Runs `fn` inside a backend step arena: every tensor it creates is reclaimed when it returns, and
 * memory is reused by the next step. Results must be read out (numbers, copies) before returning.
 */
export function runStep<T>(fn: (backend: Backend) => T): T {
  const b = getBackend();
  if (stepDepth > 0) return fn(b);
  stepDepth++;
  b.beginStep();
  try {
    return fn(b);
  } finally {
    b.endStep();
    stepDepth--;
    generation++;
  }
}
