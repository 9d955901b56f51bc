/**
 * A square feature map in the graph: its value's name and the static shape the writers
 * need (the network's input size is fixed, so every spatial size is known when writing;
 * only the batch is dynamic).
 */
export interface FeatureMap {
  name: string;
  channels: number;
  size: number;
}
