/**
 * Inspect: one image through the model, layer by layer (model.layers[i].apply): top-3 classes,
 * each conv layer's activation maps as heatmaps, the first layer's learned filters. The image is
 * a test image or the user's own photo, scaled to 32x32. A saved model (tfjs layers format) loads
 * from files when the library offers ck.io.browserFiles and ck.loadLayersModel.
 */
import * as ck from 'cnnkit';
import { filterImages, heatmaps, rgbBitmap } from './charts.ts';
import { dropZone, h, sizeCanvas } from './dom.ts';
import { changed, onChange, setModel, state } from './state.ts';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function currentModel(): ck.Sequential {
  if (!state.model) {
    ck.setSeed(7);
    state.model = ck.tutorial.buildModel();
    state.modelNote = 'untrained (random weights): train it in the Train view or load a saved model';
  }
  return state.model;
}

/** Scales any image to 32x32 (centre square crop), returning NHWC RGB bytes. */
async function toPixels(source: CanvasImageSource, w: number, h2: number): Promise<Uint8Array> {
  const c = document.createElement('canvas');
  c.width = c.height = 32;
  const ctx = c.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const side = Math.min(w, h2);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, (w - side) / 2, (h2 - side) / 2, side, side, 0, 0, 32, 32);
  const rgba = ctx.getImageData(0, 0, 32, 32).data;
  const out = new Uint8Array(32 * 32 * 3);
  for (let p = 0; p < 1024; p++) out.set([rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]], 3 * p);
  return out;
}

export function mountInspect(root: HTMLElement): void {
  const modelNote = h('p', { id: 'model-note', class: 'status' });
  const photoInput = h('input', { type: 'file', id: 'photo-file', accept: 'image/*', class: 'visually-hidden' });
  const photoLabel = h('label', { for: 'photo-file', class: 'button', tabindex: 0, role: 'button', text: 'Pick a photo' });
  const randomBtn = h('button', { type: 'button', id: 'random-test', text: 'Random test image', disabled: true });
  const strip = h('div', { class: 'strip', id: 'test-strip', role: 'group', 'aria-label': 'Test images' });
  const modelInput = h('input', { type: 'file', id: 'model-files', accept: '.json,.bin', multiple: true, class: 'visually-hidden' });
  const modelLabel = h('label', { for: 'model-files', class: 'button', tabindex: 0, role: 'button', text: 'Load a saved model (model.json + weights .bin)' });
  const preview = h('canvas', { id: 'input-preview', role: 'img', 'aria-label': 'The 32x32 input' });
  const caption = h('p', { id: 'input-caption', class: 'note' });
  const bars = h('div', { id: 'top3', class: 'bars', 'aria-live': 'polite' });
  const maps = h('div', { id: 'activations' });
  const filters = h('canvas', { id: 'filters', role: 'img', 'aria-label': 'First layer filters' });
  const drop = h('div', { class: 'dropzone', id: 'photo-drop' },
    h('p', { text: 'Drop a photo here, pick one, or choose a test image.' }),
    h('div', { class: 'controls' }, photoLabel, randomBtn, modelLabel), photoInput, modelInput,
    h('p', { class: 'note', text: 'A saved model is a model.json with its weights file (the TensorFlow.js layers format; the Train view saves one).' }),
    strip);

  root.append(
    h('div', { class: 'intro' }, h('h2', { text: 'Look inside the model' }),
      h('p', { text: 'One image goes through the layers one at a time; every conv layer\'s feature maps are shown as heatmaps (bright = strong activation).' }), modelNote),
    h('section', { class: 'card' }, drop),
    h('section', { class: 'card inspect-top' },
      h('div', {}, h('h3', { text: 'Input (32x32)' }), preview, caption),
      h('div', { class: 'grow' }, h('h3', { text: 'Top 3 predictions' }), bars)),
    h('section', { class: 'card' }, h('h3', { text: 'Activation maps' }), maps),
    h('section', { class: 'card' }, h('h3', { text: 'First layer: the 32 learned 3x3 filters (RGB)' }), h('div', { class: 'scroll-x' }, filters)),
  );

  let current: { pixels: Uint8Array; label: string } | null = null;

  function run(pixels: Uint8Array, label: string): void {
    try {
      runLayers(pixels, label);
    } catch (e) {
      bars.replaceChildren(h('p', { class: 'error', text: `The model could not run on this image: ${(e as Error).message}` }));
      maps.replaceChildren();
    }
  }

  function runLayers(pixels: Uint8Array, label: string): void {
    current = { pixels, label };
    const model = currentModel();
    modelNote.textContent = `Model: ${state.modelNote}.`;
    const ctx = sizeCanvas(preview, 128, 128);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(rgbBitmap(pixels, 0), 0, 0, 128, 128);
    caption.textContent = label;
    // Each layer on its own; read every output out before the tensors are freed.
    const outs = ck.tidy(() => {
      let x = ck.tensor(Float32Array.from(pixels, (v) => v / 255), [1, 32, 32, 3], 'float32');
      const res: { name: string; type: string; shape: number[]; data: Float32Array }[] = [];
      for (const layer of model.layers) {
        x = layer.apply(x) as ck.Tensor;
        res.push({ name: layer.name, type: layer.className, shape: [...x.shape], data: Float32Array.from(x.dataSync()) });
      }
      return res;
    });
    const probs = outs[outs.length - 1].data;
    const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a]).slice(0, 3);
    bars.replaceChildren(...order.map((c, i) => h('div', { class: 'bar-row', 'data-class': CLASSES[c] ?? String(c) },
      h('span', { class: 'bar-label', text: `${i + 1}. ${CLASSES[c] ?? c}` }),
      h('span', { class: 'bar', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(probs[c] * 100), 'aria-label': `${CLASSES[c]} probability` },
        h('span', { class: 'fill', style: `width:${(probs[c] * 100).toFixed(1)}%` })),
      h('span', { class: 'bar-value', text: `${(probs[c] * 100).toFixed(1)}%` }))));
    bars.dataset.top = CLASSES[order[0]];
    maps.replaceChildren();
    let convIndex = 0;
    for (const o of outs) {
      if (o.type !== 'Conv2D') continue;
      convIndex++;
      const [, hh, ww, ch] = o.shape;
      const canvas = h('canvas', { class: 'maps', role: 'img', 'aria-label': `${o.name} activation maps` });
      const cols = 16, tile = Math.max(20, Math.min(44, Math.floor(700 / cols) - 3));
      heatmaps(canvas, o.data, hh, ww, ch, cols, tile);
      maps.append(h('div', { class: 'layer-maps' }, h('h4', { text: `Conv layer ${convIndex} (${o.name}, after ReLU): ${ch} maps of ${hh}x${ww}` }), h('div', { class: 'scroll-x' }, canvas)));
    }
    const first = model.layers[0] as unknown as { getWeights(): ck.Tensor[] };
    const [kernel] = first.getWeights();
    const [kh, kw, inC, nf] = kernel.shape;
    filterImages(filters, Float32Array.from(kernel.dataSync()), kh, kw, inC, nf, 16, 36);
    kernel.dispose();
    root.dataset.inspected = 'true';
  }

  function showTest(i: number): void {
    const data = state.data;
    if (!data) return;
    const px = data.test.images.slice(i * 3072, (i + 1) * 3072);
    run(px, `test image #${i}: ${data.classNames[data.test.labels[i]]}`);
    for (const b of strip.querySelectorAll<HTMLElement>('.thumb')) b.setAttribute('aria-pressed', String(b.dataset.index === String(i)));
  }

  function fillStrip(): void {
    const data = state.data;
    strip.replaceChildren();
    randomBtn.disabled = !data;
    if (!data) return;
    for (let i = 0; i < Math.min(12, data.test.count); i++) {
      const b = h('button', { type: 'button', class: 'thumb', 'aria-label': `test image ${i}: ${data.classNames[data.test.labels[i]]}`, 'data-index': i });
      const c = rgbBitmap(data.test.images, i);
      b.append(c);
      b.addEventListener('click', () => showTest(i));
      strip.append(b);
    }
  }

  async function fromPhoto(file: File): Promise<void> {
    try {
      const bmp = await createImageBitmap(file);
      const px = await toPixels(bmp, bmp.width, bmp.height);
      run(px, `${file.name} (${bmp.width}x${bmp.height}, scaled to 32x32)`);
      for (const b of strip.querySelectorAll<HTMLElement>('.thumb')) b.setAttribute('aria-pressed', 'false');
      bmp.close();
    } catch (e) {
      caption.textContent = `Could not read ${file.name} as an image: ${(e as Error).message}`;
    }
  }

  photoInput.addEventListener('change', () => {
    if (photoInput.files?.[0]) void fromPhoto(photoInput.files[0]);
    photoInput.value = '';
  });
  for (const [label, input] of [[photoLabel, photoInput], [modelLabel, modelInput]] as const) {
    label.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        input.click();
      }
    });
  }
  dropZone(drop, (f) => void fromPhoto(f));
  randomBtn.addEventListener('click', () => {
    if (state.data) showTest(Math.floor(Math.random() * state.data.test.count));
  });
  modelInput.addEventListener('change', async () => {
    const files = [...(modelInput.files ?? [])];
    modelInput.value = '';
    if (!files.length) return;
    if (state.training) {
      modelNote.textContent = 'A model is training in the Train view: stop it before loading another.';
      return;
    }
    // browserFiles takes model.json first, then the weights.
    files.sort((a, b) => Number(!a.name.endsWith('.json')) - Number(!b.name.endsWith('.json')));
    try {
      const model = await ck.loadLayersModel(ck.io.browserFiles(files));
      // The view runs the layers one after another: it shows Sequential models.
      if (!(model instanceof ck.Sequential)) throw new Error(`model '${model.name}' is a graph model; this view shows Sequential models`);
      setModel(model, `loaded from ${files.map((f) => f.name).join(', ')}`);
      changed('model');
    } catch (e) {
      modelNote.textContent = `Could not load the model: ${(e as Error).message}`;
    }
  });

  onChange('data', fillStrip);
  onChange('model', () => {
    modelNote.textContent = `Model: ${state.modelNote}.`;
    if (current && !state.training && root.offsetParent !== null) run(current.pixels, current.label);
  });
  fillStrip();
  currentModel();
  modelNote.textContent = `Model: ${state.modelNote}.`;
  if (state.data) showTest(0);
}
