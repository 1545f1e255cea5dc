/**
 * Starts cnnkit's engine for the page: the WASM backend when the library has it (with worker
 * threads when the page is cross-origin isolated, else one thread), the reference backend
 * otherwise. `?threads=N` and `?backend=NAME` in the address override the choice.
 */
import * as ck from 'cnnkit';

export interface RuntimeInfo {
  backend: string;
  isolated: boolean;
  threads: number;
  /** Why the page runs as it does (fallbacks, missing isolation). */
  note: string;
}

export const runtime: RuntimeInfo = { backend: '?', isolated: false, threads: 1, note: '' };

export async function startEngine(): Promise<RuntimeInfo> {
  const params = new URLSearchParams(location.search);
  const isolated = globalThis.crossOriginIsolated === true;
  const cores = Math.max(1, navigator.hardwareConcurrency || 1);
  const asked = Number(params.get('threads'));
  const threads = isolated ? (Number.isInteger(asked) && asked > 0 ? asked : cores) : 1;
  const names = ck.backendNames();
  const wanted = params.get('backend') ?? names[0];
  const notes: string[] = [];
  if (!isolated) notes.push('not cross-origin isolated: no SharedArrayBuffer, so one thread');
  try {
    if (wanted === 'wasm') await ck.setBackend('wasm', { threads });
    else if (names.includes(wanted)) await ck.setBackend(wanted);
    else {
      notes.push(`no backend '${wanted}'`);
      await ck.ready();
    }
  } catch (e) {
    notes.push(`${wanted} failed to start (${(e as Error).message}); using the reference backend`);
    await ck.setBackend('reference');
  }
  runtime.backend = ck.getBackendName();
  runtime.isolated = isolated;
  // The backend's own count where it has one (the WASM backend may settle on fewer than asked).
  const own = (ck.getBackend() as { threads?: unknown }).threads;
  runtime.threads = typeof own === 'number' ? own : 1;
  if (runtime.backend !== 'wasm' && !names.includes('wasm')) notes.push('this build of cnnkit has no WASM backend yet');
  runtime.note = notes.join('; ');
  return runtime;
}
