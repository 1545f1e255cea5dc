/**
 * Layout of the control block that the calling thread and the workers share inside the WASM
 * memory, and the task loop they all run.
 *
 * Protocol. The caller writes a job (kind, job pointer, task count), resets DONE, opens NEXT with
 * the job's tag and then publishes SEQ. Every thread claims task numbers from NEXT with a
 * compare-and-swap that also checks the tag, so a late worker can never claim a task of a job it
 * did not read; when all tasks are done the caller closes NEXT before writing the next job.
 */

/** Int32 slots of the control block. */
export const SEQ = 0;
export const NEXT = 1;
export const NTASKS = 2;
export const DONE = 3;
export const KIND = 4;
export const JOB = 5;
export const QUIT = 6;
export const READY = 7;
/** Set by a worker whose task threw; the caller reports it after the job. */
export const FAILED = 8;
/** Scratch pointer of thread i (0 = the calling thread) lives at SCRATCH + i. */
export const SCRATCH = 16;
/** Most threads a pool may have. */
export const MAX_THREADS = 64;
/** Bytes of the control block (slots plus the job words that follow). */
export const CONTROL_BYTES = 1024;
/** Byte offset of the job words inside the control block. */
export const JOB_OFFSET = 512;
/** Low bits of NEXT hold the task index, high bits the job tag. */
export const TASK_BITS = 16;
export const TASK_MASK = (1 << TASK_BITS) - 1;
/** Most tasks one job may have. */
export const MAX_TASKS = TASK_MASK - 1;

/** The kernel entry that runs one task. */
export type RunTask = (kind: number, job: number, task: number, scratch: number) => void;

/**
 * Claims and runs tasks of the job tagged `tag` until none is left; returns how many it ran.
 * `i32` views the whole memory and `base` is the control block's int32 index.
 */
export function drainTasks(i32: Int32Array, base: number, tag: number, kind: number, job: number, n: number, scratch: number, runTask: RunTask): number {
  let ran = 0;
  for (;;) {
    const v = Atomics.load(i32, base + NEXT);
    if (v >>> TASK_BITS !== tag) return ran;
    const t = v & TASK_MASK;
    if (t >= n) return ran;
    if (Atomics.compareExchange(i32, base + NEXT, v, v + 1) !== v) continue;
    runTask(kind, job, t, scratch);
    ran++;
    if (Atomics.add(i32, base + DONE, 1) + 1 === n) Atomics.notify(i32, base + DONE);
  }
}

/** Job tag carried in NEXT's high bits for sequence number `seq`. */
export function tagOf(seq: number): number {
  return seq & 0x7fff;
}
