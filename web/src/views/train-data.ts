/**
 * Train, step 1: the data. Where it comes from (the CIFAR-10 archive, dropped, picked or offered
 * by the page's server; new kinds of source add a choice here), what was read, and the first
 * training images with their classes.
 */
import { imageGrid } from '../charts.ts';
import { dropZone, fileButton, h, megabytes, thousands } from '../dom.ts';
import { msg, onLang, render, say, type Msg } from '../i18n/index.ts';
import { changed, engine, onChange, state, training } from '../state.ts';
import type { DataSource } from '../engine/protocol.ts';
import { classLabel } from './labels.ts';

const INFO_URL = 'data/cifar10.json';

interface ServerArchive {
  available: boolean;
  url: string;
  bytes: number;
}

/** What the page's server says about its copy of the archive (nothing when not served by ours). */
async function serverArchive(): Promise<ServerArchive> {
  try {
    const res = await fetch(INFO_URL, { cache: 'no-store' });
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return { available: false, url: '', bytes: 0 };
    const info = (await res.json()) as ServerArchive;
    // Absolute: the engine worker resolves addresses against its own script's.
    return { ...info, url: new URL(info.url.replace(/^\//, ''), location.href).href };
  } catch {
    return { available: false, url: '', bytes: 0 };
  }
}

/** One kind of data source: its controls, which call `load` with what the visitor chose. */
interface SourcePanel {
  kind: DataSource['kind'];
  /** The source's name, in the card's title (and in the choice, once there are several). */
  name: Msg;
  mount(load: (source: DataSource) => void, status: HTMLElement): { el: HTMLElement; setEnabled(on: boolean): void };
}

/** The official CIFAR-10 binary archive: dropped, picked, or offered by the page's server. */
const cifarArchive: SourcePanel = {
  kind: 'cifar10-archive',
  name: msg('source.cifar10'),
  mount(load, status) {
    const serverBtn = h('button', { type: 'button', id: 'load-server', class: 'primary', hidden: true });
    const fromFile = (file: File): void => load({ kind: 'cifar10-archive', name: file.name, file });
    const pick = fileButton({ id: 'archive-pick', inputId: 'archive-file', text: msg('data.pick'), accept: '.gz,.tgz,application/gzip' }, (files) => fromFile(files[0]));
    const drop = h('div', { class: 'dropzone', id: 'archive-drop' },
      h('p', { text: msg('data.drop') }), h('div', { class: 'controls' }, pick.button, serverBtn), pick.input);
    dropZone(drop, (files) => fromFile(files[0]));
    void serverArchive().then((info) => {
      if (!info.available) return;
      serverBtn.hidden = false;
      say(serverBtn, msg('data.server', { mb: megabytes(info.bytes) }));
      if (!state.data) say(status, msg('data.noneServer'));
      serverBtn.addEventListener('click', () => load({ kind: 'cifar10-archive', name: 'cifar-10-binary.tar.gz', url: info.url }));
    });
    return {
      el: h('div', {}, h('p', { class: 'note', text: msg('data.about') }), drop),
      setEnabled: (on) => void (serverBtn.disabled = pick.button.disabled = !on),
    };
  },
};

/** The sources the page offers (image folders will be one more). */
const SOURCES: readonly SourcePanel[] = [cifarArchive];

/** The data card and the samples card. */
export function dataCards(): { data: HTMLElement; samples: HTMLElement } {
  const status = h('p', { id: 'data-status', class: 'status', 'aria-live': 'polite', text: msg('data.none') });
  const panels = SOURCES.map((src) => ({ src, ...src.mount((source) => void load(source), status) }));
  const title = h('h3', { id: 'data-title' });
  let choice: HTMLElement | null = null;
  if (panels.length > 1) {
    say(title, msg('data.titleChoose'));
    const select = h('select', { id: 'data-source' }, ...panels.map((p) => h('option', { value: p.src.kind, text: p.src.name })));
    const showChosen = (): void => panels.forEach((p) => void (p.el.hidden = p.src.kind !== select.value));
    select.addEventListener('change', showChosen);
    showChosen();
    choice = h('label', {}, msg('data.source'), ' ', select);
  } else say(title, msg('data.title', { source: panels[0].src.name }));
  const data = h('section', { class: 'card data-card', 'aria-labelledby': 'data-title' }, title, choice, ...panels.map((p) => p.el), status);

  const grid = h('canvas', { id: 'sample-grid', class: 'sample-grid', role: 'img', 'aria-label': msg('data.gridLabel') });
  const samples = h('section', { class: 'card samples-card', id: 'samples', hidden: true, 'aria-labelledby': 'samples-title' },
    h('h3', { id: 'samples-title', text: msg('data.samples') }), grid);

  let busy = false;
  const enable = (): void => panels.forEach((p) => p.setEnabled(!busy && !training()));
  async function load(source: DataSource): Promise<void> {
    if (busy || training()) return;
    busy = true;
    enable();
    status.classList.remove('error');
    delete status.dataset.loaded;
    try {
      const summary = await engine.request({ type: 'load-data', source }, {
        progress: (stage, done, total) => say(status, stage === 'download'
          ? msg('data.downloading', { got: megabytes(done), total: total ? megabytes(total) : '?' })
          : stage === 'read' ? msg('data.reading', { name: source.name }) : msg('data.unpacking', { mb: megabytes(total) })),
      });
      state.data = summary;
      say(status, msg('data.loaded', { train: thousands(summary.trainCount), test: thousands(summary.testCount), name: summary.name, s: summary.seconds.toFixed(1) }));
      status.dataset.loaded = 'true';
      drawGrid();
      changed('data');
    } catch (e) {
      say(status, msg('data.failed', { name: source.name, error: (e as Error).message }));
      status.classList.add('error');
    } finally {
      busy = false;
      enable();
    }
  }

  function drawGrid(): void {
    const d = state.data;
    samples.hidden = !d;
    if (!d) return;
    const n = d.train.labels.length;
    const idx = Array.from({ length: n }, (_, i) => i);
    imageGrid(grid, d.train.images, idx, idx.map((i) => render(classLabel(d.classNames[d.train.labels[i]]))), 5, 2);
  }

  onChange('run', enable);
  onLang(drawGrid);
  return { data, samples };
}
