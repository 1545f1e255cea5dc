// Fitting a curve to synthetic data, in the style of the TensorFlow.js tutorial: a cubic
// y = a·x³ + b·x² + c·x + d learned with optimizer.minimize in a custom training loop.
// Runs unchanged on TensorFlow.js or cnnkit: only the import line differs.
import * as tf from '@tensorflow/tfjs';

// A small seeded generator, so both libraries see the same data and starting point.
let seed = 42;
function random() {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
}

function generateData(numPoints, coeff, sigma = 0.04) {
  return tf.tidy(() => {
    const [a, b, c, d] = [tf.scalar(coeff.a), tf.scalar(coeff.b), tf.scalar(coeff.c), tf.scalar(coeff.d)];
    const xs = tf.tensor1d(Array.from({ length: numPoints }, () => random() * 2 - 1));
    const three = tf.scalar(3, 'int32');
    const ys = a.mul(xs.pow(three)).add(b.mul(xs.square())).add(c.mul(xs)).add(d)
      // Noise from the Box–Muller transform of the same generator.
      .add(tf.tensor1d(Array.from({ length: numPoints }, () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) * sigma)));
    // Normalize the y values to the range 0 to 1.
    const ymin = ys.min();
    const ymax = ys.max();
    const yrange = ymax.sub(ymin);
    const ysNormalized = ys.sub(ymin).div(yrange);
    return { xs, ys: ysNormalized };
  });
}

const a = tf.variable(tf.scalar(random()));
const b = tf.variable(tf.scalar(random()));
const c = tf.variable(tf.scalar(random()));
const d = tf.variable(tf.scalar(random()));

function predict(x) {
  // y = a * x ^ 3 + b * x ^ 2 + c * x + d
  return tf.tidy(() => a.mul(x.pow(tf.scalar(3, 'int32'))).add(b.mul(x.square())).add(c.mul(x)).add(d));
}

function loss(prediction, labels) {
  return prediction.sub(labels).square().mean();
}

const trueCoefficients = { a: -0.8, b: -0.2, c: 0.9, d: 0.5 };
const trainingData = generateData(100, trueCoefficients);
const print = (what, values) => console.log(JSON.stringify({ what, values }));

// Train with SGD, as the tutorial does.
const optimizer = tf.train.sgd(0.5);
for (let iter = 0; iter < 75; iter++) {
  const cost = optimizer.minimize(() => loss(predict(trainingData.xs), trainingData.ys), iter % 25 === 24);
  if (cost) {
    print(`loss after ${iter + 1} steps`, [cost.dataSync()[0]]);
    cost.dispose();
  }
  await tf.nextFrame();
}
print('coefficients (sgd)', [a, b, c, d].map((v) => v.dataSync()[0]));

// Keep going with Adam and the gradients by hand: variableGrads + applyGradients.
const adam = tf.train.adam(0.02);
for (let iter = 0; iter < 50; iter++) {
  const { value, grads } = tf.variableGrads(() => loss(predict(trainingData.xs), trainingData.ys));
  adam.applyGradients(grads);
  if (iter === 49) print('loss (adam)', [value.dataSync()[0]]);
  tf.dispose([value, grads]);
}
print('coefficients (adam)', [a, b, c, d].map((v) => v.dataSync()[0]));
print('predictions at -1, 0, 1', Array.from(tf.tidy(() => predict(tf.tensor1d([-1, 0, 1]))).dataSync()));
