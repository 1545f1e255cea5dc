/**
 * A structural reader for the pickles of CIFAR-10's python version (`cifar-10-batches-py`).
 *
 * Nothing is ever executed. The reader understands the opcodes those files use (protocol 2, plus
 * the byte/unicode/frame opcodes of protocols 3-4 so re-pickled copies load too) and recognises
 * three globals *by name* — `numpy.core.multiarray._reconstruct` (or `numpy._core...`),
 * `numpy.ndarray` and `numpy.dtype` — whose REDUCE/BUILD steps it decodes into plain descriptions
 * of an array. Any other global or opcode is a DataError. Pure code, no Node APIs.
 */
import { DataError } from '../errors.js';

/** A python `str` of protocol 2 (bytes) or `bytes`: kept as a view into the pickle, not copied. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
  /** The bytes read as latin-1 text (how Python 2 strings map to code points). */
  text(): string {
    let s = '';
    for (let i = 0; i < this.bytes.length; i++) s += String.fromCharCode(this.bytes[i]);
    return s;
  }
}

/** A python tuple. */
export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** A python dict; keys are text (str, bytes and numbers are turned into strings). */
export class PyDict {
  readonly entries = new Map<string, PickleValue>();
}

/** A reference to a recognised global (never resolved to code). */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  /** `module.name`, e.g. `numpy.dtype`. */
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A numpy dtype, described by its type string (e.g. `u1`). */
export class PyDtype {
  byteOrder = '|';
  constructor(readonly descr: string) {}
}

/** A numpy array, described by shape, dtype and its raw bytes (a view into the pickle). */
export class PyNdArray {
  shape: number[] = [0];
  dtype: PyDtype | null = null;
  fortranOrder = false;
  data: Uint8Array | null = null;
}

/** Any value the reader produces. */
export type PickleValue = null | boolean | number | string | PyBytes | PyTuple | PyDict | PyGlobal | PyDtype | PyNdArray | PickleValue[];

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct',
  'numpy.ndarray',
  'numpy.dtype',
]);

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Text of a str/bytes/unicode value, or null. */
export function pyText(v: PickleValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof PyBytes) return v.text();
  return null;
}

function keyOf(v: PickleValue, file: string): string {
  const t = pyText(v);
  if (t !== null) return t;
  if (typeof v === 'number') return String(v);
  throw new DataError(`${file}: unsupported pickle dict key of type ${v === null ? 'None' : typeof v}`);
}

/**
 * Reads a pickle structurally. `file` names the file in messages. Byte strings are views into
 * `bytes`, so the caller must keep it unchanged while it uses the result.
 */
export function readPickle(bytes: Uint8Array, file: string): PickleValue {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  const fail = (what: string, at = pos): never => {
    throw new DataError(`${file}: ${what} at byte ${at} of the pickle`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.length) fail(`truncated pickle (needs ${n} more bytes)`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('length too large');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const v = bytes.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  const line = (): string => {
    const start = pos;
    while (pos < bytes.length && bytes[pos] !== 0x0a) pos++;
    if (pos >= bytes.length) fail('truncated pickle (unterminated line)', start);
    const s = new PyBytes(bytes.subarray(start, pos)).text();
    pos++;
    return s;
  };
  const utf8 = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail('pickle stack underflow');
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('pickle stack underflow');
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) fail('pickle MARK missing');
    const items = stack.splice(i + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const global = (module: string, name: string, at: number): PyGlobal => {
    const g = new PyGlobal(module, name);
    if (!ALLOWED_GLOBALS.has(g.qualified)) {
      fail(`pickle references '${g.qualified}', which is not part of a CIFAR-10 batch (refusing to go on)`, at);
    }
    return g;
  };
  const setItems = (d: PickleValue, kv: PickleValue[], at: number): void => {
    if (!(d instanceof PyDict)) fail('SETITEM(S) on a non-dict', at);
    for (let i = 0; i + 1 < kv.length; i += 2) (d as PyDict).entries.set(keyOf(kv[i], file), kv[i + 1]);
  };
  const reduce = (fn: PickleValue, args: PickleValue, at: number): PickleValue => {
    if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) return fail('REDUCE of something other than a recognised numpy global', at);
    const a = args.items;
    if (fn.name === '_reconstruct') {
      if (!(a[0] instanceof PyGlobal) || a[0].qualified !== 'numpy.ndarray') fail('numpy _reconstruct of something other than numpy.ndarray', at);
      return new PyNdArray();
    }
    if (fn.qualified === 'numpy.dtype') {
      const descr = pyText(a[0]);
      if (descr === null) fail('numpy.dtype without a type string', at);
      return new PyDtype(descr!);
    }
    return fail(`REDUCE of '${fn.qualified}' is not supported`, at);
  };
  const build = (obj: PickleValue, state: PickleValue, at: number): void => {
    if (obj instanceof PyDtype) {
      if (state instanceof PyTuple) obj.byteOrder = pyText(state.items[1]) ?? '|';
      return;
    }
    if (obj instanceof PyNdArray) {
      // state: (version, shape, dtype, is_fortran, rawdata)
      if (!(state instanceof PyTuple) || state.items.length !== 5) return fail('numpy array state is not a 5-tuple', at);
      const [, shape, dtype, fortran, raw] = state.items;
      if (!(shape instanceof PyTuple) || !shape.items.every((d) => typeof d === 'number')) return fail('numpy array shape is not a tuple of ints', at);
      if (!(dtype instanceof PyDtype)) return fail('numpy array dtype is missing', at);
      if (!(raw instanceof PyBytes)) return fail('numpy array data is not a byte string', at);
      obj.shape = shape.items as number[];
      obj.dtype = dtype;
      obj.fortranOrder = fortran === true || fortran === 1;
      obj.data = raw.bytes;
      return;
    }
    fail('BUILD on something other than a numpy array or dtype', at);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol', at);
        break;
      case 0x95: // FRAME (protocol 4): the frame length is only a hint
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail('pickle ends with an unbalanced stack', at);
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`pickle memo key ${k} is not defined`, at);
        stack.push(memo.get(k)!);
        break;
      }
      case 0x55: // SHORT_BINSTRING
        stack.push(new PyBytes(take(u8())));
        break;
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        stack.push(new PyBytes(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(new PyBytes(take(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(new PyBytes(take(u64())));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(take(u64())));
        break;
      case 0x4a: {
        // BININT
        need(4);
        stack.push(dv.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        if (n > 6) fail('integer too large', at);
        const b = take(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line(), at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pyText(pop());
        const module = pyText(pop());
        if (name === null || module === null) fail('STACK_GLOBAL without names', at);
        stack.push(global(module!, name!, at));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args, at));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state, at);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v], at);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv, at);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND on a non-list', at);
        (l as PickleValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS on a non-list', at);
        for (const v of items) (l as PickleValue[]).push(v);
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}')`, at);
    }
  }
}
