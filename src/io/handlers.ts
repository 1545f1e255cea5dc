/**
 * Platform-neutral IO handlers (tfjs `tf.io`): in-memory artifacts, a callback save handler, and
 * loading from files a user picked in a browser (`<input type="file">`), read as bytes only.
 */
import { DataError, ValueError } from '../errors.js';
import type { IOHandler, ModelArtifacts, ModelJSON, SaveResult, TrainingConfig, WeightSpec } from './types.js';
import { checkManifest, parseJson, specBytes } from './weights.js';

/** A save result describing `a`. */
export function saveResult(a: ModelArtifacts): SaveResult {
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: JSON.stringify(a.modelTopology ?? {}).length,
      weightSpecsBytes: JSON.stringify(a.weightSpecs ?? []).length, weightDataBytes: a.weightData?.byteLength ?? 0,
    },
  };
}

/**
 * A handler that loads the given artifacts (tfjs `tf.io.fromMemory`): either one
 * `{ modelTopology, weightSpecs, weightData }` object or those three as arguments.
 */
export function fromMemory(
  modelArtifacts: ModelArtifacts | Record<string, unknown>, weightSpecs?: WeightSpec[], weightData?: ArrayBuffer, trainingConfig?: TrainingConfig,
): IOHandler & { source: string } {
  const isArtifacts = weightSpecs === undefined && typeof modelArtifacts === 'object' && modelArtifacts !== null && 'modelTopology' in modelArtifacts;
  const a: ModelArtifacts = isArtifacts
    ? (modelArtifacts as ModelArtifacts)
    : { modelTopology: modelArtifacts as Record<string, unknown>, weightSpecs, weightData, trainingConfig };
  return { source: 'model in memory', load: async () => a };
}

/** A handler whose save calls `saveFn` with the artifacts (tfjs `tf.io.withSaveHandler`). */
export function withSaveHandler(saveFn: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler {
  if (typeof saveFn !== 'function') throw new ValueError('withSaveHandler: expected a function (artifacts) => Promise<SaveResult>');
  return { save: saveFn };
}

/** A saving handler that keeps the artifacts in memory: `handler.artifacts` after `model.save(handler)`. */
export function memorySaver(): IOHandler & { artifacts: ModelArtifacts | null } {
  const h = {
    artifacts: null as ModelArtifacts | null,
    save: async (a: ModelArtifacts): Promise<SaveResult> => {
      h.artifacts = a;
      return saveResult(a);
    },
  };
  return h;
}

/** The parts of a browser `File` this module uses (so Node's `File`/`Blob` fit as well). */
export interface FileLike {
  name: string;
  size?: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  text?(): Promise<string>;
}

/** Most bytes a `model.json` may have: larger ones are not models (a guard against hangs and memory). */
export const MAX_MODEL_JSON_BYTES = 16 * 1024 * 1024;

/** Most objects and arrays a model.json may hold (large real models hold tens of thousands). */
export const MAX_MODEL_JSON_CONTAINERS = 2 ** 19;
/** Most values (array elements and object members) a model.json may hold. */
export const MAX_MODEL_JSON_VALUES = 2 ** 21;

/**
 * Parses the text of a model.json and checks it ({@link checkModelJson}). The text is first
 * scanned for its number of objects, arrays and values: parsing 16 MB of `[{},{},...]` would
 * build 5 million objects (half a gigabyte), so a file with more than any model has is refused.
 */
export function parseModelJson(text: string, where: string): ModelJSON {
  if (text.length > MAX_MODEL_JSON_BYTES) throw new DataError(`${where}: ${text.length} characters is too large for a model.json (at most ${MAX_MODEL_JSON_BYTES})`);
  let containers = 0, values = 0, inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) containers++;
    else if (c === 0x2c || c === 0x3a) values++;
  }
  if (containers > MAX_MODEL_JSON_CONTAINERS || values > MAX_MODEL_JSON_VALUES)
    throw new DataError(`${where}: holds ${containers} objects and arrays and ${values} values, more than a model.json has (at most ${MAX_MODEL_JSON_CONTAINERS} and ${MAX_MODEL_JSON_VALUES}); refusing to parse it`);
  return checkModelJson(parseJson(text, where), where);
}

/** Most bytes of weights a model may have (all shards together). */
export const MAX_WEIGHT_BYTES = 2 ** 31 - 1;

/**
 * Checks a parsed model.json and returns it typed: `modelTopology` object, valid `weightsManifest`
 * (shard paths inside the folder). `where` names the file.
 */
export function checkModelJson(json: unknown, where: string): ModelJSON {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new DataError(`${where}: expected a JSON object with modelTopology and weightsManifest`);
  const j = json as Record<string, unknown>;
  if (j.format !== undefined && j.format !== 'layers-model') throw new DataError(`${where}: format ${JSON.stringify(j.format)} is not a layers model (cnnkit reads format 'layers-model')`);
  if (typeof j.modelTopology !== 'object' || j.modelTopology === null) throw new DataError(`${where}: 'modelTopology' is missing`);
  const weightsManifest = checkManifest(j.weightsManifest, where);
  return { ...(j as unknown as ModelJSON), weightsManifest };
}

/** Where the shards of a manifest come from: their sizes first, then their bytes. */
export interface ShardSource {
  /** The shard's size in bytes, found without reading it. */
  size(path: string): Promise<number>;
  /** Reads exactly `into.byteLength` bytes (its size) of the shard into `into`. */
  read(path: string, into: Uint8Array): Promise<void>;
}

/**
 * Artifacts from a checked model.json and its shards. Every shard's size is compared with what the
 * manifest needs before any is read; then each is read once into one buffer of exactly that size.
 */
export async function artifactsFromJson(json: ModelJSON, shards: ShardSource, where: string): Promise<ModelArtifacts> {
  const plan: { path: string; size: number }[] = [];
  for (const group of json.weightsManifest) {
    const sizes: number[] = [];
    for (const p of group.paths) sizes.push(await shards.size(p));
    const got = sizes.reduce((s, n) => s + n, 0);
    const need = specBytes(group.weights);
    if (got !== need)
      throw new DataError(`${where}: weights file${group.paths.length > 1 ? 's' : ''} ${group.paths.join(', ')} ha${group.paths.length > 1 ? 've' : 's'} ${got} bytes but the manifest's ${group.weights.length} weights need ${need} bytes (${got < need ? 'truncated' : 'extra bytes'})`);
    group.paths.forEach((path, i) => plan.push({ path, size: sizes[i] }));
  }
  const total = plan.reduce((s, p) => s + p.size, 0);
  if (total > MAX_WEIGHT_BYTES) throw new DataError(`${where}: the weights need ${total} bytes, more than the ${MAX_WEIGHT_BYTES} cnnkit reads`);
  const data = new Uint8Array(total);
  let off = 0;
  for (const { path, size } of plan) {
    await shards.read(path, data.subarray(off, off + size));
    off += size;
  }
  return {
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: data.buffer, format: json.format,
    generatedBy: json.generatedBy, convertedBy: json.convertedBy, ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  };
}

/**
 * Loads from files a user picked (tfjs `tf.io.browserFiles`): `[model.json, ...weight shards]`.
 * Shards are matched by the file names in the manifest.
 */
export function browserFiles(files: readonly FileLike[]): IOHandler & { source: string } {
  if (!Array.isArray(files) || files.length === 0) throw new ValueError('browserFiles: expected [model.json file, weights file(s)]');
  const [jsonFile, ...shards] = files;
  const where = jsonFile.name || 'model.json';
  return {
    source: where,
    load: async () => {
      if ((jsonFile.size ?? 0) > MAX_MODEL_JSON_BYTES) throw new DataError(`${where}: ${jsonFile.size} bytes is too large for a model.json`);
      const text = new TextDecoder().decode(await jsonFile.arrayBuffer());
      const json = parseModelJson(text, where);
      const byName = new Map(shards.map((f) => [f.name, f]));
      const fileOf = (p: string): FileLike => {
        const f = byName.get(p.split('/').pop() as string);
        if (!f) throw new DataError(`${where}: the manifest names weights file '${p}' but it was not among the files given (${shards.map((s) => s.name).join(', ') || 'none'})`);
        return f;
      };
      return artifactsFromJson(json, {
        size: async (p) => fileOf(p).size ?? (await fileOf(p).arrayBuffer()).byteLength,
        read: async (p, into) => {
          const bytes = new Uint8Array(await fileOf(p).arrayBuffer());
          if (bytes.byteLength !== into.byteLength) throw new DataError(`${where}: weights file '${p}' changed while being read`);
          into.set(bytes);
        },
      }, where);
    },
  };
}

/** Serializes artifacts into the files a folder save writes: model.json text and one weights shard. */
export function modelJsonFor(a: ModelArtifacts, weightsPath: string): ModelJSON {
  return {
    modelTopology: a.modelTopology ?? {}, format: a.format ?? 'layers-model', generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsPath], weights: a.weightSpecs ?? [] }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
  };
}
