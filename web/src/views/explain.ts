/**
 * Explain: the tutorial's worked example. A 6x6 image, a 3x3 kernel sliding over it ('same' zero
 * padding or 'valid', stride 1 or 2), then 2x2 max pooling with stride 2. Every output number is
 * computed by the library's layers (ck.tutorial.convolve / maxPool); the page lays out the terms
 * of each dot product next to the library's result.
 */
import * as ck from 'cnnkit';
import { fmt, h } from '../dom.ts';
import { msg, say } from '../i18n/index.ts';
import { gridKeys } from './grid-keys.ts';
import { paramTable } from './param-table.ts';

type Padding = ck.Padding;
const { windowOutput } = ck;

const copy = (m: number[][]): number[][] => m.map((r) => [...r]);

/** What a pixel or a weight may be: a gray level, or a weight of sensible size. */
const LIMITS = { pixel: [0, 255], weight: [-100, 100] } as const;

interface Sel {
  kind: 'conv' | 'pool';
  r: number;
  c: number;
}

export function mountExplain(root: HTMLElement): void {
  const st = {
    image: copy(ck.tutorial.EXAMPLE_IMAGE),
    kernel: copy(ck.tutorial.EXAMPLE_KERNEL),
    padding: 'same' as Padding,
    stride: 1,
    out: [] as number[][],
    pooled: null as number[][] | null,
    sel: { kind: 'conv', r: 0, c: 0 } as Sel | null,
  };
  let timer = 0;

  const paddingSel = h('select', { id: 'padding' },
    h('option', { value: 'same', text: msg('explain.paddingSame') }), h('option', { value: 'valid', text: msg('explain.paddingValid') }));
  const strideSel = h('select', { id: 'stride' }, h('option', { value: '1', text: '1' }), h('option', { value: '2', text: '2' }));
  const prevBtn = h('button', { type: 'button', id: 'step-prev', text: msg('explain.prev') });
  const stepBtn = h('button', { type: 'button', id: 'step-next', text: msg('explain.next') });
  const playBtn = h('button', { type: 'button', id: 'step-play', text: msg('explain.play') });
  const resetBtn = h('button', { type: 'button', id: 'explain-reset', text: msg('explain.reset') });
  const inputGrid = h('div', { class: 'grid input-grid', id: 'input-grid', role: 'group', 'aria-label': msg('explain.imageGrid') });
  const kernelGrid = h('div', { class: 'grid kernel-grid', id: 'kernel-grid', role: 'group', 'aria-label': msg('explain.kernelGrid') });
  const outGrid = h('div', { class: 'grid out-grid', id: 'out-grid', role: 'group', 'aria-label': msg('explain.outGrid') });
  const poolGrid = h('div', { class: 'grid out-grid', id: 'pool-grid', role: 'group', 'aria-label': msg('explain.poolGrid') });
  const sizeNote = h('p', { class: 'note', id: 'size-note' });
  const poolNote = h('p', { class: 'note', id: 'pool-note' });
  const where = h('p', { class: 'where', id: 'explain-where' });
  const terms = h('p', { class: 'terms', id: 'explain-terms' });
  const inputError = h('p', { class: 'field-error', id: 'explain-error', role: 'alert' });
  const outTitle = h('h3');
  const next = h('a', { href: '#train', class: 'button primary', id: 'explain-next', text: msg('explain.nextStep') });

  root.append(
    h('div', { class: 'intro' },
      h('h2', { text: msg('explain.title') }),
      h('p', { text: msg('explain.intro') })),
    h('div', { class: 'controls' },
      h('label', {}, msg('explain.padding'), ' ', paddingSel), h('label', {}, msg('explain.stride'), ' ', strideSel), prevBtn, stepBtn, playBtn, resetBtn),
    h('p', { class: 'note', text: msg('explain.keys') }),
    h('div', { class: 'explain-row' },
      h('div', { class: 'panel' }, h('h3', { text: msg('explain.image') }), inputGrid),
      // Each operator wraps together with the panel it leads to.
      h('div', { class: 'pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '∗' }),
        h('div', { class: 'panel' }, h('h3', { text: msg('explain.kernel') }), kernelGrid)),
      h('div', { class: 'pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '=' }),
        h('div', { class: 'panel' }, outTitle, outGrid, sizeNote)),
      h('div', { class: 'pair pool-pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '→' }),
        h('div', { class: 'panel' }, h('h3', { text: msg('explain.pool') }), poolGrid, poolNote)),
      h('div', { class: 'calc', 'aria-live': 'polite' }, inputError, where, terms)),
  );

  // ---- inputs -----------------------------------------------------------------------------

  /** An editable number; a value outside `limits` (or not a number) is refused with a message. */
  function numberInput(value: number, kind: 'pixel' | 'weight', r: number, c: number, onValue: (v: number) => void): HTMLInputElement {
    const label = msg(kind === 'pixel' ? 'explain.pixelLabel' : 'explain.weightLabel', { row: r + 1, col: c + 1 });
    const input = h('input', { type: 'text', value: String(value), 'aria-label': label, inputmode: 'decimal', autocomplete: 'off', 'data-r': r, 'data-c': c, tabindex: -1 });
    input.addEventListener('input', () => {
      const [lo, hi] = LIMITS[kind];
      const text = input.value.trim();
      const v = Number(text);
      if (text === '' || !Number.isFinite(v) || v < lo || v > hi) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', 'explain-error');
        say(inputError, msg(kind === 'pixel' ? 'explain.badPixel' : 'explain.badWeight', { row: r + 1, col: c + 1, lo, hi, value: text === '' ? msg('explain.nothing') : text }));
        return;
      }
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      if (!root.querySelector('[aria-invalid="true"]')) say(inputError, '');
      onValue(v);
      compute();
    });
    return input;
  }

  function buildKernel(): void {
    kernelGrid.replaceChildren();
    kernelGrid.style.setProperty('--n', '3');
    st.kernel.forEach((row, r) => row.forEach((v, c) => {
      kernelGrid.append(h('div', { class: 'cell kernel' }, numberInput(v, 'weight', r, c, (x) => (st.kernel[r][c] = x))));
    }));
    gridKeys(kernelGrid, 'input');
  }

  /** The image with its ring of zero padding (for 'same'), as cells keyed by image row/column. */
  function buildInput(): void {
    const n = st.image.length, k = st.kernel.length;
    const g = windowOutput(n, k, st.stride, st.padding);
    const side = g.padBefore + n + g.padAfter;
    inputGrid.replaceChildren();
    inputGrid.style.setProperty('--n', String(side));
    for (let pr = 0; pr < side; pr++) {
      for (let pc = 0; pc < side; pc++) {
        const r = pr - g.padBefore, c = pc - g.padBefore;
        const inside = r >= 0 && r < n && c >= 0 && c < n;
        const cell = h('div', { class: inside ? 'cell px' : 'cell pad', 'data-r': r, 'data-c': c, title: inside ? undefined : msg('explain.padTitle') });
        if (inside) cell.append(numberInput(st.image[r][c], 'pixel', r, c, (x) => (st.image[r][c] = x)));
        else cell.append(h('span', { text: '0' }));
        inputGrid.append(cell);
      }
    }
    gridKeys(inputGrid, 'input');
    say(inputError, '');
  }

  // ---- outputs ----------------------------------------------------------------------------

  function outCell(kind: 'conv' | 'pool', r: number, c: number, v: number): HTMLElement {
    const cell = h('button', {
      type: 'button', class: 'cell out', tabindex: -1, id: `${kind === 'conv' ? 'out' : 'pool'}-${r}-${c}`,
      'data-kind': kind, 'data-r': r, 'data-c': c,
      'aria-label': msg(kind === 'conv' ? 'explain.outLabel' : 'explain.poolLabel', { row: r + 1, col: c + 1, value: fmt(v) }),
      text: fmt(v),
    });
    const pick = (): void => select({ kind, r, c });
    cell.addEventListener('mouseenter', pick);
    cell.addEventListener('focus', pick);
    cell.addEventListener('click', pick);
    return cell;
  }

  function compute(): void {
    st.out = ck.tutorial.convolve(st.image, st.kernel, st.padding, st.stride);
    const oh = st.out.length, ow = st.out[0]?.length ?? 0;
    st.pooled = oh >= 2 && ow >= 2 ? ck.tutorial.maxPool(st.out, 2, 2) : null;
    say(outTitle, msg('explain.output', { h: oh, w: ow }));
    const focusedOut = outGrid.contains(document.activeElement) || poolGrid.contains(document.activeElement);
    outGrid.replaceChildren();
    outGrid.style.setProperty('--n', String(ow));
    outGrid.dataset.rows = String(oh);
    outGrid.dataset.cols = String(ow);
    st.out.forEach((row, r) => row.forEach((v, c) => outGrid.append(outCell('conv', r, c, v))));
    poolGrid.replaceChildren();
    if (st.pooled) {
      poolGrid.style.setProperty('--n', String(st.pooled[0].length));
      st.pooled.forEach((row, r) => row.forEach((v, c) => poolGrid.append(outCell('pool', r, c, v))));
      say(poolNote, msg('explain.poolNote', { h: oh, w: ow, ph: st.pooled.length, pw: st.pooled[0].length }));
    } else say(poolNote, msg('explain.poolTooSmall'));
    gridKeys(outGrid, 'button');
    gridKeys(poolGrid, 'button');
    const n = st.image.length, k = st.kernel.length, s = st.stride;
    const g = windowOutput(n, k, s, st.padding);
    const pad = g.padBefore + g.padAfter === 0 ? msg('explain.noPadding') : msg('explain.somePadding', { before: g.padBefore, after: g.padAfter });
    say(sizeNote, st.padding === 'same' ? msg('explain.sizeSame', { n, s, out: g.out, pad }) : msg('explain.sizeValid', { n, k, s, out: g.out }));
    if (st.sel && !cellFor(st.sel)) st.sel = { kind: 'conv', r: 0, c: 0 };
    select(st.sel);
    if (focusedOut && st.sel) cellFor(st.sel)?.focus();
  }

  function cellFor(sel: Sel): HTMLElement | null {
    return root.querySelector<HTMLElement>(`#${sel.kind === 'conv' ? 'out' : 'pool'}-${sel.r}-${sel.c}`);
  }

  function clearMarks(): void {
    for (const el of root.querySelectorAll<HTMLElement>('.win, .sel, .poolwin')) {
      el.classList.remove('win', 'sel', 'poolwin');
      delete el.dataset.k;
    }
  }

  function select(sel: Sel | null): void {
    st.sel = sel;
    clearMarks();
    if (!sel) return;
    const cell = cellFor(sel);
    if (!cell) return;
    cell.classList.add('sel');
    // The selected cell is where Tab enters its grid.
    for (const b of (cell.parentElement as HTMLElement).querySelectorAll('button')) b.tabIndex = b === cell ? 0 : -1;
    if (sel.kind === 'conv') explainConv(sel.r, sel.c);
    else explainPool(sel.r, sel.c);
  }

  /** Highlights the window under output (r, c) and writes its dot product term by term. */
  function explainConv(r: number, c: number): void {
    const n = st.image.length, k = st.kernel.length;
    const g = windowOutput(n, k, st.stride, st.padding);
    const top = r * st.stride - g.padBefore, left = c * st.stride - g.padBefore;
    const parts: string[] = [];
    let sum = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const y = top + i, x = left + j;
        const inside = y >= 0 && y < n && x >= 0 && x < n;
        const p = inside ? st.image[y][x] : 0;
        const w = st.kernel[i][j];
        parts.push(`${fmt(p)}*${fmt(w)}`);
        sum += p * w;
        const el = inputGrid.querySelector<HTMLElement>(`.cell[data-r="${y}"][data-c="${x}"]`);
        if (el) {
          el.classList.add('win');
          el.dataset.k = `×${fmt(w)}`;
        }
      }
    }
    const value = st.out[r][c];
    // Image rows and columns are counted from 1 inside the image; the padding ring is not a row.
    const r0 = Math.max(top, 0) + 1, r1 = Math.min(top + k, n), c0 = Math.max(left, 0) + 1, c1 = Math.min(left + k, n);
    const padded = top < 0 || left < 0 || top + k > n || left + k > n;
    say(where, msg(padded ? 'explain.wherePadded' : 'explain.where', { row: r + 1, col: c + 1, r0, r1, c0, c1, k }));
    const formula = `${parts.join(' + ')} = ${fmt(value)}`;
    const differs = Math.abs(sum - value) > 1e-3 * Math.max(1, Math.abs(sum));
    say(terms, differs ? msg('explain.termsDiffer', { formula, sum: fmt(sum) }) : formula);
  }

  function explainPool(r: number, c: number): void {
    const vals: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const y = 2 * r + i, x = 2 * c + j;
        if (y < st.out.length && x < st.out[0].length) {
          vals.push(st.out[y][x]);
          root.querySelector(`#out-${y}-${x}`)?.classList.add('poolwin');
        }
      }
    }
    const value = (st.pooled as number[][])[r][c];
    say(where, msg('explain.wherePool', { row: r + 1, col: c + 1, r0: 2 * r + 1, r1: 2 * r + 2, c0: 2 * c + 1, c1: 2 * c + 2 }));
    say(terms, `max(${vals.map(fmt).join(', ')}) = ${fmt(value)}`);
  }

  // ---- stepping ---------------------------------------------------------------------------

  function step(delta: number): boolean {
    const oh = st.out.length, ow = st.out[0].length;
    const cur = st.sel?.kind === 'conv' ? st.sel.r * ow + st.sel.c : -1;
    const nextIndex = cur + delta;
    if (nextIndex < 0 || nextIndex >= oh * ow) return false;
    select({ kind: 'conv', r: Math.floor(nextIndex / ow), c: nextIndex % ow });
    return true;
  }

  function stopPlay(): void {
    window.clearInterval(timer);
    timer = 0;
    say(playBtn, msg('explain.play'));
  }

  prevBtn.addEventListener('click', () => step(-1));
  stepBtn.addEventListener('click', () => {
    if (!step(1)) select({ kind: 'conv', r: 0, c: 0 });
  });
  playBtn.addEventListener('click', () => {
    if (timer) return stopPlay();
    if (st.sel?.kind !== 'conv' || !step(1)) select({ kind: 'conv', r: 0, c: 0 });
    say(playBtn, msg('explain.pause'));
    timer = window.setInterval(() => {
      if (!step(1)) stopPlay();
    }, 700);
  });
  const rebuild = (): void => {
    buildInput();
    compute();
  };
  paddingSel.addEventListener('change', () => {
    st.padding = paddingSel.value as Padding;
    rebuild();
  });
  strideSel.addEventListener('change', () => {
    st.stride = Number(strideSel.value);
    rebuild();
  });
  resetBtn.addEventListener('click', () => {
    stopPlay();
    st.image = copy(ck.tutorial.EXAMPLE_IMAGE);
    st.kernel = copy(ck.tutorial.EXAMPLE_KERNEL);
    st.padding = 'same';
    st.stride = 1;
    paddingSel.value = 'same';
    strideSel.value = '1';
    st.sel = { kind: 'conv', r: 0, c: 0 };
    buildKernel();
    rebuild();
  });

  buildKernel();
  rebuild();
  root.append(paramTable(), h('p', { class: 'next-step' }, next));
}
