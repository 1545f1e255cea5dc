/** collectGarbage hands a dropped buffer's memory back at once, without --expose-gc. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectGarbage } from '../src/util/node-gc.js';

test('collectGarbage frees dropped array buffers now', async () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'runs without --expose-gc, as the cnnkit command does');
  let big: Uint8Array | null = new Uint8Array(96 << 20).fill(1);
  const held = process.memoryUsage().arrayBuffers;
  assert.equal(big[12345], 1);
  big = null;
  assert.equal(await collectGarbage(), true);
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(held - after >= 90 << 20, `array buffers: ${(held / 2 ** 20).toFixed(0)} MB held, ${(after / 2 ** 20).toFixed(0)} MB after`);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'no gc global is left behind');
});
