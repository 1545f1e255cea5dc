/**
 * The layer protocol: one registry of classes; camelCase configs written in Keras snake_case by
 * tfjs's converter and read back; every config key honoured or refused by name; weights counted
 * before building; each class's parameter formula and ONNX mapping.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';
import { convertPythonicToTs, convertTsToPythonic, toCamelCase, toSnakeCase } from '../src/util/serialization.js';

ck.setBackendSync('reference');

const L1L2 = { className: 'L1L2', config: { l1: 0.01, l2: 0.02 } };
const MAX_NORM = { className: 'MaxNorm', config: { maxValue: 3, axis: [0, 1, 2] } };

/**
 * Arguments giving a valid instance of each registered layer class, with every key it takes set
 * (mostly to values other than the defaults), and an input shape to build it for.
 */
const SAMPLES: Record<string, { args: Record<string, unknown>; input: ck.Shape | ck.Shape[] }> = {
  InputLayer: { args: { inputShape: [4, 4, 2] }, input: [null, 4, 4, 2] },
  Conv2D: {
    args: {
      filters: 3, kernelSize: [2, 3], strides: 1, padding: 'same', dataFormat: 'channelsLast', dilationRate: [2, 1], activation: 'relu', useBias: false,
      kernelInitializer: 'heNormal', biasInitializer: 'ones', kernelRegularizer: L1L2, biasRegularizer: 'l2', activityRegularizer: 'l1', kernelConstraint: MAX_NORM,
      biasConstraint: 'nonNeg', groups: 1,
    },
    input: [null, 5, 6, 2],
  },
  Conv1D: {
    args: {
      filters: 2, kernelSize: 3, strides: 1, padding: 'causal', dataFormat: 'channelsLast', dilationRate: 2, activation: 'selu', useBias: true,
      kernelInitializer: 'leCunNormal', biasInitializer: { className: 'Constant', config: { value: 0.1 } }, kernelRegularizer: 'l1l2', biasRegularizer: null,
      activityRegularizer: L1L2, kernelConstraint: 'unitNorm', biasConstraint: { className: 'MinMaxNorm', config: { minValue: 0.1, maxValue: 2, rate: 0.5, axis: 0 } }, groups: 1,
    },
    input: [null, 9, 3],
  },
  DepthwiseConv2D: {
    args: {
      kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', dataFormat: 'channelsLast', dilationRate: 1, activation: 'relu6', useBias: true,
      depthwiseInitializer: 'glorotNormal', biasInitializer: 'zeros', depthwiseRegularizer: 'l2', biasRegularizer: 'l1', activityRegularizer: 'l2',
      depthwiseConstraint: MAX_NORM, biasConstraint: 'nonNeg',
    },
    input: [null, 7, 7, 3],
  },
  SeparableConv2D: {
    args: {
      filters: 4, kernelSize: [3, 3], depthMultiplier: 2, strides: 1, padding: 'valid', dataFormat: 'channelsLast', dilationRate: 2, activation: 'swish', useBias: true,
      depthwiseInitializer: 'heUniform', pointwiseInitializer: { className: 'Orthogonal', config: { gain: 1.5, seed: 3 } }, biasInitializer: 'ones',
      depthwiseRegularizer: 'l1', pointwiseRegularizer: L1L2, biasRegularizer: 'l2', activityRegularizer: null, depthwiseConstraint: 'nonNeg',
      pointwiseConstraint: 'minMaxNorm', biasConstraint: null, kernelInitializer: null, kernelRegularizer: null, kernelConstraint: null,
    },
    input: [null, 8, 8, 3],
  },
  Dense: {
    args: {
      units: 4, activation: 'softmax', useBias: true, kernelInitializer: { className: 'VarianceScaling', config: { scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 7 } },
      biasInitializer: 'ones', kernelRegularizer: 'l2', biasRegularizer: L1L2, activityRegularizer: 'l1', kernelConstraint: { className: 'MaxNorm', config: { maxValue: 2, axis: 0 } },
      biasConstraint: 'unitNorm',
    },
    input: [null, 7],
  },
  Flatten: { args: { dataFormat: 'channelsLast' }, input: [null, 2, 3, 4] },
  Dropout: { args: { rate: 0.25, noiseShape: [null, 1, 8], seed: 3 }, input: [null, 4, 8] },
  SpatialDropout1D: { args: { rate: 0.2, seed: 5, noiseShape: null }, input: [null, 6, 4] },
  SpatialDropout2D: { args: { rate: 0.3, seed: 1, noiseShape: null, dataFormat: 'channelsLast' }, input: [null, 4, 4, 3] },
  Activation: { args: { activation: 'geluNew' }, input: [null, 8] },
  Embedding: {
    args: {
      inputDim: 10, outputDim: 4, embeddingsInitializer: 'randomNormal', embeddingsRegularizer: 'l2', activityRegularizer: 'l1', embeddingsConstraint: 'maxNorm',
      maskZero: false, inputLength: 5,
    },
    input: [null, 5],
  },
  BatchNormalization: {
    args: {
      axis: -1, momentum: 0.9, epsilon: 1e-4, center: true, scale: true, betaInitializer: 'zeros', gammaInitializer: { className: 'Constant', config: { value: 2 } },
      movingMeanInitializer: { className: 'RandomUniform', config: { minval: -0.1, maxval: 0.1, seed: 2 } }, movingVarianceInitializer: 'ones', betaRegularizer: 'l2',
      gammaRegularizer: 'l1', betaConstraint: 'nonNeg', gammaConstraint: { className: 'MaxNorm', config: { maxValue: 2, axis: 0 } }, synchronized: false,
    },
    input: [null, 4, 4, 3],
  },
  MaxPooling2D: { args: { poolSize: [2, 2], strides: 1, padding: 'same', dataFormat: 'channelsLast' }, input: [null, 5, 5, 3] },
  AveragePooling2D: { args: { poolSize: 3, padding: 'valid' }, input: [null, 5, 5, 3] },
  MaxPooling1D: { args: { poolSize: 3, strides: 2, padding: 'same', dataFormat: 'channelsLast' }, input: [null, 9, 3] },
  AveragePooling1D: { args: { poolSize: 2, strides: 1, padding: 'valid' }, input: [null, 9, 3] },
  GlobalAveragePooling2D: { args: { keepdims: true, dataFormat: 'channelsLast' }, input: [null, 4, 5, 3] },
  GlobalMaxPooling2D: { args: { keepdims: false, dataFormat: 'channelsLast' }, input: [null, 4, 5, 3] },
  GlobalAveragePooling1D: { args: { keepdims: false }, input: [null, 6, 3] },
  GlobalMaxPooling1D: { args: { keepdims: true }, input: [null, 6, 3] },
  Reshape: { args: { targetShape: [-1, 4] }, input: [null, 2, 3, 4] },
  Permute: { args: { dims: [2, 1, 3] }, input: [null, 2, 3, 4] },
  ZeroPadding2D: { args: { padding: [[1, 2], [0, 3]], dataFormat: 'channelsLast' }, input: [null, 3, 3, 2] },
  UpSampling2D: { args: { size: [2, 3], interpolation: 'bilinear', dataFormat: 'channelsLast' }, input: [null, 3, 3, 2] },
  ReLU: { args: { maxValue: 6, negativeSlope: 0.1, threshold: 0.5 }, input: [null, 8] },
  LeakyReLU: { args: { alpha: 0.2 }, input: [null, 8] },
  PReLU: { args: { alphaInitializer: { className: 'Constant', config: { value: 0.25 } }, alphaRegularizer: 'l2', alphaConstraint: 'nonNeg', sharedAxes: [1, 2] }, input: [null, 4, 4, 3] },
  ELU: { args: { alpha: 0.5 }, input: [null, 8] },
  ThresholdedReLU: { args: { theta: 0.7 }, input: [null, 8] },
  Softmax: { args: { axis: [1, 2] }, input: [null, 3, 4, 2] },
  Rescaling: { args: { scale: 0.5, offset: -1 }, input: [null, 3] },
  RandomFlip: { args: { mode: 'horizontal', seed: 3 }, input: [null, 4, 4, 2] },
  RandomTranslation: { args: { heightFactor: 0.1, widthFactor: [-0.2, 0.1], fillMode: 'wrap', interpolation: 'nearest', seed: 1, fillValue: 0 }, input: [null, 4, 4, 2] },
  Add: { args: {}, input: [[null, 4, 2], [null, 1, 2], [null, 4, 2]] },
  Subtract: { args: {}, input: [[null, 3], [null, 3]] },
  Multiply: { args: {}, input: [[null, 3], [null, 3]] },
  Average: { args: {}, input: [[null, 3], [null, 3]] },
  Maximum: { args: {}, input: [[null, 3], [null, 3]] },
  Minimum: { args: {}, input: [[null, 3], [null, 3]] },
  Concatenate: { args: { axis: 1 }, input: [[null, 2, 3], [null, 5, 3]] },
};

/** The registered layer classes that cnnkit itself defines (custom test classes excluded). */
function builtInLayerClasses(): string[] {
  return ck.serialization.registeredClassNames(ck.layers.Layer).filter((n) => !n.startsWith('Test'));
}

function make(name: string, extra: Record<string, unknown> = {}): ck.layers.Layer {
  const cls = ck.serialization.getRegisteredClass(name) as unknown as { fromConfig(c: unknown, cfg: unknown): ck.layers.Layer };
  return cls.fromConfig(cls, { ...SAMPLES[name].args, ...extra });
}

test('every registered layer class has a sample here and declares the keys it takes', () => {
  for (const name of builtInLayerClasses()) {
    assert.ok(SAMPLES[name], `add a sample for ${name} to SAMPLES`);
    const cls = ck.serialization.getRegisteredClass(name) as unknown as { argNames?: string[] };
    assert.ok(Object.prototype.hasOwnProperty.call(cls, 'argNames'), `${name} declares static argNames`);
  }
});

test('config round trip through the layers format for every class: camelCase → snake_case → camelCase → same layer', () => {
  for (const name of builtInLayerClasses()) {
    const layer = make(name);
    const config = layer.getConfig();
    const file = convertTsToPythonic(config) as Record<string, unknown>;
    assert.ok(Object.keys(file).every((k) => k === toSnakeCase(k)), `${name}: file keys are snake_case: ${Object.keys(file)}`);
    const again = make(name, convertPythonicToTs(file) as Record<string, unknown>);
    assert.deepEqual(again.getConfig(), config, name);
    assert.equal(again.getClassName(), name);
  }
});

test('the converter writes and reads exactly as tfjs does (a tfjs model config both ways)', () => {
  const input = tf.input({ shape: [6, 6, 2], name: 'img' });
  const c = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal' }).apply(input) as tf.SymbolicTensor;
  const p = tf.layers.maxPooling2d({ poolSize: 2 }).apply(c) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(tf.layers.flatten().apply(p)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const theirs = model.toJSON(null, false) as unknown as Record<string, unknown>;
  const camel = { className: model.getClassName(), config: model.getConfig(), kerasVersion: theirs.keras_version, backend: 'TensorFlow.js' };
  assert.deepEqual(convertTsToPythonic(camel), theirs);
  const back = convertPythonicToTs(theirs) as Record<string, unknown>;
  assert.deepEqual(JSON.parse(JSON.stringify(back.config)), JSON.parse(JSON.stringify(model.getConfig())));
  assert.equal(toCamelCase('kernel_size'), 'kernelSize');
  assert.equal(toSnakeCase('MaxPooling2D'), 'max_pooling2d');
});

test('unknown keys are refused naming the layer, the key and the supported keys; snake_case gets "did you mean"', () => {
  for (const name of builtInLayerClasses())
    assert.throws(() => make(name, { bogusKey: 1 }), (e: Error) => {
      assert.match(e.message, new RegExp(`^${name} '[^']+': unknown argument 'bogusKey'\\. Supported: name, `));
      return true;
    }, name);
  assert.throws(() => ck.layers.conv2d({ filters: 2, kernel_size: 3 } as unknown as ck.layers.Conv2DArgs), /Conv2D 'conv2d(_\d+)?': unknown argument 'kernel_size' \(did you mean kernelSize\?\)\. Supported: .*kernelSize/);
  assert.throws(() => ck.layers.dense({ units: 2, use_bias: false } as unknown as ck.layers.DenseArgs), /unknown argument 'use_bias' \(did you mean useBias\?\)/);
});

test('options cnnkit does not implement are refused by name, with what is supported', () => {
  const refused: [() => unknown, RegExp][] = [
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, dilationRate: 2, strides: 2 }), /strides and dilationRate cannot both exceed 1 \(TensorFlow's rule\)\. Received strides=\[2,2\], dilationRate=\[2,2\]/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, dataFormat: 'channelsFirst' as 'channelsLast' }), /dataFormat must be 'channelsLast'.*Received dataFormat='channelsFirst'/],
    [() => ck.layers.maxPooling2d({ dataFormat: 'channelsFirst' as 'channelsLast' }), /MaxPooling2D '.*': dataFormat must be 'channelsLast'/],
    [() => ck.layers.flatten({ dataFormat: 'channelsFirst' as 'channelsLast' }), /Flatten '.*': dataFormat must be 'channelsLast'/],
    [() => ck.layers.globalAveragePooling2d({ dataFormat: 'channels_first' as 'channelsLast' }), /GlobalAveragePooling2D '.*': dataFormat must be 'channelsLast'/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, groups: 2 }), /groups must be 1 \(grouped convolutions are not supported; DepthwiseConv2D covers groups = channels\)/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, padding: 'causal' }), /padding must be 'valid' or 'same'\. Received padding="causal"/],
    [() => ck.layers.dense({ units: 1, batchSize: 8 }), /batchSize is not supported/],
    [() => ck.layers.dense({ units: 1, dtype: 'int32' }), /dtype must be 'float32'/],
    [() => ck.layers.dense({ units: 1, activation: 'swoosh' as 'relu' }), /unknown activation 'swoosh'\. Expected one of linear, relu/],
    [() => ck.layers.dense({ units: 1, kernelInitializer: 'orthogonl' }), /kernelInitializer: unknown initializer class 'orthogonl'/],
    [() => ck.layers.dense({ units: 1, kernelInitializer: { className: 'GlorotUniform', config: { gain: 2 } } }), /GlorotUniform initializer: unknown argument 'gain'\. Supported: seed/],
    [() => ck.layers.dense({ units: 1, kernelRegularizer: 'l3' }), /kernelRegularizer: unknown regularizer class 'l3'/],
    [() => ck.layers.dense({ units: 1, kernelRegularizer: { className: 'L1L2', config: { l1: -1 } } }), /L1L2 regularizer: l1 must be a non-negative number\. Received l1=-1/],
    [() => ck.layers.dense({ units: 1, kernelConstraint: { className: 'MaxNorm', config: { max_value: 2 } } }), /MaxNorm constraint: unknown argument 'max_value' \(did you mean maxValue\?\)/],
    [() => ck.layers.dense({ units: 2, biasInitializer: 'orthogonal' }).apply(ck.ones([1, 3])), /Dense '.*': weight 'bias': Orthogonal initializer: the shape must have at least 2 dimensions\. Received \(2,\)/],
    [() => ck.layers.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'identity' }).apply(ck.ones([1, 4, 4, 2])), /use 'dirac' \(an identity convolution\)/],
    [() => ck.layers.embedding({ inputDim: 5, outputDim: 2, maskZero: true }), /Embedding '.*': maskZero must be false \(cnnkit has no masking\)\. Received maskZero=true/],
    [() => ck.layers.separableConv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'heNormal' } as never), /kernelInitializer does not apply to SeparableConv2D: use depthwiseInitializer and pointwiseInitializer/],
    [() => ck.layers.batchNormalization({ synchronized: true }), /synchronized must be false/],
    [() => ck.layers.batchNormalization({ axis: [1, 2] as unknown as number }), /axis must be one integer \(several axes are not supported\)/],
    [() => ck.layers.batchNormalization({ axis: 0 }).apply(ck.ones([2, 3])), /axis 0 is not a non-batch axis/],
    [() => ck.layers.softmax({ axis: 0 }).apply(ck.ones([2, 3])), /axis 0 must name distinct non-batch axes/],
    [() => ck.layers.upSampling2d({ interpolation: 'bicubic' as 'nearest' }), /interpolation must be 'nearest' or 'bilinear'/],
    [() => ck.layers.dropout({ rate: 0.5, noiseShape: [1, 0] }), /noiseShape must be a list of positive integers or nulls/],
    [() => ck.layers.spatialDropout2d({ rate: 0.5, noiseShape: [null, 1, 1, 3] } as never), /noiseShape is fixed by the layer/],
    [() => ck.layers.reshape({ targetShape: [-1, -1] }), /targetShape may have one unknown/],
    [() => ck.layers.reshape({ targetShape: [5] }).apply(ck.ones([2, 3, 2])), /cannot reshape input \(None, 3, 2\) \(6 values per sample\) into \[5\]; the total size must be unchanged/],
    [() => ck.layers.permute({ dims: [0, 1] }), /dims must be a permutation of 1\.\.n/],
  ];
  refused.forEach(([fn, pattern], i) => assert.throws(fn, pattern, `case ${i}: ${pattern}`));
});

test('options that used to be ignored are honoured: inputDim, weights, seeds, Rescaling offset, Keras spellings', () => {
  const d = ck.layers.dense({ units: 2, inputDim: 3, weights: [ck.tensor([[1, 0], [0, 1], [1, 1]]), ck.tensor([0.5, -0.5])] });
  assert.deepEqual(d.batchInputShape, [null, 3]);
  assert.deepEqual((d.apply(ck.tensor([[1, 2, 3]])) as ck.Tensor).arraySync(), [[4.5, 4.5]]);
  const a = ck.layers.dropout({ rate: 0.5, seed: 11 }), b = ck.layers.dropout({ rate: 0.5, seed: 11 });
  const x = ck.ones([2, 64]);
  assert.deepEqual((a.apply(x, { training: true }) as ck.Tensor).dataSync(), (b.apply(x, { training: true }) as ck.Tensor).dataSync());
  const i1 = ck.initializers.heNormal({ seed: 5 }).apply([3, 4]).dataSync(), i2 = ck.initializers.heNormal({ seed: 5 }).apply([3, 4]).dataSync();
  assert.deepEqual(i1, i2);
  assert.deepEqual((ck.layers.rescaling({ scale: 2, offset: -1 }).apply(ck.tensor([0, 1, 3])) as ck.Tensor).arraySync(), [-1, 1, 5]);
  // Keras users type snake_case strings for values.
  const k = ck.layers.conv2d({ filters: 1, kernelSize: 1, kernelInitializer: 'he_normal', biasInitializer: 'zeros', activation: 'relu' });
  assert.equal(k.kernelInitializer.getClassName(), 'HeNormal');
});

test('countParamsFor counts the weights a layer would create without creating them', () => {
  for (const name of builtInLayerClasses()) {
    const { input } = SAMPLES[name];
    const counted = make(name).countParamsFor(input);
    const built = make(name);
    built.ensureBuilt(input);
    assert.equal(counted, built.countParams(), name);
  }
  const big = ck.layers.dense({ units: 100000 });
  assert.equal(big.countParamsFor([null, 100000]), 100000 * 100000 + 100000);
  assert.equal(big.built, false);
  assert.equal(big.weights.length, 0);
});

test('parameter formulas come from the layer classes', () => {
  const conv = make('Conv2D');
  conv.ensureBuilt(SAMPLES.Conv2D.input);
  assert.equal(conv.paramFormula(), '(2*3*2)*3');
  assert.equal(conv.countParams(), 2 * 3 * 2 * 3);
  const dense = make('Dense');
  dense.ensureBuilt(SAMPLES.Dense.input);
  assert.equal(dense.paramFormula(), '(7+1)*4');
  assert.equal(make('Flatten').paramFormula(), '0 (no weights)');
});

test('registerClass: custom layer classes by their static className; without one they are refused', () => {
  class TestScale extends ck.layers.Layer {
    static className = 'TestScale';
  }
  assert.equal(ck.serialization.registerClass(TestScale), TestScale);
  assert.equal(ck.serialization.getRegisteredClass('TestScale'), TestScale);
  assert.ok(ck.serialization.registeredClassNames(ck.layers.Layer).includes('TestScale'));
  class NoName extends ck.layers.Layer {}
  assert.throws(() => ck.serialization.registerClass(NoName as unknown as typeof TestScale), /class NoName needs its own static className/);
  const l = new TestScale({});
  assert.equal(l.name, 'test_scale');
  assert.equal(l.countParamsFor([null, 3]), 0);
  assert.throws(() => l.toOnnx(null as never, []), /exportOnnx: TestScale 'test_scale' has no ONNX mapping/);
});
