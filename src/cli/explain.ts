/**
 * `cnnkit explain` (the tutorial's worked example, computed by the library's layers) and
 * `cnnkit summary` (the tutorial model's summary).
 */
import * as ck from '../index.js';
import { styles, table, type Io } from './common.js';

/** A matrix as right-aligned columns, indented. */
export function matrixText(m: readonly (readonly number[])[], indent = '  '): string {
  const w = Math.max(...m.flat().map((v) => String(v).length));
  return m.map((row) => indent + row.map((v) => String(v).padStart(w)).join(' ')).join('\n') + '\n';
}

/** Prints the worked example: image, kernel, 'same' and 'valid' convolutions, pooling, parameters. */
export function runExplain(io: Io): void {
  const s = styles(io);
  const ex = ck.tutorial.workedExample();
  const h = ex.image.length, w = ex.image[0].length, k = ex.kernel.length;
  const o = (t: string) => io.out(t);
  o(`${s.bold(`The ${h}x${w} grayscale image`)}\n${matrixText(ex.image)}\n`);
  o(`${s.bold(`The ${k}x${k} kernel (filter)`)}\n${matrixText(ex.kernel)}\n`);
  o(`${s.bold(`Convolution, padding 'same' -> ${ex.same.length}x${ex.same[0].length}`)}\n`);
  o(s.dim(`  Zeros are added around the image so every pixel gets a full ${k}x${k} window; the size stays ${h}x${w}.\n`));
  o(s.dim(`  Top-left: the window [[0,0,0],[0,${ex.image[0][0]},${ex.image[0][1]}],[0,${ex.image[1][0]},${ex.image[1][1]}]] times the kernel, summed = ${ex.same[0][0]}.\n`));
  o(`${matrixText(ex.same)}\n`);
  o(`${s.bold(`Convolution, padding 'valid' -> ${ex.valid.length}x${ex.valid[0].length}`)}\n`);
  o(s.dim(`  Only windows that fit inside the image: ${h}-${k}+1 = ${ex.valid.length} positions each way.\n`));
  o(`${matrixText(ex.valid)}\n`);
  o(`${s.bold(`2x2 max pooling (stride 2) of the 'same' result -> ${ex.pooled.length}x${ex.pooled[0].length}`)}\n`);
  o(s.dim('  Each 2x2 block is replaced by its largest value.\n'));
  o(`${matrixText(ex.pooled)}\n`);
  o(`${s.bold('Parameters of the tutorial model')}\n`);
  o(table(ex.params.map((p) => [p.layer, p.type, p.outputShape, p.formula, p.count]),
    ['layer', 'type', 'output shape', 'formula', 'params']).replace(/^(?=.)/gm, '  '));
  o(`  Total params: ${ex.totalParams.toLocaleString('en-US')}\n`);
}

/** Prints the tutorial model's summary, Keras style. */
export function runSummary(io: Io): void {
  ck.tutorial.buildModel().summary(undefined, undefined, (line: string) => io.out(`${line}\n`));
}
