/**
 * The output folder of `cnnkit tutorial`: one run at a time (a lock released on exit, errors and
 * signals; a dead run's lock taken over), --resume refused when the options or data differ,
 * files of interrupted saves recovered by every command, and file-system faults reported with the
 * file and what to do. A tiny generated dataset keeps runs short.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import * as ck from '../src/index.js';
import { LOCK_FILE } from '../src/util/lock.js';
import { writeFileAtomic } from '../src/util/node-fs.js';
import { binaryEntries, gzip, makeSet, makeTar } from './helpers/cifar-fixtures.js';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');
const PRELOAD = join(process.cwd(), 'dist/test/fixtures/fs-faults.js');
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'io-child.js');
const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-runfolder-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const archive = join(tmp, 'tiny-cifar.tar.gz');
writeFileSync(archive, gzip(makeTar(binaryEntries(makeSet(10, 10)))));
const tutorial = (out: string, { epochs = 2, seed = 3, limit = 10, resume = false } = {}) => [
  'tutorial', '--data', archive, '--out', out, '--epochs', String(epochs), '--seed', String(seed), '--limit', String(limit), '--threads', '1', '--no-preview',
  ...(resume ? ['--resume'] : []),
];

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cnnkit(args: string[], faults?: object): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CNNKIT_DEBUG: '' };
  delete env.CNNKIT_FS_FAULTS;
  if (faults) env.CNNKIT_FS_FAULTS = JSON.stringify(faults);
  const r = spawnSync(process.execPath, ['--import', PRELOAD, MAIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A failure: exit 1 and one line on stderr matching `pattern`. */
function assertFails(r: Result, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit status; stderr: ${r.stderr}; stdout tail: ${r.stdout.slice(-300)}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], pattern);
}

/** Starts the io child holding the lock of `dir`; resolves once it holds it. */
function holdLock(dir: string): Promise<ReturnType<typeof spawn>> {
  const p = spawn(process.execPath, [CHILD, 'hold-lock', dir], { env: { ...process.env, CNNKIT_IO_CHILD: '1' } });
  return new Promise((resolve, reject) => {
    p.stdout.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve(p));
    p.on('error', reject);
    p.on('close', (code) => reject(new Error(`lock holder ended (${code})`)));
  });
}

const ended = (p: ReturnType<typeof spawn>): Promise<NodeJS.Signals | null> => new Promise((r) => p.on('close', (_c, s) => r(s)));

test('a second run on the same --out is refused while the first runs; the lock goes with the run', async () => {
  const out = join(tmp, 'busy');
  mkdirSync(out);
  const holder = await holdLock(out);
  try {
    const lock = JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')) as { pid: number; host: string; since: string };
    assert.equal(lock.pid, holder.pid);
    const r = cnnkit(tutorial(out));
    assertFails(r, new RegExp(`^cnnkit: --out .*busy: another run \\(pid ${holder.pid}, a test holding the lock, since ${lock.since.replace(/\./g, '\\.')}\\) is writing to .*busy; wait for it to end or choose another folder$`));
    assert.ok(existsSync(join(out, LOCK_FILE)), 'the refused run leaves the lock alone');
  } finally {
    holder.kill('SIGTERM');
  }
  assert.equal(await ended(holder), 'SIGTERM', 'the holder ends by the signal it got');
  assert.ok(!existsSync(join(out, LOCK_FILE)), 'SIGTERM releases the lock');
});

test('the lock of a run that was killed (SIGKILL) is taken over; errors release it', async () => {
  const out = join(tmp, 'stale');
  mkdirSync(out);
  const holder = await holdLock(out);
  holder.kill('SIGKILL');
  await ended(holder);
  assert.ok(existsSync(join(out, LOCK_FILE)), 'a SIGKILL leaves the lock');
  const r = cnnkit(['tutorial', '--data', join(tmp, 'no-such-data.tar.gz'), '--out', out, '--no-preview']);
  assertFails(r, /no-such-data\.tar\.gz \(path option\): does not exist/);
  assert.match(r.stdout, new RegExp(`Took over the lock of an earlier run that ended without releasing it \\(pid ${holder.pid}, since `));
  assert.ok(!existsSync(join(out, LOCK_FILE)), 'a failed run releases its lock');
  const thrower = spawnSync(process.execPath, [CHILD, 'lock-throw', out], { env: { ...process.env, CNNKIT_IO_CHILD: '1' }, encoding: 'utf8' });
  assert.match(thrower.stderr, /failing on purpose/);
  assert.ok(!existsSync(join(out, LOCK_FILE)), 'an uncaught error releases the lock');
});

test('two runs started together on one --out: one finishes, the other is refused, and the folder holds one complete run', async () => {
  const out = join(tmp, 'together');
  const start = () => new Promise<Result>((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...tutorial(out)], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '', stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const [a, b] = await Promise.all([start(), start()]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 1], `${a.stderr}\n${b.stderr}`);
  assert.match((a.code === 1 ? a : b).stderr, /another run \(pid \d+, cnnkit tutorial, since .*\) is writing to/);
  assert.ok(existsSync(join(out, 'report.html')) && existsSync(join(out, 'model', 'model.json')));
  assert.ok(!existsSync(join(out, LOCK_FILE)));
});

test('--resume with other options or data is refused before anything changes, listing the differences', () => {
  const out = join(tmp, 'mismatch');
  // Killed while writing the report: training is complete and backed up.
  const killed = cnnkit(tutorial(out), { root: out, failOn: '^write \\.report\\.html', code: 'EIO' });
  assert.equal(killed.code, 1);
  assert.ok(existsSync(join(out, 'backup', 'latest', 'model.json')));
  const samples = statSync(join(out, 'samples.png')).mtimeMs;
  const r = cnnkit(tutorial(out, { resume: true, seed: 4, limit: 12 }));
  assertFails(r, /^cnnkit: --resume: the backup in .*mismatch\/backup was written by a run with other options: --limit 10 in the backup, 12 now, --seed 3 in the backup, 4 now, --data \(other images: sha256:[0-9a-f]{16} in the backup, sha256:[0-9a-f]{16} now\)\. Resume with the same options, or run without --resume to start over \(the backup is then discarded\)$/);
  assert.equal(statSync(join(out, 'samples.png')).mtimeMs, samples, 'the refused run wrote nothing');
  const epochs = cnnkit(tutorial(out, { resume: true, epochs: 3 }));
  assertFails(epochs, /--epochs 2 in the backup, 3 now\./);
  const same = cnnkit(tutorial(out, { resume: true }));
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /The backup holds all 2 epochs: training is complete; going on with evaluation and saving/);
  assert.doesNotMatch(same.stdout, /Epoch 1\/2/);
  assert.ok(!existsSync(join(out, 'backup')));
});

test('file-system faults name the file and say what to do; the output folder is checked before the data is read', () => {
  const out = join(tmp, 'faults');
  const nospace = cnnkit(tutorial(out), { root: out, failOn: '^write \\.history\\.json' });
  assertFails(nospace, /^cnnkit: .*faults\/history\.json: cannot write the file \(no space left on the device, ENOSPC\); free some space or choose another folder$/);
  assert.ok(!existsSync(join(out, LOCK_FILE)));
  const model = cnnkit(tutorial(out), { root: out, failOn: '^write \\.model\\.tmp', code: 'EROFS' });
  assertFails(model, /^cnnkit: .*faults\/model: cannot save the model \(the file system is read-only, EROFS\); choose a writable folder$/);
  const t0 = performance.now();
  const proc = cnnkit(['tutorial', '--out', '/proc/cnnkit-test/run', '--data', join(tmp, 'no-such-data')]);
  assertFails(proc, /^cnnkit: --out \/proc\/cnnkit-test\/run: \/proc\/cnnkit-test: cannot create the folder \(the file system at \/proc does not allow it, ENOENT\); choose another folder$/);
  assert.ok(performance.now() - t0 < 60_000, 'no endless mkdir');
  writeFileSync(join(tmp, 'a-file'), 'x');
  assertFails(cnnkit(['tutorial', '--out', join(tmp, 'a-file', 'run'), '--data', join(tmp, 'no-such-data')]), /a-file: exists and is not a folder; choose another path$/);
});

test('evaluate, predict and export find a model whose save was interrupted between its renames', async () => {
  ck.setBackendSync('reference');
  ck.clearSession();
  const m = ck.sequential();
  m.add(ck.layers.conv2d({ filters: 2, kernelSize: 3, strides: 4, inputShape: [32, 32, 3] }));
  m.add(ck.layers.flatten());
  m.add(ck.layers.dense({ units: 10, activation: 'softmax' }));
  const dir = join(tmp, 'interrupted', 'model');
  await m.save(`file://${dir}`);
  renameSync(dir, ck.io.asideDir(dir));
  const png = new PNG({ width: 8, height: 8 });
  png.data.fill(200);
  writeFileSync(join(tmp, 'photo.png'), PNG.sync.write(png));
  const r = cnnkit(['predict', '--model', dir, join(tmp, 'photo.png')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /photo\.png\n {2}1\. /);
  const ex = cnnkit(['export', '--model', dir, '--onnx', join(tmp, 'interrupted.onnx')]);
  assert.equal(ex.code, 0, ex.stderr);
  assertFails(cnnkit(['predict', '--model', join(tmp, 'interrupted', 'nothing'), join(tmp, 'photo.png')]), /--model .*nothing: no such file or folder/);
});

test('writeFileAtomic removes the temporary files of writers that died, and only theirs', async () => {
  const dir = join(tmp, 'temps');
  mkdirSync(dir);
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout.trim());
  const stale = join(dir, `.report.html.tmp-${deadPid}-1a2b3c4d`);
  const live = join(dir, `.report.html.tmp-${process.ppid}-1a2b3c4d`);
  const other = join(dir, `.notes.txt.tmp-${deadPid}-1a2b3c4d`);
  for (const f of [stale, live, other]) writeFileSync(f, 'left behind');
  await writeFileAtomic(join(dir, 'report.html'), '<html></html>');
  assert.ok(!existsSync(stale), 'a dead writer\'s temporary file of the same output is removed');
  assert.ok(existsSync(live), 'a live writer\'s temporary file is kept');
  assert.ok(existsSync(other), 'temporaries of other outputs are left to their writers');
  assert.equal(readFileSync(join(dir, 'report.html'), 'utf8'), '<html></html>');
});
