/**
 * TensorFlow.js (pure-JS CPU backend) on the tutorial CNN, in its own process. It is slow (about
 * one image per second when training), so it runs a couple of batches. Prints one JSON object.
 * usage: node dist/bench/engines/tfjs.js train|predict BATCH SECONDS
 */
import * as tf from '@tensorflow/tfjs';

const [mode = 'train', batchArg = '32', secondsArg = '5'] = process.argv.slice(2);
const batch = Number(batchArg), seconds = Number(secondsArg);

await tf.setBackend('cpu');
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [32, 32, 3] }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const x = tf.randomUniform([batch, 32, 32, 3]);
const y = tf.randomUniform([batch], 0, 10, 'int32').cast('float32');

async function once(): Promise<void> {
  if (mode === 'train') await model.trainOnBatch(x, y);
  else (model.predict(x) as tf.Tensor).dispose();
}

await once(); // warm-up
let images = 0;
const start = performance.now();
// At least two batches, however long they take.
while (images < 2 * batch || performance.now() - start < seconds * 1000) {
  await once();
  images += batch;
}
const elapsed = (performance.now() - start) / 1000;
console.log(JSON.stringify({ engine: 'tfjs-cpu', mode, batch, imagesPerSecond: images / elapsed, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
