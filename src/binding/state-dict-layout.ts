/**
 * The state-dict layout (torchvision's names and shapes) of each network as the native
 * addon builds it, and what a partial load of given weights would skip. A trial's key
 * needs this without building a network (keys are computed synchronously, before any
 * training): a `--partial-weights` load that skips nothing is the full load, one trial.
 * test/identity.test.ts holds every layout to the addon's own (describeNetwork), and the
 * skip rule to its loads (native/networks/state_dict.cc).
 */
import { OWN_FIRST_KERNEL, type ModelName } from '../names';

export interface LayoutEntry {
  name: string;
  shape: number[];
}

/** What fixes a network's layout: the class count, the input channels and the first kernel (0: the network's own). */
export interface LayoutSpec {
  model: ModelName;
  classes: number;
  channels: number;
  firstKernel: number;
}

function conv(out: LayoutEntry[], prefix: string, input: number, output: number, kernel: number, bias = true): void {
  out.push({ name: `${prefix}.weight`, shape: [output, input, kernel, kernel] });
  if (bias) out.push({ name: `${prefix}.bias`, shape: [output] });
}

function linear(out: LayoutEntry[], prefix: string, input: number, output: number): void {
  out.push({ name: `${prefix}.weight`, shape: [output, input] }, { name: `${prefix}.bias`, shape: [output] });
}

function batchNorm(out: LayoutEntry[], prefix: string, features: number): void {
  for (const name of ['weight', 'bias', 'running_mean', 'running_var']) out.push({ name: `${prefix}.${name}`, shape: [features] });
  out.push({ name: `${prefix}.num_batches_tracked`, shape: [] });
}

function alexnet(s: LayoutSpec, kernel: number): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  conv(out, 'features.0', s.channels, 64, kernel);
  conv(out, 'features.3', 64, 192, 5);
  conv(out, 'features.6', 192, 384, 3);
  conv(out, 'features.8', 384, 256, 3);
  conv(out, 'features.10', 256, 256, 3);
  linear(out, 'classifier.1', 256 * 6 * 6, 4096);
  linear(out, 'classifier.4', 4096, 4096);
  linear(out, 'classifier.6', 4096, s.classes);
  return out;
}

function vgg16(s: LayoutSpec, kernel: number): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  // Configuration "D"; 0 is a max-pool. A convolution and its activation take two indices, a pool one.
  let index = 0;
  let input = s.channels;
  for (const output of [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0]) {
    if (output === 0) {
      index += 1;
      continue;
    }
    conv(out, `features.${index}`, input, output, index === 0 ? kernel : 3);
    index += 2;
    input = output;
  }
  linear(out, 'classifier.0', 512 * 7 * 7, 4096);
  linear(out, 'classifier.3', 4096, 4096);
  linear(out, 'classifier.6', 4096, s.classes);
  return out;
}

function basicConv(out: LayoutEntry[], prefix: string, input: number, output: number, kernel: number): void {
  conv(out, `${prefix}.conv`, input, output, kernel, false);
  batchNorm(out, `${prefix}.bn`, output);
}

function googlenet(s: LayoutSpec, kernel: number): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  basicConv(out, 'conv1', s.channels, 64, kernel);
  basicConv(out, 'conv2', 64, 64, 1);
  basicConv(out, 'conv3', 64, 192, 3);
  const inceptions: Array<[string, number[]]> = [
    ['3a', [192, 64, 96, 128, 16, 32, 32]],
    ['3b', [256, 128, 128, 192, 32, 96, 64]],
    ['4a', [480, 192, 96, 208, 16, 48, 64]],
    ['4b', [512, 160, 112, 224, 24, 64, 64]],
    ['4c', [512, 128, 128, 256, 24, 64, 64]],
    ['4d', [512, 112, 144, 288, 32, 64, 64]],
    ['4e', [528, 256, 160, 320, 32, 128, 128]],
    ['5a', [832, 256, 160, 320, 32, 128, 128]],
    ['5b', [832, 384, 192, 384, 48, 128, 128]],
  ];
  for (const [name, [input, ch1x1, ch3x3reduce, ch3x3, ch5x5reduce, ch5x5, poolProjection]] of inceptions) {
    const p = `inception${name}`;
    basicConv(out, `${p}.branch1`, input, ch1x1, 1);
    basicConv(out, `${p}.branch2.0`, input, ch3x3reduce, 1);
    basicConv(out, `${p}.branch2.1`, ch3x3reduce, ch3x3, 3);
    basicConv(out, `${p}.branch3.0`, input, ch5x5reduce, 1);
    basicConv(out, `${p}.branch3.1`, ch5x5reduce, ch5x5, 3);
    basicConv(out, `${p}.branch4.1`, input, poolProjection, 1);
  }
  // Trials build no auxiliary heads.
  linear(out, 'fc', 1024, s.classes);
  return out;
}

function resnet50(s: LayoutSpec, kernel: number): LayoutEntry[] {
  const out: LayoutEntry[] = [];
  conv(out, 'conv1', s.channels, 64, kernel, false);
  batchNorm(out, 'bn1', 64);
  let input = 64;
  const stages: Array<[number, number]> = [[64, 3], [128, 4], [256, 6], [512, 3]];
  stages.forEach(([planes, blocks], stage) => {
    for (let block = 0; block < blocks; block++) {
      const p = `layer${stage + 1}.${block}`;
      conv(out, `${p}.conv1`, input, planes, 1, false);
      batchNorm(out, `${p}.bn1`, planes);
      conv(out, `${p}.conv2`, planes, planes, 3, false);
      batchNorm(out, `${p}.bn2`, planes);
      conv(out, `${p}.conv3`, planes, planes * 4, 1, false);
      batchNorm(out, `${p}.bn3`, planes * 4);
      if (block === 0) {
        conv(out, `${p}.downsample.0`, input, planes * 4, 1, false);
        batchNorm(out, `${p}.downsample.1`, planes * 4);
      }
      input = planes * 4;
    }
  });
  linear(out, 'fc', 2048, s.classes);
  return out;
}

const LAYOUTS: Record<ModelName, (spec: LayoutSpec, kernel: number) => LayoutEntry[]> = { alexnet, googlenet, vgg16, resnet50 };

/** The final layer, whose shape follows the class count: another class count re-initialises it. */
const CLASSIFIER: Record<ModelName, string> = { alexnet: 'classifier.6.', vgg16: 'classifier.6.', googlenet: 'fc.', resnet50: 'fc.' };
/** The first convolution's weight: RGB filters are summed for grey input. */
const FIRST_CONV: Record<ModelName, string> = { alexnet: 'features.0.weight', vgg16: 'features.0.weight', googlenet: 'conv1.conv.weight', resnet50: 'conv1.weight' };

/** A network's parameters and buffers by name, as the addon registers them (GoogLeNet without auxiliary heads). */
export function stateDictLayout(spec: LayoutSpec): LayoutEntry[] {
  return LAYOUTS[spec.model](spec, spec.firstKernel === 0 ? OWN_FIRST_KERNEL[spec.model] : spec.firstKernel);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The keys a partial load of `weights` into the network of `spec` skips, by the addon's
 * rule: a name the network lacks (GoogLeNet's auxiliary heads aside: they are skipped
 * whether partial or not), a mis-shaped tensor (a classifier for another class count is
 * re-initialised, and RGB first filters summed for grey input, not skipped), and a
 * parameter or buffer the weights lack (BatchNorm's step counter aside). None: a full load.
 */
export function partialLoadSkips(weights: readonly LayoutEntry[], spec: LayoutSpec): string[] {
  const network = new Map(stateDictLayout(spec).map((entry) => [entry.name, entry.shape]));
  const skipped: string[] = [];
  const filled = new Set<string>();
  for (const { name, shape } of weights) {
    const target = network.get(name);
    if (!target) {
      if (!(spec.model === 'googlenet' && (name.startsWith('aux1.') || name.startsWith('aux2.')))) skipped.push(name);
      continue;
    }
    const fits =
      sameShape(shape, target) ||
      (name.startsWith(CLASSIFIER[spec.model]) && shape.length === target.length && shape[0] !== target[0]) ||
      (name === FIRST_CONV[spec.model] && shape.length === 4 && shape[1] === 3 && target[1] === 1 && shape[0] === target[0] && shape[2] === target[2] && shape[3] === target[3]);
    if (fits) filled.add(name);
    else skipped.push(name);
  }
  for (const name of network.keys()) if (!filled.has(name) && !name.endsWith('.num_batches_tracked')) skipped.push(name);
  return skipped;
}
