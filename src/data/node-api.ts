/** `ck.data` in Node: the platform-neutral pipeline plus file-backed datasets (CSV files, image folders). */
export * from './api.js';
export { csv } from './node-csv.js';
