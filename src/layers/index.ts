/**
 * Layer factories with TensorFlow.js names (`ck.layers.conv2d({...})`). Each layer class registers
 * itself (its name, config, ONNX mapping and parameter formula) in its own file.
 */
import { Conv2D, type Conv2DArgs } from './convolutional.js';
import { Activation, Dense, Dropout, Flatten, type ActivationArgs, type DenseArgs, type DropoutArgs, type FlattenArgs } from './core.js';
import { InputLayer, type InputLayerArgs } from './input-layer.js';
import { Add, Average, Concatenate, Maximum, Merge, Minimum, Multiply, Subtract, type ConcatenateArgs } from './merge.js';
import type { LayerArgs } from './layer.js';
import { AveragePooling2D, MaxPooling2D, Pooling2D, type Pooling2DArgs } from './pooling.js';
import { Rescaling, type RescalingArgs } from './preprocessing.js';

export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
export const maxPooling2d = (args: Pooling2DArgs = {}): MaxPooling2D => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}): AveragePooling2D => new AveragePooling2D(args);
/** Alias of `maxPooling2d` (tfjs also exports both spellings). */
export const maxPool2d = maxPooling2d;
export const avgPool2d = averagePooling2d;
export const dense = (args: DenseArgs): Dense => new Dense(args);
export const flatten = (args: FlattenArgs = {}): Flatten => new Flatten(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const activation = (args: ActivationArgs): Activation => new Activation(args);
export const rescaling = (args: RescalingArgs): Rescaling => new Rescaling(args);
export const inputLayer = (args: InputLayerArgs): InputLayer => new InputLayer(args);
/** Merge layers: `ck.layers.add().apply([a, b])`. */
export const add = (args?: LayerArgs): Add => new Add(args);
export const subtract = (args?: LayerArgs): Subtract => new Subtract(args);
export const multiply = (args?: LayerArgs): Multiply => new Multiply(args);
export const average = (args?: LayerArgs): Average => new Average(args);
export const maximum = (args?: LayerArgs): Maximum => new Maximum(args);
export const minimum = (args?: LayerArgs): Minimum => new Minimum(args);
export const concatenate = (args?: ConcatenateArgs): Concatenate => new Concatenate(args);

export { Conv2D, Dense, Flatten, Dropout, Activation, Rescaling, Pooling2D, MaxPooling2D, AveragePooling2D, InputLayer };
export { Merge, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
export { SymbolicTensor, Node } from './symbolic.js';
export { Layer, LayerVariable, clearSession } from './layer.js';
export type { LayerArgs, Kwargs, Shape } from './layer.js';
export type { Conv2DArgs, DenseArgs, DropoutArgs, ActivationArgs, RescalingArgs, Pooling2DArgs, FlattenArgs, InputLayerArgs, ConcatenateArgs };
