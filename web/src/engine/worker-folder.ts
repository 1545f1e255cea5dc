/**
 * The visitor's own images in the engine worker: a folder of class folders (picked, or dropped)
 * or a .zip of one. Indexed and split by the library's own rules (`planImageFolder`: class names
 * from the sorted subfolder names, the seeded validation split of `cnnkit train --data`), each
 * header read for the pixel limit before decoding, decoded by the browser's own decoders
 * (createImageBitmap, EXIF orientation applied) onto an OffscreenCanvas and resized by the
 * library's `prepareImage` (bilinear, as `cnnkit train --data`), kept as uint8. Files that cannot
 * be read are skipped and named; folders that cannot make a classifier get a message of their own.
 */
import * as ck from 'cnnkit';
import { unzipSync, type UnzipFileInfo } from 'fflate';
import type { FolderProblem, FolderSource, Skipped } from './protocol.ts';

/** The split of `cnnkit train --data` when no seed is given: the page validates on the same images. */
export const SPLIT_SEED = 1337;
export const VALIDATION_SPLIT = 0.2;

/** An error the page words itself (in its language), with what it needs to say. */
export class FolderError extends Error {
  constructor(readonly problem: FolderProblem) {
    super(`folder:${JSON.stringify(problem)}`);
  }
}

/** One file of the tree: its bytes on demand. */
interface TreeFile {
  size: number;
  mtimeMs: number;
  read(): Promise<Uint8Array>;
}

/** A folder tree held in memory (paths '/'-separated, relative to its root). */
class Tree implements ck.datasets.FolderReader {
  readonly files = new Map<string, TreeFile>();
  private readonly dirs = new Map<string, Map<string, 'file' | 'directory'>>([['', new Map()]]);

  /** Adds a file, or a folder (`file` null: an empty folder of a zip). */
  add(path: string, file: TreeFile | null): void {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) return;
    if (file === null) parts.push('');
    let dir = '';
    for (let i = 0; i < parts.length - 1; i++) {
      const next = dir === '' ? parts[i] : `${dir}/${parts[i]}`;
      (this.dirs.get(dir) as Map<string, 'file' | 'directory'>).set(parts[i], 'directory');
      if (!this.dirs.has(next)) this.dirs.set(next, new Map());
      dir = next;
    }
    if (file === null) return;
    (this.dirs.get(dir) as Map<string, 'file' | 'directory'>).set(parts[parts.length - 1], 'file');
    this.files.set(parts.join('/'), file);
  }

  async list(path: string): Promise<ck.datasets.FolderEntry[]> {
    return [...(this.dirs.get(path) ?? new Map<string, 'file' | 'directory'>())].map(([name, kind]) => ({ name, kind }));
  }

  async stat(path: string): Promise<ck.datasets.FileFacts> {
    const f = this.files.get(path);
    if (f) return { kind: 'file', size: f.size, mtimeMs: f.mtimeMs };
    return { kind: this.dirs.has(path) ? 'directory' : 'other', size: 0, mtimeMs: 0 };
  }

  /** Subfolders of `path` (hidden ones left out, as the library leaves them out). */
  subfolders(path: string): string[] {
    return [...(this.dirs.get(path) ?? [])].filter(([n, k]) => k === 'directory' && !n.startsWith('.')).map(([n]) => n);
  }

  /** Whether the root holds image files of its own. */
  rootImages(): number {
    return [...(this.dirs.get('') ?? [])].filter(([n, k]) => k === 'file' && isImageName(n)).length;
  }

  /** Image files anywhere under `path`. */
  imagesUnder(path: string): number {
    let n = 0;
    for (const p of this.files.keys()) if (p.startsWith(`${path}/`) && isImageName(p) && !p.split('/').some((s) => s.startsWith('.'))) n++;
    return n;
  }

  /**
   * The tree below its one top folder, when it has only that one (and no images beside it) and it
   * holds class folders (a picked folder `photos/` or a zip of it); else this tree.
   */
  unwrapped(): Tree {
    const top = this.subfolders('');
    if (top.length !== 1 || this.rootImages() > 0 || this.subfolders(top[0]).length === 0) return this;
    const prefix = `${top[0]}/`;
    const inner = new Tree();
    for (const d of this.dirs.keys()) if (d.startsWith(prefix)) inner.add(d.slice(prefix.length), null);
    for (const [p, f] of this.files) inner.add(p.slice(prefix.length), f);
    return inner;
  }
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return ck.datasets.IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** The tree of picked or dropped files (their paths as the browser gave them). */
function treeOfFiles(files: { path: string; file: File }[]): Tree {
  const tree = new Tree();
  for (const { path, file } of files) tree.add(path, { size: file.size, mtimeMs: file.lastModified, read: async () => new Uint8Array(await file.arrayBuffer()) });
  return tree;
}

/** Zip entries larger than this are not images anyone trains on (and could be a zip bomb). */
const MAX_ENTRY_BYTES = 256e6;

/** The tree of a .zip: the listing first, each file inflated only when it is read. */
async function treeOfZip(zip: File): Promise<Tree> {
  const bytes = new Uint8Array(await zip.arrayBuffer());
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        entries.push(f);
        return false;
      },
    });
  } catch (e) {
    throw new FolderError({ code: 'badZip', name: zip.name, error: (e as Error).message });
  }
  const tree = new Tree();
  for (const entry of entries) {
    // Folders end with '/'; macOS adds a __MACOSX folder of resource forks to the zips it makes.
    if (entry.name.startsWith('__MACOSX/')) continue;
    if (entry.name.endsWith('/')) {
      tree.add(entry.name, null);
      continue;
    }
    tree.add(entry.name, {
      size: entry.originalSize, mtimeMs: zip.lastModified,
      read: async () => {
        if (entry.originalSize > MAX_ENTRY_BYTES) throw new Error(`${entry.originalSize} bytes once unpacked`);
        const out = unzipSync(bytes, { filter: (f) => f.name === entry.name })[entry.name];
        if (!out) throw new Error('missing from the zip');
        return out;
      },
    });
  }
  return tree;
}

/** One image decoded by the browser and shaped by the library: [size, size, 3] uint8. */
export async function decodeToSize(bytes: Uint8Array, name: string, size: number, options: { crop?: boolean; interpolation?: 'bilinear' | 'area' } = {}): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const header = await ck.datasets.readImageHeader(bytes, name);
  const pixels = header.width * header.height;
  if (pixels > ck.datasets.DEFAULT_MAX_PIXELS) throw new SkipError('tooLarge', `${header.width}x${header.height}`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new SkipError('corrupt', header.format.toUpperCase());
  }
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const raw: ck.datasets.RawImage = { width, height, channels: 4, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  const out = ck.datasets.prepareImage(raw, { imageSize: [size, size], colorMode: 'rgb', interpolation: options.interpolation ?? 'bilinear', cropToAspectRatio: options.crop ?? false });
  return { pixels: out, width, height };
}

/** Why a file is skipped, in words the page has in each language. */
class SkipError extends Error {
  constructor(readonly reason: Skipped['reason'], readonly detail: string) {
    super(reason === 'tooLarge' ? `${detail} is more than ${ck.datasets.DEFAULT_MAX_PIXELS / 1e6} megapixels: refused before decoding` : `the ${detail} data cannot be decoded`);
  }
}

function skipOf(path: string, e: unknown): Skipped {
  if (e instanceof SkipError) return { path, reason: e.reason, detail: e.detail };
  const text = (e as Error).message ?? String(e);
  // The library's header check: not an image at all, or a header of a format it names that it cannot read.
  const format = /\b(PNG|JPEG|BMP|GIF|WEBP)\b/.exec(text.replace(/not a PNG, JPEG, BMP, GIF or WebP image/, ''))?.[1];
  return format ? { path, reason: 'corrupt', detail: format } : { path, reason: 'notImage', detail: '' };
}

/** A dataset of the visitor's images, split into training and validation. */
export interface FolderData {
  classNames: string[];
  size: number;
  train: { images: Uint8Array; labels: Uint8Array; count: number };
  validation: { images: Uint8Array; labels: Uint8Array; count: number };
  /** Image files found (before any was skipped). */
  files: number;
  skipped: Skipped[];
}

type Progress = (done: number, total: number) => void;

/** Reads, checks, decodes and splits the visitor's folder or zip. */
export async function loadFolder(source: FolderSource, progress: Progress): Promise<FolderData> {
  const size = source.imageSize;
  const tree = (source.zip ? await treeOfZip(source.zip) : treeOfFiles(source.files ?? [])).unwrapped();
  const classes = tree.subfolders('').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length === 0) throw new FolderError({ code: tree.rootImages() > 0 ? 'noClassesImages' : 'noClasses', name: source.name });
  const empty = classes.filter((c) => tree.imagesUnder(c) === 0);
  if (empty.length) throw new FolderError({ code: 'emptyClass', name: source.name, classes: empty.join(', ') });
  if (classes.length > 255) throw new FolderError({ code: 'tooManyClasses', name: source.name, n: classes.length });
  if (classes.length === 1) throw new FolderError({ code: 'oneClass', name: source.name, classes: classes[0] });
  const plan = await ck.datasets.planImageFolder(tree, source.name, { validationSplit: VALIDATION_SPLIT, subset: 'both', seed: SPLIT_SEED });
  const n = plan.files.length, bytes = size * size * 3;
  const images = new Uint8Array(n * bytes);
  const ok = new Uint8Array(n);
  const skipped: Skipped[] = plan.refused.map((r) => ({ path: r.path, reason: 'notImage' as const, detail: '' }));
  let last = 0;
  for (let i = 0; i < n; i++) {
    const f = plan.files[i];
    try {
      const file = tree.files.get(f.path) as TreeFile;
      const { pixels } = await decodeToSize(await file.read(), f.path, size);
      images.set(pixels, i * bytes);
      ok[i] = 1;
    } catch (e) {
      skipped.push(skipOf(f.path, e));
    }
    const now = performance.now();
    if (now - last > 100 || i === n - 1) {
      last = now;
      progress(i + 1, n);
    }
  }
  const take = (order: number[]) => {
    const kept = order.filter((i) => ok[i]);
    const out = { images: new Uint8Array(kept.length * bytes), labels: new Uint8Array(kept.length), count: kept.length };
    kept.forEach((i, j) => {
      out.images.set(images.subarray(i * bytes, (i + 1) * bytes), j * bytes);
      out.labels[j] = plan.files[i].label;
    });
    return out;
  };
  const train = take(plan.training), validation = take(plan.validation);
  const unread = plan.classNames.filter((_, c) => !plan.files.some((f, i) => f.label === c && ok[i]));
  if (unread.length) throw new FolderError({ code: 'unreadableClass', name: source.name, classes: unread.join(', '), skipped: skipped.length });
  if (train.count === 0 || validation.count === 0) throw new FolderError({ code: 'tooFew', name: source.name, n: train.count + validation.count });
  return { classNames: plan.classNames, size, train, validation, files: n + plan.refused.length, skipped };
}
