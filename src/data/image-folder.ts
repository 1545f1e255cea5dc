/**
 * Which files of an image folder go where, by Keras's `image_dataset_from_directory` rules: class
 * names from the sorted subfolder names (or given), files found by a sorted recursive walk,
 * labels by class, one seeded shuffle of the file list, and the validation split taken from its
 * end. Pure code over a {@link FolderReader}, so Node (the file system) and a page (a dropped
 * folder) index the same way.
 */
import { DataError, ValueError, fmtValue } from '../errors.js';
import { Random, globalRandom } from '../tensor/random.js';

/** One entry of a folder listing. */
export interface FolderEntry {
  name: string;
  /** What the entry is; symbolic links are reported as such (not followed). */
  kind: 'file' | 'directory' | 'symlink' | 'other';
}

/** File facts used for the split and the cache. */
export interface FileFacts {
  kind: 'file' | 'directory' | 'other';
  size: number;
  mtimeMs: number;
}

/** Read access to a folder tree; paths are relative to its root, joined with '/'. */
export interface FolderReader {
  /** The entries of a folder ('' is the root). */
  list(path: string): Promise<FolderEntry[]>;
  /** Facts about a path; `follow` resolves a symbolic link to its target. */
  stat(path: string, follow: boolean): Promise<FileFacts>;
}

/** File name endings that are read as images (case-insensitive); Keras's list plus WebP. */
export const IMAGE_EXTENSIONS = ['.bmp', '.gif', '.jpeg', '.jpg', '.png', '.webp'] as const;

/** One image file of the plan. */
export interface PlannedFile {
  /** Path relative to the folder, '/'-separated. */
  path: string;
  /** Class index (-1 without labels). */
  label: number;
  size: number;
  mtimeMs: number;
}

/** A file left out while indexing, with the reason. */
export interface LeftOut {
  path: string;
  reason: string;
}

/** What {@link planImageFolder} decided. */
export interface FolderPlan {
  classNames: string[];
  /** Every image file in canonical order (classes in order, then the sorted walk). */
  files: PlannedFile[];
  /** Indices into `files` of the requested subset(s), in dataset order. */
  training: number[];
  validation: number[];
  /** Number of classes the labels index (for one-hot labels). */
  numClasses: number;
  /** Files without an image extension (not candidates, as in Keras). */
  ignored: string[];
  /** Candidates refused before decoding: links not followed, non-regular files. */
  refused: LeftOut[];
}

/** The indexing options (Keras names in camelCase). */
export interface PlanOptions {
  /** 'inferred' (default: from subfolders), null (no labels) or one label per file in sorted path order. */
  labels?: 'inferred' | null | readonly number[];
  classNames?: readonly string[] | null;
  shuffle?: boolean;
  seed?: number;
  validationSplit?: number | null;
  subset?: 'training' | 'validation' | 'both' | null;
  followLinks?: boolean;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Checks Keras's rules for `validationSplit`, `subset`, `shuffle` and `seed`. */
export function checkSplitOptions(where: string, o: PlanOptions): void {
  const { validationSplit, subset, shuffle = true, seed } = o;
  if (validationSplit != null && !(validationSplit > 0 && validationSplit < 1)) throw new ValueError(`${where}: validationSplit must be between 0 and 1. Received validationSplit=${validationSplit}`);
  if ((validationSplit != null) !== (subset != null)) throw new ValueError(`${where}: if subset is set, validationSplit must be set, and inversely. Received subset=${fmtValue(subset)}, validationSplit=${fmtValue(validationSplit)}`);
  if (subset != null && !['training', 'validation', 'both'].includes(subset)) throw new ValueError(`${where}: subset must be 'training', 'validation' or 'both'. Received subset=${fmtValue(subset)}`);
  if (validationSplit != null && shuffle && seed === undefined)
    throw new ValueError(`${where}: with validationSplit and shuffling, a seed must be given so that the training and validation subsets do not overlap. Received seed=undefined`);
  if (seed !== undefined && !Number.isInteger(seed)) throw new ValueError(`${where}: seed must be an integer. Received seed=${fmtValue(seed)}`);
}

class Walker {
  readonly ignored: string[] = [];
  readonly refused: LeftOut[] = [];

  constructor(private readonly reader: FolderReader, private readonly followLinks: boolean) {}

  /** The image files under `dir`, in Keras's order (folders by path, files sorted within). */
  async walk(dir: string): Promise<{ path: string; facts: FileFacts }[]> {
    const out: { path: string; facts: FileFacts }[] = [];
    const folders = [dir];
    const visited: string[] = [];
    while (folders.length) {
      const cur = folders.shift()!;
      visited.push(cur);
      const entries = (await this.reader.list(cur)).sort((a, b) => byCodePoint(a.name, b.name));
      for (const e of entries) {
        const path = cur === '' ? e.name : `${cur}/${e.name}`;
        let kind = e.kind === 'symlink' ? null : e.kind;
        if (e.kind === 'symlink') {
          if (!this.followLinks) {
            if (isImageName(e.name)) this.refused.push({ path, reason: 'a symbolic link (followLinks is false)' });
            continue;
          }
          kind = (await this.reader.stat(path, true).catch(() => ({ kind: 'other' as const }))).kind;
        }
        if (kind === 'directory') {
          if (!e.name.startsWith('.')) folders.push(path);
          continue;
        }
        if (!isImageName(e.name)) {
          if (!e.name.startsWith('.')) this.ignored.push(path);
          continue;
        }
        if (kind !== 'file') {
          this.refused.push({ path, reason: 'not a regular file' });
          continue;
        }
        out.push({ path, facts: await this.reader.stat(path, this.followLinks) });
      }
    }
    // os.walk order: folders sorted by path, each folder's files sorted.
    const order = new Map(visited.sort(byCodePoint).map((p, i) => [p, i]));
    const folderOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
    return out.sort((a, b) => order.get(folderOf(a.path))! - order.get(folderOf(b.path))! || byCodePoint(a.path, b.path));
  }
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const n of names) {
    const key = n.normalize('NFC');
    if (seen.has(key)) dup.add(n);
    seen.add(key);
  }
  return [...dup];
}

/** Keras `get_training_or_validation_split`: validation is the last `floor(split * n)` files. */
function split(order: number[], validationSplit: number | null | undefined): { training: number[]; validation: number[] } {
  if (validationSplit == null) return { training: order, validation: [] };
  const nVal = Math.floor(validationSplit * order.length);
  return { training: order.slice(0, order.length - nVal), validation: order.slice(order.length - nVal) };
}

/**
 * Indexes an image folder as Keras does and splits it.
 * @throws DataError for no class folders, a class folder without images, duplicate class names,
 *   labels that do not match the files; ValueError for inconsistent options
 */
export async function planImageFolder(reader: FolderReader, where: string, options: PlanOptions = {}): Promise<FolderPlan> {
  const { labels = 'inferred', classNames = null, shuffle = true, seed, validationSplit = null, followLinks = false } = options;
  checkSplitOptions('imageDatasetFromDirectory', options);
  const walker = new Walker(reader, followLinks);
  let files: PlannedFile[];
  let names: string[];
  let numClasses: number;
  if (labels === 'inferred') {
    const entries = (await reader.list('')).sort((a, b) => byCodePoint(a.name, b.name));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const isDir = e.kind === 'directory' || (e.kind === 'symlink' && followLinks && (await reader.stat(e.name, true).catch(() => null))?.kind === 'directory');
      if (isDir) subdirs.push(e.name);
      else if (e.kind === 'symlink') walker.refused.push({ path: e.name, reason: 'a symbolic link (followLinks is false)' });
    }
    if (subdirs.length === 0) throw new DataError(`${where}: no class folders found; expected one subfolder per class (e.g. ${where}/cats/, ${where}/dogs/) holding the images`);
    const dupDirs = duplicates(subdirs);
    if (dupDirs.length) throw new DataError(`${where}: class folders ${dupDirs.map((d) => `'${d}'`).join(', ')} have the same name as another once Unicode-normalised; rename one of them`);
    if (classNames) {
      const dup = duplicates(classNames);
      if (dup.length) throw new ValueError(`imageDatasetFromDirectory: classNames must not repeat a name. Received duplicate ${dup.map((d) => `'${d}'`).join(', ')} in classNames=${fmtValue([...classNames])}`);
      const missing = classNames.filter((c) => !subdirs.includes(c));
      if (missing.length) throw new ValueError(`imageDatasetFromDirectory: classNames must name subfolders of ${where} (found ${fmtValue(subdirs)}). Received classNames=${fmtValue([...classNames])}, not found: ${fmtValue(missing)}`);
    }
    names = classNames ? [...classNames] : subdirs;
    files = [];
    for (let label = 0; label < names.length; label++) {
      const found = await walker.walk(names[label]);
      if (found.length === 0) throw new DataError(`${where}/${names[label]}: class folder holds no images (looked for ${IMAGE_EXTENSIONS.join(', ')})`);
      for (const f of found) files.push({ path: f.path, label, size: f.facts.size, mtimeMs: f.facts.mtimeMs });
    }
    numClasses = names.length;
  } else {
    if (classNames) throw new ValueError(`imageDatasetFromDirectory: classNames can only be given with labels 'inferred'. Received classNames=${fmtValue([...classNames])}`);
    const found = (await walker.walk('')).sort((a, b) => byCodePoint(a.path, b.path));
    if (labels !== null && labels.length !== found.length)
      throw new DataError(`${where}: labels gives ${labels.length} labels but the folder holds ${found.length} image files (labels follow the sorted file paths)`);
    if (labels !== null && labels.some((l) => !Number.isInteger(l) || l < 0)) throw new ValueError(`imageDatasetFromDirectory: labels must be non-negative integers. Received labels=${fmtValue(labels.slice(0, 10))}...`);
    files = found.map((f, i) => ({ path: f.path, label: labels === null ? -1 : labels[i], size: f.facts.size, mtimeMs: f.facts.mtimeMs }));
    names = [];
    numClasses = labels === null || labels.length === 0 ? 0 : Math.max(...labels) + 1;
  }
  if (files.length === 0) throw new DataError(`${where}: no image files found (looked for ${IMAGE_EXTENSIONS.join(', ')})`);
  const order = files.map((_, i) => i);
  if (shuffle) new Random(seed ?? globalRandom.nextUint32()).shuffle(order);
  const { training, validation } = split(order, validationSplit);
  return { classNames: names, files, training, validation, numClasses, ignored: walker.ignored, refused: walker.refused };
}
