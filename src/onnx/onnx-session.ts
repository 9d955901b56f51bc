/**
 * An exported model run by onnxruntime-node (CPU), with the metadata fer-ga wrote into it.
 * libtorch is not involved: this is how `predict --model` works where the addon is not built.
 */
import type * as Ort from 'onnxruntime-node';

import { UsageError } from '../util/errors';
import { parseMetadataProps, type ExportedModelInfo } from './metadata';
import { INPUT_NAME, LOGITS_NAME, PROBABILITIES_NAME } from './network-graph';
import { readMetadataProps } from './read-metadata';

export interface OnnxOutputs {
  /** One row per image. */
  logits: number[][];
  probabilities: number[][];
}

// Loaded on first use, so commands that never run an ONNX model never load its native binding.
function onnxruntime(): typeof Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onnxruntime-node') as typeof Ort;
}

/** Images per run in predict, as native/napi/model_handle.cc takes them. */
const PREDICT_BATCH = 64;

function rows(data: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += width) out.push(Array.from(data.subarray(i, i + width)));
  return out;
}

export class OnnxModel {
  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly info: ExportedModelInfo,
    readonly file: string,
  ) {}

  /** Refuses, in one line, a file that is not ONNX or that fer-ga did not write (no metadata). */
  static async load(file: string, options: { threads?: number } = {}): Promise<OnnxModel> {
    const info = parseMetadataProps(readMetadataProps(file), file);
    let session: Ort.InferenceSession;
    try {
      session = await onnxruntime().InferenceSession.create(file, { intraOpNumThreads: options.threads ?? 0, interOpNumThreads: 1 });
    } catch (error) {
      throw new UsageError(`--model ${file}: onnxruntime cannot load it (${(error instanceof Error ? error.message : String(error)).split('\n')[0]})`);
    }
    const missing = [INPUT_NAME].filter((n) => !session.inputNames.includes(n)).concat([LOGITS_NAME, PROBABILITIES_NAME].filter((n) => !session.outputNames.includes(n)));
    if (missing.length > 0) {
      await session.release();
      throw new UsageError(`--model ${file}: the graph lacks ${missing.join(', ')}, which fer-ga export writes`);
    }
    return new OnnxModel(session, info, file);
  }

  /** Outputs for pixels already scaled to 0–1 (Float32Array N×C×S×S at the model's shape). */
  async run(input: Float32Array): Promise<OnnxOutputs> {
    const { channels, size, classes } = this.info;
    const perImage = channels * size * size;
    if (input.length === 0 || input.length % perImage !== 0) {
      throw new UsageError(`the model needs whole ${channels}×${size}×${size} images (got ${input.length} values)`);
    }
    const tensor = new (onnxruntime().Tensor)('float32', input, [input.length / perImage, channels, size, size]);
    const out = await this.session.run({ [INPUT_NAME]: tensor });
    return { logits: rows(out[LOGITS_NAME].data as Float32Array, classes.length), probabilities: rows(out[PROBABILITIES_NAME].data as Float32Array, classes.length) };
  }

  /**
   * Class probabilities of uint8 images (N×C×S×S) as the CLI's preprocessing leaves them,
   * PREDICT_BATCH at a time as the addon's predict goes, so memory stays flat however many images.
   */
  async predict(images: Uint8Array): Promise<number[][]> {
    const { channels, size } = this.info;
    const perImage = channels * size * size;
    const out: number[][] = [];
    for (let start = 0; start < images.length; start += PREDICT_BATCH * perImage) {
      const slice = images.subarray(start, Math.min(images.length, start + PREDICT_BATCH * perImage));
      const input = new Float32Array(slice.length);
      for (let i = 0; i < slice.length; i++) input[i] = slice[i] / 255;
      out.push(...(await this.run(input)).probabilities);
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
