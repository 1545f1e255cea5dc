/**
 * The browser page (web/) end to end in Debian's Chromium (playwright-core): the Explain view's
 * numbers, keys and input checks; empty states; loading an archive, refusing bad settings,
 * training, asking before a trained model is replaced; the Inspect view following the model; the
 * run bar; phone width; the page's words when it is not cross-origin isolated. Screenshots go to
 * web/test-artifacts/. Console errors fail the test. Skips without Chromium (CI installs it).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { binaryEntries, gzip, makeSet, makeTar } from './helpers/cifar-fixtures.js';
import { ARTIFACTS, buildSite, cifarArchive, launch, pickArchive, ready, skipReason, watchConsole, type Site } from './helpers/web.js';

if (skipReason) console.log(`# web page tests skipped: ${skipReason}`);
const skip = skipReason ?? false;

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

/** An archive of 1,000 training and 200 test images of noise (so that it does not compress to nothing), for the server to offer. */
function noiseArchive(): Uint8Array {
  const entries = binaryEntries(makeSet(200, 200));
  let seed = 1;
  for (const e of entries) {
    if (!e.data || !/_batch/.test(e.name)) continue;
    for (let i = 0; i < e.data.length; i++) if (i % 3073 !== 0) e.data[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  }
  return gzip(makeTar(entries));
}

const work = skipReason ? '' : mkdtempSync(join(tmpdir(), 'cnnkit-web-page-'));
const served = join(work, 'offered.tar.gz');
let site: Site | null = null;
let browser: Browser | null = null;
let page: Page | null = null;
const consoleErrors: string[] = [];
/** model.json and its weights, saved by the Train view for the Inspect view to load. */
const savedModel: string[] = [];

before(async () => {
  if (skipReason) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(served, noiseArchive());
  site = await buildSite({ archive: served });
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000); // generous: CI's 2 cores may be busy with other tests
  watchConsole(page, consoleErrors);
  await page.goto(`${site.base}?lang=en#explain`);
  await ready(page);
});

after(async () => {
  await browser?.close();
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const batches = async (p: Page) => Number(await p.getAttribute('#train-stats', 'data-batches'));
const inViewport = (p: Page, selector: string) => p.$eval(selector, (el) => {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
});

test('explain: the tutorial numbers, term by term; valid padding gives 4x4; stride 2 as TensorFlow pads', { skip }, async () => {
  const p = page as Page;
  // Tabs follow the ARIA tabs pattern: arrow keys move between views.
  await p.focus('#tab-explain');
  await p.keyboard.press('ArrowRight');
  assert.equal(await p.getAttribute('#tab-train', 'aria-selected'), 'true');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'tab-train');
  await p.keyboard.press('ArrowLeft');
  assert.equal(await p.isVisible('#view-explain'), true);
  console.log(`# page runtime: ${await p.textContent('#runtime')}`);
  assert.equal(await p.getAttribute('#runtime', 'data-isolated'), 'true', 'the preview server makes the page cross-origin isolated');
  assert.equal(await p.textContent('#out-0-0'), '22');
  assert.equal(await p.textContent('#out-2-2'), '198');
  await p.hover('#out-2-2');
  assert.equal(await p.textContent('#explain-terms'), '2*1 + 5*2 + 4*1 + 13*2 + 25*4 + 15*2 + 8*1 + 6*2 + 6*1 = 198');
  // The padding ring is not an image row: the corner's window covers image rows and columns 1-2.
  await p.hover('#out-0-0');
  const where = (await p.textContent('#explain-where')) ?? '';
  assert.match(where, /image rows 1–2 and columns 1–2; the rest of its 3x3 window lies on the zero padding/);
  assert.equal(await p.locator('#pool-grid .cell').count(), 9);
  assert.equal(await p.textContent('#param-total'), '122,570');
  await p.screenshot({ path: join(ARTIFACTS, 'explain.png'), fullPage: true });

  await p.selectOption('#padding', 'valid');
  assert.equal(await p.getAttribute('#out-grid', 'data-rows'), '4');
  assert.equal(await p.getAttribute('#out-grid', 'data-cols'), '4');
  assert.equal(await p.locator('#out-grid .cell').count(), 16);
  assert.equal(await p.textContent('#out-1-1'), '198');
  assert.equal(await p.locator('#pool-grid .cell').count(), 4);
  await p.hover('#out-0-0');
  assert.match((await p.textContent('#explain-where')) ?? '', /image rows 1–3 and columns 1–3\.$/);
  // Editing a pixel recomputes through the layers: the top-left pixel weighs 1 in valid[0][0].
  const before0 = Number(await p.textContent('#out-0-0'));
  await p.fill('#input-grid input[data-r="0"][data-c="0"]', '11');
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

test('explain: each grid is one Tab stop; arrow keys move between cells without changing a pixel; the focus ring is on top', { skip }, async () => {
  const p = page as Page;
  await p.focus('#tab-explain');
  let presses = 0;
  while (!(await p.evaluate(() => /^out-/.test(document.activeElement?.id ?? ''))) && presses < 60) {
    await p.keyboard.press('Tab');
    presses++;
  }
  console.log(`# Tab presses from the Explain tab to the first output cell: ${presses}`);
  assert.ok(presses <= 12, `${presses} Tab presses to reach the output cells`);
  // Arrows move focus between output cells, each explained.
  await p.keyboard.press('ArrowRight');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'out-0-1');
  assert.match((await p.textContent('#explain-terms')) ?? '', /= 27$/);
  assert.equal(await p.$eval('#out-0-1', (el) => getComputedStyle(el).zIndex), '2', 'the focused cell is drawn above its neighbours');
  // In a pixel: Up/Down move to the next row; the value stays.
  const px = (r: number, c: number) => `#input-grid input[data-r="${r}"][data-c="${c}"]`;
  await p.focus(px(0, 0));
  await p.keyboard.press('ArrowDown');
  assert.equal(await p.evaluate(() => (document.activeElement as HTMLInputElement).dataset.r), '1');
  assert.equal(await p.inputValue(px(0, 0)), '1');
  assert.equal(await p.inputValue(px(1, 0)), '8');
  // Moving selects the cell's text: Right leaves it for the next column.
  await p.keyboard.press('ArrowRight');
  assert.equal(await p.evaluate(() => (document.activeElement as HTMLInputElement).dataset.c), '1');
  assert.equal(await p.textContent('#out-0-0'), '22');
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

test('explain: the padding zeros and the weight tags are legible (4.5:1 contrast, 11 px or more)', { skip }, async () => {
  const p = page as Page;
  await p.hover('#out-0-0');
  // A padding zero outside the highlighted window (striped background), and one inside it.
  const inWindow = await p.$eval('#input-grid .cell.pad.win', (el) => ({ color: getComputedStyle(el).color, bg: getComputedStyle(el).backgroundColor }));
  assert.ok(contrast(inWindow.color, inWindow.bg) >= 4.5, `padding zero in the window: ${contrast(inWindow.color, inWindow.bg).toFixed(2)}:1`);
  const pad = await p.$eval('#input-grid .cell.pad:not(.win)', (el) => ({
    color: getComputedStyle(el).color, stripes: getComputedStyle(el).backgroundImage.match(/rgb\([^)]*\)/g) ?? [],
  }));
  assert.ok(pad.stripes.length >= 2, pad.stripes.join());
  for (const bg of pad.stripes) assert.ok(contrast(pad.color, bg) >= 4.5, `padding zero ${pad.color} on ${bg}: ${contrast(pad.color, bg).toFixed(2)}:1`);
  const tag = await p.$eval('#input-grid .cell.win', (el) => {
    const after = getComputedStyle(el, '::after');
    return { color: after.color, size: parseFloat(after.fontSize), text: after.content, bg: getComputedStyle(el).backgroundColor };
  });
  assert.match(tag.text, /×\d/);
  assert.ok(contrast(tag.color, tag.bg) >= 4.5, `weight tag ${tag.color} on ${tag.bg}: ${contrast(tag.color, tag.bg).toFixed(2)}:1`);
  assert.ok(tag.size >= 11, `weight tag ${tag.size}px`);
});

test('explain: a pixel or weight out of range is refused with a message, never shown as Infinity', { skip }, async () => {
  const p = page as Page;
  const px = '#input-grid input[data-r="0"][data-c="0"]';
  await p.fill(px, '1e40');
  assert.equal(await p.getAttribute(px, 'aria-invalid'), 'true');
  assert.match((await p.textContent('#explain-error')) ?? '', /Pixel row 1, column 1: enter a number from 0 to 255.*Received 1e40/);
  assert.equal(await p.textContent('#out-0-0'), '22', 'the last valid value is used');
  assert.doesNotMatch((await p.textContent('#view-explain')) ?? '', /Infinity|NaN/);
  await p.fill(px, '');
  assert.match((await p.textContent('#explain-error')) ?? '', /Received nothing/);
  await p.fill(px, '2');
  assert.equal(await p.getAttribute(px, 'aria-invalid'), null);
  assert.equal(await p.textContent('#explain-error'), '');
  assert.equal(await p.textContent('#out-0-0'), '26');
  await p.fill('#kernel-grid input[data-r="1"][data-c="1"]', 'four');
  assert.match((await p.textContent('#explain-error')) ?? '', /Weight row 2, column 2: enter a number from -100 to 100/);
  await p.click('#explain-reset');
  assert.equal(await p.textContent('#explain-error'), '');
});

test('empty states: before any data, each view says what to do next', { skip }, async () => {
  const p = page as Page;
  assert.equal(await p.getAttribute('#explain-next', 'href'), '#train');
  await p.click('#explain-next');
  // A link to #train: the view changes on the hashchange event, which comes after the click returns.
  await p.locator('#view-train').waitFor({ state: 'visible', timeout: 5000 });
  assert.equal(await p.isVisible('#view-train'), true);
  assert.equal(await p.isDisabled('#train-start'), true);
  assert.equal(await p.isVisible('#train-hint'), true);
  assert.match((await p.textContent('#view-train')) ?? '', /An epoch is one pass over all the training images\. The batch size is how many images/);
  assert.equal(await p.isVisible('#samples'), false, 'no empty canvas for the sample images');
  // An empty chart has no axis numbers (no '0 0 0 0 0 0').
  assert.equal(await p.getAttribute('#loss-chart', 'data-points'), '0');
  assert.equal(await p.getAttribute('#loss-chart', 'data-y-ticks'), '');
  await p.click('#tab-inspect');
  assert.equal(await p.isVisible('#no-data'), true);
  assert.equal(await p.isVisible('#random-test'), false);
  // The untrained model's filters are there, and called what they are.
  await p.waitForSelector('#filters[data-filters="32"]');
  assert.match((await p.textContent('#filters-title')) ?? '', /random, the model is not trained yet/);
  assert.match((await p.textContent('#model-note')) ?? '', /untrained/);
  await p.click('#go-train');
  await p.locator('#view-train').waitFor({ state: 'visible', timeout: 5000 });
  assert.equal(await p.isVisible('#view-train'), true);
});

test('train: an archive picked from the keyboard; bad settings are refused; it trains, evaluates and asks before replacing the model', { skip }, async () => {
  const p = page as Page;
  await pickArchive(p, 'tiny-cifar.tar.gz', cifarArchive(20, 30));
  assert.match((await p.textContent('#data-status')) ?? '', /^100 training and 30 test images from tiny-cifar\.tar\.gz/);
  assert.equal(await p.getAttribute('#sample-grid', 'data-images'), '25');
  // The sample images do not push the Train button off a 1280x800 screen.
  await p.evaluate(() => window.scrollTo(0, 0));
  assert.ok(await inViewport(p, '#train-start'), 'the Train button is in view after loading');
  await p.screenshot({ path: join(ARTIFACTS, 'train-data.png') });

  for (const bad of ['0', '', '100000', '12abc']) {
    await p.fill('#train-count', bad);
    await p.click('#train-start');
    assert.equal(await p.getAttribute('#train-count', 'aria-invalid'), 'true', `'${bad}' is refused`);
    assert.match((await p.textContent('#train-count-error')) ?? '', /Enter a whole number from 1 to 100/);
    assert.equal(await p.isVisible('#run-bar'), false, `no run starts with '${bad}'`);
  }
  await p.fill('#train-count', '100');
  await p.fill('#test-count', '30');
  await p.fill('#epochs', '2');
  await p.selectOption('#batch-size', '32');
  await p.click('#train-start');
  assert.equal(await p.getAttribute('#train-count', 'aria-invalid'), null);
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });
  await p.waitForSelector('#eval-result[data-accuracy]', { timeout: 60_000 });
  assert.equal(await p.getAttribute('#acc-chart', 'data-points'), '10', '4 batches x 2 epochs and 2 test points');
  const ticks = ((await p.getAttribute('#loss-chart', 'data-y-ticks')) ?? '').split(' ');
  assert.ok(ticks.length >= 3 && new Set(ticks).size === ticks.length, `distinct loss axis numbers: ${ticks.join(' ')}`);
  // One speed figure after a run, not two.
  const status = (await p.textContent('#train-status')) ?? '';
  assert.equal(status.match(/images\/s/g)?.length, 1, status);
  assert.equal(await p.isVisible('#run-bar'), false);

  // Train again: the trained model is not thrown away without asking.
  await p.click('#train-start');
  assert.equal(await p.isVisible('#train-confirm'), true);
  assert.match((await p.textContent('#train-confirm-text')) ?? '', /replaces the model trained here \(8 batches\)/);
  assert.equal(await p.isVisible('#run-bar'), false, 'nothing starts before the answer');
  await p.click('#train-confirm-no');
  assert.equal(await p.isVisible('#train-confirm'), false);
  assert.equal(await p.getAttribute('#train-status', 'data-outcome'), 'finished');
  await p.click('#train-start');
  await p.click('#train-confirm-yes');
  await p.waitForSelector('#train-status:not([data-outcome])');
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });

  // Saved: training again needs no question.
  await p.click('#model-save');
  for (const id of ['#download-json', '#download-weights']) {
    const [download] = await Promise.all([p.waitForEvent('download'), p.click(id)]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    savedModel.push(path);
  }
  // The library's model.json, training configuration included.
  const json = JSON.parse(readFileSync(savedModel[0], 'utf8')) as { trainingConfig?: { loss?: string }; weightsManifest: { paths: string[] }[] };
  assert.equal(json.trainingConfig?.loss, 'sparseCategoricalCrossentropy');
  assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
  await p.click('#train-start');
  assert.equal(await p.isVisible('#train-confirm'), false);
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });
  await p.waitForSelector('#eval-result[data-accuracy]', { timeout: 60_000 });
  await p.screenshot({ path: join(ARTIFACTS, 'train.png'), fullPage: true });
});

test('inspect: results follow the model (re-run when it changes or the view comes back); layer names as in Explain', { skip }, async () => {
  const p = page as Page;
  const current = async () => {
    await p.waitForFunction(() => {
      const v = document.querySelector('#view-inspect')?.getAttribute('data-version');
      return v !== null && v === document.querySelector('#model-note')?.getAttribute('data-version');
    }, undefined, { timeout: 30_000 });
  };
  await p.click('#tab-inspect');
  await p.waitForSelector('#top3 .bar-row:nth-child(3)');
  await current();
  assert.match((await p.textContent('#input-caption')) ?? '', /^test image #0: /);
  // The conv layers are named as in the Explain view's table, however often a model was built.
  const explainNames = await p.$$eval('#param-table .layer-name', (els) => els.map((e) => e.textContent).filter((n) => /^conv2d/.test(n ?? '')));
  const inspectNames = await p.$$eval('#activations h4', (els) => els.map((e) => /\((conv2d[_\d]*),/.exec(e.textContent ?? '')?.[1]));
  assert.deepEqual(inspectNames, explainNames);
  assert.deepEqual(explainNames, ['conv2d', 'conv2d_1', 'conv2d_2']);
  assert.equal(await p.isVisible('#maps-legend'), true, 'the heat maps have a colour scale');
  assert.match((await p.textContent('#filters-title')) ?? '', /as learned/);
  const shown = await p.getAttribute('#view-inspect', 'data-version');

  // A new model trained while the view is hidden: coming back shows its results, not the old ones.
  await p.click('#tab-train');
  await p.click('#train-start');
  await p.click('#train-confirm-yes');
  await p.waitForSelector('#train-status:not([data-outcome])');
  await p.waitForSelector('#train-status[data-outcome="finished"]', { timeout: 60_000 });
  await p.click('#tab-inspect');
  await current();
  assert.notEqual(await p.getAttribute('#view-inspect', 'data-version'), shown);

  const drawn = Number(await p.getAttribute('#view-inspect', 'data-drawn'));
  await p.setInputFiles('#photo-file', { name: 'blob.png', mimeType: 'image/png', buffer: samplePng() });
  await p.waitForFunction((n) => Number(document.querySelector('#view-inspect')?.getAttribute('data-drawn')) > n, drawn);
  assert.match((await p.textContent('#input-caption')) ?? '', /blob\.png \(40x30/);
  assert.equal(await p.locator('#top3 .bar-row').count(), 3);
  assert.equal(await p.locator('#activations canvas').count(), 3, 'one heatmap panel per conv layer');
  assert.equal(await p.getAttribute('#filters', 'data-filters'), '32');
  await p.screenshot({ path: join(ARTIFACTS, 'inspect.png'), fullPage: true });
  // The model saved by the Train view loads back from files and predicts the same.
  assert.equal(savedModel.length, 2);
  const predicted = await p.textContent('#top3');
  await p.setInputFiles('#model-files', [...savedModel].reverse());
  await p.waitForFunction(() => /loaded from/.test(document.querySelector('#model-note')?.textContent ?? ''));
  await current();
  console.log(`# ${await p.textContent('#model-note')}`);
  // Every run here has the same seed and settings, so the saved model's weights are the current one's.
  assert.equal(await p.textContent('#top3'), predicted);
  await p.click('#tab-train');
  await p.click('#tab-inspect');
  assert.equal(await p.locator('#test-strip .thumb[aria-pressed="true"]').count(), 0, 'the photo is still the image on show');
  assert.match((await p.textContent('#input-caption')) ?? '', /blob\.png/);
});

test('run bar: the training status, Pause and Stop stay in view in every view; views keep their scroll position', { skip }, async () => {
  const p = page as Page;
  await p.click('#tab-train');
  // Long enough that every click lands mid-run: 400 batches.
  await p.fill('#epochs', '100');
  await p.click('#train-start');
  if (await p.isVisible('#train-confirm')) await p.click('#train-confirm-yes');
  await p.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) >= 2);
  await p.click('#train-pause');
  await p.waitForSelector('#train-pause[data-held="true"]');
  assert.equal(await p.textContent('#train-pause'), 'Resume');
  const held = await batches(p);
  await p.waitForTimeout(700);
  assert.equal(await batches(p), held, 'no batch runs while paused');
  // Scrolled to the bottom of another view, the status and its buttons are still on screen.
  await p.click('#tab-inspect');
  await p.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  for (const id of ['#train-stats', '#train-pause', '#train-stop', '#run-show']) assert.ok(await inViewport(p, id), `${id} in view`);
  assert.match((await p.textContent('#run-state')) ?? '', new RegExp(`Paused after batch ${held}`));
  // The end of the page is not hidden behind the bar.
  const covered = await p.evaluate(() => {
    const bar = (document.querySelector('#run-bar') as HTMLElement).getBoundingClientRect();
    const last = (document.querySelector('#view-inspect') as HTMLElement).lastElementChild?.getBoundingClientRect();
    return last ? last.bottom > bar.top : true;
  });
  assert.equal(covered, false);
  await p.click('#run-show');
  assert.equal(await p.isVisible('#view-train'), true);
  await p.click('#train-pause');
  await p.waitForFunction((n) => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) > n, held);
  // Tabs keep each view's scroll position, also while training.
  await p.evaluate(() => window.scrollTo(0, 500));
  const y = await p.evaluate(() => window.scrollY);
  await p.click('#tab-explain');
  await p.click('#tab-train');
  assert.equal(await p.evaluate(() => window.scrollY), y);
  // Stop works on a paused run too.
  await p.click('#train-pause');
  await p.waitForSelector('#train-pause[data-held="true"]');
  await p.click('#train-stop');
  await p.waitForSelector('#train-status[data-outcome="stopped"]');
  assert.ok((await batches(p)) < 400, 'stopped before the end');
  assert.equal(await p.isVisible('#run-bar'), false);
  console.log(`# ${await p.textContent('#train-status')}`);
  await p.fill('#epochs', '2');
});

test('phone width: every view fits 390 px; a tapped test image\'s prediction comes into view', { skip }, async () => {
  const p = page as Page;
  await p.setViewportSize({ width: 390, height: 844 });
  for (const view of ['explain', 'train', 'inspect']) {
    await p.click(`#tab-${view}`);
    await p.screenshot({ path: join(ARTIFACTS, `${view}-phone.png`), fullPage: true });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the ${view} view is ${overflow}px wider than a phone screen`);
  }
  await p.evaluate(() => window.scrollTo(0, 0));
  const top = await p.textContent('#top3');
  await p.click('#test-strip .thumb[data-index="5"]');
  await p.waitForFunction((t) => document.querySelector('#top3')?.textContent !== t && /#5:/.test(document.querySelector('#input-caption')?.textContent ?? ''), top);
  await p.waitForTimeout(100);
  assert.ok(await inViewport(p, '#top3'), 'the prediction is on screen after the tap');
  await p.setViewportSize({ width: 1280, height: 800 });
});

test('not cross-origin isolated: the page says why it runs on one thread and what the server must send', { skip }, async () => {
  const p = await (browser as Browser).newPage();
  const errors: string[] = [];
  watchConsole(p, errors);
  await p.goto(`${await (site as Site).plain()}?lang=en`);
  await ready(p);
  const line = (await p.textContent('#runtime')) ?? '';
  console.log(`# without isolation: ${line}`);
  assert.equal(await p.getAttribute('#runtime', 'data-isolated'), 'false');
  assert.equal(await p.getAttribute('#runtime', 'data-threads'), '1');
  assert.match(line, /on one thread/);
  assert.match(line, /not cross-origin isolated/);
  assert.match(line, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(line, /Cross-Origin-Embedder-Policy: require-corp/);
  assert.deepEqual(errors, []);
  await p.close();
});

test('the server\'s copy of the archive: one size everywhere, loaded through the engine worker', { skip }, async () => {
  const p = page as Page;
  await p.click('#tab-train');
  const mb = (statSync(served).size / 1e6).toFixed(1);
  assert.equal(await p.textContent('#load-server'), `Load it from this server (${mb} MB)`);
  await p.click('#load-server');
  await p.waitForSelector('#data-status[data-loaded="true"]');
  assert.match((await p.textContent('#data-status')) ?? '', /^1,000 training and 200 test images from cifar-10-binary\.tar\.gz/);
  const sizes = ((await p.textContent('#view-train')) ?? '').match(/[\d.]+(?= MB)/g) ?? [];
  assert.deepEqual([...new Set(sizes)], [mb], 'every size on the page is the same figure');
});

test('no console errors', { skip }, () => {
  assert.deepEqual(consoleErrors, []);
});
