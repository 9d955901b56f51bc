/** One training run of one network on packed images, natively, off the JS thread. */
import { abortError, UsageError } from '../util/errors';
import { native } from './native';
import type { LoopSettings, NetworkSpec, OptimizerSettings, TrainProgress, TrainResult } from './native';

export interface TrainingData {
  /** uint8 pixels, N×C×S×S, channel-major per image (a Buffer works). Copied once when training starts. */
  images: Uint8Array;
  /** Class index of each image, 0…classes−1. */
  labels: ArrayLike<number>;
  trainIndices: ArrayLike<number>;
  validationIndices: ArrayLike<number>;
}

export interface TrainNetworkOptions extends NetworkSpec, OptimizerSettings, LoopSettings {}

export interface TrainControl {
  /** Cancels between two batches; the promise rejects with an AbortError. */
  signal?: AbortSignal;
  onProgress?: (event: TrainProgress) => void;
}

function toInt32(values: ArrayLike<number>, what: string): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new UsageError(`${what}[${i}] must be an integer (got ${String(v)})`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Trains `options.model` and resolves with its history, confusion matrix and settings.
 * A NaN or infinite loss resolves with `diverged: true`; bad options reject with a
 * UsageError-coded Error; the event loop stays free throughout.
 */
export async function trainNetwork(data: TrainingData, options: TrainNetworkOptions, control: TrainControl = {}): Promise<TrainResult> {
  const { signal, onProgress } = control;
  if (signal?.aborted) throw abortError();
  const job = native().startTraining(
    {
      ...options,
      images: data.images,
      labels: toInt32(data.labels, 'labels'),
      trainIndices: toInt32(data.trainIndices, 'trainIndices'),
      validationIndices: toInt32(data.validationIndices, 'validationIndices'),
    },
    onProgress ?? (() => undefined),
  );
  const cancel = () => job.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await job.promise;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}
