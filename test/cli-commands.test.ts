import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(process.cwd(), 'dist/src/cli/main.js');

function cnnkit(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '', CNNKIT_DEBUG: '', ...env }, timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failure: non-zero exit, exactly one line on stderr, no stack trace. */
function assertOneLineError(r: ReturnType<typeof cnnkit>, pattern: RegExp, code?: number): void {
  assert.notEqual(r.code, 0, 'exit status');
  if (code !== undefined) assert.equal(r.code, code, 'exit status');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], /^cnnkit/);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('cnnkit --help lists every command', () => {
  const r = cnnkit(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['tutorial', 'explain', 'summary', 'evaluate', 'predict']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
});

test('cnnkit --version and cnnkit help <command>', () => {
  const v = cnnkit(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  const h = cnnkit(['help', 'predict']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: cnnkit predict \[options\] <images\.\.\.>/);
});

test('every command has --help', () => {
  for (const c of ['tutorial', 'explain', 'summary', 'evaluate', 'predict']) {
    const r = cnnkit([c, '--help']);
    assert.equal(r.code, 0, c);
    assert.match(r.stdout, new RegExp(`^Usage: cnnkit ${c}`), c);
  }
  const t = cnnkit(['tutorial', '--help']).stdout;
  for (const o of ['--data', '--out', '--epochs', '--batch-size', '--seed', '--limit', '--threads']) assert.ok(t.includes(o), o);
  assert.match(t, /default: "\.\/cnnkit-run"/);
});

test('bad arguments: exit 2 and a one-line error', () => {
  assertOneLineError(cnnkit(['tutorial', '--epochs', 'abc']), /--epochs.*'abc'.*positive integer/, 2);
  assertOneLineError(cnnkit(['tutorial', '--batch-size', '0']), /--batch-size/, 2);
  assertOneLineError(cnnkit(['tutorial', '--limit', '3']), /--limit.*at least 5/, 2);
  assertOneLineError(cnnkit(['tutorial', '--frobnicate']), /unknown option '--frobnicate'/, 2);
  assertOneLineError(cnnkit(['trian']), /unknown command 'trian'.*tutorial|unknown command 'trian'/, 2);
  assertOneLineError(cnnkit(['evaluate']), /required option '--model <dir>'/, 2);
  assertOneLineError(cnnkit(['predict', '--model', 'm']), /missing required argument 'images'/, 2);
  const none = cnnkit([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: cnnkit/);
});

test('bad files: exit 1 and a one-line error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cnnkit-cli-'));
  try {
    assertOneLineError(cnnkit(['predict', '--model', dir, join(dir, 'missing.jpg')]), /missing\.jpg: no such image/, 1);
    const notImage = join(dir, 'notes.png');
    writeFileSync(notImage, 'hello');
    assertOneLineError(cnnkit(['predict', '--model', dir, notImage]), /notes\.png: not a JPEG or PNG image/, 1);
    const broken = join(dir, 'broken.png');
    writeFileSync(broken, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2]));
    assertOneLineError(cnnkit(['predict', '--model', dir, broken]), /broken\.png: the PNG data is damaged/, 1);
    assertOneLineError(cnnkit(['tutorial', '--data', join(dir, 'nothing-here.tar.gz'), '--out', join(dir, 'out')]), /nothing-here/, 1);
    const stack = cnnkit(['predict', '--model', dir, join(dir, 'missing.jpg')], { CNNKIT_DEBUG: '1' });
    assert.match(stack.stderr, /\n\s+at /, 'CNNKIT_DEBUG shows the stack');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explain prints the worked example computed by the layers', () => {
  const r = cnnkit(['explain']);
  assert.equal(r.code, 0, r.stderr);
  // 'same' top-left is 22; the centre of 'valid' holds 198; parameters total 122,570.
  assert.match(r.stdout, /^\s+22\s+27\s+36\s+313\s+722\s+576$/m);
  assert.match(r.stdout, /^\s+257\s+198\s+855\s+1560$/m);
  assert.match(r.stdout, /conv2d\s+Conv2D\s+\(None, 30, 30, 32\)\s+\(3\*3\*3\+1\)\*32\s+896/);
  assert.match(r.stdout, /Total params: 122,570/);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when not a terminal');
});

test('summary prints the Keras-style model summary', () => {
  const r = cnnkit(['summary'], { NO_COLOR: '1' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Model: "sequential"/);
  assert.match(r.stdout, /Total params: 122,570/);
  assert.doesNotMatch(r.stdout, /\x1b\[/);
});
