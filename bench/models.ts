/**
 * Models the benchmarks share, as in bench/peers/pytorch_resnet.py: a ResNet with basic blocks
 * (conv-BN-ReLU stem, blocks at 64/128/256 channels with residual adds, stride-2 downsampling,
 * global average pooling, dense) and a ResNet-9 (DAWNBench's, downsampling by max pooling).
 */
import * as ck from '../src/index.js';

/** BN as PyTorch's defaults (momentum 0.1 = Keras 0.9, epsilon 1e-5). */
const bn = (x: ck.SymbolicTensor): ck.SymbolicTensor => ck.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(x) as ck.SymbolicTensor;
const relu = (x: ck.SymbolicTensor): ck.SymbolicTensor => ck.layers.activation({ activation: 'relu' }).apply(x) as ck.SymbolicTensor;
const pool = (x: ck.SymbolicTensor): ck.SymbolicTensor => ck.layers.maxPooling2d({ poolSize: 2 }).apply(x) as ck.SymbolicTensor;
const conv = (x: ck.SymbolicTensor, filters: number, kernelSize: number, strides: number): ck.SymbolicTensor =>
  ck.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false }).apply(x) as ck.SymbolicTensor;

/** The ResNet-style model of bench/peers/pytorch_resnet.py (1,227,594 parameters with one block per stage). */
export function resnet(blocksPerStage: number): ck.LayersModel {
  const input = ck.input({ shape: [32, 32, 3] });
  let x = relu(bn(conv(input, 64, 3, 1)));
  let cin = 64;
  for (const [cout, stride] of [[64, 1], [128, 2], [256, 2]]) {
    for (let i = 0; i < blocksPerStage; i++) {
      const s = i === 0 ? stride : 1;
      const main = bn(conv(relu(bn(conv(x, cout, 3, s))), cout, 3, 1));
      const shortcut = s !== 1 || cin !== cout ? bn(conv(x, cout, 1, s)) : x;
      x = relu(ck.layers.add().apply([main, shortcut]) as ck.SymbolicTensor);
      cin = cout;
    }
  }
  const pooled = ck.layers.globalAveragePooling2d().apply(x) as ck.SymbolicTensor;
  const out = ck.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as ck.SymbolicTensor;
  return ck.model({ inputs: input, outputs: out });
}

/**
 * ResNet-9 as in bench/peers/pytorch_resnet.py (David Page's DAWNBench network, "How to train your
 * ResNet", 2018, at widths 64/128/256/256; 2,440,266 parameters): conv-BN-ReLU units, downsampling
 * by 2x2 max pooling, residual units of two conv-BN-ReLU added to their input, global max pooling.
 */
export function resnet9(): ck.LayersModel {
  const unit = (x: ck.SymbolicTensor, filters: number): ck.SymbolicTensor => relu(bn(conv(x, filters, 3, 1)));
  const residual = (x: ck.SymbolicTensor, filters: number): ck.SymbolicTensor =>
    ck.layers.add().apply([x, unit(unit(x, filters), filters)]) as ck.SymbolicTensor;
  const input = ck.input({ shape: [32, 32, 3] });
  let x = unit(input, 64);
  x = residual(pool(unit(x, 128)), 128);
  x = pool(unit(x, 256));
  x = residual(pool(unit(x, 256)), 256);
  const pooled = ck.layers.globalMaxPooling2d().apply(x) as ck.SymbolicTensor;
  const out = ck.layers.dense({ units: 10, activation: 'softmax' }).apply(pooled) as ck.SymbolicTensor;
  return ck.model({ inputs: input, outputs: out });
}
