/**
 * A pool of kernel workers over the backend's shared memory. `run` publishes a job, works on it
 * from the calling thread too, and returns once every task is done. Tasks are claimed dynamically,
 * so a worker that is late (not yet started, or descheduled because another process holds its
 * core) just gets fewer tasks; results never depend on who ran what.
 */
import { CONTROL_BYTES, DONE, JOB, KIND, MAX_TASKS, MAX_THREADS, NEXT, NTASKS, QUIT, READY, SCRATCH, SEQ, TASK_BITS, TASK_MASK, drainTasks, tagOf, type RunTask } from './control.js';
import type { WorkerInit } from './worker.js';
import { canBlock, startWorker, type PlatformWorker } from './platform.js';

/** Spin iterations before a thread sleeps in Atomics.wait. */
export const DEFAULT_SPIN = 4000;

export class ThreadPool {
  private readonly workers: PlatformWorker[] = [];
  private readonly i32: Int32Array;
  private readonly base: number;
  private seq = 0;
  private readonly blocking = canBlock();

  /**
   * @param threads total threads including the calling one.
   * @param control byte offset of a CONTROL_BYTES block in `memory`.
   */
  constructor(
    readonly threads: number,
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    readonly control: number,
    private readonly runTask: RunTask,
    private readonly spin = DEFAULT_SPIN,
  ) {
    if (threads < 1 || threads > MAX_THREADS) throw new RangeError(`threads must be in [1, ${MAX_THREADS}], got ${threads}`);
    this.i32 = new Int32Array(memory.buffer);
    this.base = control >> 2;
    this.i32.fill(0, this.base, this.base + (CONTROL_BYTES >> 2));
    Atomics.store(this.i32, this.base + NEXT, TASK_MASK);
    const url = new URL('./worker.js', import.meta.url);
    for (let i = 1; i < threads; i++) {
      const init: WorkerInit = { module, memory, control, index: i, spin };
      this.workers.push(startWorker(url, init));
    }
  }

  /** Workers that have started and wait for jobs. */
  readyWorkers(): number {
    return Atomics.load(this.i32, this.base + READY);
  }

  /** Blocks (or spins) until every worker is ready or `timeoutMs` passes; returns whether all are. */
  waitReady(timeoutMs = 10000): boolean {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = this.readyWorkers();
      if (r >= this.threads - 1) return true;
      if (Date.now() > end) return false;
      if (this.blocking) Atomics.wait(this.i32, this.base + READY, r, 50);
    }
  }

  /** Sets the scratch pointer of thread `index`. Only between jobs. */
  setScratch(index: number, ptr: number): void {
    this.i32[this.base + SCRATCH + index] = ptr;
  }

  scratchOf(index: number): number {
    return this.i32[this.base + SCRATCH + index];
  }

  /** Runs tasks [0, n) of the job of `kind` at `job`; on the calling thread alone when n is 1 or there are no workers. */
  run(kind: number, job: number, n: number): void {
    if (n <= 0) return;
    if (n > MAX_TASKS) throw new RangeError(`too many tasks (${n})`);
    const i32 = this.i32, b = this.base;
    const scratch = i32[b + SCRATCH];
    if (n === 1 || this.workers.length === 0) {
      for (let t = 0; t < n; t++) this.runTask(kind, job, t, scratch);
      return;
    }
    const seq = (this.seq = (this.seq + 1) & 0x3fffffff);
    const tag = tagOf(seq);
    i32[b + KIND] = kind;
    i32[b + JOB] = job;
    i32[b + NTASKS] = n;
    Atomics.store(i32, b + DONE, 0);
    Atomics.store(i32, b + NEXT, tag << TASK_BITS);
    Atomics.store(i32, b + SEQ, seq);
    Atomics.notify(i32, b + SEQ);
    drainTasks(i32, b, tag, kind, job, n, scratch, this.runTask);
    let spins = 0;
    for (;;) {
      const d = Atomics.load(i32, b + DONE);
      if (d >= n) break;
      if (++spins > this.spin && this.blocking) {
        Atomics.wait(i32, b + DONE, d, 1);
        spins = 0;
      }
    }
    // Close the job so that a late worker cannot claim a task of the next one.
    Atomics.store(i32, b + NEXT, (tag << TASK_BITS) | TASK_MASK);
  }

  /** Stops the workers. */
  dispose(): void {
    Atomics.store(this.i32, this.base + QUIT, 1);
    Atomics.add(this.i32, this.base + SEQ, 1);
    Atomics.notify(this.i32, this.base + SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}
