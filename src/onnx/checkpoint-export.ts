/** `export --format onnx`: a checkpoint's network, weights and preprocessing as one ONNX file. */
import { TrainedModel } from '../binding/model';
import { classNamesOf, preprocessingOf } from '../binding/predict';
import { packageVersion } from '../util/package-version';
import type { ExportedModelInfo } from './metadata';
import { onnxModelBytes } from './network-graph';
import { writeWebPage } from './web/web-export';

/** What the checkpoint says about its network's input and classes, as the exported file carries it. */
export function exportedInfoOf(model: TrainedModel): ExportedModelInfo {
  const preprocess = preprocessingOf(model);
  const key = model.metadata.key;
  return {
    model: model.spec.model,
    activation: model.spec.activation,
    classes: classNamesOf(model),
    size: model.spec.size,
    channels: model.spec.channels,
    color: preprocess.color,
    face: preprocess.face,
    margin: preprocess.margin,
    trialKey: typeof key === 'string' ? key : null,
    version: packageVersion(),
  };
}

export async function checkpointToOnnx(model: TrainedModel): Promise<Uint8Array> {
  return onnxModelBytes({ spec: model.spec, weights: await model.stateDict(), normalisation: model.normalisation, info: exportedInfoOf(model) });
}

/** `export --format web` of a checkpoint file into `dir` (the demo writes fer-ga-demo/web/ so). Returns the files written. */
export async function checkpointToWebPage(checkpoint: string, dir: string): Promise<string[]> {
  const model = await TrainedModel.load(checkpoint);
  try {
    return writeWebPage(dir, await checkpointToOnnx(model), exportedInfoOf(model));
  } finally {
    model.dispose();
  }
}
