/**
 * Pictures and reports for training runs: captioned image grids (PNG), training curves and
 * confusion matrices (Vega-Lite to SVG and PNG), a terminal preview, and `report.html`.
 */
export { Canvas, encodePng, pngSize, parseHex, type Rgb } from './canvas.js';
export { initRenderer, renderSvg, svgToPng, escapeXml, FONT_FAMILY, type RenderOptions, type Rendered } from './render.js';
export { imageGrid, sampleIndices, type Caption, type CaptionLine, type GridOptions, type GridCell, type GridImage } from './grid.js';
export {
  argmaxRows, confusionMatrix, perClassAccuracy, perClassCsv, misclassified, historyCsv, historyColumns, historyEpochs,
  type ClassAccuracy, type Mistake, type HistoryRecord, type LabelArray,
} from './analysis.js';
export { vegaLiteToSvg, renderChart, accuracySpec, lossSpec, confusionSpec, type ChartSpec, type ChartFiles } from './charts.js';
export { supportsTrueColor, terminalPreview, type TerminalInfo, type PreviewOptions } from './terminal.js';
export { reportHtml, reportReferences, type ReportData, type ReportFiles } from './report.js';
