/**
 * The page's engine: a dedicated worker that runs cnnkit (the WASM backend starts its own kernel
 * threads from here), holds the dataset and the model, and trains, evaluates and predicts while the
 * page's main thread only draws. Requests are answered by id; pause/resume/stop are controls;
 * progress goes out as events.
 */
import * as ck from 'cnnkit';
import { loadSource, summary, testImage, type Dataset } from './worker-data.ts';
import { decodeToSize } from './worker-folder.ts';
import { evaluate, inspect, loadFiles, ModelSlot, recipeOf, save } from './worker-model.ts';
import { measure } from './worker-measure.ts';
import { Trainer } from './worker-train.ts';
import type { Answers, EngineEvent, FromWorker, RecipeId, Request, RuntimeInfo, ToWorker } from './protocol.ts';

const scope = self as unknown as {
  postMessage(m: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  crossOriginIsolated?: boolean;
  navigator: { hardwareConcurrency?: number };
};

const emit = (event: EngineEvent): void => scope.postMessage({ event });

// A message to ourselves: lets queued messages run without a timer (no clamping, no throttling).
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldNow(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

let slot: ModelSlot | null = null;
let data: Dataset | null = null;
let runtime: RuntimeInfo | null = null;
const trainer = new Trainer();

/**
 * Gives the WASM backend the memory a recipe's training step needs (the fast recipe's batches take
 * more than the default): the backend is started again with more, and the model it held goes with it.
 */
async function ensureMemory(recipe: RecipeId, size: number, classes: number, batchSize: number): Promise<void> {
  const need = recipeOf(recipe).memoryMB?.([size, size, 3], classes, batchSize);
  if (!need || ck.getBackendName() !== 'wasm' || !runtime) return;
  const have = ck.getBackend().memory().reservedBytes / 1048576;
  if (have >= need) return;
  if (need > 4095) throw new Error(`a training step of batch ${batchSize} on ${size}x${size} images needs about ${need} MB, more than the 4,095 MB a WebAssembly engine can have: choose a smaller batch size`);
  await ck.setBackend('wasm', { threads: runtime.threads, memoryMB: need });
  needModel().orphan();
}

async function start(threads: number | null, backend: string | null): Promise<RuntimeInfo> {
  const isolated = scope.crossOriginIsolated === true;
  const cores = Math.max(1, scope.navigator.hardwareConcurrency ?? 1);
  const names = ck.backendNames();
  const wanted = backend ?? names[0];
  let fallback: RuntimeInfo['fallback'] = null;
  try {
    if (!names.includes(wanted)) {
      fallback = { kind: 'no-backend', name: wanted };
      await ck.setBackend(names[0]);
    } else if (wanted === 'wasm') await ck.setBackend('wasm', { threads: isolated ? (threads ?? cores) : 1 });
    else await ck.setBackend(wanted);
  } catch (e) {
    fallback = { kind: 'failed', name: wanted, error: (e as Error).message };
    await ck.setBackend('reference');
  }
  // The backend's own count where it has one (the WASM backend may settle on fewer than asked).
  const own = (ck.getBackend() as { threads?: unknown }).threads;
  return { backend: ck.getBackendName(), threads: typeof own === 'number' ? own : 1, isolated, cores, fallback };
}

function needData(): Dataset {
  if (!data) throw new Error('no dataset loaded');
  return data;
}

function needModel(): ModelSlot {
  if (!slot) throw new Error('the engine has not started');
  return slot;
}

function notWhileTraining(what: string): void {
  if (trainer.running) throw new Error(`cannot ${what} while the model trains`);
}

/** Runs jobs that use the engine for long (training, measuring, evaluating) one after another. */
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

type Answer<T extends Request['type']> = Promise<{ result: Answers[T]; transfer?: Transferable[] }>;

async function handle(id: number, req: Request): Answer<Request['type']> {
  switch (req.type) {
    case 'init': {
      runtime = await start(req.threads, req.backend);
      slot = new ModelSlot();
      return { result: { runtime, model: slot.info } };
    }
    case 'load-data': {
      notWhileTraining('load data');
      const t0 = performance.now();
      // The dataset in use stays until the new one is read: a failed load changes nothing.
      const next = await loadSource(req.source, (stage, done, total) => emit({ type: 'progress', id, stage, done, total }));
      data = next;
      const s = summary(next, req.source.name, (performance.now() - t0) / 1000);
      return { result: s, transfer: [s.train.images.buffer, s.train.labels.buffer, s.test.images.buffer, s.test.labels.buffer] as ArrayBuffer[] };
    }
    case 'test-image': {
      const r = testImage(needData(), req.index);
      return { result: r, transfer: [r.pixels.buffer as ArrayBuffer] };
    }
    case 'train': {
      notWhileTraining('start another run');
      trainer.expect();
      return exclusive(async () => {
        try {
          const d = needData();
          await ensureMemory(req.config.recipe, d.imageSize, d.classNames.length, req.config.batchSize);
          return { result: await trainer.run(needModel(), d, req.config, { emit, yieldNow }) };
        } finally {
          trainer.settled();
        }
      });
    }
    case 'evaluate': {
      notWhileTraining('evaluate');
      const r = await exclusive(() => evaluate(needModel(), needData(), req.testCount, async (done, total) => {
        emit({ type: 'progress', id, stage: 'evaluate', done, total });
        await yieldNow();
      }));
      return { result: r };
    }
    case 'inspect': {
      const { result, transfer } = inspect(needModel(), req.pixels);
      return { result, transfer };
    }
    case 'photo': {
      // Shaped as the model's training images were: CIFAR-10's centre-cropped and area-averaged, a folder's stretched.
      const m = needModel().metadata;
      const r = await decodeToSize(new Uint8Array(await req.file.arrayBuffer()), req.file.name, m.imageSize[0], { crop: m.cropToAspectRatio, interpolation: m.interpolation === 'area' ? 'area' : 'bilinear' });
      return { result: { ...r, imageSize: m.imageSize[0] }, transfer: [r.pixels.buffer as ArrayBuffer] };
    }
    case 'measure': {
      notWhileTraining('measure the speed');
      const d = needData();
      return exclusive(async () => ({ result: { imagesPerSecond: await measure(req.recipe, d, req.batchSize, yieldNow) } }));
    }
    case 'save': {
      notWhileTraining('save');
      const r = await save(needModel());
      return { result: r, transfer: [r.weights] };
    }
    case 'load-model': {
      notWhileTraining('load a model');
      const { model, metadata, recipe } = await loadFiles(req.files);
      const info = needModel().replace(model, 'loaded', recipe, metadata, req.files.map((f) => f.name));
      emit({ type: 'model', model: info });
      return { result: info };
    }
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  if ('control' in m) {
    trainer.control(m.control);
    return;
  }
  handle(m.id, m.request).then(
    ({ result, transfer }) => scope.postMessage({ id: m.id, ok: true, result }, transfer ?? []),
    (err: Error) => scope.postMessage({ id: m.id, ok: false, error: err.message }),
  );
};
