import { trainNetwork } from '../src/binding/train';

/** Random pixels: what matters here is that two update paths do the same arithmetic. */
function data() {
  const count = 40;
  const size = 16;
  const images = new Uint8Array(count * size * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 2654435761) >>> 24;
  return {
    images,
    labels: Int32Array.from({ length: count }, (_, i) => i % 3),
    trainIndices: Int32Array.from({ length: 32 }, (_, i) => i),
    validationIndices: Int32Array.from({ length: 8 }, (_, i) => 32 + i),
  };
}

describe('multi-tensor (foreach) optimizer updates', () => {
  test.each(['sgdm', 'adam', 'adamw'] as const)('%s: the same losses as libtorch’s per-parameter loop', async (optimizer) => {
    const settings = { model: 'googlenet', classes: 3, channels: 1, size: 16, epochs: 3, batchSize: 8, optimizer, learningRate: 1e-3, seed: 5, threads: 2 } as const;
    const loop = await trainNetwork(data(), { ...settings, foreachOptimizer: false });
    const foreach = await trainNetwork(data(), { ...settings, foreachOptimizer: true });
    expect(loop.execution.foreachOptimizer).toBe(false);
    expect(foreach.execution.foreachOptimizer).toBe(true);
    for (let e = 0; e < 3; e++) {
      expect(foreach.history[e].trainLoss).toBeCloseTo(loop.history[e].trainLoss, 5);
      expect(foreach.history[e].validationLoss).toBeCloseTo(loop.history[e].validationLoss, 5);
    }
    // The weights moved: a foreach step that did nothing would leave the loss at its start.
    expect(foreach.history[2].trainLoss).not.toBeCloseTo(foreach.history[0].trainLoss, 3);
  });

  test('the CPU defaults: per-parameter updates, float32, no copies', async () => {
    const result = await trainNetwork(data(), { model: 'googlenet', classes: 3, channels: 1, size: 16, epochs: 1, batchSize: 8, threads: 2 });
    expect(result.execution).toEqual({ amp: false, channelsLast: false, foreachOptimizer: false, dataOnDevice: false });
  });
});
