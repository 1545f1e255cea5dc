/**
 * The cnnkit page: the language, the tabs and their views, and the engine worker's start. The
 * main thread draws; cnnkit's engine trains, evaluates and predicts in the worker (engine/).
 * The Explain view's 6x6 example runs here on the reference backend (microseconds).
 */
import * as ck from 'cnnkit';
import './style.css';
import { bind, detectLang, initLang, LANGS, msg, onLang, setLang, t, type Lang, type Msg } from './i18n/index.ts';
import { changed, engine, state, type View } from './state.ts';
import { mountRunBar } from './views/run-bar.ts';
import { mountExplain } from './views/explain.ts';
import { mountInspect } from './views/inspect.ts';
import { mountTrain } from './views/train.ts';
import type { RuntimeInfo } from './engine/protocol.ts';

const VIEWS: View[] = ['explain', 'train', 'inspect'];
const mounts: Record<View, (root: HTMLElement) => void> = { explain: mountExplain, train: mountTrain, inspect: mountInspect };
const mounted = new Set<View>();
/** Where each view was scrolled to, restored when it comes back. */
const scrollOf = new Map<View, number>();

function mount(view: View): void {
  if (mounted.has(view)) return;
  mounted.add(view);
  mounts[view](document.getElementById(`view-${view}`) as HTMLElement);
}

/** Builds the views not shown yet while the page is idle, so that no tab switch builds one later (during a run). */
function mountRest(): void {
  const next = VIEWS.find((v) => !mounted.has(v));
  if (!next) return;
  const later = (fn: () => void) => ('requestIdleCallback' in window ? requestIdleCallback(fn, { timeout: 500 }) : setTimeout(fn, 50));
  later(() => {
    mount(next);
    warm(next);
    mountRest();
  });
}

/** Lays a hidden view out once, invisibly, so that its first showing reuses that layout (see style.css). */
function warm(view: View): void {
  const panel = document.getElementById(`view-${view}`) as HTMLElement;
  if (!panel.hidden) return;
  panel.classList.add('warming');
  void panel.offsetHeight; // style and layout now, while the page is idle
  panel.classList.remove('warming');
}

function show(view: View, focus = false): void {
  const before = state.view;
  if (mounted.has(before) && before !== view) scrollOf.set(before, window.scrollY);
  for (const v of VIEWS) {
    const tab = document.getElementById(`tab-${v}`) as HTMLButtonElement;
    const panel = document.getElementById(`view-${v}`) as HTMLElement;
    const on = v === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    panel.hidden = !on;
    if (on && focus) tab.focus();
  }
  mount(view);
  state.view = view;
  if (location.hash !== `#${view}`) history.replaceState(null, '', `${location.pathname}${location.search}#${view}`);
  if (before !== view) window.scrollTo(0, scrollOf.get(view) ?? 0);
  changed('view');
}

function viewFromHash(): View {
  const v = location.hash.slice(1) as View;
  return VIEWS.includes(v) ? v : 'explain';
}

function storedLang(): string | null {
  try {
    return localStorage.getItem('cnnkit-lang');
  } catch {
    return null;
  }
}

/** The language switch; the choice goes into the address (?lang=) and is remembered. */
function mountLangSwitch(): void {
  const select = document.getElementById('lang') as HTMLSelectElement;
  for (const l of LANGS) {
    const o = document.createElement('option');
    o.value = l.id;
    o.textContent = l.name;
    o.lang = l.id;
    select.append(o);
  }
  select.value = document.documentElement.lang;
  select.addEventListener('change', () => {
    const l = select.value as Lang;
    try {
      localStorage.setItem('cnnkit-lang', l);
    } catch {
      /* private mode: the address still says it */
    }
    const params = new URLSearchParams(location.search);
    params.set('lang', l);
    history.replaceState(null, '', `${location.pathname}?${params}${location.hash}`);
    setLang(l);
  });
}

/** Static words of index.html: data-i18n (text) and data-i18n-aria-label. */
function bindStatic(): void {
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) bind(el, msg(el.dataset.i18n as Msg['key']));
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-aria-label]')) bind(el, msg(el.dataset.i18nAriaLabel as Msg['key']), 'aria-label');
  const title = (): void => void (document.title = t('app.title'));
  title();
  onLang(title);
}

/** The line under the title: which engine runs, on how many threads, and why. */
function runtimeLine(info: RuntimeInfo): Msg {
  const engineName = info.backend === 'wasm' ? msg('runtime.wasm') : msg('runtime.reference');
  if (info.fallback?.kind === 'failed') return msg('runtime.failed', { name: info.fallback.name, error: info.fallback.error ?? '', engine: engineName });
  if (info.fallback?.kind === 'no-backend') return msg('runtime.noBackend', { name: info.fallback.name, engine: engineName });
  if (!info.isolated) return msg('runtime.notIsolated', { engine: engineName, n: info.cores });
  return msg('runtime.ok', { engine: engineName, n: info.threads });
}

async function startEngine(): Promise<void> {
  const line = document.getElementById('runtime') as HTMLElement;
  bind(line, msg('runtime.starting'));
  const params = new URLSearchParams(location.search);
  const asked = Number(params.get('threads'));
  try {
    const { runtime, model } = await engine.request({ type: 'init', threads: Number.isInteger(asked) && asked > 0 ? asked : null, backend: params.get('backend') });
    state.runtime = runtime;
    state.model = model;
    bind(line, runtimeLine(runtime));
    line.dataset.backend = runtime.backend;
    line.dataset.threads = String(runtime.threads);
    line.dataset.isolated = String(runtime.isolated);
    changed('runtime');
    changed('model');
  } catch (e) {
    bind(line, msg('runtime.dead', { error: (e as Error).message }));
    line.classList.add('error');
  }
}

async function main(): Promise<void> {
  initLang(detectLang(location.search, storedLang(), navigator.languages ?? [navigator.language]));
  bindStatic();
  mountLangSwitch();
  // The worked example's layers run here; the worker has the fast engine.
  await ck.setBackend('reference');
  const engineStarted = startEngine();
  const tabs = document.querySelector('.tabs') as HTMLElement;
  tabs.addEventListener('click', (e) => {
    const v = (e.target as HTMLElement).closest<HTMLElement>('[data-view]')?.dataset.view as View | undefined;
    if (v) show(v);
  });
  tabs.addEventListener('keydown', (e) => {
    const i = VIEWS.indexOf(state.view);
    const next = { ArrowRight: (i + 1) % VIEWS.length, ArrowLeft: (i + VIEWS.length - 1) % VIEWS.length, Home: 0, End: VIEWS.length - 1 }[e.key];
    if (next !== undefined) {
      e.preventDefault();
      show(VIEWS[next], true);
    }
  });
  window.addEventListener('hashchange', () => show(viewFromHash()));
  mountRunBar(document.getElementById('run-bar') as HTMLElement, (v) => show(v));
  show(viewFromHash());
  mountRest();
  await engineStarted;
  document.body.dataset.ready = 'true';
}

main().catch((e: Error) => {
  const line = document.getElementById('runtime') as HTMLElement;
  line.textContent = `${e.message}`;
  line.classList.add('error');
});
