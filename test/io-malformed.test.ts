/**
 * Damaged and hostile model files: each gives one DataError naming the file and the fault, and no
 * model. Nothing in a file is executed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ck from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-malformed-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

ck.setBackendSync('reference');
ck.clearSession();
const good = join(tmp, 'good');
{
  const m = ck.sequential({ name: 'small' });
  m.add(ck.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1], activation: 'relu' }));
  m.add(ck.layers.flatten());
  m.add(ck.layers.dense({ units: 3, activation: 'softmax' }));
  await m.save(`file://${good}`);
}
const goodJson = readFileSync(join(good, 'model.json'), 'utf8');
const goodBin = readFileSync(join(good, 'group1-shard1of1.bin'));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let n = 0;
/** A copy of the good model with `edit` applied; returns its model.json path. */
function variant(edit: (dir: string, json: Json) => Json | string | void): string {
  const dir = join(tmp, `case${n++}`);
  cpSync(good, dir, { recursive: true });
  const json = JSON.parse(goodJson) as Json;
  const r = edit(dir, json);
  if (r !== undefined) writeFileSync(join(dir, 'model.json'), typeof r === 'string' ? r : JSON.stringify(r));
  return join(dir, 'model.json');
}

const cases: [string, (dir: string, j: Json) => Json | string | void, RegExp][] = [
  ['truncated weights file', (d) => writeFileSync(join(d, 'group1-shard1of1.bin'), goodBin.subarray(0, goodBin.byteLength - 6)), /group1-shard1of1\.bin has \d+ bytes but the manifest's 4 weights need \d+ bytes \(truncated\)/],
  ['weights file with extra bytes', (d) => writeFileSync(join(d, 'group1-shard1of1.bin'), Buffer.concat([goodBin, Buffer.alloc(8)])), /\(extra bytes\)/],
  ['missing weights file', (d) => rmSync(join(d, 'group1-shard1of1.bin')), /weights file 'group1-shard1of1\.bin' named in the manifest does not exist/],
  ['non-JSON model.json', () => goodJson.slice(0, 40), /not valid JSON/],
  ['model.json that is not an object', () => '[1, 2]', /expected a JSON object with modelTopology and weightsManifest/],
  ['missing modelTopology', (_d, j) => ({ ...j, modelTopology: undefined }), /'modelTopology' is missing/],
  ['missing weightsManifest', (_d, j) => ({ ...j, weightsManifest: undefined }), /'weightsManifest' must be an array/],
  ['graph-model format', (_d, j) => ({ ...j, format: 'graph-model' }), /format "graph-model" is not a layers model/],
  ['unknown layer class', (_d, j) => (j.modelTopology.config.layers[1].class_name = 'LSTM', j), /class 'LSTM', which cnnkit does not support\. Supported classes: (\w+, )*Conv2D, (\w+, )*Dense.* \(custom layers: register them with ck\.serialization\.registerClass\)/],
  ['graph model whose layers list no calls', (_d, j) => (j.modelTopology.class_name = 'Model', j), /layer 0 \('conv2d', Conv2D\): inbound_nodes must be a list of calls/],
  ['unknown model class', (_d, j) => (j.modelTopology.class_name = 'Graph', j), /cnnkit loads models of class Sequential, Model and Functional\. Received a model of class "Graph"/],
  ['manifest shape differs from the layer', (_d, j) => (j.weightsManifest[0].weights[0].shape = [3, 3, 2, 1], j), /weight 'conv2d\/kernel' has shape \[3,3,2,1\] in the manifest but the layer needs \[3,3,1,2\]/],
  ['topology differs from the weights', (_d, j) => (j.modelTopology.config.layers[0].config.filters = 4, j), /weight 'conv2d\/kernel' has shape \[3,3,1,2\] in the manifest but the layer needs \[3,3,1,4\]/],
  ['weight missing from the manifest', (d, j) => {
    const w = j.weightsManifest[0].weights;
    j.weightsManifest[0].weights = w.slice(0, 3);
    writeFileSync(join(d, 'group1-shard1of1.bin'), goodBin.subarray(0, goodBin.byteLength - 12));
    return j;
  }, /weight 'dense\/bias' of the model is missing from the weights manifest/],
  ['weight listed twice', (_d, j) => (j.weightsManifest[0].weights[1].name = 'conv2d/kernel', j), /weight 'conv2d\/kernel' is listed twice/],
  ['unknown dtype', (_d, j) => (j.weightsManifest[0].weights[0].dtype = 'float16', j), /dtype "float16"; expected one of float32, int32/],
  ['negative dimension', (_d, j) => (j.weightsManifest[0].weights[0].shape = [3, -3, 1, 2], j), /has an invalid shape/],
  ['NaN in the weights', (d) => {
    const b = Buffer.from(goodBin);
    b.writeFloatLE(NaN, 8);
    writeFileSync(join(d, 'group1-shard1of1.bin'), b);
  }, /weight 'conv2d\/kernel' holds a non-finite value \(NaN\) at index 2/],
  ['path outside the folder (..)', (_d, j) => (j.weightsManifest[0].paths = ['../good/group1-shard1of1.bin'], j), /points outside the model's folder/],
  ['absolute path', (_d, j) => (j.weightsManifest[0].paths = ['/etc/hostname'], j), /points outside the model's folder/],
  ['URL path', (_d, j) => (j.weightsManifest[0].paths = ['http://localhost/w.bin'], j), /points outside the model's folder/],
  ['symbolic link leading outside', (d, j) => {
    mkdirSync(join(tmp, 'elsewhere'), { recursive: true });
    writeFileSync(join(tmp, 'elsewhere', 'w.bin'), goodBin);
    symlinkSync(join(tmp, 'elsewhere', 'w.bin'), join(d, 'link.bin'));
    j.weightsManifest[0].paths = ['link.bin'];
    return j;
  }, /weights path 'link\.bin' resolves outside the model's folder/],
  ['bad layer config value', (_d, j) => (j.modelTopology.config.layers[0].config.kernel_size = 'big', j), /layer 0 \('conv2d', Conv2D\): kernelSize must be a positive integer or a tuple of 2 positive integers\. Received kernelSize="big"/],
  ['activation given as code', (_d, j) => (j.modelTopology.config.layers[2].config.activation = 'function () { process.exit(3) }', j), /unknown activation 'function \(\) \{ process\.exit\(3\) \}'/],
  ['unsupported padding', (_d, j) => (j.modelTopology.config.layers[0].config.padding = 'causal', j), /padding must be 'valid' or 'same'/],
  ['layer far larger than its weights (no huge allocation)', (_d, j) => (j.modelTopology.config.layers[2].config.units = 2e9, j), /layer 2 \('dense', Dense\): the layers need more weights \(\d+ values so far\) than the weights manifest holds \(\d+\)/],
  ['the same shard listed 5,000 times', (_d, j) => (j.weightsManifest[0].paths = new Array(5000).fill('group1-shard1of1.bin'), j), /weights file 'group1-shard1of1\.bin' is listed more than once in the weights manifest/],
  ['a 2 GB sparse shard where the manifest needs a few hundred bytes', (d) => truncateSync(join(d, 'group1-shard1of1.bin'), 2 ** 31 - 8), /group1-shard1of1\.bin has 2147483640 bytes but the manifest's 4 weights need \d+ bytes \(extra bytes\)/],
  ['a weights file that is a folder', (d) => {
    rmSync(join(d, 'group1-shard1of1.bin'));
    mkdirSync(join(d, 'group1-shard1of1.bin'));
  }, /weights file 'group1-shard1of1\.bin' is a folder, not a regular file/],
  ['a model.json of 600,001 empty objects in an array (half a gigabyte once parsed, at 16 MB)', () => `[${'{},'.repeat(600_000)}{}]`, /holds 600002 objects and arrays and 600000 values, more than a model\.json has \(at most 524288 and 2097152\); refusing to parse it/],
  ['quantized weights', (_d, j) => (j.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 }, j), /is quantized/],
];

for (const [name, edit, pattern] of cases) {
  test(`malformed model: ${name}`, async (t) => {
    const file = variant(edit);
    await assert.rejects(ck.loadLayersModel(`file://${file}`), (e: Error) => {
      t.diagnostic(`${e.name}: ${e.message.replace(tmp, '…')}`);
      assert.ok(e instanceof ck.DataError, `expected a DataError, got ${e.name}: ${e.message}`);
      assert.ok(e.message.includes(file), `the message names the file: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  });
}

test('shard sizes are checked before reading: a 2 GB sparse shard costs no memory', async () => {
  const file = variant((d) => truncateSync(join(d, 'group1-shard1of1.bin'), 2 ** 31 - 8));
  const rss = process.memoryUsage().rss;
  const t0 = performance.now();
  await assert.rejects(ck.loadLayersModel(file), /\(extra bytes\)/);
  assert.ok(performance.now() - t0 < 2000, 'refused at once');
  assert.ok(process.memoryUsage().rss - rss < 100e6, `RSS grew ${((process.memoryUsage().rss - rss) / 1e6).toFixed(0)} MB`);
});

test('a model.json that leads elsewhere is not echoed; one that is a FIFO is refused without waiting', async () => {
  const secret = join(tmp, 'passwd');
  writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
  const dir = join(tmp, 'linked');
  mkdirSync(dir);
  symlinkSync(secret, join(dir, 'model.json'));
  await assert.rejects(ck.loadLayersModel(join(dir, 'model.json')), (e: Error) => {
    assert.match(e.message, /linked\/model\.json: not valid JSON \(it does not start with '\{' or '\['\)$/);
    assert.doesNotMatch(e.message, /root/);
    return true;
  });
  writeFileSync(join(dir, 'other.json'), '{"modelTopology": {"a": tru');
  await assert.rejects(ck.loadLayersModel(join(dir, 'other.json')), /other\.json: not valid JSON \((it ends in the middle of a value|a syntax error at character \d+)\)$/);
  const fifoDir = join(tmp, 'fifo');
  mkdirSync(fifoDir);
  assert.equal(spawnSync('mkfifo', [join(fifoDir, 'model.json')]).status, 0);
  await assert.rejects(ck.loadLayersModel(fifoDir), /fifo\/model\.json: is a FIFO \(named pipe\), not a regular file; expected a model file/);
});

test('malformed model: no model.json at the path', async () => {
  await assert.rejects(ck.loadLayersModel(join(tmp, 'nothing', 'model.json')), /nothing\/model\.json: no such model file/);
});

test('a __proto__ key in a config pollutes nothing and is refused by name', async () => {
  const file = variant((_d, j) => {
    const text = JSON.stringify(j).replace('"filters":2', '"filters":2,"__proto__":{"polluted":true}');
    return text;
  });
  await assert.rejects(ck.loadLayersModel(file), /layer 0 \('conv2d', Conv2D\): config key '__proto__' is not supported\. Supported keys: name, .*kernel_size/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('config keys a layer does not honour are refused, in the file\'s spelling', async () => {
  const file = variant((_d, j) => ((j.modelTopology.config.layers[0].config.dilation_rate = [2, 2]), (j.modelTopology.config.layers[0].config.strides = [2, 2]), j));
  await assert.rejects(ck.loadLayersModel(file), /layer 0 \('conv2d', Conv2D\): strides and dilationRate cannot both exceed 1 \(TensorFlow's rule\)\. Received strides=\[2,2\], dilationRate=\[2,2\]/);
  const file2 = variant((_d, j) => (j.modelTopology.config.layers[2].config.kernel_regularizer = { class_name: 'L3', config: { l3: 0.01 } }, j));
  await assert.rejects(ck.loadLayersModel(file2), /layer 2 \('dense', Dense\): kernelRegularizer: unknown regularizer class 'L3'\. Registered classes: L1L2, L1, L2/);
  const file3 = variant((_d, j) => (j.modelTopology.config.layers[2].config.kernel_initializer = { class_name: 'Orthogonal', config: { gain: 1, scale: 2 } }, j));
  await assert.rejects(ck.loadLayersModel(file3), /layer 2 \('dense', Dense\): kernelInitializer: Orthogonal initializer: unknown argument 'scale'\. Supported: gain, seed/);
  const file4 = variant((_d, j) => (j.modelTopology.config.layers[0].config.data_format = 'channels_first', j));
  await assert.rejects(ck.loadLayersModel(file4), /layer 0 \('conv2d', Conv2D\): dataFormat must be 'channelsLast'/);
});

test('loading leaves the seeded random stream as it was', async () => {
  ck.setSeed(77);
  const before = ck.globalRandom.getState();
  await ck.loadLayersModel(join(good, 'model.json'));
  assert.deepEqual(ck.globalRandom.getState(), before);
});

test('InputLayer entries (as Keras writes them) give the input shape', async () => {
  const file = variant((_d, j) => {
    const layers = j.modelTopology.config.layers;
    delete layers[0].config.batch_input_shape;
    layers.unshift({ class_name: 'InputLayer', config: { batch_input_shape: [null, 5, 5, 1], dtype: 'float32', sparse: false, name: 'input_1' } });
    return j;
  });
  const m = await ck.loadLayersModel(file);
  assert.deepEqual(m.inputShape, [null, 5, 5, 1]);
});

test('browserFiles: loads from picked files; a missing shard names the file', async () => {
  const json = new File([goodJson], 'model.json');
  const bin = new File([goodBin], 'group1-shard1of1.bin');
  const m = await ck.loadLayersModel(ck.io.browserFiles([json, bin]));
  assert.equal(m.name, 'small');
  await assert.rejects(ck.loadLayersModel(ck.io.browserFiles([json])), (e: Error) => e instanceof ck.DataError && /model\.json: the manifest names weights file 'group1-shard1of1\.bin' but it was not among the files given/.test(e.message));
  const short = new File([goodBin.subarray(0, 10)], 'group1-shard1of1.bin');
  await assert.rejects(ck.loadLayersModel(ck.io.browserFiles([json, short])), /truncated/);
});

test('fromMemory: weight data shorter than the specs', async () => {
  const saver = ck.io.memorySaver();
  const m = await ck.loadLayersModel(join(good, 'model.json'));
  await m.save(saver);
  const a = saver.artifacts as ck.io.ModelArtifacts;
  await assert.rejects(
    ck.loadLayersModel(ck.io.fromMemory({ ...a, weightData: (a.weightData as ArrayBuffer).slice(0, 16) })),
    /model in memory: weight data has 16 bytes but the manifest's 4 weights need \d+ bytes \(truncated\)/,
  );
});
