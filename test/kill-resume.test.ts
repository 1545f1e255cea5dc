/**
 * Kill-and-resume: `cnnkit tutorial` is SIGKILLed just before each file-system operation of its
 * backup saves, backup deletion, final model save, report and lock (counted by the preload
 * fixtures/fs-faults.js; a recursive deletion is also killed half-way), and at random moments;
 * then the same command with --resume must succeed (going on from the backup, or starting afresh
 * with a message saying why), end with the weights and history of an uninterrupted run, and leave
 * no temporary file, backup or lock behind. A tiny generated dataset keeps each run short.
 * CNNKIT_KILL_ALL=1 also kills before every other output file's operations; CNNKIT_KILL_POINTS=3,9
 * kills at those operations only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Random } from '../src/tensor/random.js';
import { binaryEntries, gzip, makeSet, makeTar } from './helpers/cifar-fixtures.js';
import { inPairs } from './helpers/child-processes.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const PRELOAD = join(process.cwd(), 'dist/test/fixtures/fs-faults.js');
const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-kill-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const archive = join(tmp, 'tiny-cifar.tar.gz');
writeFileSync(archive, gzip(makeTar(binaryEntries(makeSet(10, 10)))));
const EPOCHS = 2;
const args = (out: string) => ['tutorial', '--data', archive, '--out', out, '--epochs', String(EPOCHS), '--seed', '3', '--limit', '10', '--threads', '1', '--no-preview'];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the command, with the preload's settings when given; `killAfterMs` SIGKILLs it then. */
function cnnkit(argv: string[], faults?: object, killAfterMs?: number): Promise<Run> {
  const t0 = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CNNKIT_DEBUG: '1' };
  delete env.CNNKIT_FS_FAULTS;
  if (faults) env.CNNKIT_FS_FAULTS = JSON.stringify(faults);
  const p = spawn(process.execPath, ['--import', PRELOAD, MAIN, ...argv], { env });
  let stdout = '', stderr = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = killAfterMs === undefined ? null : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

const weightsOf = (out: string) => readFileSync(join(out, 'model', 'group1-shard1of1.bin'));
const historyOf = (out: string) => (JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { history: unknown }).history;

/** Entries a finished run must not leave: temporaries, set-aside folders, the backup, the lock. */
function strays(out: string): string[] {
  const top = readdirSync(out).filter((e) => e.startsWith('.') || e === 'backup');
  const model = existsSync(join(out, 'model')) ? readdirSync(join(out, 'model')).filter((e) => e !== 'model.json' && e !== 'group1-shard1of1.bin') : ['model/ missing'];
  return [...top, ...model.map((e) => `model/${e}`)];
}

const RESUMED = new RegExp(`Resuming from the backup: epoch \\d of ${EPOCHS}|The backup holds all ${EPOCHS} epochs: training is complete`);
const AFRESH = /No backup in .* to resume from: starting afresh|is incomplete \(.*\): starting afresh/;

test('SIGKILL before every backup, model, report and lock operation, and at random moments: --resume ends like an uninterrupted run', { timeout: 30 * 60_000 }, async (t) => {
  const ref = join(tmp, 'reference');
  const log = join(tmp, 'census.log');
  const whole = await cnnkit(args(ref), { root: ref, log });
  assert.equal(whole.code, 0, whole.stderr);
  assert.deepEqual(strays(ref), []);
  const ops = readFileSync(log, 'utf8').trim().split('\n').map((l) => {
    const [n, op, path, ...rest] = l.split(' ');
    return { n: Number(n), op, path, folder: rest.length > 0 };
  });
  const all = process.env.CNNKIT_KILL_ALL === '1';
  const only = process.env.CNNKIT_KILL_POINTS?.split(',').map(Number); // to rerun a few points while debugging
  const chosen = ops.filter((o) => (only ? only.includes(o.n) : all || /^(\.\.?cnnkit\.lock|\.?backup|\.?model|\.report\.html)/.test(o.path)));
  const saves = ops.filter((o) => o.op === 'rename' && /^backup\/\.latest\.tmp-/.test(o.path)).map((o) => o.n);
  const firstBackupSave = Math.min(...saves), lastBackupSave = Math.max(...saves);
  const removal = Math.max(...ops.filter((o) => o.op === 'rename' && o.path === 'backup').map((o) => o.n));
  const lastOutput = Math.max(...ops.filter((o) => !/^\.?\.?(backup|cnnkit\.lock)/.test(o.path)).map((o) => o.n));
  assert.ok(removal > lastOutput, `the backup is removed (operation ${removal}) only after every output is written (the last at ${lastOutput})`);
  const points = [...chosen.map((o) => ({ ...o, mid: false })), ...chosen.filter((o) => o.folder).map((o) => ({ ...o, mid: true }))];
  t.diagnostic(`${ops.length} counted operations in a run of ${(whole.ms / 1000).toFixed(1)} s; killing before ${chosen.length} of them and half-way through ${points.length - chosen.length} folder deletions`);

  const rng = new Random(2024);
  const randomKills = Array.from({ length: process.env.CNNKIT_KILL_POINTS ? 0 : 3 }, () => Math.round(whole.ms * (0.25 + 0.7 * rng.uniform())));
  type Outcome = { label: string; resumed: boolean; afresh: boolean; same: boolean; strays: string[] };
  const check = async (label: string, out: string, killed: Run, backed: 'none' | 'some' | 'complete' | 'unknown'): Promise<Outcome> => {
    assert.equal(killed.signal, 'SIGKILL', `${label}: the run was not killed (exit ${killed.code}): ${killed.stderr.slice(-400)}`);
    const again = await cnnkit([...args(out), '--resume']);
    assert.equal(again.code, 0, `${label}: --resume failed: ${again.stderr}`);
    const resumed = RESUMED.test(again.stdout), afresh = AFRESH.test(again.stdout);
    assert.ok(resumed !== afresh, `${label}: --resume must say it goes on from the backup or starts afresh:\n${again.stdout.slice(0, 1500)}`);
    if (backed === 'some' || backed === 'complete') assert.ok(resumed, `${label}: a backup was there (or set aside by an interrupted save): the run must go on from it:\n${again.stdout.slice(0, 1500)}`);
    if (backed === 'none') assert.ok(afresh, `${label}: no backup was there yet`);
    if (backed === 'complete') {
      assert.match(again.stdout, /training is complete; going on with evaluation and saving/, `${label}: killed after training, the resumed run must not train again`);
      assert.doesNotMatch(again.stdout, /Epoch 1\//, label);
    }
    const same = weightsOf(out).equals(weightsOf(ref));
    assert.ok(same, `${label}: final weights differ from the uninterrupted run's`);
    assert.deepEqual(historyOf(out), historyOf(ref), `${label}: history`);
    const left = strays(out);
    assert.deepEqual(left, [], `${label}: left behind`);
    rmSync(out, { recursive: true, force: true });
    return { label, resumed, afresh, same, strays: left };
  };
  const tasks = [
    ...points.map((p) => async () => {
      const out = join(tmp, `op${p.n}${p.mid ? 'mid' : ''}`);
      const label = `kill ${p.mid ? 'half-way through' : 'before'} operation ${p.n} (${p.op} ${p.path.replace(/-\d+-[0-9a-f]+/, '-*')})`;
      // Between the first backup save and the backup's deletion a backup is there; after the last
      // save of training it holds the whole training.
      const backed = p.n <= firstBackupSave || p.n > removal ? 'none' : p.n > lastBackupSave ? 'complete' : 'some';
      return check(label, out, await cnnkit(args(out), { root: out, killAt: p.n, mid: p.mid }), backed);
    }),
    ...randomKills.map((ms, i) => async () => {
      const out = join(tmp, `random${i}`);
      return check(`kill after ${ms} ms`, out, await cnnkit(args(out), undefined, ms), 'unknown');
    }),
  ];
  const outcomes = await inPairs(tasks);
  const totals = {
    tried: outcomes.length, resumed: outcomes.filter((o) => o.resumed).length, afresh: outcomes.filter((o) => o.afresh).length,
    identical: outcomes.filter((o) => o.same).length, strayFiles: outcomes.reduce((n, o) => n + o.strays.length, 0),
  };
  t.diagnostic(`kill points tried ${totals.tried} (${points.length} at operations, ${randomKills.length} at ${randomKills.join(', ')} ms): resumed from a backup ${totals.resumed}, started afresh with a message ${totals.afresh}, identical final weights ${totals.identical}, stray files ${totals.strayFiles}`);
  console.log(`kill-resume totals: ${JSON.stringify(totals)}`);
  assert.equal(totals.identical, totals.tried);
});
