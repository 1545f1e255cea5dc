// A multilayer perceptron on tabular data read from a CSV file, in the style of the TensorFlow.js
// tutorials on tf.data: tf.data.csv with a label column, map to { xs, ys }, shuffle, batch, then
// model.fitDataset with validation and evaluateDataset (the file's rows come shuffled). Runs unchanged on TensorFlow.js or
// cnnkit: only the import line differs.
// usage: node tabular-mlp.mjs FILE.csv
import * as tf from '@tensorflow/tfjs';

const file = process.argv[2];
const print = (what, values) => console.log(JSON.stringify({ what, values }));
const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

// Columns by name; `species` (0, 1, 2) is the label.
const csv = tf.data.csv(`file://${file}`, { columnConfigs: { species: { isLabel: true } } });
print('columns', [(await csv.columnNames()).length]);
const toTensors = ({ xs, ys }) => ({ xs: Object.values(xs), ys: tf.oneHot(ys.species, 3) });
const all = csv.map(toTensors);
const train = all.take(120).batch(16);
const test = all.skip(120).batch(30);

const model = tf.sequential();
model.add(tf.layers.dense({ units: 10, activation: 'relu', inputShape: [features.length], kernelInitializer: 'ones', biasInitializer: 'zeros' }));
model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.constant({ value: 0.1 }) }));
// Initial weights that both libraries agree on (no random initializer involved).
const [k0, b0, k1, b1] = model.getWeights();
model.setWeights([
  tf.tensor2d(Array.from({ length: k0.size }, (_, i) => ((i * 37) % 17) / 17 - 0.5), k0.shape), b0,
  tf.tensor2d(Array.from({ length: k1.size }, (_, i) => ((i * 11) % 13) / 13 - 0.5), k1.shape), b1,
]);
model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

const losses = [];
await model.fitDataset(train, {
  epochs: 8,
  validationData: test,
  callbacks: { onEpochEnd: (epoch, logs) => losses.push(logs.loss) },
});
print('loss per epoch', losses);
const [loss, acc] = await model.evaluateDataset(test);
print('evaluate', [(await loss.data())[0], (await acc.data())[0]]);
const sample = await test.take(1).toArray();
print('predicted classes', Array.from(await model.predict(sample[0].xs).argMax(-1).data()));
