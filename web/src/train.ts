/**
 * Train: load CIFAR-10, show the first 25 training images, train the tutorial model live with
 * loss/accuracy charts and speed, pause/resume/stop, then evaluate on the test images with a
 * confusion matrix.
 */
import * as ck from 'cnnkit';
import { confusionChart, imageGrid, lineChart, type Series } from './charts.ts';
import { download, parseArchive, serverArchive, subsetOf, type Cifar10Data } from './data.ts';
import { dropZone, h, nextFrame, thousands } from './dom.ts';
import { runtime } from './runtime.ts';
import { changed, setModel, state } from './state.ts';

class StopTraining extends Error {}

const MB = 1024 * 1024;

export function mountTrain(root: HTMLElement): void {
  // ---- data -------------------------------------------------------------------------------
  const serverBtn = h('button', { type: 'button', id: 'load-server', hidden: true, text: 'Load from this server' });
  const fileInput = h('input', { type: 'file', id: 'archive-file', accept: '.gz,.tgz,application/gzip', class: 'visually-hidden' });
  const pickLabel = h('label', { for: 'archive-file', class: 'button', tabindex: 0, role: 'button', text: 'Pick cifar-10-binary.tar.gz' });
  const dataStatus = h('p', { id: 'data-status', class: 'status', 'aria-live': 'polite', text: 'No data yet: pick or drop the official CIFAR-10 binary archive (cifar-10-binary.tar.gz, 170 MB).' });
  const grid = h('canvas', { id: 'sample-grid', class: 'sample-grid', role: 'img', 'aria-label': 'The first 25 training images with their classes' });
  const drop = h('div', { class: 'dropzone', id: 'archive-drop' }, h('p', { text: 'Drop the archive here, or' }), h('div', { class: 'controls' }, pickLabel, serverBtn), fileInput, dataStatus);

  // ---- training ---------------------------------------------------------------------------
  // Defaults for a quick first try: about half a minute on the WASM backend; the reference backend is far slower.
  const fast = runtime.backend === 'wasm';
  const trainCount = h('input', { type: 'number', id: 'train-count', min: 1, max: 50000, value: fast ? 10000 : 320, inputmode: 'numeric' });
  const testCount = h('input', { type: 'number', id: 'test-count', min: 1, max: 10000, value: fast ? 2000 : 100, inputmode: 'numeric' });
  const epochs = h('input', { type: 'number', id: 'epochs', min: 1, max: 50, value: fast ? 2 : 1, inputmode: 'numeric' });
  const batch = h('select', { id: 'batch-size' }, ...[8, 16, 32, 64, 128].map((b) => h('option', { value: b, text: String(b), selected: b === 32 })));
  const startBtn = h('button', { type: 'button', id: 'train-start', disabled: true, text: 'Train' });
  const pauseBtn = h('button', { type: 'button', id: 'train-pause', disabled: true, text: 'Pause', 'aria-pressed': 'false' });
  const stopBtn = h('button', { type: 'button', id: 'train-stop', disabled: true, text: 'Stop' });
  const stats = h('p', { id: 'train-stats', class: 'stats', 'aria-live': 'off' });
  const trainStatus = h('p', { id: 'train-status', class: 'status', 'aria-live': 'polite' });
  const lossChart = h('canvas', { id: 'loss-chart', role: 'img', 'aria-label': 'Loss over training batches' });
  const accChart = h('canvas', { id: 'acc-chart', role: 'img', 'aria-label': 'Accuracy over training batches' });

  // ---- evaluation -------------------------------------------------------------------------
  const evalBtn = h('button', { type: 'button', id: 'eval-start', disabled: true, text: 'Evaluate on the test images' });
  const saveBtn = h('button', { type: 'button', id: 'model-save', disabled: true, text: 'Save the model' });
  const saveLinks = h('span', { id: 'model-links', class: 'links' });
  const evalResult = h('p', { id: 'eval-result', class: 'status', 'aria-live': 'polite' });
  const confusion = h('canvas', { id: 'confusion', role: 'img', 'aria-label': 'Confusion matrix', hidden: true });

  root.append(
    h('div', { class: 'intro' }, h('h2', { text: 'Train the tutorial CNN on CIFAR-10' }),
      h('p', { text: '60,000 tiny 32x32 photos in 10 classes. The archive is unpacked in your browser; nothing is uploaded.' })),
    h('section', { class: 'card' }, h('h3', { text: '1. Data' }), drop, h('div', { class: 'scroll-x' }, grid)),
    h('section', { class: 'card' }, h('h3', { text: '2. Training' }),
      h('div', { class: 'controls' },
        h('label', {}, 'Training images ', trainCount), h('label', {}, 'Test images ', testCount),
        h('label', {}, 'Epochs ', epochs), h('label', {}, 'Batch size ', batch)),
      h('p', { class: 'note', text: 'A subset (class-balanced) gives a quick try; all 50,000 images follow the tutorial.' }),
      h('div', { class: 'controls' }, startBtn, pauseBtn, stopBtn),
      trainStatus, stats,
      h('div', { class: 'charts' }, lossChart, accChart)),
    h('section', { class: 'card' }, h('h3', { text: '3. Test' }), h('div', { class: 'controls' }, evalBtn, saveBtn, saveLinks), evalResult, h('div', { class: 'scroll-x' }, confusion)),
  );

  const seriesLoss: Series = { name: 'training loss', color: '#1e6ec8', points: [] };
  const seriesValLoss: Series = { name: 'test loss', color: '#d2462a', points: [], dots: true };
  const seriesAcc: Series = { name: 'training accuracy', color: '#1e6ec8', points: [] };
  const seriesValAcc: Series = { name: 'test accuracy', color: '#d2462a', points: [], dots: true };
  const drawCharts = (): void => {
    lineChart(lossChart, [seriesLoss, seriesValLoss], { title: 'Loss (training: moving average over batches)', xLabel: 'batch' });
    lineChart(accChart, [seriesAcc, seriesValAcc], { title: 'Accuracy (training: moving average over batches)', xLabel: 'batch', yMin: 0, yMax: 1, yFormat: (v) => `${Math.round(v * 100)}%` });
  };
  drawCharts();

  // ---- loading ----------------------------------------------------------------------------
  let busy = false;
  async function load(get: () => Promise<Uint8Array>, name: string): Promise<void> {
    if (busy) return;
    busy = true;
    serverBtn.disabled = true;
    try {
      const bytes = await get();
      dataStatus.textContent = `Unpacking ${(bytes.length / MB).toFixed(0)} MB…`;
      await nextFrame();
      const { data, ms, where } = await parseArchive(bytes, name);
      setData(data);
      dataStatus.textContent = `${thousands(data.train.count)} training and ${thousands(data.test.count)} test images from ${name}, unpacked in ${(ms / 1000).toFixed(1)} s in ${where}.`;
      dataStatus.dataset.loaded = 'true';
    } catch (e) {
      dataStatus.textContent = `Could not read ${name}: ${(e as Error).message}`;
    } finally {
      busy = false;
      serverBtn.disabled = false;
    }
  }

  function setData(data: Cifar10Data): void {
    state.data = data;
    changed('data');
    const idx = Array.from({ length: Math.min(25, data.train.count) }, (_, i) => i);
    imageGrid(grid, data.train.images, idx, idx.map((i) => data.classNames[data.train.labels[i]]), 5);
    trainCount.max = String(data.train.count);
    testCount.max = String(data.test.count);
    startBtn.disabled = state.training;
  }

  const fromFile = (file: File): void => void load(async () => {
    dataStatus.textContent = `Reading ${file.name}…`;
    return new Uint8Array(await file.arrayBuffer());
  }, file.name);
  fileInput.addEventListener('change', () => {
    if (fileInput.files?.[0]) fromFile(fileInput.files[0]);
    fileInput.value = '';
  });
  pickLabel.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fileInput.click();
    }
  });
  dropZone(drop, fromFile);
  void serverArchive().then((info) => {
    if (!info.available) return;
    serverBtn.hidden = false;
    serverBtn.textContent = `Load from this server (${(info.bytes / MB).toFixed(0)} MB)`;
    serverBtn.addEventListener('click', () => void load(() => download(info.url, (got, total) => {
      dataStatus.textContent = `Downloading ${(got / MB).toFixed(0)}${total ? ` of ${(total / MB).toFixed(0)}` : ''} MB…`;
    }), 'cifar-10-binary.tar.gz'));
  });

  // ---- training loop ----------------------------------------------------------------------
  let paused = false, stopAsked = false;
  let resume: (() => void) | null = null;

  function readCount(input: HTMLInputElement, max: number): number {
    const v = Math.floor(Number(input.value));
    return Math.max(1, Math.min(max, Number.isFinite(v) ? v : max));
  }

  async function train(): Promise<void> {
    const data = state.data;
    if (!data || state.training) return;
    const nTrain = readCount(trainCount, data.train.count), nTest = readCount(testCount, data.test.count);
    const nEpochs = readCount(epochs, 1000), bs = Number(batch.value);
    const tr = subsetOf(data.train, nTrain), te = subsetOf(data.test, nTest);
    const x = ck.tensor(tr.images, [tr.count, 32, 32, 3], 'uint8'), y = ck.tensor(tr.labels, [tr.count]);
    ck.setSeed(42);
    const model = ck.tutorial.buildModel();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    setModel(model, `trained here on ${thousands(tr.count)} images (in progress)`);
    state.training = true;
    changed('model');
    for (const s of [seriesLoss, seriesValLoss, seriesAcc, seriesValAcc]) s.points = [];
    drawCharts();
    paused = stopAsked = false;
    startBtn.disabled = true;
    pauseBtn.disabled = stopBtn.disabled = false;
    evalBtn.disabled = saveBtn.disabled = true;
    saveLinks.replaceChildren();
    confusion.hidden = true;
    evalResult.textContent = '';
    delete evalResult.dataset.accuracy;
    delete trainStatus.dataset.outcome;
    const steps = Math.ceil(tr.count / bs);
    trainStatus.textContent = `Training on ${thousands(tr.count)} images, ${nEpochs} epoch${nEpochs > 1 ? 's' : ''} of ${steps} batches of ${bs}, backend ${runtime.backend}, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''}. The first batch is slower (warm-up).`;
    const recent: { ms: number; n: number }[] = [];
    let t0 = 0, lastDraw = 0, done = 0, images = 0, computeMs = 0, epochNow = 0;
    let lastLogs: Record<string, number> = {};
    // fit reports running means over the epoch; the charts show each batch's own value, smoothed
    // (bias-corrected exponential moving average), so they run on across epochs without jumps.
    let epochSeen = 0, lossSum = 0, accSum = 0, emaLoss = 0, emaAcc = 0, emaWeight = 0;
    const beta = 0.9;
    const wall0 = performance.now();
    let pausedMs = 0; // paused or measuring the test images: left out of the training time
    const show = (force = false): void => {
      const now = performance.now();
      if (!force && now - lastDraw < 150) return;
      lastDraw = now;
      drawCharts();
      const win = recent.slice(-20);
      const ms = win.reduce((a, b) => a + b.ms, 0), n = win.reduce((a, b) => a + b.n, 0);
      const msPerBatch = ms / Math.max(1, win.length);
      const left = Math.max(0, nEpochs * steps - done) * msPerBatch / 1000;
      stats.textContent = `Epoch ${epochNow + 1}/${nEpochs} · batch ${(done - 1) % steps + 1}/${steps} · loss ${(lastLogs.loss ?? NaN).toFixed(3)} · accuracy ${((lastLogs.accuracy ?? 0) * 100).toFixed(1)}% · ${msPerBatch.toFixed(0)} ms/batch · ${(n / (ms / 1000)).toFixed(0)} images/s${left >= 1 ? ` · about ${left < 90 ? `${Math.round(left)} s` : `${Math.round(left / 60)} min`} left` : ''}`;
      stats.dataset.imagesPerSecond = (n / (ms / 1000)).toFixed(1);
      stats.dataset.msPerBatch = (ms / Math.max(1, win.length)).toFixed(1);
      stats.dataset.batches = String(done);
    };
    let outcome = 'finished';
    try {
      await model.fit(x, y, {
        epochs: nEpochs, batchSize: bs, rescale: 1 / 255, verbose: 0,
        callbacks: {
          onEpochBegin: (epoch) => {
            epochNow = epoch;
            epochSeen = lossSum = accSum = 0;
          },
          onBatchBegin: () => void (t0 = performance.now()),
          onBatchEnd: async (_step, logs) => {
            const ms = performance.now() - t0, n = (logs?.size as number) ?? bs;
            done++;
            recent.push({ ms, n });
            if (done === 2) recent.shift(); // the first batch includes warm-up
            images += n;
            computeMs += ms;
            lastLogs = logs ?? {};
            epochSeen += n;
            const batchLoss = (lastLogs.loss * epochSeen - lossSum) / n, batchAcc = (lastLogs.accuracy * epochSeen - accSum) / n;
            lossSum = lastLogs.loss * epochSeen;
            accSum = lastLogs.accuracy * epochSeen;
            emaLoss = beta * emaLoss + (1 - beta) * batchLoss;
            emaAcc = beta * emaAcc + (1 - beta) * batchAcc;
            emaWeight = beta * emaWeight + (1 - beta);
            seriesLoss.points.push([done, emaLoss / emaWeight]);
            seriesAcc.points.push([done, emaAcc / emaWeight]);
            show(done <= 3);
            if (paused && !stopAsked) {
              const p0 = performance.now();
              show(true);
              trainStatus.textContent = `Paused after batch ${done}.`;
              pauseBtn.dataset.held = 'true';
              await new Promise<void>((r) => (resume = r));
              delete pauseBtn.dataset.held;
              pausedMs += performance.now() - p0;
            }
            if (stopAsked) {
              model.stopTraining = true;
              throw new StopTraining();
            }
          },
          // The test images are measured here rather than through fit's validationData, in chunks
          // with pauses between them, so that the page stays responsive however many there are.
          onEpochEnd: async (epoch) => {
            const e0 = performance.now();
            const t = await testMetrics(model, te, `Epoch ${epoch + 1}: measuring the test images`);
            pausedMs += performance.now() - e0;
            seriesValLoss.points.push([done, t.loss]);
            seriesValAcc.points.push([done, t.accuracy]);
            show(true);
            if (!stopAsked) trainStatus.textContent = `Epoch ${epoch + 1}: test loss ${t.loss.toFixed(3)}, test accuracy ${(t.accuracy * 100).toFixed(1)}%.`;
          },
        },
      });
    } catch (e) {
      if (e instanceof StopTraining) outcome = 'stopped';
      else {
        outcome = 'failed';
        trainStatus.textContent = `Training failed: ${(e as Error).message}`;
      }
    }
    show(true);
    const wallS = (performance.now() - wall0 - pausedMs) / 1000;
    state.training = false;
    state.modelNote = `trained here: ${done} batches (${thousands(images)} images seen), ${outcome}`;
    changed('model');
    startBtn.disabled = false;
    pauseBtn.disabled = stopBtn.disabled = true;
    pauseBtn.textContent = 'Pause';
    pauseBtn.setAttribute('aria-pressed', 'false');
    evalBtn.disabled = false;
    saveBtn.disabled = false;
    if (outcome !== 'failed') {
      trainStatus.textContent = `Training ${outcome} after ${done} batches: ${thousands(images)} images in ${wallS.toFixed(1)} s (${(images / wallS).toFixed(1)} images/s overall, ${(images / (computeMs / 1000)).toFixed(1)} images/s in the training steps).`;
      trainStatus.dataset.outcome = outcome;
    }
    if (outcome === 'finished') await evaluate();
  }

  /** Loss and accuracy over a split, a chunk at a time with a frame between chunks. */
  async function testMetrics(model: ck.Sequential, split: Cifar10Data['test'], what: string): Promise<{ loss: number; accuracy: number }> {
    let loss = 0, correct = 0;
    const chunk = 250;
    for (let start = 0; start < split.count; start += chunk) {
      const n = Math.min(chunk, split.count - start);
      const xb = ck.tensor(split.images.subarray(start * 3072, (start + n) * 3072), [n, 32, 32, 3], 'uint8');
      const yb = ck.tensor(split.labels.subarray(start, start + n), [n]);
      const [l, a] = await Promise.all((model.evaluate(xb, yb, { rescale: 1 / 255, batchSize: 50 }) as ck.Tensor[]).map(async (t) => (await t.data())[0]));
      loss += l * n;
      correct += a * n;
      trainStatus.textContent = `${what}… ${start + n} of ${split.count}`;
      await nextFrame();
    }
    return { loss: loss / split.count, accuracy: correct / split.count };
  }

  /** Predicts the test subset in chunks (the page stays responsive) and fills the confusion matrix. */
  async function evaluate(): Promise<void> {
    const data = state.data, model = state.model;
    if (!data || !model || state.training) return;
    evalBtn.disabled = true;
    const te = subsetOf(data.test, readCount(testCount, data.test.count));
    const k = data.classNames.length;
    const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    let correct = 0;
    const chunk = 100;
    for (let start = 0; start < te.count; start += chunk) {
      const n = Math.min(chunk, te.count - start);
      const xb = ck.tensor(te.images.subarray(start * 3072, (start + n) * 3072), [n, 32, 32, 3], 'uint8');
      const p = model.predict(xb, { rescale: 1 / 255, batchSize: 50 });
      const d = p.dataSync();
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < k; c++) if (d[i * k + c] > d[i * k + best]) best = c;
        const truth = te.labels[start + i];
        matrix[truth][best]++;
        if (best === truth) correct++;
      }
      p.dispose();
      evalResult.textContent = `Evaluating… ${start + n} of ${te.count}`;
      await nextFrame();
    }
    evalResult.textContent = `Test accuracy: ${((correct / te.count) * 100).toFixed(1)}% (${thousands(correct)} of ${thousands(te.count)} test images; chance is 10%).`;
    evalResult.dataset.accuracy = String(correct / te.count);
    confusion.hidden = false;
    confusionChart(confusion, matrix, data.classNames);
    evalBtn.disabled = false;
  }

  startBtn.addEventListener('click', () => void train());
  pauseBtn.addEventListener('click', () => {
    paused = !paused;
    pauseBtn.textContent = paused ? 'Resume' : 'Pause';
    pauseBtn.setAttribute('aria-pressed', String(paused));
    trainStatus.textContent = paused ? 'Pausing after the current batch…' : 'Training…';
    if (!paused) {
      resume?.();
      resume = null;
    }
  });
  stopBtn.addEventListener('click', () => {
    stopAsked = true;
    trainStatus.textContent = 'Stopping after the current batch…';
    resume?.();
    resume = null;
  });
  evalBtn.addEventListener('click', () => void evaluate());
  saveBtn.addEventListener('click', () => void save());

  /** Saves in the TensorFlow.js layers format: links to model.json and its weights file. */
  async function save(): Promise<void> {
    const model = state.model;
    if (!model || state.training) return;
    const saver = ck.io.memorySaver();
    await model.save(saver);
    const a = saver.artifacts as NonNullable<typeof saver.artifacts>;
    const weightsName = 'group1-shard1of1.bin';
    const json = {
      modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
      weightsManifest: [{ paths: [weightsName], weights: a.weightSpecs ?? [] }],
    };
    for (const el of saveLinks.querySelectorAll('a')) URL.revokeObjectURL(el.href);
    const link = (blob: Blob, name: string, id: string) => h('a', { href: URL.createObjectURL(blob), download: name, id, class: 'button', text: `Download ${name}` });
    saveLinks.replaceChildren(
      link(new Blob([JSON.stringify(json)], { type: 'application/json' }), 'model.json', 'download-json'), ' ',
      link(new Blob([a.weightData ?? new ArrayBuffer(0)], { type: 'application/octet-stream' }), weightsName, 'download-weights'));
  }
}
