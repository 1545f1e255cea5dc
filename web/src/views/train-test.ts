/**
 * Train, step 3: the model on the test images (accuracy and a confusion matrix, computed in the
 * engine worker) and saving it in the TensorFlow.js layers format (model.json + weights).
 */
import { confusionChart } from '../charts.ts';
import { h, percent, thousands } from '../dom.ts';
import { msg, onLang, render, say, t } from '../i18n/index.ts';
import { changed, engine, onChange, state, training } from '../state.ts';
import type { EvalResult } from '../engine/protocol.ts';
import { classLabel } from './labels.ts';

export interface TestCard {
  card: HTMLElement;
  evaluate(): Promise<void>;
  /** Forgets the results and saved files of the model a new run replaces. */
  reset(): void;
}

export function testCard(testCount: () => number | null): TestCard {
  const evalBtn = h('button', { type: 'button', id: 'eval-start', disabled: true, text: msg('test.evaluate') });
  const saveBtn = h('button', { type: 'button', id: 'model-save', disabled: true, text: msg('test.save') });
  const links = h('span', { id: 'model-links', class: 'links' });
  const result = h('p', { id: 'eval-result', class: 'status', 'aria-live': 'polite' });
  const confusion = h('canvas', { id: 'confusion', role: 'img', 'aria-label': msg('test.confusionLabel'), hidden: true });
  const card = h('section', { class: 'card', 'aria-labelledby': 'test-title' },
    h('h3', { id: 'test-title', text: msg('test.title') }),
    h('div', { class: 'controls' }, evalBtn, saveBtn, links), result, h('div', { class: 'scroll-x' }, confusion));

  let last: EvalResult | null = null;
  let busy = false;
  const refresh = (): void => {
    const hasModel = state.model !== null && state.model.state !== 'untrained';
    evalBtn.disabled = busy || training() || !state.data || state.model === null;
    saveBtn.disabled = busy || training() || !hasModel;
  };
  const drawConfusion = (): void => {
    if (!last || !state.data) return;
    confusionChart(confusion, last.matrix, state.data.classNames.map((n) => render(classLabel(n))), t('test.axes'));
    confusion.dataset.classes = state.data.classNames.join(',');
  };

  async function evaluate(): Promise<void> {
    const n = testCount();
    if (!state.data || n === null || busy || training()) return;
    busy = true;
    refresh();
    delete result.dataset.accuracy;
    try {
      const r = await engine.request({ type: 'evaluate', testCount: n }, {
        progress: (_stage, done, total) => say(result, msg('test.progress', { done: thousands(done), total: thousands(total) })),
      });
      last = r;
      const d = state.data as NonNullable<typeof state.data>;
      say(result, msg(d.heldOut === 'validation' ? 'test.resultValidation' : 'test.result', {
        accuracy: percent(r.correct / r.count), correct: thousands(r.correct), count: thousands(r.count), chance: percent(1 / d.classNames.length),
      }));
      result.dataset.accuracy = String(r.correct / r.count);
      confusion.hidden = false;
      drawConfusion();
    } catch (e) {
      say(result, msg('test.failed', { error: (e as Error).message }));
    } finally {
      busy = false;
      refresh();
    }
  }

  async function save(): Promise<void> {
    busy = true;
    refresh();
    try {
      const saved = await engine.request({ type: 'save' });
      for (const a of links.querySelectorAll('a')) URL.revokeObjectURL(a.href);
      const link = (blob: Blob, name: string, id: string) => h('a', { href: URL.createObjectURL(blob), download: name, id, class: 'button', text: msg('test.download', { name }) });
      links.replaceChildren(
        link(new Blob([saved.json], { type: 'application/json' }), 'model.json', 'download-json'), ' ',
        link(new Blob([saved.weights], { type: 'application/octet-stream' }), saved.weightsName, 'download-weights'));
      changed('saved');
    } catch (e) {
      say(result, msg('test.saveFailed', { error: (e as Error).message }));
    } finally {
      busy = false;
      refresh();
    }
  }

  evalBtn.addEventListener('click', () => void evaluate());
  saveBtn.addEventListener('click', () => void save());
  for (const what of ['data', 'model', 'run'] as const) onChange(what, refresh);
  onChange('data', () => say(evalBtn, msg(state.data?.heldOut === 'validation' ? 'test.evaluateValidation' : 'test.evaluate')));
  const reset = (): void => {
    for (const a of links.querySelectorAll('a')) URL.revokeObjectURL(a.href);
    links.replaceChildren();
    confusion.hidden = true;
    say(result, '');
    delete result.dataset.accuracy;
    last = null;
  };
  // A model loaded in the Inspect view replaces the one these results are about.
  onChange('model', () => {
    if (state.model?.state === 'loaded' && last) reset();
  });
  onLang(drawConfusion);
  refresh();
  return { card, evaluate, reset };
}
