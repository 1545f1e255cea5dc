/**
 * Typed errors. Every message follows one format: what is wrong, what was expected, what was
 * received, naming the layer, file or argument involved.
 */

/** An argument has a wrong value or type. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Shapes do not agree. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Input data (images, labels, files) is malformed. */
export class DataError extends Error {
  override name = 'DataError';
}

/** An operation was called in the wrong order (e.g. fit before compile). */
export class StateError extends Error {
  override name = 'StateError';
}

/** Formats a shape the Keras way, `(None, 30, 30, 32)`; `null` stands for the batch dimension. */
export function fmtShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

/** Formats a value for an error message so the printed value is the checked one. */
export function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** Throws a ValueError `${where}: ${what}. Received ${name}=${value}` unless `ok`. */
export function check(ok: boolean, where: string, what: string, received: Record<string, unknown>): asserts ok {
  if (ok) return;
  const rec = Object.entries(received)
    .map(([k, v]) => `${k}=${fmtValue(v)}`)
    .join(', ');
  throw new ValueError(`${where}: ${what}. Received ${rec}`);
}
