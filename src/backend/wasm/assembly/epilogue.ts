/** The GEMM micro-kernels' epilogue, shared by both builds (simd.ts and simd-relaxed.ts). */

/** c + bias (when `hasBias`), then through ReLU when asked: the same select as the bias-activation kernel. */
// @ts-ignore: decorator
@inline
export function finish(c: v128, bias: v128, hasBias: bool, relu: bool): v128 {
  if (hasBias) c = f32x4.add(c, bias);
  return relu ? v128.and(c, f32x4.gt(c, f32x4.splat(0))) : c;
}
