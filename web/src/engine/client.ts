/**
 * The page's side of the engine worker: typed requests that resolve to the worker's answers,
 * controls, and engine events for the views.
 */
import type { Answers, Control, EngineEvent, FromWorker, Request, ToWorker } from './protocol.ts';

type Progress = (stage: string, done: number, total: number) => void;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  progress?: Progress;
}

/** The engine worker, started once for the page. */
export class Engine {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(e.message || 'the engine worker failed to start'));
    };
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private receive(m: FromWorker): void {
    if ('event' in m) {
      const ev = m.event;
      if (ev.type === 'progress') this.pending.get(ev.id)?.progress?.(ev.stage, ev.done, ev.total);
      for (const fn of this.listeners) fn(ev);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  }

  /** Sends a request; resolves to the worker's answer (rejects with its error message). */
  request<T extends Request['type']>(request: Extract<Request, { type: T }>, options: { progress?: Progress; transfer?: Transferable[] } = {}): Promise<Answers[T]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Answers[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress: options.progress });
      const message: ToWorker = { id, request };
      this.worker.postMessage(message, options.transfer ?? []);
    });
  }

  /** Pause, resume or stop the run in progress. */
  control(control: Control): void {
    const message: ToWorker = { control };
    this.worker.postMessage(message);
  }

  /** Calls `fn` with every event from the worker. */
  on(fn: (e: EngineEvent) => void): void {
    this.listeners.add(fn);
  }
}
