/** A trained network loaded from a checkpoint, for inference. */
import { checkCheckpointFile } from '../weights/checkpoint-file';
import { UsageError } from '../util/errors';
import { native } from './native';
import type { NamedWeights, NativeModel, NetworkSpec, ResolvedNetworkSpec, WeightReport } from './native';
import { readWeights, writeSafetensors } from '../weights/weights';

export class TrainedModel {
  private constructor(
    private readonly model: NativeModel,
    readonly file: string,
  ) {}

  static async load(file: string): Promise<TrainedModel> {
    checkCheckpointFile(file);
    return new TrainedModel(await native().loadCheckpoint(file), file);
  }

  /**
   * A network built from pretrained weights (a torch.save state-dict file or .safetensors,
   * torchvision's names), adapted to `spec` as training would adapt it; no normalisation.
   */
  static async fromWeights(spec: NetworkSpec, file: string, options: { partial?: boolean } = {}): Promise<{ model: TrainedModel; report: WeightReport }> {
    const weights = await readWeights(file);
    const { model, report } = await native().loadNetwork({ ...spec, weights, partial: options.partial, source: file });
    return { model: new TrainedModel(model, file), report };
  }

  /** Raw logits of inputs already scaled and normalised (Float32Array N×C×S×S). */
  async logits(input: Float32Array): Promise<number[][]> {
    const flat = await this.model.logits(input);
    const rows: number[][] = [];
    for (let i = 0; i < flat.length; i += this.spec.classes) rows.push(Array.from(flat.subarray(i, i + this.spec.classes)));
    return rows;
  }

  /** Parameters and buffers in torchvision's names. */
  async stateDict(): Promise<NamedWeights> {
    return this.model.stateDict();
  }

  /** The weights as a .safetensors file torchvision's model loads with strict=True. */
  async exportSafetensors(file: string): Promise<void> {
    writeSafetensors(file, await this.stateDict(), { source: 'fer-ga', model: this.spec.model });
  }

  get spec(): ResolvedNetworkSpec {
    return this.model.spec;
  }

  /** What the trainer's caller stored beside the weights (class names, data set, …). */
  get metadata(): Record<string, unknown> {
    const metadata = this.model.metadata;
    try {
      return JSON.parse(metadata) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  get normalisation(): { mean: number[]; std: number[] } {
    return this.model.normalisation;
  }

  /**
   * Frees the network now instead of whenever the garbage collector gets to it; predictions
   * already running finish first. Any later use throws "model was disposed". Calling it twice is harmless.
   */
  dispose(): void {
    this.model.dispose();
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
