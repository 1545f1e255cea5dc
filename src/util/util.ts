/**
 * `ck.util` (tfjs `tf.util`): small helpers tfjs programs use around tensors, plus `nextFrame`.
 * Shuffles draw from the library generator, so `ck.setSeed` makes them reproducible (tfjs uses
 * Math.random).
 */
import { sizeOf } from '../backend/shape.js';
import { ValueError } from '../errors.js';
import { globalRandom } from '../tensor/random.js';

type Indexable = { length: number; [i: number]: unknown };

/** Shuffles an array (or typed array) in place (Fisher–Yates). */
export function shuffle<T extends Indexable>(array: T): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = globalRandom.int(i + 1);
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}

/** Shuffles two arrays of one length in place with the same permutation. */
export function shuffleCombo<A extends Indexable, B extends Indexable>(array: A, array2: B): void {
  if (array.length !== array2.length) throw new ValueError(`shuffleCombo: the arrays must have one length. Received ${array.length} and ${array2.length}`);
  for (let i = array.length - 1; i > 0; i--) {
    const j = globalRandom.int(i + 1);
    [array[i], array[j]] = [array[j], array[i]];
    [array2[i], array2[j]] = [array2[j], array2[i]];
  }
}

/** 0 … n−1 in random order. */
export function createShuffledIndices(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return shuffle(a);
}

/** The number of elements of a shape. */
export function sizeFromShape(shape: readonly number[]): number {
  return sizeOf(shape);
}

/** Throws an Error with `msg()` unless `expr` (tfjs `util.assert`). */
export function assert(expr: boolean, msg: () => string): asserts expr {
  if (!expr) throw new Error(typeof msg === 'function' ? msg() : String(msg));
}

/** Whether two arrays hold equal values in the same order. */
export function arraysEqual(a: ArrayLike<unknown> | null | undefined, b: ArrayLike<unknown> | null | undefined): boolean {
  if (a === b) return true;
  if (a == null || b == null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

type Nested = unknown;

/**
 * The values of a nested array in order (tfjs `util.flatten`); typed arrays inside are flattened
 * too unless `skipTypedArray`.
 */
export function flatten<T>(arr: Nested, result: T[] = [], skipTypedArray = false): T[] {
  if (Array.isArray(arr) || (ArrayBuffer.isView(arr) && !skipTypedArray && !(arr instanceof DataView))) {
    const list = arr as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) flatten(list[i], result, skipTypedArray);
  } else result.push(arr as T);
  return result;
}

/** Milliseconds with sub-millisecond resolution (performance.now). */
export function now(): number {
  return performance.now();
}

/** x clamped into [min, max]. */
export function clamp(min: number, x: number, max: number): number {
  return Math.max(min, Math.min(x, max));
}

/** Row-major strides of every axis but the last (tfjs `util.computeStrides`). */
export function computeStrides(shape: readonly number[]): number[] {
  const rank = shape.length;
  if (rank < 2) return [];
  const strides = new Array<number>(rank - 1);
  strides[rank - 2] = shape[rank - 1];
  for (let i = rank - 3; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

export function isInt(a: number): boolean {
  return a % 1 === 0;
}

/** The sum of an array's values. */
export function sum(arr: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += arr[i];
  return s;
}

/** A uniform random number in [a, b) from the library generator. */
export function randUniform(a: number, b: number): number {
  return a + globalRandom.uniform() * (b - a);
}

/** Σ (a_i − b_i)². */
export function distSquared(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** UTF-8 bytes of a string, and back. */
export function encodeString(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
export function decodeString(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/**
 * Resolves on the next animation frame in a browser (setImmediate/setTimeout elsewhere), letting
 * the page repaint between steps of a long loop (tfjs `tf.nextFrame`).
 */
export function nextFrame(): Promise<void> {
  const g = globalThis as { requestAnimationFrame?: (cb: () => void) => void; setImmediate?: (cb: () => void) => void };
  return new Promise((resolve) => {
    if (typeof g.requestAnimationFrame === 'function') g.requestAnimationFrame(() => resolve());
    else if (typeof g.setImmediate === 'function') g.setImmediate(() => resolve());
    else setTimeout(resolve, 0);
  });
}
