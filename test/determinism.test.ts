/**
 * What the README promises: on the CPU, with the same build and thread count, a seed gives
 * the same numbers bit for bit, whatever else the process does at the same time.
 */
import { describeNetwork, trainNetwork } from '../src';
import type { EpochRecord, TrainNetworkOptions } from '../src';
import { PATTERN_CLASSES, patternData } from './helpers/patterns';

const SIZE = 16;
const data = patternData(48, SIZE, 11, 32);
// GoogLeNet draws dropout masks every batch: the draws two trials could take from each other.
const base: TrainNetworkOptions = {
  model: 'googlenet',
  classes: PATTERN_CLASSES,
  channels: 1,
  size: SIZE,
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 8,
  epochs: 2,
  device: 'cpu',
  threads: 1,
  seed: 5,
};

const numbers = (history: EpochRecord[]) => history.map(({ seconds: _seconds, ...rest }) => rest);

describe('determinism on the CPU', () => {
  let alone: EpochRecord[];
  beforeAll(async () => {
    alone = (await trainNetwork(data, base)).history;
  });

  test('a seed-5 trial gives the same losses while networks are built beside it', async () => {
    let training = true;
    let built = 0;
    const builder = (async () => {
      while (training) {
        await describeNetwork({ model: 'googlenet', classes: PATTERN_CLASSES, channels: 1, size: SIZE });
        built++;
      }
    })();
    const beside = await trainNetwork(data, base).finally(() => {
      training = false;
    });
    await builder;
    expect(built).toBeGreaterThan(0);
    expect(numbers(beside.history)).toEqual(numbers(alone));
  });

  test('two trials trained at once equal the same two trained one after the other, bit for bit', async () => {
    const other: TrainNetworkOptions = { ...base, seed: 6, optimizer: 'sgdm', learningRate: 1e-2 };
    const afterwards = (await trainNetwork(data, other)).history;
    const [first, second] = await Promise.all([trainNetwork(data, base), trainNetwork(data, other)]);
    expect(numbers(first.history)).toEqual(numbers(alone));
    expect(numbers(second.history)).toEqual(numbers(afterwards));
  });

  test('dropout draws from the trial: another seed gives other numbers', async () => {
    const reseeded = await trainNetwork(data, { ...base, seed: 7 });
    expect(numbers(reseeded.history)).not.toEqual(numbers(alone));
  });
});
