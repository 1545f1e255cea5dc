/**
 * Node-only: a full garbage collection on request, to hand large buffers back to the system before
 * a memory-hungry step (e.g. dropping 150 MB of training images before the plot renderer starts).
 * Without it their memory is returned whenever V8 next collects, which may be after the next step
 * has allocated its own: the two then count together in the process's peak memory.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * The runtime's `gc()`: `globalThis.gc` when Node runs with `--expose-gc`, else obtained by
 * enabling the flag for a fresh context (as Jest's leak detector does), else null.
 */
function collector(): (() => void) | null {
  if (gc !== undefined) return gc;
  gc = (globalThis as { gc?: () => void }).gc ?? null;
  if (!gc) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  return gc;
}

/**
 * Collects garbage now and waits for V8's background threads to free the released array buffers.
 * Returns false when no collector is available (memory is then freed at V8's next collection).
 */
export async function collectGarbage(): Promise<boolean> {
  const run = collector();
  if (!run) return false;
  run();
  // Array buffer memory is freed by a background task after the collection: let it run.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return true;
}
