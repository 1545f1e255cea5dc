/**
 * Train, step 2: the model (the tutorial CNN or the fast recipe, with what a run of it costs here,
 * measured), the run's settings with their meaning, Train (asking first before a trained model is
 * replaced), the run's status and live loss/accuracy charts. The run itself is in the engine
 * worker; the run bar holds Pause/Stop and the live figures.
 */
import { lineChart, type Series } from '../charts.ts';
import { h, percent, thousands } from '../dom.ts';
import { msg, onLang, say, t, type Msg } from '../i18n/index.ts';
import { changed, engine, onChange, state, training } from '../state.ts';
import { RECIPES, type RecipeId, type TrainResult } from '../engine/protocol.ts';

/** A whole-number field with limits; `read` says what is wrong instead of guessing. */
interface Field {
  label: HTMLElement;
  /** The words of the label. */
  text: HTMLElement;
  input: HTMLInputElement;
  read(): number | null;
}

function numberField(id: string, label: Msg, value: number, min: number, max: () => number): Field {
  const error = h('span', { class: 'field-error', id: `${id}-error` });
  const input = h('input', { type: 'text', id, value, inputmode: 'numeric', autocomplete: 'off', 'aria-describedby': `${id}-error` });
  const text = h('span', { text: label });
  const wrap = h('label', { class: 'field' }, text, input, error);
  const read = (): number | null => {
    const text = input.value.trim().replace(/[,\s]/g, '');
    const v = Number(text);
    const hi = max();
    if (!/^\d+$/.test(text) || v < min || v > hi) {
      input.setAttribute('aria-invalid', 'true');
      say(error, msg('train.fieldRange', { lo: thousands(min), hi: thousands(hi), value: text === '' ? msg('train.fieldEmpty') : input.value.trim() }));
      return null;
    }
    input.removeAttribute('aria-invalid');
    say(error, '');
    return v;
  };
  input.addEventListener('change', () => void read());
  // A message already shown follows the typing (so it does not vanish, shifting the page, on the next click).
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid')) read();
  });
  return { label: wrap, text, input, read };
}

export interface RunCard {
  card: HTMLElement;
  /** Test images to measure (the field's value, or null when it is wrong). */
  testCount(): number | null;
}

export function runCard(hooks: { onStart(): void; onFinished(r: TrainResult): void }): RunCard {
  const fast = () => state.runtime?.backend !== 'reference';
  const trainCount = numberField('train-count', msg('train.trainCount'), 10000, 1, () => state.data?.trainCount ?? 50000);
  const testCount = numberField('test-count', msg('train.testCount'), 2000, 1, () => state.data?.testCount ?? 10000);
  const epochs = numberField('epochs', msg('train.epochs'), 2, 1, () => 100);
  const batch = h('select', { id: 'batch-size' });
  const recipeSelect = h('select', { id: 'recipe' }, ...RECIPES.map((r) => h('option', { value: r, text: msg(`recipe.${r}Name`) })));
  const recipe = (): RecipeId => recipeSelect.value as RecipeId;
  const recipeNote = h('p', { id: 'recipe-note', class: 'note' });
  const cost = h('p', { id: 'recipe-cost', class: 'note', 'aria-live': 'polite' });
  const startBtn = h('button', { type: 'button', id: 'train-start', class: 'primary', disabled: true, text: msg('train.start'), 'aria-describedby': 'train-hint' });
  const hint = h('span', { id: 'train-hint', class: 'note', text: msg('train.needData') });
  const confirmText = h('p', { id: 'train-confirm-text' });
  const confirmYes = h('button', { type: 'button', id: 'train-confirm-yes', class: 'primary', text: msg('train.replace') });
  const confirmNo = h('button', { type: 'button', id: 'train-confirm-no', text: msg('train.keep') });
  const confirm = h('div', { class: 'confirm', id: 'train-confirm', role: 'group', 'aria-labelledby': 'train-confirm-text', hidden: true },
    confirmText, h('div', { class: 'controls' }, confirmYes, confirmNo));
  const status = h('p', { id: 'train-status', class: 'status', 'aria-live': 'polite' });
  const lossChart = h('canvas', { id: 'loss-chart', role: 'img', 'aria-label': msg('chart.lossLabel') });
  const accChart = h('canvas', { id: 'acc-chart', role: 'img', 'aria-label': msg('chart.accLabel') });

  const recipeLine = h('div', { class: 'recipe-choice' }, h('label', { class: 'field-inline' }, h('strong', { text: msg('train.model') }), recipeSelect), recipeNote, cost);

  const card = h('section', { class: 'card run-card', 'aria-labelledby': 'run-card-title' },
    h('h3', { id: 'run-card-title', text: msg('train.title') }),
    recipeLine,
    h('div', { class: 'controls fields' }, trainCount.label, testCount.label, epochs.label, h('label', { class: 'field' }, h('span', { text: msg('train.batchSize') }), batch)),
    h('div', { class: 'controls' }, startBtn, hint),
    h('p', { class: 'note', text: msg('train.explainTerms') }),
    confirm, status,
    h('div', { class: 'charts' }, lossChart, accChart));

  // ---- the recipe: its batch sizes, epochs, and what a run costs ------------------------------
  /** Batch sizes offered per recipe, and the default (the fast recipe's 1,024 needs more memory than a page should ask for). */
  const BATCHES: Record<RecipeId, { sizes: number[]; pick: number; epochs: number }> = {
    tutorial: { sizes: [8, 16, 32, 64, 128], pick: 32, epochs: 2 },
    fast: { sizes: [32, 64, 128, 256, 512], pick: 256, epochs: 2 },
  };
  function recipeChanged(): void {
    const r = BATCHES[recipe()];
    batch.replaceChildren(...r.sizes.map((b) => h('option', { value: b, text: String(b), selected: b === r.pick })));
    epochs.input.value = String(fast() ? r.epochs : 1);
    say(recipeNote, msg(`recipe.${recipe()}`));
    fitBatch();
    void estimate();
  }
  /** A dataset smaller than the fast recipe's batch: the largest batch size it fills. */
  function fitBatch(): void {
    const n = state.data?.trainCount;
    if (recipe() !== 'fast' || n === undefined) return;
    const fits = BATCHES.fast.sizes.filter((b) => b <= Math.min(n, Number(trainCount.input.value) || n));
    if (Number(batch.value) > n && fits.length) batch.value = String(fits[fits.length - 1]);
  }
  /** Measured images/s per recipe, batch size and image size. */
  const measured = new Map<string, number>();
  let measuring: string | null = null;
  async function estimate(): Promise<void> {
    const d = state.data;
    delete cost.dataset.imagesPerSecond;
    if (!d || !state.runtime || training()) return say(cost, d ? '' : msg('recipe.costNoData'));
    const key = `${recipe()}/${batch.value}/${d.imageSize}/${d.classNames.length}`;
    let speed = measured.get(key);
    if (speed === undefined) {
      if (measuring === key) return;
      measuring = key;
      say(cost, msg('recipe.measuring'));
      try {
        speed = (await engine.request({ type: 'measure', recipe: recipe(), batchSize: Number(batch.value) })).imagesPerSecond;
      } catch {
        speed = NaN;
      }
      measuring = null;
      measured.set(key, speed);
      if (key !== `${recipe()}/${batch.value}/${d.imageSize}/${d.classNames.length}`) return void estimate();
    }
    showCost(speed);
  }
  function showCost(speed: number): void {
    const n = Number(trainCount.input.value), e = Number(epochs.input.value);
    delete cost.dataset.imagesPerSecond;
    if (!Number.isFinite(speed) || !(n > 0) || !(e > 0)) return say(cost, Number.isFinite(speed) ? '' : msg('recipe.costUnknown'));
    const seconds = (n * e) / speed;
    const time = seconds < 90 ? msg('recipe.seconds', { n: Math.max(1, Math.round(seconds)) }) : msg('recipe.minutes', { n: Math.round(seconds / 60) });
    say(cost, msg('recipe.cost', { time, epochs: msg('unit.epochs', { n: e }), images: thousands(n), speed: thousands(speed) }));
    cost.dataset.imagesPerSecond = speed.toFixed(1);
  }
  recipeSelect.addEventListener('change', recipeChanged);
  batch.addEventListener('change', () => void estimate());
  for (const f of [trainCount, epochs]) f.input.addEventListener('input', () => void estimate());
  recipeChanged();

  // ---- charts -------------------------------------------------------------------------------
  const series = {
    loss: { name: '', color: '#1e6ec8', points: [] } as Series,
    valLoss: { name: '', color: '#c23b1f', points: [], dots: true } as Series,
    acc: { name: '', color: '#1e6ec8', points: [] } as Series,
    valAcc: { name: '', color: '#c23b1f', points: [], dots: true } as Series,
  };
  let drawn = 0;
  function drawCharts(): void {
    drawn = performance.now();
    series.loss.name = series.acc.name = t('chart.training');
    series.valLoss.name = series.valAcc.name = t(state.data?.heldOut === 'validation' ? 'chart.validation' : 'chart.test');
    const empty = t('chart.empty');
    lineChart(lossChart, [series.loss, series.valLoss], { title: t('chart.loss'), xLabel: t('chart.batch'), empty });
    lineChart(accChart, [series.acc, series.valAcc], { title: t('chart.accuracy'), xLabel: t('chart.batch'), empty, yMin: 0, yMax: 1, yFormat: (v) => `${Math.round(v * 100)}%` });
  }
  let frame = 0, stale = false;
  /** Redraws at most about four times a second, in an animation frame, and only when on screen. */
  function scheduleDraw(): void {
    if (state.view !== 'train') {
      stale = true;
      return;
    }
    if (frame) return;
    const wait = Math.max(0, 250 - (performance.now() - drawn));
    frame = window.setTimeout(() => requestAnimationFrame(() => {
      frame = 0;
      drawCharts();
    }), wait);
  }
  engine.on((e) => {
    if (e.type === 'batches') {
      for (let i = 0; i < e.points.length; i += 3) {
        series.loss.points.push([e.points[i], e.points[i + 1]]);
        series.acc.points.push([e.points[i], e.points[i + 2]]);
      }
      scheduleDraw();
    } else if (e.type === 'epoch') {
      series.valLoss.points.push([e.done, e.testLoss]);
      series.valAcc.points.push([e.done, e.testAccuracy]);
      say(status, msg(state.data?.heldOut === 'validation' ? 'train.epochDoneValidation' : 'train.epochDone', { epoch: e.epoch + 1, loss: e.testLoss.toFixed(3), accuracy: percent(e.testAccuracy) }));
      scheduleDraw();
    }
  });
  drawCharts();
  onLang(drawCharts);
  onChange('view', () => {
    // Drawn in the next frame, not in the tab's click.
    if (stale && state.view === 'train') {
      stale = false;
      scheduleDraw();
    }
  });

  // ---- starting -----------------------------------------------------------------------------
  /** The model's version when it was last saved (no need to ask before replacing it). */
  let savedVersion = -1;
  onChange('saved', () => void (savedVersion = state.model?.version ?? -1));

  function refresh(): void {
    const ready = state.data !== null && state.runtime !== null;
    startBtn.disabled = !ready || training();
    hint.hidden = ready;
  }
  onChange('data', () => {
    refresh();
    drawCharts();
    // A folder's held-out images are its validation split.
    say(testCount.text, msg(state.data?.heldOut === 'validation' ? 'train.validationCount' : 'train.testCount'));
    // A smaller dataset than the fields ask for: they show what it has.
    for (const [f, n] of [[trainCount, state.data?.trainCount], [testCount, state.data?.testCount]] as const) {
      if (n !== undefined && Number(f.input.value) > n) f.input.value = String(n);
      if (f.input.getAttribute('aria-invalid')) f.read();
    }
    // A folder of a few hundred images: all of them.
    if (state.data?.kind === 'image-folder') {
      trainCount.input.value = String(state.data.trainCount);
      testCount.input.value = String(state.data.testCount);
    }
    fitBatch();
    void estimate();
  });
  onChange('runtime', () => {
    // The reference backend is far slower: a smaller first try.
    if (!fast()) {
      trainCount.input.value = '320';
      testCount.input.value = '100';
      epochs.input.value = '1';
    }
    refresh();
    void estimate();
  });
  onChange('run', refresh);

  function needsAsking(): boolean {
    const m = state.model;
    return m !== null && (m.state === 'trained' || m.state === 'stopped' || m.state === 'loaded') && m.version !== savedVersion;
  }

  startBtn.addEventListener('click', () => {
    const values = [trainCount.read(), testCount.read(), epochs.read()];
    if (values.some((v) => v === null)) {
      const bad = [trainCount, testCount, epochs].find((f) => f.input.getAttribute('aria-invalid'));
      bad?.input.focus();
      return;
    }
    if (needsAsking()) {
      const m = state.model;
      say(confirmText, m?.state === 'loaded' ? msg('train.askLoaded') : msg('train.askTrained', { n: thousands(m?.batches ?? 0) }));
      confirm.hidden = false;
      confirmNo.focus();
      return;
    }
    void start();
  });
  confirmYes.addEventListener('click', () => {
    confirm.hidden = true;
    void start();
  });
  confirmNo.addEventListener('click', () => {
    confirm.hidden = true;
    startBtn.focus();
  });

  async function start(): Promise<void> {
    const nTrain = trainCount.read(), nTest = testCount.read(), nEpochs = epochs.read();
    if (nTrain === null || nTest === null || nEpochs === null || !state.data || training()) return;
    const bs = Number(batch.value);
    if (recipe() === 'fast' && nTrain < bs) {
      say(status, msg('train.batchTooBig', { bs, n: thousands(nTrain) }));
      status.dataset.outcome = 'refused';
      batch.focus();
      return;
    }
    for (const s of Object.values(series)) s.points = [];
    drawCharts();
    hooks.onStart();
    delete status.dataset.outcome;
    const steps = recipe() === 'fast' ? Math.floor(nTrain / bs) : Math.ceil(nTrain / bs);
    say(status, msg('train.started', { images: thousands(nTrain), epochs: msg('unit.epochs', { n: nEpochs }), steps: thousands(steps), bs }));
    state.run = { state: 'running', status: null };
    changed('run');
    let result: TrainResult;
    try {
      result = await engine.request({ type: 'train', config: { recipe: recipe(), trainCount: nTrain, testCount: nTest, epochs: nEpochs, batchSize: bs, seed: 42 } });
    } catch (e) {
      result = { outcome: 'failed', error: (e as Error).message, batches: 0, images: 0, seconds: 0, imagesPerSecond: NaN };
    }
    state.run = null;
    changed('run');
    drawCharts();
    void estimate();
    if (result.outcome === 'failed') say(status, msg('train.failed', { error: result.error ?? '' }));
    else {
      const speed = Number.isFinite(result.imagesPerSecond) ? msg('train.speed', { n: thousands(result.imagesPerSecond) }) : '';
      say(status, msg(result.outcome === 'finished' ? 'train.finished' : 'train.stopped', {
        batches: thousands(result.batches), images: thousands(result.images), s: result.seconds.toFixed(1), speed,
      }));
      if (Number.isFinite(result.imagesPerSecond)) {
        status.dataset.imagesPerSecond = result.imagesPerSecond.toFixed(1);
        // The next estimate uses the speed of this run: the best measurement there is.
        const d = state.data;
        if (d && result.batches > 3) measured.set(`${recipe()}/${bs}/${d.imageSize}/${d.classNames.length}`, result.imagesPerSecond);
      }
    }
    status.dataset.outcome = result.outcome;
    hooks.onFinished(result);
  }

  refresh();
  return { card, testCount: () => testCount.read() };
}

