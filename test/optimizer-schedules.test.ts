/**
 * Learning-rate schedules, weight decay (decoupled and L2), parameter groups and AdamW: golden
 * values from the formulas and from PyTorch 1.13 (its OneCycleLR, SGD and AdamW on the same
 * numbers), and real tfjs where tfjs has the optimizer (AdamW without decay is tfjs's Adam).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { tf } from './helpers/tfjs-compare.js';
import { Random } from '../src/tensor/random.js';

await tf.setBackend('cpu');
ck.setBackendSync('reference');
const S = ck.train.schedules;

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** Applies the gradients in turn to a fresh [1, −2] and returns the values. */
function run(opt: ck.Optimizer, grads: number[][]): Float32Array {
  const p = ck.tensor([1, -2]);
  for (const g of grads) opt.applyGradients([p], [ck.tensor(g)]);
  return p.dataSync() as Float32Array;
}
const GRADS = [[0.3, 0.1], [0.2, -0.4], [-0.1, 0.05]];

test('schedules: piecewise linear, cosine (Keras), one-cycle (PyTorch), warm-up', () => {
  const tri = S.piecewiseLinear([0, 4, 10], [0.2, 1, 0.1]);
  close([0, 2, 4, 7, 10, 50].map(tri), [0.2, 0.6, 1, 0.55, 0.1, 0.1], 1e-12, 'piecewiseLinear');
  const cos = S.cosine({ initialLearningRate: 0.1, decaySteps: 10, alpha: 0.1 });
  close([0, 5, 10, 20].map(cos), [0.1, 0.1 * (0.9 * 0.5 + 0.1), 0.01, 0.01], 1e-12, 'cosine');
  const warmCos = S.cosine({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4 });
  close([0, 2, 4, 9, 14].map(warmCos), [0, 0.5, 1, 0.5, 0], 1e-12, 'cosine warm-up');
  // PyTorch OneCycleLR(max_lr=1, total_steps=10, pct_start=0.3), the rate of each of its 10 steps.
  const torch = [0.04, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893, 0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-6];
  close(Array.from({ length: 10 }, (_, i) => S.oneCycle({ maxLearningRate: 1, totalSteps: 10 })(i)), torch, 1e-12, 'oneCycle');
  const warm = S.warmup(S.piecewiseLinear([0, 10], [1, 0]), { warmupSteps: 4 });
  close([0, 1, 4, 9, 14].map(warm), [0, 0.25, 1, 0.5, 0], 1e-12, 'warmup');
  assert.throws(() => S.piecewiseLinear([0, 5, 5], [1, 2, 3]), /steps\[2\] must be non-negative and increasing/);
  assert.throws(() => S.cosine({ initialLearningRate: 1, decaySteps: 10, warmupSteps: 3 }), /warmupSteps needs warmupTarget/);
  assert.throws(() => S.oneCycle({ maxLearningRate: 1, totalSteps: 10, pct: 0.2 } as unknown as ck.LearningRateSchedule['config'] & { maxLearningRate: number; totalSteps: number }), /pct/);
});

test('schedules are saved as { className, config } and rebuilt with the same rates; a plain function is not', () => {
  const all = [
    S.piecewiseLinear([0, 4, 10], [0.2, 1, 0.1]),
    S.cosine({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 4, alpha: 0.05 }),
    S.oneCycle({ maxLearningRate: 1, totalSteps: 10, pctStart: 0.25, annealStrategy: 'linear' }),
    S.constant(0.3),
    S.warmup(S.warmup(S.cosine({ initialLearningRate: 0.1, decaySteps: 7 }), { warmupSteps: 2, initialLearningRate: 0.05 }), { warmupSteps: 3 }),
  ];
  for (const sched of all) {
    const saved = S.scheduleConfig(sched);
    assert.ok(saved, sched.className);
    const back = S.scheduleFromConfig(JSON.parse(JSON.stringify(saved)));
    assert.equal(back.className, sched.className);
    for (let i = 0; i < 20; i++) assert.equal(back(i), sched(i), `${sched.className} at step ${i}`);
  }
  const plain = Object.assign((step: number) => 0.1 / (step + 1), { className: 'Mine', config: {} });
  assert.equal(S.scheduleConfig(plain), null);
  assert.equal(S.scheduleConfig(S.warmup(plain, { warmupSteps: 2 })), null, 'a warm-up before a plain function');
  assert.throws(() => S.scheduleFromConfig({ className: 'Mine', config: {} }), /not one of PiecewiseLinear, CosineDecay, OneCycle, Constant, Warmup/);
  assert.throws(() => S.scheduleFromConfig({ className: 'CosineDecay', config: { initialLearningRate: 1 } }), /decaySteps must be a positive number/);
});

test('SGD evaluates its schedule at every update (step 0 first)', () => {
  const steps: number[] = [];
  const sched = Object.assign((s: number) => (steps.push(s), 0.1 * (s + 1)), { className: 'Test', config: {} });
  const p = run(ck.train.sgd({ learningRate: sched }), GRADS);
  assert.deepEqual(steps.slice(1), [0, 1, 2]); // steps[0]: the constructor reads the first rate
  close(p, [1 - 0.1 * 0.3 - 0.2 * 0.2 + 0.3 * 0.1, -2 - 0.1 * 0.1 + 0.2 * 0.4 - 0.3 * 0.05], 1e-6, 'sgd schedule');
});

test('SGD weight decay: l2 equals PyTorch SGD(weight_decay), decoupled equals p·(1 − lr·wd) then the step', () => {
  // torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.5), same gradients.
  const l2 = run(ck.train.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.5, weightDecayMode: 'l2' }), GRADS);
  close(l2, [0.5116351842880249, -1.200657844543457], 1e-6, 'l2');
  let p = [1, -2], v = [0, 0];
  for (const g of GRADS) {
    p = p.map((x) => x * (1 - 0.1 * 0.5));
    v = v.map((vi, i) => 0.9 * vi - 0.1 * g[i]);
    p = p.map((x, i) => x + v[i]);
  }
  close(run(ck.train.sgd({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.5 }), GRADS), p, 1e-6, 'decoupled');
  assert.throws(() => ck.train.sgd({ weightDecay: -1 }), /weightDecay must be a non-negative number/);
  assert.throws(() => ck.train.sgd({ weightDecay: 1, weightDecayMode: 'coupled' as 'l2' }), /weightDecayMode must be 'decoupled' or 'l2'/);
});

test('AdamW is tfjs Adam after shrinking p by (1 − lr·wd) each step, and agrees with PyTorch AdamW', async () => {
  const ours = run(ck.train.adamw({ learningRate: 0.1, weightDecay: 0.5 }), GRADS);
  const v = tf.variable(tf.tensor([1, -2]));
  const opt = tf.train.adam(0.1);
  for (const g of GRADS) {
    v.assign(v.mul(1 - 0.1 * 0.5));
    opt.applyGradients([{ name: v.name, tensor: tf.tensor(g) }]);
  }
  close(ours, await v.data(), 2e-6, 'adamw vs tfjs adam with decay'); // the tolerance of the tfjs optimizer parity tests
  // torch.optim.AdamW([p], lr=0.1, weight_decay=0.5, eps=1e-7), same gradients. tfjs (and cnnkit's
  // default epsilonMode) keep β^t as float32 products, which moves the bias corrections by ~6e-6
  // relative; PyTorch computes them in float64.
  close(ours, [0.6197524666786194, -1.716606616973877], 1e-5, 'adamw vs PyTorch');
  assert.equal(ck.train.adamw().getClassName(), 'AdamW');
  const m = ck.sequential({ layers: [ck.layers.dense({ units: 1, inputShape: [2] })] });
  m.compile({ optimizer: 'adamw', loss: 'meanSquaredError' });
  assert.ok(m.optimizer instanceof ck.AdamW);
  assert.equal(ck.train.adamw().getConfig().weight_decay, 0.004);
  assert.throws(() => new ck.AdamW({ weightDecayMode: 'l2' }), /decoupled by definition/);
});

test('paramGroup: a learning-rate factor, a decay of its own, and trainable: false', () => {
  const opt = ck.train.sgd({ learningRate: 0.1, momentum: 0.5, weightDecay: 0.2 });
  const [a, b, c] = [ck.tensor([1]), ck.tensor([1]), ck.tensor([1])];
  opt.paramGroup([b], { learningRateScale: 4, weightDecay: 0 });
  opt.paramGroup([c], { trainable: false });
  for (let i = 0; i < 2; i++) opt.applyGradients([a, b, c], [ck.tensor([1]), ck.tensor([1]), ck.tensor([1])]);
  // a: decoupled decay at lr 0.1; b: lr 0.4, no decay; c: untouched.
  let pa = 1, va = 0, pb = 1, vb = 0;
  for (let i = 0; i < 2; i++) {
    pa *= 1 - 0.1 * 0.2;
    va = 0.5 * va - 0.1;
    pa += va;
    vb = 0.5 * vb - 0.4;
    pb += vb;
  }
  close([a.dataSync()[0], b.dataSync()[0], c.dataSync()[0]], [pa, pb, 1], 1e-6, 'groups');
  opt.paramGroup([c], { trainable: true });
  opt.applyGradients([c], [ck.tensor([1])]);
  assert.ok(c.dataSync()[0] < 1, 'trainable again');
  assert.throws(() => opt.paramGroup([a], { lr: 2 } as ck.ParamOptions), /unknown option 'lr'/);
  assert.throws(() => ck.train.adagrad(0.1).paramGroup([a], { learningRateScale: 2 }), /Adagrad does not apply per-group/);
  ck.train.adagrad(0.1).paramGroup([a], { trainable: false });
});

test('paramGroup trainable: false computes no gradient for those parameters: a frozen first layer costs no input gradient after it, and training matches a Keras-frozen layer', async () => {
  const { registerBackend, setBackendSync } = await import('../src/backend/engine.js');
  const { ReferenceBackend } = await import('../src/backend/reference/index.js');
  const calls = new Map<string, number>();
  const inner = new ReferenceBackend();
  const counted = new Proxy(inner, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  registerBackend('counted', { priority: 0, create: () => counted, createSync: () => counted });
  setBackendSync('counted');
  try {
    const build = (freezeLayer: boolean): ck.Sequential => {
      ck.setSeed(11);
      const m = ck.sequential({
        layers: [
          ck.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 2], trainable: !freezeLayer }),
          ck.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }),
          ck.layers.flatten(),
          ck.layers.dense({ units: 2 }),
        ],
      });
      m.compile({ optimizer: ck.train.sgd({ learningRate: 0.1, momentum: 0.9 }), loss: ck.losses.meanSquaredError() });
      return m;
    };
    const r = new Random(5);
    const x = ck.tensor(Float32Array.from({ length: 8 * 6 * 6 * 2 }, () => r.uniform() - 0.5), [8, 6, 6, 2]);
    const y = ck.tensor(Float32Array.from({ length: 16 }, () => r.uniform()), [8, 2]);
    const grouped = build(false);
    const opt = grouped.optimizer as ck.Optimizer;
    opt.paramGroup(grouped.layers[0].trainableWeights.map((v) => v.tensor), { trainable: false });
    const first = grouped.layers[0].getWeights().map((w) => w.dataSync().slice());
    calls.clear();
    await grouped.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    assert.equal(calls.get('conv2dBackpropFilter') ?? 0, 1, 'only the second convolution has a filter gradient');
    assert.equal(calls.get('conv2dBackpropInput') ?? 0, 0, 'nothing before the second convolution trains: no input gradient');
    grouped.layers[0].getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), first[i], 'the frozen layer is unchanged'));
    const keras = build(true);
    await keras.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    grouped.layers.forEach((l, j) => l.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), keras.layers[j].getWeights()[i].dataSync(), `layer ${j} weight ${i} as with layer.trainable = false`)));
    // Back to trainable: both gradients again.
    opt.paramGroup(grouped.layers[0].trainableWeights.map((v) => v.tensor), { trainable: true });
    calls.clear();
    await grouped.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    assert.equal(calls.get('conv2dBackpropFilter') ?? 0, 2);
    assert.equal(calls.get('conv2dBackpropInput') ?? 0, 1);
    assert.ok(grouped.layers[0].trainableWeights.every((v) => v.tensor.requiresGrad), 'requiresGrad restored after the step');
  } finally {
    setBackendSync('reference');
  }
});
