/**
 * Weights as bytes: the model's (and optionally its optimizer's) tensors encoded the tfjs way, and
 * the checks a manifest and its bytes must pass before anything is loaded from them.
 */
import { DataError } from '../errors.js';
import type { WeightDType, WeightSpec, WeightsManifestGroup } from './types.js';

/** A decoded weight: its spec and its values. */
export interface NamedWeight {
  spec: WeightSpec;
  values: Float32Array | Int32Array;
}

/** Concatenates named arrays into tfjs `weightSpecs` + one little-endian `weightData` buffer. */
export function encodeWeights(weights: readonly NamedWeight[]): { weightSpecs: WeightSpec[]; weightData: ArrayBuffer } {
  const total = weights.reduce((s, w) => s + w.values.length * 4, 0);
  const out = new ArrayBuffer(total);
  const view = new DataView(out);
  let off = 0;
  for (const { spec, values } of weights) {
    const n = values.length;
    if (n !== shapeSize(spec.shape)) throw new DataError(`weight '${spec.name}': ${n} values do not fill shape [${spec.shape}]`);
    if (spec.dtype === 'int32') for (let i = 0; i < n; i++, off += 4) view.setInt32(off, values[i], true);
    else for (let i = 0; i < n; i++, off += 4) view.setFloat32(off, values[i], true);
  }
  return { weightSpecs: weights.map((w) => w.spec), weightData: out };
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const DTYPES: readonly WeightDType[] = ['float32', 'int32'];

/** Checks that `specs` is a well-formed list of weight specs; `where` names the file. */
export function checkWeightSpecs(specs: unknown, where: string): WeightSpec[] {
  if (!Array.isArray(specs)) throw new DataError(`${where}: the weights manifest must list weights in an array. Received ${typeof specs}`);
  const seen = new Set<string>();
  return specs.map((s: unknown, i): WeightSpec => {
    if (typeof s !== 'object' || s === null) throw new DataError(`${where}: weight entry ${i} is not an object`);
    const { name, shape, dtype, group, quantization } = s as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new DataError(`${where}: weight entry ${i} has no name`);
    if (seen.has(name)) throw new DataError(`${where}: weight '${name}' is listed twice`);
    seen.add(name);
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 31))
      throw new DataError(`${where}: weight '${name}' has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
    if (quantization !== undefined) throw new DataError(`${where}: weight '${name}' is quantized; cnnkit reads unquantized float32 weights only`);
    if (!DTYPES.includes(dtype as WeightDType)) throw new DataError(`${where}: weight '${name}' has dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
    if (group !== undefined && group !== 'model' && group !== 'optimizer') throw new DataError(`${where}: weight '${name}' has an unknown group ${JSON.stringify(group)}`);
    return { name, shape: [...shape] as number[], dtype: dtype as WeightDType, ...(group ? { group: group as 'model' | 'optimizer' } : {}) };
  });
}

/** Number of bytes the specs need. */
export function specBytes(specs: readonly WeightSpec[]): number {
  return specs.reduce((s, w) => s + shapeSize(w.shape) * 4, 0);
}

/**
 * Splits `data` into arrays per spec. The byte count must match the manifest exactly: a short or
 * long file is a fault, and float32 values must be finite. `where` names the file(s) in errors.
 */
export function decodeWeights(specs: readonly WeightSpec[], data: ArrayBuffer, where: string): NamedWeight[] {
  const need = specBytes(specs);
  if (data.byteLength !== need)
    throw new DataError(`${where}: weight data has ${data.byteLength} bytes but the manifest's ${specs.length} weights need ${need} bytes (${data.byteLength < need ? 'truncated' : 'extra bytes'})`);
  const view = new DataView(data);
  let off = 0;
  return specs.map((spec) => {
    const n = shapeSize(spec.shape);
    const values = spec.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) values[i] = spec.dtype === 'int32' ? view.getInt32(off, true) : view.getFloat32(off, true);
    if (spec.dtype === 'float32') {
      const bad = (values as Float32Array).findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new DataError(`${where}: weight '${spec.name}' holds a non-finite value (${values[bad]}) at index ${bad}`);
    }
    return { spec, values };
  });
}

/**
 * Checks a shard path from a manifest: a plain relative path inside the model's folder (no
 * absolute path, drive, URL, backslash, `..` or empty segment). Returns its segments.
 */
export function checkShardPath(path: unknown, where: string): string[] {
  if (typeof path !== 'string' || path === '') throw new DataError(`${where}: a weights path must be a non-empty string. Received ${JSON.stringify(path)}`);
  const segments = path.split('/');
  const bad = path.startsWith('/') || path.includes('\\') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path) || path.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new DataError(`${where}: weights path ${JSON.stringify(path)} points outside the model's folder; only plain relative file names are allowed`);
  return segments;
}

/** Checks `weightsManifest` of a model.json: groups with shard paths and weight specs. */
export function checkManifest(manifest: unknown, where: string): WeightsManifestGroup[] {
  if (!Array.isArray(manifest)) throw new DataError(`${where}: 'weightsManifest' must be an array of groups. Received ${manifest === undefined ? 'nothing' : typeof manifest}`);
  const names = new Set<string>();
  const shards = new Set<unknown>();
  return manifest.map((g: unknown, i) => {
    if (typeof g !== 'object' || g === null) throw new DataError(`${where}: weightsManifest group ${i} is not an object`);
    const { paths, weights } = g as Record<string, unknown>;
    if (!Array.isArray(paths)) throw new DataError(`${where}: weightsManifest group ${i} has no 'paths' array`);
    for (const p of paths) {
      checkShardPath(p, where);
      // A shard listed twice would be read (and counted) twice: refused before anything is read.
      if (shards.has(p)) throw new DataError(`${where}: weights file '${p}' is listed more than once in the weights manifest`);
      shards.add(p);
    }
    const specs = checkWeightSpecs(weights, where);
    for (const s of specs) {
      if (names.has(s.name)) throw new DataError(`${where}: weight '${s.name}' is listed twice`);
      names.add(s.name);
    }
    return { paths: [...paths] as string[], weights: specs };
  });
}

/**
 * Parses JSON text without executing anything; a syntax error becomes a DataError naming the file.
 * The message never quotes the text: a path that leads to another file (a symbolic link to
 * /etc/passwd, say) must not echo its contents.
 */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const msg = (e as Error).message;
    const at = /position (\d+)/.exec(msg);
    const first = text.trimStart()[0];
    const what = first !== '{' && first !== '['
      ? `it does not start with '{' or '['`
      : /Unexpected end/.test(msg) ? 'it ends in the middle of a value' : `a syntax error${at ? ` at character ${at[1]}` : ''}`;
    throw new DataError(`${where}: not valid JSON (${what})`);
  }
}
