#!/usr/bin/env node
/**
 * Training speed of the tutorial CNN in the browser page, with 1 and 2 kernel threads: builds
 * web/, serves it with `vite preview` on 127.0.0.1, and in headless Chromium trains one epoch on
 * a class-balanced subset of the CIFAR-10 archive the server offers (../shared/cifar10).
 * Usage: node scripts/web-speed.mjs [--images 2048] [--batch 32] [--threads 1,2]
 * Compare with Node.js: node dist/bench/engines/cnnkit.js wasm THREADS train 32 10
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const images = Number(arg('images', '2048')), batch = arg('batch', '32');
const threadsList = arg('threads', '1,2').split(',').map(Number);

const built = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'error'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const server = spawn(process.execPath, [vite, 'preview', 'web', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: root, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}/`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(base)).ok) break;
  } catch { /* starting */ }
  if (i > 200) throw new Error('vite preview did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const threads of threadsList) {
    const page = await browser.newPage();
    await page.goto(`${base}?threads=${threads}#train`);
    await page.waitForSelector('body[data-ready="true"]');
    const runtime = await page.textContent('#runtime');
    await page.waitForSelector('#load-server:not([hidden])', { timeout: 10_000 });
    await page.click('#load-server');
    await page.waitForSelector('#data-status[data-loaded="true"]', { timeout: 120_000 });
    await page.fill('#train-count', String(images));
    await page.fill('#test-count', '100');
    await page.fill('#epochs', '1');
    await page.selectOption('#batch-size', batch);
    await page.click('#train-start');
    await page.waitForSelector('#train-status[data-outcome]', { timeout: 600_000 });
    const stats = await page.$eval('#train-stats', (el) => ({ ...el.dataset }));
    console.log(`${runtime}\n  ${await page.textContent('#train-status')}\n  last 20 batches: ${stats.msPerBatch} ms/batch, ${stats.imagesPerSecond} images/s`);
    await page.close();
  }
} finally {
  await browser.close();
  server.kill();
}
