/**
 * `export --format web`: a folder that reads expressions in the browser with no server
 * of fer-ga's and nothing fetched from elsewhere: index.html, its script, the ONNX model
 * with its description (model.json), and the onnxruntime-web files it imports, copied
 * from node_modules.
 */
import fs from 'fs';
import path from 'path';

import type { ExportedModelInfo } from '../metadata';
import { PAGE_HTML } from './page-html';
import { PAGE_SCRIPT } from './page-script';

/** The WebAssembly build of onnxruntime-web the page imports: its module, its loader, its binary. */
export const ONNXRUNTIME_WEB_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

function onnxruntimeWebDist(): string {
  // The package's exports map hides its dist folder and package.json; its Node entry lies in that folder.
  return path.dirname(require.resolve('onnxruntime-web'));
}

export function writeWebPage(dir: string, modelBytes: Uint8Array, info: ExportedModelInfo): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: Array<[string, string | Uint8Array]> = [
    ['index.html', PAGE_HTML],
    ['app.mjs', PAGE_SCRIPT],
    ['model.onnx', modelBytes],
    ['model.json', JSON.stringify(info, null, 2) + '\n'],
  ];
  for (const [name, content] of written) fs.writeFileSync(path.join(dir, name), content);
  const dist = onnxruntimeWebDist();
  for (const name of ONNXRUNTIME_WEB_FILES) fs.copyFileSync(path.join(dist, name), path.join(dir, name));
  return [...written.map(([name]) => name), ...ONNXRUNTIME_WEB_FILES];
}
