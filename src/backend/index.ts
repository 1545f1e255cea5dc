/** Backend registration: the fast WASM backend is the default, the reference backend the oracle. */
import { registerBackend } from './engine.js';
import { ReferenceBackend } from './reference/index.js';
import { createWasmBackend, createWasmBackendSync, WasmBackend } from './wasm/index.js';

registerBackend('reference', { priority: 1, create: () => new ReferenceBackend(), createSync: () => new ReferenceBackend() });
registerBackend('wasm', { priority: 2, create: (o) => createWasmBackend(o), createSync: (o) => createWasmBackendSync(o) });

export { ReferenceBackend, WasmBackend, createWasmBackend, createWasmBackendSync };
export type { WasmBackendOptions } from './wasm/index.js';
export type { Backend, Storage, Conv2DInfo, Pool2DInfo, KernelActivation, AdamParams, MemoryInfo } from './backend.js';
export { conv2dInfo, pool2dInfo, windowOutput, sizeOf } from './shape.js';
export type { Padding } from './shape.js';
export * from './engine.js';
