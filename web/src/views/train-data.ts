/**
 * Train, step 1: the data. Where it comes from (the CIFAR-10 archive, dropped, picked or offered
 * by the page's server; or the visitor's own folder of class folders, or a .zip of one), what was
 * read (and what was skipped), and the first training images with their classes.
 */
import { imageGrid } from '../charts.ts';
import { dropZone, fileButton, h, megabytes, thousands } from '../dom.ts';
import { msg, onLang, render, say, type Msg } from '../i18n/index.ts';
import { changed, engine, onChange, state, training } from '../state.ts';
import type { DataSource, DataSummary, FolderProblem } from '../engine/protocol.ts';
import { classLabel } from './labels.ts';
import { folderPanel } from './train-folder.ts';

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
export interface SourcePanel {
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
      status.dataset.server = 'true';
      if (!state.data && !drop.closest('[hidden]')) say(status, msg('data.noneServer'));
      serverBtn.addEventListener('click', () => load({ kind: 'cifar10-archive', name: 'cifar-10-binary.tar.gz', url: info.url }));
    });
    return {
      el: h('div', {}, h('p', { class: 'note', text: msg('data.about') }), drop),
      setEnabled: (on) => void (serverBtn.disabled = pick.button.disabled = !on),
    };
  },
};

/** The sources the page offers. */
const SOURCES: readonly SourcePanel[] = [cifarArchive, folderPanel];

/** A folder that cannot make a classifier, in the page's words (the worker sends `folder:{...}`). */
function failure(source: DataSource, error: string): Msg {
  if (error.startsWith('folder:')) {
    const p = JSON.parse(error.slice('folder:'.length)) as FolderProblem;
    return msg(`folder.${p.code}`, p);
  }
  return msg('data.failed', { name: source.name, error });
}

/** What was read: counts, and for a folder its classes and the files skipped (each named). */
function loadedLine(d: DataSummary): Msg {
  if (d.kind === 'cifar10-archive') return msg('data.loaded', { train: thousands(d.trainCount), test: thousands(d.testCount), name: d.name, s: d.seconds.toFixed(1) });
  return msg('folder.loaded', {
    train: thousands(d.trainCount), validation: thousands(d.testCount), name: d.name, k: d.classNames.length, classes: d.classNames.join(', '),
    size: `${d.imageSize}x${d.imageSize}`, s: d.seconds.toFixed(1),
  });
}

function skippedLine(d: DataSummary): Msg | '' {
  if (d.skipped.length === 0) return '';
  const shown = d.skipped.slice(0, 5).map((f) => msg(`skip.${f.reason}`, { path: f.path, detail: f.detail }));
  const list = shown.reduce<Msg | string>((acc, m, i) => (i === 0 ? m : msg('skip.join', { a: acc, b: m })), '');
  return msg('folder.skipped', { n: d.skipped.length, total: thousands(d.files), list, more: d.skipped.length > 5 ? msg('skip.more', { n: d.skipped.length - 5 }) : '' });
}

/** The data card and the samples card. */
export function dataCards(): { data: HTMLElement; samples: HTMLElement } {
  const status = h('p', { id: 'data-status', class: 'status', 'aria-live': 'polite', text: msg('data.none') });
  let busy = false;
  const panels = SOURCES.map((src) => ({ src, ...src.mount((source) => void load(source), status) }));
  const title = h('h3', { id: 'data-title' });
  let choice: HTMLElement | null = null;
  if (panels.length > 1) {
    say(title, msg('data.titleChoose'));
    const select = h('select', { id: 'data-source' }, ...panels.map((p) => h('option', { value: p.src.kind, text: p.src.name })));
    const showChosen = (): void => {
      panels.forEach((p) => void (p.el.hidden = p.src.kind !== select.value));
      // Before any data: the server's copy is worth a word only where the archive is offered.
      if (!state.data && !busy && !status.classList.contains('error'))
        say(status, select.value === 'cifar10-archive' && status.dataset.server ? msg('data.noneServer') : msg('data.none'));
    };
    select.addEventListener('change', showChosen);
    showChosen();
    choice = h('label', {}, msg('data.source'), ' ', select);
  } else say(title, msg('data.title', { source: panels[0].src.name }));
  const skipped = h('p', { id: 'data-skipped', class: 'status warn', hidden: true });
  const data = h('section', { class: 'card data-card', 'aria-labelledby': 'data-title' }, title, choice, ...panels.map((p) => p.el), status, skipped);

  const grid = h('canvas', { id: 'sample-grid', class: 'sample-grid', role: 'img', 'aria-label': msg('data.gridLabel') });
  const samples = h('section', { class: 'card samples-card', id: 'samples', hidden: true, 'aria-labelledby': 'samples-title' },
    h('h3', { id: 'samples-title', text: msg('data.samples') }), grid);

  const enable = (): void => panels.forEach((p) => p.setEnabled(!busy && !training()));
  async function load(source: DataSource): Promise<void> {
    if (busy || training()) return;
    busy = true;
    enable();
    status.classList.remove('error');
    delete status.dataset.loaded;
    delete status.dataset.problem;
    say(status, msg('data.reading', { name: source.name }));
    try {
      const summary = await engine.request({ type: 'load-data', source }, {
        progress: (stage, done, total) => say(status, stage === 'download'
          ? msg('data.downloading', { got: megabytes(done), total: total ? megabytes(total) : '?' })
          : stage === 'read' ? msg('data.reading', { name: source.name })
          : stage === 'decode' ? msg('folder.decoding', { done: thousands(done), total: thousands(total) })
          : msg('data.unpacking', { mb: megabytes(total) })),
      });
      state.data = summary;
      say(status, loadedLine(summary));
      status.dataset.loaded = 'true';
      skipped.hidden = summary.skipped.length === 0;
      say(skipped, skippedLine(summary));
      skipped.dataset.count = String(summary.skipped.length);
      drawGrid();
      changed('data');
    } catch (e) {
      const error = (e as Error).message;
      say(status, failure(source, error));
      if (error.startsWith('folder:')) status.dataset.problem = (JSON.parse(error.slice(7)) as FolderProblem).code;
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
    imageGrid(grid, d.train.images, idx, idx.map((i) => render(classLabel(d.classNames[d.train.labels[i]]))), 5, 64, d.imageSize);
    grid.dataset.classes = [...new Set(Array.from(d.train.labels, (l) => d.classNames[l]))].join(',');
  }

  onChange('run', enable);
  onLang(drawGrid);
  return { data, samples };
}
