/** A trained network loaded from a checkpoint, for inference. */
import { UsageError } from './errors';
import { native } from './native';
import type { NativeModel, ResolvedNetworkSpec } from './native';

export class TrainedModel {
  private constructor(
    private readonly model: NativeModel,
    readonly file: string,
  ) {}

  static async load(file: string): Promise<TrainedModel> {
    return new TrainedModel(await native().loadCheckpoint(file), file);
  }

  get spec(): ResolvedNetworkSpec {
    return this.model.spec;
  }

  /** What the trainer's caller stored beside the weights (class names, data set, …). */
  get metadata(): Record<string, unknown> {
    try {
      return JSON.parse(this.model.metadata) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  get normalisation(): { mean: number[]; std: number[] } {
    return this.model.normalisation;
  }

  /** Class probabilities, one row per image of `images` (uint8 N×C×S×S at the model's shape). */
  async predict(images: Uint8Array): Promise<number[][]> {
    const { classes, channels, size } = this.spec;
    if (images.length === 0 || images.length % (channels * size * size) !== 0) {
      throw new UsageError(`predict needs whole ${channels}×${size}×${size} images (got ${images.length} bytes)`);
    }
    const flat = await this.model.predict(images);
    const rows: number[][] = [];
    for (let i = 0; i < flat.length; i += classes) rows.push(Array.from(flat.subarray(i, i + classes)));
    return rows;
  }
}
