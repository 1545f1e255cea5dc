/** Running several child-process tasks of a test at once. */

/** Runs `tasks` two at a time (one per core of a 2-core machine); results in task order. */
export async function inPairs<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}
