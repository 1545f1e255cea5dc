/**
 * Image decoding benchmark (not a test): images/s of reading, decoding and resizing JPEG 640x480
 * photos to 64x64 through the decoding pool (the path `imageDatasetFromDirectory` takes), on 0
 * (calling thread), 1 and 2 worker threads, interleaved and repeated, medians reported; then the
 * same folder read back from the cache file, and as batches from the dataset; then training images/s
 * of a small CNN from the cached folder (fitDataset) and from the same images in memory (fit),
 * interleaved, medians.
 *
 * Usage: node dist/bench/image-decode.js [--files 256] [--repeats 3] [--interpolation bilinear|area]
 */
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import * as ck from '../src/index.js';
import { imageDatasetFromDirectory, loadImageFolder } from '../src/data/image-dataset.js';
import { DecodePool } from '../src/data/image-pool.js';
import type { ImageJob, Interpolation } from '../src/data/image-resize.js';
import { Random } from '../src/tensor/random.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const files = Number(arg('files', '256'));
const repeats = Number(arg('repeats', '3'));
const interpolation = arg('interpolation', 'bilinear') as Interpolation;
const W = 640, H = 480, UNIQUE = 16;

/** A photo-like 640x480 picture: smooth shapes, gradients and sensor noise (so JPEG has work). */
function photo(seed: number): Uint8Array {
  const r = new Random(seed);
  const px = new Uint8Array(W * H * 4);
  const blobs = Array.from({ length: 6 }, () => [r.int(W), r.int(H), 40 + r.int(120), r.int(256), r.int(256), r.int(256)]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let c = [(x * 255) / W, (y * 255) / H, 128];
      for (const [bx, by, br, cr, cg, cb] of blobs) if ((x - bx) ** 2 + (y - by) ** 2 < br * br) c = [cr, cg, cb];
      const o = (y * W + x) * 4;
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, c[k] + r.int(17) - 8));
      px[o + 3] = 255;
    }
  }
  return px;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(join(tmpdir(), 'cnnkit-bench-images-'));
try {
  mkdirSync(join(dir, 'a'));
  mkdirSync(join(dir, 'b'));
  const paths: string[] = [];
  for (let u = 0; u < UNIQUE; u++) writeFileSync(join(dir, `u${u}.jpg`), jpeg.encode({ data: photo(u), width: W, height: H }, 90).data);
  for (let i = 0; i < files; i++) {
    const p = join(dir, i % 2 ? 'a' : 'b', `${i}.jpg`);
    linkSync(join(dir, `u${i % UNIQUE}.jpg`), p); // distinct paths, so nothing is shared between requests
    paths.push(p);
  }
  const job: ImageJob = { imageSize: [64, 64], colorMode: 'rgb', interpolation, cropToAspectRatio: false, padToAspectRatio: false, maxPixels: 50_000_000 };
  const rec = 64 * 64 * 3;
  const pools = new Map([0, 1, 2].map((t) => [t, new DecodePool(t)] as const));
  const run = async (pool: DecodePool): Promise<number> => {
    const out = new Uint8Array(new SharedArrayBuffer(paths.length * rec));
    const t0 = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const k = next++;
        await pool.decode(paths[k], job, { out, offset: k * rec });
      }
    };
    await Promise.all(Array.from({ length: Math.max(2, pool.threads * 4) }, worker));
    return paths.length / ((performance.now() - t0) / 1000);
  };
  for (const pool of pools.values()) await run(pool); // warm-up: workers started, code compiled
  const rates = new Map<number, number[]>([...pools.keys()].map((t) => [t, []]));
  for (let r = 0; r < repeats; r++) for (const [t, pool] of pools) rates.get(t)!.push(await run(pool));
  console.log(`JPEG ${W}x${H} -> 64x64 (${interpolation}), ${files} files, medians of ${repeats}, interleaved:`);
  for (const [t, rs] of rates) console.log(`  ${t === 0 ? 'calling thread' : `${t} worker thread${t > 1 ? 's' : ''}`}: ${median(rs).toFixed(0)} images/s (runs: ${rs.map((x) => x.toFixed(0)).join(', ')})`);
  for (const pool of pools.values()) await pool.close();

  // Through the dataset: the first pass decodes and fills the cache, later passes read it.
  const cacheDir = `${dir}-cache`; // beside the folder: inside it, it would read as a class folder
  const ds = await imageDatasetFromDirectory(dir, { imageSize: [64, 64], interpolation, batchSize: 32, seed: 1, cache: cacheDir, threads: 2, verbose: false });
  const pass = async (): Promise<number> => {
    const t0 = performance.now();
    let n = 0;
    for await (const b of ds) n += (b as { xs: { shape: readonly number[] } }).xs.shape[0];
    return n / ((performance.now() - t0) / 1000);
  };
  const firstPass = await pass();
  const cached = [await pass(), await pass(), await pass()];
  console.log(`  dataset, 2 threads, first pass (decode + write cache): ${firstPass.toFixed(0)} images/s`);
  console.log(`  dataset, from the cache: ${median(cached).toFixed(0)} images/s (runs: ${cached.map((x) => x.toFixed(0)).join(', ')})`);

  // Training from the cached folder and from the same images in memory.
  await ck.setBackend('wasm', { threads: 2 });
  const arrays = await loadImageFolder(dir, { imageSize: [64, 64], interpolation, seed: 1, cache: cacheDir, threads: 2, verbose: false });
  const x = ck.tensor(arrays.images, [arrays.count, 64, 64, 3], 'uint8');
  const y = ck.tensor(arrays.labels, [arrays.count], 'int32');
  ck.setSeed(1);
  const model = ck.sequential({
    layers: [
      ck.layers.rescaling({ scale: 1 / 255, inputShape: [64, 64, 3] }),
      ck.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      ck.layers.maxPooling2d({ poolSize: 2 }),
      ck.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      ck.layers.globalAveragePooling2d(),
      ck.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const fromFolder = async (): Promise<number> => {
    const t0 = performance.now();
    await model.fitDataset(ds, { epochs: 1, verbose: 0 });
    return arrays.count / ((performance.now() - t0) / 1000);
  };
  const fromMemory = async (): Promise<number> => {
    const t0 = performance.now();
    await model.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
    return arrays.count / ((performance.now() - t0) / 1000);
  };
  await fromFolder();
  await fromMemory();
  const folderRates: number[] = [], memoryRates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    folderRates.push(await fromFolder());
    memoryRates.push(await fromMemory());
  }
  const [f, m] = [median(folderRates), median(memoryRates)];
  console.log(`  training (a small CNN, batch 32, 2 threads) from the cached folder: ${f.toFixed(0)} images/s (runs: ${folderRates.map((v) => v.toFixed(0)).join(', ')})`);
  console.log(`  training from the same images in memory: ${m.toFixed(0)} images/s (runs: ${memoryRates.map((v) => v.toFixed(0)).join(', ')}); folder/memory ${(f / m).toFixed(3)}`);
  ck.getBackend().dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}-cache`, { recursive: true, force: true });
}
