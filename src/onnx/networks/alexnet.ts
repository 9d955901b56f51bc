/** torchvision's AlexNet (native/networks/models/alexnet.cc) as ONNX nodes; dropout does nothing at inference. */
import type { FeatureMap } from '../feature-map';
import { activate, adaptiveAvgPool, conv2d, flatten, hiddenLinear, linear, maxPool, type LayerContext } from '../layers';
import { firstConvPadding } from './first-conv';

export function alexnetLogits(context: LayerContext, input: FeatureMap): string {
  const pool = (x: FeatureMap, index: number) => maxPool(context, x, `features.${index}`, { kernel: 3, stride: 2 });
  const convAct = (x: FeatureMap, index: number, stride: number, padding: number) =>
    activate(context, conv2d(context, x, `features.${index}`, { stride, padding }), `features.${index + 1}`);
  const kernel = context.weights.get('features.0.weight').shape[2];
  let x = pool(convAct(input, 0, 4, firstConvPadding(kernel, 11, 2)), 2);
  x = pool(convAct(x, 3, 1, 2), 5);
  x = convAct(convAct(x, 6, 1, 1), 8, 1, 1);
  x = pool(convAct(x, 10, 1, 1), 12);
  let y = flatten(context, adaptiveAvgPool(context, x, 6, 'avgpool'), 'flatten');
  y = hiddenLinear(context, y, 'classifier.1', 'classifier.2');
  y = hiddenLinear(context, y, 'classifier.4', 'classifier.5');
  return linear(context, y, 'classifier.6');
}
