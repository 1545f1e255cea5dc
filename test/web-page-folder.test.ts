/**
 * The page (web/) on the visitor's own images, in Debian's Chromium (playwright-core): a folder of
 * class folders made here (generated pictures of three classes as PNG and JPEG, one corrupt file,
 * one text file) picked with the folder input and as a .zip; the skipped-file summary; folders
 * that cannot make a classifier; training with the user's class names in the grid, the confusion
 * matrix and Inspect; the saved model keeping its class names and image size and restoring them
 * in a fresh page; the fast recipe with its measured cost, paused and stopped between batches.
 * Screenshots go to web/test-artifacts/. Skips without Chromium.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { zipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, assertAccessible, buildSite, launch, ready, skipReason, watchConsole, type Site } from './helpers/web.js';
import { encode, generated } from './helpers/image-files.js';

if (skipReason) console.log(`# web page folder tests skipped: ${skipReason}`);
const skip = skipReason ?? false;

const CLASSES = ['blue', 'green', 'red'];
/** generated()'s colour index of each class. */
const HUE: Record<string, number> = { red: 0, green: 1, blue: 2 };
const PER_CLASS = 20;

const work = skipReason ? '' : mkdtempSync(join(tmpdir(), 'cnnkit-web-folder-'));
const photos = join(work, 'photos');
let site: Site | null = null;
let browser: Browser | null = null;
let page: Page | null = null;
const consoleErrors: string[] = [];
const savedModel: string[] = [];

/** photos/<class>/<n>.png|jpg of different sizes, one corrupt JPEG, one text file (ignored). */
async function writeFolder(): Promise<void> {
  for (const name of CLASSES) {
    mkdirSync(join(photos, name), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      const png = i % 2 === 0;
      const pic = generated(HUE[name], i, png ? 40 : 36, png ? 30 : 36);
      writeFileSync(join(photos, name, `${name}-${i}.${png ? 'png' : 'jpg'}`), await encode(pic, png ? 'png' : 'jpeg'));
    }
  }
  writeFileSync(join(photos, 'red', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xd9]));
  writeFileSync(join(photos, 'green', 'notes.txt'), 'not an image\n');
}

/** A .zip of the files under `root` (paths relative to it, under `prefix`). */
function zipOf(root: string, prefix: string): Buffer {
  return Buffer.from(zipSync(zipEntries(root, prefix), { level: 0 }));
}

function zipEntries(root: string, prefix = ''): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else entries[`${prefix}${relative(root, p)}`] = readFileSync(p);
    }
  };
  walk(root);
  return entries;
}

before(async () => {
  if (skipReason) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await writeFolder();
  site = await buildSite();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);
  watchConsole(page, consoleErrors);
  await page.goto(`${site.base}?lang=en#train`);
  await ready(page);
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const status = (p: Page) => p.textContent('#data-status').then((t) => t ?? '');

async function loadZip(p: Page, name: string, bytes: Buffer): Promise<void> {
  await p.setInputFiles('#zip-file', { name, mimeType: 'application/zip', buffer: bytes });
  await p.waitForFunction(() => {
    const s = document.querySelector('#data-status');
    return s?.getAttribute('data-loaded') === 'true' || s?.hasAttribute('data-problem') || s?.classList.contains('error');
  });
}

test('own images: a picked folder is read with its class names; bad files are skipped and named', { skip }, async () => {
  const p = page as Page;
  await p.selectOption('#data-source', 'image-folder');
  assert.equal(await p.isVisible('#folder-drop'), true);
  assert.equal(await p.isVisible('#archive-drop'), false);
  await assertAccessible(p, 'the Train view with the folder panel');
  await p.screenshot({ path: join(ARTIFACTS, 'folder-panel.png') });
  await p.setViewportSize({ width: 390, height: 844 });
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the folder panel is ${overflow}px wider than a phone`);
  await p.screenshot({ path: join(ARTIFACTS, 'folder-panel-phone.png'), fullPage: true });
  await p.setViewportSize({ width: 1280, height: 800 });
  await p.setInputFiles('#folder-files', photos);
  await p.waitForSelector('#data-status[data-loaded="true"]');
  const text = await status(p);
  console.log(`# ${text}`);
  // 60 images (the broken one skipped): 48 for training and 12 for validation.
  assert.match(text, /^48 training and 12 validation images from photos, 3 classes: blue, green, red; resized to 32x32/);
  assert.equal(await p.getAttribute('#data-skipped', 'data-count'), '1');
  assert.match((await p.textContent('#data-skipped')) ?? '', /^Skipped 1 of 61 files: red\/broken\.jpg \(damaged JPEG data\)\.$/);
  assert.equal(await p.getAttribute('#sample-grid', 'data-images'), '25');
  assert.deepEqual(((await p.getAttribute('#sample-grid', 'data-classes')) ?? '').split(',').sort(), CLASSES);
  assert.equal(await p.textContent('label:has(#test-count) span'), 'Validation images');
});

test('own images: trained on the folder, it tells the classes apart; the confusion matrix and Inspect use their names', { skip }, async () => {
  const p = page as Page;
  assert.equal(await p.inputValue('#train-count'), '48');
  assert.equal(await p.inputValue('#test-count'), '12');
  await p.fill('#epochs', '12');
  await p.selectOption('#batch-size', '8');
  await p.waitForSelector('#recipe-cost[data-images-per-second]');
  assert.match((await p.textContent('#recipe-cost')) ?? '', /^Cost here: 12 epochs on 48 images take about \d+ s of training \([\d,]+ images\/s, measured on this computer\)\.$/);
  await p.click('#train-start');
  await p.waitForSelector('#train-status[data-outcome="finished"]');
  await p.waitForSelector('#eval-result[data-accuracy]');
  const accuracy = Number(await p.getAttribute('#eval-result', 'data-accuracy'));
  console.log(`# ${await p.textContent('#eval-result')}`);
  assert.match((await p.textContent('#eval-result')) ?? '', /^Validation accuracy: .* of 12 validation images; chance is 33\.3%/);
  assert.ok(accuracy >= 0.75, `validation accuracy ${accuracy} (chance 1/3)`);
  assert.equal(await p.getAttribute('#confusion', 'data-classes'), CLASSES.join(','));
  await p.screenshot({ path: join(ARTIFACTS, 'folder-trained.png'), fullPage: true });

  await p.click('#tab-inspect');
  await p.waitForSelector('#top3 .bar-row:nth-child(3)');
  assert.equal(await p.getAttribute('#model-note', 'data-classes'), CLASSES.join(','));
  assert.match((await p.textContent('#input-caption')) ?? '', /^validation image #0: (blue|green|red)$/);
  assert.equal(await p.locator('#test-strip .thumb').count(), 12);
  const rows = await p.$$eval('#top3 .bar-row', (els) => els.map((e) => e.getAttribute('data-class')));
  assert.deepEqual([...rows].sort(), CLASSES);
  // A photo of a red disc, decoded and shaped in the worker: the model says red.
  const photo = await encode(generated(HUE.red, 7, 64, 48), 'png');
  const drawn = Number(await p.getAttribute('#view-inspect', 'data-drawn'));
  await p.setInputFiles('#photo-file', { name: 'red-disc.png', mimeType: 'image/png', buffer: Buffer.from(photo) });
  await p.waitForFunction((n) => Number(document.querySelector('#view-inspect')?.getAttribute('data-drawn')) > n, drawn);
  assert.match((await p.textContent('#input-caption')) ?? '', /red-disc\.png \(64x48, scaled to 32x32\)/);
  assert.equal(await p.getAttribute('#top3', 'data-top'), 'red');
  await p.screenshot({ path: join(ARTIFACTS, 'folder-inspect.png'), fullPage: true });
  await p.setViewportSize({ width: 390, height: 844 });
  await p.screenshot({ path: join(ARTIFACTS, 'folder-inspect-phone.png'), fullPage: true });
  await p.click('#tab-train');
  await p.screenshot({ path: join(ARTIFACTS, 'folder-trained-phone.png'), fullPage: true });
  await p.setViewportSize({ width: 1280, height: 800 });

  // Saved with its class names, image size and recipe (the library's userDefinedMetadata).
  await p.click('#model-save');
  for (const id of ['#download-json', '#download-weights']) {
    const [download] = await Promise.all([p.waitForEvent('download'), p.click(id)]);
    const path = join(work, download.suggestedFilename());
    await download.saveAs(path);
    savedModel.push(path);
  }
  const json = JSON.parse(readFileSync(savedModel[0], 'utf8')) as { userDefinedMetadata?: { classNames?: string[]; imageSize?: number[]; recipe?: string } };
  assert.deepEqual(json.userDefinedMetadata?.classNames, CLASSES);
  assert.deepEqual(json.userDefinedMetadata?.imageSize, [32, 32]);
  assert.equal(json.userDefinedMetadata?.recipe, 'tutorial');
});

test('own images: a saved model restores its class names in a fresh page', { skip }, async () => {
  const p = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
  watchConsole(p, consoleErrors);
  await p.goto(`${(site as Site).base}?lang=en#inspect`);
  await ready(p);
  await p.setInputFiles('#model-files', savedModel);
  await p.waitForFunction(() => /loaded from|Could not/.test(document.querySelector('#model-note')?.textContent ?? ''));
  assert.match((await p.textContent('#model-note')) ?? '', /loaded from/);
  assert.equal(await p.getAttribute('#model-note', 'data-classes'), CLASSES.join(','));
  const photo = await encode(generated(HUE.blue, 3, 50, 50), 'jpeg');
  await p.setInputFiles('#photo-file', { name: 'blue-disc.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(photo) });
  await p.waitForSelector('#top3 .bar-row:nth-child(3)');
  assert.equal(await p.getAttribute('#top3', 'data-top'), 'blue');
  await p.close();
});

test('own images: a .zip of the folder reads the same; folders that cannot make a classifier say why', { skip }, async () => {
  const p = page as Page;
  await p.click('#tab-train');
  const before = await status(p);
  await loadZip(p, 'photos.zip', zipOf(photos, 'photos/'));
  assert.equal((await status(p)).replace(/read in [\d.]+ s/, ''), before.replace('from photos,', 'from photos.zip,').replace(/read in [\d.]+ s/, ''));
  assert.match((await p.textContent('#data-skipped')) ?? '', /red\/broken\.jpg/);

  const cases: [string, Record<string, Uint8Array>, string, RegExp][] = [
    ['flat.zip', { 'a.png': readFileSync(join(photos, 'red', 'red-0.png')) }, 'noClassesImages', /holds images but no class folders/],
    ['one.zip', { 'only/a.png': readFileSync(join(photos, 'red', 'red-0.png')), 'only/b.png': readFileSync(join(photos, 'red', 'red-2.png')) }, 'oneClass', /has only one class folder \(only\)/],
    ['empty.zip', { 'cats/a.png': readFileSync(join(photos, 'red', 'red-0.png')), 'dogs/': new Uint8Array(0), 'fish/readme.txt': new Uint8Array(3) }, 'emptyClass', /these class folders hold no images .*: dogs, fish/],
  ];
  for (const [name, entries, code, words] of cases) {
    await loadZip(p, name, Buffer.from(zipSync(entries)));
    assert.equal(await p.getAttribute('#data-status', 'data-problem'), code, name);
    assert.match(await status(p), words);
  }
  await loadZip(p, 'not-a-zip.zip', Buffer.from('plain text'));
  assert.equal(await p.getAttribute('#data-status', 'data-problem'), 'badZip');
  // A failed read keeps the data that was loaded.
  assert.equal(await p.getAttribute('#sample-grid', 'data-images'), '25');
});

test('the fast recipe: its cost measured here; it trains on the folder, pauses and stops between batches', { skip }, async () => {
  const p = page as Page;
  // Zipped without its top folder (the class folders at the zip's root), beside a file that is not an image.
  await loadZip(p, 'classes.zip', Buffer.from(zipSync({ ...zipEntries(photos), 'README.txt': new Uint8Array(4) })));
  assert.match(await status(p), /^48 training and 12 validation images from classes\.zip, 3 classes: blue, green, red/);
  await p.selectOption('#recipe', 'fast');
  assert.match((await p.textContent('#recipe-note')) ?? '', /^the fast recipe: .*BatchNorm/);
  // 48 training images: the largest whole batch that fits.
  assert.equal(await p.inputValue('#batch-size'), '32');
  await p.waitForSelector('#recipe-cost[data-images-per-second]');
  console.log(`# ${await p.textContent('#recipe-cost')}`);
  await assertAccessible(p, 'the Train view with the fast recipe');
  await p.evaluate(() => document.querySelector('.run-card')?.scrollIntoView());
  await p.screenshot({ path: join(ARTIFACTS, 'folder-fast-recipe.png') });
  await p.setViewportSize({ width: 390, height: 844 });
  await p.screenshot({ path: join(ARTIFACTS, 'folder-fast-recipe-phone.png'), fullPage: true });
  await p.setViewportSize({ width: 1280, height: 800 });
  await p.selectOption('#batch-size', '64');
  await p.click('#train-start');
  if (await p.isVisible('#train-confirm')) await p.click('#train-confirm-yes');
  assert.match((await p.textContent('#train-status')) ?? '', /a batch of 64 needs at least 64 training images, and there are 48/);
  await p.selectOption('#batch-size', '32');
  await p.fill('#epochs', '40');
  await p.click('#train-start');
  await p.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) >= 2);
  await p.click('#train-pause');
  await p.waitForSelector('#train-pause[data-held="true"]');
  const held = Number(await p.getAttribute('#train-stats', 'data-batches'));
  await p.waitForTimeout(500);
  assert.equal(Number(await p.getAttribute('#train-stats', 'data-batches')), held, 'no batch runs while paused');
  await p.click('#train-pause');
  await p.waitForFunction((n) => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) > n, held);
  await p.click('#train-stop');
  await p.waitForSelector('#train-status[data-outcome="stopped"]');
  assert.ok(Number(await p.getAttribute('#train-stats', 'data-batches')) < 40, 'stopped before the end');
  // The stopped fast model predicts with the folder's names in Inspect.
  await p.click('#tab-inspect');
  await p.waitForFunction(() => document.querySelector('#view-inspect')?.getAttribute('data-version') === document.querySelector('#model-note')?.getAttribute('data-version'));
  assert.deepEqual((await p.$$eval('#top3 .bar-row', (els) => els.map((e) => e.getAttribute('data-class')))).sort(), CLASSES);
  assert.match((await p.textContent('#filters-title')) ?? '', /\(2x2, RGB\)/);
});

test('no console errors', { skip }, () => {
  assert.deepEqual(consoleErrors, []);
});
