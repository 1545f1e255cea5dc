import './style.css';
import { mountExplain } from './explain.ts';
import { mountInspect } from './inspect.ts';
import { runtime, startEngine } from './runtime.ts';
import { mountTrain } from './train.ts';

type View = 'explain' | 'train' | 'inspect';
const VIEWS: View[] = ['explain', 'train', 'inspect'];

const shown = new Set<View>();
const mounts: Record<View, (root: HTMLElement) => void> = { explain: mountExplain, train: mountTrain, inspect: mountInspect };

function show(view: View, focus = false): void {
  for (const v of VIEWS) {
    const tab = document.getElementById(`tab-${v}`) as HTMLButtonElement;
    const panel = document.getElementById(`view-${v}`) as HTMLElement;
    const on = v === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    panel.hidden = !on;
    if (on && focus) tab.focus();
  }
  if (!shown.has(view)) {
    shown.add(view);
    mounts[view](document.getElementById(`view-${view}`) as HTMLElement);
  }
  if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
}

function viewFromHash(): View {
  const v = location.hash.slice(1) as View;
  return VIEWS.includes(v) ? v : 'explain';
}

async function main(): Promise<void> {
  const info = await startEngine();
  const line = document.getElementById('runtime') as HTMLElement;
  line.textContent = `Backend: ${info.backend} · cross-origin isolated: ${info.isolated ? 'yes' : 'no'} · threads: ${info.threads}${info.note ? ` · ${info.note}` : ''}`;
  line.dataset.backend = info.backend;
  line.dataset.threads = String(info.threads);
  line.dataset.isolated = String(info.isolated);
  const tabs = document.querySelector('.tabs') as HTMLElement;
  tabs.addEventListener('click', (e) => {
    const v = (e.target as HTMLElement).closest<HTMLElement>('[data-view]')?.dataset.view as View | undefined;
    if (v) show(v);
  });
  tabs.addEventListener('keydown', (e) => {
    const i = VIEWS.indexOf(viewFromHash());
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % VIEWS.length;
    else if (e.key === 'ArrowLeft') next = (i + VIEWS.length - 1) % VIEWS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = VIEWS.length - 1;
    if (next >= 0) {
      e.preventDefault();
      show(VIEWS[next], true);
    }
  });
  window.addEventListener('hashchange', () => show(viewFromHash()));
  show(viewFromHash());
  document.body.dataset.ready = 'true';
}

main().catch((e: Error) => {
  const line = document.getElementById('runtime') as HTMLElement;
  line.textContent = `The engine did not start: ${e.message}`;
  line.classList.add('error');
  void runtime;
});
