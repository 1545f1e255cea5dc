// A small image classifier trained on image files, in the style of the TensorFlow.js for Node
// tutorials: decode each file with tf.node.decodeImage, resize and scale, train a CNN with
// model.fit, evaluate, predict. Usage: node image-classifier.mjs DATA_DIR, where DATA_DIR holds
// one folder of PNG/JPEG/BMP images per class.
// Runs unchanged on tfjs-node or cnnkit: only the import line differs.
import * as tf from '@tensorflow/tfjs-node';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.argv[2];
const IMAGE_SIZE = 16;
const classNames = readdirSync(dataDir).sort();

function loadImage(path) {
  return tf.tidy(() => {
    const image = tf.node.decodeImage(readFileSync(path), 3);
    return tf.image.resizeBilinear(image, [IMAGE_SIZE, IMAGE_SIZE]).div(255);
  });
}

const images = [];
const labels = [];
classNames.forEach((name, label) => {
  for (const file of readdirSync(join(dataDir, name)).sort()) {
    images.push(loadImage(join(dataDir, name, file)));
    labels.push(label);
  }
});
const xs = tf.stack(images);
const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), classNames.length).toFloat();
tf.dispose(images);

const model = tf.sequential();
model.add(tf.layers.conv2d({ inputShape: [IMAGE_SIZE, IMAGE_SIZE, 3], filters: 4, kernelSize: 3, activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: classNames.length, activation: 'softmax' }));

// Start from the same weights in both libraries (a seeded generator instead of random initializers).
let seed = 7;
const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 4294967296 - 0.5) * 0.5;
model.setWeights(model.getWeights().map((w) => tf.tensor(Array.from({ length: w.size }, random), w.shape)));

model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const history = await model.fit(xs, ys, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 });
const print = (what, values) => console.log(JSON.stringify({ what, values }));
print('loss per epoch', history.history.loss);
print('accuracy per epoch', history.history.acc ?? history.history.accuracy);
const [evalLoss, evalAcc] = model.evaluate(xs, ys);
print('evaluate', [evalLoss.dataSync()[0], evalAcc.dataSync()[0]]);
const probs = model.predict(xs);
print('predicted classes', Array.from(probs.argMax(-1).dataSync()));
print('probabilities of the first image', Array.from(probs.slice([0, 0], [1, -1]).dataSync()));
