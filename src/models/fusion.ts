/**
 * How a model's graph runs: the execution plan, with the fusions the model decides when it
 * compiles, in one place. The layers stay plain (`call(inputs, kwargs)`); the plan runs some
 * neighbouring nodes as one fused op:
 *
 * - Conv2D (linear or relu) followed by MaxPooling2D, when the pooling is the only reader of the
 *   convolution's output, that output is not a model output and no activity penalty needs it: one
 *   op that records each window's winner and keeps no convolution output (the backend may pool it
 *   as it writes it); its backward routes the gradient by the winners, only to positive maxima
 *   under relu (the ReLU's gradient), so no activation-backward pass runs (`ops.conv2dMaxPool`).
 * - BatchNormalization followed by a ReLU or GELU Activation layer, its only reader: the
 *   normalisation kernels apply the activation as they write (`ops.batchNormTraining`/
 *   `batchNormInference` with `act`), and its backward pass folds the activation's gradient in.
 * - A final softmax whose output's loss is sparse categorical cross-entropy, when nothing else
 *   reads the probabilities: the plan can stop before the softmax and the loss takes logits
 *   (`ops.softmaxCrossEntropy`, one kernel for both). Decided per output.
 *
 * Nodes run in topological order inside the caller's step arena. A value is dropped from the
 * plan's table after its last reader, so nothing holds an intermediate longer than needed.
 */
import { conv2dMaxPool } from '../autograd/ops.js';
import { MAX_WINNER_CELLS } from '../backend/backend.js';
import type { ActivationName } from '../layers/activations.js';
import { Conv2D } from '../layers/convolutional.js';
import { Activation } from '../layers/core.js';
import { BatchNormalization } from '../layers/normalization.js';
import type { Kwargs, Layer, LayerVariable } from '../layers/layer.js';
import { MaxPooling2D } from '../layers/pooling.js';
import type { Node, SymbolicTensor } from '../layers/symbolic.js';
import { fusesSoftmax, type LossSpec } from '../losses/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Network } from './graph.js';

/** A layer that can run with its activation replaced (Dense, Conv2D, Activation). */
interface ActivationLayer extends Layer {
  readonly activation: ActivationName;
  callWithActivation(x: Tensor, kwargs: Kwargs, act: ActivationName): Tensor;
}

function hasActivation(l: Layer): l is ActivationLayer {
  return typeof (l as Partial<ActivationLayer>).callWithActivation === 'function' && typeof (l as Partial<ActivationLayer>).activation === 'string';
}

/** How a model's graph runs. */
export interface ExecutionPlan {
  /**
   * Runs the graph on the model's inputs (in model order) and returns its outputs. With `logits`,
   * an output whose softmax the loss fuses (`fusesSoftmax[i]`) comes without its softmax.
   */
  run(inputs: readonly Tensor[], training: boolean, logits: boolean): Tensor[];
  /** Per output: the loss receives logits from `run(x, training, true)`. */
  readonly fusesSoftmax: readonly boolean[];
  /** Names of the fused pairs (`conv2d+max_pooling2d`, `dense_1+loss`), for summaries and tests. */
  readonly fused: readonly string[];
}

interface Step {
  readonly ins: number[];
  readonly outs: number[];
  readonly run: (xs: Tensor[], training: boolean, logits: boolean) => Tensor[];
}

/**
 * Whether Conv2D `a` followed by `b` can run as conv (+ ReLU) + max pool in one op: no penalty
 * needs the conv's output, and a window's winner fits a byte (MAX_WINNER_CELLS).
 */
function convPool(a: Layer, b: Layer): boolean {
  return a instanceof Conv2D && (a.activation === 'relu' || a.activation === 'linear') && !a.activityRegularizer && b instanceof MaxPooling2D && b.poolSize[0] * b.poolSize[1] <= MAX_WINNER_CELLS;
}

/** Whether BatchNormalization `a` followed by `b` can run as one normalisation with a fused activation. */
function normActivation(a: Layer, b: Layer): boolean {
  return a instanceof BatchNormalization && b instanceof Activation && (b.activation === 'relu' || b.activation === 'gelu');
}

/** Calls a node's layer as tfjs does: one input as a tensor, several as a list. */
function callNode(node: Node, xs: Tensor[], training: boolean): Tensor[] {
  const y = (node.outboundLayer as unknown as Layer).call(xs.length === 1 ? xs[0] : xs, { training });
  return Array.isArray(y) ? y : [y];
}

/**
 * The plan of a graph (`net`, from `inputs` to `outputs`) under the per-output `losses` (null:
 * inference only).
 */
export function planGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], net: Network, losses: readonly LossSpec[] | null): ExecutionPlan {
  const readers = new Map<SymbolicTensor, Node[]>();
  for (const node of net.nodes) for (const x of node.inputTensors) readers.set(x, [...(readers.get(x) ?? []), node]);
  const isOutput = (t: SymbolicTensor): boolean => outputs.includes(t);

  // Softmax into the loss, per output.
  const fusesSoftmaxAt = outputs.map((t, i) => {
    const loss = losses?.[i];
    const layer = t.node.outboundLayer as unknown as Layer;
    return !!loss && !loss.fromLogits && fusesSoftmax(loss) && !t.node.isInput && hasActivation(layer) && layer.activation === 'softmax' &&
      t.node.outputTensors.length === 1 && (readers.get(t)?.length ?? 0) === 0 && outputs.indexOf(t) === outputs.lastIndexOf(t);
  });
  const softmaxNodes = new Set(outputs.filter((_, i) => fusesSoftmaxAt[i]).map((t) => t.node));

  // Pairs run as one op: Conv2D(linear|relu) → MaxPooling2D, BatchNormalization → Activation(relu|gelu),
  // when the second is the first's only reader and the first's output is not a model output.
  const fusedPair = new Map<Node, Node>(); // second node → first node
  for (const node of net.nodes) {
    if (node.outputTensors.length !== 1 || softmaxNodes.has(node)) continue;
    const t = node.outputTensors[0];
    const r = readers.get(t) ?? [];
    if (r.length !== 1 || r[0].inputTensors.length !== 1 || isOutput(t)) continue;
    const first = node.outboundLayer as unknown as Layer, second = r[0].outboundLayer as unknown as Layer;
    if (convPool(first, second) || normActivation(first, second)) fusedPair.set(r[0], node);
  }
  const skipped = new Set(fusedPair.values());

  const slot = new Map<SymbolicTensor, number>();
  const slotOf = (t: SymbolicTensor): number => {
    let s = slot.get(t);
    if (s === undefined) slot.set(t, (s = slot.size));
    return s;
  };
  inputs.forEach(slotOf);
  const steps: Step[] = [];
  const fused: string[] = [];
  for (const node of net.nodes) {
    if (skipped.has(node)) continue;
    const layer = node.outboundLayer as unknown as Layer;
    const outs = node.outputTensors.map(slotOf);
    const first = fusedPair.get(node);
    if (first && first.outboundLayer instanceof Conv2D) {
      const c = first.outboundLayer as unknown as Conv2D, p = layer as MaxPooling2D;
      fused.push(`${c.name}+${p.name}`);
      const conv = { strides: c.strides as [number, number], padding: c.padding as 'valid' | 'same', dilations: c.dilationRate as [number, number] };
      steps.push({
        ins: first.inputTensors.map(slotOf), outs,
        run: ([x]) => [
          conv2dMaxPool(x, (c.kernel as LayerVariable).read(), c.bias?.read() ?? null, c.activation as 'linear' | 'relu', conv, { poolSize: p.poolSize, strides: p.strides, padding: p.padding }),
        ],
      });
    } else if (first) {
      const bn = first.outboundLayer as unknown as BatchNormalization, act = (layer as Activation).activation as 'relu' | 'gelu';
      fused.push(`${bn.name}+${layer.name}`);
      steps.push({ ins: first.inputTensors.map(slotOf), outs, run: ([x], training) => [bn.callWithActivation(x, { training }, act)] });
    } else if (softmaxNodes.has(node)) {
      const a = layer as ActivationLayer;
      fused.push(`${a.name}+loss`);
      steps.push({ ins: node.inputTensors.map(slotOf), outs, run: ([x], training, logits) => [logits ? a.callWithActivation(x, { training }, 'linear') : (a.call(x, { training }) as Tensor)] });
    } else steps.push({ ins: node.inputTensors.map(slotOf), outs, run: (xs, training) => callNode(node, xs, training) });
  }

  // The last step reading each slot (model outputs are kept to the end).
  const lastUse = new Array<number>(slot.size).fill(-1);
  steps.forEach((s, i) => s.ins.forEach((k) => (lastUse[k] = i)));
  const outSlots = outputs.map(slotOf);
  for (const k of outSlots) lastUse[k] = Infinity;
  const nSlots = slot.size;
  const inSlots = inputs.map(slotOf);

  return {
    fusesSoftmax: fusesSoftmaxAt,
    fused,
    run(xs, training, logits) {
      const values = new Array<Tensor | undefined>(nSlots);
      inSlots.forEach((k, i) => (values[k] = xs[i]));
      steps.forEach((s, i) => {
        const ys = s.run(s.ins.map((k) => values[k] as Tensor), training, logits);
        s.outs.forEach((k, j) => (values[k] = ys[j]));
        for (const k of s.ins) if (lastUse[k] === i) values[k] = undefined;
      });
      return outSlots.map((k) => values[k] as Tensor);
    },
  };
}
