/**
 * What the views share: the engine worker, how it runs, the loaded dataset (as much of it as the
 * page shows), the current model and the run in progress, with change notifications. The images
 * and the model themselves live in the worker.
 */
import { Engine } from './engine/client.ts';
import type { DataSummary, ModelInfo, RunState, RuntimeInfo, TrainStatus } from './engine/protocol.ts';

export type View = 'explain' | 'train' | 'inspect';

export const state: {
  runtime: RuntimeInfo | null;
  data: DataSummary | null;
  model: ModelInfo | null;
  /** The run in progress, or null. */
  run: { state: RunState; status: TrainStatus | null } | null;
  /** The view on screen. */
  view: View;
} = { runtime: null, data: null, model: null, run: null, view: 'explain' };

/** The page's engine worker (started when the page loads). */
export const engine = new Engine();

/** `saved`: the current model was saved (no need to ask before replacing it). */
export type StateEvent = 'runtime' | 'data' | 'model' | 'run' | 'view' | 'saved';

const events = new EventTarget();

export function changed(what: StateEvent): void {
  events.dispatchEvent(new Event(what));
}

export function onChange(what: StateEvent, fn: () => void): void {
  events.addEventListener(what, fn);
}

// The worker's model and run events keep the shared state current.
engine.on((e) => {
  if (e.type === 'model') {
    state.model = e.model;
    changed('model');
  } else if (e.type === 'batches') {
    if (state.model) state.model = { ...state.model, version: e.version, state: 'training' };
    if (state.run) {
      state.run.status = e.status;
      if (state.run.state === 'testing') state.run.state = 'running';
    }
    changed('run');
    changed('model');
  } else if (e.type === 'run-state' && state.run) {
    state.run.state = e.state;
    changed('run');
  }
});

/** Whether a model is training (or held paused). */
export function training(): boolean {
  return state.run !== null;
}
