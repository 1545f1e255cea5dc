/**
 * The graph of a model, read back from its outputs as Keras's `_map_graph_network` (and tfjs's
 * container) does: the nodes that compute the outputs from the inputs, their depths (outputs 0,
 * inputs deepest), the layers in Keras's order (by depth, deepest first, then by traversal
 * order), and a topological execution order. Checks that every needed value is computable from
 * the inputs and that layer names are unique.
 */
import { ValueError, fmtShape } from '../errors.js';
import { InputLayer } from '../layers/input-layer.js';
import type { Layer } from '../layers/layer.js';
import type { Node, NodeOwner, SymbolicTensor } from '../layers/symbolic.js';

/** A model's graph. */
export interface Network {
  /** The nodes that run, in execution (topological) order; input layers' nodes excluded. */
  readonly nodes: readonly Node[];
  /** Every node of the model, input nodes included (for serialization). */
  readonly nodeSet: ReadonlySet<Node>;
  /** Node depths: outputs 0, deeper towards the inputs. */
  readonly depth: ReadonlyMap<Node, number>;
  /** The layers in Keras order (input layers included). */
  readonly layers: readonly Layer[];
}

/** Maps the graph computing `outputs` from `inputs`; `where` names the model in errors. */
export function mapNetwork(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], where: string): Network {
  for (const t of inputs) {
    if (!(t.sourceLayer instanceof InputLayer) || t.nodeIndex !== 0 || t.tensorIndex !== 0)
      throw new ValueError(`${where}: model inputs must come from ck.input (or an InputLayer). Received the output of ${t.sourceLayer.describe()}`);
  }
  if (new Set(inputs).size !== inputs.length) throw new ValueError(`${where}: the same input is listed twice`);

  // Depth-first from the outputs (Keras _build_map): nodes in decreasing depth, layers by first visit.
  const finished = new Set<Node>();
  const inProgress = new Set<Node>();
  const ordered: Node[] = [];
  const layerIndex = new Map<NodeOwner, number>();
  const visit = (t: SymbolicTensor): void => {
    const node = t.node;
    if (finished.has(node)) return;
    if (inProgress.has(node)) throw new ValueError(`${where}: the tensor ${t.name} at layer '${t.sourceLayer.name}' is part of a cycle`);
    if (!layerIndex.has(node.outboundLayer)) layerIndex.set(node.outboundLayer, layerIndex.size);
    inProgress.add(node);
    // An explicit stack would avoid deep recursion; graphs of thousands of layers fit the JS stack.
    for (const x of node.inputTensors) visit(x);
    finished.add(node);
    inProgress.delete(node);
    ordered.push(node);
  };
  for (const t of outputs) visit(t);

  // Depths (Keras): a node is one deeper than the deepest node reading it; a layer takes its deepest node's depth.
  const nodeDepth = new Map<Node, number>();
  const layerDepth = new Map<NodeOwner, number>();
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i];
    const depth = Math.max(nodeDepth.get(node) ?? 0, layerDepth.get(node.outboundLayer) ?? 0);
    if (!nodeDepth.has(node)) nodeDepth.set(node, 0);
    layerDepth.set(node.outboundLayer, depth);
    nodeDepth.set(node, depth);
    for (const parent of node.parentNodes) nodeDepth.set(parent, Math.max(depth + 1, nodeDepth.get(parent) ?? 0));
  }
  // Inputs that no output needs still belong to the model.
  for (const t of inputs) {
    if (!layerDepth.has(t.sourceLayer)) {
      layerDepth.set(t.sourceLayer, 0);
      layerIndex.set(t.sourceLayer, -1);
      nodeDepth.set(t.node, 0);
    }
  }

  const byDepthThenIndex = <T>(depthOf: (x: T) => number, indexOf: (x: T) => number) => (a: T, b: T): number => depthOf(b) - depthOf(a) || indexOf(a) - indexOf(b);
  const layers = [...layerDepth.keys()].sort(byDepthThenIndex((l) => layerDepth.get(l) as number, (l) => layerIndex.get(l) as number)) as unknown as Layer[];
  const position = new Map(ordered.map((n, i) => [n, i]));
  const allNodes = [...nodeDepth.keys()];
  const nodes = allNodes.filter((n) => !n.isInput).sort(byDepthThenIndex((n) => nodeDepth.get(n) as number, (n) => position.get(n) ?? 0));

  // Every value a node reads must come from the inputs (Keras: "Graph disconnected").
  const computable = new Set<SymbolicTensor>(inputs);
  const done: string[] = [];
  for (const node of nodes) {
    for (const x of node.inputTensors)
      if (!computable.has(x))
        throw new ValueError(`${where}: graph disconnected: cannot obtain the value of ${x.name} ${fmtShape(x.shape)} for layer '${node.outboundLayer.name}' from the model's inputs. Layers reached from the inputs: ${done.join(', ') || 'none'}`);
    for (const y of node.outputTensors) computable.add(y);
    done.push(node.outboundLayer.name);
  }
  for (const t of outputs) if (!computable.has(t)) throw new ValueError(`${where}: the output ${t.name} cannot be computed from the model's inputs (is it an input of another model?)`);

  const names = new Map<string, number>();
  for (const l of layers) names.set(l.name, (names.get(l.name) ?? 0) + 1);
  for (const [name, count] of names)
    if (count > 1) throw new ValueError(`${where}: the name '${name}' is used ${count} times in the model. All layer names should be unique`);
  return { nodes, nodeSet: new Set(allNodes), depth: nodeDepth, layers };
}
