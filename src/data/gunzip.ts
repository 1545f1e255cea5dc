/**
 * Streaming gunzip in pure JavaScript (fflate), with the CRC-32 and length check of the gzip
 * trailer that fflate leaves out. Used where Node's zlib is not available (the browser).
 */
import { Gunzip } from 'fflate';
import { DataError } from '../errors.js';

const CRC_TABLE = (() => {
  const t = new Int32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  // slicing-by-4 tables
  for (let n = 0; n < 256; n++) {
    let c = t[n];
    for (let k = 1; k < 4; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** Updates a CRC-32 (IEEE, as in gzip and zip) with `data`. Start with 0. */
export function crc32(data: Uint8Array, crc = 0): number {
  const t = CRC_TABLE;
  let c = ~crc;
  let i = 0;
  const n4 = data.length - 4;
  for (; i <= n4; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t[768 + (c & 0xff)] ^ t[512 + ((c >>> 8) & 0xff)] ^ t[256 + ((c >>> 16) & 0xff)] ^ t[c >>> 24];
  }
  for (; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** True when `bytes` starts with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Incremental gunzip: push compressed chunks, receive decompressed chunks through `ondata`.
 * {@link finish} verifies the trailer; every fault is a DataError naming `file`.
 */
export class GunzipStream {
  private readonly inflater: Gunzip;
  private crc = 0;
  private size = 0;
  private readonly tail = new Uint8Array(8);
  private tailFill = 0;
  private inBytes = 0;

  constructor(
    ondata: (chunk: Uint8Array) => void,
    private readonly file: string,
  ) {
    this.inflater = new Gunzip((chunk) => {
      this.crc = crc32(chunk, this.crc);
      this.size = (this.size + chunk.length) >>> 0;
      ondata(chunk);
    });
  }

  /** Feeds compressed bytes. */
  push(chunk: Uint8Array): void {
    this.keepTail(chunk);
    this.inBytes += chunk.length;
    this.run(() => this.inflater.push(chunk, false));
  }

  /** Ends the stream and checks the gzip trailer (CRC-32 and length). */
  finish(): void {
    this.run(() => this.inflater.push(new Uint8Array(0), true));
    if (this.inBytes < 18) throw new DataError(`${this.file}: truncated gzip stream (${this.inBytes} bytes)`);
    const t = this.tail;
    const crc = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0;
    const size = (t[4] | (t[5] << 8) | (t[6] << 16) | (t[7] << 24)) >>> 0;
    if (crc !== this.crc || size !== this.size) {
      throw new DataError(`${this.file}: corrupt gzip data (CRC-32 or length in the trailer does not match the decompressed data)`);
    }
  }

  private run(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (e instanceof DataError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (/unexpected EOF/i.test(msg)) throw new DataError(`${this.file}: truncated gzip stream (the data ends after ${this.inBytes} bytes, inside the compressed data)`);
      throw new DataError(`${this.file}: corrupt gzip data (${msg})`);
    }
  }

  private keepTail(chunk: Uint8Array): void {
    if (chunk.length >= 8) {
      this.tail.set(chunk.subarray(chunk.length - 8));
      this.tailFill = 8;
      return;
    }
    const keep = Math.min(this.tailFill, 8 - chunk.length);
    this.tail.copyWithin(0, this.tailFill - keep, this.tailFill);
    this.tail.set(chunk, keep);
    this.tailFill = keep + chunk.length;
  }
}
