/**
 * Explain: the tutorial's worked example. A 6x6 image, a 3x3 kernel sliding over it ('same' zero
 * padding or 'valid', stride 1 or 2), then 2x2 max pooling with stride 2. Every output number is
 * computed by the library's layers (ck.tutorial.convolve / maxPool); the page only lays out the
 * terms of each dot product next to the library's result.
 */
import * as ck from 'cnnkit';
import { fmt, h, thousands } from './dom.ts';

type Padding = ck.Padding;
const { windowOutput } = ck;

const copy = (m: number[][]): number[][] => m.map((r) => [...r]);

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

  const paddingSel = h('select', { id: 'padding', 'aria-label': 'Padding' },
    h('option', { value: 'same', text: "'same' (zero padding)" }), h('option', { value: 'valid', text: "'valid' (no padding)" }));
  const strideSel = h('select', { id: 'stride', 'aria-label': 'Stride' }, h('option', { value: '1', text: '1' }), h('option', { value: '2', text: '2' }));
  const prevBtn = h('button', { type: 'button', id: 'step-prev', text: '◀ Previous' });
  const stepBtn = h('button', { type: 'button', id: 'step-next', text: 'Step ▶' });
  const playBtn = h('button', { type: 'button', id: 'step-play', text: 'Play' });
  const resetBtn = h('button', { type: 'button', id: 'explain-reset', text: 'Reset to the tutorial values' });
  const inputGrid = h('div', { class: 'grid input-grid', id: 'input-grid', role: 'group', 'aria-label': 'Input image (editable pixels)' });
  const kernelGrid = h('div', { class: 'grid kernel-grid', id: 'kernel-grid', role: 'group', 'aria-label': 'Kernel (editable)' });
  const outGrid = h('div', { class: 'grid out-grid', id: 'out-grid', role: 'group', 'aria-label': 'Convolution output' });
  const poolGrid = h('div', { class: 'grid out-grid', id: 'pool-grid', role: 'group', 'aria-label': 'Max pooling output' });
  const sizeNote = h('p', { class: 'note', id: 'size-note' });
  const poolNote = h('p', { class: 'note', id: 'pool-note' });
  const where = h('p', { class: 'where', id: 'explain-where' });
  const terms = h('p', { class: 'terms', id: 'explain-terms' });
  const outTitle = h('h3', { text: 'Output' });

  root.append(
    h('div', { class: 'intro' },
      h('h2', { text: 'How a convolution layer computes' }),
      h('p', { text: 'A 3x3 kernel slides over the image; at each position the output is the sum of pixel × weight over the 9 cells under it. Hover, focus or step through the output cells. Edit any pixel or weight: each number below comes from cnnkit\'s own conv2d and maxPooling2d layers.' })),
    h('div', { class: 'controls' },
      h('label', {}, 'Padding ', paddingSel), h('label', {}, 'Stride ', strideSel), prevBtn, stepBtn, playBtn, resetBtn),
    h('div', { class: 'explain-row' },
      h('div', { class: 'panel' }, h('h3', { text: 'Image (6x6)' }), inputGrid),
      // Each operator wraps together with the panel it leads to.
      h('div', { class: 'pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '∗' }),
        h('div', { class: 'panel' }, h('h3', { text: 'Kernel (3x3)' }), kernelGrid)),
      h('div', { class: 'pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '=' }),
        h('div', { class: 'panel' }, outTitle, outGrid, sizeNote)),
      h('div', { class: 'pair pool-pair' }, h('div', { class: 'panel op', 'aria-hidden': 'true', text: '→' }),
        h('div', { class: 'panel' }, h('h3', { text: 'Max pool 2x2, stride 2' }), poolGrid, poolNote)),
      h('div', { class: 'calc', 'aria-live': 'polite' }, where, terms)),
  );

  // ---- inputs -----------------------------------------------------------------------------

  function numberInput(value: number, label: string, onValue: (v: number) => void): HTMLInputElement {
    const input = h('input', { type: 'number', step: 'any', value: String(value), 'aria-label': label, inputmode: 'decimal' });
    input.addEventListener('input', () => {
      const v = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(v)) {
        input.setAttribute('aria-invalid', 'true');
        return;
      }
      input.removeAttribute('aria-invalid');
      onValue(v);
      compute();
    });
    return input;
  }

  function buildKernel(): void {
    kernelGrid.replaceChildren();
    kernelGrid.style.setProperty('--n', '3');
    st.kernel.forEach((row, r) => row.forEach((v, c) => {
      kernelGrid.append(h('div', { class: 'cell kernel' }, numberInput(v, `kernel row ${r + 1} column ${c + 1}`, (x) => (st.kernel[r][c] = x))));
    }));
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
        const cell = h('div', { class: inside ? 'cell px' : 'cell pad', 'data-r': r, 'data-c': c, title: inside ? undefined : 'zero padding' });
        if (inside) cell.append(numberInput(st.image[r][c], `pixel row ${r + 1} column ${c + 1}`, (x) => (st.image[r][c] = x)));
        else cell.append(h('span', { text: '0' }));
        inputGrid.append(cell);
      }
    }
  }

  // ---- outputs ----------------------------------------------------------------------------

  function outCell(kind: 'conv' | 'pool', r: number, c: number, v: number): HTMLElement {
    const cell = h('div', {
      class: 'cell out', role: 'button', tabindex: 0, id: `${kind === 'conv' ? 'out' : 'pool'}-${r}-${c}`,
      'data-kind': kind, 'data-r': r, 'data-c': c, 'aria-label': `${kind === 'conv' ? 'output' : 'pooled'} row ${r + 1} column ${c + 1}: ${fmt(v)}`,
      text: fmt(v),
    });
    const pick = (): void => select({ kind, r, c });
    cell.addEventListener('mouseenter', pick);
    cell.addEventListener('focus', pick);
    cell.addEventListener('keydown', (e) => moveFocus(e, kind, r, c));
    return cell;
  }

  function moveFocus(e: KeyboardEvent, kind: 'conv' | 'pool', r: number, c: number): void {
    const d: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const step = d[e.key];
    if (!step) return;
    const next = root.querySelector<HTMLElement>(`#${kind === 'conv' ? 'out' : 'pool'}-${r + step[0]}-${c + step[1]}`);
    if (next) {
      e.preventDefault();
      next.focus();
    }
  }

  function compute(): void {
    st.out = ck.tutorial.convolve(st.image, st.kernel, st.padding, st.stride);
    const oh = st.out.length, ow = st.out[0]?.length ?? 0;
    st.pooled = oh >= 2 && ow >= 2 ? ck.tutorial.maxPool(st.out, 2, 2) : null;
    outTitle.textContent = `Output (${oh}x${ow})`;
    outGrid.replaceChildren();
    outGrid.style.setProperty('--n', String(ow));
    outGrid.dataset.rows = String(oh);
    outGrid.dataset.cols = String(ow);
    st.out.forEach((row, r) => row.forEach((v, c) => outGrid.append(outCell('conv', r, c, v))));
    poolGrid.replaceChildren();
    if (st.pooled) {
      poolGrid.style.setProperty('--n', String(st.pooled[0].length));
      st.pooled.forEach((row, r) => row.forEach((v, c) => poolGrid.append(outCell('pool', r, c, v))));
      poolNote.textContent = `${oh}x${ow} → ${st.pooled.length}x${st.pooled[0].length}: the largest of each 2x2 block.`;
    } else poolNote.textContent = 'The output is too small to pool.';
    const n = st.image.length, k = st.kernel.length, s = st.stride;
    const g = windowOutput(n, k, s, st.padding);
    sizeNote.textContent = st.padding === 'same'
      ? `'same': ceil(${n} / ${s}) = ${g.out} per side; ${g.padBefore + g.padAfter === 0 ? 'no' : `${g.padBefore} before + ${g.padAfter} after of`} zero padding.`
      : `'valid': floor((${n} − ${k}) / ${s}) + 1 = ${g.out} per side: only where the kernel fits.`;
    if (st.sel && !cellFor(st.sel)) st.sel = { kind: 'conv', r: 0, c: 0 };
    select(st.sel);
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
    const rows = `${top + 1}–${top + k}`, cols = `${left + 1}–${left + k}`;
    const padded = top < 0 || left < 0 || top + k > n || left + k > n;
    where.textContent = `Output row ${r + 1}, column ${c + 1}: the kernel covers image rows ${rows}, columns ${cols}${padded ? ' (cells outside the image are zero padding)' : ''}.`;
    terms.textContent = `${parts.join(' + ')} = ${fmt(value)}`;
    if (Math.abs(sum - value) > 1e-3 * Math.max(1, Math.abs(sum))) terms.textContent += ` (the terms add up to ${fmt(sum)})`;
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
    where.textContent = `Pooled row ${r + 1}, column ${c + 1}: the 2x2 block at output rows ${2 * r + 1}–${2 * r + 2}, columns ${2 * c + 1}–${2 * c + 2}.`;
    terms.textContent = `max(${vals.map(fmt).join(', ')}) = ${fmt(value)}`;
  }

  // ---- stepping ---------------------------------------------------------------------------

  function step(delta: number): boolean {
    const oh = st.out.length, ow = st.out[0].length;
    const cur = st.sel?.kind === 'conv' ? st.sel.r * ow + st.sel.c : -1;
    const next = cur + delta;
    if (next < 0 || next >= oh * ow) return false;
    select({ kind: 'conv', r: Math.floor(next / ow), c: next % ow });
    return true;
  }

  function stopPlay(): void {
    window.clearInterval(timer);
    timer = 0;
    playBtn.textContent = 'Play';
    playBtn.setAttribute('aria-pressed', 'false');
  }

  prevBtn.addEventListener('click', () => step(-1));
  stepBtn.addEventListener('click', () => {
    if (!step(1)) select({ kind: 'conv', r: 0, c: 0 });
  });
  playBtn.addEventListener('click', () => {
    if (timer) return stopPlay();
    if (st.sel?.kind !== 'conv' || !step(1)) select({ kind: 'conv', r: 0, c: 0 });
    playBtn.textContent = 'Pause';
    playBtn.setAttribute('aria-pressed', 'true');
    timer = window.setInterval(() => {
      if (!step(1)) stopPlay();
    }, 700);
  });
  paddingSel.addEventListener('change', () => {
    st.padding = paddingSel.value as Padding;
    buildInput();
    compute();
  });
  strideSel.addEventListener('change', () => {
    st.stride = Number(strideSel.value);
    buildInput();
    compute();
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
    buildInput();
    compute();
  });

  buildKernel();
  buildInput();
  compute();
  root.append(paramTable());
}

/** The tutorial model's layers: output shapes and parameter counts with their formulas. */
function paramTable(): HTMLElement {
  const model = ck.tutorial.buildModel();
  const rows = ck.tutorial.paramRows(model);
  const table = h('table', { class: 'params', id: 'param-table' },
    h('caption', { text: 'The tutorial model, layer by layer (from the real layers)' }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Layer (type)' }), h('th', { scope: 'col', text: 'Output shape' }),
      h('th', { scope: 'col', text: 'Parameters' }), h('th', { scope: 'col', text: 'Count' }))));
  const body = h('tbody');
  for (const r of rows) {
    body.append(h('tr', {}, h('th', { scope: 'row' }, h('span', { text: r.layer }), ' ', h('span', { class: 'type', text: `(${r.type})` })),
      h('td', { class: 'mono', text: r.outputShape }), h('td', { class: 'mono', text: r.count ? `${r.formula} = ${thousands(r.count)}` : r.formula }),
      h('td', { class: 'num', text: thousands(r.count) })));
  }
  table.append(body, h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 3, text: 'Total trainable parameters' }),
    h('td', { class: 'num', id: 'param-total', text: thousands(model.countParams()) }))));
  return h('div', { class: 'table-wrap' }, h('h2', { text: 'The tutorial CNN' }),
    h('p', { text: 'A conv2d layer has (kernel height × kernel width × input channels + 1 bias) × filters weights; a dense layer (inputs + 1) × units. Pooling and flatten have none.' }),
    table);
}
