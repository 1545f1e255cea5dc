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

/** Arguments giving a valid instance of each registered layer class, and an input shape to build it for. */
const SAMPLES: Record<string, { args: Record<string, unknown>; input: ck.Shape | ck.Shape[] }> = {
  InputLayer: { args: { inputShape: [4, 4, 2] }, input: [null, 4, 4, 2] },
  Conv2D: { args: { filters: 3, kernelSize: [2, 3], strides: 1, padding: 'same', activation: 'relu', useBias: false, kernelInitializer: 'heNormal' }, input: [null, 5, 6, 2] },
  Dense: { args: { units: 4, activation: 'softmax', biasInitializer: 'ones' }, input: [null, 7] },
  Flatten: { args: {}, input: [null, 2, 3, 4] },
  Dropout: { args: { rate: 0.25, seed: 3 }, input: [null, 8] },
  Activation: { args: { activation: 'tanh' }, input: [null, 8] },
  MaxPooling2D: { args: { poolSize: [2, 2], strides: 1, padding: 'same' }, input: [null, 5, 5, 3] },
  AveragePooling2D: { args: { poolSize: 3, padding: 'valid' }, input: [null, 5, 5, 3] },
  Rescaling: { args: { scale: 0.5, offset: -1 }, input: [null, 3] },
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

test('options cnnkit does not implement are refused by name (they used to be ignored)', () => {
  const refused: [() => unknown, RegExp][] = [
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, dilationRate: 2 }), /dilationRate must be 1 \(dilated convolutions are not supported yet\)\. Received dilationRate=2/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, dataFormat: 'channelsFirst' as 'channelsLast' }), /dataFormat must be 'channelsLast'.*Received dataFormat='channelsFirst'/],
    [() => ck.layers.maxPooling2d({ dataFormat: 'channelsFirst' as 'channelsLast' }), /MaxPooling2D '.*': dataFormat must be 'channelsLast'/],
    [() => ck.layers.flatten({ dataFormat: 'channelsFirst' as 'channelsLast' }), /Flatten '.*': dataFormat must be 'channelsLast'/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, kernelRegularizer: 'l2' as unknown as null }), /kernelRegularizer is not supported yet \(only null\)\. Received kernelRegularizer='l2'/],
    [() => ck.layers.dense({ units: 1, biasConstraint: { className: 'NonNeg' } as unknown as null }), /biasConstraint is not supported yet/],
    [() => ck.layers.dense({ units: 1, activityRegularizer: 'l1' as unknown as null }), /activityRegularizer is not supported yet/],
    [() => ck.layers.conv2d({ filters: 1, kernelSize: 3, groups: 2 }), /groups must be 1/],
    [() => ck.layers.dropout({ rate: 0.5, noiseShape: [1, 4] as unknown as null }), /noiseShape is not supported yet/],
    [() => ck.layers.dense({ units: 1, batchSize: 8 }), /batchSize is not supported/],
    [() => ck.layers.dense({ units: 1, dtype: 'int32' }), /dtype must be 'float32'/],
    [() => ck.layers.dense({ units: 1, activation: 'swish' as 'relu' }), /unknown activation 'swish'/],
    [() => ck.layers.dense({ units: 1, kernelInitializer: 'orthogonal' }), /kernelInitializer: unknown initializer class 'orthogonal'/],
    [() => ck.layers.dense({ units: 1, kernelInitializer: { className: 'GlorotUniform', config: { gain: 2 } } }), /GlorotUniform initializer: unknown argument 'gain'\. Supported: seed/],
  ];
  for (const [fn, pattern] of refused) assert.throws(fn, pattern);
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
