/** torchvision's ResNet-50 (native/networks/models/resnet.cc) as ONNX nodes; batch norms with PyTorch's eps 1e-5. */
import type { FeatureMap } from '../feature-map';
import { activate, adaptiveAvgPool, batchNorm, conv2d, flatten, linear, maxPool, type LayerContext } from '../layers';
import { firstConvPadding } from './first-conv';

const EPSILON = 1e-5;
/** Bottleneck blocks per stage. */
const STAGES = [3, 4, 6, 3];

function convBn(context: LayerContext, x: FeatureMap, conv: string, bn: string, stride = 1, padding = 0): FeatureMap {
  return batchNorm(context, conv2d(context, x, conv, { stride, padding }), bn, EPSILON);
}

function bottleneck(context: LayerContext, x: FeatureMap, prefix: string, stride: number): FeatureMap {
  let out = activate(context, convBn(context, x, `${prefix}.conv1`, `${prefix}.bn1`), `${prefix}.relu`);
  out = activate(context, convBn(context, out, `${prefix}.conv2`, `${prefix}.bn2`, stride, 1), `${prefix}.relu`);
  out = convBn(context, out, `${prefix}.conv3`, `${prefix}.bn3`);
  const shortcut = context.weights.has(`${prefix}.downsample.0.weight`)
    ? convBn(context, x, `${prefix}.downsample.0`, `${prefix}.downsample.1`, stride)
    : x;
  const sum = { ...out, name: context.graph.node('Add', [out.name, shortcut.name], `${prefix}.add`) };
  return activate(context, sum, `${prefix}.relu`);
}

export function resnet50Logits(context: LayerContext, input: FeatureMap): string {
  const kernel = context.weights.get('conv1.weight').shape[2];
  let x = activate(context, convBn(context, input, 'conv1', 'bn1', 2, firstConvPadding(kernel, 7, 3)), 'relu');
  x = maxPool(context, x, 'maxpool', { kernel: 3, stride: 2, padding: 1 });
  STAGES.forEach((blocks, stage) => {
    for (let block = 0; block < blocks; block++) {
      x = bottleneck(context, x, `layer${stage + 1}.${block}`, stage > 0 && block === 0 ? 2 : 1);
    }
  });
  return linear(context, flatten(context, adaptiveAvgPool(context, x, 1, 'avgpool'), 'flatten'), 'fc');
}
