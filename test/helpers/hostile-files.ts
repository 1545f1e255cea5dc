/**
 * Small files that ask for a lot: valid PNGs whose pixels inflate to gigabytes (built from one
 * repeated compressed chunk, so making them takes milliseconds), JPEG headers of huge frames, and
 * pickles that build objects without end.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { makeTar } from './cifar-fixtures.js';

/** A ustar header block for `name` announcing `size` bytes (octal, or GNU base-256), checksummed; no data follows. */
export function tarHeader(name: string, size: number, flag = '0', base256 = false): Uint8Array {
  const h = makeTar([{ name, data: new Uint8Array(0), type: flag }], false);
  if (base256) {
    h[124] = 0x80;
    for (let i = 0, v = size; i < 11; i++, v = Math.floor(v / 256)) h[135 - i] = v % 256;
  } else {
    const s = size.toString(8).padStart(11, '0');
    for (let i = 0; i < 11; i++) h[124 + i] = s.charCodeAt(i);
  }
  h.fill(32, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i];
  const cs = sum.toString(8).padStart(6, '0') + '\0 ';
  for (let i = 0; i < 8; i++) h[148 + i] = cs.charCodeAt(i);
  return h;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32(data.length), td, u32(crc32(td))]);
}

/** Raw deflate of `n` zeros from one repeated, byte-aligned compressed piece, ending the stream when `last`. */
function zerosDeflate(n: number, last: boolean): Uint8Array[] {
  const CHUNK = 1 << 22;
  const piece = deflateRawSync(Buffer.alloc(CHUNK), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const parts: Uint8Array[] = [];
  let left = n;
  for (; left >= CHUNK; left -= CHUNK) parts.push(piece);
  parts.push(deflateRawSync(Buffer.alloc(left), { level: 9, finishFlush: last ? constants.Z_FINISH : constants.Z_FULL_FLUSH }));
  return parts;
}

/**
 * A gzip stream of `prefix` followed by `zeros` zero bytes, about zeros/1000 bytes long. Its
 * trailer holds a zero CRC: readers meant to refuse it never get that far.
 */
export function gzipZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  return Buffer.concat([
    Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff), deflateRawSync(prefix, { finishFlush: constants.Z_FULL_FLUSH }), ...zerosDeflate(zeros, true),
    new Uint8Array(4), u32(0).reverse(),
  ]);
}

/**
 * A zlib stream of `n` zero bytes, about n/1000 bytes long: one compressed chunk of zeros
 * (byte-aligned by a full flush, its matches reaching back only over zeros) repeated, then an
 * empty final block and the Adler-32 of n zeros.
 */
export function zerosZlib(n: number): Uint8Array {
  const b = n % 65521;
  return Buffer.concat([Uint8Array.of(0x78, 0xda), ...zerosDeflate(n, true), u32(((b << 16) | 1) >>> 0)]);
}

/** Bytes of the filtered rows of an Adam7-interlaced image (7 passes, a filter byte per row). */
export function adam7Bytes(width: number, height: number, bytesPerPixel: number): number {
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const cols = Math.max(0, Math.ceil((width - x0) / dx)), rows = Math.max(0, Math.ceil((height - y0) / dy));
    if (cols > 0) total += rows * (1 + cols * bytesPerPixel);
  }
  return total;
}

/**
 * A valid 8-bit RGB PNG of `width x height` black pixels (interlaced when asked) whose compressed
 * data inflates to `inflated` bytes (default: what the pixels need).
 */
export function blackPng(width: number, height: number, options: { interlace?: boolean; inflated?: number } = {}): Uint8Array {
  const interlace = options.interlace ?? false;
  const inflated = options.inflated ?? (interlace ? adam7Bytes(width, height, 3) : height * (1 + width * 3));
  const ihdr = Buffer.concat([u32(width), u32(height), Uint8Array.of(8, 2, 0, 0, interlace ? 1 : 0)]);
  return Buffer.concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', zerosZlib(inflated)), chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The start of a baseline JPEG whose frame header announces `width x height` (3 components). */
export function hugeJpegHeader(width: number, height: number): Uint8Array {
  const sof = [0xff, 0xc0, 0, 17, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
  const dqt = [0xff, 0xdb, 0, 67, 0, ...new Array(64).fill(1)];
  return Uint8Array.from([0xff, 0xd8, ...dqt, ...sof, 0xff, 0xd9]);
}

/** A protocol-2 pickle: PROTO 2, `head`, then `body` repeated `times`, then STOP. */
export function repeatedPickle(body: number[], times: number, head: number[] = []): Uint8Array {
  const out = new Uint8Array(2 + head.length + body.length * times + 1);
  out.set([0x80, 2, ...head]);
  const start = 2 + head.length;
  for (let i = 0; i < times; i++) out.set(body, start + i * body.length);
  out[out.length - 1] = 0x2e;
  return out;
}
