/**
 * Checkpoints: a training run killed with SIGKILL mid-epoch and started again with the same
 * command ends with the same weights, bit for bit, as an uninterrupted run; modelCheckpoint saves
 * every epoch or only improvements.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ck from '../src/index.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'io-child.js');
const env = { ...process.env, CNNKIT_IO_CHILD: '1' };
const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-resume-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the child to completion. */
function run(args: string[]): string {
  const r = spawnSync(process.execPath, [child, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return r.stdout;
}

/** Starts the child and SIGKILLs it when it prints `marker` after `after`; resolves to its output. */
function runAndKill(args: string[], after: string, marker: string): Promise<{ out: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, ...args], { env });
    let out = '';
    let armed = false;
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      out += d;
      for (const line of d.split('\n')) {
        if (line === after) armed = true;
        else if (armed && line === marker && p.exitCode === null) p.kill('SIGKILL');
      }
    });
    p.on('error', reject);
    p.on('close', (_code, signal) => resolve({ out, signal }));
  });
}

test('SIGKILL mid-epoch, then the same command: resumes from the last completed epoch, final weights bit-identical', async (t) => {
  const full = join(tmp, 'full');
  const fullOut = run(['train', join(tmp, 'backup-full'), full]);
  assert.match(fullOut, /^start epoch 0$/m);

  const backup = join(tmp, 'backup-killed');
  const resumed = join(tmp, 'resumed');
  const cmd = ['train', backup, resumed];
  const killed = await runAndKill(cmd, 'epoch 2', 'batch 2');
  assert.equal(killed.signal, 'SIGKILL');
  assert.doesNotMatch(killed.out, /done/);
  const meta = JSON.parse(readFileSync(join(backup, 'latest', 'model.json'), 'utf8')).userDefinedMetadata.cnnkitBackup;
  const lastBatch = killed.out.trim().split('\n').pop();
  t.diagnostic(`killed during epoch 3 of 4 (after '${lastBatch}' of its 6 batches); backup holds epoch index ${meta.epoch}`);
  assert.equal(meta.epoch, 1);

  const again = run(cmd);
  assert.match(again, /^start epoch 2$/m);
  assert.doesNotMatch(again, /^epoch [01]$/m);
  assert.ok(!existsSync(join(backup, 'latest')), 'the backup is removed after a completed run');

  const a = readFileSync(`${full}.bin`), b = readFileSync(`${resumed}.bin`);
  assert.ok(a.byteLength > 0 && a.equals(b), 'final weights differ');
  const ha = JSON.parse(readFileSync(`${full}.json`, 'utf8')), hb = JSON.parse(readFileSync(`${resumed}.json`, 'utf8'));
  assert.deepEqual(hb, ha, 'history (all 4 epochs), iterations');
  assert.deepEqual(hb.epoch, [0, 1, 2, 3]);
  t.diagnostic(`final weights: ${a.byteLength} bytes, identical; history ${JSON.stringify(hb.history.loss.map((v: number) => +v.toFixed(4)))}`);
});

test('modelCheckpoint: every epoch with {epoch} in the path, or only when val_loss improves', async () => {
  ck.setBackendSync('reference');
  ck.setSeed(5);
  ck.clearSession();
  const model = ck.sequential();
  model.add(ck.layers.dense({ units: 3, activation: 'softmax', inputShape: [2] }));
  model.compile({ optimizer: ck.train.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
  const x = ck.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]), y = ck.tensor([0, 1, 2, 0]);
  const every = ck.callbacks.modelCheckpoint({ filepath: `file://${join(tmp, 'ckpt', 'epoch-{epoch:02d}')}`, monitor: 'loss' });
  const best = ck.callbacks.modelCheckpoint({ filepath: join(tmp, 'best'), monitor: 'val_loss', saveBestOnly: true });
  const vals: number[] = [];
  await model.fit(x, y, {
    epochs: 4, batchSize: 4, verbose: 0, validationData: [x, y],
    callbacks: [every, best, { onEpochEnd: (_e, logs) => void vals.push(logs?.val_loss as number) }],
  });
  assert.deepEqual(readdirSync(join(tmp, 'ckpt')).sort(), ['epoch-01', 'epoch-02', 'epoch-03', 'epoch-04']);
  const improvements = vals.filter((v, i) => vals.slice(0, i).every((p) => v < p)).length;
  assert.equal(best.saved.length, improvements);
  const loaded = await ck.loadLayersModel(`file://${join(tmp, 'best', 'model.json')}`);
  assert.equal(loaded.layers[0].name, model.layers[0].name);
  assert.throws(() => ck.callbacks.modelCheckpoint({ filepath: '' }), ck.ValueError);
});

test('backupAndRestore refuses a backup that does not fit the model', async () => {
  ck.setBackendSync('reference');
  const dir = join(tmp, 'misfit');
  const make = (units: number): ck.Sequential => {
    ck.clearSession();
    const m = ck.sequential();
    m.add(ck.layers.dense({ units, inputShape: [2] }));
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    return m;
  };
  const x = ck.tensor([[0, 1]]);
  await make(2).fit(x, ck.tensor([[1, 1]]), { epochs: 1, verbose: 0, callbacks: [ck.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false })] });
  await assert.rejects(
    make(3).fit(x, ck.tensor([[1, 1, 1]]), { epochs: 2, verbose: 0, callbacks: [ck.callbacks.backupAndRestore({ backupDir: dir })] }),
    (e: Error) => e instanceof ck.DataError && /does not fit this model/.test(e.message) && e.message.includes('model.json'),
  );
});
