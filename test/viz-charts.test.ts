import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracySpec, argmaxRows, confusionMatrix, confusionSpec, historyCsv, lossSpec, misclassified, perClassAccuracy,
  perClassCsv, pngSize, renderChart, supportsTrueColor, terminalPreview, vegaLiteToSvg,
} from '../src/viz/index.js';

const history = {
  loss: [1.5, 1.1, 0.9], accuracy: [0.45, 0.6, 0.7], val_loss: [1.2, 1.0, 0.95], val_accuracy: [0.55, 0.63, 0.68],
};
const names = ['airplane', 'automobile', 'bird'];

test('accuracy chart: SVG with two lines, the legend and the 0.5-1 range', async () => {
  const spec = accuracySpec({ accuracy: [0.6, 0.7], val_accuracy: [0.55, 0.65] });
  assert.deepEqual((spec.encoding as { y: { scale: { domain: number[] } } }).y.scale.domain, [0.5, 1]);
  const svg = await vegaLiteToSvg(spec);
  assert.match(svg, /^<svg /);
  assert.equal((svg.match(/aria-roledescription="line mark"[^>]*stroke="#1f77b4"/g) ?? []).length, 1);
  assert.equal((svg.match(/aria-roledescription="line mark"[^>]*stroke="#ff7f0e"/g) ?? []).length, 1);
  assert.equal((svg.match(/aria-label="Epoch: \d; Accuracy: [^"]*; series: val_accuracy"/g) ?? []).length >= 2, true);
  for (const label of ['accuracy', 'val_accuracy', 'Epoch']) assert.ok(svg.includes(`>${label}<`), label);
  assert.match(svg, />0\.50?</, 'y axis starts at 0.5');
  assert.match(svg, />1\.00?</, 'y axis ends at 1');
});

test('accuracy chart extends below 0.5 rather than hiding points', () => {
  const spec = accuracySpec(history);
  assert.deepEqual((spec.encoding as { y: { scale: { domain: number[] } } }).y.scale.domain, [0.4, 1]);
});

test('loss chart renders to SVG and PNG', async () => {
  const { svg, png } = await renderChart(lossSpec(history));
  assert.ok(svg.includes('>val_loss<') && svg.includes('>Loss<'));
  const size = pngSize(png);
  assert.ok(size && size.width > 400 && size.height > 200, JSON.stringify(size));
});

test('confusion matrix, per-class accuracy and mistakes', async () => {
  const probs = [0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.1, 0.6, 0.3, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4];
  const { classes, confidence } = argmaxRows(probs, 3);
  assert.deepEqual([...classes], [0, 1, 1, 2, 2]);
  const truth = [0, 1, 2, 2, 0];
  const m = confusionMatrix(truth, classes, 3);
  assert.deepEqual(m, [[1, 0, 1], [0, 1, 0], [0, 1, 1]]);
  const pc = perClassAccuracy(m, names);
  assert.deepEqual(pc.map((r) => r.accuracy), [0.5, 1, 0.5]);
  assert.equal(pc[2].mostConfusedWith, 'automobile');
  assert.match(perClassCsv(pc), /^class,name,support,correct,accuracy,most_confused_with\n0,airplane,2,1,0\.5000,bird\n/);
  const mis = misclassified(truth, classes, confidence);
  assert.deepEqual(mis.map((x) => x.index), [2, 4]);
  const svg = await vegaLiteToSvg(confusionSpec(m, names, pc));
  assert.equal((svg.match(/role-mark[^"]*"/g) ?? []).length > 0, true);
  assert.ok(svg.includes('Confusion matrix') && svg.includes('Per-class accuracy') && svg.includes('>automobile<'));
  assert.ok((svg.match(/<path[^>]*fill="rgb/g) ?? []).length + (svg.match(/<path[^>]*fill="#/g) ?? []).length >= 9);
  assert.ok(svg.includes('>50.0%<') && svg.includes('>100.0%<'));
});

test('history CSV: one row per epoch, Keras column order', () => {
  assert.equal(historyCsv(history).split('\n')[0], 'epoch,loss,accuracy,val_loss,val_accuracy');
  assert.equal(historyCsv(history).split('\n')[3], '3,0.9,0.7,0.95,0.68');
});

test('terminal preview: truecolour half blocks only when allowed', () => {
  assert.equal(supportsTrueColor({ env: { COLORTERM: 'truecolor' }, isTTY: true }), true);
  assert.equal(supportsTrueColor({ env: { COLORTERM: '24bit' }, isTTY: true }), true);
  assert.equal(supportsTrueColor({ env: { COLORTERM: 'truecolor', NO_COLOR: '1' }, isTTY: true }), false);
  assert.equal(supportsTrueColor({ env: { COLORTERM: 'truecolor' }, isTTY: false }), false);
  assert.equal(supportsTrueColor({ env: {}, isTTY: true }), false);
  const img = new Uint8Array(2 * 32 * 32 * 3);
  img.fill(200, 0, 3072); // image 0 light grey; image 1 black
  const out = terminalPreview(img, [0, 1], { size: 8, captions: ['cat', 'dog'] });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 5); // 8 px tall = 4 text lines, then the captions
  assert.ok(lines[0].includes('\x1b[38;2;200;200;200m\x1b[48;2;200;200;200m▀'));
  assert.ok(lines[0].includes('\x1b[38;2;0;0;0m'));
  assert.equal(lines[4], 'cat      dog');
});
