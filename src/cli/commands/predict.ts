import type { CommandModule } from 'yargs';

import type { FaceMode } from '../../data/preprocess';
import { folderAccuracy, predictImages } from '../../binding/predict';
import { predictImagesOnnx } from '../../onnx/predict-onnx';
import { UsageError } from '../../util/errors';
import { choiceFlag } from '../arguments';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';

interface PredictArguments extends GlobalArguments {
  checkpoint?: string;
  model?: string;
  images: string[];
  face?: FaceMode;
}

export const predictCommand: CommandModule<GlobalArguments, PredictArguments> = {
  command: 'predict <images..>',
  describe: "each image's expression and class probabilities, preprocessed as the network was trained (a checkpoint, or an exported ONNX file)",
  builder: (yargs) =>
    yargs
      .positional('images', { type: 'string', array: true, describe: 'image files (png, jpg, …) or folders of them (searched recursively)' })
      .option('checkpoint', { type: 'string', requiresArg: true, describe: 'a checkpoint from train/grid/evolve/demo (--save-best DIR → DIR/best.ckpt)' })
      .option('model', { type: 'string', requiresArg: true, describe: 'FILE.onnx from export --format onnx, run with onnxruntime (no libtorch needed)' })
      .option('face', { requiresArg: true, describe: "detect or none (default: the checkpoint's own)", coerce: choiceFlag('face', ['detect', 'none'] as const) }) as never,
  handler: async (args) => {
    if ((args.checkpoint === undefined) === (args.model === undefined)) throw new UsageError('predict needs one of --checkpoint FILE or --model FILE.onnx');
    const images = args.images.map(String);
    const predictions =
      args.model !== undefined ? await predictImagesOnnx(args.model, images, { face: args.face }) : await predictImages(args.checkpoint as string, images, { face: args.face });
    const scored = folderAccuracy(predictions);
    if (args.json) {
      const source = args.model !== undefined ? { model: args.model } : { checkpoint: args.checkpoint };
      printJson({ ...source, images: predictions, ...(scored ? { accuracy: scored.accuracy, correct: scored.correct } : {}) });
      return;
    }
    const classes = Object.keys(predictions[0].probabilities);
    printTable(
      ['image', 'expression', ...classes],
      predictions.map((p) => [p.file, p.expression, ...classes.map((c) => (p.probabilities[c] * 100).toFixed(1))]),
      [false, false, ...classes.map(() => true)],
    );
    if (scored) {
      process.stdout.write(
        `accuracy against the class folders: ${(scored.accuracy * 100).toFixed(2)}% (${scored.correct} of ${scored.total})\n`,
      );
    }
  },
};
