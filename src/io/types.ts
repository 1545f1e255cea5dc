/**
 * The TensorFlow.js model artifact types (tfjs `tf.io`): what a save handler receives and a load
 * handler returns. A model saved by cnnkit is a tfjs "layers-model": Keras JSON topology plus a
 * weights manifest and little-endian binary weights.
 */

/** Data types a weights manifest may name. cnnkit reads float32 and int32 (optimizer step counters). */
export type WeightDType = 'float32' | 'int32';

/** One tensor in the weights manifest (tfjs `WeightsManifestEntry`). */
export interface WeightSpec {
  /** `<layer>/<weight>`, e.g. `conv2d/kernel`; optimizer state is in `group: 'optimizer'`. */
  name: string;
  shape: number[];
  dtype: WeightDType;
  /** 'model' (default) or 'optimizer', as tfjs writes with `includeOptimizer`. */
  group?: 'model' | 'optimizer';
}

/** One shard group of `model.json`'s `weightsManifest`. */
export interface WeightsManifestGroup {
  /** Shard files, relative to the folder of `model.json`, read and concatenated in order. */
  paths: string[];
  weights: WeightSpec[];
}

/** Compile settings stored with a model (tfjs `ModelTrainingConfig`). */
export interface TrainingConfig {
  /** One loss name for all outputs, one per output, or by output name. */
  loss: string | string[] | Record<string, string>;
  /** Metric names for all outputs, or by output name. */
  metrics?: string[] | Record<string, string[]>;
  optimizer_config: { class_name: string; config: Record<string, unknown> };
}

/** A saved model in memory (tfjs `ModelArtifacts`). */
export interface ModelArtifacts {
  /** Keras JSON: `{ class_name: 'Sequential' | 'Model', config: { name, layers, ... }, keras_version, backend }`. */
  modelTopology?: Record<string, unknown>;
  weightSpecs?: WeightSpec[];
  /** All weights, concatenated in `weightSpecs` order. */
  weightData?: ArrayBuffer;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  /** Free-form JSON stored in model.json (tfjs `userDefinedMetadata`); backups keep their state here. */
  userDefinedMetadata?: Record<string, unknown>;
}

/** What a save handler reports (tfjs `SaveResult`). */
export interface SaveResult {
  modelArtifactsInfo: {
    dateSaved: Date;
    modelTopologyType: 'JSON';
    modelTopologyBytes?: number;
    weightSpecsBytes?: number;
    weightDataBytes?: number;
  };
}

/** A place models are saved to and/or loaded from (tfjs `IOHandler`). */
export interface IOHandler {
  save?(artifacts: ModelArtifacts): Promise<SaveResult>;
  load?(): Promise<ModelArtifacts>;
}

/** Options of `model.save` (tfjs `SaveConfig`). */
export interface SaveConfig {
  /** Also store the optimizer's state (step counter and slots) and the compile settings. Default false. */
  includeOptimizer?: boolean;
}

/** The `model.json` file a file or browser save writes (tfjs `ModelJSON`). */
export interface ModelJSON {
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsManifestGroup[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Name of the single weights shard cnnkit writes next to `model.json`. */
export const WEIGHTS_FILE = 'group1-shard1of1.bin';
