/**
 * The only place that knows whether it runs in Node.js or a browser: how to start a module
 * worker, how many cores there are, and whether this thread may block in Atomics.wait.
 */

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

type NodeWorkerThreads = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');
type NodeV8 = typeof import('node:v8');

// Resolved once at load time so that backends can then start synchronously.
const nodeWorkers: NodeWorkerThreads | null = isNode ? ((await import('node:worker_threads' as string)) as NodeWorkerThreads) : null;
const nodeOs: NodeOs | null = isNode ? ((await import('node:os' as string)) as NodeOs) : null;
const nodeV8: NodeV8 | null = isNode ? ((await import('node:v8' as string)) as NodeV8) : null;

/**
 * Turns on WebAssembly relaxed SIMD where the engine has it behind a flag (Node.js 20's V8 11.3:
 * --experimental-wasm-relaxed-simd; later versions enable it by default). Returns whether a flag
 * was set; the caller re-validates. Browsers cannot do this and keep the baseline build.
 */
export function enableRelaxedSimd(): boolean {
  if (!nodeV8) return false;
  try {
    nodeV8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return true;
  } catch {
    return false;
  }
}

/** A started worker, whatever the platform. */
export interface PlatformWorker {
  terminate(): void;
}

/**
 * Starts the module worker at `url` with `data` as its start message; in Node.js the worker does
 * not keep the process alive, and its JavaScript heap is kept small (a kernel worker only runs
 * WebAssembly over the shared memory and allocates nothing while it serves jobs; V8's default
 * young generation alone would add megabytes of resident memory per worker).
 */
export function startWorker(url: URL, data: unknown): PlatformWorker {
  if (nodeWorkers) {
    const w = new nodeWorkers.Worker(url, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 12 } });
    w.unref();
    w.on('error', (e: Error) => {
      console.error(`cnnkit: kernel worker failed: ${e.message}`);
    });
    return { terminate: () => void w.terminate() };
  }
  const w = new Worker(url, { type: 'module' });
  w.postMessage(data);
  return { terminate: () => w.terminate() };
}

/** Cores available to this process (at least 1). */
export function availableCores(): number {
  if (nodeOs) return Math.max(1, nodeOs.availableParallelism ? nodeOs.availableParallelism() : nodeOs.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

let blockingChecked: boolean | null = null;

/** Whether this thread may sleep in Atomics.wait (false on a browser's main thread). */
export function canBlock(): boolean {
  if (blockingChecked === null) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingChecked = true;
    } catch {
      blockingChecked = false;
    }
  }
  return blockingChecked;
}

/** Decodes base64 without Node-only APIs. */
export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
