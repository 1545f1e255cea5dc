#!/usr/bin/env node
/**
 * Training speed of the tutorial CNN in the browser page next to Node.js, on the same machine with
 * the same threads: for each thread count, interleaved and repeated, it runs
 *   - Node.js: node dist/bench/engines/cnnkit.js wasm THREADS train BATCH SECONDS (the benchmark),
 *   - the page in headless Chromium, its tab in front (visible),
 *   - the page with another tab in front (its tab hidden: document.visibilityState 'hidden'),
 * and prints the medians: images/s and the page's share of Node's figure. The page's figure is the
 * one it shows after a run (the engine worker's, first batch left out as in the benchmark).
 *
 * The page is built with Vite into a temporary folder and served by `vite preview` (cross-origin
 * isolated). It trains on the CIFAR-10 archive in ../shared/cifar10 when present, else on one made
 * here. Chromium is driven over the DevTools protocol directly: Playwright keeps every page it
 * controls visible, which would hide the hidden-tab case.
 *
 * Usage: npm run build && node scripts/web-speed.mjs [--threads 1,2] [--repeats 3] [--seconds 8] [--batch 32]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Node 20 has WebSocket behind a flag (22 has it by default): run again with it.
if (typeof WebSocket === 'undefined') {
  const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const chromiumPath = process.env.CNNKIT_CHROMIUM ?? '/usr/bin/chromium';
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const threadsList = arg('threads', '1,2').split(',').map(Number);
const repeats = Number(arg('repeats', '3')), seconds = Number(arg('seconds', '8')), batch = Number(arg('batch', '32'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`${s}\n`);

if (!existsSync(join(root, 'dist', 'bench', 'engines', 'cnnkit.js'))) throw new Error('run `npm run build` first (dist/bench/engines/cnnkit.js is missing)');
if (!existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath} (apt-get install -y chromium)`);

const work = mkdtempSync(join(tmpdir(), 'cnnkit-web-speed-'));
const freePort = () => new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});

// ---- the page and its data ----------------------------------------------------------------------
let archive = resolve(root, '..', 'shared', 'cifar10', 'cifar-10-binary.tar.gz');
if (!existsSync(archive)) {
  const { binaryEntries, gzip, makeSet, makeTar } = await import('../dist/test/helpers/cifar-fixtures.js');
  archive = join(work, 'cifar-made-here.tar.gz');
  writeFileSync(archive, gzip(makeTar(binaryEntries(makeSet(4000, 500)))));
  log(`no CIFAR-10 archive in ../shared: training on ${archive} (20,000 images made here)`);
}
const dist = join(work, 'dist');
const built = spawnSync(process.execPath, [vite, 'build', 'web', '--outDir', dist, '--emptyOutDir', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const port = await freePort();
const server = spawn(process.execPath, [vite, 'preview', 'web', '--outDir', dist, '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
  { cwd: root, stdio: 'ignore', env: { ...process.env, CNNKIT_CIFAR10_ARCHIVE: archive } });
const base = `http://127.0.0.1:${port}/`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(base)).ok) break;
  } catch { /* starting */ }
  if (i > 300) throw new Error('vite preview did not start');
  await sleep(100);
}

// ---- Chromium over the DevTools protocol --------------------------------------------------------
const profile = join(work, 'profile');
const browser = spawn(chromiumPath, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: 'ignore' });
let wsUrl = null;
for (let i = 0; !wsUrl; i++) {
  try {
    const [devtoolsPort, path] = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n');
    wsUrl = `ws://127.0.0.1:${devtoolsPort}${path}`;
  } catch {
    if (i > 300) throw new Error('Chromium did not start');
    await sleep(100);
  }
}
const ws = new WebSocket(wsUrl);
await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
let nextId = 1;
const pending = new Map();
ws.onmessage = (m) => {
  const d = JSON.parse(m.data);
  if (d.id && pending.has(d.id)) {
    const { resolve: ok, reject } = pending.get(d.id);
    pending.delete(d.id);
    if (d.error) reject(new Error(`${d.error.message}`));
    else ok(d.result);
  }
};
const send = (method, params = {}, sessionId) => new Promise((ok, reject) => {
  const id = nextId++;
  pending.set(id, { resolve: ok, reject });
  ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
});

/** A tab: evaluate an expression in it, wait for a condition, close it. */
async function openTab(url) {
  const { targetId } = await send('Target.createTarget', { url, newWindow: false, background: false });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const evaluate = async (expression) => {
    const r = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (r.exceptionDetails) throw new Error(`${expression}: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value;
  };
  const until = async (expression, ms, what) => {
    const end = Date.now() + ms;
    for (;;) {
      try {
        if (await evaluate(expression)) return;
      } catch { /* the page is loading */ }
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  return { targetId, evaluate, until, close: () => send('Target.closeTarget', { targetId }) };
}

// ---- the runs -----------------------------------------------------------------------------------
function nodeRun(threads) {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'engines', 'cnnkit.js'), 'wasm', String(threads), 'train', String(batch), String(seconds)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the Node.js benchmark failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()).imagesPerSecond;
}

/** One training run in `tab`; `hidden` puts another tab in front for the run. */
async function pageRun(tab, images, hidden) {
  await tab.evaluate(`(() => {
    const set = (id, v) => { const el = document.getElementById(id); el.value = v; el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); };
    set('train-count', '${images}'); set('test-count', '100'); set('epochs', '1'); set('batch-size', '${batch}');
  })()`);
  let front = null;
  if (hidden) {
    front = await openTab('about:blank');
    await tab.until(`document.visibilityState === 'hidden'`, 10_000, 'the page tab to be hidden');
  }
  await tab.evaluate(`(() => {
    document.getElementById('train-start').click();
    const yes = document.getElementById('train-confirm-yes');
    if (!document.getElementById('train-confirm').hidden) yes.click();
  })()`);
  await tab.until(`!document.getElementById('train-status').dataset.outcome`, 10_000, 'the run to start');
  await tab.until(`!!document.getElementById('train-status').dataset.outcome`, 600_000, 'the run to end');
  const state = await tab.evaluate(`document.visibilityState`);
  if (front) await front.close();
  const r = await tab.evaluate(`({ outcome: document.getElementById('train-status').dataset.outcome, ips: Number(document.getElementById('train-status').dataset.imagesPerSecond), runtime: document.getElementById('runtime').dataset.threads })`);
  if (r.outcome !== 'finished') throw new Error(`the page's run ended ${r.outcome}`);
  if (hidden && state !== 'hidden') throw new Error('the page tab was not hidden during the run');
  return r.ips;
}

const results = [];
try {
  for (const threads of threadsList) {
    const tab = await openTab(`${base}?threads=${threads}&lang=en#train`);
    await tab.until(`document.body.dataset.ready === 'true'`, 120_000, 'the page');
    const got = await tab.evaluate(`document.getElementById('runtime').dataset.threads`);
    if (Number(got) !== threads) throw new Error(`the page runs ${got} threads, not ${threads}`);
    await tab.until(`!document.getElementById('load-server').hidden`, 30_000, 'the server archive');
    await tab.evaluate(`document.getElementById('load-server').click()`);
    await tab.until(`document.getElementById('data-status').dataset.loaded === 'true'`, 300_000, 'the archive to unpack');
    const row = { threads, node: [], visible: [], hidden: [] };
    for (let r = 0; r < repeats; r++) {
      const n = nodeRun(threads);
      row.node.push(n);
      // About `seconds` of training at Node's speed; the first batch is left out of the figure.
      const images = Math.min(50_000, Math.max(20 * batch, Math.round((n * seconds) / batch) * batch));
      row.visible.push(await pageRun(tab, images, false));
      row.hidden.push(await pageRun(tab, images, true));
      log(`threads ${threads}, repeat ${r + 1}: Node ${n.toFixed(0)}, page ${row.visible.at(-1).toFixed(0)}, page hidden ${row.hidden.at(-1).toFixed(0)} images/s`);
    }
    await tab.close();
    results.push(row);
  }
} finally {
  ws.close();
  browser.kill();
  server.kill();
  await sleep(300);
  rmSync(work, { recursive: true, force: true });
}

console.log(`Training images/s, tutorial CNN, batch ${batch}, medians of ${repeats} (interleaved: Node, page, page hidden):`);
console.log('threads  Node.js  page (visible)  page (tab hidden)');
for (const r of results) {
  const n = median(r.node), v = median(r.visible), h = median(r.hidden);
  console.log(`${String(r.threads).padStart(7)}  ${n.toFixed(0).padStart(7)}  ${v.toFixed(0).padStart(7)} (${((100 * v) / n).toFixed(0)}%)  ${h.toFixed(0).padStart(9)} (${((100 * h) / n).toFixed(0)}%)`);
}
