/** Gradient computation: records `f`, then walks the graph backwards once. */
import { deferDisposals } from '../backend/engine.js';
import { ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { reverseTopological, withRecording, withoutRecording, type GradStore } from './tape.js';

/**
 * Gradients by tensor. A gradient added as a tensor (`add`) is kept as given until a second one
 * arrives; then the sum goes into a tensor the store owns for that entry alone, so shared tensors
 * are never written. Ownership is per entry: a tensor owned as one entry's gradient and added as
 * another's (an add's gradient passed to both operands) is shared, not owned, by the second.
 */
class MapGradStore implements GradStore {
  readonly grads = new Map<Tensor, Tensor>();
  /** The tensors whose gradient tensor belongs to them alone. */
  private readonly owned = new Set<Tensor>();

  slot(t: Tensor): { grad: Tensor; accumulate: boolean } {
    const existing = this.grads.get(t);
    if (existing && this.owned.has(t)) return { grad: existing, accumulate: true };
    const grad = Tensor.empty(t.shape, 'float32', t.backend);
    this.grads.set(t, grad);
    this.owned.add(t);
    if (existing) {
      grad.backend.copy(existing.storage, 0, grad.storage, 0, grad.size);
      return { grad, accumulate: true };
    }
    return { grad, accumulate: false };
  }

  add(t: Tensor, g: Tensor): void {
    if (g.size !== t.size) throw new ValueError(`gradient of ${fmtShape(t.shape)} received a gradient of ${fmtShape(g.shape)}`);
    if (!this.grads.has(t)) {
      this.grads.set(t, g.shape.length === t.shape.length && g.shape.every((d, i) => d === t.shape[i]) ? g : g.reshape(t.shape));
      return;
    }
    const s = this.slot(t);
    s.grad.backend.scale(g.storage, 1, s.grad.storage, t.size, true);
  }
}

/**
 * Evaluates `f()` while recording and walks the graph back from its value, seeded with `dy`
 * (ones of the value's shape by default, as tfjs). Returns the value and, for every tensor of
 * `params` (each must have `requiresGrad`), its gradient, or null where the value does not depend
 * on it.
 */
export function computeGradients(f: () => Tensor, params: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: (Tensor | null)[] } {
  const { result: value, deferred } = deferDisposals(() => withRecording(f));
  try {
    return backpropagate(value, params, dy);
  } finally {
    // Tensors a tidy inside f released: the backward pass is done with them.
    for (const t of deferred) t.dispose();
  }
}

function backpropagate(value: Tensor, params: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: (Tensor | null)[] } {
  if (!(value instanceof Tensor)) throw new ValueError(`gradients: f must return a tensor. Received ${String(value)}`);
  if (dy !== undefined && (dy.rank !== value.rank || dy.shape.some((d, i) => d !== value.shape[i])))
    throw new ValueError(`gradients: dy of shape ${fmtShape(dy.shape)} does not match the shape ${fmtShape(value.shape)} returned by f`);
  const store = new MapGradStore();
  if (value.requiresGrad) {
    withoutRecording(() => {
      if (dy) store.add(value, dy.dtype === 'float32' ? dy : castToFloat(dy));
      else {
        const seed = store.slot(value).grad;
        if (seed.size > 0) seed.backend.fill(seed.storage, 1, seed.size);
      }
      for (const t of reverseTopological(value)) {
        const g = store.grads.get(t);
        if (t.node && g) t.node.backward(g, store);
      }
    });
  }
  return { value, grads: params.map((p) => store.grads.get(p) ?? null) };
}

/**
 * Evaluates `f()` while recording and returns its value with the gradients of every tensor in
 * `params` (which must have `requiresGrad`). The value must be a scalar unless `dy` (the gradient
 * of the value, of its shape) is given. A parameter the value does not depend on gets a zero
 * gradient.
 * @example const { value, grads } = valueAndGrads(() => ck.sum(ck.mul(w, w)), [w]);
 */
export function valueAndGrads(f: () => Tensor, params: readonly Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  for (const p of params) if (!p.requiresGrad) throw new ValueError(`valueAndGrads: parameter ${fmtShape(p.shape)} does not require gradients; mark it with requiresGrad = true`);
  const { value, grads } = computeGradients(() => {
    const v = f();
    if (v instanceof Tensor && dy === undefined && v.size !== 1) throw new ValueError(`valueAndGrads: f must return a scalar. Received shape ${fmtShape(v.shape)}`);
    return v;
  }, params, dy);
  return { value, grads: grads.map((g, i) => g ?? Tensor.empty(params[i].shape, 'float32', params[i].backend)) };
}

function castToFloat(t: Tensor): Tensor {
  const out = Tensor.empty(t.shape, 'float32', t.backend);
  t.backend.cast(t.storage, out.storage, t.size);
  return out;
}
