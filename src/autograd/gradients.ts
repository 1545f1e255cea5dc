/**
 * TensorFlow.js's gradient functions for custom training loops: `grad`, `grads`, `valueAndGrad`,
 * `valueAndGrads` (functions that return functions), `variableGrads` over the registered trainable
 * variables, and `customGrad`. Intermediate tensors are released when each call returns (tfjs
 * runs them in a tidy too); the value and gradients are returned to the caller's scope.
 * Higher-order gradients (the gradient of a gradient) are not supported: backward passes run
 * without recording.
 */
import { tidy } from '../backend/engine.js';
import { ValueError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { Variable, registeredVariables } from '../tensor/variable.js';
import { computeGradients } from './grad.js';
import { record, withoutRecording } from './tape.js';
import { toTensor, type TensorInput } from './ops/util.js';

function assertFunction(f: unknown, where: string): void {
  if (typeof f !== 'function') throw new ValueError(`${where}: f must be a function. Received ${typeof f}`);
}

/**
 * Gradients of f(...xs) with respect to xs, each x marked for gradients for the duration of the
 * call. `allowNone` keeps nulls for inputs f does not depend on (else that is an error, as tfjs).
 */
function gradientsOf(where: string, f: () => Tensor, xs: readonly Tensor[], dy: Tensor | undefined, allowNone = false): { value: Tensor; grads: (Tensor | null)[] } {
  if (dy !== undefined && dy.dtype !== 'float32') throw new ValueError(`${where}: dy must have dtype float32. Received ${dy.dtype}`);
  const marked = xs.filter((x) => !x.requiresGrad);
  for (const x of marked) x.requiresGrad = true;
  try {
    const out = tidy(() => {
      const r = computeGradients(f, xs, dy);
      if (!allowNone && r.grads.some((g) => g === null))
        throw new ValueError(`${where}: cannot compute the gradient of y = f(x) with respect to x: y does not depend on it. f must contain every operation from x to y`);
      return { value: r.value, grads: r.grads };
    });
    // The value leaves the graph: it is a plain tensor for the caller.
    out.value.node = null;
    out.value.requiresGrad = false;
    return out;
  } finally {
    for (const x of marked) x.requiresGrad = false;
  }
}

/**
 * The gradient function of f (tfjs `tf.grad`): `ck.grad(f)(x, dy?)` is df/dx, with dy (ones by
 * default) the gradient of f's output.
 * @example const g = ck.grad((x) => x.square()); g(ck.tensor1d([2, 3])) // [4, 6]
 */
export function grad(f: (x: Tensor) => Tensor): (x: TensorInput, dy?: TensorInput) => Tensor {
  assertFunction(f, 'grad');
  return (xIn, dyIn) => {
    const x = toTensor(xIn, 'x', 'grad');
    const dy = dyIn === undefined || dyIn === null ? undefined : toTensor(dyIn, 'dy', 'grad');
    return gradientsOf('grad', () => f(x), [x], dy).grads[0] as Tensor;
  };
}

/** The gradient function of f with respect to each argument (tfjs `tf.grads`): `ck.grads(f)([a, b], dy?)`. */
export function grads(f: (...args: Tensor[]) => Tensor): (args: readonly TensorInput[], dy?: TensorInput) => Tensor[] {
  assertFunction(f, 'grads');
  return (argsIn, dyIn) => {
    if (!Array.isArray(argsIn)) throw new ValueError('grads: args must be an array of tensors or values: grads(f)([x1, x2, ...])');
    const args = argsIn.map((a, i) => toTensor(a, `args[${i}]`, 'grads'));
    const dy = dyIn === undefined || dyIn === null ? undefined : toTensor(dyIn, 'dy', 'grads');
    return gradientsOf('grads', () => f(...args), args, dy).grads as Tensor[];
  };
}

/** Like `grad`, also returning f(x) (tfjs `tf.valueAndGrad`): `{ value, grad }`. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  assertFunction(f, 'valueAndGrad');
  return (x, dy) => {
    if (!(x instanceof Tensor)) throw new ValueError('valueAndGrad: x must be a tensor');
    const r = gradientsOf('valueAndGrad', () => f(x), [x], dy ?? undefined);
    return { value: r.value, grad: r.grads[0] as Tensor };
  };
}

/** Like `grads`, also returning f(...args) (tfjs `tf.valueAndGrads`): `{ value, grads }`. */
export function valueAndGrads(f: (...args: Tensor[]) => Tensor): (args: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  assertFunction(f, 'valueAndGrads');
  return (args, dy) => {
    if (!Array.isArray(args) || !args.every((a) => a instanceof Tensor)) throw new ValueError('valueAndGrads: args must be an array of tensors');
    const r = gradientsOf('valueAndGrads', () => f(...args), args, dy ?? undefined);
    return { value: r.value, grads: r.grads as Tensor[] };
  };
}

/**
 * The value of the scalar f() and its gradients with respect to trainable variables (tfjs
 * `tf.variableGrads`): all registered trainable variables, or those of `varList`. Variables f does
 * not use are left out of `grads`; non-trainable ones in `varList` map to null.
 * @example const { value, grads } = ck.variableGrads(() => loss(model(xs), ys));
 */
export function variableGrads(f: () => Tensor, varList?: readonly Variable[]): { value: Tensor; grads: Record<string, Tensor | null> } {
  assertFunction(f, 'variableGrads');
  if (varList !== undefined && varList !== null && !(Array.isArray(varList) && varList.every((v) => v instanceof Variable)))
    throw new ValueError('variableGrads: varList must be an array of variables');
  const all = varList ?? [...registeredVariables().values()];
  const trainable = all.filter((v) => v.trainable);
  if (trainable.length === 0)
    throw new ValueError(`variableGrads: at least one variable must be trainable; none of the ${all.length} variables is (make them with ck.variable(value), trainable by default)`);
  const { value, grads: gs } = gradientsOf('variableGrads', f, trainable, undefined, true);
  if (value.rank !== 0) throw new ValueError(`variableGrads: f must return a scalar. Received shape ${fmtShape(value.shape)}`);
  if (gs.every((g) => g === null))
    throw new ValueError('variableGrads: the result of f does not depend on any trainable variable; the operations that use the variables must run inside f');
  const named: Record<string, Tensor | null> = {};
  trainable.forEach((v, i) => {
    const g = gs[i];
    if (g) named[v.name] = g;
  });
  if (varList) for (const v of varList) if (!v.trainable) named[v.name] = null;
  return { value, grads: named };
}

/** What a `customGrad` function returns: its value and the gradient function. */
export interface CustomGradResult {
  value: Tensor;
  /** Gradients of the inputs (one tensor, or one per input) given dy and the tensors passed to `save`. */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | Tensor[];
}

/**
 * An op with a hand-written gradient (tfjs `tf.customGrad`): f(...inputs, save) computes the value
 * and returns `{ value, gradFunc }`; `save(tensors)` keeps tensors for gradFunc.
 * @example const clipGrad = ck.customGrad((x, save) => ({ value: x.square(), gradFunc: (dy) => dy.clipByValue(-1, 1) }));
 */
export function customGrad(f: (...args: never[]) => CustomGradResult): (...inputs: Tensor[]) => Tensor {
  assertFunction(f, 'customGrad');
  return (...inputs) => {
    if (!inputs.every((t) => t instanceof Tensor)) throw new ValueError('customGrad: the arguments of the returned function must all be tensors');
    let saved: Tensor[] = [];
    const save = (ts: Tensor[]): void => {
      saved = ts;
    };
    const call = f as unknown as (...args: unknown[]) => CustomGradResult;
    const { value, gradFunc } = withoutRecording(() => call(...inputs, save));
    if (!(value instanceof Tensor)) throw new ValueError('customGrad: f must return { value, gradFunc } with value a tensor');
    if (typeof gradFunc !== 'function') throw new ValueError('customGrad: f must return { value, gradFunc } with gradFunc a function');
    const y = Tensor.view(value, value.shape);
    return record(y, 'customGrad', inputs, (dy, store) => {
      const g = gradFunc(dy, saved);
      const gs = Array.isArray(g) ? g : [g];
      if (gs.length !== inputs.length) throw new ValueError(`customGrad: gradFunc returned ${gs.length} gradients for ${inputs.length} inputs`);
      inputs.forEach((x, i) => {
        if (!x.requiresGrad) return;
        const gi = gs[i];
        if (gi.rank !== x.rank || gi.shape.some((d, k) => d !== x.shape[k]))
          throw new ValueError(`customGrad: gradient ${i} has shape ${fmtShape(gi.shape)} but input ${i} has shape ${fmtShape(x.shape)}`);
        store.add(x, gi);
      });
    });
  };
}
