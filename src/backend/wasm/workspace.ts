/**
 * Private workspaces of the WASM backend: named blocks (packed weights, partial sums, byte
 * staging) and one scratch block per thread. Each is allocated once and only replaced when a
 * larger shape arrives, so a repeated training step allocates nothing.
 */
import type { LinearAllocator } from './allocator.js';
import type { ThreadPool } from './threads.js';

export class Workspace {
  private readonly blocks = new Map<string, { ptr: number; bytes: number }>();
  private scratchBytes = 0;

  constructor(
    private readonly heap: LinearAllocator,
    private readonly pool: ThreadPool,
    private readonly threads: number,
  ) {}

  /** Pointer to the workspace `name` of at least `bytes` bytes (contents unspecified). */
  ensure(name: string, bytes: number): number {
    const b = this.blocks.get(name);
    if (b && b.bytes >= bytes) return b.ptr;
    if (b) this.heap.freePersistent(b.ptr, b.bytes);
    const size = Math.ceil(bytes * 1.25) + 64;
    const ptr = this.heap.allocPersistent(size).ptr;
    this.blocks.set(name, { ptr, bytes: size });
    return ptr;
  }

  /** Makes every thread's scratch at least `bytes` bytes. Only between jobs. */
  ensureScratch(bytes: number): void {
    if (bytes <= this.scratchBytes) return;
    const size = Math.ceil(bytes * 1.25) + 64;
    for (let i = 0; i < this.threads; i++) {
      if (this.scratchBytes > 0) this.heap.freePersistent(this.pool.scratchOf(i), this.scratchBytes);
    }
    for (let i = 0; i < this.threads; i++) this.pool.setScratch(i, this.heap.allocPersistent(size).ptr);
    this.scratchBytes = size;
  }
}
