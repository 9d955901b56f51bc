/**
 * `predict --model FILE.onnx`: the exported model run by onnxruntime-node on images
 * preprocessed as `predict --checkpoint` does (face detection and crop, colour, size, from
 * the file's metadata). The native addon is not loaded.
 */
import { expandImageArguments, predictionsOf, preprocessForPrediction, type Prediction, type PredictOptions } from '../binding/predict';
import { UsageError } from '../util/errors';
import { OnnxModel } from './onnx-session';

export async function predictImagesOnnx(file: string, items: string[], options: PredictOptions = {}): Promise<Prediction[]> {
  if (items.length === 0) throw new UsageError('predict needs at least one image');
  const model = await OnnxModel.load(file);
  try {
    const files = expandImageArguments(items);
    const { size, color, face, margin, classes } = model.info;
    const images = await preprocessForPrediction(files, { size, color, margin, face: options.face ?? face });
    return predictionsOf(files, classes, await model.predict(images));
  } finally {
    await model.dispose();
  }
}
