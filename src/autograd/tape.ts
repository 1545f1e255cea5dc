/**
 * Reverse-mode autograd on tensors, in the style of micrograd: every primitive op (ops.ts) records a
 * GradNode holding its inputs and a `backward` that adds (`+=`) into its inputs' gradients. The
 * topological order is found iteratively, so deep graphs cannot overflow the stack.
 */
import type { Tensor } from '../tensor/tensor.js';

export interface GradNode {
  /** The op's name, for error messages and profiles. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /**
   * Given the gradient of the op's output, accumulates into the inputs' gradients through
   * `accumulateGrad`. Inputs that do not require gradients are skipped by the op itself.
   */
  backward(dy: Tensor, grads: GradStore): void;
  /** The op's output is a ReLU's output (consumers may fold the ReLU's gradient into theirs). */
  readonly reluOutput?: boolean;
}

/** Gradients by tensor, allocated on first use and accumulated with `+=`. */
export interface GradStore {
  /** The gradient tensor of `t`, and whether it already holds a value (`accumulate` for kernels). */
  slot(t: Tensor): { grad: Tensor; accumulate: boolean };
  /**
   * Records that the gradient just written fresh into t's slot already includes the gradient of
   * the ReLU that produced t. A later `slot(t)` (another consumer adding in) clears the mark.
   */
  markReluMasked(t: Tensor): void;
  /** Whether t's whole gradient already includes its ReLU's gradient. */
  reluMasked(t: Tensor): boolean;
}

let recording = 0;

/** True while `valueAndGrads` records ops. */
export function isRecording(): boolean {
  return recording > 0;
}

export function withRecording<T>(fn: () => T): T {
  recording++;
  try {
    return fn();
  } finally {
    recording--;
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
