/** Tiny DOM helpers: the page is plain TypeScript, no framework. */
import { bind, type Msg } from './i18n/index.ts';

type Attr = string | number | boolean | undefined | Msg;
type Attrs = Record<string, Attr>;
type Child = Node | string | Msg | null | undefined | false;

function isMsg(v: unknown): v is Msg {
  return typeof v === 'object' && v !== null && 'key' in v;
}

/**
 * Creates an element with attributes (`class`, `data-*`, `aria-*`, ...) and children. `text` sets
 * the text. A message (`msg(...)`) as text, attribute or child follows the page's language.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') {
      if (isMsg(v)) bind(el, v);
      else el.textContent = String(v);
    } else if (isMsg(v)) bind(el, v, k);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (isMsg(c)) {
      const node = document.createTextNode('');
      bind(node, c);
      el.append(node);
    } else el.append(c);
  }
  return el;
}

/** Formats a computed number for a cell: integers as they are, others to two decimals. */
export function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const r = Math.round(v * 100) / 100;
  return Number.isInteger(r) ? String(r) : r.toFixed(2);
}

/** Thousands separators: 122570 -> 122,570 (the same in every language of the page). */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A size in megabytes (10^6 bytes), as every size on the page is given: 173267152 -> '173', 1234567 -> '1.2'. */
export function megabytes(bytes: number): string {
  return bytes < 9.95e6 ? (bytes / 1e6).toFixed(1) : String(Math.round(bytes / 1e6));
}

/** A percentage with one decimal: 0.7142 -> '71.4'. */
export function percent(v: number): string {
  return (v * 100).toFixed(1);
}

/** Sizes a canvas for crisp drawing at the device pixel ratio; returns its 2D context in CSS pixels. */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  // Shrinks with its container (phones), never grows past its drawn size.
  canvas.style.aspectRatio = `${width} / ${height}`;
  canvas.style.width = '100%';
  canvas.style.maxWidth = `${width}px`;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Wires a drop zone: dragging files over it highlights it, dropping calls `onFiles`. */
export function dropZone(el: HTMLElement, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('dragging');
  });
  el.addEventListener('dragleave', () => el.classList.remove('dragging'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('dragging');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files);
  });
}

/**
 * A button that opens a hidden file input (a real button: focusable, Enter and Space work, no
 * ARIA role on a label). `onFiles` gets the chosen files.
 */
export function fileButton(attrs: { id: string; text: Msg; accept: string; multiple?: boolean; inputId: string }, onFiles: (files: File[]) => void): { button: HTMLButtonElement; input: HTMLInputElement } {
  const input = h('input', { type: 'file', id: attrs.inputId, accept: attrs.accept, multiple: attrs.multiple, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
  const button = h('button', { type: 'button', id: attrs.id, text: attrs.text });
  button.addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length) onFiles(files);
  });
  return { button, input };
}

/** Scrolls `el` into view only if part of it is off-screen (keeps the page still otherwise). */
export function revealIfHidden(el: Element): void {
  const r = el.getBoundingClientRect();
  const bottomBar = document.getElementById('run-bar');
  const barH = bottomBar && !bottomBar.hidden ? bottomBar.getBoundingClientRect().height : 0;
  if (r.top < 0 || r.bottom > window.innerHeight - barH) el.scrollIntoView({ block: 'nearest', behavior: 'auto' });
}
