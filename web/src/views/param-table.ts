/** The tutorial model's layers: output shapes and parameter counts with their formulas (from the real layers). */
import * as ck from 'cnnkit';
import { h, thousands } from '../dom.ts';
import { msg } from '../i18n/index.ts';

export function paramTable(): HTMLElement {
  // Fresh layer names (conv2d, conv2d_1, ...), the ones the engine's models get too.
  ck.clearSession();
  const model = ck.tutorial.buildModel();
  const rows = ck.tutorial.paramRows(model);
  const table = h('table', { class: 'params', id: 'param-table' },
    h('caption', { text: msg('params.caption') }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: msg('params.layer') }), h('th', { scope: 'col', text: msg('params.shape') }),
      h('th', { scope: 'col', text: msg('params.formula') }), h('th', { scope: 'col', text: msg('params.count') }))));
  const body = h('tbody');
  for (const r of rows) {
    body.append(h('tr', {}, h('th', { scope: 'row' }, h('span', { class: 'layer-name', text: r.layer }), ' ', h('span', { class: 'type', text: `(${r.type})` })),
      h('td', { class: 'mono', text: r.outputShape }),
      h('td', { class: 'mono', text: r.count ? `${r.formula} = ${thousands(r.count)}` : msg('params.none') }),
      h('td', { class: 'num', text: thousands(r.count) })));
  }
  table.append(body, h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: 3, text: msg('params.total') }),
    h('td', { class: 'num', id: 'param-total', text: thousands(model.countParams()) }))));
  for (const w of model.weights) w.dispose();
  return h('div', { class: 'table-wrap' }, h('h2', { text: msg('params.title') }), h('p', { text: msg('params.intro') }), table);
}
