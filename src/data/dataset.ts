/**
 * `ck.data`: TensorFlow.js's data pipeline (`tf.data`) with its semantics. A {@link Dataset} is a
 * recipe for a stream of elements; each `iterator()` call starts the stream anew and replays the
 * transformations, one element at a time, so a dataset larger than memory streams through in
 * bounded memory. Pure code, no Node APIs (the Node entry adds `csv` and image folders).
 *
 * @example
 * const ds = ck.data.array([{ xs: [1, 2], ys: 0 }, { xs: [3, 4], ys: 1 }]).shuffle(2, 'seed').batch(2);
 * for await (const { xs, ys } of ds) console.log(xs.shape, ys.shape); // [2, 2] [2]
 */
import { ValueError } from '../errors.js';
import { Random, globalRandom } from '../tensor/random.js';
import { batchElements } from './batch.js';
import {
  ArrayIterator, BatchIterator, ChainedIterator, FilterIterator, FunctionIterator, LazyIterator, MapIterator, PrefetchIterator,
  ShuffleIterator, SkipIterator, TakeIterator, ZipIterator, disposeAll, type StreamContainer,
} from './iterators.js';

export { LazyIterator, type StreamResult } from './iterators.js';
export type { Element } from './batch.js';

/** A 32-bit seed from a tfjs-style seed (tfjs takes strings; numbers are accepted too). */
export function seedFrom(seed: string | number): number {
  if (typeof seed === 'number') return seed >>> 0 ^ Math.floor(seed / 4294967296);
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function checkCount(where: string, count: number | undefined, allowMissing: boolean): void {
  if (count === undefined && allowMissing) return;
  if (typeof count !== 'number' || Number.isNaN(count) || (Number.isFinite(count) && !Number.isInteger(count)))
    throw new ValueError(`Dataset.${where}: count must be an integer. Received count=${String(count)}`);
}

/**
 * A stream of elements (tfjs `tf.data.Dataset`). Elements may be tensors, numbers, arrays or
 * nested objects of them. Methods return new datasets; nothing runs until the dataset is iterated.
 */
export abstract class Dataset<T = unknown> implements AsyncIterable<T> {
  /** The number of elements, `Infinity` for endless datasets, or `null` when unknown. */
  size: number | null = null;

  /** Starts a new pass over the elements. */
  abstract iterator(): Promise<LazyIterator<T>>;

  /** `for await (const x of dataset)` runs one pass. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const it = await this.iterator();
    try {
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    } finally {
      await it.return();
    }
  }

  /**
   * Groups elements into batches: numbers, arrays and tensors at each place of the element become
   * one tensor with a leading batch dimension; objects are batched key by key.
   * @param smallLastBatch emit a last batch smaller than `batchSize` (default true)
   */
  batch(batchSize: number, smallLastBatch = true): Dataset<unknown> {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new ValueError(`Dataset.batch: batchSize must be a positive integer. Received batchSize=${batchSize}`);
    const size = this.size === null || this.size === Infinity ? this.size : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return datasetFromIteratorFn(async () => new BatchIterator(await this.iterator(), batchSize, smallLastBatch, (rows) => batchElements(rows)), size);
  }

  /** This dataset's elements followed by `dataset`'s. */
  concatenate(dataset: Dataset<T>): Dataset<T> {
    const size = this.size === Infinity || dataset.size === Infinity ? Infinity : this.size !== null && dataset.size !== null ? this.size + dataset.size : null;
    const parts: Dataset<T>[] = [this, dataset];
    return datasetFromIteratorFn(async () => {
      let i = 0;
      // Each part is opened when it is reached, so a file is not opened before it is read.
      const streams = new FunctionIterator<LazyIterator<T>>(async () => (i < parts.length ? { value: await parts[i++].iterator(), done: false } : { value: undefined, done: true }));
      return new ChainedIterator(streams);
    }, size);
  }

  /** The elements for which `predicate` is true; the others' tensors are disposed. */
  filter(predicate: (value: T) => boolean | Promise<boolean>): Dataset<T> {
    return datasetFromIteratorFn(async () => new FilterIterator(await this.iterator(), predicate), this.size === Infinity ? Infinity : null);
  }

  /** Calls `f` on every element, then disposes the element's tensors. */
  async forEachAsync(f: (value: T) => void): Promise<void> {
    const it = await this.iterator();
    for (let r = await it.next(); !r.done; r = await it.next()) {
      f(r.value);
      disposeAll(r.value);
    }
  }

  /** A 1-to-1 transform run inside `tidy`; input tensors not passed through are disposed. */
  map<O>(transform: (value: T) => O): Dataset<O> {
    return datasetFromIteratorFn(async () => new MapIterator<T, O>(await this.iterator(), transform, true), this.size);
  }

  /** An asynchronous 1-to-1 transform (it must tidy its own intermediate tensors). */
  mapAsync<O>(transform: (value: T) => Promise<O>): Dataset<O> {
    return datasetFromIteratorFn(async () => new MapIterator<T, O>(await this.iterator(), transform, false), this.size);
  }

  /** Requests `bufferSize` elements ahead of the consumer so their preparation overlaps its work. */
  prefetch(bufferSize: number): Dataset<T> {
    if (bufferSize == null) throw new ValueError('Dataset.prefetch: bufferSize must be given. Received bufferSize=undefined');
    if (!(Number.isInteger(bufferSize) && bufferSize > 0)) throw new ValueError(`Dataset.prefetch: bufferSize must be a positive integer. Received bufferSize=${bufferSize}`);
    return datasetFromIteratorFn(async () => new PrefetchIterator(await this.iterator(), bufferSize), this.size);
  }

  /** The elements `count` times over; forever when `count` is undefined or negative. */
  repeat(count?: number): Dataset<T> {
    checkCount('repeat', count, true);
    const size = this.size !== null && count !== undefined && count > 0 ? this.size * count : count === 0 ? 0 : this.size !== null ? Infinity : null;
    const max = count === undefined || count < 0 ? Infinity : count;
    return datasetFromIteratorFn(async () => {
      let passes = 0;
      const streams = new FunctionIterator<LazyIterator<T>>(async () => (passes++ < max ? { value: await this.iterator(), done: false } : { value: undefined, done: true }));
      return new ChainedIterator(streams);
    }, size);
  }

  /** All but the first `count` elements (everything is skipped when `count` is negative). */
  skip(count: number): Dataset<T> {
    checkCount('skip', count, false);
    const size = this.size !== null && count >= 0 && this.size >= count ? this.size - count : this.size !== null ? 0 : null;
    // tfjs: a negative count returns the stream unaltered although `size` says 0; follow the size.
    return datasetFromIteratorFn(async () => new SkipIterator(await this.iterator(), count < 0 ? Infinity : count), size);
  }

  /**
   * Shuffles within a sliding window of `bufferSize` elements (tfjs semantics). With a `seed` the
   * order is reproducible; otherwise it follows `ck.setSeed`. With `reshuffleEachIteration`
   * (default true) every pass has a new order; with false every pass repeats the first order.
   */
  shuffle(bufferSize: number, seed?: string | number, reshuffleEachIteration = true): Dataset<T> {
    if (bufferSize == null || bufferSize < 0 || !Number.isInteger(bufferSize)) {
      const hint = this.size !== null ? ` If the data fits in memory, consider bufferSize=${this.size} (the dataset size)` : '';
      throw new ValueError(`Dataset.shuffle: bufferSize must be a non-negative integer.${hint}. Received bufferSize=${String(bufferSize)}`);
    }
    const base = seed === undefined ? globalRandom.nextUint32() : seedFrom(seed);
    const passes = new Random(base);
    const first = passes.nextUint32();
    return datasetFromIteratorFn(async () => {
      const passSeed = reshuffleEachIteration ? passes.nextUint32() : first;
      return new ShuffleIterator(await this.iterator(), Math.max(1, bufferSize), new Random(passSeed));
    }, this.size);
  }

  /** At most the first `count` elements (all of them when `count` is negative). */
  take(count: number): Dataset<T> {
    checkCount('take', count, false);
    const size = this.size !== null ? (count < 0 ? this.size : Math.min(this.size, count)) : null;
    return datasetFromIteratorFn(async () => (count < 0 ? this.iterator() : new TakeIterator(await this.iterator(), count)), size);
  }

  /** Every element of one pass (small datasets only). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new ValueError('Dataset.toArray: cannot collect an endless dataset. Received size=Infinity');
    return (await this.iterator()).toArray();
  }
}

/** A dataset whose passes come from `iteratorFn` (tfjs `datasetFromIteratorFn`). */
export function datasetFromIteratorFn<T>(iteratorFn: () => Promise<LazyIterator<T>>, size: number | null = null): Dataset<T> {
  return new (class extends Dataset<T> {
    override size = size;
    iterator(): Promise<LazyIterator<T>> {
      return iteratorFn();
    }
  })();
}

/**
 * A dataset over the items of an array (tfjs `tf.data.array`).
 * @example ck.data.array([1, 2, 3]).map((x) => x * 2)
 */
export function array<T>(items: readonly T[]): Dataset<T> {
  if (!Array.isArray(items)) throw new ValueError(`data.array: items must be an array. Received items=${typeof items}`);
  return datasetFromIteratorFn(async () => new ArrayIterator(items), items.length);
}

/** What `generator` accepts: a function returning a (possibly async) iterator or generator. */
export type GeneratorFn<T> = () => Iterator<T> | AsyncIterator<T> | Promise<Iterator<T> | AsyncIterator<T>>;

/**
 * A dataset over a generator function, called again for every pass (tfjs `tf.data.generator`).
 * @example ck.data.generator(function* () { for (let i = 0; i < 3; i++) yield { xs: [i], ys: i % 2 }; })
 */
export function generator<T>(fn: GeneratorFn<T>): Dataset<T> {
  if (typeof fn !== 'function') throw new ValueError(`data.generator: expected a function returning an iterator. Received ${typeof fn}`);
  return datasetFromIteratorFn(async () => {
    const gen = await fn();
    if (!gen || typeof gen.next !== 'function') throw new ValueError('data.generator: the function must return an iterator or generator (an object with next()). Received ' + String(gen));
    return new FunctionIterator<T>(
      () => gen.next() as Promise<IteratorResult<T>> | IteratorResult<T>,
      async () => void (await gen.return?.()),
    );
  });
}

/** A dataset over a function returning `{ value, done }` steps (tfjs `tf.data.func`). */
export function func<T>(f: () => IteratorResult<T> | Promise<IteratorResult<T>>): Dataset<T> {
  const it = new FunctionIterator<T>(f);
  return datasetFromIteratorFn(async () => it);
}

class Slot {
  constructor(readonly index: number) {}
}

/** A nested structure (array or object) with datasets at its leaves, as `zip` takes. */
export type DatasetContainer = Dataset<unknown> | readonly DatasetContainer[] | { readonly [key: string]: DatasetContainer };

function mapLeaves<O>(c: DatasetContainer, f: (d: Dataset<unknown>) => O): unknown {
  if (c instanceof Dataset) return f(c);
  if (Array.isArray(c)) return c.map((e) => mapLeaves(e, f));
  if (c !== null && typeof c === 'object') return Object.fromEntries(Object.entries(c).map(([k, e]) => [k, mapLeaves(e as DatasetContainer, f)]));
  throw new ValueError(`data.zip: leaves of the structure must be Datasets, not primitives. Received ${String(c)}`);
}

/**
 * Elements of several datasets taken together, in the structure given; ends with the shortest
 * (tfjs `tf.data.zip`).
 * @example ck.data.zip({ xs: features, ys: labels }).batch(32)
 */
export function zip<T = unknown>(datasets: DatasetContainer): Dataset<T> {
  if (datasets === null || typeof datasets !== 'object' || datasets instanceof Dataset) throw new ValueError('data.zip: the argument must be an array or object of Datasets');
  const sizes: (number | null)[] = [];
  mapLeaves(datasets, (d) => sizes.push(d.size));
  const size = sizes.length === 0 ? null : sizes.some((s) => s === null) ? null : Math.min(...(sizes as number[]));
  return datasetFromIteratorFn(async () => {
    const opened: Promise<LazyIterator<unknown>>[] = [];
    const structure = mapLeaves(datasets, (d) => new Slot(opened.push(d.iterator()) - 1));
    const streams = await Promise.all(opened);
    const resolve = (s: unknown): StreamContainer => {
      if (s instanceof Slot) return streams[s.index];
      if (Array.isArray(s)) return s.map(resolve);
      return Object.fromEntries(Object.entries(s as object).map(([k, e]) => [k, resolve(e)]));
    };
    return new ZipIterator<T>(resolve(structure));
  }, size);
}
