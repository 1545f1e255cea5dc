/** `ck.io`: IO handlers and routers that work on every platform (tfjs `tf.io` names). */
export { fromMemory, withSaveHandler, memorySaver, browserFiles } from './handlers.js';
export type { FileLike } from './handlers.js';
export { modelJsonFor } from './handlers.js';
export { registerSaveRouter, registerLoadRouter } from './router.js';
export type { IORouter } from './router.js';
export { modelArtifacts } from './save.js';
export { modelFromArtifacts } from './load.js';
export type { LoadOptions } from './load.js';
export { modelFromTopology } from './topology.js';
export type { IOHandler, ModelArtifacts, ModelJSON, SaveConfig, SaveResult, WeightSpec, WeightsManifestGroup, TrainingConfig } from './types.js';
