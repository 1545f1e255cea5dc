/**
 * The browser page (web/) end to end: builds it with Vite, serves it with `vite preview` on
 * 127.0.0.1, and drives Debian's Chromium with playwright-core. Explain shows the tutorial's
 * numbers, 'valid' gives a 4x4 output, a few training batches run on a subset of the real
 * archive (when ../shared/cifar10 has it) and the charts update, an uploaded PNG gets a
 * prediction. Screenshots of each view go to web/test-artifacts/. Console errors fail the test.
 * Skips with a printed reason when Chromium is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { binaryEntries, gzip, makeSet, makeTar } from './helpers/cifar-fixtures.js';

/** Debian's Chromium; CNNKIT_CHROMIUM names another binary. */
const CHROMIUM = process.env.CNNKIT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The repository root: the nearest folder above this file whose package.json is cnnkit's. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'cnnkit') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cnnkit repository root not found');
    dir = up;
  }
}

const ROOT = repoRoot();
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
const ARCHIVE = resolve(ROOT, '..', 'shared', 'cifar10', 'cifar-10-binary.tar.gz');
const ARTIFACTS = join(ROOT, 'web', 'test-artifacts');
const skipReason = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
if (skipReason) console.log(`# web page tests skipped: ${skipReason}`);

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function run(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [VITE, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout?.on('data', (d) => (out += d));
    p.stderr?.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) res();
      else rej(new Error(`vite ${args.join(' ')} exited with ${code}:\n${out}`));
    });
  });
}

async function waitForHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A small PNG: a warm blob on a sky gradient, 40x30. */
function samplePng(): Buffer {
  const png = new PNG({ width: 40, height: 30 });
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 40; x++) {
      const i = 4 * (y * 40 + x);
      const blob = (x - 20) ** 2 + (y - 18) ** 2 < 80;
      png.data[i] = blob ? 200 : 90 + y * 3;
      png.data[i + 1] = blob ? 120 : 140 + y * 2;
      png.data[i + 2] = blob ? 40 : 230;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let page: Page | null = null;
let base = '';
const consoleErrors: string[] = [];
/** model.json and its weights, saved by the Train view for the Inspect view to load. */
const savedModel: string[] = [];

before(async () => {
  if (skipReason) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await run(['build', 'web', '--logLevel', 'error'], 90_000);
  const port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  server = spawn(process.execPath, [VITE, 'preview', 'web', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: ROOT, stdio: 'ignore' });
  await waitForHttp(base, 20_000);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(60_000); // generous: CI's 2 cores may be busy with other tests
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  await page.goto(`${base}#explain`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

test('explain: 22 and 198 in the right cells, term by term; valid padding gives 4x4', { skip: skipReason ?? false }, async () => {
  const p = page as Page;
  // Tabs follow the ARIA tabs pattern: arrow keys move between views.
  await p.focus('#tab-explain');
  await p.keyboard.press('ArrowRight');
  assert.equal(await p.getAttribute('#tab-train', 'aria-selected'), 'true');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'tab-train');
  await p.keyboard.press('ArrowLeft');
  assert.equal(await p.isVisible('#view-explain'), true);
  const runtime = await p.textContent('#runtime');
  console.log(`# page runtime: ${runtime}`);
  assert.equal(await p.getAttribute('#runtime', 'data-isolated'), 'true', 'the preview server makes the page cross-origin isolated');
  assert.equal(await p.textContent('#out-0-0'), '22');
  assert.equal(await p.textContent('#out-2-2'), '198');
  await p.hover('#out-2-2');
  assert.equal(await p.textContent('#explain-terms'), '2*1 + 5*2 + 4*1 + 13*2 + 25*4 + 15*2 + 8*1 + 6*2 + 6*1 = 198');
  assert.equal(await p.locator('#pool-grid .cell').count(), 9);
  assert.equal(await p.textContent('#param-total'), '122,570');
  await p.screenshot({ path: join(ARTIFACTS, 'explain.png'), fullPage: true });
  // Keyboard: focus moves along the output cells and explains each.
  await p.focus('#out-0-0');
  await p.keyboard.press('ArrowRight');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'out-0-1');
  assert.match((await p.textContent('#explain-terms')) ?? '', /= \d+$/);

  await p.selectOption('#padding', 'valid');
  assert.equal(await p.getAttribute('#out-grid', 'data-rows'), '4');
  assert.equal(await p.getAttribute('#out-grid', 'data-cols'), '4');
  assert.equal(await p.locator('#out-grid .cell').count(), 16);
  assert.equal(await p.textContent('#out-1-1'), '198');
  assert.equal(await p.locator('#pool-grid .cell').count(), 4);
  // Editing a pixel recomputes through the layers: the top-left pixel weighs 1 in valid[0][0].
  const before0 = Number(await p.textContent('#out-0-0'));
  await p.fill('#input-grid .cell[data-r="0"][data-c="0"] input', '11');
  assert.equal(Number(await p.textContent('#out-0-0')), before0 + 10);
  // Stride 2 with 'same': TensorFlow pads 0 before and 1 after; the page's window matches the layer.
  await p.selectOption('#padding', 'same');
  await p.selectOption('#stride', '2');
  assert.equal(await p.getAttribute('#out-grid', 'data-rows'), '3');
  await p.hover('#out-2-2');
  assert.equal(await p.textContent('#explain-terms'), '201*1 + 3*2 + 0*1 + 32*2 + 2*4 + 0*2 + 0*1 + 0*2 + 0*1 = 279');
  await p.click('#explain-reset');
  assert.equal(await p.textContent('#out-2-2'), '198');
});

test('train: a picked archive (a tiny one made here) unpacks, shows its images and trains', { skip: skipReason ?? false }, async () => {
  const p = page as Page;
  await p.click('#tab-train');
  const tiny = gzip(makeTar(binaryEntries(makeSet(20, 30))));
  // Picked from the keyboard: Enter on the focused picker opens the file chooser.
  const picker = p.locator('label[for="archive-file"]');
  await picker.waitFor({ state: 'visible' });
  const [chooser] = await Promise.all([p.waitForEvent('filechooser', { timeout: 20_000 }), picker.press('Enter')]);
  await chooser.setFiles({ name: 'tiny-cifar.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from(tiny) });
  await p.waitForSelector('#data-status[data-loaded="true"]', { timeout: 60_000 });
  assert.match((await p.textContent('#data-status')) ?? '', /^100 training and 30 test images from tiny-cifar\.tar\.gz/);
  assert.equal(await p.getAttribute('#sample-grid', 'data-images'), '25');
  await p.fill('#train-count', '100');
  await p.fill('#test-count', '30');
  await p.fill('#epochs', '2');
  await p.selectOption('#batch-size', '32');
  await p.click('#train-start');
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });
  await p.waitForSelector('#eval-result[data-accuracy]', { timeout: 60_000 });
  assert.equal(await p.getAttribute('#acc-chart', 'data-points'), '10', '4 batches x 2 epochs and 2 test points');
  // The dataset's state resets between tests: the real-archive test loads its own.
  await p.evaluate(() => document.querySelector('#data-status')?.removeAttribute('data-loaded'));
});

test('train: a few batches on a subset of the real archive update the charts; evaluation fills the confusion matrix', { skip: skipReason ?? false }, async (t) => {
  if (!existsSync(ARCHIVE)) {
    t.skip(`real archive not found at ${ARCHIVE}`);
    console.log(`# train view test skipped: real archive not found at ${ARCHIVE}`);
    return;
  }
  const p = page as Page;
  await p.click('#tab-train');
  await p.waitForSelector('#load-server:not([hidden])', { timeout: 30_000 });
  const t0 = Date.now();
  await p.click('#load-server');
  await p.waitForSelector('#data-status[data-loaded="true"]', { timeout: 90_000 });
  console.log(`# archive loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${await p.textContent('#data-status')}`);
  assert.equal(await p.getAttribute('#sample-grid', 'data-images'), '25');
  const batches = async () => Number(await p.getAttribute('#train-stats', 'data-batches'));
  // Pause holds training between batches, resume goes on, stop ends it early.
  // 1,000 batches: about 10 s even on a fast engine (clicks take ~0.3 s each), so every click lands mid-run.
  await p.fill('#train-count', '32000');
  await p.fill('#test-count', '50');
  await p.fill('#epochs', '1');
  await p.click('#train-start');
  await p.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) >= 2, undefined, { timeout: 60_000 });
  await p.click('#train-pause');
  assert.equal(await p.getAttribute('#train-pause', 'aria-pressed'), 'true');
  await p.waitForSelector('#train-pause[data-held="true"]');
  const held = await batches();
  await p.waitForTimeout(700);
  assert.equal(await batches(), held, 'no batch runs while paused');
  await p.click('#train-pause');
  await p.waitForFunction((n) => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) > n, held, { timeout: 60_000 });
  // Held again before Stop: the run must not end between two clicks, and Stop
  // must work on a paused run too.
  await p.click('#train-pause');
  await p.waitForSelector('#train-pause[data-held="true"]');
  await p.click('#train-stop');
  await p.waitForSelector('#train-status[data-outcome="stopped"]', { timeout: 60_000 });
  assert.ok((await batches()) < 1000, 'stopped before the end of the epoch');
  console.log(`# ${await p.textContent('#train-status')}`);

  await p.fill('#train-count', '96');
  await p.selectOption('#batch-size', '16');
  await p.click('#train-start');
  await p.waitForFunction(() => Number(document.querySelector('#acc-chart')?.getAttribute('data-points')) >= 3, undefined, { timeout: 60_000 });
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });
  await p.waitForSelector('#eval-result[data-accuracy]', { timeout: 60_000 });
  assert.ok(Number(await p.getAttribute('#acc-chart', 'data-points')) >= 6, 'one point per batch plus the epoch\'s test accuracy');
  console.log(`# ${await p.textContent('#train-stats')}`);
  console.log(`# ${await p.textContent('#train-status')}`);
  console.log(`# ${await p.textContent('#eval-result')}`);
  assert.equal(await p.isVisible('#confusion'), true);
  await p.click('#model-save');
  for (const id of ['#download-json', '#download-weights']) {
    const [download] = await Promise.all([p.waitForEvent('download'), p.click(id)]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    savedModel.push(path);
  }
  await p.screenshot({ path: join(ARTIFACTS, 'train.png'), fullPage: true });
});

test('inspect: an uploaded image gets top-3 predictions, activation maps and filters', { skip: skipReason ?? false }, async () => {
  const p = page as Page;
  await p.click('#tab-inspect');
  await p.setInputFiles('#photo-file', { name: 'blob.png', mimeType: 'image/png', buffer: samplePng() });
  await p.waitForSelector('#top3 .bar-row:nth-child(3)', { timeout: 60_000 });
  assert.equal(await p.locator('#top3 .bar-row').count(), 3);
  assert.match((await p.textContent('#input-caption')) ?? '', /blob\.png \(40x30/);
  assert.equal(await p.locator('#activations canvas').count(), 3, 'one heatmap panel per conv layer');
  assert.equal(await p.getAttribute('#filters', 'data-filters'), '32');
  await p.screenshot({ path: join(ARTIFACTS, 'inspect.png'), fullPage: true });
  if (savedModel.length === 2) {
    // The model saved by the Train view loads back from files and predicts the same.
    const predicted = await p.textContent('#top3');
    await p.setInputFiles('#model-files', [...savedModel].reverse());
    await p.waitForFunction(() => /loaded from/.test(document.querySelector('#model-note')?.textContent ?? ''), undefined, { timeout: 60_000 });
    assert.equal(await p.textContent('#top3'), predicted);
    console.log(`# ${await p.textContent('#model-note')}`);
  }
});

test('phone width: every view fits 390px; no console errors', { skip: skipReason ?? false }, async () => {
  const p = page as Page;
  await p.setViewportSize({ width: 390, height: 844 });
  for (const view of ['explain', 'train', 'inspect']) {
    await p.click(`#tab-${view}`);
    await p.screenshot({ path: join(ARTIFACTS, `${view}-phone.png`), fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the ${view} view is ${overflow}px wider than a phone screen`);
  }
  assert.deepEqual(consoleErrors, []);
});
