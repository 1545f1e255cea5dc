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
export type { DType, NestedArray } from './tensor/tensor.js';
export { Random, setSeed, globalRandom } from './tensor/random.js';
export {
  setBackend, setBackendSync, getBackend, getBackendName, ready, tidy, configureDefaultBackend, backendNames, runStep,
} from './backend/engine.js';
export type { Backend, Storage } from './backend/backend.js';
export { ReferenceBackend } from './backend/reference/index.js';
export { conv2dInfo, pool2dInfo, windowOutput } from './backend/shape.js';
export type { Padding } from './backend/shape.js';
export * as layers from './layers/index.js';
export { Layer, clearSession } from './layers/layer.js';
export { Sequential, sequential } from './models/sequential.js';
export type { CompileArgs } from './models/sequential.js';
export type { FitArgs, EvaluateArgs } from './models/training.js';
export { History, Callback, EarlyStopping, callbacks } from './models/callbacks.js';
export type { Logs, CallbackHooks } from './models/callbacks.js';
export { Optimizer, Adam, SGD, RMSprop, train } from './optimizers/optimizer.js';
export { losses } from './losses/index.js';
export * as ops from './autograd/ops.js';
export { valueAndGrads } from './autograd/grad.js';
export * as tutorial from './models/tutorial.js';
/** Predicted classes and confusion matrices from predictions (`ck.analysis.argmaxRows`, `confusionMatrix`). */
export * as analysis from './viz/analysis.js';
export { ValueError, ShapeError, DataError, StateError } from './errors.js';
export { loadLayersModel } from './io/load.js';
export * as io from './io/index.js';
export { exportOnnxBytes } from './io/onnx/export.js';
