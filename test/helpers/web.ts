/**
 * What the browser page tests share: building web/ with Vite into a folder of the test's own,
 * serving it (vite preview, cross-origin isolated; or a plain server without those headers),
 * Debian's Chromium through playwright-core, console error collection, axe-core checks, and CIFAR-10
 * archives made in memory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { binaryEntries, gzip, makeSet, makeTar } from './cifar-fixtures.js';

/** Debian's Chromium; CNNKIT_CHROMIUM names another binary. */
export const CHROMIUM = process.env.CNNKIT_CHROMIUM ?? '/usr/bin/chromium';
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

export const ROOT = repoRoot();
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
export const ARCHIVE = resolve(ROOT, '..', 'shared', 'cifar10', 'cifar-10-binary.tar.gz');
export const ARTIFACTS = join(ROOT, 'web', 'test-artifacts');

/** Why the browser tests cannot run here, or null. */
export const skipReason = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

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

function vite(args: string[], timeoutMs: number): Promise<void> {
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

/** The built page, served. */
export interface Site {
  dir: string;
  /** The page as `vite preview` serves it: cross-origin isolated, with the archive route. */
  base: string;
  /** The same files from a plain server that sends no isolation headers (started by `plain()`). */
  plain(): Promise<string>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };

/** Every file that goes into the page's build, hashed: the build is shared by the test files while they are unchanged. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (['dist', 'test-artifacts', 'node_modules'].includes(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['web', 'src']) walk(join(ROOT, dir));
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The page built once for its sources: the first test file builds it into the system's temporary
 * folder (renamed into place when complete, so files run in parallel never see half a build).
 */
async function builtPage(): Promise<string> {
  const dir = join(tmpdir(), `cnnkit-web-${sourceHash()}`);
  if (existsSync(join(dir, 'index.html'))) return dir;
  // Builds of other sources, untouched for a day, go.
  for (const name of readdirSync(tmpdir())) {
    const old = join(tmpdir(), name);
    if (/^cnnkit-web-[0-9a-f]{16}$/.test(name) && Date.now() - statSync(old).mtimeMs > 86_400_000) rmSync(old, { recursive: true, force: true });
  }
  const part = mkdtempSync(`${dir}-part-`);
  await vite(['build', 'web', '--outDir', part, '--emptyOutDir', '--logLevel', 'error'], 120_000);
  try {
    renameSync(part, dir);
  } catch {
    rmSync(part, { recursive: true, force: true }); // another file's build got there first
  }
  return dir;
}

/** Builds (once) and serves the page; `archive` is the file its server offers at data/cifar-10-binary.tar.gz. */
export async function buildSite(options: { archive?: string } = {}): Promise<Site> {
  const dir = await builtPage();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  const env = options.archive ? { ...process.env, CNNKIT_CIFAR10_ARCHIVE: options.archive } : process.env;
  const preview: ChildProcess = spawn(process.execPath, [VITE, 'preview', 'web', '--outDir', dir, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: ROOT, stdio: 'ignore', env });
  await waitForHttp(base, 30_000);
  let plainServer: Server | null = null;
  return {
    dir, base,
    async plain() {
      plainServer = createHttpServer((req, res) => {
        const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^(\.\.[/\\])+/, '');
        let file = join(dir, path);
        if (!existsSync(file) || statSync(file).isDirectory()) file = join(dir, 'index.html');
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
      const server = plainServer;
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    },
    async close() {
      preview.kill();
      await new Promise<void>((r) => (plainServer ? plainServer.close(() => r()) : r()));
    },
  };
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Collects the page's console errors and uncaught exceptions (its workers' too) into `errors`. */
export function watchConsole(page: Page, errors: string[]): void {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => {
    if (m.type() === 'error') errors.push(`worker: ${m.text()}`);
  }));
}

/** Waits for the page and its engine to be ready. */
export async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Runs axe-core (every rule of its default set) on the page and fails on any violation. */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; failureSummary: string }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary.split('\n').slice(0, 2).join(' ')}`).join(' | ')}`);
  });
  assert.deepEqual(violations, [], `axe-core violations in ${where}`);
}

/** A CIFAR-10 binary archive made here: 5 training batches of `perBatch` images and `test` test images. */
export function cifarArchive(perBatch: number, test: number): Buffer {
  return Buffer.from(gzip(makeTar(binaryEntries(makeSet(perBatch, test)))));
}

/** Picks `bytes` as the archive in the Train view (from the keyboard) and waits until it is unpacked. */
export async function pickArchive(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.click('#tab-train');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 20_000 }), page.press('#archive-pick', 'Enter')]);
  await chooser.setFiles({ name, mimeType: 'application/gzip', buffer: bytes });
  await page.waitForSelector('#data-status[data-loaded="true"]', { timeout: 90_000 });
}
