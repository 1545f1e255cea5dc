"""PyTorch peer for the fast CIFAR-10 recipe: an airbench93-style network (Keller Jordan's
cifar10-airbench, airbench/lib_airbench93.py) on the CPU in fp32, PyTorch's best configuration
measured here (2 threads, channels_last; the caller sets GLIBC_TUNABLES=glibc.malloc.hugetlb=1).

The network (569,656 parameters, of which 568,728 train: the whitening weights and the BatchNorm
scales are frozen), input 32x32x3, NCHW here and NHWC in cnnkit:

  whiten  Conv2d(3, 24, 2x2, padding 0, bias) -> GELU                           31x31x24
  block1  Conv2d(24, 64, 3x3, 'same', no bias) -> MaxPool 2 -> BN -> GELU        15x15x64
          Conv2d(64, 64, 3x3, 'same', no bias) -> BN -> GELU                       15x15x64
  block2  Conv2d(64, 128) -> MaxPool 2 -> BN -> GELU -> Conv2d(128, 128) -> BN -> GELU   7x7x128
  block3  Conv2d(128, 128) -> MaxPool 2 -> BN -> GELU -> Conv2d(128, 128) -> BN -> GELU  3x3x128
  head    MaxPool 3 -> flatten -> Linear(128, 10, no bias) -> x 1/9             10 logits

  GELU is the exact (erf) form. MaxPool 2 floors (31 -> 15, 15 -> 7, 7 -> 3). BatchNorm: eps 1e-12,
  running statistics updated as 0.4 * batch + 0.6 * running (airbench's "momentum 0.6"; Keras
  momentum 0.6), scale (gamma) frozen at 1, bias (beta) trained. Convolutions are initialised as
  PyTorch's default with the first min(in, out) filters set to the identity (dirac). The whitening
  weights are 12 eigenvectors of the 2x2x3 patch covariance of 5,000 training images, scaled by
  1/sqrt(eigenvalue + 5e-4), and their negatives; they never train; its bias trains for the first
  3 epochs only.

The recipe (fit mode): batch 1024, cross-entropy with label smoothing 0.2 summed over the batch,
Nesterov SGD with momentum 0.85 in two groups (BatchNorm biases: lr x 64), learning rate
11.5 / (1024 * (1 + 1/(1 - 0.85))) and weight decay 0.0153 * 1024 / that scale (as PyTorch's
coupled decay, so the decay step does not depend on the group's lr), a triangular schedule
0.2 -> 1 (at 23% of the steps) -> 0.07, lookahead (an EMA of all weights and BatchNorm statistics
every 5 steps from epoch 3, decay 0.95^5 * (step / total)^3, copied back into the network),
random crops of the 2-pixel reflect-padded images and horizontal flips that alternate per epoch
(a random half flipped once, then the whole set flipped every odd epoch), inputs normalised
with the CIFAR-10 channel means and deviations; evaluation with test-time augmentation (mirror
and 1-pixel translations).

usage: python3 pytorch_fast.py train BATCH SECONDS [early|late]
                                                 training images/s on random data; JSON on the last line
                                                 (late: the whitening bias frozen too, as from epoch 4)
       python3 pytorch_fast.py fit ARCHIVE [EPOCHS] [sgd|muon] [WIDTHS]
                                                 the recipe on CIFAR-10 (binary .tar.gz; muon: Muon for the
                                                 filters as cnnkit's FAST_MUON; WIDTHS of the three blocks,
                                                 64,128,128 by default, 64,256,256 as the recipe 'fast-wide');
                                                 JSON on the last line
       python3 pytorch_fast.py params                  parameter counts
"""
import json
import resource
import sys
import tarfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WIDTHS = (64, 128, 128)
WHITEN = 24
BN_MOMENTUM = 0.6
LR, MOMENTUM, WEIGHT_DECAY, BIAS_SCALER = 11.5, 0.85, 0.0153, 64.0
LABEL_SMOOTHING = 0.2
WHITEN_BIAS_EPOCHS = 3
MEAN = torch.tensor((0.4914, 0.4822, 0.4465)).view(1, 3, 1, 1)
STD = torch.tensor((0.2470, 0.2435, 0.2616)).view(1, 3, 1, 1)


def conv(cin: int, cout: int) -> nn.Conv2d:
    c = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
    with torch.no_grad():
        nn.init.dirac_(c.weight[:min(cin, cout)])
    return c


def batch_norm(c: int) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(c, eps=1e-12, momentum=1 - BN_MOMENTUM)
    bn.weight.requires_grad = False
    return bn


class Block(nn.Sequential):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(conv(cin, cout), nn.MaxPool2d(2), batch_norm(cout), nn.GELU(),
                         conv(cout, cout), batch_norm(cout), nn.GELU())


class Scale(nn.Module):
    def __init__(self, s: float) -> None:
        super().__init__()
        self.s = s

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.s


def model() -> nn.Sequential:
    w1, w2, w3 = WIDTHS
    net = nn.Sequential(
        nn.Conv2d(3, WHITEN, 2, padding=0, bias=True), nn.GELU(),
        Block(WHITEN, w1), Block(w1, w2), Block(w2, w3),
        nn.MaxPool2d(3), nn.Flatten(), nn.Linear(w3, 10, bias=False), Scale(1 / 9),
    )
    net[0].weight.requires_grad = False
    return net.to(memory_format=torch.channels_last)


def optimizer(net: nn.Module, batch: int) -> torch.optim.SGD:
    scale = 1024 * (1 + 1 / (1 - MOMENTUM))
    lr, wd = LR / scale, WEIGHT_DECAY * batch / scale
    norm = [p for m in net.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters() if p.requires_grad]
    ids = {id(p) for p in norm}
    other = [p for p in net.parameters() if p.requires_grad and id(p) not in ids]
    return torch.optim.SGD([dict(params=norm, lr=lr * BIAS_SCALER, weight_decay=wd / (lr * BIAS_SCALER)),
                            dict(params=other, lr=lr, weight_decay=wd / lr)], momentum=MOMENTUM, nesterov=True)


def loss_fn(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING, reduction='sum')


def train_speed(batch: int, seconds: float, phase: str = 'early') -> dict:
    net = model()
    # 'late': the whitening bias frozen too, as from epoch 4 of the recipe (no gradient reaches
    # the first layers); 'early': only its weights frozen, as in epochs 1-3.
    net[0].bias.requires_grad = phase == 'early'
    opt = optimizer(net, batch)
    x = torch.rand(batch, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        opt.step()
    for _ in range(2):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 2:
        step()
        steps += 1
    return {'imagesPerSecond': steps * batch / (time.perf_counter() - start)}


# ---- the full recipe ------------------------------------------------------------------------------

def load_cifar(archive: str) -> tuple:
    """(train images uint8 [50000, 32, 32, 3], train labels, test images, test labels) from the binary .tar.gz."""
    parts = {}
    with tarfile.open(archive, 'r:gz') as tar:
        for m in tar.getmembers():
            name = m.name.rsplit('/', 1)[-1]
            if name.endswith('.bin') and ('data_batch' in name or 'test_batch' in name):
                parts[name] = np.frombuffer(tar.extractfile(m).read(), dtype=np.uint8).reshape(-1, 3073)

    def join(names: list) -> tuple:
        a = np.concatenate([parts[n] for n in names])
        return a[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), a[:, 0].astype(np.int64)
    return (*join([f'data_batch_{i}.bin' for i in range(1, 6)]), *join(['test_batch.bin']))


def to_input(images: np.ndarray) -> torch.Tensor:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    return ((x - MEAN) / STD).contiguous(memory_format=torch.channels_last)


def init_whitening(layer: nn.Conv2d, images: torch.Tensor, eps: float = 5e-4) -> None:
    patches = images.unfold(2, 2, 1).unfold(3, 2, 1).transpose(1, 3).reshape(-1, 3, 2, 2).float()
    # float64: a float32 sum over ~5 M patches misses by ~1e-3 here, enough to make the smallest
    # eigenvalues of these JPEG-smoothed images negative (-8.6e-4) and the whitening NaN.
    flat = patches.reshape(len(patches), -1).double()
    cov = flat.T @ flat / len(flat)
    values, vectors = torch.linalg.eigh(cov, UPLO='U')
    values, vectors = values.float().flip(0).view(-1, 1, 1, 1), vectors.float().T.reshape(12, 3, 2, 2).flip(0)
    scaled = vectors / torch.sqrt(values + eps)
    with torch.no_grad():
        layer.weight.copy_(torch.cat((scaled, -scaled)))
        layer.bias.zero_()


def triangle(steps: int, start: float = 0.2, end: float = 0.07, peak: float = 0.23) -> list:
    top = int(peak * steps)
    return [start + (1 - start) * i / top if i < top else 1 + (end - 1) * (i - top) / (steps - top) for i in range(steps + 1)]


def evaluate(net: nn.Module, x: torch.Tensor, labels: torch.Tensor, tta: int) -> float:
    """Test accuracy; tta 0: the images alone, 2: mirror and 1-pixel translations (cnnkit's level 2)."""
    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 2000):
            b = x[i:i + 2000]
            if tta == 0:
                logits = net(b)
            else:
                padded = F.pad(b, (1,) * 4, 'reflect')
                shifted = 0.5 * (mirror(net, padded[:, :, 0:32, 0:32]) + mirror(net, padded[:, :, 2:34, 2:34]))
                logits = 0.5 * mirror(net, b) + 0.5 * shifted
            correct += (logits.argmax(1) == labels[i:i + 2000]).sum().item()
    net.train()
    return correct / len(x)


def mirror(net: nn.Module, b: torch.Tensor) -> torch.Tensor:
    return 0.5 * net(b) + 0.5 * net(b.flip(-1))


# ---- Muon (cnnkit's fast recipe with FAST_MUON: airbench94_muon's training at batch 1024) -----------

MUON_LR, MUON_MOMENTUM, MUON_NS_STEPS = 0.17, 0.6, 3
MUON_BIAS_LR, MUON_HEAD_LR, MUON_WD = 0.053, 0.67, 2e-6   # per summed example; decay per example


def newton_schulz(g: torch.Tensor, steps: int) -> torch.Tensor:
    """The quintic Newton-Schulz iteration of Muon on g [units, fan-in] (float32 here)."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g / (g.norm() + 1e-7)
    tall = g.size(0) > g.size(1)
    if tall:
        x = x.T
    for _ in range(steps):
        m = x @ x.T
        x = a * x + (b * m + c * m @ m) @ x
    return x.T if tall else x


class Muon(torch.optim.Optimizer):
    """Nesterov momentum (PyTorch's buffer form), weights renormalised to norm sqrt(units), orthogonalized steps."""

    def __init__(self, params: list, lr: float, momentum: float) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                state = self.state[p]
                buf = state.setdefault('buf', torch.zeros_like(p.grad))
                buf.mul_(group['momentum']).add_(p.grad)
                u = p.grad.add(buf, alpha=group['momentum'])
                p.mul_(len(p) ** 0.5 / p.norm())
                p.add_(newton_schulz(u.reshape(len(u), -1), MUON_NS_STEPS).view(u.shape), alpha=-group['lr'])


def muon_setup(net: nn.Sequential, batch: int, total: int, whiten_steps: int) -> tuple:
    """(optimizers, per-step rate update): the head initialised with unit deviation and scaled by 1/width."""
    net[-1].s = 1 / WIDTHS[-1]
    with torch.no_grad():
        head = net[-2].weight
        head.mul_(1 / head.std())
    wd = MUON_WD * batch
    norm = [p for m in net.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters() if p.requires_grad]
    filters = [p for p in net.parameters() if p.dim() == 4 and p.requires_grad]
    sgd = torch.optim.SGD([dict(params=[net[0].bias], lr=MUON_BIAS_LR, weight_decay=0.0),
                           dict(params=norm, lr=MUON_BIAS_LR, weight_decay=wd / MUON_BIAS_LR),
                           dict(params=[net[-2].weight], lr=MUON_HEAD_LR, weight_decay=wd / MUON_HEAD_LR)],
                          momentum=0.85, nesterov=True)
    muon = Muon(filters, lr=MUON_LR, momentum=MUON_MOMENTUM)
    initial = [[g['lr'] for g in o.param_groups] for o in (sgd, muon)]

    def rates(step: int) -> None:
        sgd.param_groups[0]['lr'] = initial[0][0] * max(0.0, 1 - step / whiten_steps)
        for g, lr in zip(sgd.param_groups[1:], initial[0][1:]):
            g['lr'] = lr * (1 - step / total)
        muon.param_groups[0]['lr'] = initial[1][0] * (1 - step / total)
    return (sgd, muon), rates


def fit(archive: str, epochs: int, kind: str = 'sgd') -> dict:
    batch = 1024
    t_start = time.perf_counter()
    xtr, ytr, xte, yte = load_cifar(archive)
    train_x, train_y, test_x, test_y = to_input(xtr), torch.from_numpy(ytr), to_input(xte), torch.from_numpy(yte)
    net = model()
    init_whitening(net[0], train_x[:5000])
    steps_per_epoch = len(train_x) // batch
    total = steps_per_epoch * epochs
    update, epoch_end = (muon_training if kind == 'muon' else sgd_training)(net, batch, total, steps_per_epoch)
    # Random flips once, then the whole set flipped every odd epoch; crops from the reflect-padded set.
    flip = torch.rand(len(train_x)) < 0.5
    flipped = torch.where(flip.view(-1, 1, 1, 1), train_x.flip(-1), train_x)
    padded = F.pad(flipped, (2,) * 4, 'reflect')
    step, history = 0, []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        net[0].bias.requires_grad = epoch < WHITEN_BIAS_EPOCHS
        crops = epoch_crops(padded, epoch)
        order = torch.randperm(len(train_x))
        for i in range(steps_per_epoch):
            idx = order[i * batch:(i + 1) * batch]
            net.zero_grad(set_to_none=True)
            loss_fn(net(crops[idx]), train_y[idx]).backward()
            update(step, epoch)
            step += 1
        epoch_end()
        acc = evaluate(net, test_x, test_y, tta=0)
        history.append({'epoch': epoch + 1, 'seconds': time.perf_counter() - t0, 'testAccuracy': acc})
        print(f'epoch {epoch + 1}/{epochs}: {history[-1]["seconds"]:.1f} s, test accuracy {acc:.4f}', flush=True)
    tta = evaluate(net, test_x, test_y, tta=2)
    return {'optimizer': kind, 'epochs': epochs, 'history': history, 'testAccuracy': history[-1]['testAccuracy'],
            'ttaTestAccuracy': tta, 'wallSeconds': time.perf_counter() - t_start}


def sgd_training(net: nn.Sequential, batch: int, total: int, _steps_per_epoch: int) -> tuple:
    """airbench93: SGD on the triangular schedule; lookahead every 5 steps from epoch 4, synced at each epoch's end."""
    opt = optimizer(net, batch)
    schedule = triangle(total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: schedule[min(i, total)])
    ema: dict = {}

    def update(step: int, epoch: int) -> None:
        opt.step()
        sched.step()
        if epoch >= 3 and (step + 1) % 5 == 0:
            if not ema:
                ema.update({k: v.clone() for k, v in net.state_dict().items()})
            else:
                lookahead(net, ema, 0.95 ** 5 * ((step + 1) / total) ** 3)

    def epoch_end() -> None:
        if ema:
            lookahead(net, ema, 1.0)
    return update, epoch_end


def muon_training(net: nn.Sequential, batch: int, total: int, steps_per_epoch: int) -> tuple:
    opts, rates = muon_setup(net, batch, total, WHITEN_BIAS_EPOCHS * steps_per_epoch)

    def update(step: int, _epoch: int) -> None:
        rates(step)
        for o in opts:
            o.step()
    return update, lambda: None


def epoch_crops(padded: torch.Tensor, epoch: int) -> torch.Tensor:
    """Random 2-pixel translations of the padded images; the whole set mirrored in odd epochs."""
    n = len(padded)
    shifts = torch.randint(0, 5, (n, 2))
    crops = torch.empty(n, 3, 32, 32)
    for sy in range(5):
        for sx in range(5):
            m = (shifts[:, 0] == sy) & (shifts[:, 1] == sx)
            crops[m] = padded[m, :, sy:sy + 32, sx:sx + 32]
    if epoch % 2 == 1:
        crops = crops.flip(-1)
    return crops.contiguous(memory_format=torch.channels_last)


def lookahead(net: nn.Module, ema: dict, decay: float) -> None:
    with torch.no_grad():
        for (k, e), v in zip(ema.items(), net.state_dict().values()):
            if v.dtype == torch.float32:
                e.lerp_(v, 1 - decay)
                v.copy_(e)


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    if mode == 'params':
        net = model()
        print(json.dumps({'params': sum(p.numel() for p in net.parameters()),
                          'trainable': sum(p.numel() for p in net.parameters() if p.requires_grad)}))
        return
    if mode == 'train':
        batch, seconds = int(sys.argv[2]), float(sys.argv[3])
        phase = sys.argv[4] if len(sys.argv) > 4 else 'early'
        if phase not in ('early', 'late'):
            sys.exit(f'phase must be early or late. Received {phase}')
        result = {**train_speed(batch, seconds, phase), 'phase': phase}
    elif mode == 'fit':
        batch = 1024
        kind = sys.argv[4] if len(sys.argv) > 4 else 'sgd'
        if kind not in ('sgd', 'muon'):
            sys.exit(f'optimizer must be sgd or muon. Received {kind}')
        if len(sys.argv) > 5:
            widths = tuple(int(w) for w in sys.argv[5].split(','))
            if len(widths) != 3 or min(widths) <= 0:
                sys.exit(f'WIDTHS must be three positive integers, as 64,256,256. Received {sys.argv[5]}')
            global WIDTHS
            WIDTHS = widths
        result = fit(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 10, kind)
    else:
        sys.exit(__doc__)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'engine': 'pytorch', 'model': 'fast', 'widths': WIDTHS, 'torch': torch.__version__, 'mode': mode, 'batch': batch,
                      **result, 'peakRssMB': rss_mb}))


if __name__ == '__main__':
    main()
