/**
 * The page stays responsive while it trains: training runs in the engine worker, so during a run
 * the main thread has no long task (PerformanceObserver 'longtask': none over 50 ms) and every
 * click and key press is painted within 100 ms. The run trains the tutorial CNN on an archive made
 * here (2,000 images, 20 epochs), with tab switches, hovering, a key press, Pause/Resume and test image picks.
 *
 * Click to paint is measured from the input's time stamp to the frame after the one that showed
 * its result (two requestAnimationFrame callbacks after the handler): the main thread's part.
 * The Event Timing API's figure (PerformanceObserver 'event': input to the compositor presenting
 * the frame) is printed next to it; in headless Chromium with software compositing it also counts
 * the time other processes take to hand the frame to a display that is not there.
 *
 * The engine gets one thread fewer than the machine has cores (CNNKIT_RESPONSIVE_THREADS sets
 * another count): with every core training, the time to a paint measures how the operating system
 * shares the cores between the browser and the engine, not the page. The figures are always
 * printed; the two limits are asserted only as a benchmark, with CNNKIT_TIMING=1 on a quiet
 * machine, and even then skipped when this process itself gets less than 70% of a core before the
 * run (other work holds the machine). Every run checks that each input was seen, training went on
 * during the interactions and nothing was logged as an error.
 */
import assert from 'node:assert/strict';
import { availableParallelism, loadavg } from 'node:os';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildSite, cifarArchive, launch, pickArchive, ready, skipReason, watchConsole, type Site } from './helpers/web.js';

if (skipReason) console.log(`# web page responsiveness test skipped: ${skipReason}`);
const skip = skipReason ?? false;

let site: Site | null = null;
let browser: Browser | null = null;

before(async () => {
  if (skipReason) return;
  site = await buildSite();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

interface Figures {
  windowMs: number;
  longTasks: number[];
  /** Input to the frame after the one that showed the handler's result, for each click and key press. */
  paints: { name: string; target: string; ms: number }[];
  /** Input to presentation of each interaction, by the Event Timing API. */
  interactions: { name: string; target: string; ms: number }[];
}

/** Records long tasks and slow events from the page's start (before any script of its own). */
async function observe(p: Page): Promise<void> {
  await p.addInitScript(() => {
    type Entry = { start: number; ms: number; name: string; target: string };
    const perf = { long: [] as { start: number; ms: number }[], events: [] as (Entry & { id: number })[], paints: [] as Entry[] };
    (window as unknown as { __perf: typeof perf }).__perf = perf;
    const name = (t: EventTarget | null) => (t instanceof HTMLElement ? t.id || t.className : '');
    for (const type of ['click', 'keydown']) {
      addEventListener(type, (e) => {
        if (!e.isTrusted) return;
        const start = e.timeStamp, target = name(e.target);
        requestAnimationFrame(() => requestAnimationFrame(() => perf.paints.push({ start, ms: performance.now() - start, name: type, target })));
      }, true);
    }
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) perf.long.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) => {
      // interactionId and durationThreshold (Event Timing) are newer than TypeScript's DOM types.
      for (const e of list.getEntries() as (PerformanceEventTiming & { interactionId: number })[]) {
        perf.events.push({ start: e.startTime, ms: e.duration, id: e.interactionId, name: e.name, target: name(e.target) });
      }
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
  });
}

async function figures(p: Page, t0: number, t1: number): Promise<Figures> {
  return p.evaluate(([from, to]) => {
    type Entry = { start: number; ms: number; name: string; target: string };
    const perf = (window as unknown as { __perf: { long: { start: number; ms: number }[]; events: (Entry & { id: number })[]; paints: Entry[] } }).__perf;
    const longTasks = perf.long.filter((e) => e.start >= from && e.start <= to).map((e) => e.ms);
    const paints = perf.paints.filter((e) => e.start >= from && e.start <= to).map(({ name, target, ms }) => ({ name, target, ms }));
    const byInteraction = new Map<number, { name: string; target: string; ms: number }>();
    for (const e of perf.events) {
      if (e.start < from || e.start > to || !e.id) continue;
      const seen = byInteraction.get(e.id);
      if (!seen || e.ms > seen.ms) byInteraction.set(e.id, { name: e.name, target: e.target, ms: e.ms });
    }
    return { windowMs: to - from, longTasks, paints, interactions: [...byInteraction.values()] };
  }, [t0, t1]);
}

/** The share of one core that a short busy loop of this process gets (near 1 on a machine that is not overloaded). */
function cpuShare(ms = 300): number {
  const c0 = process.cpuUsage(), t0 = performance.now();
  while (performance.now() - t0 < ms) {
    /* busy */
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (performance.now() - t0);
}

const THREADS = Number(process.env.CNNKIT_RESPONSIVE_THREADS) || Math.max(1, availableParallelism() - 1);

test('while the model trains, the main thread has no long task and every interaction paints within 100 ms', { skip }, async (t) => {
  const share = cpuShare();
  const p = await (browser as Browser).newPage({ viewport: { width: 1280, height: 800 } });
  p.setDefaultTimeout(60_000);
  const errors: string[] = [];
  watchConsole(p, errors);
  await observe(p);
  await p.goto(`${(site as Site).base}?lang=en&threads=${THREADS}#train`);
  await ready(p);
  await pickArchive(p, 'cifar-2000.tar.gz', cifarArchive(400, 100));
  await p.fill('#train-count', '2000');
  await p.fill('#test-count', '100');
  await p.fill('#epochs', '20');
  await p.click('#train-start');
  await p.waitForFunction(() => Number(document.querySelector('#train-stats')?.getAttribute('data-batches')) >= 5);
  const t0 = await p.evaluate(() => performance.now());
  const act = async (fn: () => Promise<unknown>) => {
    await fn();
    await p.waitForTimeout(250);
  };
  for (let round = 0; round < 2; round++) {
    await act(() => p.click('#tab-explain'));
    await act(() => p.hover('#out-2-2'));
    await act(() => p.click('#out-1-1'));
    await act(() => p.keyboard.press('ArrowRight'));
    await act(() => p.click('#tab-inspect'));
    await act(() => p.click(`#test-strip .thumb[data-index="${round + 1}"]`));
    await act(() => p.click('#tab-train'));
    await act(() => p.click('#train-pause'));
    await act(() => p.click('#train-pause'));
  }
  const t1 = await p.evaluate(() => performance.now());
  const done = Number(await p.getAttribute('#train-stats', 'data-batches'));
  const f = await figures(p, t0, t1);
  await p.click('#train-stop');
  await p.waitForSelector('#train-status[data-outcome="stopped"]');
  const slowest = (xs: { ms: number }[]) => Math.round(Math.max(0, ...xs.map((x) => x.ms)));
  const med = (xs: { ms: number }[]) => Math.round([...xs.map((x) => x.ms)].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0);
  console.log(`# while training with ${THREADS} engine thread(s) on ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)} (${done} batches done, ${(f.windowMs / 1000).toFixed(1)} s observed):` +
    ` ${f.longTasks.length} long tasks${f.longTasks.length ? ` (longest ${Math.round(Math.max(...f.longTasks))} ms)` : ''};` +
    ` click/key to paint: ${f.paints.length} inputs, median ${med(f.paints)} ms, slowest ${slowest(f.paints)} ms;` +
    ` Event Timing (to presentation): ${f.interactions.length} over 16 ms, slowest ${slowest(f.interactions)} ms;` +
    ` ${await p.getAttribute('#train-stats', 'data-images-per-second')} images/s`);
  assert.equal(f.paints.length, 16, 'every click and key press was seen');
  assert.ok(done > 5, 'training went on during the interactions');
  assert.deepEqual(errors, []);
  await p.close();
  // The 50 ms and 100 ms limits are targets for a quiet machine, checked as a benchmark
  // (CNNKIT_TIMING=1), not in every test run: a CI machine's neighbours decide them otherwise.
  if (!process.env.CNNKIT_TIMING) {
    t.diagnostic('timing limits not asserted: run with CNNKIT_TIMING=1 on a quiet machine to check them');
    return;
  }
  if (share < 0.7) {
    const why = `this process got ${Math.round(share * 100)}% of a core before the run (load ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores): the machine is busy with other work`;
    console.log(`# timing checks skipped: ${why}`);
    t.skip(why);
    return;
  }
  assert.deepEqual(f.longTasks, [], 'no task over 50 ms on the main thread while training');
  assert.deepEqual(f.paints.filter((i) => i.ms >= 100), [], 'every click and key press painted within 100 ms');
});
