/**
 * The cnnkit page: Vite serves web/ and imports the library's own sources through the alias
 * `cnnkit` -> src/browser.ts. Dev and preview servers send COOP/COEP so the page is cross-origin
 * isolated (SharedArrayBuffer, worker threads), and serve the CIFAR-10 archive from
 * ../shared/cifar10/ at /data/cifar-10-binary.tar.gz when that file exists (never copied here).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connect, Plugin } from 'vite';
import { defineConfig } from 'vite';

const webDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(webDir, '..');
const srcDir = join(repoRoot, 'src');
/** The archive the page can load without a file picker; overridable for tests. */
const archivePath = process.env.CNNKIT_CIFAR10_ARCHIVE ?? resolve(repoRoot, '..', 'shared', 'cifar10', 'cifar-10-binary.tar.gz');
export const ARCHIVE_URL = '/data/cifar-10-binary.tar.gz';
/** Says whether ARCHIVE_URL is there, so that the page never requests a missing file. */
export const ARCHIVE_INFO_URL = '/data/cifar10.json';

const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Serves the CIFAR-10 archive at ARCHIVE_URL if it is present, else answers 404 (not the SPA page). */
function archiveMiddleware(): Connect.NextHandleFunction {
  return (req, res, next) => {
    const url = (req.url ?? '').split('?')[0];
    if (url === ARCHIVE_INFO_URL) {
      const present = existsSync(archivePath);
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(JSON.stringify({ available: present, url: ARCHIVE_URL, bytes: present ? statSync(archivePath).size : 0 }));
      return;
    }
    if (url !== ARCHIVE_URL) return next();
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    if (!existsSync(archivePath)) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end('No CIFAR-10 archive on this server: drop or pick cifar-10-binary.tar.gz instead.\n');
      return;
    }
    const size = statSync(archivePath).size;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'HEAD') return void res.end();
    createReadStream(archivePath).pipe(res);
  };
}

function cifar10Archive(): Plugin {
  return {
    name: 'cnnkit-cifar10-archive',
    configureServer(server) {
      server.middlewares.use(archiveMiddleware());
    },
    configurePreviewServer(server) {
      server.middlewares.use(archiveMiddleware());
    },
  };
}

/**
 * The library starts its kernel workers with `new URL('./worker.js', import.meta.url)`, which
 * names the compiled file of a TypeScript source. Here the page builds that worker with Vite and
 * points the URL at the result (`./worker.ts?worker&url`), in dev and in the build alike.
 */
function libraryWorkers(): Plugin {
  const pattern = /new URL\(\s*(['"])\.\/([\w-]+)\.js\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'cnnkit-library-workers',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0];
      if (!file.startsWith(srcDir) || !file.endsWith('.ts') || !code.includes('import.meta.url')) return null;
      const imports: string[] = [];
      const out = code.replace(pattern, (match, _q: string, name: string) => {
        if (!existsSync(join(dirname(file), `${name}.ts`))) return match;
        const v = `__cnnkitWorkerUrl${imports.length}`;
        imports.push(`import ${v} from ${JSON.stringify(`./${name}.ts?worker&url`)};`);
        return `new URL(${v}, import.meta.url)`;
      });
      return imports.length ? { code: `${imports.join('\n')}\n${out}`, map: null } : null;
    },
  };
}

export default defineConfig({
  root: webDir,
  base: './',
  resolve: {
    alias: [
      { find: /^cnnkit$/, replacement: join(srcDir, 'browser.ts') },
    ],
  },
  plugins: [cifar10Archive(), libraryWorkers()],
  server: { headers: isolationHeaders, fs: { allow: [repoRoot] } },
  preview: { headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [libraryWorkers()] },
  build: { target: 'es2022', outDir: join(webDir, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
