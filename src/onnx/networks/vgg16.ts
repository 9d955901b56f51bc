/** torchvision's VGG-16, configuration D (native/networks/models/vgg.cc), as ONNX nodes. */
import type { FeatureMap } from '../feature-map';
import { activate, adaptiveAvgPool, conv2d, flatten, hiddenLinear, linear, maxPool, type LayerContext } from '../layers';
import { firstConvPadding } from './first-conv';

const MAX_POOL = 0;
const VGG16 = [64, 64, MAX_POOL, 128, 128, MAX_POOL, 256, 256, 256, MAX_POOL, 512, 512, 512, MAX_POOL, 512, 512, 512, MAX_POOL];

export function vgg16Logits(context: LayerContext, input: FeatureMap): string {
  let x = input;
  let index = 0;
  for (const channels of VGG16) {
    if (channels === MAX_POOL) {
      x = maxPool(context, x, `features.${index}`, { kernel: 2, stride: 2 });
      index += 1;
    } else {
      const kernel = context.weights.get(`features.${index}.weight`).shape[2];
      const padding = index === 0 ? firstConvPadding(kernel, 3, 1) : 1;
      x = activate(context, conv2d(context, x, `features.${index}`, { padding }), `features.${index + 1}`);
      index += 2;
    }
  }
  let y = flatten(context, adaptiveAvgPool(context, x, 7, 'avgpool'), 'flatten');
  y = hiddenLinear(context, y, 'classifier.0', 'classifier.1');
  y = hiddenLinear(context, y, 'classifier.3', 'classifier.4');
  return linear(context, y, 'classifier.6');
}
