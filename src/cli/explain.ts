/**
 * `cnnkit explain` (the tutorial's worked example, computed by the library's layers) and
 * `cnnkit summary` (the tutorial model's summary).
 */
import * as ck from '../index.js';
import { styles, table, type Io } from './common.js';
import { EXPLAIN_TEXT, langFromEnv, type CliLang } from './explain-text.js';

/** A matrix as right-aligned columns, indented. */
export function matrixText(m: readonly (readonly number[])[], indent = '  '): string {
  const w = Math.max(...m.flat().map((v) => String(v).length));
  return m.map((row) => indent + row.map((v) => String(v).padStart(w)).join(' ')).join('\n') + '\n';
}

/**
 * Prints the worked example: image, kernel, 'same' and 'valid' convolutions, pooling, parameters,
 * in `lang` (default: the locale's language, see {@link langFromEnv}).
 */
export function runExplain(io: Io, options: { lang?: CliLang } = {}): void {
  const s = styles(io);
  const say = EXPLAIN_TEXT[options.lang ?? langFromEnv(io.env)];
  const ex = ck.tutorial.workedExample();
  const h = ex.image.length, w = ex.image[0].length, k = ex.kernel.length;
  const o = (t: string) => io.out(t);
  const note = (t: string) => o(s.dim(`  ${t}\n`));
  o(`${s.bold(say.image(h, w))}\n${matrixText(ex.image)}\n`);
  o(`${s.bold(say.kernel(k))}\n${matrixText(ex.kernel)}\n`);
  o(`${s.bold(say.same(ex.same.length, ex.same[0].length))}\n`);
  note(say.sameWhy(k, h, w));
  note(say.sameCorner(`[[0,0,0],[0,${ex.image[0][0]},${ex.image[0][1]}],[0,${ex.image[1][0]},${ex.image[1][1]}]]`, ex.same[0][0]));
  o(`${matrixText(ex.same)}\n`);
  o(`${s.bold(say.valid(ex.valid.length, ex.valid[0].length))}\n`);
  note(say.validWhy(h, k, ex.valid.length));
  o(`${matrixText(ex.valid)}\n`);
  o(`${s.bold(say.pooled(ex.pooled.length, ex.pooled[0].length))}\n`);
  note(say.pooledWhy);
  o(`${matrixText(ex.pooled)}\n`);
  o(`${s.bold(say.params)}\n`);
  o(table(ex.params.map((p) => [p.layer, p.type, p.outputShape, p.count ? p.formula : say.noWeights, p.count]), say.columns).replace(/^(?=.)/gm, '  '));
  o(`  ${say.total(ex.totalParams.toLocaleString('en-US'))}\n`);
}

/** Prints the tutorial model's summary, Keras style. */
export function runSummary(io: Io): void {
  ck.tutorial.buildModel().summary(undefined, undefined, (line: string) => io.out(`${line}\n`));
}
