/** cnnkit for browsers: the core API plus datasets parsed from bytes the page provides. */
export * from './core.js';
export * as datasets from './data/browser.js';
