/**
 * The platform-neutral API shared by the Node.js entry (index.ts) and the browser entry (browser.ts).
 * cnnkit: Keras-style convolutional networks for TypeScript.
 * @example
 * import * as ck from 'cnnkit';
 * const model = ck.sequential();
 * model.add(ck.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [32, 32, 3] }));
 */
import './backend/index.js';

export { Tensor, tensor, zeros, ones, fill } from './tensor/tensor.js';
export type { DType, NestedArray, TensorLike } from './tensor/tensor.js';
export { Variable, variable, disposeVariables } from './tensor/variable.js';
export { TensorBuffer, buffer } from './tensor/buffer.js';
export { memory, keep } from './tensor/memory.js';
export { print } from './tensor/format.js';
export type { MemoryInfo } from './tensor/memory.js';
export { Random, setSeed, globalRandom } from './tensor/random.js';
export {
  setBackend, setBackendSync, getBackend, getBackendName, ready, tidy, dispose, configureDefaultBackend, backendNames, runStep,
} from './backend/engine.js';
// The tfjs op functions (`ck.add`, `ck.tensor2d`, `ck.grad`, ...); importing the ops also installs
// the chainable tensor methods (`a.add(b)`).
export * from './autograd/public.js';
export * as image from './autograd/ops/image.js';
export * as browser from './io/pixels.js';
export * as util from './util/util.js';
export { nextFrame } from './util/util.js';
export { ENV, env, enableProdMode, Environment } from './util/env.js';
export type { Backend, Storage } from './backend/backend.js';
export { ReferenceBackend } from './backend/reference/index.js';
export { conv2dInfo, pool2dInfo, windowOutput } from './backend/shape.js';
export type { Padding } from './backend/shape.js';
export * as layers from './layers/index.js';
export { Layer, LayerVariable, clearSession } from './layers/layer.js';
export type { Kwargs, Shape } from './layers/layer.js';
export { initializers, Initializer } from './layers/initializers.js';
export { regularizers, Regularizer } from './layers/regularizers.js';
export { constraints, Constraint } from './layers/constraints.js';
export * as serialization from './util/serialization-api.js';
export { LayersModel, model } from './models/model.js';
export type { CompileArgs, ModelArgs, LossIdentifier } from './models/model.js';
export { Sequential, sequential } from './models/sequential.js';
export type { SequentialArgs } from './models/sequential.js';
export { input } from './layers/input-layer.js';
export type { InputConfig } from './layers/input-layer.js';
export { SymbolicTensor } from './layers/symbolic.js';
export type { FitArgs, EvaluateArgs, ModelData } from './models/training.js';
export type { Dataset as DatasetLike, DatasetBatch, FitDatasetArgs } from './models/dataset.js';
export { History, Callback, CustomCallback, EarlyStopping, Lookahead, callbacks } from './models/callbacks.js';
export type { ClassWeight, ClassWeightMap } from './models/class-weight.js';
export type { Logs, CallbackHooks, LookaheadArgs } from './models/callbacks.js';
export { Optimizer, Adam, AdamW, SGD, RMSprop, Adagrad, Adadelta, Adamax, train } from './optimizers/optimizer.js';
export type {
  AdamArgs, SGDArgs, RMSpropArgs, AdagradArgs, AdadeltaArgs, AdamaxArgs, NamedTensor, NamedGradients, ParamOptions, WeightDecayMode, LearningRateSchedule,
} from './optimizers/optimizer.js';
export { losses, Reduction } from './losses/index.js';
export type { LossSpec, LossArg, LossOrMetricFn } from './losses/index.js';
export { metrics } from './metrics/index.js';
export * as ops from './autograd/ops.js';
export * as tutorial from './applications/tutorial.js';
export * as recipes from './applications/recipes.js';
export type { Recipe, RecipeData, RecipeOptions, RecipeRun } from './applications/recipes.js';
export { testTimeAugmentation } from './applications/fast-augment.js';
export type { TestTimeAugmentationOptions } from './applications/fast-augment.js';
export { patchWhitening } from './layers/init/whitening.js';
export type { PatchWhiteningArgs } from './layers/init/whitening.js';
/** Predicted classes and confusion matrices from predictions (`ck.analysis.argmaxRows`, `confusionMatrix`). */
export * as analysis from './viz/analysis.js';
export { ValueError, ShapeError, DataError, StateError } from './errors.js';
export { loadLayersModel } from './io/load.js';
export * as io from './io/index.js';
export * as data from './data/api.js';
export { exportOnnxBytes } from './io/onnx/export.js';
