/**
 * Layer factories with TensorFlow.js names (`ck.layers.conv2d({...})`) and the explicit registry
 * of Keras class names used for serialization.
 */
import { Conv2D, type Conv2DArgs } from './convolutional.js';
import { Activation, Dense, Dropout, Flatten, Rescaling, type ActivationArgs, type DenseArgs, type DropoutArgs, type RescalingArgs } from './core.js';
import type { LayerArgs } from './layer.js';
import { Pooling2D, type Pooling2DArgs } from './pooling.js';

export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
export const maxPooling2d = (args: Pooling2DArgs = {}): Pooling2D => new Pooling2D(args, 'max');
export const averagePooling2d = (args: Pooling2DArgs = {}): Pooling2D => new Pooling2D(args, 'avg');
/** Alias of `maxPooling2d` (tfjs also exports both spellings). */
export const maxPool2d = maxPooling2d;
export const avgPool2d = averagePooling2d;
export const dense = (args: DenseArgs): Dense => new Dense(args);
export const flatten = (args: LayerArgs = {}): Flatten => new Flatten(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const activation = (args: ActivationArgs): Activation => new Activation(args);
export const rescaling = (args: RescalingArgs): Rescaling => new Rescaling(args);

export { Conv2D, Dense, Flatten, Dropout, Activation, Rescaling, Pooling2D };
export { Layer, clearSession } from './layer.js';
export type { LayerArgs, LayerVariable, Shape } from './layer.js';
export type { Conv2DArgs, DenseArgs, DropoutArgs, ActivationArgs, RescalingArgs, Pooling2DArgs };
