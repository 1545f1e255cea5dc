"""PyTorch baseline for the tutorial CNN: training images/s at a batch size, or inference images/s.

Run by bench/compare.ts in PyTorch's best configuration measured here: 2 threads, channels_last,
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (set by the caller). Prints one JSON object.
usage: python3 pytorch_cnn.py train BATCH SECONDS | predict BATCH SECONDS
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn


def model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(),
        nn.Linear(1024, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def main() -> None:
    mode, batch, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    torch.set_num_threads(2)
    torch.manual_seed(0)
    net = model().to(memory_format=torch.channels_last)
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
    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'engine': 'pytorch', 'torch': torch.__version__, 'mode': mode, 'batch': batch,
                      'imagesPerSecond': steps * batch / elapsed, 'peakRssMB': rss_mb}))


if __name__ == '__main__':
    main()
