/**
 * torchvision's GoogLeNet (native/networks/models/googlenet.cc) as ONNX nodes, without
 * the auxiliary heads (they only feed the training loss) and without dropout.
 */
import type { FeatureMap } from '../feature-map';
import { activate, adaptiveAvgPool, batchNorm, conv2d, flatten, linear, maxPool, type LayerContext } from '../layers';
import { firstConvPadding } from './first-conv';

/** torchvision's BasicConv2d: convolution without bias, batch norm with eps 0.001, activation. */
function basicConv(context: LayerContext, x: FeatureMap, prefix: string, stride = 1, padding = 0): FeatureMap {
  const conv = conv2d(context, x, `${prefix}.conv`, { stride, padding });
  return activate(context, batchNorm(context, conv, `${prefix}.bn`, 0.001), `${prefix}.activation`);
}

function inception(context: LayerContext, x: FeatureMap, prefix: string): FeatureMap {
  const branch1 = basicConv(context, x, `${prefix}.branch1`);
  const branch2 = basicConv(context, basicConv(context, x, `${prefix}.branch2.0`), `${prefix}.branch2.1`, 1, 1);
  const branch3 = basicConv(context, basicConv(context, x, `${prefix}.branch3.0`), `${prefix}.branch3.1`, 1, 1);
  const pooled = maxPool(context, x, `${prefix}.branch4.0`, { kernel: 3, stride: 1, padding: 1, ceil: true });
  const branch4 = basicConv(context, pooled, `${prefix}.branch4.1`);
  const branches = [branch1, branch2, branch3, branch4];
  const name = context.graph.node('Concat', branches.map((b) => b.name), prefix, { axis: 1 });
  return { name, channels: branches.reduce((sum, b) => sum + b.channels, 0), size: branch1.size };
}

export function googlenetLogits(context: LayerContext, input: FeatureMap): string {
  const pool = (x: FeatureMap, name: string, kernel: number) => maxPool(context, x, name, { kernel, stride: 2, ceil: true });
  const kernel = context.weights.get('conv1.conv.weight').shape[2];
  let x = pool(basicConv(context, input, 'conv1', 2, firstConvPadding(kernel, 7, 3)), 'maxpool1', 3);
  x = pool(basicConv(context, basicConv(context, x, 'conv2'), 'conv3', 1, 1), 'maxpool2', 3);
  x = pool(inception(context, inception(context, x, 'inception3a'), 'inception3b'), 'maxpool3', 3);
  for (const block of ['inception4a', 'inception4b', 'inception4c', 'inception4d']) x = inception(context, x, block);
  x = pool(inception(context, x, 'inception4e'), 'maxpool4', 2);
  x = inception(context, inception(context, x, 'inception5a'), 'inception5b');
  return linear(context, flatten(context, adaptiveAvgPool(context, x, 1, 'avgpool'), 'flatten'), 'fc');
}
