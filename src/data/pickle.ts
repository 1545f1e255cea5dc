/**
 * A structural reader for the pickles of CIFAR-10's python version (`cifar-10-batches-py`).
 *
 * Nothing is ever executed. The reader understands the opcodes those files use (protocol 2, plus
 * the byte/unicode/frame opcodes of protocols 3-4 so re-pickled copies load too) and recognises
 * three globals *by name* — `numpy.core.multiarray._reconstruct` (or `numpy._core...`),
 * `numpy.ndarray` and `numpy.dtype` — whose REDUCE/BUILD steps it decodes into plain descriptions
 * of an array. Any other global or opcode is a DataError. Pure code, no Node APIs.
 *
 * The machine is bounded (see {@link PICKLE_LIMITS}): the stack, the MARK nesting, the memo and
 * the memory its values take (estimated per object, text conversions included) are capped, the
 * last relative to the input's size, so a small or highly compressible file cannot make it
 * allocate without end (a run of EMPTY_DICT opcodes, say). It never recurses, and every opcode
 * does work bounded by the bytes it consumes or by what it charges, so time is bounded too.
 */
import { DataError } from '../errors.js';

/** A python `str` of protocol 2 (bytes) or `bytes`: kept as a view into the pickle, not copied. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
  /** The bytes read as latin-1 text (how Python 2 strings map to code points). */
  text(): string {
    let s = '';
    for (let i = 0; i < this.bytes.length; i += 8192) s += String.fromCharCode(...this.bytes.subarray(i, i + 8192));
    return s;
  }
}

/** A python tuple. */
export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

/** A python dict; keys are text (str, bytes and numbers are turned into strings). */
export class PyDict {
  private map: Map<string, PickleValue> | null = null;
  /** The dict's entries (created on first use: empty dicts stay small). */
  get entries(): Map<string, PickleValue> {
    return (this.map ??= new Map());
  }
  /** Number of entries. */
  get size(): number {
    return this.map?.size ?? 0;
  }
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

/** Bounds of the pickle machine; a CIFAR-10 batch (31 MB) uses a small fraction of each. */
export const PICKLE_LIMITS = {
  /** Values on the stack at once (the official batches push about 10,000). */
  stack: 1 << 20,
  /** MARKs open at once (the official batches nest 2). */
  marks: 64,
  /** Memo entries (the official batches store about 10,000). */
  memo: 1 << 20,
  /** Estimated bytes of values: this much plus `perInputByte` per byte of input, at most `maxBytes`. */
  baseBytes: 8 * 1024 * 1024,
  perInputByte: 1,
  maxBytes: 48 * 1024 * 1024,
} as const;

/** Estimated heap bytes of each kind of value (measured on V8, rounded up). */
const COST = { dict: 64, map: 192, dictEntry: 64, tuple: 80, list: 48, element: 16, bytes: 144, string: 32, global: 96, array: 128, memo: 48 } as const;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Text of a str/bytes/unicode value, or null. */
export function pyText(v: PickleValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof PyBytes) return v.text();
  return null;
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
  let marks = 0;
  let used = 0;
  const budget = Math.min(PICKLE_LIMITS.maxBytes, PICKLE_LIMITS.baseBytes + PICKLE_LIMITS.perInputByte * bytes.length);

  const fail = (what: string, at = pos): never => {
    throw new DataError(`${file}: ${what} at byte ${at} of the pickle`);
  };
  const charge = (n: number): void => {
    used += n;
    if (used > budget)
      fail(`the pickle builds more than ${Math.round(budget / 2 ** 20)} MB of values, the most cnnkit allows for a file of ${bytes.length} bytes (a CIFAR-10 batch needs far less)`);
  };
  const push = (v: StackItem, cost = 0): void => {
    if (stack.length >= PICKLE_LIMITS.stack) fail(`the pickle stack holds more than ${PICKLE_LIMITS.stack} values`);
    charge(cost);
    stack.push(v);
  };
  const text = (v: PickleValue | undefined): string | null => {
    // Charged before converting: a huge byte string asked for again and again is refused, not converted.
    if (typeof v === 'string' || v instanceof PyBytes) charge(COST.string + 2 * (typeof v === 'string' ? v.length : v.bytes.length));
    return pyText(v);
  };
  const keyOf = (v: PickleValue, at: number): string => {
    const t = text(v);
    if (t !== null) return t;
    if (typeof v === 'number') return String(v);
    return fail(`unsupported pickle dict key of type ${v === null ? 'None' : typeof v}`, at);
  };
  const memoSet = (k: number, v: PickleValue): void => {
    if (!memo.has(k)) {
      if (memo.size >= PICKLE_LIMITS.memo) fail(`the pickle memo holds more than ${PICKLE_LIMITS.memo} entries`);
      charge(COST.memo);
    }
    memo.set(k, v);
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
  const utf8 = (b: Uint8Array): string => {
    charge(COST.string + 2 * b.length);
    return new TextDecoder('utf-8').decode(b);
  };
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
    marks--;
    return items;
  };
  const global = (module: string, name: string, at: number): PyGlobal => {
    charge(COST.global + 2 * (module.length + name.length));
    const g = new PyGlobal(module, name);
    if (!ALLOWED_GLOBALS.has(g.qualified)) {
      fail(`pickle references '${g.qualified}', which is not part of a CIFAR-10 batch (refusing to go on)`, at);
    }
    return g;
  };
  const setItems = (d: PickleValue, kv: PickleValue[], at: number): void => {
    if (!(d instanceof PyDict)) fail('SETITEM(S) on a non-dict', at);
    if ((d as PyDict).size === 0 && kv.length >= 2) charge(COST.map);
    for (let i = 0; i + 1 < kv.length; i += 2) {
      charge(COST.dictEntry);
      (d as PyDict).entries.set(keyOf(kv[i], at), kv[i + 1]);
    }
  };
  const reduce = (fn: PickleValue, args: PickleValue, at: number): PickleValue => {
    if (!(fn instanceof PyGlobal) || !(args instanceof PyTuple)) return fail('REDUCE of something other than a recognised numpy global', at);
    const a = args.items;
    if (fn.name === '_reconstruct') {
      if (!(a[0] instanceof PyGlobal) || a[0].qualified !== 'numpy.ndarray') fail('numpy _reconstruct of something other than numpy.ndarray', at);
      charge(COST.array);
      return new PyNdArray();
    }
    if (fn.qualified === 'numpy.dtype') {
      const descr = text(a[0]);
      if (descr === null) fail('numpy.dtype without a type string', at);
      charge(COST.array);
      return new PyDtype(descr!);
    }
    return fail(`REDUCE of '${fn.qualified}' is not supported`, at);
  };
  const build = (obj: PickleValue, state: PickleValue, at: number): void => {
    if (obj instanceof PyDtype) {
      if (state instanceof PyTuple) obj.byteOrder = text(state.items[1]) ?? '|';
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
        if (++marks > PICKLE_LIMITS.marks) fail(`the pickle nests more than ${PICKLE_LIMITS.marks} MARKs`, at);
        push(MARK);
        break;
      case 0x30: // POP
        if (stack.pop() === MARK) marks--;
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict(), COST.dict);
        break;
      case 0x5d: // EMPTY_LIST
        push([], COST.list);
        break;
      case 0x29: // EMPTY_TUPLE
        push(new PyTuple([]), COST.tuple);
        break;
      case 0x74: {
        // TUPLE
        const items = popMark();
        push(new PyTuple(items), COST.tuple + COST.element * items.length);
        break;
      }
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]), COST.tuple + COST.element);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        push(new PyTuple([pop(), b]), COST.tuple + 2 * COST.element);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        push(new PyTuple([pop(), b, c]), COST.tuple + 3 * COST.element);
        break;
      }
      case 0x71: // BINPUT
        memoSet(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoSet(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoSet(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`pickle memo key ${k} is not defined`, at);
        push(memo.get(k)!);
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(new PyBytes(take(u8())), COST.bytes);
        break;
      case 0x54: // BINSTRING
      case 0x42: // BINBYTES
        push(new PyBytes(take(u32())), COST.bytes);
        break;
      case 0x43: // SHORT_BINBYTES
        push(new PyBytes(take(u8())), COST.bytes);
        break;
      case 0x8e: // BINBYTES8
        push(new PyBytes(take(u64())), COST.bytes);
        break;
      case 0x58: // BINUNICODE
        push(utf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(take(u64())));
        break;
      case 0x4a: {
        // BININT
        need(4);
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        if (n > 6) fail('integer too large', at);
        const b = take(n);
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i];
        if (n > 0 && b[n - 1] & 0x80) v -= 2 ** (8 * n);
        push(v);
        break;
      }
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        push(global(module, line(), at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = text(pop());
        const module = text(pop());
        if (name === null || module === null) fail('STACK_GLOBAL without names', at);
        push(global(module!, name!, at));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(reduce(fn, args, at));
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
        charge(COST.element);
        (l as PickleValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS on a non-list', at);
        charge(COST.element * items.length);
        for (const v of items) (l as PickleValue[]).push(v);
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}')`, at);
    }
  }
}
