/**
 * Getting CIFAR-10 into the page: a dropped or picked `.tar.gz`, or the archive the page's server
 * offers at data/cifar-10-binary.tar.gz. The archive is unpacked in a worker by the library's
 * parser (ck.datasets.parseCifar10Archive); if workers fail, on this thread.
 */
import * as ck from 'cnnkit';

export type Cifar10Data = ReturnType<typeof ck.datasets.parseCifar10Archive>;
export type Cifar10Split = Cifar10Data['train'];

export const ARCHIVE_INFO_URL = 'data/cifar10.json';

export interface ServerArchive {
  available: boolean;
  url: string;
  bytes: number;
}

/** What the page's server says about its copy of the archive (none when not served by ours). */
export async function serverArchive(): Promise<ServerArchive> {
  try {
    const res = await fetch(ARCHIVE_INFO_URL, { cache: 'no-store' });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return { available: false, url: '', bytes: 0 };
    const info = (await res.json()) as ServerArchive;
    return { ...info, url: info.url.replace(/^\//, '') };
  } catch {
    return { available: false, url: '', bytes: 0 };
  }
}

/** Downloads `url` reporting progress in bytes. */
export async function download(url: string, onProgress: (got: number, total: number) => void): Promise<Uint8Array> {
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const out = new Uint8Array(total || 200 * 1024 * 1024);
  let got = 0;
  const chunks: Uint8Array[] = [];
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total && got + value.length <= out.length) out.set(value, got);
    else chunks.push(value);
    got += value.length;
    onProgress(got, total);
  }
  if (total && got === total) return out;
  const all = new Uint8Array(got);
  let off = 0;
  if (total) {
    all.set(out.subarray(0, Math.min(total, got)), 0);
    off = Math.min(total, got);
  }
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return all;
}

/** Unpacks the archive (in a worker when possible); `ms` is the parse time. */
export async function parseArchive(bytes: Uint8Array, name: string): Promise<{ data: Cifar10Data; ms: number; where: string }> {
  try {
    return await new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./parse-worker.ts', import.meta.url), { type: 'module' });
      worker.onmessage = (e: MessageEvent<{ ok: boolean; message?: string; data: Cifar10Data; ms: number }>) => {
        worker.terminate();
        if (e.data.ok) resolve({ data: e.data.data, ms: e.data.ms, where: 'a worker' });
        else reject(new ParseError(e.data.message ?? 'unreadable archive'));
      };
      worker.onerror = (e) => {
        worker.terminate();
        e.preventDefault();
        reject(new Error(e.message || 'the worker failed'));
      };
      const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
      worker.postMessage({ bytes: buf, name }, [buf as ArrayBuffer]);
    });
  } catch (e) {
    if (e instanceof ParseError) throw e;
    throw new Error(`Could not unpack in a worker (${(e as Error).message}); pick the file again.`);
  }
}

class ParseError extends Error {}

/** The split as uint8 image and label tensors, `count` images at most (class-balanced subset). */
export function subsetOf(split: Cifar10Split, count: number): Cifar10Split {
  return count >= split.count ? split : ck.datasets.balancedSplitSubset(split, count);
}
