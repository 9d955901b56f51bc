/**
 * The layers the four networks are made of, written as ONNX nodes from torchvision's
 * state-dict names, each returning the feature map it produces with its static size.
 */
import type { ActivationForm } from './activations';
import { applyActivation } from './activations';
import type { FeatureMap } from './feature-map';
import type { GraphBuilder } from './graph-builder';
import type { WeightsByName } from './weights-by-name';

/** What a network writer needs: the graph, the checkpoint's tensors and the activation. */
export interface LayerContext {
  graph: GraphBuilder;
  weights: WeightsByName;
  activation: ActivationForm;
}

export interface ConvGeometry {
  stride?: number;
  padding?: number;
}

/** A square convolution named `prefix` (weight, and bias when the layer has one). */
export function conv2d({ graph, weights }: LayerContext, x: FeatureMap, prefix: string, { stride = 1, padding = 0 }: ConvGeometry = {}): FeatureMap {
  const weight = weights.get(`${prefix}.weight`);
  const [out, , kernel] = weight.shape;
  const inputs = [x.name, graph.constant(`${prefix}.weight`, weight.shape, weight.data)];
  if (weights.has(`${prefix}.bias`)) inputs.push(graph.constant(`${prefix}.bias`, [out], weights.get(`${prefix}.bias`).data));
  const name = graph.node('Conv', inputs, prefix, {
    kernel_shape: [kernel, kernel],
    strides: [stride, stride],
    pads: [padding, padding, padding, padding],
  });
  return { name, channels: out, size: Math.floor((x.size + 2 * padding - kernel) / stride) + 1 };
}

/** Inference-mode batch norm from the running statistics. */
export function batchNorm({ graph, weights }: LayerContext, x: FeatureMap, prefix: string, epsilon: number): FeatureMap {
  const tensor = (part: string) => {
    const { data } = weights.get(`${prefix}.${part}`);
    return graph.constant(`${prefix}.${part}`, [data.length], data);
  };
  const name = graph.node('BatchNormalization', [x.name, tensor('weight'), tensor('bias'), tensor('running_mean'), tensor('running_var')], prefix, {
    epsilon: { float: epsilon },
  });
  return { ...x, name };
}

export function activate(context: LayerContext, x: FeatureMap, hint: string): FeatureMap {
  return { ...x, name: applyActivation(context.graph, x.name, context.activation, hint) };
}

/**
 * libtorch's max pool, ceil mode included: with ceil mode the last window may hang over
 * the edge but must start inside the input (or its left padding), as PyTorch counts it.
 */
export function maxPool(
  { graph }: LayerContext,
  x: FeatureMap,
  hint: string,
  { kernel, stride, padding = 0, ceil = false }: { kernel: number; stride: number; padding?: number; ceil?: boolean },
): FeatureMap {
  const span = x.size + 2 * padding - kernel;
  let size = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (size - 1) * stride >= x.size + padding) size--;
  // The overhang of ceil mode is written as extra end padding, which MaxPool ignores, so no runtime's ceil rule matters.
  const endPadding = padding + Math.max(0, (size - 1) * stride + kernel - (x.size + 2 * padding));
  const name = graph.node('MaxPool', [x.name], hint, {
    kernel_shape: [kernel, kernel],
    strides: [stride, stride],
    pads: [padding, padding, endPadding, endPadding],
  });
  return { ...x, name, size };
}

/**
 * PyTorch's adaptive average pool to `out`×`out`. Bin i averages rows floor(i·n/out) to
 * ceil((i+1)·n/out) − 1, which is a fixed linear map per axis: Y = A·X·Aᵀ, two MatMuls
 * (the input size is fixed, so A is known when writing). A small input repeats its
 * values into the larger output, as libtorch does.
 */
export function adaptiveAvgPool({ graph }: LayerContext, x: FeatureMap, out: number, hint: string): FeatureMap {
  if (x.size === out) return x;
  if (out === 1) return { ...x, name: graph.node('GlobalAveragePool', [x.name], hint), size: 1 };
  const n = x.size;
  const rows = new Float32Array(out * n);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * n) / out);
    const end = Math.ceil(((i + 1) * n) / out);
    for (let j = start; j < end; j++) rows[i * n + j] = 1 / (end - start);
  }
  const columns = new Float32Array(n * out);
  for (let i = 0; i < out; i++) for (let j = 0; j < n; j++) columns[j * out + i] = rows[i * n + j];
  const alongWidth = graph.node('MatMul', [x.name, graph.constant(`${hint}.columns`, [n, out], columns)], `${hint}.width`);
  const name = graph.node('MatMul', [graph.constant(`${hint}.rows`, [out, n], rows), alongWidth], hint);
  return { ...x, name, size: out };
}

/** N×C×H×W → N×(C·H·W), in PyTorch's flatten(1) order. */
export function flatten({ graph }: LayerContext, x: FeatureMap, hint: string): string {
  return graph.node('Flatten', [x.name], hint, { axis: 1 });
}

/** A fully connected layer named `prefix`: x·Wᵀ + b. */
export function linear({ graph, weights }: LayerContext, x: string, prefix: string): string {
  const weight = weights.get(`${prefix}.weight`);
  const bias = weights.get(`${prefix}.bias`);
  return graph.node('Gemm', [x, graph.constant(`${prefix}.weight`, weight.shape, weight.data), graph.constant(`${prefix}.bias`, bias.shape, bias.data)], prefix, {
    transB: 1,
  });
}

/** A hidden fully connected layer of a classifier: linear, then the activation (dropout does nothing at inference). */
export function hiddenLinear(context: LayerContext, x: string, prefix: string, activationHint: string): string {
  return applyActivation(context.graph, linear(context, x, prefix), context.activation, activationHint);
}
