/**
 * Inspect: one image through the model, layer by layer (in the engine worker): top-3 classes,
 * each conv layer's feature maps as heat maps with their colour scale, the first layer's filters.
 * The image is a held-out image of the data (CIFAR-10's test images, or the validation images of
 * the visitor's folder) or the visitor's own photo, shaped in the engine worker as the model's
 * training images were. Class names and image size are the model's own (a saved model keeps them).
 * A saved model (TensorFlow.js layers format) loads from files. Whenever the model changes, or the view comes back, the shown
 * image runs again, so the results are never those of an earlier model.
 */
import { filterImages, heatmaps, rampCss, rgbBitmap } from '../charts.ts';
import { CIFAR10_NAMES } from './labels.ts';
import { dropZone, fileButton, h, percent, revealIfHidden, sizeCanvas } from '../dom.ts';
import { msg, say, type Text } from '../i18n/index.ts';
import { engine, onChange, state, training } from '../state.ts';
import type { InspectResult } from '../engine/protocol.ts';
import { classLabel } from './labels.ts';

/** How often the results follow a model that is training (each run costs the worker a forward pass). */
const LIVE_MS = 1000;

export function mountInspect(root: HTMLElement): void {
  const modelNote = h('p', { id: 'model-note', class: 'status', 'aria-live': 'polite' });
  const photo = fileButton({ id: 'photo-pick', inputId: 'photo-file', text: msg('inspect.pickPhoto'), accept: 'image/*' }, (f) => void fromPhoto(f[0]));
  const modelFiles = fileButton({ id: 'model-pick', inputId: 'model-files', text: msg('inspect.loadModel'), accept: '.json,.bin', multiple: true }, (f) => void loadModel(f));
  const dropText = h('p', { text: msg('inspect.drop') });
  const randomBtn = h('button', { type: 'button', id: 'random-test', text: msg('inspect.random'), hidden: true });
  const strip = h('div', { class: 'strip', id: 'test-strip', role: 'group', 'aria-label': msg('inspect.testImages') });
  const goTrain = h('a', { href: '#train', class: 'button', id: 'go-train', text: msg('inspect.goTrain') });
  const noData = h('p', { class: 'hint', id: 'no-data' }, msg('inspect.noData'), ' ', goTrain);
  const preview = h('canvas', { id: 'input-preview', role: 'img', hidden: true });
  const inputTitle = h('h3', {});
  const caption = h('p', { id: 'input-caption', class: 'note', text: msg('inspect.nothingYet') });
  const previewLabel = h('span', { id: 'input-preview-label', class: 'visually-hidden' });
  const bars = h('div', { id: 'top3', class: 'bars', 'aria-live': 'polite' }, h('p', { class: 'note', text: msg('inspect.top3Empty') }));
  const maps = h('div', { id: 'activations' }, h('p', { class: 'note', text: msg('inspect.mapsEmpty') }));
  const filtersTitle = h('h3', { id: 'filters-title' });
  const filters = h('canvas', { id: 'filters', role: 'img', 'aria-label': msg('inspect.filtersLabel') });
  const legend = h('div', { class: 'ramp-legend', id: 'maps-legend', hidden: true },
    h('span', { text: msg('inspect.low') }), h('span', { class: 'ramp', style: `background:${rampCss()}` }), h('span', { text: msg('inspect.high') }),
    h('span', { class: 'note', text: msg('inspect.legendNote') }));
  const resultCard = h('section', { class: 'card inspect-top', id: 'inspect-result', 'aria-labelledby': 'top3-title' },
    h('div', {}, inputTitle, previewLabel, preview, caption),
    h('div', { class: 'grow' }, h('h3', { id: 'top3-title', text: msg('inspect.top3') }), bars));
  const drop = h('div', { class: 'dropzone', id: 'photo-drop' },
    dropText,
    h('div', { class: 'controls' }, photo.button, randomBtn, modelFiles.button), photo.input, modelFiles.input,
    h('p', { class: 'note', text: msg('inspect.modelFilesNote') }),
    noData, strip);

  root.append(
    h('div', { class: 'intro' }, h('h2', { text: msg('inspect.title') }), h('p', { text: msg('inspect.intro') }), modelNote),
    h('section', { class: 'card', 'aria-label': msg('inspect.sources') }, drop),
    resultCard,
    h('section', { class: 'card', 'aria-labelledby': 'maps-title' }, h('h3', { id: 'maps-title', text: msg('inspect.maps') }), legend, maps),
    h('section', { class: 'card', 'aria-labelledby': 'filters-title' }, filtersTitle, h('div', { class: 'scroll-x' }, filters)),
  );

  /** The image on show (null: none chosen yet, only the filters are shown). */
  let current: { pixels: Uint8Array; label: Text } | null = null;
  let shownVersion = -1, pending = false, again = false, lastRun = 0, timer = 0, drawing = 0;

  let filterSize = '3x3';
  function describeModel(): void {
    const m = state.model;
    const size = `${m?.imageSize ?? 32}x${m?.imageSize ?? 32}`;
    say(inputTitle, msg('inspect.input', { size }));
    bindPreview(size);
    if (!m) return say(modelNote, msg('inspect.modelStarting'));
    modelNote.dataset.version = String(m.version);
    const note = m.state === 'untrained' ? msg('inspect.modelUntrained')
      : m.state === 'training' ? msg('inspect.modelTraining')
      : m.state === 'loaded' ? msg('inspect.modelLoaded', { files: m.files.join(', ') })
      : msg(m.state === 'trained' ? 'inspect.modelTrained' : 'inspect.modelStopped', { images: m.images.toLocaleString('en-US'), batches: m.batches.toLocaleString('en-US') });
    say(modelNote, note);
    const trained = m.state !== 'untrained';
    say(filtersTitle, msg(trained ? 'inspect.filtersLearned' : 'inspect.filtersRandom', { k: filterSize }));
    modelNote.dataset.classes = m.classNames.join(',');
  }
  function bindPreview(size: string): void {
    say(previewLabel, msg('inspect.previewLabel', { size }));
    preview.setAttribute('aria-labelledby', 'input-preview-label');
  }

  /** Runs the image on show (or only fetches the filters) with the current model. */
  async function refresh(): Promise<void> {
    if (!state.model) return;
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    lastRun = performance.now();
    try {
      const r = await engine.request({ type: 'inspect', pixels: current?.pixels.slice() ?? null });
      show(r);
    } catch (e) {
      bars.replaceChildren(h('p', { class: 'error', text: msg('inspect.failed', { error: (e as Error).message }) }));
    } finally {
      pending = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  function show(r: InspectResult): void {
    shownVersion = r.version;
    // Phones get fewer, larger pictures per row.
    const narrow = root.clientWidth > 0 && root.clientWidth < 600;
    if (r.filters) {
      const [kh, kw, inC, nf] = r.filters.shape;
      if (`${kh}x${kw}` !== filterSize) {
        filterSize = `${kh}x${kw}`;
        describeModel();
      }
      filterImages(filters, r.filters.data, kh, kw, inC, nf, narrow ? 8 : 16, 36);
    }
    if (!current) {
      root.dataset.version = String(r.version);
      return;
    }
    const names = state.model?.classNames ?? state.data?.classNames ?? [...CIFAR10_NAMES];
    const probs = r.probs;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, 3);
    bars.replaceChildren(...order.map((c, i) => {
      const name = classLabel(names[c] ?? String(c));
      return h('div', { class: 'bar-row', 'data-class': names[c] ?? String(c) },
        h('span', { class: 'bar-label' }, `${i + 1}. `, name),
        h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(probs[c] * 100), 'aria-label': name },
          h('span', { class: 'fill', style: `width:${(probs[c] * 100).toFixed(1)}%` })),
        h('span', { class: 'bar-value', text: `${percent(probs[c])}%` }));
    }));
    bars.dataset.top = names[order[0]];
    // One layer's heat maps per task: the page answers clicks between them.
    const layers = r.maps.map((o, i) => {
      const [hh, ww, ch] = o.shape;
      const canvas = h('canvas', { class: 'maps', role: 'img', 'aria-label': msg('inspect.mapsLabel', { name: o.name }) });
      const cols = narrow ? 8 : 16, tile = Math.max(20, Math.min(44, Math.floor(700 / cols) - 3));
      const words = { i: i + 1, name: o.name, n: ch, total: o.channels, h: hh, w: ww };
      const title = o.channels > ch ? msg('inspect.layerMapsSome', words) : msg(o.relu ? 'inspect.layerMaps' : 'inspect.layerMapsPlain', words);
      return { draw: () => heatmaps(canvas, o.data, hh, ww, ch, cols, tile), el: h('div', { class: 'layer-maps' }, h('h4', { text: title }), h('div', { class: 'scroll-x' }, canvas)) };
    });
    const job = ++drawing;
    const next = (i: number): void => {
      if (job !== drawing) return;
      if (i === layers.length) {
        maps.replaceChildren(...layers.map((l) => l.el));
        legend.hidden = layers.length === 0;
        // Done: the model version shown, and a count of results drawn (for tests and tools).
        root.dataset.version = String(r.version);
        root.dataset.drawn = String(Number(root.dataset.drawn ?? 0) + 1);
        return;
      }
      layers[i].draw();
      setTimeout(() => next(i + 1), 0);
    };
    next(0);
  }

  /** Shows `pixels` (square RGB) as the image to inspect. */
  function choose(pixels: Uint8Array, label: Text): void {
    current = { pixels, label };
    preview.hidden = false;
    const ctx = sizeCanvas(preview, 128, 128);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(rgbBitmap(pixels, 0, Math.round(Math.sqrt(pixels.length / 3))), 0, 0, 128, 128);
    say(caption, label);
    void refresh().then(() => revealIfHidden(resultCard));
  }

  function pressed(index: number | null): void {
    for (const b of strip.querySelectorAll<HTMLElement>('.thumb')) b.setAttribute('aria-pressed', String(b.dataset.index === String(index)));
  }

  async function showTest(i: number): Promise<void> {
    const d = state.data;
    if (!d) return;
    pressed(i < d.test.labels.length ? i : null);
    const bytes = d.imageSize * d.imageSize * 3;
    const px = i < d.test.labels.length ? d.test.images.slice(i * bytes, (i + 1) * bytes) : null;
    const { pixels, label } = px ? { pixels: px, label: d.test.labels[i] } : await engine.request({ type: 'test-image', index: i });
    choose(pixels, caption4(i, d.classNames[label]));
  }

  /** 'test image #3: cat', or 'validation image #3: cats' for a folder. */
  function caption4(i: number, name: string): Text {
    return msg(state.data?.heldOut === 'validation' ? 'inspect.validationCaption' : 'inspect.testCaption', { i, name: classLabel(name) });
  }

  function fillStrip(): void {
    const d = state.data;
    strip.replaceChildren();
    randomBtn.hidden = !d;
    noData.hidden = d !== null;
    if (!d) return;
    for (let i = 0; i < d.test.labels.length; i++) {
      const b = h('button', { type: 'button', class: 'thumb', 'aria-label': caption4(i, d.classNames[d.test.labels[i]]), 'data-index': i, 'aria-pressed': 'false' });
      b.append(rgbBitmap(d.test.images, i, d.imageSize));
      b.addEventListener('click', () => void showTest(i));
      strip.append(b);
    }
  }

  async function fromPhoto(file: File): Promise<void> {
    try {
      // Decoded and shaped in the engine worker, as the model's training images were.
      const r = await engine.request({ type: 'photo', file });
      pressed(null);
      choose(r.pixels, msg('inspect.photoCaption', { name: file.name, w: r.width, h: r.height, size: `${r.imageSize}x${r.imageSize}` }));
    } catch (e) {
      say(caption, msg('inspect.badPhoto', { name: file.name, error: (e as Error).message }));
    }
  }

  async function loadModel(files: File[]): Promise<void> {
    if (training()) return say(modelNote, msg('inspect.busyTraining'));
    say(modelNote, msg('inspect.loadingModel'));
    try {
      await engine.request({ type: 'load-model', files });
    } catch (e) {
      say(modelNote, msg('inspect.loadFailed', { error: (e as Error).message }));
    }
  }

  dropZone(drop, (files) => void fromPhoto(files[0]));
  randomBtn.addEventListener('click', () => {
    if (state.data) void showTest(Math.floor(Math.random() * state.data.testCount));
  });

  /** Runs again if the model changed since the results on show (while training, at most once a second). */
  function follow(): void {
    const m = state.model;
    if (!m || state.view !== 'inspect' || m.version === shownVersion) return;
    window.clearTimeout(timer);
    const wait = m.state === 'training' ? Math.max(0, LIVE_MS - (performance.now() - lastRun)) : 0;
    timer = window.setTimeout(() => void refresh(), wait);
  }

  onChange('data', () => {
    const validation = state.data?.heldOut === 'validation';
    say(dropText, msg(validation ? 'inspect.dropValidation' : 'inspect.drop'));
    say(randomBtn, msg(validation ? 'inspect.randomValidation' : 'inspect.random'));
    fillStrip();
    if (!current && state.data) void showTest(0);
  });
  onChange('model', () => {
    describeModel();
    follow();
  });
  onChange('view', follow);
  onChange('run', () => void (modelFiles.button.disabled = training()));
  describeModel();
  fillStrip();
  if (state.data) void showTest(0);
  else follow();
}
