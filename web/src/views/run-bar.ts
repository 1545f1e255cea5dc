/**
 * The run bar: while a model trains, a compact status (epoch, batch, loss, accuracy, speed, time
 * left) with Pause/Resume and Stop stays at the bottom of the screen in every view.
 */
import { h, percent, thousands } from '../dom.ts';
import { msg, say, type Msg } from '../i18n/index.ts';
import { engine, onChange, state, type View } from '../state.ts';
import type { TrainStatus } from '../engine/protocol.ts';

/** The status line: epoch 1/2 · batch 12/313 · loss · accuracy · images/s · time left. */
export function statusText(s: TrainStatus): Msg {
  const speed = Number.isFinite(s.imagesPerSecond) ? msg('run.speed', { n: thousands(s.imagesPerSecond) }) : msg('run.warmup');
  const left = !Number.isFinite(s.secondsLeft) || s.secondsLeft < 1 ? ''
    : s.secondsLeft < 90 ? msg('run.leftSeconds', { n: Math.round(s.secondsLeft) }) : msg('run.leftMinutes', { n: Math.round(s.secondsLeft / 60) });
  return msg('run.status', {
    epoch: s.epoch, epochs: s.epochs, batch: s.batch, steps: s.steps,
    loss: s.loss.toFixed(3), accuracy: percent(s.accuracy), speed, left: left === '' ? '' : msg('run.leftSep', { left }),
  });
}

export function mountRunBar(bar: HTMLElement, showView: (v: View) => void): void {
  const stats = h('p', { id: 'train-stats', class: 'stats' });
  const runState = h('p', { id: 'run-state', class: 'run-state', role: 'status' });
  const pause = h('button', { type: 'button', id: 'train-pause', text: msg('run.pause') });
  const stop = h('button', { type: 'button', id: 'train-stop', text: msg('run.stop') });
  const toTrain = h('button', { type: 'button', id: 'run-show', text: msg('run.show') });
  bar.setAttribute('aria-labelledby', 'run-title');
  bar.append(h('h2', { id: 'run-title', class: 'visually-hidden', text: msg('run.title') }), h('div', { class: 'run-text' }, runState, stats), h('div', { class: 'controls' }, pause, stop, toTrain));

  let paused = false;
  pause.addEventListener('click', () => {
    paused = !paused;
    say(pause, msg(paused ? 'run.resume' : 'run.pause'));
    say(runState, msg(paused ? 'run.pausing' : 'run.training'));
    engine.control(paused ? 'pause' : 'resume');
  });
  stop.addEventListener('click', () => {
    stop.disabled = true;
    say(runState, msg('run.stopping'));
    engine.control('stop');
  });
  toTrain.addEventListener('click', () => showView('train'));

  const update = (): void => {
    const run = state.run;
    const wasHidden = bar.hidden;
    bar.hidden = run === null;
    document.body.classList.toggle('running', run !== null);
    toTrain.hidden = state.view === 'train';
    if (!run) {
      paused = false;
      say(pause, msg('run.pause'));
      delete pause.dataset.held;
      stop.disabled = false;
      return;
    }
    if (wasHidden) {
      paused = false;
      say(pause, msg('run.pause'));
      stop.disabled = false;
      say(runState, msg('run.starting'));
      // A new run: nothing of the last one's figures.
      say(stats, '');
      delete stats.dataset.batches;
      delete stats.dataset.imagesPerSecond;
    }
    if (run.status) {
      say(stats, statusText(run.status));
      stats.dataset.batches = String(run.status.done);
      if (Number.isFinite(run.status.imagesPerSecond)) stats.dataset.imagesPerSecond = run.status.imagesPerSecond.toFixed(1);
    }
    pause.disabled = run.state === 'stopping';
    if (run.state === 'paused') {
      pause.dataset.held = 'true';
      say(runState, msg('run.paused', { n: run.status?.done ?? 0 }));
    } else {
      delete pause.dataset.held;
      if (run.state === 'testing') say(runState, msg('run.testing'));
      else if (run.state === 'running' && !paused) say(runState, msg('run.training'));
    }
  };
  onChange('run', update);
  onChange('view', () => void (toTrain.hidden = state.view === 'train'));
  update();
}
