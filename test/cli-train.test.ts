/**
 * `cnnkit train` on an image folder the test writes (CIFAR-10 pictures from the shared archive as
 * PNG and JPEG when it is present, else generated pictures), run in-process: accuracy well above
 * chance, the tutorial's outputs with the folder's class names, the class names and input size
 * carried through the saved model to `cnnkit predict` (and to real TensorFlow.js), photos shaped
 * for predict exactly as for training, and bad options refused with their names.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';
import { main } from '../src/cli/program.js';
import type { Io } from '../src/cli/common.js';
import * as recipes from '../src/applications/recipes.js';
import { pngSize, reportReferences } from '../src/viz/index.js';
import { cifarPictures, generated, writePicture, type Picture } from './helpers/image-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-train-'));
process.env.XDG_CACHE_HOME = join(tmp, 'cache'); // the decoded-image cache stays in the test's folder
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Three CIFAR-10 classes that differ in colour and shape: airplane, frog, truck. */
const CIFAR_CLASSES = [0, 6, 9];
const NAMES = ['aeroplanes', 'frogs', 'lorries'];
const PER_CLASS = 120;
const folder = join(tmp, 'photos');
const out = join(tmp, 'run');
let heldOutPicture: Picture;

/** An Io that records what the command prints. */
function capture(): Io & { stdout: () => string; stderr: () => string } {
  let o = '', e = '';
  return {
    out: (s) => void (o += s), err: (s) => void (e += s), isTTY: false, color: false, env: { ...process.env, NO_COLOR: '1' }, columns: 80,
    stdout: () => o, stderr: () => e,
  };
}

async function cnnkit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await main(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

before(async () => {
  const cifar = cifarPictures(2000);
  console.log(`cnnkit train tests use ${cifar ? 'CIFAR-10 pictures from the shared archive' : 'generated pictures (no shared archive)'}`);
  for (let c = 0; c < NAMES.length; c++) {
    const pics = cifar
      ? cifar.pictures.filter((_, i) => cifar.labels[i] === CIFAR_CLASSES[c]).slice(0, PER_CLASS)
      : Array.from({ length: PER_CLASS }, (_, i) => generated(c, i, 40, 36));
    assert.equal(pics.length, PER_CLASS);
    for (const [i, p] of pics.entries()) await writePicture(join(folder, NAMES[c], `${i}.${i % 2 ? 'jpg' : 'png'}`), p, i % 2 ? 'jpeg' : 'png');
  }
  heldOutPicture = cifar ? cifar.pictures[cifar.labels.findIndex((l) => l === 6)] : generated(1, 1000, 40, 36);
});

test('cnnkit train --data FOLDER: trains above chance and writes the report with the class names', { timeout: 10 * 60_000 }, async () => {
  const r = await cnnkit(['train', '--data', folder, '--epochs', '8', '--seed', '3', '--out', out, '--no-preview']);
  assert.equal(r.code, 0, `exit status; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  assert.match(r.stdout, /Found 360 files belonging to 3 classes/);
  assert.match(r.stdout, /288 training and 72 validation images of 32x32, 3 classes: aeroplanes, frogs, lorries/);
  assert.match(r.stdout, /Total params:/);
  const acc = Number(/validation accuracy: (\d\.\d{4})/.exec(r.stdout)?.[1]);
  assert.ok(acc > 0.6, `validation accuracy ${acc} (chance is 0.33)`);

  for (const name of ['samples.png', 'accuracy.png', 'loss.png', 'confusion.png']) assert.ok(pngSize(readFileSync(join(out, name))), `${name} is a PNG`);
  const perClass = JSON.parse(readFileSync(join(out, 'per-class.json'), 'utf8')) as { classes: { name: string; support: number }[] };
  assert.deepEqual(perClass.classes.map((c) => c.name), NAMES);
  assert.equal(perClass.classes.reduce((s, c) => s + c.support, 0), 72);
  assert.match(readFileSync(join(out, 'confusion.svg'), 'utf8'), /lorries/);
  const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { history: Record<string, number[]> };
  assert.equal(history.history.val_accuracy.length, 8);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /aeroplanes, frogs, lorries/);
  assert.match(html, /<h2>Validation set<\/h2>/, 'the held-out images are named a validation set');
  assert.match(html, /validation accuracy<b>/);
  assert.doesNotMatch(html, /Test set|test accuracy/);
  for (const ref of reportReferences(html)) assert.ok(existsSync(join(out, ref)), `report.html links ${ref}`);
  assert.ok(!existsSync(join(out, 'backup')), 'the backup is removed once every output is written');

  const json = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')) as { userDefinedMetadata: Record<string, unknown> };
  assert.deepEqual(json.userDefinedMetadata, { classNames: NAMES, imageSize: [32, 32], colorMode: 'rgb', interpolation: 'bilinear', cropToAspectRatio: false, recipe: 'tutorial' });
});

test('the class names and input size go through save -> predict; photos are shaped as in training', { timeout: 5 * 60_000 }, async () => {
  // A photo of another size and aspect ratio, as a user would have.
  const big: Picture = { width: 72, height: 56, rgb: new Uint8Array(72 * 56 * 3) };
  for (let y = 0; y < 56; y++) for (let x = 0; x < 72; x++) for (let c = 0; c < 3; c++)
    big.rgb[(y * 72 + x) * 3 + c] = heldOutPicture.rgb[(Math.floor((y * 32) / 56) * 32 + Math.floor((x * 32) / 72)) * 3 + c];
  const photo = join(tmp, 'photo.jpg');
  await writePicture(photo, big, 'jpeg');
  const r = await cnnkit(['predict', '--model', join(out, 'model'), '--top', '3', photo]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /^\s+\d\. /.test(l));
  assert.equal(lines.length, 3);
  const printed = new Map(lines.map((l) => {
    const m = /^\s+\d\. (\S+)\s+([\d.]+)%$/.exec(l)!;
    return [m[1], Number(m[2]) / 100];
  }));
  assert.deepEqual([...printed.keys()].sort(), [...NAMES].sort(), 'the folder\'s class names, not "class 0"');

  // The same photo read by the training pipeline (a one-class folder), predicted by the saved model.
  const one = join(tmp, 'one');
  mkdirSync(join(one, 'x'), { recursive: true });
  writeFileSync(join(one, 'x', 'photo.jpg'), readFileSync(photo));
  const arr = await ck.data.loadImageFolder(one, { imageSize: [32, 32], cache: false, verbose: false });
  const model = await ck.loadLayersModel(`file://${join(out, 'model', 'model.json')}`);
  const probs = (model.predict(ck.tensor(arr.images, [1, 32, 32, 3], 'uint8'), { rescale: 1 / 255 }) as ck.Tensor).dataSync();
  NAMES.forEach((n, i) => assert.ok(Math.abs(printed.get(n)! - probs[i]) < 0.0006, `${n}: printed ${printed.get(n)}, pipeline ${probs[i]}`));
});

test('real TensorFlow.js loads the saved model with its metadata and predicts alike', async () => {
  const json = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const bin = readFileSync(join(out, 'model', json.weightsManifest[0].paths[0]));
  const artifacts = tf.io.getModelArtifactsForJSONSync(json, json.weightsManifest[0].weights, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const meta = tfModel.getUserDefinedMetadata() as { classNames: string[]; imageSize: number[] };
  assert.deepEqual(meta.classNames, NAMES);
  assert.deepEqual(meta.imageSize, [32, 32]);
  const ours = await ck.loadLayersModel(`file://${join(out, 'model', 'model.json')}`);
  assert.deepEqual(ours.getUserDefinedMetadata(), tfModel.getUserDefinedMetadata());
  const x = Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => ((i * 7919) % 255) / 255);
  const a = (tfModel.predict(tf.tensor(x, [2, 32, 32, 3])) as tf.Tensor).dataSync();
  const b = (ours.predict(ck.tensor(x, [2, 32, 32, 3])) as ck.Tensor).dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `output ${i}: tfjs ${a[i]}, cnnkit ${b[i]}`);
});

test("cnnkit train --recipe fast: trains, saves, and its model predicts the recipe's way", { timeout: 5 * 60_000 }, async () => {
  const fastOut = join(tmp, 'run-fast');
  const r = await cnnkit(['train', '--data', folder, '--recipe', 'fast', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--seed', '1', '--out', fastOut, '--no-preview']);
  assert.equal(r.code, 0, `exit status; stderr:\n${r.stderr}\nstdout:\n${r.stdout}`);
  const loss = Number(/validation loss: (\d+\.\d{4})/.exec(r.stdout)?.[1]);
  const acc = Number(/validation accuracy: (\d\.\d{4})/.exec(r.stdout)?.[1]);
  assert.ok(loss > 0 && loss < 5 && acc >= 0 && acc <= 1, `validation loss ${loss}, accuracy ${acc}`);
  const json = JSON.parse(readFileSync(join(fastOut, 'model', 'model.json'), 'utf8')) as { userDefinedMetadata: Record<string, unknown> };
  assert.equal(json.userDefinedMetadata.recipe, 'fast');
  // cnnkit predict gives the recipe's probabilities (0-255 pixels in, softmax of the averaged views).
  const photo = join(tmp, 'fast-photo.png');
  await writePicture(photo, heldOutPicture, 'png');
  const p = await cnnkit(['predict', '--model', join(fastOut, 'model'), '--top', '3', photo]);
  assert.equal(p.code, 0, p.stderr);
  const printed = new Map(p.stdout.split('\n').filter((l) => /^\s+\d\. /.test(l)).map((l) => {
    const m = /^\s+\d\. (\S+)\s+([\d.]+)%$/.exec(l)!;
    return [m[1], Number(m[2]) / 100];
  }));
  assert.equal(printed.size, 3);
  const one = join(tmp, 'fast-one');
  mkdirSync(join(one, 'x'), { recursive: true });
  writeFileSync(join(one, 'x', 'photo.png'), readFileSync(photo));
  const arr = await ck.data.loadImageFolder(one, { imageSize: [16, 16], cache: false, verbose: false });
  const model = await ck.loadLayersModel(`file://${join(fastOut, 'model', 'model.json')}`);
  const probs = ck.recipes.get('fast').predict(model, ck.Tensor.host([1, 16, 16, 3], arr.images)).dataSync();
  NAMES.forEach((n, i) => assert.ok(Math.abs(printed.get(n)! - probs[i]) < 0.0006, `${n}: printed ${printed.get(n)}, the recipe's predict ${probs[i]}`));
});

test('bad options are refused with their names before anything is written', async () => {
  const fresh = join(tmp, 'never');
  const refuse = async (args: string[], pattern: RegExp, code: number) => {
    const r = await cnnkit(['train', ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  };
  const unknown = 'no-such-recipe';
  await refuse(['--data', folder, '--out', fresh, '--recipe', unknown], new RegExp(`--recipe: no recipe named "${unknown}"\\. Available: ${recipes.names().join(', ')}`), 1);
  if (!recipes.names().includes('fast')) await refuse(['--data', folder, '--out', fresh, '--recipe', 'fast'], /--recipe: no recipe named "fast"\. Available: tutorial/, 1);
  await refuse(['--out', fresh], /required option '--data <path>'/, 2);
  await refuse(['--data', folder, '--out', fresh, '--validation-split', '1.5'], /--validation-split.*'1\.5'.*fraction between 0 and 1/, 2);
  await refuse(['--data', folder, '--out', fresh, '--image-size', '3'], /--image-size.*'3'.*sides from 8 to 1024/, 2);
  await refuse(['--data', folder, '--out', fresh, '--epochs', '0'], /--epochs/, 2);
  await refuse(['--data', join(tmp, 'nowhere'), '--out', fresh], /--data .*nowhere: no such file or folder/, 1);
  const empty = join(tmp, 'empty-class');
  mkdirSync(join(empty, 'a'), { recursive: true });
  await refuse(['--data', empty, '--out', fresh], /empty-class\/a: class folder holds no images/, 1);
  assert.ok(!existsSync(join(fresh, 'model')), 'nothing was trained');
});

test('with a CIFAR-10 archive, --image-size and --validation-split are refused by name', async (t) => {
  const archive = join(process.cwd(), '../shared/cifar10/cifar-10-binary.tar.gz');
  if (!existsSync(archive)) {
    t.skip(`CIFAR-10 archive not found at ${archive}`);
    return;
  }
  for (const [opt, value, pattern] of [['--image-size', '64', /--image-size: CIFAR-10 images are 32x32/], ['--validation-split', '0.1', /--validation-split: CIFAR-10 comes with its own test set/]] as const) {
    const r = await cnnkit(['train', '--data', archive, '--out', join(tmp, 'cifar'), opt, value]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
});

test('a run killed after training resumes with --resume and the same options; other options are refused, naming them', { timeout: 5 * 60_000 }, async () => {
  const dir = join(tmp, 'interrupted');
  const args = ['train', '--data', folder, '--epochs', '2', '--seed', '5', '--out', dir, '--no-preview'];
  mkdirSync(join(dir, 'report.html'), { recursive: true }); // the last write fails: training is backed up
  const killed = await cnnkit(args);
  assert.equal(killed.code, 1, killed.stdout);
  assert.ok(existsSync(join(dir, 'backup', 'latest', 'model.json')), 'the backup is kept until every output is written');
  const other = await cnnkit([...args, '--resume', '--image-size', '24', '--validation-split', '0.25']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /--resume: the backup in .*interrupted\/backup was written by a run with other options: --image-size 32x32 in the backup, 24x24 now, --validation-split 0\.2 in the backup, 0\.25 now, --data \(other images/);
  rmSync(join(dir, 'report.html'), { recursive: true });
  const same = await cnnkit([...args, '--resume']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /The backup holds all 2 epochs: training is complete; going on with evaluation and saving/);
  assert.ok(existsSync(join(dir, 'report.html')) && !existsSync(join(dir, 'backup')));
});

test('evaluate refuses a model of other classes than CIFAR-10\'s, naming them, before reading any data', async () => {
  const r = await cnnkit(['evaluate', '--model', join(out, 'model'), '--data', join(tmp, 'no-such-archive.tar.gz')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /--model .*: the model classifies aeroplanes, frogs, lorries, not CIFAR-10's classes/);
});

test('without --seed a run draws one, keeps it with its backup, and --resume goes on with it; --seed on resume is refused, naming the drawn seed', { timeout: 5 * 60_000 }, async () => {
  const dir = join(tmp, 'drawn-seed');
  const args = ['train', '--data', folder, '--epochs', '2', '--out', dir, '--no-preview'];
  mkdirSync(join(dir, 'report.html'), { recursive: true }); // the last write fails: training is backed up
  const killed = await cnnkit(args);
  assert.equal(killed.code, 1, killed.stdout);
  const drawn = /Seed (\d+) \(drawn; --seed \1 repeats this run\)/.exec(killed.stdout);
  assert.ok(drawn, killed.stdout.slice(0, 2000));
  const withSeed = await cnnkit([...args, '--resume', '--seed', '1']);
  assert.equal(withSeed.code, 1);
  assert.match(withSeed.stderr, /--seed not given in the backup, 1 now/);
  assert.match(withSeed.stderr, new RegExp(`the seed drawn without --seed: ${drawn[1]} in the backup \\(resume without --seed to go on from it\\)`));
  rmSync(join(dir, 'report.html'), { recursive: true });
  const resumed = await cnnkit([...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`Seed ${drawn[1]} \\(drawn by the run in the backup; --seed ${drawn[1]} repeats this run\\)`));
  assert.match(resumed.stdout, /The backup holds all 2 epochs: training is complete/);
});
