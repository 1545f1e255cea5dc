/** `ck.node` (Node.js only): tfjs-node's image decoding with pure-JavaScript decoders. */
export { decodeImage, decodePng, decodeJpeg, decodeBmp, decodeGif, imageFormat } from './decode-image.js';
export type { DecodeDType } from './decode-image.js';
