/**
 * Lazy asynchronous streams behind {@link Dataset} (tfjs-data's `LazyIterator`). Pure code, no
 * Node APIs.
 *
 * Every stream answers `next()` with a promise of `{ value, done }`. Calls may overlap (prefetching
 * asks for several elements at once): each stream runs its own steps one after the other, so the
 * order of elements never depends on the order in which promises settle. `return()` closes a
 * stream early and releases what its sources hold (open files, decoding workers).
 */
import { tidy } from '../backend/engine.js';
import { Tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';

/** One step of a stream: an element, or the end (`value: null`, as in tfjs). */
export type StreamResult<T> = { value: T; done: false } | { value: null; done: true };

const END = Object.freeze({ value: null, done: true }) as StreamResult<never>;

/** The tensors anywhere inside an element (arrays and plain objects are searched). */
export function tensorsIn(v: unknown, out: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (Array.isArray(v)) for (const e of v) tensorsIn(e, out);
  else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) tensorsIn(e, out);
  return out;
}

/** Disposes every tensor inside `v`. */
export function disposeAll(v: unknown): void {
  for (const t of tensorsIn(v)) t.dispose();
}

/** A stream of elements; see the file comment. */
export abstract class LazyIterator<T> implements AsyncIterableIterator<T> {
  private last: Promise<StreamResult<T>> = Promise.resolve(END);
  private closed = false;

  /** Produces the next element; never called while a previous call is still running. */
  protected abstract serialNext(): Promise<StreamResult<T>>;

  /** Releases what the stream holds. Subclasses with sources close them here. */
  protected async close(): Promise<void> {}

  /** The next element, or `{ value: null, done: true }` at the end. */
  next(): Promise<StreamResult<T>> {
    const step = (): Promise<StreamResult<T>> => (this.closed ? Promise.resolve(END) : this.serialNext());
    this.last = this.last.then(step, step);
    return this.last;
  }

  /** Ends the stream early; later `next()` calls report the end. Safe to call twice. */
  async return(): Promise<IteratorResult<T>> {
    if (!this.closed) {
      this.closed = true;
      await this.last.catch(() => undefined);
      await this.close();
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** Every remaining element, in order. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for (let r = await this.next(); !r.done; r = await this.next()) out.push(r.value);
    return out;
  }
}

/** A stream over a function that returns the steps (tfjs `iteratorFromFunction`). */
export class FunctionIterator<T> extends LazyIterator<T> {
  constructor(
    private readonly fn: () => StreamResult<T> | IteratorResult<T> | Promise<StreamResult<T> | IteratorResult<T>>,
    private readonly onClose: () => Promise<void> | void = () => undefined,
  ) {
    super();
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    const r = await this.fn();
    return r.done ? END : { value: r.value as T, done: false };
  }

  protected override async close(): Promise<void> {
    await this.onClose();
  }
}

/** The items of an array, in order. */
export class ArrayIterator<T> extends LazyIterator<T> {
  private i = 0;

  constructor(private readonly items: readonly T[]) {
    super();
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    return this.i < this.items.length ? { value: this.items[this.i++], done: false } : END;
  }
}

/** A stream wrapping one upstream stream, passing `return()` on to it. */
abstract class Wrapper<U, T> extends LazyIterator<T> {
  constructor(protected readonly upstream: LazyIterator<U>) {
    super();
  }

  protected override async close(): Promise<void> {
    await this.upstream.return();
  }
}

/** At most `count` elements (tfjs `take`). */
export class TakeIterator<T> extends Wrapper<T, T> {
  private count = 0;

  constructor(upstream: LazyIterator<T>, private readonly max: number) {
    super(upstream);
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    if (this.count++ >= this.max) {
      await this.upstream.return();
      return END;
    }
    return this.upstream.next();
  }
}

/** All but the first `count` elements; skipped tensors are disposed (tfjs `skip`). */
export class SkipIterator<T> extends Wrapper<T, T> {
  private count = 0;

  constructor(upstream: LazyIterator<T>, private readonly max: number) {
    super(upstream);
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    while (this.count++ < this.max) {
      const skipped = await this.upstream.next();
      if (skipped.done) return skipped;
      disposeAll(skipped.value);
    }
    return this.upstream.next();
  }
}

/**
 * Maps each element; tensors of the input that the output does not pass through are disposed, as
 * tfjs does. A synchronous transform runs inside `tidy`.
 */
export class MapIterator<U, T> extends Wrapper<U, T> {
  constructor(upstream: LazyIterator<U>, private readonly transform: (x: U) => T | Promise<T>, private readonly sync: boolean) {
    super(upstream);
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    const item = await this.upstream.next();
    if (item.done) return END;
    const inputs = tensorsIn(item.value);
    const mapped = this.sync ? tidy(() => this.transform(item.value) as T) : await this.transform(item.value);
    const kept = new Set(tensorsIn(mapped));
    for (const t of inputs) if (!kept.has(t)) t.dispose();
    return { value: mapped, done: false };
  }
}

/** The elements for which `predicate` holds; the others' tensors are disposed. */
export class FilterIterator<T> extends Wrapper<T, T> {
  constructor(upstream: LazyIterator<T>, private readonly predicate: (x: T) => boolean | Promise<boolean>) {
    super(upstream);
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    for (;;) {
      const item = await this.upstream.next();
      if (item.done) return item;
      const keep = await tidy(() => this.predicate(item.value));
      if (keep) return item;
      disposeAll(item.value);
    }
  }
}

/**
 * Asks the upstream for `bufferSize` elements ahead of the consumer (tfjs `prefetch`), so that work
 * started by the upstream (file reads, decoding on worker threads) overlaps with the consumer's.
 */
export class PrefetchIterator<T> extends Wrapper<T, T> {
  protected readonly buffer: Promise<StreamResult<T>>[] = [];

  constructor(upstream: LazyIterator<T>, protected readonly bufferSize: number) {
    super(upstream);
  }

  protected refill(): void {
    while (this.buffer.length < this.bufferSize) {
      const p = this.upstream.next();
      p.catch(() => undefined); // an error is reported when the consumer reaches this element
      this.buffer.push(p);
    }
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    this.refill();
    return this.buffer.shift()!;
  }
}

/**
 * Sliding-window shuffle (tfjs `ShuffleIterator`): keeps `bufferSize` upstream elements and hands
 * out one chosen uniformly at random, replacing it with the next upstream element.
 */
export class ShuffleIterator<T> extends PrefetchIterator<T> {
  private exhausted = false;

  constructor(upstream: LazyIterator<T>, bufferSize: number, private readonly random: Random) {
    super(upstream, bufferSize);
  }

  protected override async serialNext(): Promise<StreamResult<T>> {
    if (!this.exhausted) this.refill();
    while (this.buffer.length > 0) {
      const i = this.random.int(this.buffer.length);
      const chosen = this.buffer[i];
      this.buffer[i] = this.buffer[this.buffer.length - 1];
      this.buffer.pop();
      const result = await chosen;
      if (result.done) {
        this.exhausted = true;
        continue;
      }
      if (!this.exhausted) this.refill();
      return result;
    }
    return END;
  }
}

/** The elements of several streams one stream after the other; streams are opened as reached. */
export class ChainedIterator<T> extends LazyIterator<T> {
  private current: LazyIterator<T> | null = null;

  constructor(private readonly streams: LazyIterator<LazyIterator<T>>) {
    super();
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    for (;;) {
      if (!this.current) {
        const s = await this.streams.next();
        if (s.done) return END;
        this.current = s.value;
      }
      const r = await this.current.next();
      if (!r.done) return r;
      this.current = null;
    }
  }

  protected override async close(): Promise<void> {
    await this.current?.return();
    await this.streams.return();
  }
}

/** A nested structure (array or plain object) with streams at its leaves. */
export type StreamContainer = LazyIterator<unknown> | StreamContainer[] | { [key: string]: StreamContainer };

function leaves(c: StreamContainer, out: LazyIterator<unknown>[] = []): LazyIterator<unknown>[] {
  if (c instanceof LazyIterator) out.push(c);
  else if (Array.isArray(c)) for (const e of c) leaves(e, out);
  else for (const e of Object.values(c)) leaves(e, out);
  return out;
}

function rebuild(c: StreamContainer, values: Map<LazyIterator<unknown>, unknown>): unknown {
  if (c instanceof LazyIterator) return values.get(c);
  if (Array.isArray(c)) return c.map((e) => rebuild(e, values));
  const out: Record<string, unknown> = {};
  for (const [k, e] of Object.entries(c)) out[k] = rebuild(e, values);
  return out;
}

/** Elements taken together from several streams; ends with the shortest (tfjs `zip`). */
export class ZipIterator<T> extends LazyIterator<T> {
  private readonly streams: LazyIterator<unknown>[];

  constructor(private readonly structure: StreamContainer) {
    super();
    this.streams = leaves(structure);
  }

  protected async serialNext(): Promise<StreamResult<T>> {
    const results = await Promise.all(this.streams.map((s) => s.next()));
    if (results.some((r) => r.done)) {
      for (const r of results) if (!r.done) disposeAll(r.value);
      return END;
    }
    const values = new Map(this.streams.map((s, i) => [s, results[i].value] as const));
    return { value: rebuild(this.structure, values) as T, done: false };
  }

  protected override async close(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.return()));
  }
}

/** Groups `size` consecutive elements and hands each group to `combine` (tfjs `columnMajorBatch`). */
export class BatchIterator<T, B> extends Wrapper<T, B> {
  constructor(
    upstream: LazyIterator<T>,
    private readonly size: number,
    private readonly smallLastBatch: boolean,
    private readonly combine: (rows: T[]) => B,
  ) {
    super(upstream);
  }

  protected async serialNext(): Promise<StreamResult<B>> {
    const rows: T[] = [];
    while (rows.length < this.size) {
      const item = await this.upstream.next();
      if (item.done) break;
      rows.push(item.value);
    }
    if (rows.length === 0 || (rows.length < this.size && !this.smallLastBatch)) {
      for (const r of rows) disposeAll(r);
      return END;
    }
    const batch = this.combine(rows);
    for (const r of rows) disposeAll(r);
    return { value: batch, done: false };
  }
}
