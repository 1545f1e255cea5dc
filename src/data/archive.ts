/**
 * Reading CIFAR-10 out of a tar stream (either official archive: `cifar-10-binary.tar.gz` or
 * `cifar-10-python.tar.gz`). Pure code, no Node APIs: {@link parseCifar10Archive} runs in a browser
 * on the bytes of a user-dropped file.
 *
 * Only the six batch members are kept; everything else is skipped without being buffered. Binary
 * batches are converted record by record as they stream past; python batches (pickles) are
 * buffered one member at a time and decoded structurally. Nothing is written anywhere.
 */
import { DataError } from '../errors.js';
import { Cifar10Collector, type BatchWriter, type Cifar10Data, identifyBatch } from './format.js';
import { GunzipStream, isGzip } from './gunzip.js';
import { readPythonBatch } from './python-batch.js';
import { TarReader, type TarMember } from './tar.js';

/** Largest python batch member accepted (the official ones are 31 MB); it is held in memory whole. */
export const MAX_PICKLE_BYTES = 48 * 1024 * 1024;
/**
 * Most bytes an archive may expand to (the official ones hold about 185 MB): a small compressed
 * file that inflates without end is refused instead of being read for minutes. The readers'
 * drain after a content fault (to tell gzip corruption apart) stops here too.
 */
export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/**
 * Streaming CIFAR-10 archive reader over *uncompressed* tar bytes. Push chunks in order with
 * {@link push}, then call {@link finish} for the dataset. Every fault is a DataError naming the
 * archive and, where it applies, the member.
 */
export class Cifar10TarParser {
  private readonly collector: Cifar10Collector;
  private readonly tar: TarReader;
  private writer: BatchWriter | null = null;
  private pickle: { buf: Uint8Array; fill: number; member: TarMember } | null = null;
  /** Bytes of the tar stream received so far. */
  received = 0;

  constructor(
    /** Name of the archive for messages and {@link Cifar10Data.source}. */
    readonly archive: string,
  ) {
    this.collector = new Cifar10Collector(archive);
    this.tar = new TarReader(
      {
        member: (m) => this.onMember(m),
        data: (chunk) => this.onData(chunk),
        end: () => this.onEnd(),
      },
      archive,
    );
  }

  /** Feeds the next chunk of the tar stream. */
  push(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > MAX_ARCHIVE_BYTES)
      throw new DataError(`${this.archive}: the archive expands to more than ${MAX_ARCHIVE_BYTES / 2 ** 20} MB, far more than CIFAR-10 (about 185 MB); refusing to read on`);
    this.tar.push(chunk);
  }

  /** Ends the stream, checks that every batch was present and returns the dataset. */
  finish(): Cifar10Data {
    this.tar.finish();
    return this.collector.finish();
  }

  private onMember(m: TarMember): boolean {
    const id = identifyBatch(m.name);
    if (!id) return false;
    const label = `${this.archive}: member ${m.name}`;
    if (m.type !== 'file') throw new DataError(`${label}: is a ${m.kind}, expected a regular file`);
    if (!this.collector.wants(id)) return false;
    if (id.format === 'binary') {
      this.writer = this.collector.beginBinary(id, m.size, label);
    } else {
      if (m.size > MAX_PICKLE_BYTES) throw new DataError(`${label}: ${m.size} bytes is too large for a CIFAR-10 batch`);
      this.pickle = { buf: new Uint8Array(m.size), fill: 0, member: m };
    }
    return true;
  }

  private onData(chunk: Uint8Array): void {
    if (this.writer) {
      this.writer.write(chunk);
    } else if (this.pickle) {
      this.pickle.buf.set(chunk, this.pickle.fill);
      this.pickle.fill += chunk.length;
    }
  }

  private onEnd(): void {
    if (this.writer) {
      this.writer.end();
      this.writer = null;
    } else if (this.pickle) {
      const { buf, member } = this.pickle;
      this.pickle = null;
      const label = `${this.archive}: member ${member.name}`;
      const id = identifyBatch(member.name)!;
      const batch = readPythonBatch(buf, label);
      this.collector.addPlanar(id, batch.data, batch.labels, label);
    }
  }
}

/**
 * Parses a whole CIFAR-10 archive held in memory: `cifar-10-binary.tar.gz` or
 * `cifar-10-python.tar.gz` (gzip-compressed or plain tar). Works in the browser, e.g. on a file the
 * user dropped on a page:
 *
 * ```ts
 * const data = parseCifar10Archive(new Uint8Array(await file.arrayBuffer()), file.name);
 * ```
 *
 * @param bytes the archive's bytes
 * @param name how the archive is named in messages and in `source` (default `'archive'`)
 * @throws DataError for corrupt gzip, truncated or unsafe tar, a missing member, bad batch sizes or labels
 */
export function parseCifar10Archive(bytes: Uint8Array, name = 'archive'): Cifar10Data {
  const parser = new Cifar10TarParser(name);
  const CHUNK = 1 << 20;
  if (isGzip(bytes)) {
    // A content fault may really be gzip corruption that the trailer check reveals at the end, so
    // after one the stream is inflated on to tell the two apart, as far as an archive may expand.
    let parseError: unknown = null;
    let drained = 0;
    let out = 0;
    const gz = new GunzipStream((chunk) => {
      out += chunk.length;
      if (parseError) {
        drained += chunk.length;
        if (parser.received + drained > MAX_ARCHIVE_BYTES) throw parseError;
        return;
      }
      try {
        parser.push(chunk);
      } catch (e) {
        parseError = e;
      }
    }, name);
    // Each piece is inflated in one go (into one buffer), so its size bounds the memory: 64 KB
    // pieces give at most 66 MB; once a piece inflates more than 64-fold (never in real archives),
    // 4 KB pieces keep a decompression bomb at 4 MB a piece.
    let piece = 1 << 16;
    try {
      for (let i = 0; i < bytes.length; ) {
        const before = out;
        const n = Math.min(piece, bytes.length - i);
        gz.push(bytes.subarray(i, i + n));
        i += n;
        if (out - before > 64 * n) piece = 1 << 12;
      }
      gz.finish();
    } catch (e) {
      if (e === parseError) throw e;
      if (parseError instanceof Error && e instanceof DataError) throw new DataError(`${e.message.replace(/\)$/, '')}; reading it gave: ${parseError.message})`);
      throw e;
    }
    if (parseError) throw parseError;
  } else {
    if (bytes.length < 512) throw new DataError(`${name}: not a gzip or tar archive (${bytes.length} bytes)`);
    for (let i = 0; i < bytes.length; i += CHUNK) parser.push(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)));
  }
  return parser.finish();
}
