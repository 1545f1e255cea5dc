/**
 * Fusions a model decides when it compiles, in one place: the layers stay plain (`call(x)`), and
 * the plan built here runs some neighbouring layers as one fused op.
 *
 * - Conv2D(relu) followed by MaxPooling2D, when nothing else reads the convolution's output: one
 *   op whose pool backward routes the gradient only to positive maxima (the ReLU's gradient), so
 *   no activation-backward pass runs (`ops.conv2dReluMaxPool`).
 * - A final softmax whose loss is sparse categorical cross-entropy: the plan can stop before the
 *   softmax and the loss takes logits (`ops.softmaxCrossEntropy`, one kernel for both).
 * - BatchNormalization followed by a ReLU or GELU Activation layer (its only reader in a linear
 *   stack): the normalisation kernels apply the activation as they write (`ops.batchNormTraining`/
 *   `batchNormInference` with `act`), and its backward pass folds the activation's gradient in.
 */
import { conv2dReluMaxPool } from '../autograd/ops.js';
import type { ActivationName } from '../layers/activations.js';
import { Conv2D } from '../layers/convolutional.js';
import { Activation } from '../layers/core.js';
import { BatchNormalization } from '../layers/normalization.js';
import type { Kwargs, Layer, LayerVariable } from '../layers/layer.js';
import { Pooling2D } from '../layers/pooling.js';
import { fusesSoftmax, type LossSpec } from '../losses/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** A layer that can run with its activation replaced (Dense, Conv2D, Activation). */
interface ActivationLayer extends Layer {
  readonly activation: ActivationName;
  callWithActivation(x: Tensor, kwargs: Kwargs, act: ActivationName): Tensor;
}

function hasActivation(l: Layer): l is ActivationLayer {
  return typeof (l as Partial<ActivationLayer>).callWithActivation === 'function' && typeof (l as Partial<ActivationLayer>).activation === 'string';
}

type Step = (x: Tensor, training: boolean, logits: boolean) => Tensor;

/** How a linear stack of layers runs. */
export interface ExecutionPlan {
  /** Runs the layers; with `logits` (only when `fusesSoftmax`), stops before the final softmax. */
  run(x: Tensor, training: boolean, logits: boolean): Tensor;
  /** The loss receives logits from `run(x, training, true)` (its softmax is fused into the loss). */
  readonly fusesSoftmax: boolean;
  /** Names of the fused layer pairs, for summaries and tests. */
  readonly fused: readonly string[];
}

/** Whether Conv2D `a` followed by pooling layer `b` can run as conv + ReLU + max pool in one op (no penalty needs the conv's output). */
function convReluPool(a: Layer, b: Layer | undefined): b is Pooling2D {
  return a instanceof Conv2D && a.activation === 'relu' && !a.activityRegularizer && b instanceof Pooling2D && b.kind === 'max';
}

/** Whether BatchNormalization `a` followed by `b` can run as one normalisation with a fused activation. */
function normActivation(a: Layer, b: Layer | undefined): b is Activation & { activation: 'relu' | 'gelu' } {
  return a instanceof BatchNormalization && b instanceof Activation && (b.activation === 'relu' || b.activation === 'gelu');
}

/** The plan of a linear stack of layers under `loss` (null: inference only). */
export function planSequential(layers: readonly Layer[], loss: LossSpec | null): ExecutionPlan {
  const steps: Step[] = [];
  const fused: string[] = [];
  const last = layers[layers.length - 1];
  const softmaxFused = !!loss && !loss.fromLogits && fusesSoftmax(loss) && !!last && hasActivation(last) && last.activation === 'softmax';
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i], next = layers[i + 1];
    if (convReluPool(l, next)) {
      const conv = l as Conv2D, pool = next;
      fused.push(`${conv.name}+${pool.name}`);
      steps.push((x) =>
        conv2dReluMaxPool(x, (conv.kernel as LayerVariable).read(), conv.bias?.read() ?? null, { strides: conv.strides, padding: conv.padding, dilations: conv.dilationRate as [number, number] }, { poolSize: pool.poolSize, strides: pool.strides, padding: pool.padding }),
      );
      i++;
    } else if (normActivation(l, next)) {
      const bn = l as BatchNormalization, act = next.activation;
      fused.push(`${bn.name}+${next.name}`);
      steps.push((x, training) => bn.callWithActivation(x, { training }, act));
      i++;
    } else if (l === last && softmaxFused) {
      const a = l as ActivationLayer;
      fused.push(`${a.name}+loss`);
      steps.push((x, training, logits) => (logits ? a.callWithActivation(x, { training }, 'linear') : (a.call(x, { training }) as Tensor)));
    } else steps.push((x, training) => l.call(x, { training }) as Tensor);
  }
  return {
    fusesSoftmax: softmaxFused,
    fused,
    run(x, training, logits) {
      let y = x;
      for (const step of steps) y = step(y, training, logits && softmaxFused);
      return y;
    },
  };
}
