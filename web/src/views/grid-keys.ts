/**
 * Arrow keys in a grid of cells (the Explain view's pixels, weights and outputs): the grid is one
 * Tab stop (roving tabindex), arrows move between cells. In a text field, Left/Right move the caret
 * and leave the cell only from its first or last character; Up/Down always move.
 */
const MOVES: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

function items(grid: HTMLElement, kind: 'input' | 'button'): HTMLElement[] {
  return [...grid.querySelectorAll<HTMLElement>(`${kind}[data-r]`)];
}

function rove(grid: HTMLElement, kind: 'input' | 'button', to: HTMLElement): void {
  for (const el of items(grid, kind)) el.tabIndex = el === to ? 0 : -1;
}

/** Makes `grid` one Tab stop whose `kind` cells (with data-r/data-c) are reached with the arrows. */
export function gridKeys(grid: HTMLElement, kind: 'input' | 'button'): void {
  const all = items(grid, kind);
  if (all.length && !all.some((el) => el.tabIndex === 0)) rove(grid, kind, all[0]);
  if (grid.dataset.keys) return;
  grid.dataset.keys = kind;
  grid.addEventListener('focusin', (e) => {
    const el = e.target as HTMLElement;
    if (el.matches(`${kind}[data-r]`)) rove(grid, kind, el);
  });
  grid.addEventListener('keydown', (e) => {
    const move = MOVES[e.key];
    const el = e.target as HTMLElement;
    if (!move || !el.matches(`${kind}[data-r]`) || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (el instanceof HTMLInputElement && move[0] === 0) {
      const atStart = el.selectionStart === 0 && el.selectionEnd === 0;
      const atEnd = el.selectionStart === el.value.length && el.selectionEnd === el.value.length;
      const all = el.selectionStart === 0 && el.selectionEnd === el.value.length;
      if (!all && ((move[1] < 0 && !atStart) || (move[1] > 0 && !atEnd))) return;
    }
    e.preventDefault();
    const r = Number(el.dataset.r) + move[0], c = Number(el.dataset.c) + move[1];
    const next = grid.querySelector<HTMLElement>(`${kind}[data-r="${r}"][data-c="${c}"]`);
    if (!next) return;
    next.focus();
    if (next instanceof HTMLInputElement) next.select();
  });
}
