import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { pngSize, reportReferences } from '../src/viz/index.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const ARCHIVE = join(process.cwd(), '../shared/cifar10/cifar-10-binary.tar.gz');

function cnnkit(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CNNKIT_DEBUG: '1' }, timeout: 15 * 60_000, maxBuffer: 64 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cnnkit tutorial --limit 500 --epochs 1 writes every output, all valid', { timeout: 20 * 60_000 }, (t) => {
  if (!existsSync(ARCHIVE)) {
    const reason = `CIFAR-10 archive not found at ${ARCHIVE}`;
    console.log(`skipped: ${reason}`);
    t.skip(reason);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'cnnkit-tutorial-'));
  try {
    const r = cnnkit(['tutorial', '--limit', '500', '--epochs', '1', '--seed', '7', '--data', ARCHIVE, '--out', out]);
    assert.equal(r.code, 0, `exit status; stderr:\n${r.stderr}`);
    assert.match(r.stdout, /Using 500 training and 100 test images/);
    assert.match(r.stdout, /Total params: 122,570/);
    assert.match(r.stdout, /Epoch 1\/1/);
    assert.match(r.stdout, /16\/16 \[=+\]/);
    assert.match(r.stdout, /test loss: \d+\.\d{4}/);
    assert.match(r.stdout, /test accuracy: 0\.\d{4}/);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'NO_COLOR: no escape codes');

    const pngs: Record<string, [number, number]> = {
      'samples.png': [600, 600], 'accuracy.png': [400, 300], 'loss.png': [400, 300],
      'confusion.png': [800, 400], 'misclassified.png': [400, 400],
    };
    for (const [name, [minW, minH]] of Object.entries(pngs)) {
      const size = pngSize(readFileSync(join(out, name)));
      assert.ok(size, `${name} is a PNG`);
      assert.ok(size.width >= minW && size.height >= minH, `${name} is ${size.width}x${size.height}`);
    }
    for (const name of ['accuracy.svg', 'loss.svg', 'confusion.svg']) {
      const svg = readFileSync(join(out, name), 'utf8');
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, name);
      assert.ok(svg.trimEnd().endsWith('</svg>'), name);
    }
    assert.match(readFileSync(join(out, 'accuracy.svg'), 'utf8'), /aria-roledescription="line mark"/);

    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { history: Record<string, number[]> };
    for (const k of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      assert.equal(history.history[k]?.length, 1, k);
      assert.ok(Number.isFinite(history.history[k][0]), k);
    }
    const csv = readFileSync(join(out, 'history.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(csv[0], 'epoch,loss,accuracy,val_loss,val_accuracy');
    assert.equal(csv.length, 2);

    const perClass = JSON.parse(readFileSync(join(out, 'per-class.json'), 'utf8')) as {
      classes: { name: string; support: number; accuracy: number }[]; confusionMatrix: number[][];
    };
    assert.equal(perClass.classes.length, 10);
    assert.equal(perClass.classes.reduce((a, c) => a + c.support, 0), 100);
    assert.equal(perClass.confusionMatrix.flat().reduce((a, b) => a + b, 0), 100);
    assert.equal(readFileSync(join(out, 'per-class.csv'), 'utf8').trimEnd().split('\n').length, 11);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    const refs = reportReferences(html);
    for (const f of ['samples.png', 'accuracy.svg', 'loss.svg', 'confusion.svg', 'misclassified.png', 'history.json']) {
      assert.ok(refs.includes(f), `report.html shows ${f}`);
    }
    for (const ref of refs) assert.ok(existsSync(join(out, ref)), `report.html references ${ref}, which exists`);

    assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('.')), [], 'no temporary files left');

    const modelJson = JSON.parse(readFileSync(join(out, 'model', 'model.json'), 'utf8')) as { modelTopology?: unknown; weightsManifest?: unknown };
    assert.ok(modelJson.modelTopology && modelJson.weightsManifest, 'model/model.json is a layers model');
    assert.ok(refs.includes('model/'), 'report.html links the saved model');
    assert.match(r.stdout, /Saved the trained model to model\//);
    assert.ok(!existsSync(join(out, 'backup')), 'the epoch backup is removed after a completed run');
    const ev = cnnkit(['evaluate', '--model', join(out, 'model'), '--data', ARCHIVE, '--limit', '100']);
    assert.equal(ev.code, 0, ev.stderr);
    assert.match(ev.stdout, /test accuracy: 0\.\d{4}/);
    const photo = Buffer.alloc(64 * 48 * 4);
    for (let i = 0; i < photo.length; i += 4) photo.set([(i / 4) % 64 * 4, 120, 200 - ((i / 4) % 48), 255], i);
    writeFileSync(join(out, 'photo.jpg'), jpeg.encode({ data: photo, width: 64, height: 48 }, 90).data);
    const pr = cnnkit(['predict', '--model', join(out, 'model'), join(out, 'samples.png'), join(out, 'photo.jpg')]);
    assert.equal(pr.code, 0, pr.stderr);
    assert.match(pr.stdout, /samples\.png\n {2}1\. \w+ +\d+\.\d%\n {2}2\. \w+ +\d+\.\d%\n {2}3\. /);
    assert.match(pr.stdout, /photo\.jpg\n {2}1\. \w+ +\d+\.\d%\n/);
    const ex = cnnkit(['export', '--model', join(out, 'model'), '--onnx', join(out, 'model.onnx')]);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /Wrote .*model\.onnx \([\d,]+ bytes\)/);
    // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
    assert.equal(readFileSync(join(out, 'model.onnx'))[0], 0x08);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('cnnkit tutorial --resume: a run killed in epoch 2 ends with the weights of an uninterrupted run', { timeout: 20 * 60_000 }, async (t) => {
  if (!existsSync(ARCHIVE)) {
    t.skip(`CIFAR-10 archive not found at ${ARCHIVE}`);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'cnnkit-resume-'));
  const args = (out: string) => ['tutorial', '--limit', '1000', '--epochs', '3', '--seed', '3', '--data', ARCHIVE, '--out', join(root, out), '--no-preview'];
  try {
    assert.equal(cnnkit(args('whole')).code, 0);
    // Kill the second run with SIGKILL as soon as epoch 2 starts (epoch 1 is backed up by then);
    // 1,000 images make an epoch long enough (~0.3 s on a fast engine) for the kill to land in it.
    const child = spawn(process.execPath, [MAIN, ...args('killed')], { env: { ...process.env, NO_COLOR: '1' } });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('Epoch 2/3')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`not killed: ${seen.slice(-500)}`))));
    });
    assert.ok(existsSync(join(root, 'killed', 'backup')), 'a backup exists after the kill');
    const resumed = cnnkit([...args('killed'), '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /Resuming from the backup: epoch 2 of 3/);
    assert.doesNotMatch(resumed.stdout, /Epoch 1\/3/);
    assert.deepEqual(readFileSync(join(root, 'killed', 'model', 'group1-shard1of1.bin')), readFileSync(join(root, 'whole', 'model', 'group1-shard1of1.bin')));
    const h = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'history.json'), 'utf8')) as { history: Record<string, number[]> };
    assert.deepEqual(h('killed').history, h('whole').history);
    assert.equal(h('killed').history.loss.length, 3);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
