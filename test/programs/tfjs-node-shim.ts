/**
 * Stands in for `@tensorflow/tfjs-node` when the example programs run on TensorFlow.js: tfjs-node
 * cannot be installed here (its install step downloads libtensorflow), so this module is
 * `@tensorflow/tfjs` plus a `node.decodeImage` that decodes PNG and JPEG with the same JavaScript
 * decoders (pngjs, jpeg-js) into tfjs int32 tensors, as tfjs-node's does with libtensorflow.
 */
import * as tf from '@tensorflow/tfjs';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

export * from '@tensorflow/tfjs';

export const node = {
  decodeImage(bytes: Uint8Array, channels = 3): tf.Tensor3D {
    const isPng = bytes[0] === 0x89 && bytes[1] === 0x50;
    const img = isPng ? pngjs.PNG.sync.read(Buffer.from(bytes)) : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    const out = new Int32Array(img.width * img.height * channels);
    for (let i = 0; i < img.width * img.height; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = img.data[i * 4 + c];
    return tf.tensor3d(out, [img.height, img.width, channels], 'int32');
  },
};
