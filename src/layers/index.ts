/**
 * Layer factories with TensorFlow.js names (`ck.layers.conv2d({...})`). Each layer class registers
 * itself (its name, config, ONNX mapping and parameter formula) in its own file.
 */
import {
  ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU,
  type ELUArgs, type LeakyReLUArgs, type PReLUArgs, type ReLUArgs, type SoftmaxArgs, type ThresholdedReLUArgs,
} from './advanced-activations.js';
import { Conv, Conv1D, Conv2D, type Conv1DArgs, type Conv2DArgs, type ConvArgs } from './convolutional.js';
import { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './convolutional-depthwise.js';
import {
  Activation, Dense, Dropout, Flatten, SpatialDropout1D, SpatialDropout2D,
  type ActivationArgs, type DenseArgs, type DropoutArgs, type FlattenArgs, type SpatialDropoutArgs,
} from './core.js';
import { Embedding, type EmbeddingArgs } from './embeddings.js';
import { InputLayer, type InputLayerArgs } from './input-layer.js';
import { Add, Average, Concatenate, Maximum, Merge, Minimum, Multiply, Subtract, type ConcatenateArgs } from './merge.js';
import type { LayerArgs } from './layer.js';
import { BatchNormalization, type BatchNormalizationArgs } from './normalization.js';
import {
  AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalPooling, MaxPooling1D,
  MaxPooling2D, Pooling1D, Pooling2D, type GlobalPoolingArgs, type Pooling1DArgs, type Pooling2DArgs,
} from './pooling.js';
import { Rescaling, type RescalingArgs } from './preprocessing.js';
import { RandomFlip, RandomTranslation, type RandomFlipArgs, type RandomTranslationArgs } from './augmentation.js';
import {
  Permute, Reshape, UpSampling2D, ZeroPadding2D, type PermuteArgs, type ReshapeArgs, type UpSampling2DArgs, type ZeroPadding2DArgs,
} from './reshaping.js';

// Convolutions
export const conv2d = (args: Conv2DArgs): Conv2D => new Conv2D(args);
export const conv1d = (args: Conv1DArgs): Conv1D => new Conv1D(args);
export const depthwiseConv2d = (args: DepthwiseConv2DArgs): DepthwiseConv2D => new DepthwiseConv2D(args);
export const separableConv2d = (args: SeparableConv2DArgs): SeparableConv2D => new SeparableConv2D(args);
// Pooling (tfjs also exports the short spellings)
export const maxPooling2d = (args: Pooling2DArgs = {}): MaxPooling2D => new MaxPooling2D(args);
export const averagePooling2d = (args: Pooling2DArgs = {}): AveragePooling2D => new AveragePooling2D(args);
export const maxPool2d = maxPooling2d;
export const avgPool2d = averagePooling2d;
export const avgPooling2d = averagePooling2d;
export const maxPooling1d = (args: Pooling1DArgs = {}): MaxPooling1D => new MaxPooling1D(args);
export const averagePooling1d = (args: Pooling1DArgs = {}): AveragePooling1D => new AveragePooling1D(args);
export const maxPool1d = maxPooling1d;
export const avgPool1d = averagePooling1d;
export const avgPooling1d = averagePooling1d;
export const globalAveragePooling2d = (args: GlobalPoolingArgs = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(args);
export const globalMaxPooling2d = (args: GlobalPoolingArgs = {}): GlobalMaxPooling2D => new GlobalMaxPooling2D(args);
export const globalAveragePooling1d = (args: GlobalPoolingArgs = {}): GlobalAveragePooling1D => new GlobalAveragePooling1D(args);
export const globalMaxPooling1d = (args: GlobalPoolingArgs = {}): GlobalMaxPooling1D => new GlobalMaxPooling1D(args);
export const globalMaxPool2d = globalMaxPooling2d;
export const globalMaxPool1d = globalMaxPooling1d;
// Core
export const dense = (args: DenseArgs): Dense => new Dense(args);
export const flatten = (args: FlattenArgs = {}): Flatten => new Flatten(args);
export const dropout = (args: DropoutArgs): Dropout => new Dropout(args);
export const spatialDropout1d = (args: SpatialDropoutArgs): SpatialDropout1D => new SpatialDropout1D(args);
export const spatialDropout2d = (args: SpatialDropoutArgs): SpatialDropout2D => new SpatialDropout2D(args);
export const activation = (args: ActivationArgs): Activation => new Activation(args);
export const embedding = (args: EmbeddingArgs): Embedding => new Embedding(args);
export const batchNormalization = (args: BatchNormalizationArgs = {}): BatchNormalization => new BatchNormalization(args);
// Reshaping
export const reshape = (args: ReshapeArgs): Reshape => new Reshape(args);
export const permute = (args: PermuteArgs): Permute => new Permute(args);
export const zeroPadding2d = (args: ZeroPadding2DArgs = {}): ZeroPadding2D => new ZeroPadding2D(args);
export const upSampling2d = (args: UpSampling2DArgs = {}): UpSampling2D => new UpSampling2D(args);
// Activation layers
export const reLU = (args: ReLUArgs = {}): ReLU => new ReLU(args);
export const leakyReLU = (args: LeakyReLUArgs = {}): LeakyReLU => new LeakyReLU(args);
export const prelu = (args: PReLUArgs = {}): PReLU => new PReLU(args);
export const elu = (args: ELUArgs = {}): ELU => new ELU(args);
export const thresholdedReLU = (args: ThresholdedReLUArgs = {}): ThresholdedReLU => new ThresholdedReLU(args);
export const softmax = (args: SoftmaxArgs = {}): Softmax => new Softmax(args);
// Preprocessing and inputs
export const rescaling = (args: RescalingArgs): Rescaling => new Rescaling(args);
export const randomFlip = (args: RandomFlipArgs = {}): RandomFlip => new RandomFlip(args);
export const randomTranslation = (args: RandomTranslationArgs): RandomTranslation => new RandomTranslation(args);
export const inputLayer = (args: InputLayerArgs): InputLayer => new InputLayer(args);
/** Merge layers: `ck.layers.add().apply([a, b])`. */
export const add = (args?: LayerArgs): Add => new Add(args);
export const subtract = (args?: LayerArgs): Subtract => new Subtract(args);
export const multiply = (args?: LayerArgs): Multiply => new Multiply(args);
export const average = (args?: LayerArgs): Average => new Average(args);
export const maximum = (args?: LayerArgs): Maximum => new Maximum(args);
export const minimum = (args?: LayerArgs): Minimum => new Minimum(args);
export const concatenate = (args?: ConcatenateArgs): Concatenate => new Concatenate(args);

export {
  Activation, AveragePooling1D, AveragePooling2D, BatchNormalization, Conv, Conv1D, Conv2D, Dense, DepthwiseConv2D, Dropout, ELU, Embedding, Flatten,
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalPooling, InputLayer, LeakyReLU, MaxPooling1D, MaxPooling2D,
  Permute, Pooling1D, Pooling2D, PReLU, RandomFlip, RandomTranslation, ReLU, Rescaling, Reshape, SeparableConv2D, Softmax, SpatialDropout1D, SpatialDropout2D, ThresholdedReLU,
  UpSampling2D, ZeroPadding2D,
};
export { Merge, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate };
export { SymbolicTensor, Node } from './symbolic.js';
export { Layer, LayerVariable, clearSession } from './layer.js';
export type { LayerArgs, Kwargs, Shape } from './layer.js';
export type {
  ActivationArgs, BatchNormalizationArgs, Conv1DArgs, Conv2DArgs, ConvArgs, DenseArgs, DepthwiseConv2DArgs, DropoutArgs, ELUArgs, EmbeddingArgs, FlattenArgs,
  GlobalPoolingArgs, InputLayerArgs, LeakyReLUArgs, PermuteArgs, Pooling1DArgs, Pooling2DArgs, PReLUArgs, ReLUArgs, RandomFlipArgs, RandomTranslationArgs, RescalingArgs, ReshapeArgs,
  SeparableConv2DArgs, SoftmaxArgs, SpatialDropoutArgs, ThresholdedReLUArgs, UpSampling2DArgs, ZeroPadding2DArgs, ConcatenateArgs,
};
