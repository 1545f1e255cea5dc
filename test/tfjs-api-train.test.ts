/**
 * The tfjs API against real TensorFlow.js, part 3: what custom training loops use. `tf.losses`
 * (weights and reductions), the compile losses by name, `tf.metrics`, every optimizer through
 * `minimize` and `applyGradients` (weights after several steps, and state names), the gradient
 * functions, and memory bookkeeping (`tidy`, `keep`, `dispose`, `memory`).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ck from '../src/index.js';
import { resolveLoss, computeLoss } from '../src/losses/index.js';
import { compare, input, summary, tf, values, type Input } from './helpers/tfjs-compare.js';

await tf.setBackend('cpu');
ck.setBackendSync('reference');

after(() => console.log(`# tfjs-api-train: ${summary()}`));

const labels = input([4, 3], 1, 0, 1), preds = input([4, 3], 2, 0.05, 0.95), weights: Input = { values: [1, 0, 2, 0.5], shape: [4, 1] };

test('tf.losses: every function, with weights and every reduction', () => {
  const R = [ck.Reduction.NONE, ck.Reduction.MEAN, ck.Reduction.SUM, ck.Reduction.SUM_BY_NONZERO_WEIGHTS];
  for (const r of R)
    for (const w of [null, weights]) {
      const ins = w ? [labels, preds, w] : [labels, preds];
      const wt = (t: ck.Tensor[]): ck.Tensor | undefined => t[2];
      const wf = (t: tf.Tensor[]): tf.Tensor | undefined => t[2];
      const tag = `${r} ${w ? 'weighted' : ''}`;
      compare(`absoluteDifference ${tag}`, (...t) => ck.losses.absoluteDifference(t[0], t[1], wt(t), r), (...t) => tf.losses.absoluteDifference(t[0], t[1], wf(t), r as never), ins, 1e-6);
      compare(`meanSquaredError ${tag}`, (...t) => ck.losses.meanSquaredError(t[0], t[1], wt(t), r), (...t) => tf.losses.meanSquaredError(t[0], t[1], wf(t), r as never), ins, 1e-6);
      compare(`hingeLoss ${tag}`, (...t) => ck.losses.hingeLoss(t[0], t[1], wt(t), r), (...t) => tf.losses.hingeLoss(t[0], t[1], wf(t), r as never), ins, 1e-6);
      compare(`huberLoss ${tag}`, (...t) => ck.losses.huberLoss(t[0], t[1], wt(t), 0.3, r), (...t) => tf.losses.huberLoss(t[0], t[1], wf(t), 0.3, r as never), ins, 1e-6);
      compare(`logLoss ${tag}`, (...t) => ck.losses.logLoss(t[0], t[1], wt(t), 1e-7, r), (...t) => tf.losses.logLoss(t[0], t[1], wf(t), 1e-7, r as never), ins, 1e-6);
      compare(`cosineDistance ${tag}`, (...t) => ck.losses.cosineDistance(t[0], t[1], 1, wt(t), r), (...t) => tf.losses.cosineDistance(t[0], t[1], 1, wf(t), r as never), ins, 1e-6);
      for (const smoothing of [0, 0.1]) {
        compare(`sigmoidCrossEntropy ${tag} ${smoothing}`, (...t) => ck.losses.sigmoidCrossEntropy(t[0], t[1], wt(t), smoothing, r),
          (...t) => tf.losses.sigmoidCrossEntropy(t[0], t[1], wf(t), smoothing, r as never), ins, 1e-6);
        const sw = w ? [labels, preds, { values: [1, 0, 2, 0.5], shape: [4] }] : ins;
        compare(`softmaxCrossEntropy ${tag} ${smoothing}`, (...t) => ck.losses.softmaxCrossEntropy(t[0], t[1], wt(t), smoothing, r),
          (...t) => tf.losses.softmaxCrossEntropy(t[0], t[1], wf(t), smoothing, r as never), sw, 1e-6);
      }
      compare(`computeWeightedLoss ${tag}`, (...t) => ck.losses.computeWeightedLoss(t[1], wt(t), r), (...t) => tf.losses.computeWeightedLoss(t[1], wf(t), r as never), ins, 1e-6);
    }
});

/** The mean loss tfjs-layers computes for a compile loss name: a linear model evaluated on (yPred → yTrue). */
function tfjsCompileLoss(name: string, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const m = tf.sequential({ layers: [tf.layers.activation({ activation: 'linear', inputShape: [yPred.shape[1] as number] })] });
  m.compile({ optimizer: 'sgd', loss: name });
  return m.evaluate(yPred, yTrue) as tf.Tensor;
}

const COMPILE_LOSSES: [string, Input, Input][] = [
  ['meanSquaredError', input([5, 3], 3), input([5, 3], 4)], ['meanAbsoluteError', input([5, 3], 3), input([5, 3], 4)],
  ['meanAbsolutePercentageError', input([5, 3], 3), input([5, 3], 4)], ['meanSquaredLogarithmicError', input([5, 3], 3, 0, 3), input([5, 3], 4, 0, 3)],
  ['squaredHinge', { values: values(15, 5, -1, 1).map(Math.sign), shape: [5, 3] }, input([5, 3], 4)],
  ['hinge', { values: values(15, 5, -1, 1).map(Math.sign), shape: [5, 3] }, input([5, 3], 4)],
  ['categoricalHinge', { values: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0], shape: [5, 3] }, input([5, 3], 4)],
  ['logcosh', input([5, 3], 3), input([5, 3], 4)],
  ['categoricalCrossentropy', { values: [1, 0, 0, 0, 1, 0, 0.2, 0.3, 0.5, 1, 0, 0, 0, 1, 0], shape: [5, 3] }, input([5, 3], 4, 0.01, 1)],
  ['sparseCategoricalCrossentropy', { values: [0, 2, 1, 1, 0], shape: [5, 1] }, input([5, 3], 4, 0.01, 1)],
  ['binaryCrossentropy', { values: values(15, 6, 0, 2, true), shape: [5, 3] }, input([5, 3], 4, 0, 1)],
  ['kullbackLeiblerDivergence', input([5, 3], 3, 0, 1), input([5, 3], 4, 0, 1)], ['poisson', input([5, 3], 3, 0, 2), input([5, 3], 4, 0, 2)],
  ['cosineProximity', input([5, 3], 3), input([5, 3], 4)],
];

test('compile losses by name: the per-example functions, their mean and the model path equal tfjs-layers', () => {
  for (const [name, yt, yp] of COMPILE_LOSSES) {
    compare(`${name} (compile)`, (t, p) => ck.mean(ck.losses.get(name)(t, p)), (t, p) => tfjsCompileLoss(name, t, p), [yt, yp], 2e-6);
    // The same through the model's loss resolution, and by the Keras snake_case name.
    const snake = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace('logcosh', 'log_cosh').replace('kullback_leibler_divergence', 'kl_divergence');
    compare(`${name} (model path, '${snake}')`, (t, p) => computeLoss(resolveLoss(snake), p, name.startsWith('sparse') ? t.reshape([-1]) : t, false),
      (t, p) => tfjsCompileLoss(name, t, p), [yt, yp], 2e-6);
  }
  // A function is a loss too; its result is averaged.
  const fn = (t: ck.Tensor, p: ck.Tensor): ck.Tensor => ck.abs(ck.sub(t, p)).max(-1);
  compare('function loss', (t, p) => computeLoss(resolveLoss(fn), p, t, false), (t, p) => tf.abs(tf.sub(t, p)).max(-1).mean(), [input([4, 3], 1), input([4, 3], 2)]);
  assert.equal(resolveLoss(fn).name, 'fn');
  // tf.metrics exposes some of the same functions per example.
  compare('binaryCrossentropy (per example)', (t, p) => ck.metrics.binaryCrossentropy(t, p), (t, p) => tf.metrics.binaryCrossentropy(t, p), [COMPILE_LOSSES[10][1], COMPILE_LOSSES[10][2]], 1e-6);
  compare('categoricalCrossentropy (per example)', (t, p) => ck.metrics.categoricalCrossentropy(t, p), (t, p) => tf.metrics.categoricalCrossentropy(t, p), [COMPILE_LOSSES[8][1], COMPILE_LOSSES[8][2]], 1e-6);
});

test('tf.metrics: accuracies, precision, recall, regression metrics, r2Score', () => {
  const bin: Input = { values: [1, 0, 1, 1, 0, 0, 1, 0], shape: [4, 2] }, binPred = input([4, 2], 8, 0, 1);
  const hot: Input = { values: [1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0], shape: [4, 3] }, probs = input([4, 3], 9, 0, 1);
  const sparse: Input = { values: [0, 2, 1, 2], shape: [4] };
  compare('binaryAccuracy', (t, p) => ck.metrics.binaryAccuracy(t, p), (t, p) => tf.metrics.binaryAccuracy(t, p), [bin, binPred]);
  compare('categoricalAccuracy', (t, p) => ck.metrics.categoricalAccuracy(t, p), (t, p) => tf.metrics.categoricalAccuracy(t, p), [hot, probs]);
  compare('sparseCategoricalAccuracy', (t, p) => ck.metrics.sparseCategoricalAccuracy(t, p), (t, p) => tf.metrics.sparseCategoricalAccuracy(t, p), [sparse, probs]);
  const rounded: Input = { values: values(8, 10, 0, 2, true), shape: [4, 2] };
  compare('precision', (t, p) => ck.metrics.precision(t, p), (t, p) => tf.metrics.precision(t, p), [bin, rounded]);
  compare('recall', (t, p) => ck.metrics.recall(t, p), (t, p) => tf.metrics.recall(t, p), [bin, rounded]);
  compare('precision none predicted', (t, p) => ck.metrics.precision(t, p), (t, p) => tf.metrics.precision(t, p), [bin, { values: new Array(8).fill(0), shape: [4, 2] }]);
  for (const m of ['meanSquaredError', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'MSE', 'mse', 'MAPE', 'mape', 'cosineProximity'] as const)
    compare(`${m} metric`, (t, p) => (ck.metrics[m] as (a: ck.Tensor, b: ck.Tensor) => ck.Tensor)(t, p), (t, p) => (tf.metrics[m] as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(t, p), [input([4, 3], 11), input([4, 3], 12)], 1e-6);
  compare('r2Score', (t, p) => ck.metrics.r2Score(t, p), (t, p) => tf.metrics.r2Score(t, p), [input([6], 13), input([6], 14)], 1e-6);
});

/** One training problem run with an optimizer in both libraries: weights and costs after `steps` minimize calls. */
function trainBoth(name: string, ckOpt: ck.Optimizer, tfOpt: tf.Optimizer, steps = 6): void {
  const x = values(12, 21), y = values(4, 22), w0 = values(3, 23), b0 = values(1, 24);
  const run = (lib: 'ck' | 'tf'): number[] => {
    const T = lib === 'ck' ? ck : tf;
    const w = (T.variable as (t: unknown) => ck.Variable)((T.tensor2d as (v: number[], s: number[]) => unknown)(w0, [3, 1]));
    const b = (T.variable as (t: unknown) => ck.Variable)((T.scalar as (v: number) => unknown)(b0[0]));
    const xs = (T.tensor2d as (v: number[], s: number[]) => ck.Tensor)(x, [4, 3]), ys = (T.tensor2d as (v: number[], s: number[]) => ck.Tensor)(y, [4, 1]);
    const opt = (lib === 'ck' ? ckOpt : tfOpt) as unknown as ck.Optimizer;
    const costs: number[] = [];
    for (let i = 0; i < steps; i++) {
      // Alternate the two forms of minimize: all trainable variables, and an explicit list.
      const cost = opt.minimize(() => xs.matMul(w).add(b).sub(ys).square().mean(), true, i % 2 ? [w, b] : undefined) as ck.Tensor;
      costs.push(cost.dataSync()[0]);
      cost.dispose();
    }
    const out = [...costs, ...w.dataSync(), ...b.dataSync()];
    w.dispose();
    b.dispose();
    return out;
  };
  const ours = run('ck'), theirs = run('tf');
  const worst = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]) / Math.max(1, Math.abs(theirs[i]))));
  compare(`optimizer ${name}`, () => ck.tensor(ours), () => tf.tensor(theirs), [], 2e-6);
  assert.ok(worst <= 2e-6, `${name}: worst relative difference ${worst}`);
}

test('optimizers: minimize with tfjs formulas and defaults, 6 steps, against tfjs', () => {
  trainBoth('sgd', ck.train.sgd(0.1), tf.train.sgd(0.1));
  trainBoth('momentum', ck.train.momentum(0.05, 0.9), tf.train.momentum(0.05, 0.9));
  trainBoth('momentum nesterov', ck.train.momentum(0.05, 0.8, true), tf.train.momentum(0.05, 0.8, true));
  trainBoth('rmsprop', ck.train.rmsprop(0.01), tf.train.rmsprop(0.01));
  trainBoth('rmsprop momentum', ck.train.rmsprop(0.01, 0.8, 0.5), tf.train.rmsprop(0.01, 0.8, 0.5));
  trainBoth('rmsprop centered', ck.train.rmsprop(0.01, 0.9, 0.3, 1e-6, true), tf.train.rmsprop(0.01, 0.9, 0.3, 1e-6, true));
  trainBoth('adam', ck.train.adam(0.05), tf.train.adam(0.05));
  trainBoth('adam custom', ck.train.adam(0.02, 0.8, 0.95, 1e-3), tf.train.adam(0.02, 0.8, 0.95, 1e-3));
  trainBoth('adagrad', ck.train.adagrad(0.1), tf.train.adagrad(0.1));
  trainBoth('adagrad initial', ck.train.adagrad(0.1, 0.5), tf.train.adagrad(0.1, 0.5));
  trainBoth('adadelta', ck.train.adadelta(1, 0.9), tf.train.adadelta(1, 0.9));
  trainBoth('adamax', ck.train.adamax(0.05), tf.train.adamax(0.05));
  trainBoth('adamax decay', ck.train.adamax(0.05, 0.8, 0.9, 1e-5, 0.1), tf.train.adamax(0.05, 0.8, 0.9, 1e-5, 0.1));
});

test("Adam's Keras epsilon is an option: ε added before the bias correction", () => {
  const p = ck.variable(ck.tensor1d([1]));
  const opt = new ck.Adam({ learningRate: 0.1, epsilon: 0.5, epsilonMode: 'keras' });
  opt.applyGradients({ [p.name]: ck.tensor1d([0.2]) });
  // Keras, t = 1: m = 0.02, v = 4e-5; p −= 0.1·√(1 − 0.999)/(1 − 0.9) · m/(√v + ε).
  const expected = 1 - ((0.1 * Math.sqrt(0.001)) / 0.1) * (0.02 / (Math.sqrt(4e-5) + 0.5));
  assert.ok(Math.abs(p.dataSync()[0] - expected) < 1e-7, `${p.dataSync()[0]} vs ${expected}`);
  const q = ck.variable(ck.tensor1d([1]));
  new ck.Adam({ learningRate: 0.1, epsilon: 0.5 }).applyGradients({ [q.name]: ck.tensor1d([0.2]) });
  // tfjs: p −= 0.1 · m̂/(√v̂ + ε) with m̂ = 0.2, v̂ = 0.04.
  assert.ok(Math.abs(q.dataSync()[0] - (1 - (0.1 * 0.2) / (0.2 + 0.5))) < 1e-7);
  p.dispose();
  q.dispose();
});

test('applyGradients forms, optimizer state names and round trip as tfjs', async () => {
  const mk = (T: typeof ck | typeof tf, name: string): ck.Variable => (T.variable as (t: unknown, tr: boolean, n: string) => ck.Variable)((T.tensor1d as (v: number[]) => unknown)([1, 2]), true, name);
  for (const [ours, theirs] of [[ck.train.adam(0.1), tf.train.adam(0.1)], [ck.train.rmsprop(0.1), tf.train.rmsprop(0.1)], [ck.train.momentum(0.1, 0.9), tf.train.momentum(0.1, 0.9)],
    [ck.train.adagrad(0.1), tf.train.adagrad(0.1)], [ck.train.adadelta(0.1), tf.train.adadelta(0.1)]] as [ck.Optimizer, tf.Optimizer][]) {
    const a = mk(ck, 'w/kernel'), b = mk(tf, 'w/kernel');
    const a2 = mk(ck, 'w/bias'), b2 = mk(tf, 'w/bias');
    ours.applyGradients({ 'w/kernel': ck.tensor1d([0.5, -1]), 'w/bias': ck.tensor1d([1, 1]) });
    ours.applyGradients([{ name: 'w/kernel', tensor: ck.tensor1d([0.1, 0.2]) }, { name: 'w/bias', tensor: ck.tensor1d([-1, 0]) }]);
    theirs.applyGradients({ 'w/kernel': tf.tensor1d([0.5, -1]), 'w/bias': tf.tensor1d([1, 1]) });
    theirs.applyGradients([{ name: 'w/kernel', tensor: tf.tensor1d([0.1, 0.2]) }, { name: 'w/bias', tensor: tf.tensor1d([-1, 0]) }]);
    compare(`applyGradients ${ours.getClassName()}`, () => [a, a2], () => [b, b2] as unknown as tf.Tensor[], [], 2e-6);
    const ws = await ours.getWeights(), wt = await theirs.getWeights();
    assert.deepEqual(ws.map((w) => w.name), wt.map((w) => w.name), `${ours.getClassName()} state names`);
    // tfjs's RMSprop keeps its last step in 'momentum' even with momentum 0, where no update reads
    // it; cnnkit's momentum-free kernel leaves that slot at zero.
    const used = (w: { name: string }): boolean => !(ours instanceof ck.RMSprop && w.name.endsWith('/momentum'));
    compare(`getWeights ${ours.getClassName()}`, () => ws.filter(used).map((w) => w.tensor), () => wt.filter(used).map((w) => w.tensor), [], 2e-6);
    assert.equal(ours.iterations, theirs.iterations);
    // tfjs's saved state restores into a fresh optimizer of ours, and steps on identically.
    const fresh = (ours instanceof ck.SGD ? ck.train.momentum(0.1, 0.9) : ours instanceof ck.RMSprop ? ck.train.rmsprop(0.1) : ours instanceof ck.Adam ? ck.train.adam(0.1)
      : ours instanceof ck.Adagrad ? ck.train.adagrad(0.1) : ck.train.adadelta(0.1)) as ck.Optimizer;
    await fresh.setWeights(wt.map((w) => ({ name: w.name, tensor: ck.tensor(Array.from(w.tensor.dataSync()), w.tensor.shape, w.tensor.dtype as ck.DType) })));
    assert.equal(fresh.iterations, 2);
    const restored = await fresh.getWeights();
    assert.deepEqual(restored.map((w) => w.name), wt.map((w) => w.name));
    compare(`setWeights ${ours.getClassName()}`, () => restored.map((w) => w.tensor), () => wt.map((w) => w.tensor), [], 2e-6);
    for (const v of [a, a2]) v.dispose();
    tf.disposeVariables();
  }
  assert.equal(ck.train.momentum(0.1, 0.9).getClassName(), 'Momentum');
});

test('gradient functions agree with tfjs', () => {
  const f = (x: ck.Tensor | tf.Tensor): ck.Tensor | tf.Tensor => (x as ck.Tensor).square().mul((x as ck.Tensor).sin()).sum() as ck.Tensor;
  compare('grad', (x) => ck.grad(f as (x: ck.Tensor) => ck.Tensor)(x), (x) => tf.grad(f as (x: tf.Tensor) => tf.Tensor)(x), [input([5], 31)], 1e-6);
  compare('grad dy', (x, d) => ck.grad((t) => t.exp())(x, d), (x, d) => tf.grad((t) => t.exp())(x, d), [input([2, 3], 32), input([2, 3], 33)], 1e-6);
  const g = (a: ck.Tensor, b: ck.Tensor): ck.Tensor => a.matMul(b).relu().sum();
  compare('grads', (a, b) => ck.grads(g)([a, b]), (a, b) => tf.grads(g as unknown as (...t: tf.Tensor[]) => tf.Tensor)([a, b]), [input([2, 3], 34), input([3, 2], 35)], 1e-6);
  compare('valueAndGrads', (a, b) => {
    const r = ck.valueAndGrads(g)([a, b]);
    return [r.value, ...r.grads];
  }, (a, b) => {
    const r = tf.valueAndGrads(g as unknown as (...t: tf.Tensor[]) => tf.Tensor)([a, b]);
    return [r.value, ...r.grads];
  }, [input([2, 3], 34), input([3, 2], 35)], 1e-6);
  compare('valueAndGrad', (x) => {
    const r = ck.valueAndGrad((t) => t.tanh().sum())(x);
    return [r.value, r.grad];
  }, (x) => {
    const r = tf.valueAndGrad((t) => t.tanh().sum())(x);
    return [r.value, r.grad];
  }, [input([4], 36)], 1e-6);
  compare('variableGrads', (x) => {
    const v = ck.variable(x, true, 'vg');
    const r = ck.variableGrads(() => v.square().sum());
    v.dispose();
    return [r.value, r.grads.vg as ck.Tensor];
  }, (x) => {
    const v = tf.variable(x, true, 'vg');
    const r = tf.variableGrads(() => v.square().sum() as tf.Scalar);
    v.dispose();
    return [r.value, r.grads.vg];
  }, [input([3], 37)], 1e-6);
  assert.throws(() => ck.grad((t) => ck.scalar(1).add(t.shape.length))(ck.tensor1d([1])), /grad: cannot compute the gradient of y = f\(x\) with respect to x/);
  assert.throws(() => ck.variableGrads(() => ck.scalar(1), []), /at least one variable must be trainable/);
});

test('memory bookkeeping as tfjs: tidy, tidy(name), keep, dispose, variables', () => {
  const scenario = (T: typeof ck | typeof tf): number[] => {
    const count = (): number => T.memory().numTensors;
    const start = count();
    const x = (T.tensor1d as (v: number[]) => ck.Tensor)([1, 2, 3]);
    const marks = [count() - start];
    let kept: ck.Tensor | null = null;
    const out = (T.tidy as (n: string, f: () => ck.Tensor) => ck.Tensor)('block', () => {
      const y = x.square().add(x);
      kept = (T.keep as (t: ck.Tensor) => ck.Tensor)(y.mul(2));
      return y.sum();
    });
    marks.push(count() - start);
    const nested = (T.tidy as (f: () => ck.Tensor[]) => ck.Tensor[])(() => [x.neg(), x.abs(), x.exp().log()]);
    marks.push(count() - start);
    (T.dispose as (c: unknown) => void)({ a: nested, b: [out, { c: kept }] });
    marks.push(count() - start);
    const v = (T.variable as (t: ck.Tensor) => ck.Variable)(x);
    (T.tidy as (f: () => void) => void)(() => void v.assign(x.add(1) as ck.Tensor));
    marks.push(count() - start);
    v.dispose();
    x.dispose();
    marks.push(count() - start);
    return marks;
  };
  assert.deepEqual(scenario(ck), scenario(tf));
  const m = ck.memory();
  assert.equal(typeof m.numBytes, 'number');
  assert.equal(typeof m.numDataBuffers, 'number');
  assert.throws(() => ck.tidy(() => Promise.resolve(1) as unknown as ck.Tensor), /tidy: cannot return a Promise/);
  // Bytes follow the dtypes: 4 per float32 value, 1 per bool.
  const before = ck.memory().numBytes;
  const a = ck.zeros([10]), b = ck.zeros([10], 'bool');
  assert.equal(ck.memory().numBytes - before, 50);
  ck.dispose([a, b]);
  assert.equal(ck.memory().numBytes, before);
});

test('util, env and nextFrame', async () => {
  ck.setSeed(5);
  const arr = [1, 2, 3, 4, 5, 6];
  ck.util.shuffle(arr);
  assert.deepEqual([...arr].sort(), [1, 2, 3, 4, 5, 6]);
  ck.setSeed(5);
  const again = [1, 2, 3, 4, 5, 6];
  ck.util.shuffle(again);
  assert.deepEqual(again, arr, 'ck.setSeed makes shuffles reproducible');
  const idx = ck.util.createShuffledIndices(10);
  assert.deepEqual(Array.from(idx).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(ck.util.sizeFromShape([2, 3, 4]), tf.util.sizeFromShape([2, 3, 4]));
  assert.equal(ck.util.arraysEqual([1, 2], [1, 2]), tf.util.arraysEqual([1, 2], [1, 2]));
  assert.equal(ck.util.arraysEqual([1, 2], [2, 1]), tf.util.arraysEqual([1, 2], [2, 1]));
  assert.deepEqual(ck.util.flatten([[1, [2, 3]], [4], Float32Array.of(5, 6)]), tf.util.flatten([[1, [2, 3]], [4], Float32Array.of(5, 6)] as never));
  assert.deepEqual(ck.util.computeStrides([2, 3, 4]), tf.util.computeStrides([2, 3, 4]));
  assert.throws(() => ck.util.assert(false, () => 'checked message'), /checked message/);
  assert.ok(ck.util.now() <= ck.util.now());
  assert.equal(ck.env().getBool('IS_NODE'), tf.env().getBool('IS_NODE'));
  assert.equal(ck.env().getBool('IS_BROWSER'), tf.env().getBool('IS_BROWSER'));
  assert.equal(ck.ENV, ck.env());
  ck.env().set('PROD', true);
  assert.equal(ck.env().get('PROD'), true);
  ck.env().reset();
  assert.throws(() => ck.env().set('WEBGL_PACK', false), /unknown flag "WEBGL_PACK"/);
  assert.throws(() => ck.env().set('DEBUG', true), /flag 'DEBUG' cannot be set here/);
  let ticked = false;
  await ck.nextFrame().then(() => (ticked = true));
  assert.ok(ticked);
});

test('variables: names and the registry as tfjs', () => {
  const a = ck.variable(ck.scalar(1)), b = ck.variable(ck.scalar(2));
  assert.notEqual(a.name, b.name);
  assert.throws(() => ck.variable(ck.scalar(3), true, a.name), new RegExp(`a variable named '${a.name}' is already registered`));
  assert.throws(() => a.assign(ck.tensor1d([1, 2])), /shape of the new value \(2,\) and the variable \(\) must match/);
  assert.throws(() => a.assign(ck.scalar(1, 'int32')), /dtype of the new value \(int32\) and the variable \(float32\) must match/);
  const t = ck.variable(ck.tensor1d([1, 2]), false, 'frozen');
  assert.equal(t.trainable, false);
  ck.disposeVariables();
  assert.ok(a.isDisposed && b.isDisposed && t.isDisposed);
  assert.doesNotThrow(() => ck.variable(ck.scalar(1), true, 'frozen').dispose());
});

test('compile takes any loss name or a loss function: fit follows tfjs-layers epoch by epoch', async () => {
  const x = values(24 * 4, 41), w = values(4, 42), b = values(1, 43);
  const y01 = values(24, 44, 0, 2, true), ypm = y01.map((v) => 2 * v - 1);
  const cases: [string, (T: typeof ck | typeof tf) => unknown, number[]][] = [
    ['binaryCrossentropy', () => 'binaryCrossentropy', y01], ['hinge', () => 'hinge', ypm], ['squaredHinge', () => 'squaredHinge', ypm],
    ['meanSquaredError', () => 'meanSquaredError', y01], ['logcosh', () => 'logcosh', y01], ['poisson', () => 'poisson', y01],
    ['a function', (T) => (t: ck.Tensor, p: ck.Tensor) => (T.sub as (a: unknown, b: unknown) => ck.Tensor)(p, t).abs().mean(), y01],
  ];
  for (const [what, loss, y] of cases) {
    const fit = async (T: typeof ck | typeof tf): Promise<number[]> => {
      const L = T.layers as typeof tf.layers;
      const model = (T.sequential as typeof tf.sequential)({ layers: [L.dense({ units: 1, activation: 'sigmoid', inputShape: [4] })] });
      model.setWeights([(T.tensor2d as typeof tf.tensor2d)(w, [4, 1]), (T.tensor1d as typeof tf.tensor1d)(b)]);
      model.compile({ optimizer: (T.train as typeof tf.train).sgd(0.5), loss: loss(T) as string });
      const h = await model.fit((T.tensor2d as typeof tf.tensor2d)(x, [24, 4]), (T.tensor2d as typeof tf.tensor2d)(y, [24, 1]), { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
      return h.history.loss as number[];
    };
    const [ours, theirs] = [await fit(ck), await fit(tf)];
    compare(`fit loss ${what}`, () => ck.tensor(ours), () => tf.tensor(theirs), [], 2e-6);
  }
});

test('fit with classWeight weights each sample\'s loss as tfjs-layers does, for sparse and one-hot targets', async () => {
  const x = values(24 * 4, 51), w = values(4 * 3, 52), b = values(3, 53);
  const labels = values(24, 54, 0, 3, true);
  const oneHot = labels.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
  const classWeight = { 0: 1, 1: 4, 2: 0.5 };
  for (const [loss, y, shape] of [['sparseCategoricalCrossentropy', labels, [24]], ['categoricalCrossentropy', oneHot, [24, 3]]] as const) {
    const fit = async (T: typeof ck | typeof tf, cw: typeof classWeight | undefined): Promise<{ loss: number[]; kernel: Float32Array }> => {
      const L = T.layers as typeof tf.layers;
      const model = (T.sequential as typeof tf.sequential)({ layers: [L.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
      model.setWeights([(T.tensor2d as typeof tf.tensor2d)(w, [4, 3]), (T.tensor1d as typeof tf.tensor1d)(b)]);
      model.compile({ optimizer: (T.train as typeof tf.train).sgd(0.3), loss });
      const h = await model.fit((T.tensor2d as typeof tf.tensor2d)(x, [24, 4]), (T.tensor as typeof tf.tensor)(y, [...shape]), { epochs: 3, batchSize: 8, shuffle: false, verbose: 0, classWeight: cw });
      return { loss: h.history.loss as number[], kernel: Float32Array.from(model.getWeights()[0].dataSync()) };
    };
    const ours = await fit(ck, classWeight), theirs = await fit(tf, classWeight), plain = await fit(ck, undefined);
    compare(`classWeight ${loss}: loss per epoch`, () => ck.tensor(ours.loss), () => tf.tensor(theirs.loss), [], 2e-6);
    compare(`classWeight ${loss}: kernel`, () => ck.tensor(ours.kernel), () => tf.tensor(theirs.kernel), [], 2e-6);
    assert.ok(Math.abs(ours.loss[0] - plain.loss[0]) > 1e-3, 'the weights change the loss');
  }
  const model = ck.sequential({ layers: [ck.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] })] });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  await assert.rejects(model.fit(ck.tensor2d(x, [24, 4]), ck.tensor1d(labels), { classWeight: { 0: 1, 1: 2 }, verbose: 0 }), /classWeight must contain all classes in the training data. The class 2 exists/);
  await assert.rejects(model.fit(ck.tensor2d(x, [24, 4]), ck.tensor1d(labels), { classWeight: { a: 1 } as never, verbose: 0 }), /classWeight keys must be class indices/);
});

test('CustomCallback and onYield: hooks from an object, called as tfjs calls them', async () => {
  const seen: string[] = [];
  const cb = new ck.CustomCallback({
    onTrainBegin: () => void seen.push('trainBegin'),
    onEpochEnd: (epoch, logs) => void seen.push(`epochEnd ${epoch} ${typeof logs?.loss}`),
    onYield: (epoch, batch, logs) => void seen.push(`yield ${epoch} ${batch >= 0} ${typeof logs.loss}`),
  });
  assert.throws(() => new ck.CustomCallback({ onEpochEnds: () => {} } as never), /unknown hook 'onEpochEnds'/);
  const model = ck.sequential({ layers: [ck.layers.dense({ units: 1, inputShape: [4] })] });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const n = 2000;
  // Enough single-sample batches that the loop yields (every 50 ms) at least once, in whichever epoch.
  await model.fit(ck.randomNormal([n, 4]), ck.randomNormal([n, 1]), { epochs: 2, batchSize: 1, verbose: 0, callbacks: [cb] });
  assert.equal(seen[0], 'trainBegin');
  assert.deepEqual(seen.filter((s) => s.startsWith('epochEnd')), ['epochEnd 0 number', 'epochEnd 1 number']);
  assert.ok(seen.some((s) => /^yield [01] true number$/.test(s)), `onYield runs with the running logs: ${seen.slice(0, 5).join('; ')}`);
});

test("callbacks' params as tfjs gives them (setParams before onTrainBegin): the same keys and values; metrics name the logs", async () => {
  const seen: Record<string, unknown>[] = [];
  const theirs: Record<string, unknown>[] = [];
  const xs = values(10 * 3, 5);
  const ys = Array.from({ length: 10 }, (_, i) => [i % 2, 1 - (i % 2)]).flat();
  const mine = ck.sequential({ layers: [ck.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
  mine.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const ref = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
  ref.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  for (const validationSplit of [0, 0.3]) {
    await mine.fit(ck.tensor(xs, [10, 3]), ck.tensor(ys, [10, 2]), { epochs: 2, batchSize: 4, verbose: 0, validationSplit: validationSplit || undefined, callbacks: { setParams: (p: Record<string, unknown>) => void seen.push(p) } });
    await ref.fit(tf.tensor(xs, [10, 3]), tf.tensor(ys, [10, 2]), { epochs: 2, batchSize: 4, verbose: 0, validationSplit, callbacks: [new (class extends tf.Callback { override async onTrainBegin() { theirs.push({ ...this.params }); } })()] });
  }
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(Object.keys(seen[i]).sort(), Object.keys(theirs[i]).sort(), 'the same keys');
    // tfjs logs the 'accuracy' metric as 'acc'; cnnkit as Keras does, 'accuracy' (../shared tfjs notes).
    const tfjsMetrics = (theirs[i].metrics as string[]).map((m) => m.replace(/(^|_)acc$/, '$1accuracy'));
    for (const k of Object.keys(theirs[i])) assert.deepEqual(seen[i][k], k === 'metrics' ? tfjsMetrics : theirs[i][k], `params.${k}`);
  }
});

test('compile metrics by name and as functions: fit and evaluate log what tfjs logs (epoch and validation means of batch means)', async () => {
  const xs = values(10 * 3, 7), vx = values(6 * 3, 8);
  const onehot = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => [(i * k) % 3 === 0 ? 1 : 0, (i * k) % 3 === 1 ? 1 : 0, (i * k) % 3 === 2 ? 1 : 0]).flat();
  const ys = onehot(10, 1), vy = onehot(6, 2);
  const meanProb = (t: ck.Tensor, p: ck.Tensor): ck.Tensor => ck.mean(ck.mul(t, p), -1);
  const meanProbTf = (t: tf.Tensor, p: tf.Tensor): tf.Tensor => tf.mean(tf.mul(t, p), -1);
  Object.defineProperty(meanProb, 'name', { value: 'meanProb' });
  Object.defineProperty(meanProbTf, 'name', { value: 'meanProb' });
  const names = ['accuracy', 'mae', 'mse', 'categoricalCrossentropy', 'mape'];
  for (const [loss, activation] of [['categoricalCrossentropy', 'softmax'], ['meanSquaredError', 'sigmoid']] as const) {
    const mine = ck.sequential({ layers: [ck.layers.dense({ units: 3, activation, inputShape: [3] })] });
    mine.compile({ optimizer: ck.train.sgd(0.3), loss, metrics: [...names, meanProb] });
    const ref = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation, inputShape: [3] })] });
    ref.compile({ optimizer: tf.train.sgd(0.3), loss, metrics: [...names, meanProbTf] });
    ref.setWeights(mine.getWeights().map((w) => tf.tensor(w.dataSync() as Float32Array, [...w.shape])));
    const fitArgs = { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 as const };
    const h = await mine.fit(ck.tensor(xs, [10, 3]), ck.tensor(ys, [10, 3]), { ...fitArgs, validationData: [ck.tensor(vx, [6, 3]), ck.tensor(vy, [6, 3])] });
    const t = await ref.fit(tf.tensor(xs, [10, 3]), tf.tensor(ys, [10, 3]), { ...fitArgs, validationData: [tf.tensor(vx, [6, 3]), tf.tensor(vy, [6, 3])] });
    const logged = ['loss', ...names, 'meanProb'];
    assert.deepEqual(Object.keys(h.history).sort(), [...logged, ...logged.map((n) => `val_${n}`)].sort());
    for (const key of Object.keys(h.history)) {
      const theirs = t.history[key.replace(/(^|_)accuracy$/, '$1acc')] as number[];
      h.history[key].forEach((v, e) => assert.ok(Math.abs(v - theirs[e]) < 2e-5 * Math.max(1, Math.abs(theirs[e])), `${loss}: ${key} at epoch ${e}: ${v} vs tfjs ${theirs[e]}`));
    }
    const ev = mine.evaluate(ck.tensor(vx, [6, 3]), ck.tensor(vy, [6, 3]), { batchSize: 4 }) as ck.Tensor[];
    const evTf = ref.evaluate(tf.tensor(vx, [6, 3]), tf.tensor(vy, [6, 3]), { batchSize: 4 }) as tf.Scalar[];
    assert.equal(ev.length, logged.length);
    ev.forEach((v, i) => assert.ok(Math.abs(v.dataSync()[0] - evTf[i].dataSync()[0]) < 2e-5 * Math.max(1, Math.abs(evTf[i].dataSync()[0])), `${loss}: evaluate ${logged[i]}`));
  }
  // metricsNames as tfjs gives them (tfjs names 'accuracy' acc), one output and two.
  const two = (lib: typeof ck | typeof tf): unknown => {
    const L = lib.layers as typeof ck.layers;
    const input = (lib as typeof ck).input({ shape: [3] });
    const m = (lib as typeof ck).model({ inputs: input, outputs: [L.dense({ units: 2, name: 'a' }).apply(input) as ck.SymbolicTensor, L.dense({ units: 1, name: 'b' }).apply(input) as ck.SymbolicTensor] });
    m.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'meanAbsoluteError'], metrics: ['mse', 'accuracy'] });
    return m.metricsNames;
  };
  assert.deepEqual(two(ck), (two(tf) as string[]).map((n) => n.replace(/_acc$/, '_accuracy')));
  const one = ck.sequential({ layers: [ck.layers.dense({ units: 2, inputShape: [3] })] });
  assert.deepEqual(one.metricsNames, []);
  one.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae', 'accuracy'] });
  assert.deepEqual(one.metricsNames, ['loss', 'mae', 'accuracy']);
  const bad = ck.sequential({ layers: [ck.layers.dense({ units: 2, inputShape: [3] })] });
  assert.throws(() => bad.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['meanAbsolute'] }), /compile \(model '.*'\): unknown metric "meanAbsolute"/);
  // Keras's snake_case names too, logged as written.
  bad.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mean_absolute_percentage_error'] });
  const logs = await bad.fit(ck.tensor(xs, [10, 3]), ck.tensor(values(20, 9), [10, 2]), { epochs: 1, verbose: 0 });
  assert.ok(Number.isFinite(logs.history.mean_absolute_percentage_error[0]));
});

test("a tfjs program's names for 'accuracy' work: logs.acc, logs.val_acc, history.history.acc, earlyStopping on val_acc (cnnkit shows it once, as Keras's accuracy); batch logs are the batch's own, as tfjs's", async () => {
  const xs = values(12 * 3, 11);
  const ys = Array.from({ length: 12 }, (_, i) => [i % 2, 1 - (i % 2)]).flat();
  const mine = ck.sequential({ layers: [ck.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
  mine.compile({ optimizer: ck.train.sgd(0.5), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const ref = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: 'softmax', inputShape: [3] })] });
  ref.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  ref.setWeights(mine.getWeights().map((w) => tf.tensor(w.dataSync() as Float32Array, [...w.shape])));
  // Batch logs are each batch's own values, as tfjs gives them (Keras gives running means).
  const read = (into: number[][]) => ({
    onBatchEnd: (_b: number, logs?: Record<string, number>) => void into[0].push(logs?.loss ?? NaN, logs?.acc ?? NaN, logs?.size ?? NaN),
    onEpochEnd: (_e: number, logs?: Record<string, number>) => void into[1].push(logs?.acc ?? NaN, logs?.val_acc ?? NaN),
  });
  const ours: number[][] = [[], []], theirs: number[][] = [[], []];
  const args = { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 as const, validationSplit: 0.25 };
  const h = await mine.fit(ck.tensor(xs, [12, 3]), ck.tensor(ys, [12, 2]), { ...args, callbacks: read(ours) });
  const t = await ref.fit(tf.tensor(xs, [12, 3]), tf.tensor(ys, [12, 2]), { ...args, callbacks: read(theirs) });
  assert.equal(ours[0].length, 3 * 6);
  assert.equal(ours[1].length, 4);
  for (let k = 0; k < 2; k++) ours[k].forEach((v, i) => assert.ok(Math.abs(v - theirs[k][i]) < 1e-6, `${k ? 'epoch' : 'batch'} logs ${i}: ${v} vs tfjs ${theirs[k][i]}`));
  for (const key of ['acc', 'val_acc']) {
    assert.equal(h.history[key].length, 2, key);
    h.history[key].forEach((v, e) => assert.ok(Math.abs(v - (t.history[key][e] as number)) < 1e-6, `history.${key}[${e}]`));
  }
  assert.equal(h.history.acc, h.history.accuracy, 'one series, two names');
  assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  // Keras's callbacks by tfjs's name.
  const stop = ck.callbacks.earlyStopping({ monitor: 'val_acc', patience: 0, mode: 'max' });
  await mine.fit(ck.tensor(xs, [12, 3]), ck.tensor(ys, [12, 2]), { ...args, epochs: 30, callbacks: [stop] });
  assert.ok(stop.stoppedEpoch >= 0 && stop.stoppedEpoch < 29, `earlyStopping read val_acc (stopped at ${stop.stoppedEpoch})`);
});
