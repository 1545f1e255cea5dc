/** What the views share: the loaded dataset and the current model, with change notifications. */
import type * as ck from 'cnnkit';
import type { Cifar10Data } from './data.ts';

export const state: {
  data: Cifar10Data | null;
  model: ck.Sequential | null;
  /** How the current model came to be, for the Inspect view. */
  modelNote: string;
  training: boolean;
} = { data: null, model: null, modelNote: '', training: false };

const events = new EventTarget();

export type StateEvent = 'data' | 'model';

/**
 * Makes `model` the current model and frees the weights of the one it replaces (the library has no
 * model.dispose yet; the old optimizer's slots stay allocated).
 */
export function setModel(model: ck.Sequential, note: string): void {
  const old = state.model;
  state.model = model;
  state.modelNote = note;
  if (old && old !== model) for (const w of old.weights) w.dispose();
}

export function changed(what: StateEvent): void {
  events.dispatchEvent(new Event(what));
}

export function onChange(what: StateEvent, fn: () => void): void {
  events.addEventListener(what, fn);
}
