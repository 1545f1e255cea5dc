/**
 * Symbolic tensors and nodes (tfjs `SymbolicTensor` and `Node`, Keras `KerasTensor` and `Node`).
 *
 * `ck.input({ shape })` returns a symbolic tensor: a shape and dtype with no values. Applying a
 * layer to symbolic tensors records a node — which layer, on which tensors, giving which — and
 * returns the node's symbolic outputs, their shapes inferred by the layer's `computeOutputShape`.
 * `ck.model({ inputs, outputs })` then reads the graph back from its outputs.
 */
import type { Shape } from './layer.js';

/** What a layer needs of the layers it connects (kept small: symbolic.ts does not import layer.ts). */
export interface NodeOwner {
  readonly name: string;
  readonly inboundNodes: Node[];
  readonly outboundNodes: Node[];
  describe(): string;
}

let nextId = 0;

/** A tensor in a graph being built: its shape and dtype, and the layer call that produces it. */
export class SymbolicTensor {
  /** Unique in the session. */
  readonly id = nextId++;

  constructor(
    readonly dtype: 'float32' | 'int32',
    /** The shape, with null for the batch dimension. */
    readonly shape: Shape,
    /** The layer whose call produces it. */
    readonly sourceLayer: NodeOwner,
    /** Which of the source layer's calls (its inbound node index). */
    readonly nodeIndex: number,
    /** Which output of that call. */
    readonly tensorIndex: number,
    /** `<layer>/<output>` (as tfjs names them). */
    readonly name: string,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** The node that produces this tensor. */
  get node(): Node {
    return this.sourceLayer.inboundNodes[this.nodeIndex];
  }

  /** `conv2d[0][0]`, as summaries and layer configs refer to it. */
  get ref(): string {
    return `${this.sourceLayer.name}[${this.nodeIndex}][${this.tensorIndex}]`;
  }
}

/** One call of a layer on symbolic inputs (an input layer's node has no inputs). */
export class Node {
  constructor(
    /** The layer called. */
    readonly outboundLayer: NodeOwner,
    /** The tensors it was called on. */
    readonly inputTensors: readonly SymbolicTensor[],
    /** The tensors the call produced (set once, right after the node is made). */
    public outputTensors: readonly SymbolicTensor[],
    /** Keyword arguments of the call, kept for serialization. */
    readonly callArgs: Record<string, unknown> = {},
  ) {}

  /** The layers producing the inputs. */
  get inboundLayers(): NodeOwner[] {
    return this.inputTensors.map((t) => t.sourceLayer);
  }

  /** The nodes producing the inputs. */
  get parentNodes(): Node[] {
    return this.inputTensors.map((t) => t.node);
  }

  /** An input layer's node: no inputs. */
  get isInput(): boolean {
    return this.inputTensors.length === 0;
  }
}

/** Whether `x` is a symbolic tensor. */
export function isSymbolic(x: unknown): x is SymbolicTensor {
  return x instanceof SymbolicTensor;
}
