/** Gradient computation: records `f`, then walks the graph backwards once. */
import { ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { reverseTopological, withRecording, type GradStore } from './tape.js';

class MapGradStore implements GradStore {
  readonly grads = new Map<Tensor, Tensor>();
  private readonly masked = new Set<Tensor>();
  slot(t: Tensor): { grad: Tensor; accumulate: boolean } {
    const existing = this.grads.get(t);
    if (existing) {
      this.masked.delete(t);
      return { grad: existing, accumulate: true };
    }
    const grad = Tensor.empty(t.shape, t.backend);
    this.grads.set(t, grad);
    return { grad, accumulate: false };
  }
  markReluMasked(t: Tensor): void {
    this.masked.add(t);
  }
  reluMasked(t: Tensor): boolean {
    return this.masked.has(t);
  }
}

/**
 * Evaluates the scalar `f()` while recording and returns its value with the gradients of every
 * tensor in `params` (which must have `requiresGrad`). A parameter the value does not depend on
 * gets a zero gradient.
 * @example const { value, grads } = valueAndGrads(() => ck.ops.sum(ck.ops.mul(w, w)), [w]);
 */
export function valueAndGrads(f: () => Tensor, params: readonly Tensor[]): { value: Tensor; grads: Tensor[] } {
  for (const p of params) if (!p.requiresGrad) throw new ValueError(`valueAndGrads: parameter ${fmtShape(p.shape)} does not require gradients; mark it with requiresGrad = true`);
  const value = withRecording(f);
  if (value.size !== 1) throw new ValueError(`valueAndGrads: f must return a scalar. Received shape ${fmtShape(value.shape)}`);
  const store = new MapGradStore();
  if (value.requiresGrad) {
    store.slot(value).grad.storage.data[0] = 1;
    for (const t of reverseTopological(value)) {
      const dy = store.grads.get(t);
      if (t.node && dy) t.node.backward(dy, store);
    }
  }
  const grads = params.map((p) => store.grads.get(p) ?? Tensor.empty(p.shape, p.backend));
  return { value, grads };
}
