/**
 * The real trainer's per-image predictions (its final evaluation) agree with the accuracy
 * and confusion matrix it reports, image by image: what paired tests between trials read.
 */
import { trainNetwork } from '../src';
import { makePatterns, PATTERN_CLASSES, range } from './helpers/patterns';

const SIZE = 16;
const patterns = makePatterns(144, SIZE, 5);
const validationIndices = range(108, 144).filter((i) => i % 3 !== 1);

test('each validation image gets one predicted class, in the order of the validation indices, and they make the reported accuracy and confusion matrix', async () => {
  const result = await trainNetwork(
    { images: patterns.images, labels: patterns.labels, trainIndices: range(0, 108), validationIndices },
    { model: 'googlenet', classes: PATTERN_CLASSES, channels: 1, size: SIZE, optimizer: 'adam', learningRate: 3e-3, batchSize: 16, epochs: 4, threads: 1, seed: 4 },
  );
  expect(result.predictions).toBeInstanceOf(Uint8Array);
  expect(result.predictions).toHaveLength(validationIndices.length);
  const confusion = Array.from({ length: PATTERN_CLASSES }, () => new Array<number>(PATTERN_CLASSES).fill(0));
  let correct = 0;
  validationIndices.forEach((image, i) => {
    const predicted = result.predictions[i];
    expect(predicted).toBeLessThan(PATTERN_CLASSES);
    confusion[patterns.labels[image]][predicted] += 1;
    if (predicted === patterns.labels[image]) correct++;
  });
  expect(confusion).toEqual(result.confusion);
  expect(correct / validationIndices.length).toBeCloseTo(result.finalValidationAccuracy, 12);
  // Not one class for every image: a prediction per image, not a constant.
  expect(new Set(result.predictions).size).toBeGreaterThan(1);
});
