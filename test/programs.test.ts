/**
 * tfjs programs run with only the import changed: each example in examples/ runs once on
 * TensorFlow.js and once with its import line pointing at cnnkit, and the numbers they print
 * must agree. (The image classifier imports tfjs-node; on the TensorFlow.js side a stand-in
 * provides `node.decodeImage`, see programs/tfjs-node-shim.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { Random } from '../src/tensor/random.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const cnnkit = pathToFileURL(join(root, 'dist/src/index.js')).href;
const shim = pathToFileURL(join(here, 'programs/tfjs-node-shim.js')).href;
const run = promisify(execFile);

interface Line {
  what: string;
  values: number[];
}

/** Writes the example with its tfjs import replaced by `target` and runs it; returns its JSON lines. */
async function runExample(name: string, from: string, target: string, tag: string, args: string[] = []): Promise<Line[]> {
  const source = readFileSync(join(root, 'examples', name), 'utf8');
  const line = `import * as tf from '${from}';`;
  assert.ok(source.includes(line), `${name} imports ${from}`);
  // Outside dist/test: node --test runs every script under a test folder.
  const dir = join(root, 'dist', 'examples-run');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace('.mjs', '')}.${tag}.mjs`);
  writeFileSync(file, source.replace(line, `import * as tf from '${target}';`));
  const { stdout } = await run(process.execPath, [file, ...args], { maxBuffer: 1 << 24, timeout: 120_000 });
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Line);
}

/** Asserts both runs printed the same lines with values within `tol` (relative above 1); returns the worst difference. */
function agree(ours: Line[], theirs: Line[], tol: number): { worst: number; table: string } {
  assert.deepEqual(ours.map((l) => l.what), theirs.map((l) => l.what));
  let worst = 0;
  const rows = ours.map((l, i) => {
    const t = theirs[i];
    assert.equal(l.values.length, t.values.length, l.what);
    const d = Math.max(0, ...l.values.map((v, k) => Math.abs(v - t.values[k]) / Math.max(1, Math.abs(t.values[k]))));
    worst = Math.max(worst, d);
    assert.ok(d <= tol, `${l.what}: cnnkit ${JSON.stringify(l.values)} vs tfjs ${JSON.stringify(t.values)}`);
    const fmt = (vs: number[]): string => vs.map((v) => (Number.isInteger(v) ? String(v) : v.toPrecision(7))).join(', ');
    return `  ${l.what}: cnnkit [${fmt(l.values)}] | tfjs [${fmt(t.values)}]`;
  });
  return { worst, table: rows.join('\n') };
}

test('polynomial regression with optimizer.minimize: cnnkit prints what TensorFlow.js prints', async (t) => {
  const [ours, theirs] = await Promise.all([
    runExample('polynomial-regression.mjs', '@tensorflow/tfjs', cnnkit, 'cnnkit'),
    runExample('polynomial-regression.mjs', '@tensorflow/tfjs', '@tensorflow/tfjs', 'tfjs'),
  ]);
  assert.equal(ours.length, 7);
  const { worst, table } = agree(ours, theirs, 1e-5);
  t.diagnostic(`worst relative difference ${worst.toExponential(2)}`);
  for (const row of table.split('\n')) t.diagnostic(row);
});

/** Two classes of 20x20 images (a bright patch top-left or bottom-right, with noise), as PNG and JPEG files. */
function writeImages(dir: string): void {
  const rng = new Random(11);
  for (const [k, cls] of ['bottom-right', 'top-left'].entries()) {
    mkdirSync(join(dir, cls));
    for (let i = 0; i < 8; i++) {
      const w = 20, h = 20, data = Buffer.alloc(w * h * 4);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const inPatch = k === 1 ? x < 10 && y < 10 : x >= 10 && y >= 10;
          for (let c = 0; c < 3; c++) data[(y * w + x) * 4 + c] = Math.min(255, (inPatch ? 170 : 40) + rng.int(60) + c * 10);
          data[(y * w + x) * 4 + 3] = 255;
        }
      if (i % 2 === 0) {
        const png = new pngjs.PNG({ width: w, height: h });
        data.copy(png.data);
        writeFileSync(join(dir, cls, `${i}.png`), pngjs.PNG.sync.write(png));
      } else writeFileSync(join(dir, cls, `${i}.jpg`), jpeg.encode({ data, width: w, height: h }, 90).data);
    }
  }
}

test('image classifier reading files with decodeImage: cnnkit trains to the numbers tfjs-node would print', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-images-'));
  try {
    writeImages(dir);
    const [ours, theirs] = await Promise.all([
      runExample('image-classifier.mjs', '@tensorflow/tfjs-node', cnnkit, 'cnnkit', [dir]),
      runExample('image-classifier.mjs', '@tensorflow/tfjs-node', shim, 'tfjs', [dir]),
    ]);
    assert.equal(ours.length, 5);
    const { worst, table } = agree(ours, theirs, 1e-4);
    t.diagnostic(`worst relative difference ${worst.toExponential(2)}`);
    for (const row of table.split('\n')) t.diagnostic(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** An iris-like table: 150 rows of four measurements and a species 0-2, rows in a seeded random order. */
function writeTable(file: string): void {
  const rng = new Random(5);
  const rows: string[] = [];
  for (let i = 0; i < 150; i++) {
    const s = i % 3;
    const m = [5 + s * 0.8, 3.4 - s * 0.35, 1.5 + s * 2.1, 0.25 + s * 0.8].map((v) => (v + (rng.int(1000) / 1000 - 0.5) * 0.8).toFixed(2));
    rows.push(`${m.join(',')},${s}`);
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  writeFileSync(file, `sepal_length,sepal_width,petal_length,petal_width,species\n${rows.join('\n')}\n`);
}

test('MLP on tabular data with tf.data.csv and fitDataset: cnnkit prints what TensorFlow.js prints', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-table-'));
  try {
    const file = join(dir, 'iris.csv');
    writeTable(file);
    const [ours, theirs] = await Promise.all([
      runExample('tabular-mlp.mjs', '@tensorflow/tfjs', cnnkit, 'cnnkit', [file]),
      runExample('tabular-mlp.mjs', '@tensorflow/tfjs', '@tensorflow/tfjs', 'tfjs', [file]),
    ]);
    assert.equal(ours.length, 4);
    const { worst, table } = agree(ours, theirs, 1e-4);
    t.diagnostic(`worst relative difference ${worst.toExponential(2)}`);
    for (const row of table.split('\n')) t.diagnostic(row);
    const acc = ours.find((l) => l.what === 'evaluate')?.values[1] ?? 0;
    assert.ok(acc > 0.8, `the MLP learns the table (test accuracy ${acc})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
