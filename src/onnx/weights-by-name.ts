/** A network's state dict looked up by torchvision's names while its graph is written. */
import type { NamedWeight, NamedWeights } from '../binding/native';

export class WeightsByName {
  private readonly byName: Map<string, NamedWeight>;

  constructor(weights: NamedWeights) {
    this.byName = new Map(weights.map((w) => [w.name, w]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The tensor as float32 (integer buffers arrive as float64); a name the network lacks is a bug in a graph writer. */
  get(name: string): { shape: number[]; data: Float32Array } {
    const weight = this.byName.get(name);
    if (!weight) throw new Error(`the checkpoint has no tensor ${name}`);
    const data = weight.data instanceof Float32Array ? weight.data : Float32Array.from(weight.data);
    return { shape: weight.shape, data };
  }
}
