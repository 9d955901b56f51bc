import { execFileSync } from 'child_process';

import { ACTIVATIONS, describeNetwork, MODELS, minimumSize } from '../src';
import type { ActivationName, ModelName } from '../src';

// torchvision's figures (weights=None, aux_logits=False for GoogLeNet).
const TORCHVISION_PARAMETERS: Record<number, Record<ModelName, number>> = {
  1000: { alexnet: 61100840, googlenet: 6624904, vgg16: 138357544, resnet50: 25557032 },
  7: { alexnet: 57032519, googlenet: 5607079, vgg16: 134289223, resnet50: 23522375 },
};

// MACs of convolutions and linears per 224×224×3 image, as fvcore/ptflops count them.
const MACS_224: Record<ModelName, [number, number]> = {
  alexnet: [0.71e9, 0.72e9],
  googlenet: [1.49e9, 1.51e9],
  vgg16: [15.46e9, 15.48e9],
  resnet50: [4.08e9, 4.1e9],
};

const MODULE_TYPE: Record<ActivationName, string> = {
  relu: 'torch::nn::ReLUImpl',
  'leaky-relu': 'torch::nn::LeakyReLUImpl',
  'clipped-relu': 'torch::nn::HardtanhImpl',
  elu: 'torch::nn::ELUImpl',
  gelu: 'torch::nn::GELUImpl',
  silu: 'torch::nn::SiLUImpl',
};

// One activation module per nonlinearity site of torchvision's networks: AlexNet 5 + 2,
// VGG-16 13 + 2, GoogLeNet 57 conv blocks (torchvision's F.relu), ResNet-50 the stem plus
// one per bottleneck (applied three times inside it, as torchvision's `relu`).
const ACTIVATION_SITES: Record<ModelName, number> = { alexnet: 7, vgg16: 15, googlenet: 57, resnet50: 17 };

const SMALL: Record<ModelName, number> = { alexnet: 63, googlenet: 32, vgg16: 32, resnet50: 32 };

describe('network structure', () => {
  test.each([1000, 7])('parameter counts equal torchvision for %i classes', async (classes) => {
    for (const model of MODELS) {
      const d = await describeNetwork({ model, classes, channels: 3, size: 224 });
      expect([model, d.parameters]).toEqual([model, TORCHVISION_PARAMETERS[classes][model]]);
    }
  });

  test('MACs per 224×224 image match the published figures', async () => {
    for (const model of MODELS) {
      const { macs } = await describeNetwork({ model, classes: 1000, channels: 3, size: 224 });
      expect(macs).toBeGreaterThanOrEqual(MACS_224[model][0]);
      expect(macs).toBeLessThanOrEqual(MACS_224[model][1]);
    }
  });

  test('grey input changes only the first convolution', async () => {
    const colour = await describeNetwork({ model: 'resnet50', classes: 7, channels: 3, size: 64 });
    const grey = await describeNetwork({ model: 'resnet50', classes: 7, channels: 1, size: 64 });
    expect(colour.parameters - grey.parameters).toBe(2 * 64 * 7 * 7);
    expect(grey.stateDict.find((p) => p.name === 'conv1.weight')?.shape).toEqual([64, 1, 7, 7]);
  });

  test.each(MODELS.map((m) => [m]))('%s: no plain ReLU is left when another activation is chosen', async (model) => {
    for (const activation of ACTIVATIONS) {
      const { modules } = await describeNetwork({ model, classes: 7, channels: 1, size: SMALL[model], activation });
      const activationModules = Object.entries(modules).filter(([type]) => Object.values(MODULE_TYPE).includes(type));
      expect([activation, activationModules]).toEqual([activation, [[MODULE_TYPE[activation], ACTIVATION_SITES[model]]]]);
    }
  });

  test('the first convolution’s kernel is a setting (the paper’s future-work gene)', async () => {
    const own = await describeNetwork({ model: 'resnet50', classes: 7, channels: 1, size: 48 });
    const three = await describeNetwork({ model: 'resnet50', classes: 7, channels: 1, size: 48, firstKernel: 3 });
    expect(three.stateDict.find((p) => p.name === 'conv1.weight')?.shape).toEqual([64, 1, 3, 3]);
    expect(own.parameters - three.parameters).toBe(64 * (49 - 9));
    const vgg = await describeNetwork({ model: 'vgg16', classes: 7, channels: 3, size: 32, firstKernel: 7 });
    expect(vgg.stateDict.find((p) => p.name === 'features.0.weight')?.shape).toEqual([64, 3, 7, 7]);
    const alexnet = await describeNetwork({ model: 'alexnet', classes: 7, channels: 3, size: 63, firstKernel: 11 });
    expect(alexnet.parameters).toBe(TORCHVISION_PARAMETERS[7].alexnet);
    const googlenet = await describeNetwork({ model: 'googlenet', classes: 7, channels: 3, size: 15, firstKernel: 5 });
    expect(googlenet.stateDict.find((p) => p.name === 'conv1.conv.weight')?.shape).toEqual([64, 3, 5, 5]);
    await expect(describeNetwork({ model: 'resnet50', classes: 7, channels: 1, size: 48, firstKernel: 4 })).rejects.toThrow(
      'first-conv kernel must be an odd size from 1 to 15 (got 4)',
    );
  });

  test('GoogLeNet auxiliary heads carry the chosen activation too', async () => {
    const { modules, parameters } = await describeNetwork({
      model: 'googlenet',
      classes: 1000,
      channels: 3,
      size: 224,
      activation: 'silu',
      auxLogits: true,
    });
    // Each head adds one conv block and the activation after fc1.
    expect(modules['torch::nn::SiLUImpl']).toBe(57 + 2 * 2);
    expect(modules['torch::nn::ReLUImpl']).toBeUndefined();
    expect(parameters).toBe(13004888); // torchvision googlenet(aux_logits=True, init_weights=True)
  });

  test.each(MODELS.map((m) => [m]))('%s: the minimum input size works and one pixel less is a clear error', async (model) => {
    const min = minimumSize(model);
    await expect(describeNetwork({ model, classes: 7, channels: 1, size: min })).resolves.toHaveProperty('macs');
    await expect(describeNetwork({ model, classes: 7, channels: 1, size: min - 1 })).rejects.toThrow(
      new RegExp(`size ${min - 1} is outside what ${model} accepts`),
    );
  });
});

// The reference: torchvision itself, through Debian's python3-torchvision (same libtorch).
const PYTHON = '/usr/bin/python3';

function torchvisionStateDict(model: ModelName, classes: number): Array<{ name: string; shape: number[] }> {
  const script = `
import json, torchvision
kwargs = {"num_classes": ${classes}}
if "${model}" == "googlenet":
    kwargs.update(aux_logits=False, init_weights=False)
m = getattr(torchvision.models, "${model}")(**kwargs)
print(json.dumps([{"name": k, "shape": list(v.shape)} for k, v in m.state_dict().items()]))
`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' })) as Array<{ name: string; shape: number[] }>;
}

// `npm run setup` installs it.
describe('state-dict names against torchvision', () => {
  test.each(MODELS.map((m) => [m]))('%s has torchvision’s keys and shapes', async (model) => {
    const ours = (await describeNetwork({ model, classes: 7, channels: 3, size: 224 })).stateDict;
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    // torchvision also stores BatchNorm's num_batches_tracked; libtorch stores it too.
    expect([...ours].sort(byName)).toEqual([...torchvisionStateDict(model, 7)].sort(byName));
  });
});

describe('minimum input sizes against torchvision', () => {
  test('each minimum is where torchvision’s forward pass starts to work', () => {
    const script = `
import json, torch, torchvision
sizes = {"alexnet": 63, "googlenet": 15, "vgg16": 32, "resnet50": 1}
out = {}
for name, size in sizes.items():
    kwargs = {"num_classes": 7}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=False)
    m = getattr(torchvision.models, name)(**kwargs).eval()
    def works(s):
        try:
            with torch.no_grad():
                m(torch.zeros(1, 3, s, s))
            return True
        except Exception:
            return False
    out[name] = [works(size - 1) if size > 1 else False, works(size)]
print(json.dumps(out))
`;
    const verdicts = JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' })) as Record<string, boolean[]>;
    for (const model of MODELS) expect([model, verdicts[model]]).toEqual([model, [false, true]]);
    for (const model of MODELS) expect(minimumSize(model)).toBe({ alexnet: 63, googlenet: 15, vgg16: 32, resnet50: 1 }[model]);
  });
});
