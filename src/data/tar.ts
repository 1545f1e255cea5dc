/**
 * A small streaming tar reader (ustar, GNU long names, pax path/size records). Pure code, no Node
 * APIs: it runs in the browser as well. Bytes are pushed in chunks of any size; member headers and
 * member data are handed to a sink as they arrive, so nothing is ever written to disk and nothing
 * larger than one header block is buffered here.
 */
import { DataError } from '../errors.js';

const BLOCK = 512;

/** One archive member as described by its header. */
export interface TarMember {
  /** Normalised path inside the archive (no leading `./`, no trailing `/`). */
  name: string;
  /** Size of the member's data in bytes. */
  size: number;
  /** `file`, `directory`, `link` (hard or symbolic) or `other` (devices, fifos, ...). */
  type: 'file' | 'directory' | 'link' | 'other';
  /** The type in words for messages: 'regular file', 'symbolic link', 'character device', ... */
  kind: string;
}

/** Tar type flags in words. */
const KINDS: Record<string, string> = {
  '0': 'regular file', '7': 'regular file', '1': 'hard link', '2': 'symbolic link', '3': 'character device',
  '4': 'block device', '5': 'folder', '6': 'FIFO (named pipe)',
};

/** Receives members from {@link TarReader}. */
export interface TarSink {
  /** Called once per member header; return true to receive that member's data. */
  member(m: TarMember): boolean;
  /** A chunk of the current member's data (only for members `member()` accepted). */
  data(chunk: Uint8Array): void;
  /** The current accepted member's data is complete. */
  end(): void;
}

/**
 * Checks a member path for safety and normalises it: absolute paths, drive letters and `..`
 * segments are rejected with a DataError naming the archive and the member.
 */
export function safeMemberName(raw: string, archive: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new DataError(`${archive}: unsafe member path '${raw}' (absolute paths are not allowed)`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new DataError(`${archive}: unsafe member path '${raw}' (contains '..')`);
  }
  return parts.join('/');
}

function cstring(b: Uint8Array, off: number, len: number): string {
  let end = off;
  const stop = off + len;
  while (end < stop && b[end] !== 0) end++;
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(b[i]);
  return s;
}

function utf8(b: Uint8Array): string {
  return new TextDecoder('utf-8').decode(b);
}

/** Parses an octal numeric header field, or the GNU base-256 form. Returns NaN when invalid. */
function numeric(b: Uint8Array, off: number, len: number): number {
  if (b[off] & 0x80) {
    // base-256: big-endian, first byte's top bit is the marker
    let v = b[off] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[off + i];
    return v;
  }
  const s = cstring(b, off, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return NaN;
  return parseInt(s, 8);
}

function headerChecksumOk(h: Uint8Array): boolean {
  const stored = numeric(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return stored === sum;
}

function isZeroBlock(h: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (h[i] !== 0) return false;
  return true;
}

/** Parses pax extended header records (`len key=value\n`). */
function parsePax(data: Uint8Array, archive: string): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    let sp = pos;
    while (sp < data.length && data[sp] !== 0x20) sp++;
    const len = parseInt(cstring(data, pos, sp - pos), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) {
      throw new DataError(`${archive}: corrupt pax header record at byte ${pos}`);
    }
    const rec = utf8(data.subarray(sp + 1, pos + len - 1));
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

type State = 'header' | 'data' | 'padding' | 'meta' | 'done';

/**
 * Streaming tar parser. Call {@link push} with consecutive chunks of the uncompressed tar stream,
 * then {@link finish}. Throws DataError for corrupt headers, unsafe paths and truncation.
 */
export class TarReader {
  private state: State = 'header';
  private head = new Uint8Array(BLOCK);
  private headFill = 0;
  private remaining = 0; // bytes of the current member's data still to come
  private padding = 0; // bytes of padding after the current member
  private accepted = false;
  private current: TarMember | null = null;
  private meta: Uint8Array | null = null; // data of a pax/GNU long-name member being collected
  private metaFill = 0;
  private metaKind = '';
  private paxNext: Map<string, string> | null = null;
  private longName: string | null = null;
  private zeroBlocks = 0;
  /** Total bytes consumed so far. */
  offset = 0;

  constructor(
    private readonly sink: TarSink,
    /** Archive name used in error messages. */
    private readonly archive: string,
  ) {}

  /** Feeds the next chunk of the tar stream. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      switch (this.state) {
        case 'done':
          // Anything after the end-of-archive marker is ignored (tar pads to a record size).
          this.offset += n - pos;
          return;
        case 'header': {
          const take = Math.min(BLOCK - this.headFill, n - pos);
          this.head.set(chunk.subarray(pos, pos + take), this.headFill);
          this.headFill += take;
          pos += take;
          this.offset += take;
          if (this.headFill === BLOCK) {
            this.headFill = 0;
            this.onHeader();
          }
          break;
        }
        case 'data': {
          const take = Math.min(this.remaining, n - pos);
          if (this.accepted && take > 0) this.sink.data(chunk.subarray(pos, pos + take));
          pos += take;
          this.offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endMember();
          break;
        }
        case 'meta': {
          const take = Math.min(this.remaining, n - pos);
          this.meta!.set(chunk.subarray(pos, pos + take), this.metaFill);
          this.metaFill += take;
          pos += take;
          this.offset += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endMeta();
          break;
        }
        case 'padding': {
          const take = Math.min(this.padding, n - pos);
          pos += take;
          this.offset += take;
          this.padding -= take;
          if (this.padding === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /**
   * Ends the stream. Throws a DataError if it stopped inside a header or a member. An archive
   * that ends cleanly after a member but without the end-of-archive blocks is accepted.
   */
  finish(): void {
    if (this.state === 'done') return;
    if (this.state === 'header' && this.headFill === 0) return;
    const what = this.current
      ? `inside member '${this.current.name}'`
      : this.state === 'padding'
        ? 'in the padding after a member'
        : this.state === 'meta'
          ? 'inside a pax or long-name record'
          : 'inside a header block';
    throw new DataError(`${this.archive}: truncated tar archive (stream ends at byte ${this.offset}, ${what})`);
  }

  private onHeader(): void {
    const h = this.head;
    if (isZeroBlock(h)) {
      if (++this.zeroBlocks >= 2) this.state = 'done';
      return;
    }
    if (this.zeroBlocks > 0) {
      // A single zero block followed by more headers: tolerate like GNU tar does.
      this.zeroBlocks = 0;
    }
    if (!headerChecksumOk(h)) {
      throw new DataError(`${this.archive}: corrupt tar header at byte ${this.offset - BLOCK} (checksum mismatch)`);
    }
    let size = numeric(h, 124, 12);
    if (!Number.isFinite(size) || size < 0) {
      throw new DataError(`${this.archive}: corrupt tar header at byte ${this.offset - BLOCK} (bad size field)`);
    }
    const flag = String.fromCharCode(h[156] || 0x30);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 1 << 20) throw new DataError(`${this.archive}: tar metadata member of ${size} bytes is too large`);
      this.metaKind = flag;
      this.meta = new Uint8Array(size);
      this.metaFill = 0;
      this.remaining = size;
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      this.state = size > 0 ? 'meta' : 'header';
      if (size === 0) this.endMeta();
      return;
    }
    let rawName: string;
    if (this.longName !== null) {
      rawName = this.longName;
    } else {
      const name = cstring(h, 0, 100);
      const magic = cstring(h, 257, 6);
      const prefix = magic.startsWith('ustar') ? cstring(h, 345, 155) : '';
      rawName = prefix ? `${prefix}/${name}` : name;
    }
    const pax = this.paxNext;
    if (pax?.has('path')) rawName = pax.get('path')!;
    if (pax?.has('size')) {
      const s = Number(pax.get('size'));
      if (!Number.isSafeInteger(s) || s < 0) throw new DataError(`${this.archive}: corrupt pax size for member '${rawName}'`);
      size = s;
    }
    this.longName = null;
    this.paxNext = null;
    const name = safeMemberName(rawName, this.archive);
    const type: TarMember['type'] =
      flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '1' || flag === '2' ? 'link' : 'other';
    // Links, devices, directories and fifos carry no data in the stream even if a size is recorded.
    if ('123456'.includes(flag)) size = 0;
    const member: TarMember = { name, size, type, kind: KINDS[flag] ?? `special entry (type '${flag}')` };
    this.current = member;
    this.accepted = this.sink.member(member);
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.state = 'data';
    if (size === 0) this.endMember();
  }

  private endMember(): void {
    if (this.accepted) this.sink.end();
    this.accepted = false;
    this.current = null;
    this.state = this.padding > 0 ? 'padding' : 'header';
  }

  private endMeta(): void {
    const data = this.meta!;
    this.meta = null;
    if (this.metaKind === 'x') this.paxNext = parsePax(data, this.archive);
    else if (this.metaKind === 'L') this.longName = cstring(data, 0, data.length);
    // 'g' (global pax) and 'K' (long link name) carry nothing we use.
    this.state = this.padding > 0 ? 'padding' : 'header';
  }
}
