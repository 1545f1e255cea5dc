import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '../src/errors.js';
import { PyDict, PyNdArray, PyTuple, readPickle } from '../src/data/pickle.js';
import { readPythonBatch } from '../src/data/python-batch.js';
import { PickleWriter, makeBatch, pythonBatchPickle } from './helpers/cifar-fixtures.js';
import { repeatedPickle } from './helpers/hostile-files.js';

const batch = makeBatch(4, 0, (i) => (i * 3) % 10);

describe('structural pickle reader', () => {
  test('reads a hand-built protocol-2 CIFAR batch like the official files', () => {
    const bytes = pythonBatchPickle(batch.planar, batch.labels, 'training batch 1 of 5');
    const root = readPickle(bytes, 'data_batch_1');
    assert.ok(root instanceof PyDict);
    assert.deepEqual([...root.entries.keys()], ['data', 'labels', 'batch_label', 'filenames']);
    const data = root.entries.get('data');
    assert.ok(data instanceof PyNdArray);
    assert.deepEqual(data.shape, [4, 3072]);
    assert.equal(data.dtype?.descr, 'u1');
    assert.equal(data.dtype?.byteOrder, '|');
    const b = readPythonBatch(bytes, 'data_batch_1');
    assert.deepEqual(b.labels, batch.labels);
    assert.ok(Buffer.from(b.data).equals(Buffer.from(batch.planar)));
    // The array bytes are a view into the pickle, not a copy.
    assert.equal(b.data.buffer, bytes.buffer);
  });

  test('memo: LONG_BINPUT beyond 255 entries and BINGET', () => {
    const many = makeBatch(300, 0);
    const b = readPythonBatch(pythonBatchPickle(many.planar, many.labels, 'x'), 'big');
    assert.equal(b.labels.length, 300);
    const w = new PickleWriter();
    w.op(0x80, 2).op(0x5d).put().op(0x28).str('a').put().op(0x68, 1).op(0x68, 1).op(0x65).op(0x2e);
    const v = readPickle(w.bytes(), 'memo');
    assert.ok(Array.isArray(v));
    assert.equal(v.length, 3);
  });

  test('protocol 3/4 opcodes used by re-pickled copies: FRAME, SHORT_BINUNICODE, MEMOIZE, BINBYTES, TUPLE2', () => {
    const w = new PickleWriter();
    w.op(0x80, 4).op(0x95).op(20, 0, 0, 0, 0, 0, 0, 0);
    w.op(0x7d, 0x94).op(0x8c, 4).ascii('key1').op(0x94).op(0x43, 3).ascii('abc').op(0x94).op(0x73);
    w.op(0x8c, 1).ascii('t').op(0x4b, 1).op(0x88).op(0x86).op(0x73).op(0x2e);
    const d = readPickle(w.bytes(), 'p4');
    assert.ok(d instanceof PyDict);
    const t = d.entries.get('t');
    assert.ok(t instanceof PyTuple);
    assert.deepEqual(t.items, [1, true]);
  });

  test('refuses any other global, naming it and the file', () => {
    const bytes = pythonBatchPickle(batch.planar, batch.labels, 'x', { global: ['os', 'system'] });
    assert.throws(() => readPythonBatch(bytes, 'evil_batch'), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^evil_batch: pickle references 'os\.system', which is not part of a CIFAR-10 batch \(refusing to go on\) at byte \d+/);
      return true;
    });
  });

  test('refuses REDUCE of a recognised global that is not a numpy constructor', () => {
    const w = new PickleWriter();
    w.op(0x80, 2).global('numpy', 'ndarray').op(0x29).op(0x52).op(0x2e);
    assert.throws(() => readPickle(w.bytes(), 'reduce'), /reduce: REDUCE of 'numpy\.ndarray' is not supported/);
  });

  test('unsupported opcode', () => {
    const w = new PickleWriter();
    w.op(0x80, 2).op(0x69).ascii('os\nsystem\n').op(0x2e); // INST
    assert.throws(() => readPickle(w.bytes(), 'inst'), /inst: unsupported pickle opcode 0x69 \('i'\) at byte 2/);
  });

  test('truncated pickle', () => {
    const bytes = pythonBatchPickle(batch.planar, batch.labels, 'x');
    assert.throws(() => readPythonBatch(bytes.subarray(0, bytes.length - 40), 'cut'), /cut: truncated pickle/);
    assert.throws(() => readPythonBatch(bytes.subarray(0, 300), 'cut2'), /cut2: truncated pickle \(needs \d+ more bytes\)/);
  });

  test('wrong dtype, wrong label count and non-dict roots are DataErrors', () => {
    assert.throws(() => readPythonBatch(pythonBatchPickle(batch.planar, batch.labels, 'x', { dtype: 'f4' }), 'f4'), /f4: 'data' has dtype 'f4', expected uint8/);
    const w = new PickleWriter();
    w.op(0x80, 2).op(0x5d).op(0x2e);
    assert.throws(() => readPythonBatch(w.bytes(), 'list'), /list: pickle does not hold a dict/);
    const short = pythonBatchPickle(batch.planar.subarray(0, 3072 * 3), batch.labels, 'x');
    assert.throws(() => readPythonBatch(short, 'short'), /short: 'data' holds 9216 bytes, shape \(4, 3072\) needs 12288/);
  });

  test('stack underflow and missing MARK', () => {
    const w = new PickleWriter();
    w.op(0x80, 2).op(0x73).op(0x2e);
    assert.throws(() => readPickle(w.bytes(), 'under'), /under: pickle stack underflow/);
    const m = new PickleWriter();
    m.op(0x80, 2).op(0x5d).op(0x65).op(0x2e);
    assert.throws(() => readPickle(m.bytes(), 'nomark'), /nomark: pickle MARK missing/);
  });

  test('the machine is bounded: object, stack, MARK and memo bombs fail fast naming the bound', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['EMPTY_DICT x 4M', repeatedPickle([0x7d], 4_000_000), /the pickle builds more than 12 MB of values, the most cnnkit allows for a file of 4000003 bytes/],
      ['EMPTY_LIST + APPEND of the list to itself', repeatedPickle([0x32, 0x61], 3_000_000, [0x5d]), /builds more than \d+ MB of values/],
      ['DUP x 2M (stack)', repeatedPickle([0x32], 2_000_000, [0x4e]), /the pickle stack holds more than 1048576 values/],
      ['MARK x 100', repeatedPickle([0x28], 100), /the pickle nests more than 64 MARKs at byte 66/],
      ['LONG_BINPUT of fresh keys', (() => {
        const b = repeatedPickle([0x72, 0, 0, 0, 0], 1_200_000, [0x4e]);
        for (let i = 0; i < 1_200_000; i++) new DataView(b.buffer).setUint32(3 + 5 * i + 1, i, true);
        return b;
      })(), /the pickle memo holds more than 1048576 entries|builds more than \d+ MB of values/],
      ['one 1 MB dict key set again and again (text conversions)', (() => {
        const w = new PickleWriter();
        w.op(0x80, 2).op(0x7d).binstring(new Uint8Array(1 << 20).fill(0x41)).put().op(0x30);
        for (let i = 0; i < 2000; i++) w.op(0x68, 0, 0x4e, 0x73);
        return w.op(0x2e).bytes();
      })(), /builds more than 9 MB of values/],
    ];
    for (const [name, bytes, re] of cases) {
      const heap = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      assert.throws(() => readPickle(bytes, name), (e: unknown) => e instanceof DataError && re.test(e.message), name);
      const ms = performance.now() - t0;
      assert.ok(ms < 5000, `${name}: ${ms.toFixed(0)} ms`);
      assert.ok(process.memoryUsage().heapUsed - heap < 300e6, `${name}: heap grew ${((process.memoryUsage().heapUsed - heap) / 1e6).toFixed(0)} MB`);
    }
  });
});
