/**
 * Byte allocator over the backend's fixed linear memory: persistent blocks grow up from `base`
 * through a first-fit free list with coalescing; the step arena is a bump pointer that grows down
 * from `end` and returns to `end` at each step's end. Pages never touched since the memory was
 * created are known to be zero, so fresh blocks need no clearing (touching new pages is slow).
 */
import { StateError } from '../../errors.js';

/** Alignment of every block, in bytes (a cache line). */
export const ALIGN = 64;

function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

interface Block {
  ptr: number;
  bytes: number;
}

export class LinearAllocator {
  private top: number;
  /** Highest byte ever handed out by `top` (above it memory is untouched, hence zero). */
  private touchedTop: number;
  private readonly freeList: Block[] = [];
  private arenaPtr: number;
  /** Lowest arena pointer ever reached (below it, down to `touchedTop`, memory is zero). */
  private arenaLow: number;
  /** Live persistent bytes. */
  persistentBytes = 0;

  constructor(
    readonly base: number,
    readonly end: number,
  ) {
    this.top = alignUp(base);
    this.touchedTop = this.top;
    this.arenaPtr = end;
    this.arenaLow = end;
  }

  /** Bytes of the arena's deepest step so far. */
  get arenaHighWater(): number {
    return this.end - this.arenaLow;
  }

  private outOfMemory(bytes: number): never {
    const mb = (n: number) => (n / 1048576).toFixed(1);
    throw new StateError(
      `WASM backend out of memory: need ${mb(bytes)} MiB more (persistent ${mb(this.top - this.base)} MiB, step arena ${mb(this.end - this.arenaLow)} MiB, total ${mb(this.end)} MiB). ` +
        `Create the backend with a larger memoryMB.`,
    );
  }

  /**
   * Allocates a persistent block; returns its pointer and whether it may hold old data (then the
   * caller clears it if it needs zeros).
   */
  allocPersistent(size: number): { ptr: number; dirty: boolean } {
    const bytes = alignUp(Math.max(size, 1));
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.bytes < bytes) continue;
      const ptr = b.ptr;
      if (b.bytes === bytes) this.freeList.splice(i, 1);
      else {
        b.ptr += bytes;
        b.bytes -= bytes;
      }
      this.persistentBytes += bytes;
      return { ptr, dirty: true };
    }
    const ptr = this.top;
    if (ptr + bytes > this.arenaLow) this.outOfMemory(ptr + bytes - this.arenaLow);
    this.top += bytes;
    const dirty = ptr < this.touchedTop;
    this.touchedTop = Math.max(this.touchedTop, this.top);
    this.persistentBytes += bytes;
    return { ptr, dirty };
  }

  /** Returns a persistent block of `size` bytes at `ptr`. */
  freePersistent(ptr: number, size: number): void {
    const bytes = alignUp(Math.max(size, 1));
    this.persistentBytes -= bytes;
    const list = this.freeList;
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, { ptr, bytes });
    // Coalesce with the next and the previous block.
    if (lo + 1 < list.length && list[lo].ptr + list[lo].bytes === list[lo + 1].ptr) {
      list[lo].bytes += list[lo + 1].bytes;
      list.splice(lo + 1, 1);
    }
    if (lo > 0 && list[lo - 1].ptr + list[lo - 1].bytes === list[lo].ptr) {
      list[lo - 1].bytes += list[lo].bytes;
      list.splice(lo, 1);
      lo--;
    }
    // A free block at the top gives its bytes back to the bump pointer.
    const last = list[list.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      list.pop();
    }
  }

  /** Allocates from the step arena; returns the pointer and whether the bytes may be non-zero. */
  allocStep(size: number): { ptr: number; dirty: boolean } {
    const bytes = alignUp(Math.max(size, 1));
    const ptr = this.arenaPtr - bytes;
    if (ptr < this.top) this.outOfMemory(this.top - ptr);
    const dirty = ptr + bytes > this.arenaLow || ptr < this.touchedTop;
    this.arenaPtr = ptr;
    if (ptr < this.arenaLow) this.arenaLow = ptr;
    return { ptr, dirty };
  }

  /** Reclaims every step allocation. */
  resetStep(): void {
    this.arenaPtr = this.end;
  }
}
