/**
 * User-defined metadata (tfjs `setUserDefinedMetadata` / `getUserDefinedMetadata`): kept as a JSON
 * copy, refused when it is not a JSON object, written into model.json by `save` and restored by
 * loading, both ways between cnnkit and real TensorFlow.js.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ck from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-metadata-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
ck.setBackendSync('reference');

function small(): ck.LayersModel {
  const m = ck.sequential();
  m.add(ck.layers.dense({ units: 3, activation: 'softmax', inputShape: [4] }));
  return m;
}

test('setUserDefinedMetadata keeps a JSON copy and refuses what is not a JSON object', () => {
  const m = small();
  assert.equal(m.getUserDefinedMetadata(), undefined);
  const meta = { classNames: ['cat', 'dog', 'frog'], imageSize: [32, 32] };
  m.setUserDefinedMetadata(meta);
  meta.classNames.push('changed later');
  assert.deepEqual(m.getUserDefinedMetadata(), { classNames: ['cat', 'dog', 'frog'], imageSize: [32, 32] });
  assert.throws(() => m.setUserDefinedMetadata([1, 2]), /setUserDefinedMetadata: expected a plain object\. Received an array/);
  assert.throws(() => m.setUserDefinedMetadata(null as unknown as object), /Received null/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => m.setUserDefinedMetadata(cyclic), (e: Error) => e instanceof ck.ValueError && /must be JSON-serialisable/.test(e.message));
  m.setUserDefinedMetadata(undefined);
  assert.equal(m.getUserDefinedMetadata(), undefined);
});

test('save writes it into model.json, loading restores it; tfjs reads ours and we read tfjs\'s', async () => {
  const m = small();
  m.setUserDefinedMetadata({ classNames: ['a', 'b', 'c'], note: 'trained on photos' });
  const dir = join(tmp, 'model');
  await m.save(`file://${dir}`);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  assert.deepEqual(json.userDefinedMetadata, { classNames: ['a', 'b', 'c'], note: 'trained on photos' });
  const back = await ck.loadLayersModel(dir);
  assert.deepEqual(back.getUserDefinedMetadata(), m.getUserDefinedMetadata());

  const bin = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
  const artifacts = tf.io.getModelArtifactsForJSONSync(json, json.weightsManifest[0].weights, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  assert.deepEqual(theirs.getUserDefinedMetadata(), { classNames: ['a', 'b', 'c'], note: 'trained on photos' });

  theirs.setUserDefinedMetadata({ from: 'tfjs', sizes: [1, 2] });
  let saved: tf.io.ModelArtifacts | null = null;
  await theirs.save(tf.io.withSaveHandler(async (a) => {
    saved = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const ours = await ck.loadLayersModel(ck.io.fromMemory(saved as unknown as ck.io.ModelArtifacts));
  assert.deepEqual(ours.getUserDefinedMetadata(), { from: 'tfjs', sizes: [1, 2] });
});

test('a model.json whose userDefinedMetadata is not an object is refused, naming the file', async () => {
  const saver = ck.io.memorySaver();
  await small().save(saver);
  const artifacts = { ...(saver.artifacts as ck.io.ModelArtifacts), userDefinedMetadata: [1, 2] as unknown as Record<string, unknown> };
  await assert.rejects(ck.loadLayersModel(ck.io.fromMemory(artifacts)), (e: Error) => e instanceof ck.DataError && /userDefinedMetadata must be a JSON object/.test(e.message));
});
