/** Backend registration: the fast WASM backend is the default, the reference backend the oracle. */
import { registerBackend } from './engine.js';
import { ReferenceBackend } from './reference/index.js';

registerBackend('reference', { priority: 1, create: () => new ReferenceBackend(), createSync: () => new ReferenceBackend() });

export { ReferenceBackend };
export type { Backend, Storage, Conv2DInfo, Pool2DInfo, KernelActivation, AdamParams, MemoryInfo } from './backend.js';
export { conv2dInfo, pool2dInfo, windowOutput, sizeOf } from './shape.js';
export type { Padding } from './shape.js';
export * from './engine.js';
