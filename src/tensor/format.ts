/**
 * Tensor values as text, exactly as TensorFlow.js's `tensor.toString()` / `tensor.print()` write
 * them (tfjs-core `tensor_format.ts`): 7 significant decimals, columns padded to their widest
 * value, and long axes (over 20 entries) shortened to their first and last 3.
 */

const LIMIT = 20;
const FIRST_LAST = 3;
const DIGITS = 7;

function valToString(v: number, pad: number, dtype: string): string {
  const s = dtype === 'bool' ? (v === 0 ? 'false' : 'true') : parseFloat(v.toFixed(DIGITS)).toString();
  return s.padEnd(pad);
}

function stridesOf(shape: readonly number[]): number[] {
  const out: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 1; d--) {
    acc *= shape[d];
    out.unshift(acc);
  }
  return out;
}

/** Width of the widest value in each column of the innermost axis (rank ≥ 2 only). */
function columnWidths(vals: ArrayLike<number>, shape: readonly number[], dtype: string, strides: number[]): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const cols = strides[strides.length - 1] ?? 1;
  const pad = new Array<number>(cols).fill(0);
  if (shape.length > 1)
    for (let row = 0; row < n / cols; row++)
      for (let j = 0; j < cols; j++) pad[j] = Math.max(pad[j], valToString(vals[row * cols + j], 0, dtype).length);
  return pad;
}

function lines(vals: ArrayLike<number>, shape: readonly number[], dtype: string, strides: number[], pad: number[], isLast = true): string[] {
  const size = shape[0], rank = shape.length;
  const list = (xs: ArrayLike<number>, offset: number): string => Array.from(xs, (x, i) => valToString(x, pad[offset + i], dtype)).join(', ');
  if (rank === 0) return [dtype === 'bool' ? valToString(vals[0], 0, dtype) : String(vals[0])];
  if (rank === 1) {
    if (size > LIMIT) {
      const first = Array.prototype.slice.call(vals, 0, FIRST_LAST) as number[];
      const last = Array.prototype.slice.call(vals, size - FIRST_LAST, size) as number[];
      return [`[${list(first, 0)}, ..., ${list(last, size - FIRST_LAST)}]`];
    }
    return [`[${list(vals, 0)}]`];
  }
  const sub = shape.slice(1), subStrides = strides.slice(1), stride = strides[0];
  const slice = (i: number): ArrayLike<number> => Array.prototype.slice.call(vals, i * stride, (i + 1) * stride) as number[];
  const out: string[] = [];
  if (size > LIMIT) {
    for (let i = 0; i < FIRST_LAST; i++) out.push(...lines(slice(i), sub, dtype, subStrides, pad, false));
    out.push('...');
    for (let i = size - FIRST_LAST; i < size; i++) out.push(...lines(slice(i), sub, dtype, subStrides, pad, i === size - 1));
  } else for (let i = 0; i < size; i++) out.push(...lines(slice(i), sub, dtype, subStrides, pad, i === size - 1));
  const sep = rank === 2 ? ',' : '';
  out[0] = '[' + (size > 0 ? out[0] + sep : '');
  for (let i = 1; i < out.length - 1; i++) out[i] = ' ' + out[i] + sep;
  const newLineSep = ',\n' + '\n'.repeat(Math.max(0, rank - 2));
  out[out.length - 1] = ' ' + out[out.length - 1] + ']' + (isLast ? '' : newLineSep);
  return out;
}

/** The text of `tensor.toString(verbose)` for values of a shape and dtype. */
export function formatTensor(vals: ArrayLike<number>, shape: readonly number[], dtype: string, verbose: boolean): string {
  const strides = stridesOf(shape);
  const pad = columnWidths(vals, shape, dtype, strides);
  const out = ['Tensor'];
  if (verbose) out.push(`  dtype: ${dtype === 'uint8' ? 'int32' : dtype}`, `  rank: ${shape.length}`, `  shape: [${shape.join(',')}]`, '  values:');
  out.push(lines(vals, shape, dtype, strides, pad).map((l) => '    ' + l).join('\n'));
  return out.join('\n');
}

/** Prints a tensor's values to the console (tfjs `tf.print(x, verbose)`). */
export function print(x: { print(verbose?: boolean): void }, verbose = false): void {
  x.print(verbose);
}
