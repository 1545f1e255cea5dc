/**
 * Class registration and config conversion (tfjs `tf.serialization`).
 *
 * One registry maps a class name (`'Conv2D'`, `'GlorotUniform'`, a user's `'MyLayer'`) to its
 * class: every layer file registers its own classes, and the model loader, the ONNX exporter and
 * the explanation tables look classes up here instead of keeping lists of their own. Only
 * registered classes can be built from a file: a file names classes, it never carries code.
 *
 * Configs are camelCase in TypeScript (`getConfig()`, as tfjs) and Keras snake_case in the
 * TensorFlow.js layers format; `convertTsToPythonic` / `convertPythonicToTs` translate keys and
 * string values both ways exactly as tfjs does, so files read and write the same in both.
 */
import { ValueError } from '../errors.js';

/** A JSON value of a config. */
export type ConfigValue = null | undefined | boolean | number | string | ConfigValue[] | ConfigDict;

/** A config: plain JSON object with camelCase keys (tfjs `ConfigDict`). */
export interface ConfigDict {
  [key: string]: ConfigValue;
}

/** A class that can be rebuilt from its config (tfjs `SerializableConstructor`). */
export interface SerializableConstructor<T = unknown> {
  /** The name files use for the class, e.g. 'Conv2D'. */
  readonly className: string;
  new (...args: never[]): T;
  /** Builds an instance from a camelCase config (tfjs: `static fromConfig(cls, config)`). */
  fromConfig?(cls: SerializableConstructor<T>, config: ConfigDict): T;
}

/** A serializable object: it names its class and gives a camelCase config (tfjs `Serializable`). */
export abstract class Serializable {
  /** The registered name of the instance's class (`static className`). */
  getClassName(): string {
    return (this.constructor as unknown as SerializableConstructor).className;
  }

  /** The camelCase config from which `fromConfig` rebuilds an equivalent object. */
  abstract getConfig(): ConfigDict;

  /** Builds an instance of `cls` from `config` (tfjs's default: `new cls(config)`). */
  static fromConfig<T>(cls: SerializableConstructor<T>, config: ConfigDict): T {
    return new (cls as unknown as new (c: ConfigDict) => T)(config);
  }
}

const registry = new Map<string, SerializableConstructor>();

/**
 * Registers `cls` under its `static className` (or `name`; with `pkg`, under `pkg>name` as tfjs
 * does) so that models holding it can be loaded. Registering a name again replaces the class
 * (a user's class may replace a built-in one). Returns `cls`, so it can wrap a class expression.
 */
export function registerClass<T extends SerializableConstructor>(cls: T, pkg?: string, name?: string): T {
  if (typeof cls !== 'function') throw new ValueError(`registerClass: expected a class. Received ${typeof cls}`);
  const base = name ?? (Object.prototype.hasOwnProperty.call(cls, 'className') ? cls.className : undefined);
  if (typeof base !== 'string' || base === '')
    throw new ValueError(`registerClass: class ${cls.name || '(anonymous)'} needs its own static className (e.g. static className = '${cls.name || 'MyLayer'}')`);
  if (pkg !== undefined && (typeof pkg !== 'string' || pkg.includes('>')))
    throw new ValueError(`registerClass: pkg must be a string without '>'. Received pkg=${JSON.stringify(pkg)}`);
  const key = pkg ? `${pkg}>${base}` : base;
  registry.set(key, cls);
  return cls;
}

/** The class registered under `name`, or undefined. */
export function getRegisteredClass(name: string): SerializableConstructor | undefined {
  return registry.get(name);
}

/** Registered names of the classes whose prototype chain includes `base` (all with no argument), in registration order. */
export function registeredClassNames(base?: abstract new (...args: never[]) => unknown): string[] {
  return [...registry].filter(([, c]) => !base || c === base || c.prototype instanceof base).map(([n]) => n);
}

/** Builds an object from `{ className, config }` through the registry (tfjs `deserialize`). */
export function deserialize<T>(className: string, config: ConfigDict, base: abstract new (...args: never[]) => T, what: string): T {
  const cls = getRegisteredClass(className);
  if (!cls || !(cls === base || cls.prototype instanceof base)) {
    const known = registeredClassNames(base);
    throw new ValueError(`unknown ${what} class '${className}'. Registered classes: ${known.join(', ')} (a custom class must be registered with ck.serialization.registerClass)`);
  }
  const from = cls.fromConfig ?? Serializable.fromConfig;
  return from.call(cls, cls, config) as T;
}

// ---- camelCase <-> snake_case, as tfjs's generic_utils and serialization_utils -------------------

/** 'kernelSize' → 'kernel_size', 'MaxPooling2D' → 'max_pooling2d' (Keras `to_snake_case`). */
export function toSnakeCase(name: string): string {
  const snake = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return snake[0] === '_' ? `private${snake}` : snake;
}

/** 'kernel_size' → 'kernelSize'; a name without '_' is kept as is. */
export function toCamelCase(identifier: string): string {
  if (identifier.length <= 1 || !identifier.includes('_')) return identifier;
  return identifier.replace(/[_]+(\w|$)/g, (_, p1: string) => p1.toUpperCase());
}

/** Layer and model names inside node lists stay as written (tfjs `isArrayItemInputOrOutputName`). */
function isNameInNodeList(key: string | undefined, index: number, value: unknown): boolean {
  return (key === 'inboundNodes' || key === 'outputLayers' || key === 'inputLayers') && index === 0 && typeof value === 'string';
}

/** Sets an own property, so a `__proto__` key from a file stays an ordinary key and reaches no prototype. */
function setKey(d: ConfigDict, key: string, value: ConfigValue): void {
  Object.defineProperty(d, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A camelCase config as the layers format writes it (tfjs `convertTsToPythonic`): keys and string
 * values in snake_case, except `name` and `className` values and the layer names in node lists.
 */
export function convertTsToPythonic(config: unknown, key?: string): ConfigValue {
  if (config === null || config === undefined) return null;
  if (typeof config === 'string') return toSnakeCase(config);
  if (typeof config === 'number' || typeof config === 'boolean') return config;
  if (Array.isArray(config)) return config.map((item, i) => (isNameInNodeList(key, i, item) ? (item as string) : convertTsToPythonic(item, key)));
  const out: ConfigDict = {};
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    setKey(out, toSnakeCase(k), (k === 'name' || k === 'className') && typeof v === 'string' ? v : convertTsToPythonic(v, k));
  }
  return out;
}

/**
 * A layers-format config in camelCase (tfjs `convertPythonicToTs`): keys and string values
 * camelCased, except `name` values and the layer names in node lists.
 */
export function convertPythonicToTs(config: unknown, key?: string): ConfigValue {
  if (config === null || config === undefined) return null;
  if (typeof config === 'string') return toCamelCase(config);
  if (typeof config === 'number' || typeof config === 'boolean') return config;
  if (Array.isArray(config)) return config.map((item, i) => (isNameInNodeList(key, i, item) ? (item as string) : convertPythonicToTs(item, key)));
  const out: ConfigDict = {};
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    if (k === 'name' && typeof v === 'string') setKey(out, k, v);
    else {
      const tsKey = toCamelCase(k);
      setKey(out, tsKey, convertPythonicToTs(v, tsKey));
    }
  }
  return out;
}
