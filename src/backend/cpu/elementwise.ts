/**
 * Scalar definitions of the element-wise functions, following TensorFlow.js's CPU kernels (its
 * banker's rounding, floor modulo, NaN propagation in maximum/minimum, hardSigmoid 0.2x + 0.5).
 * Both the reference backend and the WASM backend's generic path evaluate them in float64 and
 * store float32, so they agree bit for bit.
 */
import type { BinaryOp, DifferentiableUnaryOp, UnaryOp } from '../backend.js';
import { erf, gelu, geluGrad } from './gelu.js';

export { erf };

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);

function softplus(x: number): number {
  // log(1 + e^x) without overflow.
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Round half to even (TensorFlow's `round`). */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** f(x, params) for every unary op. */
export function unaryFn(op: UnaryOp, p: readonly number[] = []): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'abs': return Math.abs;
    case 'sign': return (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
    case 'square': return (x) => x * x;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'reciprocal': return (x) => 1 / x;
    case 'exp': return Math.exp;
    case 'expm1': return Math.expm1;
    case 'log': return Math.log;
    case 'log1p': return Math.log1p;
    case 'sin': return Math.sin;
    case 'cos': return Math.cos;
    case 'tan': return Math.tan;
    case 'asin': return Math.asin;
    case 'acos': return Math.acos;
    case 'atan': return Math.atan;
    case 'sinh': return Math.sinh;
    case 'cosh': return Math.cosh;
    case 'tanh': return Math.tanh;
    case 'asinh': return Math.asinh;
    case 'acosh': return Math.acosh;
    case 'atanh': return Math.atanh;
    case 'floor': return Math.floor;
    case 'ceil': return Math.ceil;
    case 'round': return roundHalfEven;
    case 'erf': return erf;
    case 'relu': return (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x);
    case 'relu6': return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 6));
    case 'elu': {
      const a = p[0] ?? 1;
      return (x) => (x > 0 ? x : a * Math.expm1(x));
    }
    case 'selu': return (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x));
    case 'sigmoid': return sigmoid;
    case 'logSigmoid': return (x) => -softplus(-x);
    case 'softplus': return softplus;
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'gelu': return gelu;
    case 'geluTanh': return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_PI * (x + 0.044715 * x * x * x)));
    case 'swish': return (x) => x * sigmoid(x);
    case 'mish': return (x) => x * Math.tanh(softplus(x));
    case 'hardSigmoid': return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(0.2 * x + 0.5, 0), 1));
    case 'leakyRelu': {
      const a = p[0] ?? 0.2;
      return (x) => (x > 0 ? x : a * x);
    }
    case 'step': {
      const a = p[0] ?? 0;
      return (x) => (x > 0 ? 1 : Number.isNaN(x) ? NaN : a);
    }
    case 'clip': {
      const lo = p[0], hi = p[1];
      return (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, lo), hi));
    }
    case 'affine': {
      const s = p[0], o = p[1] ?? 0;
      return (x) => x * s + o;
    }
    case 'isNaN': return (x) => (Number.isNaN(x) ? 1 : 0);
    case 'isInf': return (x) => (x === Infinity || x === -Infinity ? 1 : 0);
    case 'isFinite': return (x) => (Number.isFinite(x) ? 1 : 0);
    case 'logicalNot': return (x) => (x === 0 ? 1 : 0);
    default: return op satisfies never;
  }
}

/**
 * The derivative f'(x) as a function of x and y = f(x). relu, sigmoid and tanh use y only (they
 * may be given y alone).
 */
export function derivativeFn(op: DifferentiableUnaryOp, p: readonly number[] = []): (x: number, y: number) => number {
  switch (op) {
    case 'neg': return () => -1;
    case 'abs': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'square': return (x) => 2 * x;
    case 'sqrt': return (_x, y) => 0.5 / y;
    case 'rsqrt': return (x, y) => -0.5 * y / x;
    case 'reciprocal': return (_x, y) => -y * y;
    case 'exp': return (_x, y) => y;
    case 'expm1': return (x) => Math.exp(x);
    case 'log': return (x) => 1 / x;
    case 'log1p': return (x) => 1 / (1 + x);
    case 'sin': return Math.cos;
    case 'cos': return (x) => -Math.sin(x);
    case 'tan': return (x) => 1 / (Math.cos(x) * Math.cos(x));
    case 'asin': return (x) => 1 / Math.sqrt(1 - x * x);
    case 'acos': return (x) => -1 / Math.sqrt(1 - x * x);
    case 'atan': return (x) => 1 / (1 + x * x);
    case 'sinh': return Math.cosh;
    case 'cosh': return Math.sinh;
    case 'tanh': return (_x, y) => 1 - y * y;
    case 'asinh': return (x) => 1 / Math.sqrt(x * x + 1);
    case 'acosh': return (x) => 1 / Math.sqrt(x * x - 1);
    case 'atanh': return (x) => 1 / (1 - x * x);
    case 'erf': return (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    case 'relu': return (_x, y) => (y > 0 ? 1 : 0);
    case 'relu6': return (x) => (x > 0 && x < 6 ? 1 : 0);
    case 'elu': {
      const a = p[0] ?? 1;
      return (x, y) => (x > 0 ? 1 : y + a);
    }
    case 'selu': return (x) => (x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x));
    case 'sigmoid': return (_x, y) => y * (1 - y);
    case 'logSigmoid': return (x) => sigmoid(-x);
    case 'softplus': return (x) => sigmoid(x);
    case 'softsign': return (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x)));
    case 'gelu': return geluGrad;
    case 'geluTanh': return (x) => {
      const u = SQRT_2_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_PI * (1 + 3 * 0.044715 * x * x);
    };
    case 'swish': return (x) => {
      const s = sigmoid(x);
      return s + x * s * (1 - s);
    };
    case 'mish': return (x) => {
      const t = Math.tanh(softplus(x));
      return t + x * (1 - t * t) * sigmoid(x);
    };
    case 'hardSigmoid': return (x) => (x > -2.5 && x < 2.5 ? 0.2 : 0);
    case 'leakyRelu': {
      const a = p[0] ?? 0.2;
      return (x) => (x > 0 ? 1 : a);
    }
    case 'clip': {
      const lo = p[0], hi = p[1];
      return (x) => (x >= lo && x <= hi ? 1 : 0);
    }
    case 'affine': {
      const s = p[0];
      return () => s;
    }
    default: return op satisfies never;
  }
}

/** TensorFlow.js's floor modulo: the result takes the divisor's sign. */
function floorMod(a: number, b: number): number {
  const r = a % b;
  return (a < 0 && b < 0) || (a >= 0 && b >= 0) ? r : (r + b) % b;
}

/** f(a, b) for every binary op (bool results as 1/0). */
export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add': return (a, b) => a + b;
    case 'sub': return (a, b) => a - b;
    case 'mul': return (a, b) => a * b;
    case 'div': return (a, b) => a / b;
    case 'floorDiv': return (a, b) => Math.floor(a / b);
    case 'mod': return floorMod;
    case 'pow': return Math.pow;
    case 'maximum': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
    case 'minimum': return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));
    case 'squaredDifference': return (a, b) => (a - b) * (a - b);
    case 'atan2': return Math.atan2;
    case 'divNoNan': return (a, b) => (b === 0 ? 0 : a / b);
    case 'equal': return (a, b) => (a === b ? 1 : 0);
    case 'notEqual': return (a, b) => (a !== b ? 1 : 0);
    case 'less': return (a, b) => (a < b ? 1 : 0);
    case 'lessEqual': return (a, b) => (a <= b ? 1 : 0);
    case 'greater': return (a, b) => (a > b ? 1 : 0);
    case 'greaterEqual': return (a, b) => (a >= b ? 1 : 0);
    case 'logicalAnd': return (a, b) => (a !== 0 && b !== 0 ? 1 : 0);
    case 'logicalOr': return (a, b) => (a !== 0 || b !== 0 ? 1 : 0);
    case 'logicalXor': return (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0);
    default: return op satisfies never;
  }
}
