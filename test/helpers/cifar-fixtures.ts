/**
 * Tiny CIFAR-10 fixtures built in memory: binary batches, tar archives (with a hand-written ustar
 * writer, so headers can be made unsafe or corrupt on purpose), gzip, and protocol-2 pickles laid
 * out like the ones in `cifar-10-batches-py`.
 */
import { gzipSync } from 'fflate';

/** The pixel value of image `img`, channel `c` (0 R, 1 G, 2 B), pixel `p` (0-1023) in fixtures. */
export function pixel(img: number, c: number, p: number): number {
  return (img * 31 + c * 101 + p * 7) & 0xff;
}

/** A fixture batch: planar records as the binary format stores them, plus what reading must give. */
export interface FixtureBatch {
  /** `n * 3073` bytes: label byte, then R, G, B planes. */
  bin: Uint8Array;
  /** `n * 3072` planar bytes (the python format's `data`). */
  planar: Uint8Array;
  labels: number[];
  /** Expected NHWC interleaved bytes. */
  nhwc: Uint8Array;
}

/** Builds `n` records whose images start at global index `first` and whose labels are `(first + i) % 10`. */
export function makeBatch(n: number, first: number, labelOf: (i: number) => number = (i) => i % 10): FixtureBatch {
  const bin = new Uint8Array(n * 3073);
  const planar = new Uint8Array(n * 3072);
  const nhwc = new Uint8Array(n * 3072);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const img = first + i;
    const label = labelOf(img);
    labels.push(label);
    bin[i * 3073] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) {
        const v = pixel(img, c, p);
        bin[i * 3073 + 1 + c * 1024 + p] = v;
        planar[i * 3072 + c * 1024 + p] = v;
        nhwc[i * 3072 + p * 3 + c] = v;
      }
    }
  }
  return { bin, planar, labels, nhwc };
}

/** One tar entry to write. */
export interface TarEntry {
  name: string;
  data?: Uint8Array;
  /** Type flag: '0' file (default), '5' directory, '2' symlink, 'x' pax header. */
  type?: string;
  /** Write a wrong header checksum. */
  badChecksum?: boolean;
}

function writeString(h: Uint8Array, off: number, len: number, s: string): void {
  for (let i = 0; i < Math.min(len, s.length); i++) h[off + i] = s.charCodeAt(i);
}

function writeOctal(h: Uint8Array, off: number, len: number, v: number): void {
  writeString(h, off, len, v.toString(8).padStart(len - 1, '0') + '\0');
}

/** A ustar archive of `entries`, ending with two zero blocks unless `end` is false. */
export function makeTar(entries: TarEntry[], end = true): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.data ?? new Uint8Array(0);
    const h = new Uint8Array(512);
    writeString(h, 0, 100, e.name);
    writeOctal(h, 100, 8, e.type === '5' ? 0o755 : 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, data.length);
    writeOctal(h, 136, 12, 1_700_000_000);
    h[156] = (e.type ?? '0').charCodeAt(0);
    writeString(h, 257, 6, 'ustar\0');
    writeString(h, 263, 2, '00');
    for (let i = 148; i < 156; i++) h[i] = 32;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    writeString(h, 148, 8, (e.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0') + '\0 ');
    blocks.push(h);
    blocks.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(new Uint8Array(pad));
  }
  if (end) blocks.push(new Uint8Array(1024));
  return concat(blocks);
}

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** gzip-compresses bytes. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 });
}

/** A complete tiny dataset: 5 training batches of `perBatch` records and a test batch. */
export interface FixtureSet {
  train: FixtureBatch[];
  test: FixtureBatch;
  /** Expected training images/labels in batch order 1..5. */
  trainNhwc: Uint8Array;
  trainLabels: number[];
}

/** Builds the batches of a tiny dataset (training image indices 0.., test images from 1000). */
export function makeSet(perBatch = 3, testCount = 4): FixtureSet {
  const train = [0, 1, 2, 3, 4].map((b) => makeBatch(perBatch, b * perBatch));
  const test = makeBatch(testCount, 1000);
  return {
    train,
    test,
    trainNhwc: concat(train.map((b) => b.nhwc)),
    trainLabels: train.flatMap((b) => b.labels),
  };
}

/** Tar entries of the binary version for `set`, members shuffled like the real archive (4, 5, 2, meta, 1, 3, test). */
export function binaryEntries(set: FixtureSet, folder = 'cifar-10-batches-bin'): TarEntry[] {
  const f = (n: string): string => `${folder}/${n}`;
  return [
    { name: `${folder}/`, type: '5' },
    { name: f('data_batch_4.bin'), data: set.train[3].bin },
    { name: f('data_batch_5.bin'), data: set.train[4].bin },
    { name: f('data_batch_2.bin'), data: set.train[1].bin },
    { name: f('batches.meta.txt'), data: new TextEncoder().encode('airplane\nautomobile\n') },
    { name: f('data_batch_1.bin'), data: set.train[0].bin },
    { name: f('data_batch_3.bin'), data: set.train[2].bin },
    { name: f('test_batch.bin'), data: set.test.bin },
  ];
}

/** Tar entries of the python version for `set`. */
export function pythonEntries(set: FixtureSet): TarEntry[] {
  const f = (n: string): string => `cifar-10-batches-py/${n}`;
  return [
    { name: 'cifar-10-batches-py/', type: '5' },
    { name: f('readme.html'), data: new TextEncoder().encode('<html></html>') },
    ...set.train.map((b, i) => ({ name: f(`data_batch_${i + 1}`), data: pythonBatchPickle(b.planar, b.labels, `training batch ${i + 1} of 5`) })),
    { name: f('test_batch'), data: pythonBatchPickle(set.test.planar, set.test.labels, 'testing batch 1 of 1') },
  ];
}

/** A protocol-2 pickle writer with just the opcodes the CIFAR-10 python batches use. */
export class PickleWriter {
  private parts: number[] = [];
  private memo = 0;
  private big: { at: number; bytes: Uint8Array }[] = [];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  ascii(s: string): this {
    for (let i = 0; i < s.length; i++) this.parts.push(s.charCodeAt(i));
    return this;
  }
  u32(v: number): this {
    return this.op(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  /** SHORT_BINSTRING (a Python 2 str) */
  str(s: string): this {
    return this.op(0x55, s.length).ascii(s);
  }
  /** BINSTRING with raw bytes. */
  binstring(b: Uint8Array): this {
    this.op(0x54).u32(b.length);
    this.big.push({ at: this.parts.length, bytes: b });
    return this;
  }
  /** BININT1 / BININT2 / BININT */
  int(v: number): this {
    if (v >= 0 && v < 256) return this.op(0x4b, v);
    if (v >= 0 && v < 65536) return this.op(0x4d, v & 0xff, v >>> 8);
    return this.op(0x4a).u32(v >>> 0);
  }
  /** BINPUT / LONG_BINPUT with the next memo index. */
  put(): this {
    const k = this.memo++;
    return k < 256 ? this.op(0x71, k) : this.op(0x72).u32(k);
  }
  global(module: string, name: string): this {
    return this.op(0x63).ascii(`${module}\n${name}\n`);
  }
  bytes(): Uint8Array {
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const b of this.big) {
      out.push(Uint8Array.from(this.parts.slice(prev, b.at)), b.bytes);
      prev = b.at;
    }
    out.push(Uint8Array.from(this.parts.slice(prev)));
    return concat(out);
  }
}

/**
 * A `cifar-10-batches-py` batch pickle, laid out like the official files (Python 2 cPickle,
 * protocol 2): `{'data': numpy uint8 array (n, 3072), 'labels': [...], 'batch_label': ..., 'filenames': [...]}`.
 * `options.global` swaps the array constructor for another global (to test refusal).
 */
export function pythonBatchPickle(planar: Uint8Array, labels: number[], batchLabel: string, options: { global?: [string, string]; dtype?: string } = {}): Uint8Array {
  const n = labels.length;
  const w = new PickleWriter();
  const [mod, name] = options.global ?? ['numpy.core.multiarray', '_reconstruct'];
  w.op(0x80, 2).op(0x7d).put().op(0x28); // PROTO 2, EMPTY_DICT, BINPUT, MARK
  w.str('data').put();
  w.global(mod, name).put();
  w.global('numpy', 'ndarray').put();
  w.int(0).op(0x85).str('b').op(0x87).op(0x52).put(); // (ndarray, (0,), 'b') REDUCE
  w.op(0x28).int(1).int(n).int(3072).op(0x86); // MARK 1 (n, 3072)
  w.global('numpy', 'dtype').put();
  w.str(options.dtype ?? 'u1').int(0).int(1).op(0x87).op(0x52).put(); // dtype('u1', 0, 1)
  w.op(0x28).int(3).str('|').op(0x4e, 0x4e, 0x4e).int(-1).int(-1).int(0).op(0x74).op(0x62); // dtype state, BUILD
  w.op(0x89).binstring(planar).op(0x74).op(0x62); // False, raw bytes, TUPLE, BUILD
  w.str('labels').op(0x5d).put().op(0x28);
  for (const l of labels) w.int(l);
  w.op(0x65); // APPENDS
  w.str('batch_label').str(batchLabel).put();
  w.str('filenames').op(0x5d).put().op(0x28);
  for (let i = 0; i < n; i++) w.str(`image_${i}.png`).put();
  w.op(0x65);
  w.op(0x75).op(0x2e); // SETITEMS, STOP
  return w.bytes();
}
