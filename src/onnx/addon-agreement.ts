/**
 * How closely an exported graph computes what the native network computes: the same
 * weights built natively with a given activation and written as ONNX, the same input
 * through libtorch (normalised as the trainer does, in float32) and through
 * onnxruntime-node, the largest absolute difference between their logits. The export's
 * check (test/onnx-export.test.ts) and its benchmark (scripts/bench-onnx.js) use it.
 */
import * as ort from 'onnxruntime-node';

import { native, type NamedWeights, type ResolvedNetworkSpec } from '../binding/native';
import type { ActivationName } from '../names';
import type { ExportedModelInfo } from './metadata';
import { INPUT_NAME, LOGITS_NAME, onnxModelBytes } from './network-graph';

export interface AddonAgreement {
  /** max |logit(libtorch) − logit(onnxruntime)| over the batch. */
  worstDifference: number;
  /** The ONNX file's size in bytes. */
  bytes: number;
  /** onnxruntime's logits, one row per input. */
  logits: number[][];
  /** Largest |logit| libtorch gave, to read the difference against. */
  largestLogit: number;
}

export interface TrainedNetwork {
  spec: ResolvedNetworkSpec;
  weights: NamedWeights;
  normalisation: { mean: number[]; std: number[] };
  info: ExportedModelInfo;
}

/** (x − mean) / std per channel, each step rounded to float32 as libtorch's float tensors round it. */
function normalised(input: Float32Array, channels: number, size: number, { mean, std }: TrainedNetwork['normalisation']): Float32Array {
  const out = new Float32Array(input.length);
  const plane = size * size;
  for (let i = 0; i < input.length; i++) {
    const c = Math.floor(i / plane) % channels;
    out[i] = Math.fround(input[i] - Math.fround(mean[c])) / Math.fround(std[c]);
  }
  return out;
}

/** `input`: pixels in 0–1, N×C×S×S. The activation replaces the network's own (its parameter too, when given). */
export async function agreementWithAddon(
  network: TrainedNetwork,
  activation: ActivationName,
  input: Float32Array,
  activationParameter?: number,
): Promise<AddonAgreement> {
  const { model, classes, channels, size, firstKernel } = network.spec;
  const { model: built } = await native().loadNetwork({ model, classes, channels, size, firstKernel, activation, activationParameter, weights: network.weights });
  let reference: Float32Array;
  let spec: ResolvedNetworkSpec;
  try {
    spec = built.spec;
    reference = await built.logits(normalised(input, channels, size, network.normalisation));
  } finally {
    built.dispose();
  }
  const bytes = onnxModelBytes({ ...network, spec, info: { ...network.info, activation } });
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const batch = input.length / (channels * size * size);
    const out = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', input, [batch, channels, size, size]) });
    const logits = out[LOGITS_NAME].data as Float32Array;
    let worstDifference = 0;
    let largestLogit = 0;
    for (let i = 0; i < reference.length; i++) {
      worstDifference = Math.max(worstDifference, Math.abs(reference[i] - logits[i]));
      largestLogit = Math.max(largestLogit, Math.abs(reference[i]));
    }
    const rows: number[][] = [];
    for (let i = 0; i < logits.length; i += classes) rows.push(Array.from(logits.subarray(i, i + classes)));
    return { worstDifference, bytes: bytes.length, logits: rows, largestLogit };
  } finally {
    await session.release();
  }
}

/** Pixels in 0–1 from a seeded generator (Park–Miller), N×C×S×S: the same input on every machine. */
export function seededPixels(count: number, channels: number, size: number, seed: number): Float32Array {
  const out = new Float32Array(count * channels * size * size);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (state * 16807) % 2147483647;
    out[i] = (state % 256) / 255;
  }
  return out;
}
