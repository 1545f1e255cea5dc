/**
 * CIFAR-10 layout and record conversion shared by every source (archive, folder, browser bytes).
 * Pure code, no Node APIs.
 *
 * Both official formats store each image as 3,072 planar bytes: 1,024 red, 1,024 green, 1,024 blue,
 * each plane row-major for a 32x32 image. cnnkit keeps images NHWC with the channels interleaved
 * per pixel (R, G, B, R, G, B, ...), so every record is converted once while it is read.
 */
import { DataError } from '../errors.js';

/** The ten CIFAR-10 class names, indexed by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** Image side in pixels. */
export const CIFAR10_SIZE = 32;
/** Bytes per image (32 * 32 * 3). */
export const CIFAR10_IMAGE_BYTES = 3072;
/** Bytes per record of the binary version: one label byte and one image. */
export const CIFAR10_RECORD_BYTES = 3073;
/** Number of training batches in both official formats. */
export const CIFAR10_TRAIN_BATCHES = 5;

/** One split (training or test) of CIFAR-10 in memory. */
export interface Cifar10Split {
  /** `count * 32 * 32 * 3` bytes, NHWC: R, G, B interleaved per pixel, rows top to bottom. */
  images: Uint8Array;
  /** `count` labels, 0-9, indexing {@link Cifar10Data.classNames}. */
  labels: Uint8Array;
  /** Number of images. */
  count: number;
}

/** The whole dataset as read from one source. */
export interface Cifar10Data {
  train: Cifar10Split;
  test: Cifar10Split;
  /** Class names indexed by label (a copy of {@link CIFAR10_CLASSES}). */
  classNames: string[];
  /** The archive, folder or description the data came from. */
  source: string;
}

/** The two official on-disk formats. */
export type Cifar10Format = 'binary' | 'python';

/** Which batch a file or archive member holds. */
export interface BatchId {
  split: 'train' | 'test';
  /** 0-4 for `data_batch_1..5`, 0 for `test_batch`. */
  index: number;
  format: Cifar10Format;
}

/** Folder names of the two official formats. */
export const FORMAT_FOLDERS: Record<Cifar10Format, string> = {
  binary: 'cifar-10-batches-bin',
  python: 'cifar-10-batches-py',
};

/** The batch file names of a format, in order: data_batch_1..5 then test_batch. */
export function batchFileNames(format: Cifar10Format): { id: BatchId; name: string }[] {
  const ext = format === 'binary' ? '.bin' : '';
  const out: { id: BatchId; name: string }[] = [];
  for (let i = 0; i < CIFAR10_TRAIN_BATCHES; i++) out.push({ id: { split: 'train', index: i, format }, name: `data_batch_${i + 1}${ext}` });
  out.push({ id: { split: 'test', index: 0, format }, name: `test_batch${ext}` });
  return out;
}

/**
 * Identifies an archive member (or file) by its path: `data_batch_N[.bin]` or `test_batch[.bin]`,
 * either at the top or inside a `cifar-10-batches-bin` / `cifar-10-batches-py` folder.
 * Returns null for anything else (readme, meta files, other folders).
 */
export function identifyBatch(path: string): BatchId | null {
  const parts = path.split('/');
  const base = parts[parts.length - 1];
  const dir = parts.length > 1 ? parts[parts.length - 2] : '';
  if (parts.length > 2 && dir !== FORMAT_FOLDERS.binary && dir !== FORMAT_FOLDERS.python) return null;
  const m = /^(?:data_batch_([1-5])|test_batch)(\.bin)?$/.exec(base);
  if (!m) return null;
  const format: Cifar10Format = m[2] ? 'binary' : 'python';
  if (dir !== '' && dir !== FORMAT_FOLDERS[format]) return null;
  return m[1] ? { split: 'train', index: Number(m[1]) - 1, format } : { split: 'test', index: 0, format };
}

/** Converts one planar 3,072-byte image at `src[srcOff]` to interleaved RGB at `dst[dstOff]`. */
export function planarToInterleaved(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
  const g = srcOff + 1024;
  const b = srcOff + 2048;
  for (let p = 0, d = dstOff; p < 1024; p++, d += 3) {
    dst[d] = src[srcOff + p];
    dst[d + 1] = src[g + p];
    dst[d + 2] = src[b + p];
  }
}

/** Receives one binary batch's bytes in chunks of any size. */
export interface BatchWriter {
  write(chunk: Uint8Array): void;
  /** Completes the batch; throws if the bytes stopped inside a record. */
  end(): void;
}

interface Slot {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  file: string;
}

/**
 * Storage for one split. The first batch's record count is taken as the count of every batch and
 * the whole split is allocated once, so the official layout is written in place with no copy;
 * batches of other sizes (hand-made test data) get their own buffers and are joined at the end.
 */
class SplitStore {
  private big: { images: Uint8Array; labels: Uint8Array; per: number } | null = null;
  readonly slots: (Slot | null)[];

  constructor(readonly batches: number) {
    this.slots = new Array(batches).fill(null);
  }

  allocate(index: number, count: number, file: string): Slot {
    if (this.slots[index]) throw new DataError(`${file}: duplicate batch (already read from ${this.slots[index]!.file})`);
    if (!this.big) {
      this.big = { images: new Uint8Array(count * this.batches * CIFAR10_IMAGE_BYTES), labels: new Uint8Array(count * this.batches), per: count };
    }
    let slot: Slot;
    if (count === this.big.per) {
      const off = index * count;
      slot = {
        images: this.big.images.subarray(off * CIFAR10_IMAGE_BYTES, (off + count) * CIFAR10_IMAGE_BYTES),
        labels: this.big.labels.subarray(off, off + count),
        count,
        file,
      };
    } else {
      slot = { images: new Uint8Array(count * CIFAR10_IMAGE_BYTES), labels: new Uint8Array(count), count, file };
    }
    this.slots[index] = slot;
    return slot;
  }

  /** Joins the batches; every slot must be filled. */
  finish(): Cifar10Split {
    const slots = this.slots as Slot[];
    const big = this.big!;
    if (slots.every((s) => s.count === big.per)) return { images: big.images, labels: big.labels, count: big.per * this.batches };
    const count = slots.reduce((n, s) => n + s.count, 0);
    const images = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
    const labels = new Uint8Array(count);
    let off = 0;
    for (const s of slots) {
      images.set(s.images, off * CIFAR10_IMAGE_BYTES);
      labels.set(s.labels, off);
      off += s.count;
    }
    this.big = null;
    return { images, labels, count };
  }
}

/**
 * Most records accepted in one batch: the official batches hold 10,000, and a larger count (which
 * a small compressed file can announce) would make the reader allocate room for five of them.
 */
export const MAX_BATCH_RECORDS = 10_000;

function checkCount(count: number, file: string): void {
  if (count > MAX_BATCH_RECORDS) {
    throw new DataError(`${file}: ${count} records is implausibly large for a CIFAR-10 batch (at most ${MAX_BATCH_RECORDS})`);
  }
}

function checkLabel(label: number, file: string, record: number): void {
  if (label > 9 || label < 0 || !Number.isInteger(label)) {
    throw new DataError(`${file}: record ${record} has label ${label}, expected 0-9`);
  }
}

/**
 * Collects the six batches of one source and assembles {@link Cifar10Data}. Nothing is handed out
 * until {@link finish} has checked that every batch is present and complete.
 */
export class Cifar10Collector {
  private readonly train = new SplitStore(CIFAR10_TRAIN_BATCHES);
  private readonly test = new SplitStore(1);
  /** The format of the first batch seen; batches of the other format are ignored. */
  format: Cifar10Format | null = null;

  constructor(
    /** Name of the source, used in messages and as {@link Cifar10Data.source}. */
    readonly source: string,
  ) {}

  private store(id: BatchId): SplitStore {
    return id.split === 'train' ? this.train : this.test;
  }

  /** True when this batch should be read (its format matches the first one seen). */
  wants(id: BatchId): boolean {
    if (this.format === null) this.format = id.format;
    return this.format === id.format;
  }

  /**
   * Starts a binary batch of `size` bytes. Throws if `size` is not a whole number of records.
   * `file` names the file or member in messages.
   */
  beginBinary(id: BatchId, size: number, file: string): BatchWriter {
    if (size % CIFAR10_RECORD_BYTES !== 0 || size === 0) {
      throw new DataError(
        `${file}: size ${size} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record size (${Math.floor(size / CIFAR10_RECORD_BYTES)} records and ${size % CIFAR10_RECORD_BYTES} bytes left over)`,
      );
    }
    const count = size / CIFAR10_RECORD_BYTES;
    checkCount(count, file);
    const slot = this.store(id).allocate(id.index, count, file);
    const carry = new Uint8Array(CIFAR10_RECORD_BYTES);
    let carryFill = 0;
    let record = 0;
    const put = (src: Uint8Array, off: number): void => {
      if (record >= count) throw new DataError(`${file}: more than the announced ${count} records`);
      const label = src[off];
      checkLabel(label, file, record);
      slot.labels[record] = label;
      planarToInterleaved(src, off + 1, slot.images, record * CIFAR10_IMAGE_BYTES);
      record++;
    };
    return {
      write(chunk: Uint8Array): void {
        let pos = 0;
        if (carryFill > 0) {
          const take = Math.min(CIFAR10_RECORD_BYTES - carryFill, chunk.length);
          carry.set(chunk.subarray(0, take), carryFill);
          carryFill += take;
          pos = take;
          if (carryFill < CIFAR10_RECORD_BYTES) return;
          put(carry, 0);
          carryFill = 0;
        }
        while (chunk.length - pos >= CIFAR10_RECORD_BYTES) {
          put(chunk, pos);
          pos += CIFAR10_RECORD_BYTES;
        }
        if (pos < chunk.length) {
          carry.set(chunk.subarray(pos), 0);
          carryFill = chunk.length - pos;
        }
      },
      end(): void {
        if (record !== count || carryFill !== 0) {
          throw new DataError(`${file}: truncated, got ${record} of ${count} records`);
        }
      },
    };
  }

  /**
   * Adds a batch given as planar images (`count` rows of 3,072 bytes, as in the python format)
   * and labels.
   */
  addPlanar(id: BatchId, planar: Uint8Array, labels: ArrayLike<number>, file: string): void {
    const count = labels.length;
    if (planar.length !== count * CIFAR10_IMAGE_BYTES) {
      throw new DataError(`${file}: ${planar.length} image bytes for ${count} labels, expected ${count * CIFAR10_IMAGE_BYTES}`);
    }
    if (count === 0) throw new DataError(`${file}: batch holds no images`);
    checkCount(count, file);
    const slot = this.store(id).allocate(id.index, count, file);
    for (let i = 0; i < count; i++) {
      checkLabel(labels[i], file, i);
      slot.labels[i] = labels[i];
      planarToInterleaved(planar, i * CIFAR10_IMAGE_BYTES, slot.images, i * CIFAR10_IMAGE_BYTES);
    }
  }

  /** Names of the batches not seen yet, e.g. `data_batch_3.bin`. */
  missing(): string[] {
    const format = this.format ?? 'binary';
    return batchFileNames(format)
      .filter(({ id }) => !this.store(id).slots[id.index])
      .map(({ name }) => name);
  }

  /** Checks that all six batches are present and returns the dataset. */
  finish(): Cifar10Data {
    const missing = this.missing();
    if (missing.length > 0) {
      const folder = FORMAT_FOLDERS[this.format ?? 'binary'];
      const what = this.format === null ? 'no CIFAR-10 batches found' : `missing ${missing.length > 1 ? 'members' : 'member'} ${missing.map((m) => `${folder}/${m}`).join(', ')}`;
      throw new DataError(`${this.source}: ${what} (expected ${folder}/data_batch_1..5 and test_batch${this.format === 'python' ? '' : '.bin'})`);
    }
    return { train: this.train.finish(), test: this.test.finish(), classNames: [...CIFAR10_CLASSES], source: this.source };
  }
}
