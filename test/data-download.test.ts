import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataError } from '../src/errors.js';
import { readCifar10 } from '../src/data/cifar10.js';
import type { LoadOptions, LoadProgress } from '../src/data/options.js';
import { binaryEntries, gzip, makeSet, makeTar } from './helpers/cifar-fixtures.js';

const set = makeSet(2, 3);
const archive = gzip(makeTar(binaryEntries(set)));
const md5 = createHash('md5').update(archive).digest('hex');
const URL_ = 'http://cifar.test/cifar-10-binary.tar.gz';
const CHUNK = 64;
/** A point half-way through the archive, on a chunk boundary. */
const HALF = Math.floor(archive.length / 2 / CHUNK) * CHUNK;

/** A body streaming `bytes` in small chunks; after `failAt` bytes it errors, or just ends when `endEarly`. */
function body(bytes: Uint8Array, opt: { failAt?: number; endEarly?: number } = {}): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (opt.failAt !== undefined && pos >= opt.failAt) {
        ctrl.error(new Error('socket hang up'));
        return;
      }
      if (opt.endEarly !== undefined && pos >= opt.endEarly) {
        ctrl.close();
        return;
      }
      if (pos >= bytes.length) {
        ctrl.close();
        return;
      }
      const n = Math.min(CHUNK, bytes.length - pos);
      ctrl.enqueue(bytes.slice(pos, pos + n));
      pos += n;
    },
  });
}

function fakeFetch(make: () => Response, calls: string[] = []): typeof fetch {
  return (async (input: string | URL | Request) => {
    calls.push(String(input));
    return make();
  }) as typeof fetch;
}

let root = '';
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'cnnkit-data-download-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(fetchImpl: typeof fetch, extra: Partial<LoadOptions> = {}): { o: LoadOptions; cache: string } {
  const base = join(root, `case${n++}`);
  const cache = join(base, 'cache');
  return {
    cache,
    o: { fetchImpl, cacheDir: cache, url: URL_, expectedMd5: md5, expectedSize: archive.length, env: { HOME: join(base, 'home') }, ...extra },
  };
}

async function listing(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

describe('downloading CIFAR-10 into the cache', () => {
  test('downloads, verifies md5 and size, writes atomically, reports progress, then reads from the cache', async () => {
    const calls: string[] = [];
    const progress: LoadProgress[] = [];
    const headers = { 'content-length': String(archive.length) };
    const { o, cache } = options(fakeFetch(() => new Response(body(archive), { headers }), calls), { onProgress: (p) => progress.push({ ...p }) });
    // A temporary file left by a killed download (its process no longer exists) is cleaned up.
    await mkdir(cache, { recursive: true });
    await writeFile(join(cache, 'cifar-10-binary.tar.gz.2147483646.deadbeef.part'), 'partial');
    const d = await readCifar10(o);
    assert.deepEqual(calls, [URL_]);
    assert.equal(d.train.count, 10);
    assert.deepEqual(Array.from(d.test.labels), set.test.labels);
    assert.equal(d.source, join(cache, 'cifar-10-binary.tar.gz'));
    assert.deepEqual(await listing(cache), ['cifar-10-binary.tar.gz'], 'only the final file, no temporary left');
    assert.ok(Buffer.from(await readFile(join(cache, 'cifar-10-binary.tar.gz'))).equals(Buffer.from(archive)));
    const dl = progress.filter((p) => p.phase === 'download');
    assert.ok(dl.length > 3);
    assert.deepEqual(dl[dl.length - 1], { phase: 'download', done: archive.length, total: archive.length });
    assert.ok(dl.every((p, i) => i === 0 || p.done >= dl[i - 1].done), 'monotonic');
    const rd = progress.filter((p) => p.phase === 'read');
    assert.equal(rd[rd.length - 1].done, archive.length);

    // Second load: found in the cache, no download.
    const again = await readCifar10({ ...o, fetchImpl: fakeFetch(() => assert.fail('must not download again')) });
    assert.equal(again.train.count, 10);
  });

  async function failsCleanly(o: LoadOptions, cache: string, re: RegExp): Promise<void> {
    await assert.rejects(readCifar10(o), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, re);
      assert.match(e.message, /put cifar-10-binary\.tar\.gz/, 'says where to put the archive');
      return true;
    });
    assert.deepEqual(await listing(cache), [], 'nothing at the final name and no temporary file');
  }

  test('interrupted stream leaves no file', async () => {
    const { o, cache } = options(fakeFetch(() => new Response(body(archive, { failAt: HALF }))));
    await failsCleanly(o, cache, new RegExp(`download of http://cifar\\.test/cifar-10-binary\\.tar\\.gz interrupted after ${HALF} of ${archive.length} bytes \\(socket hang up\\)`));
  });

  test('a body that ends early leaves no file', async () => {
    const { o, cache } = options(fakeFetch(() => new Response(body(archive, { endEarly: HALF }))));
    await failsCleanly(o, cache, new RegExp(`interrupted: received ${HALF} of ${archive.length} bytes`));
  });

  test('checksum mismatch leaves no file', async () => {
    const { o, cache } = options(fakeFetch(() => new Response(body(archive))), { expectedMd5: '0'.repeat(32) });
    await failsCleanly(o, cache, new RegExp(`checksum mismatch for cifar-10-binary\\.tar\\.gz \\(md5 ${md5}, expected 0{32}\\)`));
  });

  test('the official checksum and size are the defaults', async () => {
    const { o, cache } = options(fakeFetch(() => new Response(body(archive))));
    delete o.expectedMd5;
    delete o.expectedSize;
    await failsCleanly(o, cache, /interrupted: received \d+ of 170052171 bytes/);
  });

  test('wrong announced size fails before writing', async () => {
    const { o, cache } = options(fakeFetch(() => new Response(body(archive), { headers: { 'content-length': '12' } })));
    await failsCleanly(o, cache, /server announces 12 bytes, expected \d+/);
  });

  test('HTTP error', async () => {
    const { o, cache } = options(fakeFetch(() => new Response('gone', { status: 404, statusText: 'Not Found' })));
    await failsCleanly(o, cache, /failed \(HTTP 404 Not Found\)/);
  });

  test('offline (fetch rejects): one clear message with the places to put the archive', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND cifar.test') });
    }) as typeof fetch;
    const { o, cache } = options(offline);
    await assert.rejects(readCifar10(o), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^CIFAR-10 not found locally, and downloading it failed: download of .* failed \(fetch failed: getaddrinfo ENOTFOUND cifar\.test\)\./);
      assert.ok(e.message.includes(cache), 'names the cache folder');
      assert.match(e.message, /\.keras\/datasets\/cifar-10-batches-py \(Keras cache\)/);
      return true;
    });
    assert.deepEqual(await listing(cache), []);
  });
});
