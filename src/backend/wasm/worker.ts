/**
 * Kernel worker: instantiates the WASM kernels over the shared memory and runs tasks of the jobs
 * the calling thread publishes (see control.ts). Spins briefly for the next job, then sleeps in
 * Atomics.wait. Runs under Node.js worker_threads or as a browser module worker.
 */
import { DONE, FAILED, JOB, KIND, NTASKS, QUIT, READY, SCRATCH, SEQ, drainTasks, tagOf, type RunTask } from './control.js';

/** What the pool sends a worker when it starts. */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte offset of the control block. */
  control: number;
  /** This worker's thread index (1-based; 0 is the calling thread). */
  index: number;
  /** Spin iterations before sleeping. */
  spin: number;
}

function serve(init: WorkerInit): void {
  const instance = new WebAssembly.Instance(init.module, { env: { memory: init.memory } });
  const runTask = instance.exports.runTask as RunTask;
  const i32 = new Int32Array(init.memory.buffer);
  const base = init.control >> 2;
  let seen = Atomics.load(i32, base + SEQ);
  Atomics.add(i32, base + READY, 1);
  Atomics.notify(i32, base + READY);
  for (;;) {
    let spins = 0;
    let seq = Atomics.load(i32, base + SEQ);
    while (seq === seen) {
      if (++spins > init.spin) {
        Atomics.wait(i32, base + SEQ, seen);
        spins = 0;
      }
      seq = Atomics.load(i32, base + SEQ);
    }
    seen = seq;
    if (Atomics.load(i32, base + QUIT) !== 0) return;
    const kind = i32[base + KIND], job = i32[base + JOB], n = i32[base + NTASKS];
    const scratch = i32[base + SCRATCH + init.index];
    try {
      drainTasks(i32, base, tagOf(seq), kind, job, n, scratch, runTask);
    } catch {
      // Count the failed task as done so that the caller does not wait for it, and tell it.
      Atomics.store(i32, base + FAILED, 1);
      if (Atomics.add(i32, base + DONE, 1) + 1 === n) Atomics.notify(i32, base + DONE);
    }
  }
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node;
if (isNode) {
  const wt = (await import('node:worker_threads' as string)) as typeof import('node:worker_threads');
  serve(wt.workerData as WorkerInit);
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<WorkerInit>) => void) | null };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    serve(e.data);
  };
}
