/**
 * Kernel micro-benchmark (not a test): GFLOPS of the tutorial CNN's GEMM-shaped kernels at batch
 * 32 (conv forward, backprop input, backprop filter; dense forward and gradients) on the WASM
 * backend with 1 and 2 threads. Usage: node dist/bench/kernels.js [--batch 32] [--ms 300] [--winograd 0]
 * (add --experimental-wasm-relaxed-simd on Node 20 to use the relaxed-SIMD build).
 */
import { createWasmBackendSync, type WasmBackend } from '../src/backend/wasm/index.js';
import { conv2dInfo } from '../src/backend/shape.js';
import type { Conv2DInfo, Storage } from '../src/backend/backend.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const batch = arg('batch', 32);
const minMs = arg('ms', 300);
/** --adaptive 0 keeps both threads working even when a worker loses its core (raw scaling). */
const adaptive = arg('adaptive', 1) !== 0;
/** --winograd 0 runs every convolution as im2col + GEMM. GFLOPS always count direct convolution's work. */
const winograd = arg('winograd', 1) !== 0;

interface Case {
  name: string;
  flops: number;
  run: () => void;
}

function random(be: WasmBackend, n: number): Storage {
  const s = be.alloc(n);
  be.write(s, Float32Array.from({ length: n }, () => Math.random() - 0.5));
  return s;
}

function cases(be: WasmBackend): Case[] {
  const out: Case[] = [];
  const convs: [string, number, number, number][] = [
    ['conv1', 32, 3, 32],
    ['conv2', 15, 32, 64],
    ['conv3', 6, 64, 64],
  ];
  for (const [name, hw, inC, outC] of convs) {
    const info: Conv2DInfo = conv2dInfo({ batch, inH: hw, inW: hw, inC, outC, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: 'valid' });
    const x = random(be, batch * hw * hw * inC), w = random(be, 9 * inC * outC), y = random(be, batch * info.outH * info.outW * outC);
    const dx = be.alloc(x.size), dw = be.alloc(w.size);
    const flops = 2 * batch * info.outH * info.outW * outC * 9 * inC;
    out.push({ name: `${name} forward      M=${batch * info.outH * info.outW} N=${outC} K=${9 * inC}`, flops, run: () => be.conv2d(x, w, y, info) });
    out.push({ name: `${name} backprop input M=${batch * info.outH * info.outW} N=${9 * inC} K=${outC}`, flops, run: () => be.conv2dBackpropInput(y, w, dx, info, false) });
    out.push({ name: `${name} backprop filt  M=${9 * inC} N=${outC} K=${batch * info.outH * info.outW}`, flops, run: () => be.conv2dBackpropFilter(x, y, dw, info, false) });
  }
  const dense: [string, number, number][] = [
    ['dense1', 1024, 64],
    ['dense2', 64, 10],
  ];
  for (const [name, inF, outF] of dense) {
    const x = random(be, batch * inF), w = random(be, inF * outF), y = random(be, batch * outF);
    const dx = be.alloc(x.size), dw = be.alloc(w.size);
    const flops = 2 * batch * inF * outF;
    out.push({ name: `${name} forward      M=${batch} N=${outF} K=${inF}`, flops, run: () => be.gemm(x, w, y, batch, outF, inF, false, false, false) });
    out.push({ name: `${name} input grad   M=${batch} N=${inF} K=${outF} (B^T)`, flops, run: () => be.gemm(y, w, dx, batch, inF, outF, false, true, false) });
    out.push({ name: `${name} weight grad  M=${inF} N=${outF} K=${batch} (A^T)`, flops, run: () => be.gemm(x, y, dw, inF, outF, batch, true, false, false) });
  }
  return out;
}

/** Median wall milliseconds per call, and process CPU milliseconds per call (all threads). */
function time(run: () => void): { wall: number; cpu: number } {
  for (let i = 0; i < 3; i++) run();
  const samples: number[] = [];
  const end = performance.now() + minMs;
  const c0 = process.cpuUsage();
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    run();
    samples.push(performance.now() - t0);
  }
  const cu = process.cpuUsage(c0);
  samples.sort((a, b) => a - b);
  return { wall: samples[samples.length >> 1], cpu: (cu.user + cu.system) / 1000 / samples.length };
}

const results: Record<string, Record<string, number>> = {};
let variant = '';
for (const threads of [1, 2]) {
  const be = createWasmBackendSync({ threads, memoryMB: 512, adaptive, winograd });
  be.waitForWorkers();
  variant = be.variant;
  let totalFlops = 0, totalMs = 0, totalCpu = 0;
  for (const c of cases(be)) {
    const { wall, cpu } = time(c.run);
    const r = (results[c.name] ??= {});
    r[`t${threads}`] = c.flops / wall / 1e6;
    r[`c${threads}`] = c.flops / cpu / 1e6;
    totalFlops += c.flops;
    totalMs += wall;
    totalCpu += cpu;
  }
  const all = (results['all kernels of one step'] ??= {});
  all[`t${threads}`] = totalFlops / totalMs / 1e6;
  all[`c${threads}`] = totalFlops / totalCpu / 1e6;
  be.dispose();
}
console.log(`WASM kernels (${variant} build${winograd ? '' : ', no Winograd'}), batch ${batch}: GFLOPS from median wall time, and per CPU-second of the process`);
console.log(`(the CPU figure is per core busy; it stays meaningful when other processes share the machine)`);
console.log(`${'kernel'.padEnd(52)} ${'1T wall'.padStart(8)} ${'1T cpu'.padStart(7)} ${'2T wall'.padStart(8)} ${'2T cpu'.padStart(7)}`);
const f = (v: number, w: number) => v.toFixed(1).padStart(w);
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(52)} ${f(r.t1, 8)} ${f(r.c1, 7)} ${f(r.t2, 8)} ${f(r.c2, 7)}`);
