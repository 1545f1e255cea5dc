/**
 * URL routing for `model.save(url)` / `ck.loadLayersModel(url)` (tfjs `tf.io.registerSaveRouter`):
 * platform modules register handlers for their schemes, e.g. the Node.js entry for `file://`.
 */
import { ValueError } from '../errors.js';
import type { IOHandler } from './types.js';

/** Returns a handler for `url`, or null when the router does not serve it. */
export type IORouter = (url: string) => IOHandler | null;

const saveRouters: IORouter[] = [];
const loadRouters: IORouter[] = [];

/** Adds a router consulted by `model.save(url)`. */
export function registerSaveRouter(router: IORouter): void {
  saveRouters.push(router);
}

/** Adds a router consulted by `ck.loadLayersModel(url)`. */
export function registerLoadRouter(router: IORouter): void {
  loadRouters.push(router);
}

function route(routers: readonly IORouter[], url: string, what: 'save' | 'load'): IOHandler {
  for (const r of routers) {
    const h = r(url);
    if (h) return h;
  }
  const hint = routers.length === 0 ? ' (this build registers no URL schemes: in a browser, pass a handler such as ck.io.fromMemory or ck.io.browserFiles)' : " (expected e.g. 'file://path/to/dir')";
  throw new ValueError(`${what}: no handler for ${JSON.stringify(url)}${hint}`);
}

/** The save handler for a URL. */
export function saveHandlerFor(url: string): IOHandler {
  return route(saveRouters, url, 'save');
}

/** The load handler for a URL. */
export function loadHandlerFor(url: string): IOHandler {
  return route(loadRouters, url, 'load');
}
