/**
 * Loads the WASM kernels: picks the relaxed-SIMD build where `WebAssembly.validate` accepts it
 * (on Node.js 20 once its experimental flag is set at run time; newer engines have it on) and the
 * baseline SIMD build otherwise, compiles it once, and exposes its exports through the `Kernels`
 * interface generated from the AssemblyScript sources (scripts/build-wasm.mjs).
 */
import { KERNEL_NAMES, type Kernels } from './generated/exports.js';
import { BASELINE_WASM, RELAXED_WASM } from './generated/kernels.js';
import { enableRelaxedSimd, fromBase64 } from './platform.js';

/** Which build runs. */
export type KernelVariant = 'relaxed-simd' | 'simd';

export { Kind, PoolKind, type Kernels } from './generated/exports.js';

let chosen: { variant: KernelVariant; bytes: Uint8Array<ArrayBuffer> } | null = null;
const compiled = new Map<KernelVariant, WebAssembly.Module>();

/**
 * The build this engine can run (relaxed SIMD when validated, after turning on Node.js 20's
 * experimental flag), unless `force` names one.
 */
export function kernelBinary(force?: KernelVariant): { variant: KernelVariant; bytes: Uint8Array<ArrayBuffer> } {
  if (force) {
    const bytes = fromBase64(force === 'relaxed-simd' ? RELAXED_WASM : BASELINE_WASM);
    if (force === 'relaxed-simd' && !WebAssembly.validate(bytes)) enableRelaxedSimd();
    return { variant: force, bytes };
  }
  if (!chosen) {
    const relaxed = fromBase64(RELAXED_WASM);
    const ok = WebAssembly.validate(relaxed) || (enableRelaxedSimd() && WebAssembly.validate(relaxed));
    chosen = ok ? { variant: 'relaxed-simd', bytes: relaxed } : { variant: 'simd', bytes: fromBase64(BASELINE_WASM) };
  }
  return chosen;
}

/** Compiles (once) synchronously; fine in Node.js and in workers. */
export function compileSync(force?: KernelVariant): { variant: KernelVariant; module: WebAssembly.Module } {
  const { variant, bytes } = kernelBinary(force);
  let m = compiled.get(variant);
  if (!m) {
    m = new WebAssembly.Module(bytes);
    compiled.set(variant, m);
  }
  return { variant, module: m };
}

/** Compiles (once) asynchronously, as browsers require on their main thread. */
export async function compileAsync(force?: KernelVariant): Promise<{ variant: KernelVariant; module: WebAssembly.Module }> {
  const { variant, bytes } = kernelBinary(force);
  let m = compiled.get(variant);
  if (!m) {
    m = await WebAssembly.compile(bytes);
    compiled.set(variant, m);
  }
  return { variant, module: m };
}

/** Instantiates the kernels over `memory` and returns the typed exports. */
export function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): Kernels {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const out: Partial<Record<keyof Kernels, unknown>> = {};
  for (const name of KERNEL_NAMES) {
    const f = instance.exports[name];
    if (typeof f !== 'function') throw new Error(`WASM kernels lack export '${name}'`);
    out[name] = f;
  }
  return out as Kernels;
}
