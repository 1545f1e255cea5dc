/**
 * How the WASM backend runs a convolution, from its shape alone (so every thread count computes
 * the same sums): the algorithm for 3x3 stride-1 layers, and the block sizes of Winograd tasks.
 */
import type { Conv2DInfo } from '../backend.js';

/**
 * Relative cost per multiply-add of each path, from single-thread CPU time on the recipe's, a
 * ResNet's and the tutorial's shapes (bench/conv-shapes.ts --threads 1 --clock cpu, batches 1 to
 * 1024, maps 1x1 to 32x32, 8 to 256 channels): im2col's GEMM runs fastest per product, F(2x2)'s and
 * F(4x4)'s transforms add about 20% and 35%, F(8x8)'s (ten-point transforms) about 50% (its
 * layers ran 1.2-1.35x as fast as F(4x4)'s on a ResNet-9's 8x8 to 32x32 maps, about what 1.5
 * predicts). Transforming and packing the kernel costs about CONV_FILTER_COST products per element
 * of U, once a call (it dominates a batch of one small map).
 */
const COST_IM2COL = 1, COST_F2 = 1.2, COST_F4 = 1.35, COST_F8 = 1.5, CONV_FILTER_COST = 15;
/**
 * F(7x7)'s nine-point transforms cost at most F(8x8)'s per product (fewer terms per row); F(3x3)'s
 * five-point ones less than F(4x4)'s (on the recipe's 3x3 maps F(3x3) ran 1.3x as fast as F(4x4);
 * 25 against 36 products at these weights predict 1.5x, and F(3x3) is chosen there either way).
 */
const COST_F7 = COST_F8, COST_F3 = 1.3;

/** A Winograd output tile: F(m x m, 3x3). */
export type WinogradTile = 2 | 3 | 4 | 7 | 8;

/**
 * The algorithm for a 3x3 stride-1 convolution that can run as Winograd: F(m x m, 3x3) for
 * m = 8, 7, 4, 3 or 2, or 0 for im2col + GEMM, whichever has the least modelled cost. Products per
 * kernel element: im2col 9 per output, F(m x m) (m + 2)² per tile of m x m outputs (tiles past the
 * edge compute in full). At batch 64 and up: F(7x7) where it needs no more tiles than F(8x8)
 * (5x5 to 7x7 at large batches, 13x13, 14x14, 17x17 to 21x21, 25x25 to 28x28: 81 products a tile
 * against 100), F(8x8) where it needs fewer (8x8, 15x15, 16x16, 22x22 to 24x24, 29x29 to 32x32);
 * F(3x3) on 3x3 and 9x9 maps (and 5x5, 6x6 at batch 64), F(4x4) on 4x4 and 10x10 to 12x12 maps,
 * F(2x2) on 2x2 maps; im2col on 1-wide maps and for a single small image. F(8x8) carries about 15x
 * F(4x4)'s rounding error (still about 1e-4 of the largest output; winograd8.ts), F(7x7) about
 * 10x, F(3x3) about a fifth of F(4x4)'s; `winogradTile` in the backend's options pins one tile for
 * every layer.
 */
export function chooseConvAlgorithm(info: Conv2DInfo): 0 | WinogradTile {
  const winograd = (m: number, weight: number) => (m + 2) ** 2 * (info.batch * Math.ceil(info.outH / m) * Math.ceil(info.outW / m) * weight + CONV_FILTER_COST);
  const costs: [0 | WinogradTile, number][] = [[8, winograd(8, COST_F8)], [7, winograd(7, COST_F7)], [4, winograd(4, COST_F4)], [3, winograd(3, COST_F3)], [2, winograd(2, COST_F2)], [0, 9 * (info.batch * info.outH * info.outW * COST_IM2COL + 1)]];
  let best = costs[0];
  for (const c of costs) if (c[1] < best[1]) best = c;
  return best[0];
}

/**
 * The tile of a layer's filter gradient, given the one its forward pass and input gradient run
 * with (`m`): F(8x8)'s filter gradient accumulates 100 blocks of inC x outC sums per block of
 * tiles (F(7x7)'s 81), which pays only with enough tiles per kernel value. With fewer m x m tiles
 * than inC·outC / m² it runs as F(4x4) (`node dist/bench/conv-shapes.js --set resnet9 --batch 128`:
 * its 8x8 maps at 256 channels ran at 269 GFLOPS as F(8x8) against 367 as F(4x4); its 16x16 maps
 * at 128 channels at 438 against 382).
 */
export function filterGradientTile(info: Conv2DInfo, m: 0 | WinogradTile): 0 | WinogradTile {
  if (m < 7) return m;
  const tiles = info.batch * Math.ceil(info.outH / m) * Math.ceil(info.outW / m);
  return tiles * m * m < info.inC * info.outC ? 4 : m;
}

/**
 * Bytes of transformed tiles (inputs and products) a Winograd task keeps per block: about 384 KB,
 * so the block and the transformed kernel U (positions·inC·outC floats) share L2; 768 KB when U
 * alone outgrows L2 and is streamed from L3 anyway, so each pass over it serves twice the tiles
 * (a cache simulation of a 1 MB L2 counted 20-45% fewer misses on the recipe's 64->128 and
 * 128->128 layers, and more misses where U fits).
 */
export function winogradBlockBytes(positions: number, i: Conv2DInfo): number {
  return positions * i.inC * i.outC * 4 > 655360 ? 786432 : 393216;
}
