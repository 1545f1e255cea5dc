/**
 * `ck.data.imageDatasetFromDirectory` and `loadImageFolder` on folders the tests write: CIFAR-10
 * pictures from the shared archive as PNG and JPEG when it is present (else generated pictures),
 * Keras's class names, file order and seeded split, label modes, odd and corrupt files, the pixel
 * limit, the cache across runs, and training from the arrays.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ck from '../src/index.js';
import { cifarPictures, generated, writePicture, type Picture } from './helpers/image-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'cnnkit-images-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
ck.setBackendSync('reference');

const CLASSES = ['cat', 'dog', 'frog'];
const PER_CLASS = 40;
let folder = '';
let source = '';

/** Collects log lines and warnings instead of printing them. */
function quiet() {
  const log: string[] = [], warnings: string[] = [];
  return { log, warnings, options: { log: (l: string) => log.push(l), onWarning: (l: string) => warnings.push(l) } };
}

before(async () => {
  // Three classes of 40 pictures, alternately PNG and JPEG; a nested subfolder in 'dog'.
  const cifar = cifarPictures(PER_CLASS * CLASSES.length);
  source = cifar ? 'CIFAR-10 pictures from the shared archive' : 'generated pictures (no shared archive)';
  console.log(`image folder tests use ${source}`);
  folder = join(tmp, 'photos');
  for (let c = 0; c < CLASSES.length; c++) {
    for (let i = 0; i < PER_CLASS; i++) {
      const pic = cifar ? cifar.pictures[c * PER_CLASS + i] : generated(c, i);
      const sub = c === 1 && i >= 30 ? 'more/' : '';
      await writePicture(join(folder, CLASSES[c], `${sub}${String(i).padStart(3, '0')}.${i % 2 ? 'jpg' : 'png'}`), pic, i % 2 ? 'jpeg' : 'png');
    }
  }
});

const base = { imageSize: [32, 32] as [number, number], cache: false as const };

describe('indexing and splitting as Keras does', () => {
  test('class names from sorted subfolders, files in os.walk order, labels by class', async () => {
    const q = quiet();
    const ds = await ck.data.imageDatasetFromDirectory(folder, { ...base, shuffle: false, batchSize: 8, ...q.options });
    assert.deepEqual(ds.classNames, CLASSES);
    assert.deepEqual(q.log, [`Found ${PER_CLASS * 3} files belonging to 3 classes.`]);
    const files = ds.filePaths;
    assert.equal(files.length, PER_CLASS * 3);
    // Each class folder's own files (sorted), then its subfolders', then the next class.
    assert.equal(files[0], 'cat/000.png');
    assert.equal(files[PER_CLASS + 29], 'dog/029.jpg');
    assert.equal(files[PER_CLASS + 30], 'dog/more/030.png');
    assert.equal(ds.size, Math.ceil((PER_CLASS * 3) / 8));
    const labels: number[] = [];
    for await (const b of ds as AsyncIterable<ck.data.ImageBatch>) {
      assert.equal(b.xs.dtype, 'uint8');
      assert.deepEqual([...b.xs.shape].slice(1), [32, 32, 3]);
      labels.push(...b.ys!.dataSync());
    }
    assert.deepEqual(labels, files.map((f) => CLASSES.indexOf(f.split('/')[0])));
  });

  test('classNames picks and orders classes; the seeded split is disjoint, complete and repeatable', async () => {
    const picked = await ck.data.imageDatasetFromDirectory(folder, { ...base, classNames: ['frog', 'cat'], shuffle: false, ...quiet().options });
    assert.deepEqual(picked.classNames, ['frog', 'cat']);
    assert.ok(picked.filePaths[0].startsWith('frog/'));
    assert.equal(picked.filePaths.length, PER_CLASS * 2);

    const opts = { ...base, validationSplit: 0.25, seed: 42, ...quiet().options };
    const [train, val] = await ck.data.imageDatasetFromDirectory(folder, { ...opts, subset: 'both' });
    assert.equal(val.filePaths.length, Math.floor(0.25 * PER_CLASS * 3));
    assert.equal(train.filePaths.length + val.filePaths.length, PER_CLASS * 3);
    assert.equal(new Set([...train.filePaths, ...val.filePaths]).size, PER_CLASS * 3);
    const trainOnly = await ck.data.imageDatasetFromDirectory(folder, { ...opts, subset: 'training' });
    const valOnly = await ck.data.imageDatasetFromDirectory(folder, { ...opts, subset: 'validation' });
    assert.deepEqual(trainOnly.filePaths, train.filePaths);
    assert.deepEqual(valOnly.filePaths, val.filePaths);
    const other = await ck.data.imageDatasetFromDirectory(folder, { ...opts, seed: 43, subset: 'validation' });
    assert.notDeepEqual(other.filePaths, val.filePaths);
    // Each pass reshuffles within a window, reproducibly for the seed.
    const order = async (d: ck.data.ImageFolderDataset) => {
      const out: number[] = [];
      for await (const b of d as AsyncIterable<ck.data.ImageBatch>) out.push(...b.xs.dataSync().filter((_, i) => i % 3072 === 0));
      return out;
    };
    const again = await ck.data.imageDatasetFromDirectory(folder, { ...opts, subset: 'training' });
    const p1 = await order(trainOnly), p2 = await order(trainOnly);
    assert.notDeepEqual(p1, p2);
    assert.deepEqual(await order(again), p1);
  });

  test('label modes, batchSize null, colour modes and image sizes', async () => {
    const o = { ...base, shuffle: false, batchSize: 5, ...quiet().options };
    const first = async (d: unknown) => (await (d as ck.data.ImageFolderDataset).take(1).toArray())[0] as ck.data.ImageBatch;
    const cat = await first(await ck.data.imageDatasetFromDirectory(folder, { ...o, labelMode: 'categorical' }));
    assert.equal(cat.ys!.dtype, 'float32');
    assert.deepEqual([...cat.ys!.shape], [5, 3]);
    assert.deepEqual(Array.from(cat.ys!.dataSync()).slice(0, 3), [1, 0, 0]);
    const bin = await first(await ck.data.imageDatasetFromDirectory(folder, { ...o, classNames: ['dog', 'cat'], labelMode: 'binary' }));
    assert.deepEqual([...bin.ys!.shape], [5, 1]);
    assert.deepEqual(Array.from(bin.ys!.dataSync()), [0, 0, 0, 0, 0]);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...o, labelMode: 'binary' }), /labelMode 'binary' needs exactly 2 classes/);
    const none = (await (await ck.data.imageDatasetFromDirectory(folder, { ...o, labelMode: null })).take(1).toArray())[0];
    assert.ok(none instanceof ck.Tensor);
    const single = await first(await ck.data.imageDatasetFromDirectory(folder, { ...o, batchSize: null, colorMode: 'grayscale', imageSize: [20, 24] }));
    assert.deepEqual([...single.xs.shape], [20, 24, 1]);
    assert.deepEqual([...single.ys!.shape], []);
    const rgba = await first(await ck.data.imageDatasetFromDirectory(folder, { ...o, colorMode: 'rgba', imageSize: [8, 8], interpolation: 'area' }));
    assert.deepEqual([...rgba.xs.shape], [5, 8, 8, 4]);
    assert.ok(rgba.xs.dataSync().filter((_, i) => i % 4 === 3).every((a) => a === 255));
  });

  test('explicit labels follow the sorted file paths', async () => {
    const n = PER_CLASS * 3;
    const labels = Array.from({ length: n }, (_, i) => i % 4);
    const arr = await ck.data.loadImageFolder(folder, { ...base, labels, shuffle: false, ...quiet().options });
    const sorted = [...arr.files].sort();
    assert.deepEqual(arr.files, sorted);
    assert.deepEqual(Array.from(arr.labels), labels);
    await assert.rejects(ck.data.loadImageFolder(folder, { ...base, labels: [1, 2], ...quiet().options }), /labels gives 2 labels but the folder holds 120 image files/);
  });

  test('bad options and folders get clear errors', async () => {
    const q = quiet().options;
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, validationSplit: 0.2, subset: 'training', ...q }), /a seed must be given so that the training and validation subsets do not overlap/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, validationSplit: 0.2, ...q }), /if subset is set, validationSplit must be set, and inversely/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, image_size: [4, 4] } as never), /unknown option 'image_size' \(did you mean imageSize\?\)/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, interpolation: 'bicubic' } as never), /interpolation must be one of 'bilinear', 'nearest', 'area' \(a Keras method cnnkit does not implement\)/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, classNames: ['cat', 'cat'], ...q }), /classNames must not repeat a name. Received duplicate 'cat'/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(folder, { ...base, classNames: ['cat', 'bird'], ...q }), /not found: \['bird'\]/);
    const flat = join(tmp, 'flat');
    await writePicture(join(flat, 'a.png'), generated(0, 0), 'png');
    await assert.rejects(ck.data.imageDatasetFromDirectory(flat, { ...base, ...q }), (e: Error) => e instanceof ck.DataError && /flat: no class folders found/.test(e.message));
    const emptyClass = join(tmp, 'empty-class');
    await writePicture(join(emptyClass, 'a', 'x.png'), generated(0, 0), 'png');
    mkdirSync(join(emptyClass, 'b'));
    writeFileSync(join(emptyClass, 'b', 'notes.txt'), 'no images here');
    await assert.rejects(ck.data.imageDatasetFromDirectory(emptyClass, { ...base, ...q }), /empty-class\/b: class folder holds no images/);
    await assert.rejects(ck.data.imageDatasetFromDirectory(join(tmp, 'nope'), { ...base, ...q }), /nope: no such folder/);
  });
});

describe('odd files, the pixel limit and the cache', () => {
  test('bad files are skipped with a warning naming each and a summary line', async () => {
    const dir = join(tmp, 'odd');
    for (const c of ['a', 'b']) for (let i = 0; i < 6; i++) await writePicture(join(dir, c, `${i}.png`), generated(c === 'a' ? 0 : 1, i), 'png');
    writeFileSync(join(dir, 'a', 'empty.png'), new Uint8Array(0));
    writeFileSync(join(dir, 'a', 'text.jpg'), 'this is not a picture');
    await writePicture(join(dir, 'b', 'cut.jpg'), generated(1, 9, 64, 64), 'jpeg');
    const cut = join(dir, 'b', 'cut.jpg');
    writeFileSync(cut, new Uint8Array(execFileSync('head', ['-c', String(statSync(cut).size >> 1), cut])));
    writeFileSync(join(dir, 'b', 'README.txt'), 'ignored, like Keras does');
    symlinkSync(join(dir, 'a', '0.png'), join(dir, 'b', 'link.png'));
    execFileSync('mkfifo', [join(dir, 'b', 'pipe.png')]);
    const q = quiet();
    const ds = await ck.data.imageDatasetFromDirectory(dir, { ...base, batchSize: 4, seed: 1, ...q.options });
    let images = 0;
    for await (const b of ds as AsyncIterable<ck.data.ImageBatch>) images += b.xs.shape[0];
    assert.equal(images, 12);
    assert.equal(ds.size, 3, 'size is exact once a pass has met the bad files');
    const w = q.warnings.join('\n');
    for (const [name, why] of [['b/link.png', 'a symbolic link \\(followLinks is false\\)'], ['b/pipe.png', 'not a regular file'], ['a/empty.png', 'not a PNG.*the file is empty'], ['a/text.jpg', 'not a PNG, JPEG'], ['b/cut.jpg', 'truncated JPEG']])
      assert.match(w, new RegExp(`${name}: ${why}`), name);
    assert.match(w, /skipped 5 of 17 files: b\/link\.png, b\/pipe\.png, a\/empty\.png, a\/text\.jpg, b\/cut\.jpg/);
    assert.match(q.log.join('\n'), /Ignored 1 files without an image extension: b\/README\.txt/);
    // With followLinks the link is read.
    const linked = await ck.data.loadImageFolder(dir, { ...base, followLinks: true, ...quiet().options });
    assert.equal(linked.count, 13);
    assert.equal(linked.skipped.length, 4);
  });

  test('an image above maxPixels is refused before decoding', async () => {
    const dir = join(tmp, 'limit');
    await writePicture(join(dir, 'a', 'small.png'), generated(0, 0, 32, 32), 'png');
    await writePicture(join(dir, 'a', 'large.png'), generated(0, 1, 200, 100), 'png');
    await writePicture(join(dir, 'b', 'small.jpg'), generated(1, 0, 32, 32), 'jpeg');
    const q = quiet();
    const arr = await ck.data.loadImageFolder(dir, { ...base, maxPixels: 10_000, ...q.options });
    assert.equal(arr.count, 2);
    assert.match(q.warnings.join('\n'), /a\/large\.png: 200x100 is 0\.0 megapixels, above the limit of 0\.0 \(maxPixels=10000\); refused before decoding/);
    await assert.rejects(ck.data.loadImageFolder(dir, { ...base, maxPixels: 0 }), /maxPixels must be a positive integer/);
  });

  test('the cache is reused across runs and follows changed files and settings', async () => {
    const dir = join(tmp, 'cached');
    const cacheDir = join(tmp, 'cache');
    for (let i = 0; i < 8; i++) await writePicture(join(dir, i < 4 ? 'x' : 'y', `${i}.png`), generated(i < 4 ? 0 : 1, i), 'png');
    const run = async (extra: object = {}) => {
      const q = quiet();
      const arr = await ck.data.loadImageFolder(dir, { imageSize: [16, 16], shuffle: false, cache: cacheDir, ...q.options, ...extra });
      const reused = /Using (\d+) decoded images from the cache/.exec(q.log.join('\n'));
      return { arr, reused: reused ? Number(reused[1]) : 0 };
    };
    const first = await run();
    assert.equal(first.reused, 0);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.bin')).length, 1);
    const second = await run();
    assert.equal(second.reused, 8);
    assert.deepEqual(second.arr.images, first.arr.images);
    // Rewrite one file with other pixels (and a later mtime): only it is decoded again.
    const changed = join(dir, 'y', '5.png');
    await writePicture(changed, generated(0, 99), 'png');
    const later = new Date(Date.now() + 5000);
    utimesSync(changed, later, later);
    const third = await run();
    assert.equal(third.reused, 7);
    const k = third.arr.files.indexOf('y/5.png');
    const fresh = await run({ cache: false });
    assert.deepEqual(third.arr.images, fresh.arr.images);
    assert.notDeepEqual(third.arr.images.subarray(k * 768, (k + 1) * 768), first.arr.images.subarray(k * 768, (k + 1) * 768));
    // Other settings use another cache file; a damaged cache file is rebuilt.
    assert.equal((await run({ imageSize: [8, 8] })).reused, 0);
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.bin')).length, 2);
    for (const f of readdirSync(cacheDir)) writeFileSync(join(cacheDir, f), 'garbage');
    const rebuilt = await run();
    assert.equal(rebuilt.reused, 0);
    assert.deepEqual(rebuilt.arr.images, fresh.arr.images);
    assert.equal((await run()).reused, 8);
    // A dataset reads the cache while it is open; closed, it decodes the files again.
    const ds = await ck.data.imageDatasetFromDirectory(dir, { imageSize: [16, 16], shuffle: false, cache: cacheDir, batchSize: 8, ...quiet().options });
    const open = (await ds.toArray())[0] as ck.data.ImageBatch;
    await ds.close();
    await ds.close();
    const closed = (await ds.toArray())[0] as ck.data.ImageBatch;
    assert.deepEqual(closed.xs.dataSync(), open.xs.dataSync());
    assert.deepEqual(open.xs.dataSync(), fresh.arr.images);
  });
});

describe('training from a folder', () => {
  test('a model trained on loadImageFolder arrays beats chance on the validation split', async () => {
    const dir = join(tmp, 'shapes');
    const pics: [number, Picture][] = [];
    for (let c = 0; c < 3; c++) for (let i = 0; i < 30; i++) pics.push([c, generated(c, i, 24, 24)]);
    for (const [k, [c, p]] of pics.entries()) await writePicture(join(dir, `class${c}`, `${k}.${k % 2 ? 'jpg' : 'png'}`), p, k % 2 ? 'jpeg' : 'png');
    const { training, validation } = await ck.data.loadImageFolder(dir, { imageSize: [16, 16], validationSplit: 0.3, subset: 'both', seed: 3, cache: false, ...quiet().options });
    ck.setBackendSync('wasm', { threads: 1, memoryMB: 64 });
    after(() => ck.setBackendSync('reference'));
    ck.setSeed(1);
    const model = ck.sequential();
    model.add(ck.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [16, 16, 3] }));
    model.add(ck.layers.maxPooling2d({ poolSize: 2 }));
    model.add(ck.layers.flatten());
    model.add(ck.layers.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: ck.train.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = (a: ck.data.ImageArrays) => ck.tensor(a.images, [a.count, 16, 16, 3], 'uint8');
    const y = (a: ck.data.ImageArrays) => ck.tensor(a.labels, [a.count], 'int32');
    await model.fit(x(training), y(training), { epochs: 15, batchSize: 16, rescale: 1 / 255, verbose: 0 });
    const acc = (model.evaluate(x(validation), y(validation), { rescale: 1 / 255 }) as ck.Tensor[])[1].dataSync()[0];
    assert.ok(acc > 0.7, `validation accuracy ${acc} (chance is 0.33)`);
  });
});

describe('streaming', () => {
  test('a folder whose decoded images exceed the memory allowed streams with bounded RSS, cached or not', async () => {
    // 2,040 files (40 pictures, hard-linked) shaped to 192x192x3: 225 MB of decoded images per
    // pass. A child process streams two passes (decode + fill the cache, then read the cache) and
    // reports its resident set size after the first batch and at its peak. It collects garbage
    // every 4 batches (--expose-gc), so the peak measures what the pipeline keeps, not when V8
    // chose to collect (left to V8, the growth ranged 88-115 MB over runs; with it, 54-59 MB).
    const dir = join(tmp, 'big');
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < 20; i++) await writePicture(join(dir, `c${c}`, `src${i}.png`), generated(c, i, 48, 48), 'png');
      for (let k = 0; k < 1000; k++) linkSync(join(dir, `c${c}`, `src${k % 20}.png`), join(dir, `c${c}`, `copy${k}.png`));
    }
    const child = new URL('./helpers/image-rss-child.js', import.meta.url);
    const out = execFileSync(process.execPath, ['--expose-gc', child.pathname, dir, '192', join(tmp, 'big-cache')], { encoding: 'utf8' });
    const { first, peak, bytes } = JSON.parse(out.trim().split('\n').pop()!) as { first: number; peak: number; bytes: number };
    const perPass = 2040 * 192 * 192 * 3;
    assert.equal(bytes, 2 * perPass);
    const growth = peak - first;
    console.log(`streamed ${(bytes / 1e6).toFixed(0)} MB of images; RSS ${(first / 1e6).toFixed(0)} MB after the first batch, peak ${(peak / 1e6).toFixed(0)} MB`);
    assert.ok(growth < perPass / 2, `RSS grew by ${(growth / 1e6).toFixed(0)} MB while one pass holds ${(perPass / 1e6).toFixed(0)} MB`);
  });
});
