/** ONNX export to files (Node.js): `ck.exportOnnx(model, path)` and `exportOnnxFile(modelDir, outPath)` for the CLI. */
import type { LayersModel } from '../../models/model.js';
import { loadLayersModel } from '../load.js';
import { pathFromUrl } from '../node-file.js';
import { exportOnnxBytes } from './export.js';
import { writeFileAtomic } from '../../util/node-fs.js';

/** Writes the model as an ONNX file (opset 13); returns the number of bytes written. */
export async function exportOnnx(model: LayersModel, path: string): Promise<number> {
  const bytes = exportOnnxBytes(model);
  await writeFileAtomic(pathFromUrl(path), bytes);
  return bytes.byteLength;
}

/**
 * Loads a saved model (a folder with model.json, or the file) and writes it as ONNX to `outPath`
 * (for `cnnkit export --model DIR --onnx model.onnx`). Returns the number of bytes written.
 */
export async function exportOnnxFile(modelDir: string, outPath: string): Promise<number> {
  return exportOnnx(await loadLayersModel(modelDir), outPath);
}
