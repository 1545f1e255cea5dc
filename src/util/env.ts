/**
 * Environment flags (tfjs `tf.env()` / `tf.ENV`): the flags tfjs programs read or set where they
 * mean something here. Flags cnnkit cannot honour (WebGL settings, debug mode) are refused with
 * an error naming them rather than silently accepted.
 */
import { ValueError } from '../errors.js';

type FlagValue = boolean | number | string;

interface Flag {
  value: () => FlagValue;
  /** Whether `set` is accepted (and what it does is described in `doc`). */
  settable: boolean;
  doc: string;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
const isBrowser = typeof globalThis !== 'undefined' && typeof (globalThis as { document?: unknown }).document !== 'undefined';

/** Environment flags by name. */
export class Environment {
  private readonly values = new Map<string, FlagValue>();
  private readonly flags: Record<string, Flag> = {
    IS_BROWSER: { value: () => isBrowser, settable: false, doc: 'running in a browser page' },
    IS_NODE: { value: () => isNode, settable: false, doc: 'running in Node.js' },
    IS_TEST: { value: () => false, settable: true, doc: 'marks test runs (no effect)' },
    PROD: { value: () => false, settable: true, doc: 'tfjs production mode (cnnkit keeps its argument checks either way)' },
    DEBUG: { value: () => false, settable: false, doc: 'tfjs debug mode (per-op logging; not available)' },
    EPSILON: { value: () => 1e-7, settable: false, doc: 'the float32 epsilon' },
    HAS_WEBGL: { value: () => false, settable: false, doc: 'no WebGL backend' },
    WEBGL_VERSION: { value: () => 0, settable: false, doc: 'no WebGL backend' },
    WASM_HAS_SIMD_SUPPORT: { value: () => true, settable: false, doc: 'the WASM backend uses SIMD' },
  };

  /** The flag's value. @throws ValueError for an unknown flag. */
  get(flag: string): FlagValue {
    const f = this.flag(flag);
    return this.values.has(flag) ? (this.values.get(flag) as FlagValue) : f.value();
  }

  getBool(flag: string): boolean {
    const v = this.get(flag);
    if (typeof v !== 'boolean') throw new ValueError(`env: flag '${flag}' is not a boolean (it is ${JSON.stringify(v)})`);
    return v;
  }

  getNumber(flag: string): number {
    const v = this.get(flag);
    if (typeof v !== 'number') throw new ValueError(`env: flag '${flag}' is not a number (it is ${JSON.stringify(v)})`);
    return v;
  }

  /** Sets a flag cnnkit accepts; others are refused with the reason. */
  set(flag: string, value: FlagValue): void {
    const f = this.flag(flag);
    if (!f.settable) throw new ValueError(`env: flag '${flag}' cannot be set here (${f.doc})`);
    if (typeof value !== typeof f.value()) throw new ValueError(`env: flag '${flag}' takes a ${typeof f.value()}. Received ${JSON.stringify(value)}`);
    this.values.set(flag, value);
  }

  /** Every flag and its current value. */
  getFlags(): Record<string, FlagValue> {
    return Object.fromEntries(Object.keys(this.flags).map((k) => [k, this.get(k)]));
  }

  /** Restores every flag to its default. */
  reset(): void {
    this.values.clear();
  }

  private flag(name: string): Flag {
    const f = Object.hasOwn(this.flags, name) ? this.flags[name] : undefined;
    if (!f) throw new ValueError(`env: unknown flag ${JSON.stringify(name)}. Known flags: ${Object.keys(this.flags).join(', ')}`);
    return f;
  }
}

/** The environment (tfjs `tf.ENV`). */
export const ENV = new Environment();

/** The environment (tfjs `tf.env()`). */
export function env(): Environment {
  return ENV;
}

/** tfjs `enableProdMode()`: sets PROD (cnnkit's checks stay on). */
export function enableProdMode(): void {
  ENV.set('PROD', true);
}
