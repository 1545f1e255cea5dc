/**
 * What the page and its engine worker say to each other. The worker owns cnnkit's engine, the
 * dataset and the model; the page sends requests (answered once, by id), controls (pause, resume,
 * stop: no answer) and gets events (progress, training batches, model changes).
 */

/** The models the page can train: the library's recipes (`ck.recipes`) it offers. */
export type RecipeId = 'tutorial' | 'fast';
export const RECIPES: readonly RecipeId[] = ['tutorial', 'fast'];

/** The visitor's own images: picked or dropped files with their paths in the folder, or a .zip. */
export interface FolderSource {
  kind: 'image-folder';
  name: string;
  files?: { path: string; file: File }[];
  zip?: File;
  /** Images are resized to imageSize x imageSize. */
  imageSize: number;
}

/** Where a dataset comes from; each kind has a loader in the worker. */
export type DataSource = { kind: 'cifar10-archive'; name: string; file?: File; url?: string } | FolderSource;
export const SOURCE_KINDS: readonly DataSource['kind'][] = ['cifar10-archive', 'image-folder'];

/** A file of the visitor's folder that was left out, and why. */
export interface Skipped {
  path: string;
  reason: 'notImage' | 'tooLarge' | 'corrupt';
  /** The format or the size, where it helps. */
  detail: string;
}

/** Why a folder cannot make a classifier: the page says it in its language (`folder.<code>`). */
export type FolderProblem = { code: 'noClasses' | 'noClassesImages' | 'badZip' | 'emptyClass' | 'oneClass' | 'unreadableClass' | 'tooFew' | 'tooManyClasses'; name: string; [param: string]: string | number };

/** How the engine runs. */
export interface RuntimeInfo {
  backend: string;
  threads: number;
  /** The worker could share memory with its kernel threads (the page is cross-origin isolated). */
  isolated: boolean;
  cores: number;
  /** Why it runs as it does, when it is not the plain WASM backend on every core. */
  fallback: null | { kind: 'no-backend' | 'failed'; name: string; error?: string };
}

/** A small part of the dataset that the page shows; the images stay in the worker. */
export interface DataSummary {
  name: string;
  kind: DataSource['kind'];
  trainCount: number;
  /** Held-out images: CIFAR-10's test set, or a folder's validation split. */
  testCount: number;
  heldOut: 'test' | 'validation';
  classNames: string[];
  /** Images are imageSize x imageSize x 3. */
  imageSize: number;
  /** A folder's image files (before any was skipped), and the ones skipped. */
  files: number;
  skipped: Skipped[];
  /** Seconds taken to unpack. */
  seconds: number;
  /** The first training images and their labels. */
  train: { images: Uint8Array; labels: Uint8Array };
  /** The first test images and their labels, for the Inspect view's strip. */
  test: { images: Uint8Array; labels: Uint8Array };
}

export type ModelState = 'untrained' | 'training' | 'trained' | 'stopped' | 'loaded';

/** The current model, as the views describe it. */
export interface ModelInfo {
  /** Changes whenever the weights may have changed (each training batch, a new or loaded model). */
  version: number;
  state: ModelState;
  recipe: RecipeId | null;
  /** Files a loaded model came from. */
  files: string[];
  /** Training batches run and images seen (trained here). */
  batches: number;
  images: number;
  layers: { name: string; className: string }[];
  /** What the model's outputs are called, and the size of its input images. */
  classNames: string[];
  imageSize: number;
}

export interface TrainConfig {
  recipe: RecipeId;
  trainCount: number;
  testCount: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

/** Where a run is, sent a few times a second. */
export interface TrainStatus {
  epoch: number;
  epochs: number;
  /** Batch within the epoch (1-based) and batches per epoch. */
  batch: number;
  steps: number;
  /** Batches done in the whole run. */
  done: number;
  loss: number;
  accuracy: number;
  /** Over the last few seconds of training steps (NaN until there is a measurement). */
  imagesPerSecond: number;
  msPerBatch: number;
  secondsLeft: number;
}

export type Outcome = 'finished' | 'stopped' | 'failed';

export interface TrainResult {
  outcome: Outcome;
  error?: string;
  batches: number;
  images: number;
  /** Time spent training (the first batch, pauses and test measurements left out). */
  seconds: number;
  /** Images per second over that time: the run's speed. */
  imagesPerSecond: number;
}

export interface EvalResult {
  count: number;
  correct: number;
  /** Rows: true class, columns: predicted class. */
  matrix: number[][];
}

export interface InspectResult {
  version: number;
  probs: Float32Array;
  /** Each conv layer's output for the image: [height, width, channels]. */
  maps: { name: string; shape: [number, number, number]; data: Float32Array; relu: boolean; channels: number }[];
  /** The first conv layer's kernel [kh, kw, inC, filters]. */
  filters: { shape: [number, number, number, number]; data: Float32Array } | null;
}

export interface SavedModel {
  json: string;
  weights: ArrayBuffer;
  weightsName: string;
}

export type Request =
  | { type: 'init'; threads: number | null; backend: string | null }
  | { type: 'load-data'; source: DataSource }
  | { type: 'test-image'; index: number }
  | { type: 'train'; config: TrainConfig }
  | { type: 'evaluate'; testCount: number }
  /** `pixels` null: only the first layer's filters. */
  | { type: 'inspect'; pixels: Uint8Array | null }
  | { type: 'save' }
  | { type: 'load-model'; files: File[] }
  /** A photo decoded and shaped as the current model's inputs were. */
  | { type: 'photo'; file: File }
  /** Training speed of a recipe on this computer, from a few batches of the current data's shape. */
  | { type: 'measure'; recipe: RecipeId; batchSize: number };

/** The answer each request type resolves to. */
export interface Answers {
  init: { runtime: RuntimeInfo; model: ModelInfo };
  'load-data': DataSummary;
  'test-image': { pixels: Uint8Array; label: number };
  train: TrainResult;
  evaluate: EvalResult;
  inspect: InspectResult;
  save: SavedModel;
  'load-model': ModelInfo;
  photo: { pixels: Uint8Array; width: number; height: number; imageSize: number };
  measure: { imagesPerSecond: number };
}

export type Control = 'pause' | 'resume' | 'stop';

export type RunState = 'running' | 'paused' | 'stopping' | 'testing';

export type EngineEvent =
  | { type: 'progress'; id: number; stage: 'read' | 'download' | 'unpack' | 'decode' | 'evaluate'; done: number; total: number }
  /** Points are [batch, smoothed loss, smoothed accuracy] triples; `version` is the model's after them. */
  | { type: 'batches'; points: number[]; status: TrainStatus; version: number }
  | { type: 'epoch'; epoch: number; done: number; testLoss: number; testAccuracy: number }
  | { type: 'run-state'; state: RunState; done: number }
  | { type: 'model'; model: ModelInfo };

/** Page to worker. */
export type ToWorker = { id: number; request: Request } | { control: Control };

/** Worker to page. */
export type FromWorker =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: EngineEvent };
