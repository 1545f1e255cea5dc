/**
 * How layers accept initializers, regularizers and constraints: as an object of the class, as a
 * tfjs identifier (`'heNormal'`, `'l1l2'`, `'maxNorm'`), as the Keras spelling of one
 * (`'he_normal'`, `'max_norm'`), as a registered class name, or as `{ className, config }` (what
 * configs and files hold). Anything else is refused naming the layer and the argument.
 */
import { ValueError } from '../errors.js';
import { deserialize, toCamelCase, type ConfigDict, type Serializable } from '../util/serialization.js';
import { isNone } from './args.js';

/**
 * Resolves `spec` to an instance of `base`. `byName` maps tfjs identifiers (camelCase) to
 * factories; `what` names the kind in messages ('initializer', 'regularizer', 'constraint').
 */
export function resolveIdentifier<T extends Serializable>(
  spec: unknown, base: abstract new (...args: never[]) => T, byName: Readonly<Record<string, () => T>>, what: string, where: string, argName: string,
): T {
  if (spec instanceof base) return spec;
  try {
    if (typeof spec === 'string') {
      const key = toCamelCase(spec);
      if (Object.prototype.hasOwnProperty.call(byName, key)) return byName[key]();
      return deserialize(spec, {}, base, what);
    }
    if (typeof spec === 'object' && spec !== null && !Array.isArray(spec) && typeof (spec as { className?: unknown }).className === 'string') {
      const { className, config } = spec as { className: string; config?: unknown };
      if (!isNone(config) && (typeof config !== 'object' || Array.isArray(config))) throw new ValueError(`the config of '${className}' must be an object`);
      return deserialize(className, (config ?? {}) as ConfigDict, base, what);
    }
  } catch (e) {
    throw new ValueError(`${where}: ${argName}: ${(e as Error).message}`);
  }
  throw new ValueError(`${where}: ${argName} must be ${what === 'initializer' ? 'an' : 'a'} ${what} name (${Object.keys(byName).join(', ')}), { className, config } or an object of the class. Received ${argName}=${JSON.stringify(spec)}`);
}

/** `{ className, config }` of a serializable object, as configs hold it (null stays null). */
export function serializeObject(obj: Serializable | null): ConfigDict | null {
  return obj ? { className: obj.getClassName(), config: obj.getConfig() } : null;
}

/** A number argument of an initializer, regularizer or constraint config, checked. */
export function numberArg(v: unknown, name: string, where: string, dflt: number, check: (n: number) => boolean = Number.isFinite, expected = 'a finite number'): number {
  if (isNone(v)) return dflt;
  if (typeof v !== 'number' || !check(v)) throw new ValueError(`${where}: ${name} must be ${expected}. Received ${name}=${JSON.stringify(v)}`);
  return v;
}

/** An optional integer seed (null: the global seeded generator). */
export function seedArg(v: unknown, where: string): number | null {
  if (isNone(v)) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueError(`${where}: seed must be an integer or null. Received seed=${JSON.stringify(v)}`);
  return v;
}
