/**
 * Convolution benchmark per layer shape (not a test): forward, input gradient and filter gradient
 * of the convolutions of the fast CIFAR-10 recipe's network (bench/peers/pytorch_fast.py) and of a
 * ResNet and a ResNet-9 (bench/peers/pytorch_resnet.py), on the WASM backend as im2col + GEMM, Winograd F(m x m, 3x3)
 * for m = 2, 3, 4, 7 and 8, beside PyTorch (bench/peers/pytorch_conv.py: 2 threads, channels_last, huge
 * pages) timing the same convolutions. Calls are interleaved one by one (each variant, then
 * PyTorch, then the next sample), so a noisy neighbour slows all alike; the table gives GFLOPS of
 * the median call, counting direct convolution's 2·M·N·K whatever the algorithm.
 *
 * With --clock cpu the tables use process CPU time instead (all threads of each engine: GFLOPS per
 * busy core), which stays meaningful when other processes hold the cores.
 *
 * usage: node dist/bench/conv-shapes.js [--batch 256,1024] [--set recipe,resnet,resnet9] [--samples 3]
 *        [--threads 2] [--torch 1] [--only NAME] [--clock wall|cpu] [--out FILE]
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createWasmBackendSync, filterGradientTile, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo } from '../src/backend/shape.js';
import type { Conv2DInfo, Storage } from '../src/backend/backend.js';
import { CONV_SHAPES, type ConvShape } from './conv-shape-list.js';
import { findPython, median, NO_TORCH, TORCH_ENV, writeJsonAtomic } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const batches = opt('batch', '256,1024').split(',').map(Number);
const sets = opt('set', 'recipe,resnet').split(',');
const samples = Number(opt('samples', '3'));
const threads = Number(opt('threads', '2'));
const useTorch = opt('torch', '1') !== '0';
const only = opt('only', '');
const clock = opt('clock', 'wall');
if (clock !== 'wall' && clock !== 'cpu') throw new Error(`conv-shapes: --clock must be wall or cpu. Received ${clock}`);
const outFile = opt('out', join(here, '..', '..', 'bench', 'results', 'conv-shapes.json'));

type Op = 'forward' | 'input' | 'filter';
const OPS: Op[] = ['forward', 'input', 'filter'];
type Variant = 'im2col' | 'F2' | 'F3' | 'F4' | 'F7' | 'F8';

/** A PyTorch process answering one timing request per line. */
class TorchPeer {
  private readonly lines: AsyncIterator<string>;
  private readonly proc;
  version = '';
  private constructor(py: string) {
    this.proc = spawn(py, [join(here, '..', '..', 'bench', 'peers', 'pytorch_conv.py'), 'serve'], {
      env: TORCH_ENV, stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  static async start(): Promise<TorchPeer | null> {
    const py = findPython();
    if (!py) {
      console.log(NO_TORCH);
      return null;
    }
    const peer = new TorchPeer(py);
    const hello = JSON.parse(await peer.next()) as { torch: string };
    peer.version = hello.torch;
    return peer;
  }
  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error('pytorch_conv.py: the peer exited');
    return r.value;
  }
  async time(s: ConvShape, batch: number, info: Conv2DInfo, op: Op): Promise<Sample> {
    const padBottom = Math.max(0, (info.outH - 1) * s.stride + s.k - s.h - info.padTop);
    const padRight = Math.max(0, (info.outW - 1) * s.stride + s.k - s.w - info.padLeft);
    const req = { batch, h: s.h, w: s.w, inC: s.inC, outC: s.outC, k: s.k, stride: s.stride, pad: [info.padTop, padBottom, info.padLeft, padRight], op, calls: 1 };
    this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    const r = JSON.parse(await this.next()) as { ms: number[]; cpu: number[] };
    return { wall: r.ms[0], cpu: r.cpu[0] };
  }
  close(): void {
    this.proc.stdin.end('\n');
  }
}

/** Fills a storage with values in [-0.5, 0.5) (a random block repeated: the values do not matter for speed). */
function fill(be: WasmBackend, n: number): Storage {
  const s = be.alloc(n), block = Float32Array.from({ length: Math.min(n, 1 << 16) }, () => Math.random() - 0.5);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i += block.length) values.set(block.subarray(0, Math.min(block.length, n - i)), i);
  be.write(s, values);
  return s;
}

interface Operands { x: Storage; w: Storage; y: Storage; dy: Storage; dx: Storage; dw: Storage }

function operands(be: WasmBackend, info: Conv2DInfo): Operands {
  const xn = info.batch * info.inH * info.inW * info.inC, yn = info.batch * info.outH * info.outW * info.outC, wn = info.kH * info.kW * info.inC * info.outC;
  return { x: fill(be, xn), w: fill(be, wn), dy: fill(be, yn), y: be.alloc(yn), dx: be.alloc(xn), dw: be.alloc(wn) };
}

/** Wall and process CPU milliseconds of one call. */
interface Sample { wall: number; cpu: number }

function call(be: WasmBackend, o: Operands, info: Conv2DInfo, op: Op): Sample {
  const c0 = process.cpuUsage(), t0 = performance.now();
  if (op === 'forward') be.conv2d(o.x, o.w, o.y, info);
  else if (op === 'input') be.conv2dBackpropInput(o.dy, o.w, o.dx, info, false);
  else be.conv2dBackpropFilter(o.x, o.dy, o.dw, info, false);
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

/** Median milliseconds per engine, by the chosen clock (`ms`) and both (`wall`, `cpu`). */
interface Row {
  set: string; name: string; count: number; batch: number; op: Op; gflop: number; chosen: string;
  ms: Partial<Record<Variant | 'torch', number>>; wall: Partial<Record<Variant | 'torch', number>>; cpu: Partial<Record<Variant | 'torch', number>>;
}

const shapes = CONV_SHAPES.filter((s) => sets.includes(s.set) && (!only || s.name.includes(only)));
const maxBytes = Math.max(...batches.flatMap((b) => shapes.map((s) => 4 * b * (2 * s.h * s.w * s.inC + 2 * Math.ceil(s.h / s.stride) * Math.ceil(s.w / s.stride) * s.outC))));
const memoryMB = Math.min(4095, Math.ceil(maxBytes / 1048576 * 1.15) + 320);
const make = (o: { winograd?: boolean; winogradTile?: 2 | 3 | 4 | 7 | 8 }): WasmBackend => {
  const be = createWasmBackendSync({ threads, memoryMB, adaptive: false, ...o });
  be.waitForWorkers();
  return be;
};
const engines: Record<Variant, WasmBackend> = { im2col: make({ winograd: false }), F2: make({ winogradTile: 2 }), F3: make({ winogradTile: 3 }), F4: make({ winogradTile: 4 }), F7: make({ winogradTile: 7 }), F8: make({ winogradTile: 8 }) };
const auto = make({});
const torch = useTorch ? await TorchPeer.start() : null;
console.log(`cnnkit WASM (${auto.variant} build, ${threads} threads) vs ${torch ? `PyTorch ${torch.version} (2 threads, channels_last, huge pages)` : 'no PyTorch'}; ${samples} interleaved samples per cell, GFLOPS of the median call by ${clock === 'cpu' ? 'process CPU time (per busy core)' : 'wall time'}`);

const rows: Row[] = [];
for (const batch of batches) {
  for (const s of shapes) {
    const info = conv2dInfo({ batch, inH: s.h, inW: s.w, inC: s.inC, outC: s.outC, kH: s.k, kW: s.k, strideH: s.stride, strideW: s.stride, padding: s.padding });
    const gflop = (2 * batch * info.outH * info.outW * s.outC * s.k * s.k * s.inC) / 1e9;
    const variants: Variant[] = engines.F2.usesWinograd(info) ? ['im2col', 'F2', 'F3', 'F4', 'F7', 'F8'] : ['im2col'];
    const held = new Map(variants.map((v) => [v, operands(engines[v], info)]));
    const tile = auto.winogradTile(info);
    const name = (m: number): Variant => (m === 8 ? 'F8' : m === 7 ? 'F7' : m === 4 ? 'F4' : m === 3 ? 'F3' : m === 2 ? 'F2' : 'im2col');
    for (const op of OPS) {
      const times = new Map<Variant | 'torch', Sample[]>();
      for (let r = -1; r < samples; r++) {
        for (const v of variants) {
          const t = call(engines[v], held.get(v) as Operands, info, op);
          if (r >= 0) times.set(v, [...(times.get(v) ?? []), t]);
        }
        if (torch && r >= 0) times.set('torch', [...(times.get('torch') ?? []), await torch.time(s, batch, info, op)]);
      }
      const wall: Row['ms'] = {}, cpu: Row['ms'] = {};
      for (const [k, v] of times) {
        wall[k] = median(v.map((x) => x.wall));
        cpu[k] = median(v.map((x) => x.cpu));
      }
      // The filter gradient may run with a smaller tile than the layer's (filterGradientTile).
      const chosen = name(op === 'filter' ? filterGradientTile(info, tile) : tile);
      const row: Row = { set: s.set, name: s.name, count: s.count, batch, op, gflop, chosen, ms: clock === 'cpu' ? cpu : wall, wall, cpu };
      const ms = row.ms;
      rows.push(row);
      const g = (k: Variant | 'torch') => (ms[k] ? (gflop / (ms[k] as number) * 1e3).toFixed(1) : '-').padStart(7);
      console.log(`  ${`${s.set} ${s.name}`.padEnd(18)} b${String(batch).padEnd(5)} ${op.padEnd(8)} im2col ${g('im2col')}  F2 ${g('F2')}  F3 ${g('F3')}  F4 ${g('F4')}  F7 ${g('F7')}  F8 ${g('F8')}  torch ${g('torch')} GFLOPS`);
    }
    for (const [v, o] of held) for (const st of Object.values(o)) engines[v].free(st);
  }
}
torch?.close();
for (const be of [...Object.values(engines), auto]) be.dispose();

// ---- tables ----------------------------------------------------------------------------------------
const gf = (r: Row, k: Variant | 'torch') => (r.ms[k] ? (r.gflop / (r.ms[k] as number) * 1e3).toFixed(1) : '-');
console.log(`\nGFLOPS (direct-convolution work / median ${clock} time); cnnkit = the path chosen per shape; ratio = PyTorch time / cnnkit time`);
console.log('| set | layer | x | batch | op | im2col | F(2x2) | F(3x3) | F(4x4) | F(7x7) | F(8x8) | chosen | PyTorch | cnnkit vs PyTorch |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const mine = r.ms[r.chosen as Variant] as number;
  const ratio = r.ms.torch ? `${(r.ms.torch / mine).toFixed(2)}x` : '-';
  console.log(`| ${r.set} | ${r.name} | ${r.count} | ${r.batch} | ${r.op} | ${gf(r, 'im2col')} | ${gf(r, 'F2')} | ${gf(r, 'F3')} | ${gf(r, 'F4')} | ${gf(r, 'F7')} | ${gf(r, 'F8')} | ${r.chosen} | ${gf(r, 'torch')} | ${ratio} |`);
}
// Whole networks: every convolution of a training step (each layer's forward, its filter gradient, and
// its input gradient except for the first layer), weighted by how often the shape occurs.
console.log(`\nConvolution milliseconds (${clock}) of one training step (layers weighted by count; the first layer has no input gradient)`);
console.log('| set | batch | im2col only | F(2x2) where possible | F(3x3) where possible | F(4x4) where possible | F(7x7) where possible | F(8x8) where possible | chosen | PyTorch | cnnkit vs PyTorch |\n|---|---|---|---|---|---|---|---|---|---|---|');
for (const set of sets) {
  for (const batch of batches) {
    const rs = rows.filter((r) => r.set === set && r.batch === batch);
    if (!rs.length) continue;
    const first = CONV_SHAPES.find((s) => s.set === set)?.name;
    const total = (pick: (r: Row) => number | undefined): number => rs.reduce((t, r) => (r.op === 'input' && r.name === first ? t : t + r.count * (pick(r) ?? NaN)), 0);
    const im = total((r) => r.ms.im2col), f2 = total((r) => r.ms.F2 ?? r.ms.im2col), f3 = total((r) => r.ms.F3 ?? r.ms.im2col), f4 = total((r) => r.ms.F4 ?? r.ms.im2col), f7 = total((r) => r.ms.F7 ?? r.ms.im2col), f8 = total((r) => r.ms.F8 ?? r.ms.im2col);
    const ch = total((r) => r.ms[r.chosen as Variant]), pt = total((r) => r.ms.torch);
    console.log(`| ${set} | ${batch} | ${im.toFixed(0)} | ${f2.toFixed(0)} | ${f3.toFixed(0)} | ${f4.toFixed(0)} | ${f7.toFixed(0)} | ${f8.toFixed(0)} | ${ch.toFixed(0)} | ${Number.isNaN(pt) ? '-' : pt.toFixed(0)} | ${Number.isNaN(pt) ? '-' : `${(pt / ch).toFixed(2)}x`} |`);
  }
}
writeJsonAtomic(outFile, { date: new Date().toISOString(), threads, samples, clock, variant: engines.F2.variant, torch: torch?.version ?? null, rows });
console.log(`\nwritten ${outFile}`);
