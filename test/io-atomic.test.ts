/** Atomic saves: a SIGKILL or a failure at any step of a save leaves the previous save loadable. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ck from '../src/index.js';
import type { SaveStep } from '../src/io/node-file.js';

const child = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'io-child.js');
const env = { ...process.env, CNNKIT_IO_CHILD: '1' };
const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-atomic-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
const STEPS: SaveStep[] = ['write-json', 'write-weights', 'sync-temp', 'move-old-aside', 'move-new-in', 'remove-old'];

/** The one value all weights of a saved "constant" model hold. */
async function versionAt(dir: string): Promise<number> {
  const m = await ck.loadLayersModel(`file://${dir}/model.json`);
  const values = new Set(m.weights.flatMap((w) => Array.from(w.dataSync())));
  assert.equal(values.size, 1, 'a mix of two saves');
  return [...values][0];
}

function constantModel(v: number): ck.Sequential {
  ck.clearSession();
  const m = ck.sequential({ name: 'constant' });
  m.add(ck.layers.dense({ units: 8, inputShape: [256] }));
  m.setWeights(m.weights.map((w) => ck.fill(w.shape, v)));
  return m;
}

for (const step of STEPS) {
  test(`SIGKILL before '${step}': the previous save (or the complete new one) loads; the next save recovers`, async () => {
    const dir = join(tmp, `kill-${step}`);
    const r = spawnSync(process.execPath, [child, 'save-kill', dir, step], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.equal(await versionAt(dir), step === 'remove-old' ? 2 : 1);
    await constantModel(3).save(`file://${dir}`);
    assert.equal(await versionAt(dir), 3);
    assert.deepEqual(readdirSync(tmp).filter((e) => e.startsWith(`.kill-${step}.`)), [], 'temporary folders are cleaned up');
  });
}

test('a failure at any step of a save leaves the previous save in place', async () => {
  ck.setBackendSync('reference');
  for (const step of STEPS) {
    const dir = join(tmp, `fail-${step}`);
    await constantModel(1).save(`file://${dir}`);
    const failing = ck.io.fileSystem(dir, {
      beforeStep: (s) => {
        if (s === step) throw new Error(`disk full at ${s}`);
      },
    });
    await assert.rejects(constantModel(2).save(failing), /disk full/);
    assert.equal(await versionAt(dir), step === 'remove-old' ? 2 : 1, step);
    assert.deepEqual(readdirSync(tmp).filter((e) => e.startsWith(`.fail-${step}.tmp`)), [], 'no temporary folder left');
  }
});

test('SIGKILL at random moments of repeated saves: always one complete save, never older than the last reported', async (t) => {
  const dir = join(tmp, 'loop');
  const seen: string[] = [];
  for (let round = 0; round < 8; round++) {
    const p = spawn(process.execPath, [child, 'save-loop', dir], { env });
    let out = '';
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => (out += d));
    await new Promise<void>((r) => p.stdout.on('data', () => out.includes('saved 1') && r()));
    const delay = 1 + round * 7; // after the first save, at staggered moments of the later ones
    await new Promise((r) => setTimeout(r, delay));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('close', r));
    const reported = Math.max(0, ...out.split('\n').filter((l) => l.startsWith('saved ')).map((l) => Number(l.slice(6))));
    const v = await versionAt(dir);
    assert.ok(v === reported || v === reported + 1, `found version ${v}, last reported ${reported}`);
    seen.push(`${delay} ms: v${v}`);
  }
  t.diagnostic(`kills: ${seen.join(', ')}`);
  assert.equal(seen.length, 8);
});

test('save refuses to replace a folder holding other files', async () => {
  const dir = join(tmp, 'busy');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  await assert.rejects(constantModel(1).save(`file://${dir}`), (e: Error) => e instanceof ck.ValueError && /holds files other than a saved model \(notes\.txt\)/.test(e.message));
});
