/**
 * A trained network as an ONNX model: the input is the image as the CLI preprocesses it
 * (float pixels 0–1, N×C×S×S, any batch), normalised inside the graph with the statistics
 * the network was trained with, then the network, then softmax; outputs `logits` and
 * `probabilities`.
 */
import type { NamedWeights, ResolvedNetworkSpec } from '../binding/native';
import type { ModelName } from '../names';
import type { FeatureMap } from './feature-map';
import { GraphBuilder } from './graph-builder';
import type { LayerContext } from './layers';
import { metadataProps, type ExportedModelInfo } from './metadata';
import { alexnetLogits } from './networks/alexnet';
import { googlenetLogits } from './networks/googlenet';
import { resnet50Logits } from './networks/resnet50';
import { vgg16Logits } from './networks/vgg16';
import { WeightsByName } from './weights-by-name';

export const INPUT_NAME = 'image';
export const LOGITS_NAME = 'logits';
export const PROBABILITIES_NAME = 'probabilities';

const NETWORK_WRITERS: Record<ModelName, (context: LayerContext, input: FeatureMap) => string> = {
  alexnet: alexnetLogits,
  googlenet: googlenetLogits,
  vgg16: vgg16Logits,
  resnet50: resnet50Logits,
};

export interface NetworkToExport {
  spec: ResolvedNetworkSpec;
  /** Parameters and buffers in torchvision's names (TrainedModel.stateDict()). */
  weights: NamedWeights;
  /** Per-channel statistics of pixel/255 the network was trained on. */
  normalisation: { mean: number[]; std: number[] };
  info: ExportedModelInfo;
}

/** The ONNX file's bytes. */
export function onnxModelBytes({ spec, weights, normalisation, info }: NetworkToExport): Uint8Array {
  const graph = new GraphBuilder();
  const { channels, size, classes } = spec;
  // The trainer subtracts and divides in float32 (native/training/normalisation.h); so does the graph.
  const mean = graph.constant('normalisation.mean', [1, channels, 1, 1], Float32Array.from(normalisation.mean));
  const std = graph.constant('normalisation.std', [1, channels, 1, 1], Float32Array.from(normalisation.std));
  const normalised = graph.node('Div', [graph.node('Sub', [INPUT_NAME, mean], 'normalisation.centred'), std], 'normalisation');
  const context: LayerContext = {
    graph,
    weights: new WeightsByName(weights),
    activation: { name: spec.activation, parameter: spec.activationParameter },
  };
  const logits = NETWORK_WRITERS[spec.model](context, { name: normalised, channels, size });
  const probabilities = graph.node('Softmax', [logits], 'softmax', { axis: 1 });
  return graph.encode({
    name: `fer-ga ${spec.model} ${spec.activation}`,
    inputs: [{ name: INPUT_NAME, shape: ['batch', channels, size, size] }],
    outputs: [
      { name: LOGITS_NAME, shape: ['batch', classes], from: logits },
      { name: PROBABILITIES_NAME, shape: ['batch', classes], from: probabilities },
    ],
    metadata: metadataProps(info),
    producerVersion: info.version,
  });
}
