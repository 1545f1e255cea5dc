/**
 * Charts as Vega-Lite specifications, compiled to Vega and rendered headless to SVG (no canvas,
 * no browser); PNG copies come from resvg with the bundled font.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ValueError } from '../errors.js';
import { historyEpochs, type ClassAccuracy, type HistoryRecord } from './analysis.js';
import { svgToPng } from './render.js';

/** A Vega-Lite specification (kept loose: the specs here are plain JSON). */
export type ChartSpec = Record<string, unknown>;

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#cccccc' },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal' },
  legend: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 15 },
};

/** Renders a Vega-Lite specification to an SVG document (headless, `renderer: 'none'`). */
export async function vegaLiteToSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config as object | undefined) } };
  const vgSpec = compile(withConfig as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart rendered both ways. */
export interface ChartFiles {
  svg: string;
  png: Uint8Array;
}

/** Renders a Vega-Lite specification to SVG and to PNG (at `scale`, default 2). */
export async function renderChart(spec: ChartSpec, scale = 2): Promise<ChartFiles> {
  const svg = await vegaLiteToSvg(spec);
  return { svg, png: await svgToPng(svg, scale) };
}

function series(history: HistoryRecord, names: readonly string[]): { epoch: number; value: number; series: string }[] {
  const rows: { epoch: number; value: number; series: string }[] = [];
  for (const name of names) {
    (history[name] ?? []).forEach((value, e) => {
      if (Number.isFinite(value)) rows.push({ epoch: e + 1, value, series: name });
    });
  }
  return rows;
}

function lineChart(title: string, yTitle: string, rows: ReturnType<typeof series>, epochs: number,
  yScale: Record<string, unknown>): ChartSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 300,
    background: 'white',
    data: { values: rows },
    mark: { type: 'line', point: { size: 50 }, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'epoch', type: 'ordinal', title: 'Epoch',
        scale: { domain: Array.from({ length: Math.max(1, epochs) }, (_, i) => i + 1), padding: 0.5 },
        axis: { labelAngle: 0 },
      },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: yScale },
      color: {
        field: 'series', type: 'nominal', title: null,
        scale: { range: ['#1f77b4', '#ff7f0e'] },
        legend: { orient: 'right' },
      },
    },
  };
}

/**
 * Accuracy and val_accuracy per epoch with the tutorial's 0.5-1 y range. When a value falls below
 * 0.5 (short or early runs) the lower bound moves down to a tenth at least 0.05 below it, so no
 * point is hidden or sits on the axis.
 */
export function accuracySpec(history: HistoryRecord): ChartSpec {
  const names = ['accuracy', 'val_accuracy'].filter((n) => history[n]?.length);
  if (names.length === 0) throw new ValueError('accuracySpec: the history has no accuracy values');
  const rows = series(history, names);
  const min = Math.min(...rows.map((r) => r.value));
  const lo = min >= 0.5 ? 0.5 : Math.max(0, Math.floor(min * 10 - 0.5) / 10);
  return lineChart('Accuracy', 'Accuracy', rows, historyEpochs(history), { domain: [lo, 1], clamp: true });
}

/** Loss and val_loss per epoch, y from zero. */
export function lossSpec(history: HistoryRecord): ChartSpec {
  const names = ['loss', 'val_loss'].filter((n) => history[n]?.length);
  if (names.length === 0) throw new ValueError('lossSpec: the history has no loss values');
  return lineChart('Loss', 'Loss', series(history, names), historyEpochs(history), { zero: true });
}

/**
 * A confusion matrix heat map (rows: true class, columns: predicted class, cells: counts, shaded by
 * the share of the row) beside a bar chart of per-class accuracy.
 */
export function confusionSpec(matrix: number[][], classNames: readonly string[], perClass: readonly ClassAccuracy[]): ChartSpec {
  const cells: { t: string; p: string; count: number; share: number }[] = [];
  matrix.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => cells.push({ t: classNames[t], p: classNames[p], count, share: total ? count / total : 0 }));
  });
  const order = [...classNames];
  const size = 36 * classNames.length;
  const overall = matrix.reduce((a, r, i) => a + r[i], 0) / Math.max(1, matrix.flat().reduce((a, b) => a + b, 0));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Confusion matrix (test set)', subtitle: `overall accuracy ${(overall * 100).toFixed(1)}%` },
    background: 'white',
    hconcat: [
      {
        width: size,
        height: size,
        data: { values: cells },
        encoding: {
          x: { field: 'p', type: 'nominal', sort: order, title: 'Predicted class', axis: { labelAngle: -45 } },
          y: { field: 't', type: 'nominal', sort: order, title: 'True class' },
        },
        layer: [
          {
            mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
            encoding: {
              color: {
                field: 'share', type: 'quantitative', title: 'share of row',
                scale: { scheme: 'blues', domain: [0, 1] }, legend: { format: '.0%' },
              },
            },
          },
          {
            mark: { type: 'text', fontSize: 11 },
            encoding: {
              text: { field: 'count', type: 'quantitative' },
              color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#222222' },
            },
          },
        ],
      },
      {
        width: 200,
        height: size,
        title: 'Per-class accuracy',
        data: { values: perClass.map((r) => ({ name: r.name, accuracy: r.accuracy, support: r.support })) },
        encoding: {
          y: { field: 'name', type: 'nominal', sort: order, title: null },
          x: { field: 'accuracy', type: 'quantitative', title: 'Accuracy', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        },
        layer: [
          { mark: { type: 'bar', color: '#1f77b4' } },
          {
            mark: { type: 'text', align: 'left', dx: 3, fontSize: 11 },
            encoding: { text: { field: 'accuracy', type: 'quantitative', format: '.1%' } },
          },
        ],
      },
    ],
  };
}
