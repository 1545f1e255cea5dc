/**
 * Argument checks shared by the layers: unknown keys refused with the supported ones listed (and
 * the camelCase spelling suggested for a Keras snake_case key), tuples, integers, padding and
 * data format as Keras's `conv_utils` normalises them, and keys accepted only at their defaults.
 */
import type { Padding } from '../backend/shape.js';
import { ValueError, fmtValue } from '../errors.js';
import { toCamelCase } from '../util/serialization.js';

/**
 * Refuses any key of `args` outside `supported`, naming `where`, the key and the supported keys; a
 * snake_case key whose camelCase form is supported gets "did you mean".
 */
export function checkArgs(where: string, args: object | null | undefined, supported: readonly string[]): void {
  if (args === null || args === undefined) return;
  if (typeof args !== 'object' || Array.isArray(args)) throw new ValueError(`${where}: expected an object of arguments. Received ${Array.isArray(args) ? 'an array' : typeof args}`);
  for (const key of Object.keys(args)) {
    if (supported.includes(key)) continue;
    const camel = toCamelCase(key);
    const hint = camel !== key && supported.includes(camel) ? ` (did you mean ${camel}?)` : '';
    throw new ValueError(`${where}: unknown argument '${key}'${hint}. Supported: ${supported.join(', ')}`);
  }
}

/**
 * Accepts `value` only when `ok` (typically: absent, null or the default), else refuses it naming
 * the key and what cnnkit supports (for options cnnkit does not implement yet).
 */
export function onlyDefault(where: string, key: string, value: unknown, ok: boolean, supported: string): void {
  if (!ok) throw new ValueError(`${where}: ${key} ${supported}. Received ${key}=${fmtValue(value)}`);
}

/** True for `undefined` and `null` (a key given as "none"). */
export function isNone(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

/** Expands `v` to a tuple of `n` positive integers, naming the argument in errors (Keras normalize_tuple). */
export function normalizeTuple(v: unknown, n: number, argName: string, where: string): number[] {
  const t = typeof v === 'number' ? Array<number>(n).fill(v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (!t || t.length !== n || t.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d <= 0))
    throw new ValueError(`${where}: ${argName} must be a positive integer or a tuple of ${n} positive integers. Received ${argName}=${JSON.stringify(v)}`);
  return t as number[];
}

/** Validates a positive integer argument. */
export function positiveInt(v: unknown, argName: string, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ValueError(`${where}: ${argName} must be a positive integer. Received ${argName}=${String(v)}`);
  return v;
}

/** Validates a boolean argument (default when absent). */
export function bool(v: unknown, argName: string, where: string, dflt: boolean): boolean {
  if (isNone(v)) return dflt;
  if (typeof v !== 'boolean') throw new ValueError(`${where}: ${argName} must be true or false. Received ${argName}=${fmtValue(v)}`);
  return v;
}

/** 'valid' or 'same' (Keras padding); anything else is refused. */
export function checkPadding(p: unknown, where: string): Padding {
  if (p !== 'valid' && p !== 'same') throw new ValueError(`${where}: padding must be 'valid' or 'same'. Received padding=${JSON.stringify(p)}`);
  return p;
}

/** cnnkit computes channels-last (NHWC): `dataFormat` may be absent or 'channelsLast' ('channels_last'). */
export function checkDataFormat(v: unknown, where: string): 'channelsLast' {
  if (isNone(v) || v === 'channelsLast' || v === 'channels_last') return 'channelsLast';
  throw new ValueError(`${where}: dataFormat must be 'channelsLast' (cnnkit computes channels-last, NHWC; transpose channels-first data with ck.ops.transpose(x, [0, 2, 3, 1])). Received dataFormat=${fmtValue(v)}`);
}

/** True when `v` is absent or 1 in every position (a dilation rate of 1). */
export function allOnes(v: unknown): boolean {
  return isNone(v) || v === 1 || (Array.isArray(v) && v.every((d) => d === 1));
}

/** The regularizer and constraint options of a layer with a kernel and a bias (tfjs/Keras names). */
export const WEIGHT_OPTIONS = ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint'] as const;
