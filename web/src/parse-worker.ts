/**
 * Unpacks the CIFAR-10 archive off the page's thread: gunzip + tar + record conversion with the
 * library's browser-safe parser, then hands the image and label buffers back without copying.
 */
import { parseCifar10Archive } from 'cnnkit/datasets';

interface Request {
  bytes: ArrayBuffer;
  name: string;
}

/** The array alone in its buffer, so that the buffer can be transferred. */
function own(a: Uint8Array): Uint8Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : a.slice();
}

self.onmessage = (e: MessageEvent<Request>) => {
  const t0 = performance.now();
  try {
    const data = parseCifar10Archive(new Uint8Array(e.data.bytes), e.data.name);
    const split = (s: typeof data.train) => ({ images: own(s.images), labels: own(s.labels), count: s.count });
    const train = split(data.train), test = split(data.test);
    const result = { ok: true, ms: performance.now() - t0, data: { ...data, train, test } };
    (self as unknown as Worker).postMessage(result, [train.images.buffer, train.labels.buffer, test.images.buffer, test.labels.buffer] as ArrayBuffer[]);
  } catch (err) {
    (self as unknown as Worker).postMessage({ ok: false, message: (err as Error).message });
  }
};
