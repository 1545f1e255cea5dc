/**
 * Checkpoints: a training run killed with SIGKILL mid-epoch and started again with the same
 * command ends with the same weights, bit for bit, as an uninterrupted run; modelCheckpoint saves
 * every epoch or only improvements.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

/** A tiny compiled model and data for the backup tests. */
function tinyRun(): { model: ck.Sequential; x: ck.Tensor; y: ck.Tensor } {
  ck.setBackendSync('reference');
  ck.setSeed(11);
  ck.clearSession();
  const model = ck.sequential();
  model.add(ck.layers.dense({ units: 3, activation: 'softmax', inputShape: [2] }));
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  return { model, x: ck.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]), y: ck.tensor([0, 1, 2, 0]) };
}

/** Trains `epochs` epochs with a kept backup in `dir`; returns the callback. */
async function trainWithBackup(dir: string, epochs: number, runConfig?: Record<string, number | string | null>): Promise<ReturnType<typeof ck.callbacks.backupAndRestore>> {
  const { model, x, y } = tinyRun();
  const backup = ck.callbacks.backupAndRestore({ backupDir: dir, deleteCheckpoint: false, runConfig });
  await model.fit(x, y, { epochs, batchSize: 2, verbose: 0, callbacks: [backup] });
  return backup;
}

test('a backup whose save was killed between its two renames (only the set-aside folder left) is restored', async () => {
  const dir = join(tmp, 'aside');
  await trainWithBackup(dir, 2);
  renameSync(join(dir, 'latest'), ck.io.asideDir(join(dir, 'latest')));
  const again = await trainWithBackup(dir, 3);
  assert.equal(again.restoredEpoch, 2, 'went on from the set-aside backup of epoch 2');
});

test('a half-deleted backup (model.json or weights file gone) reads as no backup: training starts afresh and says why', async () => {
  for (const gone of ['model.json', 'group1-shard1of1.bin']) {
    const dir = join(tmp, `half-${gone}`);
    await trainWithBackup(dir, 2);
    rmSync(join(dir, 'latest', gone));
    const again = await trainWithBackup(dir, 2);
    assert.equal(again.restoredEpoch, -1, gone);
    assert.match(again.discarded ?? '', /the backup in .* is incomplete \(.*(holds no model\.json|weights file .*group1-shard1of1\.bin is gone).*, as after an interrupted deletion\)/, gone);
  }
});

test('backupAndRestore with runConfig: a backup of other settings is refused, naming each difference', async () => {
  const dir = join(tmp, 'settings');
  await trainWithBackup(dir, 1, { seed: 3, limit: 1000, data: 'sha256:aa' });
  await assert.rejects(trainWithBackup(dir, 2, { seed: 4, limit: 1000, data: 'sha256:bb' }), (e: Error) => {
    assert.ok(e instanceof ck.BackupMismatchError && e instanceof ck.ValueError, e.name);
    assert.deepEqual(e.differences.map((d) => d.key), ['seed', 'data']);
    assert.match(e.message, /model\.json: the backup was written by a run with other settings \(seed: 3 in the backup, 4 now; data: "sha256:aa" in the backup, "sha256:bb" now\); use the same settings, or remove .*settings to start afresh/);
    return true;
  });
  assert.equal((await trainWithBackup(dir, 2, { seed: 3, limit: 1000, data: 'sha256:aa' })).restoredEpoch, 1, 'the same settings resume');
  assert.throws(() => ck.callbacks.backupAndRestore({ backupDir: dir, runConfig: { seed: [1] } as never }), /runConfig must map names to strings, numbers, booleans or null/);
});
