/**
 * The page's words: one message catalogue per language (en.json, ko.json), the language in use
 * (`?lang=`, then the visitor's earlier choice, then the browser's languages), and text bound to
 * elements so that switching the language rewrites every view in place.
 *
 * A message is a catalogue key with parameters (`{name}` in the text). Keys with `#one`/`#other`
 * variants are plural: the variant follows the parameter `n` by the language's plural rules.
 * Numbers and layer names are passed in already formatted, so they read the same in every language.
 */
import en from './en.json';
import ko from './ko.json';

/** The languages the page speaks. */
export type Lang = 'en' | 'ko';

type PluralFree<K> = K extends `${infer Base}#${string}` ? Base : K;
/** Every message key (plural keys without their `#variant`). */
export type MsgKey = PluralFree<keyof typeof en>;

// Korean needs every key English has (plural forms: `#other` is enough, Korean has no `#one`).
type Required = Exclude<keyof typeof en, `${string}#one`>;
const koChecked: Record<Required, string> = ko;

const catalogues: Record<Lang, Record<string, string>> = { en, ko: koChecked };

/** The languages with their own names, for the switch. */
export const LANGS: readonly { id: Lang; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'ko', name: '한국어' },
];

/** A message parameter: plain text, a number, or another message. */
export type Param = string | number | Msg;

/** A catalogue message and its parameters, rendered in the language in use. */
export interface Msg {
  readonly key: MsgKey;
  readonly params?: Readonly<Record<string, Param>>;
}

/** A message (`msg('train.start')`, `msg('data.loaded', { train: '50,000' })`). */
export function msg(key: MsgKey, params?: Record<string, Param>): Msg {
  return params ? { key, params } : { key };
}

/** Text that is the same in every language (file names, numbers), where a message could go. */
export type Text = Msg | string;

let current: Lang = 'en';
const listeners = new Set<() => void>();
const missing = new Set<string>();

/** The language in use. */
export function lang(): Lang {
  return current;
}

/** Keys asked for that the catalogue of the language in use lacks (the page logs each once). */
export function missingKeys(): string[] {
  return [...missing];
}

function lookup(key: string, params: Readonly<Record<string, Param>> | undefined): string | undefined {
  const cat = catalogues[current];
  if (key in cat) return cat[key];
  if (`${key}#other` in cat) {
    const n = Number(params?.n ?? 0);
    const variant = `${key}#${new Intl.PluralRules(current).select(n)}`;
    return cat[variant] ?? cat[`${key}#other`];
  }
  return undefined;
}

/** The message's text in the language in use; a missing key is logged and shown as `[key]`. */
export function t(key: MsgKey, params?: Readonly<Record<string, Param>>): string {
  const text = lookup(key, params);
  if (text === undefined) {
    const id = `${current}:${key}`;
    if (!missing.has(id)) {
      missing.add(id);
      console.error(`i18n: no message '${key}' in the ${current} catalogue`);
    }
    return `[${key}]`;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? render(params[name]) : whole));
}

/** Renders a message, a parameter or plain text. */
export function render(v: Param | Text): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return t(v.key, v.params);
}

/**
 * Picks the language: `?lang=` in the address, else the one chosen before (`stored`), else the
 * first of the browser's languages the page speaks, else English.
 */
export function detectLang(search: string, stored: string | null, browser: readonly string[]): Lang {
  const known = (v: string | null | undefined): Lang | null => {
    const base = (v ?? '').toLowerCase().split('-')[0];
    return LANGS.some((l) => l.id === base) ? (base as Lang) : null;
  };
  return known(new URLSearchParams(search).get('lang')) ?? known(stored) ?? browser.map(known).find((l) => l !== null) ?? 'en';
}

// ---- text bound to the DOM ----------------------------------------------------------------

type Binding = { attr: string | null; text: Text };
const bound = new Map<Node, Binding[]>();
let sweepAt = 1000;

/** Forgets nodes that are no longer on the page (views replace their results often). */
function sweep(): void {
  for (const node of bound.keys()) if (!node.isConnected) bound.delete(node);
  sweepAt = Math.max(1000, 2 * bound.size);
}

function apply(node: Node, b: Binding): void {
  const s = render(b.text);
  // Unchanged text is left alone (live regions announce only real changes).
  if (b.attr === null) {
    if (node.textContent !== s) node.textContent = s;
  } else if ((node as Element).getAttribute(b.attr) !== s) (node as Element).setAttribute(b.attr, s);
}

/** Sets the node's text (or the element's attribute `attr`) and keeps it in the language in use. */
export function bind(node: Node, text: Text, attr: string | null = null): void {
  const list = (bound.get(node) ?? []).filter((b) => b.attr !== attr);
  const b = { attr, text };
  list.push(b);
  bound.set(node, list);
  apply(node, b);
  // Later, once the view being built is on the page.
  if (bound.size > sweepAt) {
    sweepAt = Infinity;
    setTimeout(sweep, 0);
  }
}

/** Sets an element's text, kept in the language in use (status lines, labels that change). */
export function say(el: Node, text: Text): void {
  bind(el, text, null);
}

/** Calls `fn` after every change of language (canvases redraw their words). */
export function onLang(fn: () => void): void {
  listeners.add(fn);
}

/** Switches the language: every bound text is rewritten, then the listeners run. */
export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  sweep();
  for (const [node, list] of bound) for (const b of list) apply(node, b);
  for (const fn of listeners) fn();
}

/** Uses `l` from the start (before any view is built). */
export function initLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
}
