/** `ck.io` for Node.js: the platform-neutral handlers plus `fileSystem` (file:// folders). */
export * from './index.js';
export { fileSystem, asideDir } from './node-file.js';
export type { FileSystemOptions, SaveStep } from './node-file.js';
