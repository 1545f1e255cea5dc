/**
 * Entry point of the cnnkit WASM kernels. Every parallel kernel is a job (a block of i32 words in
 * linear memory) split into numbered tasks; any thread runs any task through `runTask`, so the
 * result never depends on which thread ran what.
 */
import { MR } from './simd';
import { KC, MC, NR, gemmScratch, gemmTask, packB, reduceChunks, spanCount, word } from './gemm';
import { FB, convBwdFilterScratch, convBwdFilterTask, reduceFilter, convBwdInputScratch, convBwdInputTask, convFwdScratch, convFwdTask, convBwdFilterSegScratch, convBwdFilterSegTask, reduceFilterSegments, segmentRows } from './conv';
import { poolTask } from './pool';
export { MAX_FWD as POOL_MAX_FWD, MAX_BWD as POOL_MAX_BWD, AVG_FWD as POOL_AVG_FWD, AVG_BWD as POOL_AVG_BWD, MAX_ARGMAX as POOL_MAX_ARGMAX, MAX_BWD_ARGMAX as POOL_MAX_BWD_ARGMAX } from './pool';
import { winoFilterOutTask, winoFilterScratch, winoFilterSpan, winoFilterTask, winoFwdScratch, winoFwdTask, winoInputScratch, winoInputTask, winoPackFilterSpan } from './winograd';
import { WINO4_FILTER_OUT_SCRATCH, wino4FilterOutTask, wino4FilterScratch, wino4FilterSpan, wino4FilterTask, wino4FwdScratch, wino4FwdTask, wino4InputScratch, wino4InputTask } from './winograd4';
import { WINOM_FILTER_OUT_SCRATCH, winoMFilterOutTask, winoMFilterScratch, winoMFilterSpan, winoMFilterTask, winoMFwdScratch, winoMFwdTask, winoMInputScratch, winoMInputTask } from './winograd8';
import { activationBackward, biasActivation, biasGradColumns, binaryRows, unaryRange } from './ops';
import { normBackwardDxTask, normBackwardSumsTask, normForwardTask, normStatsTask, normSumScratch } from './norm';
import { activationTask } from './activation';

export { packB, reduceChunks, reduceFilter, reduceFilterSegments, segmentRows, spanCount };
export { adam, biasGrad, copyBytes, fill, zero, fromUint8, rmsprop, scale, sgd, softmax, softmaxCrossEntropy } from './ops';
export { biasActivation, activationBackward, binaryRows };
export { winoChunkBytes, winoFilter, winoPackFilter } from './winograd';
export { wino4ChunkBytes, wino4Filter } from './winograd4';
export { winoMChunkBytes, winoMFilter } from './winograd8';

/** Job kinds (the host reads them from the build: names starting JOB_ become `Kind`). */
export const JOB_GEMM: i32 = 0;
export const JOB_CONV_FWD: i32 = 1;
export const JOB_CONV_BWD_INPUT: i32 = 2;
export const JOB_CONV_BWD_FILTER: i32 = 3;
export const JOB_POOL: i32 = 4;
export const JOB_BIAS_ACT: i32 = 5;
export const JOB_ACT_BWD: i32 = 6;
export const JOB_ZERO: i32 = 7;
export const JOB_BIAS_GRAD: i32 = 8;
export const JOB_WINO_FWD: i32 = 9;
export const JOB_WINO_FILTER: i32 = 10;
export const JOB_WINO_FILTER_OUT: i32 = 11;
export const JOB_WINO_INPUT: i32 = 12;
export const JOB_CONV_BWD_FILTER_SEG: i32 = 13;
export const JOB_WINO4_FWD: i32 = 14;
export const JOB_WINO4_FILTER: i32 = 15;
export const JOB_WINO4_FILTER_OUT: i32 = 16;
export const JOB_WINO4_INPUT: i32 = 17;
export const JOB_NORM_STATS: i32 = 18;
export const JOB_NORM_FWD: i32 = 19;
export const JOB_NORM_BWD_SUMS: i32 = 20;
export const JOB_NORM_BWD_DX: i32 = 21;
export const JOB_BINARY: i32 = 22;
export const JOB_ACTIVATION: i32 = 23;
export const JOB_WINO_PREP: i32 = 24;
export const JOB_UNARY: i32 = 25;
export const JOB_WINO8_FWD: i32 = 26;
export const JOB_WINO8_FILTER: i32 = 27;
export const JOB_WINO8_FILTER_OUT: i32 = 28;
export const JOB_WINO8_INPUT: i32 = 29;
export const JOB_WINO7_FWD: i32 = 30;
export const JOB_WINO7_FILTER: i32 = 31;
export const JOB_WINO7_FILTER_OUT: i32 = 32;
export const JOB_WINO7_INPUT: i32 = 33;
export const JOB_WINO3_FWD: i32 = 34;
export const JOB_WINO3_FILTER: i32 = 35;
export const JOB_WINO3_FILTER_OUT: i32 = 36;
export const JOB_WINO3_INPUT: i32 = 37;

/** First byte past the module's static data; the host allocates above it. */
export function heapBase(): usize {
  return __heap_base;
}

/** Rows of the register tile (4 baseline, 5 relaxed). */
export function tileRows(): i32 {
  return MR;
}

/** Blocking constants for the host: 0 MR, 1 NR, 2 KC, 3 MC, 4 FB (rows of a backprop-filter block). */
export function constant(i: i32): i32 {
  return i == 0 ? MR : i == 1 ? NR : i == 2 ? KC : i == 3 ? MC : FB;
}

/** Scratch bytes one thread needs to run tasks of this job. */
export function scratchBytes(kind: i32, job: usize): i32 {
  if (kind == JOB_GEMM) return gemmScratch(word(job, 10));
  if (kind == JOB_CONV_FWD) return convFwdScratch(job);
  if (kind == JOB_CONV_BWD_INPUT) return convBwdInputScratch(job);
  if (kind == JOB_CONV_BWD_FILTER) return convBwdFilterScratch(job);
  if (kind == JOB_WINO_FWD) return winoFwdScratch(job);
  if (kind == JOB_WINO_FILTER) return winoFilterScratch(job);
  if (kind == JOB_WINO_FILTER_OUT) return 256;
  if (kind == JOB_WINO_INPUT) return winoInputScratch(job);
  if (kind == JOB_CONV_BWD_FILTER_SEG) return convBwdFilterSegScratch(job);
  if (kind == JOB_WINO4_FWD) return wino4FwdScratch(job);
  if (kind == JOB_WINO4_FILTER) return wino4FilterScratch(job);
  if (kind == JOB_WINO4_FILTER_OUT) return WINO4_FILTER_OUT_SCRATCH;
  if (kind == JOB_WINO4_INPUT) return wino4InputScratch(job);
  if (kind == JOB_WINO8_FWD) return winoMFwdScratch(8, job);
  if (kind == JOB_WINO8_FILTER) return winoMFilterScratch(8, job);
  if (kind == JOB_WINO8_FILTER_OUT || kind == JOB_WINO7_FILTER_OUT || kind == JOB_WINO3_FILTER_OUT) return WINOM_FILTER_OUT_SCRATCH;
  if (kind == JOB_WINO8_INPUT) return winoMInputScratch(8, job);
  if (kind == JOB_WINO7_FWD) return winoMFwdScratch(7, job);
  if (kind == JOB_WINO7_FILTER) return winoMFilterScratch(7, job);
  if (kind == JOB_WINO7_INPUT) return winoMInputScratch(7, job);
  if (kind == JOB_WINO3_FWD) return winoMFwdScratch(3, job);
  if (kind == JOB_WINO3_FILTER) return winoMFilterScratch(3, job);
  if (kind == JOB_WINO3_INPUT) return winoMInputScratch(3, job);
  if (kind == JOB_NORM_STATS) return normSumScratch(job, 2);
  if (kind == JOB_NORM_BWD_SUMS) return normSumScratch(job, 3);
  return 0;
}

/**
 * A Winograd kernel's preparation, split over the threads in two jobs: phase 0 transforms the
 * kernel columns [t·per, (t+1)·per) (U = G g Gᵀ, every position), phase 1 packs the positions
 * [t·per, (t+1)·per) of U for the GEMMs (transposed for the input gradient). Each value is
 * computed as the serial `winoFilter`/`winoPackFilter` would. Job words: 0 w, 1 u, 2 packed,
 * 3 inC, 4 outC, 5 transpose, 6 tile (2, 3, 4, 7 or 8), 7 phase, 8 per.
 */
function winoPrepTask(job: usize, t: i32): void {
  const inC = word(job, 3), outC = word(job, 4), m = word(job, 6), per = word(job, 8);
  const i0 = t * per;
  if (word(job, 7) == 0) {
    const n = inC * outC, i1 = min(n, i0 + per);
    if (m != 4 && m != 2) winoMFilterSpan(m, <usize>word(job, 0), <usize>word(job, 1), n, i0, i1);
    else if (m == 4) wino4FilterSpan(<usize>word(job, 0), <usize>word(job, 1), n, i0, i1);
    else winoFilterSpan(<usize>word(job, 0), <usize>word(job, 1), n, i0, i1);
  } else {
    winoPackFilterSpan(<usize>word(job, 1), <usize>word(job, 2), inC, outC, word(job, 5) != 0, i0, min((m + 2) * (m + 2), i0 + per));
  }
}

/** Runs task `t` of the job at `job`, using this thread's `scratch`. */
export function runTask(kind: i32, job: usize, t: i32, scratch: usize): void {
  if (kind == JOB_GEMM) gemmTask(job, t, scratch);
  else if (kind == JOB_CONV_FWD) convFwdTask(job, t, scratch);
  else if (kind == JOB_CONV_BWD_INPUT) convBwdInputTask(job, t, scratch);
  else if (kind == JOB_CONV_BWD_FILTER) convBwdFilterTask(job, t, scratch);
  else if (kind == JOB_WINO_FWD) winoFwdTask(job, t, scratch);
  else if (kind == JOB_WINO_FILTER) winoFilterTask(job, t, scratch);
  else if (kind == JOB_WINO_FILTER_OUT) winoFilterOutTask(job, t, scratch);
  else if (kind == JOB_WINO_INPUT) winoInputTask(job, t, scratch);
  else if (kind == JOB_CONV_BWD_FILTER_SEG) convBwdFilterSegTask(job, t, scratch);
  else if (kind == JOB_WINO4_FWD) wino4FwdTask(job, t, scratch);
  else if (kind == JOB_WINO4_FILTER) wino4FilterTask(job, t, scratch);
  else if (kind == JOB_WINO4_FILTER_OUT) wino4FilterOutTask(job, t, scratch);
  else if (kind == JOB_WINO4_INPUT) wino4InputTask(job, t, scratch);
  else if (kind == JOB_WINO8_FWD) winoMFwdTask(8, job, t, scratch);
  else if (kind == JOB_WINO8_FILTER) winoMFilterTask(8, job, t, scratch);
  else if (kind == JOB_WINO8_FILTER_OUT) winoMFilterOutTask(8, job, t, scratch);
  else if (kind == JOB_WINO8_INPUT) winoMInputTask(8, job, t, scratch);
  else if (kind == JOB_WINO7_FWD) winoMFwdTask(7, job, t, scratch);
  else if (kind == JOB_WINO7_FILTER) winoMFilterTask(7, job, t, scratch);
  else if (kind == JOB_WINO7_FILTER_OUT) winoMFilterOutTask(7, job, t, scratch);
  else if (kind == JOB_WINO7_INPUT) winoMInputTask(7, job, t, scratch);
  else if (kind == JOB_WINO3_FWD) winoMFwdTask(3, job, t, scratch);
  else if (kind == JOB_WINO3_FILTER) winoMFilterTask(3, job, t, scratch);
  else if (kind == JOB_WINO3_FILTER_OUT) winoMFilterOutTask(3, job, t, scratch);
  else if (kind == JOB_WINO3_INPUT) winoMInputTask(3, job, t, scratch);
  else if (kind == JOB_POOL) poolTask(word(job, 17), job, t);
  else if (kind == JOB_NORM_STATS) normStatsTask(job, t, scratch);
  else if (kind == JOB_NORM_FWD) normForwardTask(job, t);
  else if (kind == JOB_NORM_BWD_SUMS) normBackwardSumsTask(job, t, scratch);
  else if (kind == JOB_NORM_BWD_DX) normBackwardDxTask(job, t);
  else if (kind == JOB_ACTIVATION) activationTask(job, t);
  else if (kind == JOB_WINO_PREP) winoPrepTask(job, t);
  else if (kind == JOB_BIAS_ACT) {
    // 0 x, 1 bias, 2 y, 3 rows, 4 cols, 5 act, 6 rows per task
    const per = word(job, 6), r0 = t * per;
    biasActivation(<usize>word(job, 0), <usize>word(job, 1), <usize>word(job, 2), r0, min(word(job, 3), r0 + per), word(job, 4), word(job, 5));
  } else if (kind == JOB_ACT_BWD) {
    // 0 y, 1 dy, 2 dx, 3 n, 4 act, 5 accumulate, 6 elements per task
    const per = word(job, 6), i0 = t * per;
    activationBackward(<usize>word(job, 0), <usize>word(job, 1), <usize>word(job, 2), i0, min(word(job, 3), i0 + per), word(job, 4), word(job, 5) != 0);
  } else if (kind == JOB_BINARY) {
    // 0 a, 1 b, 2 out, 3 rows, 4 cols, 5 op, 6 mode, 7 rows per task
    const per = word(job, 7), r0 = t * per;
    binaryRows(<usize>word(job, 0), <usize>word(job, 1), <usize>word(job, 2), r0, min(word(job, 3), r0 + per), word(job, 4), word(job, 5), word(job, 6));
  } else if (kind == JOB_UNARY) {
    // 0 x, 1 y, 2 n, 3 op, 4 elements per task
    const per = word(job, 4), i0 = t * per;
    unaryRange(<usize>word(job, 0), <usize>word(job, 1), i0, min(word(job, 2), i0 + per), word(job, 3));
  } else if (kind == JOB_ZERO) {
    // 0 pointer, 1 bytes, 2 bytes per task
    const per = word(job, 2), off = t * per;
    memory.fill(<usize>word(job, 0) + <usize>off, 0, <usize>min(per, word(job, 1) - off));
  } else if (kind == JOB_BIAS_GRAD) {
    // 0 dy, 1 db, 2 rows, 3 cols, 4 accumulate, 5 columns per task
    const per = word(job, 5), c0 = t * per;
    biasGradColumns(<usize>word(job, 0), <usize>word(job, 1), word(job, 2), word(job, 3), c0, min(word(job, 3), c0 + per), word(job, 4) != 0);
  }
}
