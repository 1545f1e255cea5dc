/**
 * The convolution layers of the networks in bench/peers/pytorch_fast.py (the fast CIFAR-10 recipe,
 * airbench93-style) and bench/peers/pytorch_resnet.py (a ResNet with one basic block per stage, and
 * ResNet-9),
 * for the per-shape benchmark (bench/conv-shapes.ts). `count` is how many layers of the network
 * have the shape. Padding is cnnkit's ('same' puts an odd extra row at the bottom, as TensorFlow
 * does); the PyTorch models pad symmetrically, which gives the same output sizes and work.
 */
import type { Padding } from '../src/backend/shape.js';

export interface ConvShape {
  set: 'recipe' | 'resnet' | 'resnet9';
  name: string;
  count: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  padding: Padding;
}

const conv = (set: ConvShape['set'], name: string, count: number, hw: number, inC: number, outC: number, k = 3, stride = 1, padding: Padding = 'same'): ConvShape =>
  ({ set, name, count, h: hw, w: hw, inC, outC, k, stride, padding });

export const CONV_SHAPES: readonly ConvShape[] = [
  // Recipe: whitening 2x2 conv (frozen weights; its bias trains), then three blocks of
  // [conv3x3 -> maxpool2 -> BN -> GELU -> conv3x3 -> BN -> GELU] at widths 64/128/128.
  conv('recipe', 'whiten', 1, 32, 3, 24, 2, 1, 'valid'),
  conv('recipe', 'b1.conv1', 1, 31, 24, 64),
  conv('recipe', 'b1.conv2', 1, 15, 64, 64),
  conv('recipe', 'b2.conv1', 1, 15, 64, 128),
  conv('recipe', 'b2.conv2+b3.conv1', 2, 7, 128, 128),
  conv('recipe', 'b3.conv2', 1, 3, 128, 128),
  // ResNet: stem, then a basic block per stage at 64/128/256 channels (32x32, 16x16, 8x8);
  // stages 2 and 3 open with a stride-2 3x3 conv and a stride-2 1x1 projection on the shortcut.
  conv('resnet', 'stem', 1, 32, 3, 64),
  conv('resnet', 's1.conv1+conv2', 2, 32, 64, 64),
  conv('resnet', 's2.conv1', 1, 32, 64, 128, 3, 2),
  conv('resnet', 's2.proj', 1, 32, 64, 128, 1, 2),
  conv('resnet', 's2.conv2', 1, 16, 128, 128),
  conv('resnet', 's3.conv1', 1, 16, 128, 256, 3, 2),
  conv('resnet', 's3.proj', 1, 16, 128, 256, 1, 2),
  conv('resnet', 's3.conv2', 1, 8, 256, 256),
  // ResNet-9 at 64/128/256: every convolution 3x3 at stride 1; max pooling after layer1's, layer2's
  // and layer3's first convolution; residual units of two convolutions at 16x16x128 and 4x4x256.
  conv('resnet9', 'prep', 1, 32, 3, 64),
  conv('resnet9', 'layer1', 1, 32, 64, 128),
  conv('resnet9', 'res1', 2, 16, 128, 128),
  conv('resnet9', 'layer2', 1, 16, 128, 256),
  conv('resnet9', 'layer3', 1, 8, 256, 256),
  conv('resnet9', 'res3', 2, 4, 256, 256),
];
