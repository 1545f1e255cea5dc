/**
 * The Keras "CNN on CIFAR-10" tutorial: its model, and its worked arithmetic (a 6x6 image
 * convolved 'same' and 'valid', 2x2 max pooling, parameter counts), computed by the real layers.
 */
import { Conv2D } from '../layers/index.js';
import * as layers from '../layers/index.js';
import { withoutNaming, type Layer, type Shape } from '../layers/layer.js';
import { Sequential } from '../models/sequential.js';
import { thousands } from '../models/summary.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

/** The tutorial model: 122,570 parameters. */
export function buildModel(inputShape: [number, number, number] = [32, 32, 3], classes = 10): Sequential {
  const model = new Sequential();
  model.add(layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape }));
  model.add(layers.maxPooling2d({ poolSize: 2 }));
  model.add(layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(layers.maxPooling2d({ poolSize: 2 }));
  model.add(layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(layers.flatten());
  model.add(layers.dense({ units: 64, activation: 'relu' }));
  model.add(layers.dense({ units: classes, activation: 'softmax' }));
  return model;
}

/** The tutorial's 6x6 grayscale image. */
export const EXAMPLE_IMAGE: number[][] = [
  [1, 0, 4, 2, 125, 67],
  [8, 2, 5, 4, 34, 12],
  [20, 13, 25, 15, 240, 2],
  [76, 8, 6, 6, 200, 76],
  [34, 66, 134, 223, 201, 3],
  [255, 123, 89, 55, 32, 2],
];

/** The tutorial's 3x3 kernel. */
export const EXAMPLE_KERNEL: number[][] = [
  [1, 2, 1],
  [2, 4, 2],
  [1, 2, 1],
];

export interface ParamRow {
  layer: string;
  type: string;
  outputShape: string;
  /** How the count is derived, e.g. '(3*3*3+1)*32'. */
  formula: string;
  count: number;
}

export interface WorkedExample {
  image: number[][];
  kernel: number[][];
  /** 6x6: 'same' zero padding keeps the size. */
  same: number[][];
  /** 4x4: 'valid' uses only positions where the kernel fits. */
  valid: number[][];
  /** 3x3: 2x2 max pooling with stride 2 of the 'same' result. */
  pooled: number[][];
  params: ParamRow[];
  totalParams: number;
}

function toMatrix(t: Tensor): number[][] {
  const [, h, w] = t.shape;
  const d = t.dataSync();
  return Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => d[r * w + c]));
}

/** Runs a one-filter conv2d layer with the given kernel (no bias) over a single-channel image. */
export function convolve(image: number[][], kernel: number[][], padding: 'same' | 'valid', strides = 1): number[][] {
  const h = image.length, w = image[0].length, kh = kernel.length, kw = kernel[0].length;
  const conv = new Conv2D({ filters: 1, kernelSize: [kh, kw], padding, strides, useBias: false, inputShape: [h, w, 1], name: `explain_conv_${padding}` });
  conv.ensureBuilt([null, h, w, 1]);
  conv.setWeights([tensor(kernel.flat(), [kh, kw, 1, 1])]);
  return toMatrix(conv.apply(tensor(image.flat(), [1, h, w, 1])) as Tensor);
}

/** Max pooling of a single-channel image through a maxPooling2d layer. */
export function maxPool(image: number[][], poolSize = 2, strides = poolSize): number[][] {
  const h = image.length, w = image[0].length;
  const pool = layers.maxPooling2d({ poolSize, strides, name: 'explain_pool' });
  return toMatrix(pool.apply(tensor(image.flat(), [1, h, w, 1])) as Tensor);
}

/** The formula behind a layer's parameter count (each layer class gives its own, e.g. '(3*3*3+1)*32'). */
export function paramFormula(layer: Layer): string {
  return layer.paramFormula();
}

export function paramRows(model: Sequential): ParamRow[] {
  return model.layers.map((l) => ({
    layer: l.name, type: l.className, outputShape: `(${(l.outputShape as Shape).map((d) => (d === null ? 'None' : d)).join(', ')})`,
    formula: l.paramFormula(), count: l.countParams(),
  }));
}

/** The tutorial's worked example, every number computed by the library's layers. */
export function workedExample(): WorkedExample {
  return withoutNaming(computeWorkedExample);
}

function computeWorkedExample(): WorkedExample {
  const same = convolve(EXAMPLE_IMAGE, EXAMPLE_KERNEL, 'same');
  const model = buildModel();
  const params = paramRows(model);
  return {
    image: EXAMPLE_IMAGE, kernel: EXAMPLE_KERNEL, same, valid: convolve(EXAMPLE_IMAGE, EXAMPLE_KERNEL, 'valid'), pooled: maxPool(same),
    params, totalParams: model.countParams(),
  };
}

export { thousands };
