/**
 * Platform-neutral IO handlers (tfjs `tf.io`): in-memory artifacts, a callback save handler, and
 * loading from files a user picked in a browser (`<input type="file">`), read as bytes only.
 */
import { DataError, ValueError } from '../errors.js';
import type { IOHandler, ModelArtifacts, ModelJSON, SaveResult, TrainingConfig, WeightSpec } from './types.js';
import { checkManifest, concatBytes, parseJson, specBytes } from './weights.js';

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

/** Most bytes a `model.json` may have: larger ones are not models (a guard against hangs). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

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

/** Artifacts from a checked model.json and its shards' bytes (read by `readShard`, in manifest order). */
export async function artifactsFromJson(json: ModelJSON, readShard: (path: string) => Promise<Uint8Array>, where: string): Promise<ModelArtifacts> {
  const weightSpecs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const groupChunks: Uint8Array[] = [];
    for (const p of group.paths) groupChunks.push(await readShard(p));
    const got = groupChunks.reduce((s, c) => s + c.byteLength, 0);
    const need = specBytes(group.weights);
    if (got !== need)
      throw new DataError(`${where}: weights file${group.paths.length > 1 ? 's' : ''} ${group.paths.join(', ')} ha${group.paths.length > 1 ? 've' : 's'} ${got} bytes but the manifest's ${group.weights.length} weights need ${need} bytes (${got < need ? 'truncated' : 'extra bytes'})`);
    weightSpecs.push(...group.weights);
    chunks.push(...groupChunks);
  }
  return {
    modelTopology: json.modelTopology, weightSpecs, weightData: concatBytes(chunks), format: json.format, generatedBy: json.generatedBy,
    convertedBy: json.convertedBy, ...(json.trainingConfig ? { trainingConfig: json.trainingConfig } : {}),
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
      const json = checkModelJson(parseJson(text, where), where);
      const byName = new Map(shards.map((f) => [f.name, f]));
      return artifactsFromJson(json, async (p) => {
        const base = p.split('/').pop() as string;
        const f = byName.get(base);
        if (!f) throw new DataError(`${where}: the manifest names weights file '${p}' but it was not among the files given (${shards.map((s) => s.name).join(', ') || 'none'})`);
        return new Uint8Array(await f.arrayBuffer());
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
