/**
 * The page in English and Korean: the two message catalogues agree (keys, parameters, the Korean
 * write-up's terms); the page follows the browser's language, `?lang=` and its switch; every view,
 * empty and with a trained model, shows no missing key and, in Korean, no English word left
 * untranslated; numbers and layer names read the same in both; axe-core finds no violation in any
 * of them. Screenshots of each view (1280x800 and 390 px) go to web/test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, ROOT, assertAccessible, buildSite, cifarArchive, launch, pickArchive, ready, skipReason, watchConsole, type Site } from './helpers/web.js';

const catalogue = (lang: string) => JSON.parse(readFileSync(join(ROOT, 'web', 'src', 'i18n', `${lang}.json`), 'utf8')) as Record<string, string>;
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('catalogues: Korean has every English message, with the same parameters, in the write-up\'s terms', () => {
  const en = catalogue('en'), ko = catalogue('ko');
  const base = (k: string) => k.replace(/#\w+$/, '');
  const enKeys = new Set(Object.keys(en).map(base)), koKeys = new Set(Object.keys(ko).map(base));
  assert.deepEqual([...enKeys].filter((k) => !koKeys.has(k)), [], 'keys missing in ko.json');
  assert.deepEqual([...koKeys].filter((k) => !enKeys.has(k)), [], 'keys in ko.json that English lacks');
  for (const key of enKeys) {
    const enParams = new Set(Object.entries(en).filter(([k]) => base(k) === key).flatMap(([, v]) => placeholders(v)));
    const koText = ko[key] ?? ko[`${key}#other`];
    assert.ok(koText !== undefined, `${key}: Korean needs the plain form or #other`);
    assert.deepEqual(placeholders(koText).filter((p, i, a) => a.indexOf(p) === i), [...enParams].sort(), `${key}: parameters differ`);
    assert.notEqual(koText.trim(), '', `${key}: empty`);
  }
  const all = Object.values(ko).join('\n');
  for (const term of ['합성곱', '필터', '커널', '패딩', "'same'", "'valid'", '풀링', '파라미터', '에포크', '배치']) assert.ok(all.includes(term), `the Korean catalogue uses ${term}`);
});

if (skipReason) console.log(`# web page language tests skipped: ${skipReason}`);
const skip = skipReason ?? false;

let site: Site | null = null;
let browser: Browser | null = null;
let context: BrowserContext | null = null;
let page: Page | null = null;
const consoleErrors: string[] = [];
const VIEWS = ['explain', 'train', 'inspect'] as const;

before(async () => {
  if (skipReason) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  site = await buildSite();
  browser = await launch();
  // A Korean browser: no ?lang in the address.
  context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(60_000);
  watchConsole(page, consoleErrors);
  await page.goto(`${site.base}#explain`);
  await ready(page);
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** Words that stay as they are in Korean: names of files, formats, layers, products, code. */
const KEEP = [
  /\bcnnkit train --data\b/g, /photos\/[\w/*.]+/g, /\b(cats|dogs)\//g, /\.zip\b/g, /\b(PNG|JPEG|BMP|GIF|WebP|SGD|GELU|CPU|airbench)\b/g,
  /[\w-]+\.tar\.gz/g, /model\.json/g, /group1-shard1of1\.bin/g, /\bTensorFlow\.js layers\b/g, /\bcnnkit\b/g, /\bCIFAR-10\b/g, /\bWebAssembly\b/g,
  /\bTypeScript\b/g, /\bCNN\b/g, /\bAdam\b/g, /\bReLU\b/g, /\bRGB\b/g, /\bMB\b/g, /\bTab\b/g, /\bEnglish\b/g,
  /\b(conv2d|max_pooling2d|dense|flatten)(_\d+)?\b/g, /\b(Conv2D|MaxPooling2D|Flatten|Dense|None|maxPooling2d)\b/g,
  /'(same|valid)'/g, /\b(ceil|floor|max)\(/g, /\d+x\d+/g,
];

/** The page's visible words: text, and the names and titles of what is shown. */
async function visibleWords(p: Page): Promise<string> {
  return p.evaluate(() => {
    const parts = [document.body.innerText, document.title];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('[aria-label], [title], [placeholder], [alt]'))) {
      if (el.closest('[hidden]')) continue;
      for (const a of ['aria-label', 'title', 'placeholder', 'alt']) parts.push(el.getAttribute(a) ?? '');
    }
    return parts.join('\n');
  });
}

/**
 * Checks one view: no missing message, no English left in Korean, no overflow at phone width; when
 * `full`, no axe-core violation and a screenshot (at 390 px too for the 'trained' stage).
 */
async function checkView(p: Page, lang: 'en' | 'ko', view: string, stage: string, full = true): Promise<void> {
  const t0 = Date.now();
  const lap = (what: string) => process.env.CNNKIT_TIMING && console.log(`# ${lang} ${view} ${stage} ${what}: ${Date.now() - t0} ms`);
  await p.click(`#tab-${view}`);
  await p.waitForTimeout(150);
  const words = await visibleWords(p);
  assert.doesNotMatch(words, /\[[a-z]+\.[A-Za-z0-9.]+\]/, `a missing message in the ${lang} ${view} view (${stage})`);
  if (lang === 'ko') {
    let rest = words;
    for (const re of KEEP) rest = rest.replace(re, ' ');
    const english = [...new Set(rest.match(/[A-Za-z]{2,}/g) ?? [])];
    assert.deepEqual(english, [], `English left in the Korean ${view} view (${stage})`);
  }
  lap('words');
  if (full) {
    await assertAccessible(p, `the ${lang} ${view} view (${stage})`);
    lap('axe');
    await p.screenshot({ path: join(ARTIFACTS, `${view}-${stage}-${lang}.png`) });
  }
  await p.setViewportSize({ width: 390, height: 844 });
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the ${lang} ${view} view is ${overflow}px wider than a phone (${stage})`);
  if (full && stage === 'trained') await p.screenshot({ path: join(ARTIFACTS, `${view}-${stage}-${lang}-phone.png`), fullPage: true });
  await p.setViewportSize({ width: 1280, height: 800 });
  lap('screenshots');
}

async function switchTo(p: Page, lang: 'en' | 'ko'): Promise<void> {
  await p.selectOption('#lang', lang);
  assert.equal(await p.getAttribute('html', 'lang'), lang);
  assert.match(p.url(), new RegExp(`[?&]lang=${lang}`));
}

/** Numbers and names that must read the same in every language. */
const invariant = (p: Page) => p.evaluate(() => ({
  params: Array.from(document.querySelectorAll('#param-table .layer-name, #param-table .type, #param-table td.num'), (e) => e.textContent),
  outputs: Array.from(document.querySelectorAll('#out-grid .cell, #pool-grid .cell'), (e) => e.textContent),
  terms: document.querySelector('#explain-terms')?.textContent,
}));

test('language: the browser\'s language, the switch and ?lang= choose it; every view in both, empty and in use', { skip }, async () => {
  const p = page as Page;
  assert.equal(await p.getAttribute('html', 'lang'), 'ko', 'follows a Korean browser');
  assert.equal(await p.textContent('#tab-explain'), '설명');
  assert.match(await p.title(), /합성곱/);
  await p.hover('#out-0-0');
  const ko = await invariant(p);
  for (const view of VIEWS) await checkView(p, 'ko', view, 'empty');
  // The other data source and the other recipe, in Korean too.
  await p.click('#tab-train');
  await p.selectOption('#data-source', 'image-folder');
  await p.selectOption('#recipe', 'fast');
  await checkView(p, 'ko', 'train', 'folder');
  await p.selectOption('#data-source', 'cifar10-archive');
  await p.selectOption('#recipe', 'tutorial');
  await switchTo(p, 'en');
  await p.click('#tab-explain');
  assert.equal(await p.textContent('#tab-explain'), 'Explain');
  assert.deepEqual(await invariant(p), ko, 'numbers and layer names are the same in both languages');
  // axe-core and pictures once per stage and view: the second language changes only the words.
  for (const view of VIEWS) await checkView(p, 'en', view, 'empty', false);

  // In use: data, a trained model with its test results, a refused setting, a question, a paused run.
  await pickArchive(p, 'tiny-cifar.tar.gz', cifarArchive(20, 30));
  await p.fill('#train-count', '100');
  await p.fill('#epochs', '1');
  await p.click('#train-start');
  await p.waitForSelector('#eval-result[data-accuracy]');
  await p.click('#tab-inspect');
  await p.waitForSelector('#top3 .bar-row:nth-child(3)');
  await p.click('#tab-explain');
  await p.fill('#input-grid input[data-r="2"][data-c="2"]', '300');
  await p.click('#tab-train');
  await p.fill('#test-count', '0');
  await p.click('#train-start');
  await p.fill('#test-count', '30');
  await p.click('#train-start');
  assert.equal(await p.isVisible('#train-confirm'), true);
  for (const lang of ['en', 'ko'] as const) {
    if (lang === 'ko') await switchTo(p, 'ko');
    for (const view of VIEWS) await checkView(p, lang, view, 'trained');
  }
  await p.click('#tab-train');
  await p.fill('#epochs', '100');
  await p.click('#train-confirm-yes');
  await p.waitForSelector('#train-status:not([data-outcome])');
  await p.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) >= 2);
  await p.click('#train-pause');
  await p.waitForSelector('#train-pause[data-held="true"]');
  // The run bar's words in every view; axe and pictures once per language.
  for (const lang of ['ko', 'en'] as const) {
    if (lang === 'en') await switchTo(p, 'en');
    for (const view of VIEWS) await checkView(p, lang, view, 'paused', lang === 'ko' && view === 'inspect');
  }
  await p.click('#train-stop');
  await p.waitForSelector('#train-status[data-outcome="stopped"]', { state: 'attached' });
});

test('language: ?lang=ko wins over an English browser', { skip }, async () => {
  const ctx = await (browser as Browser).newContext({ locale: 'en-US' });
  const p = await ctx.newPage();
  watchConsole(p, consoleErrors);
  await p.goto(`${(site as Site).base}#train`);
  await ready(p);
  assert.equal(await p.getAttribute('html', 'lang'), 'en');
  await p.goto(`${(site as Site).base}?lang=ko#train`);
  await ready(p);
  assert.equal(await p.getAttribute('html', 'lang'), 'ko');
  assert.equal(await p.textContent('#train-start'), '훈련 시작');
  assert.equal(await p.inputValue('#lang'), 'ko');
  await ctx.close();
});

test('language: no console errors (a missing message logs one)', { skip }, () => {
  assert.deepEqual(consoleErrors, []);
});
