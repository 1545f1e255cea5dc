"""PyTorch peer for a ResNet-style graph model with BatchNorm: training images/s (or inference),
in PyTorch's best configuration measured here (2 threads, channels_last; the caller sets
GLIBC_TUNABLES=glibc.malloc.hugetlb=1). Prints one JSON object on the last line.

The model (input 32x32x3, NCHW here and NHWC in cnnkit; 1,227,594 parameters with one block per
stage, all trained; the BatchNorm moving statistics are buffers, not counted):

  stem    Conv2d(3, 64, 3x3, pad 1, no bias) -> BN -> ReLU                       32x32x64
  stage1  basic block, 64 -> 64, stride 1                                        32x32x64
  stage2  basic block, 64 -> 128, stride 2                                       16x16x128
  stage3  basic block, 128 -> 256, stride 2                                      8x8x256
  head    global average pooling -> Linear(256, 10, bias)                        10 logits

  basic block (He et al., 2016, "option B" shortcut):
    main      Conv2d(cin, cout, 3x3, stride s, pad 1, no bias) -> BN -> ReLU
              -> Conv2d(cout, cout, 3x3, pad 1, no bias) -> BN
    shortcut  identity when s = 1 and cin = cout, else Conv2d(cin, cout, 1x1, stride s, no bias) -> BN
    out       ReLU(main + shortcut)

  BN: PyTorch defaults (eps 1e-5, momentum 0.1, i.e. Keras momentum 0.9, epsilon 1e-5), scale and
  bias trained. Weights: PyTorch's default initialisation. A stride-2 3x3 convolution here pads 1
  on every side; Keras/cnnkit 'same' pads 0 above/left and 1 below/right: the same output size
  and work, the windows shifted by one pixel. With BLOCKS = 2 blocks per stage: 2,777,674 parameters.

ResNet-9 (DAWNBench's, David Page, "How to train your ResNet", 2018, at widths 64/128/256/256;
2,440,266 parameters), BLOCKS = resnet9:

  prep    conv-BN-ReLU 64                                                        32x32x64
  layer1  conv-BN-ReLU 128 -> MaxPool 2 -> x + (conv-BN-ReLU 128 -> conv-BN-ReLU 128)  16x16x128
  layer2  conv-BN-ReLU 256 -> MaxPool 2                                          8x8x256
  layer3  conv-BN-ReLU 256 -> MaxPool 2 -> x + (conv-BN-ReLU 256 -> conv-BN-ReLU 256)  4x4x256
  head    global max pooling -> Linear(256, 10, bias)                            10 logits

  conv: 3x3, stride 1, pad 1, no bias ('same' in cnnkit: the same windows).

Training: Adam (lr 1e-3, eps 1e-7 as Keras), softmax cross-entropy (mean), batch 128 by default.

usage: python3 pytorch_resnet.py train|predict BATCH SECONDS [BLOCKS|resnet9]
       python3 pytorch_resnet.py params [BLOCKS|resnet9]
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + self.shortcut(x))


class Residual(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.branch = nn.Sequential(*unit(width, width), *unit(width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def unit(cin: int, cout: int) -> list:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def resnet9() -> nn.Sequential:
    layers = [*unit(3, 64), *unit(64, 128), nn.MaxPool2d(2), Residual(128), *unit(128, 256), nn.MaxPool2d(2),
              *unit(256, 256), nn.MaxPool2d(2), Residual(256), nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(256, 10)]
    return nn.Sequential(*layers).to(memory_format=torch.channels_last)


def model(blocks: int | str = 1) -> nn.Sequential:
    if blocks == 'resnet9':
        return resnet9()
    layers = [nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in ((64, 1), (128, 2), (256, 2)):
        for i in range(blocks):
            layers.append(BasicBlock(cin, cout, stride if i == 0 else 1))
            cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 10)]
    return nn.Sequential(*layers).to(memory_format=torch.channels_last)


def arch(arg: str) -> int | str:
    return arg if arg == 'resnet9' else int(arg)


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    if mode == 'params':
        net = model(arch(sys.argv[2]) if len(sys.argv) > 2 else 1)
        print(json.dumps({'params': sum(p.numel() for p in net.parameters()),
                          'trainable': sum(p.numel() for p in net.parameters() if p.requires_grad)}))
        return
    if mode not in ('train', 'predict'):
        sys.exit(__doc__)
    batch, seconds = int(sys.argv[2]), float(sys.argv[3])
    blocks = arch(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(2)
    torch.manual_seed(0)
    net = model(blocks)
    x = torch.rand(batch, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))
    if mode == 'train':
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
        loss_fn = nn.CrossEntropyLoss()

        def step() -> None:
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()
    else:
        net.eval()

        def step() -> None:
            with torch.no_grad():
                net(x)
    for _ in range(2):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 2:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'engine': 'pytorch', 'model': 'resnet9' if blocks == 'resnet9' else 'resnet', 'blocks': blocks, 'torch': torch.__version__, 'mode': mode,
                      'batch': batch, 'imagesPerSecond': steps * batch / elapsed, 'peakRssMB': rss_mb}))


if __name__ == '__main__':
    main()
