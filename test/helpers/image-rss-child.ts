/**
 * Child process of the bounded-memory test: streams an image folder twice (the first pass decodes
 * and fills the cache, the second reads the cache) and prints the resident set size after the
 * first batch and at its peak, with the bytes of decoded images that went through. Run with
 * --expose-gc, it collects garbage every 4 batches, so the peak is what the pipeline keeps.
 */
import * as ck from '../../src/index.js';

const [dir, side, cacheDir] = process.argv.slice(2);
// The test runner also loads every file under test/: without arguments there is nothing to do.
if (!dir) {
  console.log('image-rss-child.js DIR SIDE CACHE_DIR: run by data-image-folder.test.js');
  process.exit(0);
}
const ds = await ck.data.imageDatasetFromDirectory(dir, {
  imageSize: [Number(side), Number(side)], batchSize: 32, seed: 1, cache: cacheDir, verbose: false, threads: 2,
});
const gc = (globalThis as { gc?: () => void }).gc;
let first = 0, peak = 0, bytes = 0, n = 0;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
for (let pass = 0; pass < 2; pass++) {
  for await (const b of ds as AsyncIterable<ck.data.ImageBatch>) {
    bytes += b.xs.size;
    b.xs.dispose();
    b.ys?.dispose();
    if (gc && ++n % 4 === 0) gc();
    if (first === 0) first = process.memoryUsage.rss();
    peak = Math.max(peak, process.memoryUsage.rss());
  }
}
clearInterval(sample);
console.log(JSON.stringify({ first, peak, bytes, batches: ds.size }));
