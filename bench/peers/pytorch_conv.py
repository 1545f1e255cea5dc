"""PyTorch peer for bench/conv-shapes.ts: times single convolutions (forward, input gradient, filter
gradient) so each can be set beside cnnkit's, interleaved call by call.

PyTorch's best configuration measured here: 2 threads, channels_last (oneDNN), and
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (set by the caller). Each request is one JSON line on stdin:

  {"batch": 256, "h": 31, "w": 31, "inC": 24, "outC": 64, "k": 3, "stride": 1,
   "pad": [1, 1, 1, 1], "op": "forward" | "input" | "filter", "calls": 1}

pad is [top, bottom, left, right] as the cnnkit side computes it ('same' puts the odd extra row at
the bottom, as TensorFlow does); asymmetric padding is timed with the symmetric padding PyTorch
supports and the same output size (same work). The answer is one JSON line: {"ms": [...], "cpu": [...]}, the
wall milliseconds of each call (the first request of an op on a shape makes one untimed call
first). Tensors are kept between requests of
the same shape; "cpu" gives the process CPU milliseconds of each call too (all threads, a measure
that holds when other processes share the cores). An empty line or EOF ends the process. Usage: python3 pytorch_conv.py serve
"""
import json
import sys
import time

import torch
import torch.nn.functional as F


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    key, held = None, {}
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            break
        req = json.loads(line)
        shape = (req['batch'], req['h'], req['w'], req['inC'], req['outC'], req['k'], req['stride'], tuple(req['pad']))
        if shape != key:
            held.clear()
            key = shape
            b, h, w, cin, cout, k, s, pad = shape
            top, bottom, left, right = pad
            # Symmetric padding with the same output size: the larger side (TensorFlow's 'same' pads
            # at most one more row below), dropping the row it adds past the output.
            ph, pw = max(top, bottom), max(left, right)
            x = torch.rand(b, cin, h, w).contiguous(memory_format=torch.channels_last)
            wt = (torch.rand(cout, cin, k, k) - 0.5).contiguous(memory_format=torch.channels_last)
            y = F.conv2d(x, wt, stride=s, padding=(ph, pw))
            out_h = (h + top + bottom - k) // s + 1
            out_w = (w + left + right - k) // s + 1
            if y.shape[2] != out_h or y.shape[3] != out_w:
                # Extra padding gave one more row/column: pad only the needed side instead.
                x = F.pad(x, (left, right, top, bottom)).contiguous(memory_format=torch.channels_last)
                ph, pw = 0, 0
                y = F.conv2d(x, wt, stride=s)
            dy = torch.rand_like(y).contiguous(memory_format=torch.channels_last)
            held.update(x=x, w=wt, dy=dy, stride=s, padding=(ph, pw), warm=set())
        x, wt, dy = held['x'], held['w'], held['dy']
        s, padding = held['stride'], held['padding']
        op = req['op']

        def call() -> None:
            with torch.no_grad():
                if op == 'forward':
                    F.conv2d(x, wt, stride=s, padding=padding)
                else:
                    mask = [op == 'input', op == 'filter', False]
                    torch.ops.aten.convolution_backward(dy, x, wt, None, [s, s], list(padding), [1, 1], False, [0, 0], 1, mask)

        if op not in held['warm']:
            call()
            held['warm'].add(op)
        times, cpu = [], []
        for _ in range(int(req.get('calls', 1))):
            c0, t0 = time.process_time(), time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(json.dumps({'ms': times, 'cpu': cpu}), flush=True)


if __name__ == '__main__':
    if sys.argv[1:] != ['serve']:
        sys.exit(__doc__)
    main()
