/**
 * Reverse-mode autograd on tensors, in the style of micrograd: every primitive op (ops/*.ts) records
 * a GradNode holding its inputs and a `backward` that adds (`+=`) into its inputs' gradients. The
 * topological order is found iteratively, so deep graphs cannot overflow the stack.
 */
import type { Tensor } from '../tensor/tensor.js';

export interface GradNode {
  /** The op's name, for error messages and profiles. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /**
   * Given the gradient of the op's output, adds into the inputs' gradients through the store
   * (`slot` for kernels that accumulate themselves, `add` for gradients computed as tensors).
   * Inputs that do not require gradients are skipped by the op itself.
   */
  backward(dy: Tensor, grads: GradStore): void;
}

/** Gradients by tensor, accumulated with `+=`. */
export interface GradStore {
  /**
   * The gradient tensor of `t` for a kernel to write into, and whether it already holds a value
   * (the kernel's `accumulate` flag). The tensor belongs to the store.
   */
  slot(t: Tensor): { grad: Tensor; accumulate: boolean };
  /** Adds `g` (of t's shape) to t's gradient. `g` is not modified later, so it may be shared. */
  add(t: Tensor, g: Tensor): void;
}

let recording = 0;

export function withRecording<T>(fn: () => T): T {
  recording++;
  try {
    return fn();
  } finally {
    recording--;
  }
}

/** Runs `fn` without recording (a gradient's own computations, optimizer updates). */
export function withoutRecording<T>(fn: () => T): T {
  const saved = recording;
  recording = 0;
  try {
    return fn();
  } finally {
    recording = saved;
  }
}

/** Whether an op with these inputs must record a node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  return recording > 0 && inputs.some((t) => t.requiresGrad);
}

/** Tensors reachable from `root` in reverse topological order (outputs before their inputs). */
export function reverseTopological(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: { t: Tensor; expanded: boolean }[] = [{ t: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop() as { t: Tensor; expanded: boolean };
    if (top.expanded) {
      order.push(top.t);
      continue;
    }
    if (seen.has(top.t)) continue;
    seen.add(top.t);
    stack.push({ t: top.t, expanded: true });
    for (const input of top.t.node?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push({ t: input, expanded: false });
  }
  return order.reverse();
}

/**
 * Attaches a GradNode to `out` when any input needs gradients (and ops are being recorded);
 * `backward` sits beside the op's forward code in the op's own file. Returns `out`.
 */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: (dy: Tensor, grads: GradStore) => void): Tensor {
  if (needsGrad(inputs)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}
