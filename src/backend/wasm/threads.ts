/**
 * A pool of kernel workers over the backend's shared memory. `run` publishes a job, works on it
 * from the calling thread too, and returns once every task is done. Tasks are claimed dynamically,
 * so a worker that is late (not yet started, or descheduled because another process holds its
 * core) just gets fewer tasks; results never depend on who ran what.
 *
 * A worker descheduled in the middle of a task still makes the caller wait for it. When that wait
 * is long compared with the job, the machine is oversubscribed: the pool then runs jobs on the
 * calling thread alone for a while (doubling the period each time it happens again), so it is not
 * slower than one thread when another process holds a core.
 */
import { CONTROL_BYTES, DONE, FAILED, JOB, KIND, MAX_TASKS, MAX_THREADS, NEXT, NTASKS, QUIT, READY, SCRATCH, SEQ, TASK_BITS, TASK_MASK, drainTasks, tagOf, type RunTask } from './control.js';
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
  /** Until this time (performance.now()) jobs run on the calling thread only. */
  private soloUntil = 0;
  private backoffMs = 0;

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
    private readonly adaptive = true,
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
    if (n === 1 || this.workers.length === 0 || (this.soloUntil > 0 && performance.now() < this.soloUntil)) {
      for (let t = 0; t < n; t++) this.runTask(kind, job, t, scratch);
      return;
    }
    const start = performance.now();
    const seq = (this.seq = (this.seq + 1) & 0x3fffffff);
    const tag = tagOf(seq);
    i32[b + KIND] = kind;
    i32[b + JOB] = job;
    i32[b + NTASKS] = n;
    Atomics.store(i32, b + DONE, 0);
    Atomics.store(i32, b + NEXT, tag << TASK_BITS);
    Atomics.store(i32, b + SEQ, seq);
    Atomics.notify(i32, b + SEQ);
    const own = drainTasks(i32, b, tag, kind, job, n, scratch, this.runTask);
    const drained = performance.now();
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
    if (Atomics.exchange(i32, b + FAILED, 0) !== 0) throw new Error('A WASM kernel task failed in a worker thread');
    if (this.adaptive) this.watchContention(start, drained, performance.now(), own, n);
  }

  /**
   * Compares the time spent waiting for other threads with the time this thread worked. A worker
   * that claimed a task before this thread ran out of tasks finishes it within about one task's
   * time (waking late only makes it claim fewer); a wait of several tasks and at least a
   * millisecond (a scheduler time slice) means it lost its core mid-task.
   */
  private watchContention(start: number, drained: number, end: number, own: number, n: number): void {
    const waited = end - drained;
    const perTask = own > 0 ? (drained - start) / own : drained - start;
    if (waited > 1 && waited > 4 * perTask && own < n) {
      this.backoffMs = Math.min(1000, this.backoffMs > 0 ? this.backoffMs * 2 : 20);
      this.soloUntil = end + this.backoffMs;
    } else if (this.backoffMs > 0 && end > this.soloUntil) {
      this.backoffMs = Math.max(0, this.backoffMs / 2 - 5);
      if (this.backoffMs === 0) this.soloUntil = 0;
    }
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
