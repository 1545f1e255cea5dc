/**
 * Differentiable ops, by family: element-wise (with broadcasting), reductions, shape and layout,
 * linear algebra, and the fused neural-network ops. Each op computes its forward with backend
 * kernels and, while recording, attaches a GradNode whose `backward` sits right beside it.
 */
export * from './ops/elementwise.js';
export * from './ops/reduction.js';
export * from './ops/transform.js';
export * from './ops/linalg.js';
export * from './ops/nn.js';
export { toTensor, type TensorInput } from './ops/util.js';
export * from './ops/encode.js';
export * from './ops/normalization.js';
export * from './ops/image.js';
export * from './ops/creation.js';
export * from './ops/layout.js';
export * from './ops/scan.js';
export * from './ops/strided.js';
import './chain.js';
