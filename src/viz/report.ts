/**
 * `report.html`: one self-contained page (inline CSS, no scripts, no server) that shows a training
 * run. Pictures and data files are referenced by relative paths, so the page works opened from
 * disk next to the files it names.
 */
import { historyColumns, historyEpochs, type ClassAccuracy, type HistoryRecord } from './analysis.js';
import { escapeXml as esc } from './render.js';

/** Relative paths of the run's files, as written next to `report.html`. Omitted ones are left out. */
export interface ReportFiles {
  samples?: string;
  accuracySvg?: string;
  accuracyPng?: string;
  lossSvg?: string;
  lossPng?: string;
  confusionSvg?: string;
  confusionPng?: string;
  misclassified?: string;
  historyJson?: string;
  historyCsv?: string;
  perClass?: string;
  model?: string;
}

/** Everything the report shows. */
export interface ReportData {
  title?: string;
  /** ISO time the run finished. */
  createdAt: string;
  /** Run settings shown as a table (epochs, batch size, seed, data source, ...). */
  settings: Record<string, string | number>;
  /** The model summary as printed. */
  summary?: string;
  test?: { loss: number; accuracy: number };
  /** What the held-out images are called: 'test' (default) or 'validation' (a split of the training folder). */
  heldOutName?: 'test' | 'validation';
  history: HistoryRecord;
  perClass?: readonly ClassAccuracy[];
  files: ReportFiles;
  /** Extra remarks (e.g. why the model was not saved). */
  notes?: readonly string[];
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.muted{color:#666}.cards{display:flex;gap:16px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 18px;min-width:150px}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums}
td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}th{background:#f0f0f0}
td.l,th.l{text-align:left}
figure{margin:0;background:#fff;border:1px solid #ddd;border-radius:8px;padding:8px;display:inline-block;max-width:100%}
figure img{max-width:100%;height:auto;display:block}
figcaption{color:#666;font-size:.9em;margin-top:4px}
.row{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.row figure{flex:1 1 420px}
pre{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px;overflow-x:auto;font-size:12px}
ul.files{columns:2}
`;

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '' : v.toFixed(digits);
}

function figure(src: string | undefined, alt: string, caption: string, png?: string): string {
  if (!src) return '';
  const alsoPng = png ? ` (<a href="${esc(png)}">PNG</a>)` : '';
  return `<figure><img src="${esc(src)}" alt="${esc(alt)}"><figcaption>${esc(caption)}${alsoPng}</figcaption></figure>`;
}

function historyTable(history: HistoryRecord): string {
  const cols = historyColumns(history);
  const n = historyEpochs(history);
  if (n === 0) return '<p class="muted">No epochs were recorded.</p>';
  const head = `<tr><th>epoch</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const rows = Array.from({ length: n }, (_, e) =>
    `<tr><td>${e + 1}</td>${cols.map((c) => `<td>${fmt(history[c][e])}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${rows}</table>`;
}

function perClassTable(rows: readonly ClassAccuracy[]): string {
  const body = rows.map((r) => `<tr><td class="l">${esc(r.name)}</td><td>${r.support}</td><td>${r.correct}</td>` +
    `<td>${(r.accuracy * 100).toFixed(1)}%</td><td class="l">${esc(r.mostConfusedWith ?? '')}</td></tr>`).join('');
  return `<table><tr><th class="l">class</th><th>images</th><th>correct</th><th>accuracy</th>` +
    `<th class="l">most often taken for</th></tr>${body}</table>`;
}

/** Builds the report page. */
export function reportHtml(d: ReportData): string {
  const f = d.files;
  const title = d.title ?? 'cnnkit: CIFAR-10 tutorial run';
  const settings = Object.entries(d.settings)
    .map(([k, v]) => `<tr><th class="l">${esc(k)}</th><td class="l">${esc(String(v))}</td></tr>`).join('');
  const held = d.heldOutName ?? 'test';
  const cards = d.test
    ? `<div class="cards"><div class="card">${held} accuracy<b>${(d.test.accuracy * 100).toFixed(2)}%</b></div>` +
      `<div class="card">${held} loss<b>${fmt(d.test.loss)}</b></div>` +
      `<div class="card">epochs<b>${historyEpochs(d.history)}</b></div></div>`
    : '';
  const links: [string | undefined, string][] = [
    [f.historyJson, 'training history (JSON)'], [f.historyCsv, 'training history (CSV)'],
    [f.perClass, 'per-class accuracy'], [f.model, 'saved model'],
    [f.accuracySvg, 'accuracy chart (SVG)'], [f.accuracyPng, 'accuracy chart (PNG)'],
    [f.lossSvg, 'loss chart (SVG)'], [f.lossPng, 'loss chart (PNG)'],
    [f.confusionSvg, 'confusion matrix (SVG)'], [f.confusionPng, 'confusion matrix (PNG)'],
    [f.samples, 'sample images (PNG)'], [f.misclassified, 'misclassified images (PNG)'],
  ];
  const fileList = links.filter(([p]) => p).map(([p, label]) => `<li><a href="${esc(p!)}">${esc(p!)}</a>: ${esc(label)}</li>`).join('');
  const notes = d.notes?.length ? `<ul>${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1><p class="muted">Finished ${esc(d.createdAt)}</p>
${cards}${notes}
<h2>Run</h2><table>${settings}</table>
${f.samples ? `<h2>Training images</h2>${figure(f.samples, 'A grid of training images with their class names', 'The first training images and their labels')}` : ''}
${d.summary ? `<h2>Model</h2><pre>${esc(d.summary)}</pre>` : ''}
<h2>Training</h2><div class="row">
${figure(f.accuracySvg, 'Accuracy and validation accuracy per epoch', 'accuracy and val_accuracy per epoch', f.accuracyPng)}
${figure(f.lossSvg, 'Loss and validation loss per epoch', 'loss and val_loss per epoch', f.lossPng)}
</div>
<h3>History</h3>${historyTable(d.history)}
${f.confusionSvg || d.perClass ? `<h2>${held === 'test' ? 'Test' : 'Validation'} set</h2>` : ''}
${figure(f.confusionSvg, `Confusion matrix of the ${held} set and per-class accuracy`, 'rows: true class; columns: predicted class', f.confusionPng)}
${d.perClass ? `<h3>Per-class accuracy</h3>${perClassTable(d.perClass)}` : ''}
${f.misclassified ? `<h2>Mistakes</h2>${figure(f.misclassified, `Misclassified ${held} images`, 'The most confident mistakes: true class, then the prediction and its probability')}` : ''}
<h2>Files</h2><ul class="files">${fileList}</ul>
</main></body></html>
`;
}

/** The relative `src` and `href` targets in a report page (for checks that they all exist). */
export function reportReferences(html: string): string[] {
  const out = new Set<string>();
  for (const m of html.matchAll(/\s(?:src|href)="([^"]+)"/g)) {
    const v = m[1].replace(/&amp;/g, '&');
    if (!/^[a-z]+:/i.test(v) && !v.startsWith('#')) out.add(v);
  }
  return [...out];
}
