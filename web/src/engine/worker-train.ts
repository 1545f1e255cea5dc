/**
 * A training run in the engine worker: the recipe's own training (`ck.recipes`: the tutorial's
 * model.fit, or the fast recipe's fitDataset with augmentation) with callbacks that stream progress to the page
 * (a few times a second), hold between batches while paused, stop after the current batch, and
 * time the run the way the Node.js benchmark does (first batch left out as warm-up; pauses and the
 * test images' measurement left out).
 */
import * as ck from 'cnnkit';
import type { Dataset } from './worker-data.ts';
import { subsetOf } from './worker-data.ts';
import { recipeOf, type ModelSlot } from './worker-model.ts';
import type { Control, EngineEvent, TrainConfig, TrainResult, TrainStatus } from './protocol.ts';

export interface TrainHooks {
  emit(e: EngineEvent): void;
  /** Lets the worker's message queue run (pause, stop, requests from the page). */
  yieldNow(): Promise<void>;
}

/** Batches per epoch: the fast recipe drops a last partial batch, fit does not. */
export function stepsPerEpoch(recipe: string, images: number, batchSize: number): number {
  return recipe === 'fast' ? Math.floor(images / batchSize) : Math.ceil(images / batchSize);
}

/** How often the page hears of progress, and how often the worker reads its messages. */
const EMIT_MS = 100, YIELD_MS = 15;
/** The live speed is measured over the last few seconds. */
const WINDOW_MS = 2000;

/** Smooths the per-batch loss and accuracy (bias-corrected exponential moving average). */
class Smoother {
  private value = 0;
  private weight = 0;
  constructor(private readonly beta = 0.9) {}
  add(v: number): number {
    this.value = this.beta * this.value + (1 - this.beta) * v;
    this.weight = this.beta * this.weight + (1 - this.beta);
    return this.value / this.weight;
  }
}

/** Images per second over the last WINDOW_MS of batches, and over the whole run. */
class Speed {
  private recent: { ms: number; n: number }[] = [];
  totalMs = 0;
  totalImages = 0;

  add(ms: number, n: number): void {
    this.totalMs += ms;
    this.totalImages += n;
    this.recent.push({ ms, n });
    let windowMs = this.recent.reduce((a, b) => a + b.ms, 0);
    while (this.recent.length > 1 && windowMs - this.recent[0].ms >= WINDOW_MS) windowMs -= (this.recent.shift() as { ms: number }).ms;
  }

  live(): { imagesPerSecond: number; msPerBatch: number } {
    const ms = this.recent.reduce((a, b) => a + b.ms, 0), n = this.recent.reduce((a, b) => a + b.n, 0);
    return ms > 0 ? { imagesPerSecond: n / (ms / 1000), msPerBatch: ms / this.recent.length } : { imagesPerSecond: NaN, msPerBatch: NaN };
  }
}

export class Trainer {
  running = false;
  private paused = false;
  private stopAsked = false;
  private wake: (() => void) | null = null;
  private done = 0;
  private emit: (e: EngineEvent) => void = () => undefined;
  /** A train request arrived: controls before its run starts are kept for it. */
  private expecting = false;
  private early: Control[] = [];

  /** A run was asked for (controls from now on belong to it). */
  expect(): void {
    this.expecting = true;
    this.early = [];
  }

  /** The asked-for run will not start (or has). */
  settled(): void {
    this.expecting = false;
    this.early = [];
  }

  /** Pause, resume or stop, as the page asks. */
  control(c: Control): void {
    // A run asked for but not started yet (waiting for a speed measurement): it starts as told.
    if (!this.running) {
      if (this.expecting) this.early.push(c);
      return;
    }
    if (c === 'pause') this.paused = true;
    else if (c === 'resume') this.paused = false;
    else this.stopAsked = true;
    if (c !== 'pause') {
      this.wake?.();
      this.wake = null;
    }
    if (c === 'stop') this.emit({ type: 'run-state', state: 'stopping', done: this.done });
    if (c === 'resume') this.emit({ type: 'run-state', state: 'running', done: this.done });
  }

  async run(slot: ModelSlot, data: Dataset, cfg: TrainConfig, hooks: TrainHooks): Promise<TrainResult> {
    const classes = data.classNames.length, size = data.imageSize;
    const tr = subsetOf(data.train, cfg.trainCount, classes), te = subsetOf(data.test, cfg.testCount, classes);
    const x = ck.tensor(tr.images, [tr.count, size, size, 3], 'uint8'), y = ck.tensor(tr.labels, [tr.count]);
    const xv = ck.tensor(te.images, [te.count, size, size, 3], 'uint8'), yv = ck.tensor(te.labels, [te.count]);
    const recipe = recipeOf(cfg.recipe);
    let model: ck.Sequential | null = null;
    this.running = true;
    this.paused = this.stopAsked = false;
    this.done = 0;
    this.emit = hooks.emit;
    for (const c of this.early) this.control(c);
    this.settled();
    const steps = stepsPerEpoch(cfg.recipe, tr.count, cfg.batchSize);
    const speed = new Speed(), loss = new Smoother(), acc = new Smoother();
    let epochNow = 0, images = 0;
    let lastEnd: number | null = null, lastEmit = 0, lastYield = performance.now();
    let points: number[] = [];
    let last = { loss: NaN, accuracy: NaN };
    const status = (): TrainStatus => {
      const live = speed.live();
      return {
        epoch: epochNow + 1, epochs: cfg.epochs, batch: ((this.done - 1) % steps) + 1, steps, done: this.done,
        loss: last.loss, accuracy: last.accuracy, ...live,
        secondsLeft: Number.isFinite(live.msPerBatch) ? ((cfg.epochs * steps - this.done) * live.msPerBatch) / 1000 : NaN,
      };
    };
    const flush = (): void => {
      const { version } = slot.touched(this.done, images, 'training');
      hooks.emit({ type: 'batches', points, status: status(), version });
      points = [];
      lastEmit = performance.now();
    };
    const callbacks: ck.CallbackHooks = {
      onEpochBegin: (epoch) => {
        epochNow = epoch;
        lastEnd = null;
      },
      onBatchBegin: () => {
        lastEnd ??= performance.now();
      },
      onBatchEnd: async (step, logs) => {
        const now = performance.now();
        const n = Number(logs?.size ?? cfg.batchSize);
        this.done++;
        images += n;
        // The run's first batch compiles and touches memory: left out, as in the benchmark.
        if (this.done > 1) speed.add(now - (lastEnd as number), n);
        lastEnd = now;
        // fit reports each batch's own loss and accuracy (as tfjs); the charts smooth them.
        last = { loss: loss.add(Number(logs?.loss)), accuracy: acc.add(Number(logs?.accuracy)) };
        points.push(this.done, last.loss, last.accuracy);
        const epochEnds = step === steps - 1 || this.stopAsked;
        if (now - lastEmit >= EMIT_MS || this.done <= 3 || epochEnds || this.paused) flush();
        if (now - lastYield >= YIELD_MS) {
          await hooks.yieldNow();
          lastYield = performance.now();
        }
        if (this.paused && !this.stopAsked) {
          flush();
          hooks.emit({ type: 'run-state', state: 'paused', done: this.done });
          await new Promise<void>((r) => (this.wake = r));
          lastEnd = lastYield = performance.now();
        }
        if (this.stopAsked && model) model.stopTraining = true;
        if (step === steps - 1 || this.stopAsked) hooks.emit({ type: 'run-state', state: 'testing', done: this.done });
      },
      onEpochEnd: (epoch, logs) => {
        hooks.emit({ type: 'epoch', epoch, done: this.done, testLoss: Number(logs?.val_loss), testAccuracy: Number(logs?.val_accuracy) });
      },
    };
    // The recipe builds its model when training starts: from then on it is the page's model.
    // (fit hands every callback object with a setModel the model it trains.)
    const run = {
      ...callbacks,
      setModel: (m: ck.Sequential) => {
        if (model) return;
        model = m;
        hooks.emit({ type: 'model', model: slot.replace(m, 'training', cfg.recipe, data.metadata) });
      },
    };
    let outcome: TrainResult['outcome'] = 'finished';
    let error: string | undefined;
    try {
      // Layer names as in a fresh session (conv2d, conv2d_1, ...), seeded weights and shuffles.
      ck.clearSession();
      ck.setSeed(cfg.seed);
      await recipe.train({ xTrain: x, yTrain: y, xVal: xv, yVal: yv, classNames: data.classNames }, {
        epochs: cfg.epochs, batchSize: cfg.batchSize, seed: cfg.seed, verbose: 0, callbacks: [run],
      });
      if (this.stopAsked) outcome = 'stopped';
    } catch (e) {
      outcome = 'failed';
      error = (e as Error).message;
    } finally {
      this.running = false;
      this.wake = null;
      for (const t of [x, y, xv, yv]) t.dispose();
    }
    // A run that failed before its model was built leaves the model as it was.
    const info = model ? slot.touched(this.done, images, outcome === 'finished' ? 'trained' : 'stopped') : slot.info;
    hooks.emit({ type: 'model', model: info });
    return {
      outcome, error, batches: this.done, images, seconds: speed.totalMs / 1000,
      imagesPerSecond: speed.totalMs > 0 ? speed.totalImages / (speed.totalMs / 1000) : NaN,
    };
  }
}
