import fs from 'fs';
import path from 'path';
import type { CommandModule } from 'yargs';

import { UsageError } from '../../util/errors';
import { TrainedModel } from '../../binding/model';
import { checkpointToOnnx, exportedInfoOf } from '../../onnx/checkpoint-export';
import { writeWebPage } from '../../onnx/web/web-export';
import { writeFileAtomic } from '../../util/atomic-write';
import type { GlobalArguments } from '../global-arguments';
import { choiceFlag, writingFlag } from '../arguments';
import { printJson } from '../output';

const FORMATS = ['safetensors', 'onnx', 'web'] as const;
type ExportFormat = (typeof FORMATS)[number];

interface ExportArguments extends GlobalArguments {
  checkpoint: string;
  out: string;
  format?: ExportFormat;
}

/** The format named, or the one --out's extension names (.safetensors, .onnx); a folder needs --format web. */
function formatOf(format: ExportFormat | undefined, out: string): ExportFormat {
  const byExtension: ExportFormat | undefined = out.endsWith('.safetensors') ? 'safetensors' : out.endsWith('.onnx') ? 'onnx' : undefined;
  if (format === undefined) {
    if (byExtension === undefined) throw new UsageError(`--out ${out}: name a .safetensors or .onnx file, or give --format web for a folder`);
    return byExtension;
  }
  if (format !== 'web' && byExtension !== format) throw new UsageError(`--out ${out} must end in .${format} for --format ${format}`);
  if (format === 'web' && fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file; --format web writes a folder`);
  return format;
}

export const exportCommand: CommandModule<GlobalArguments, ExportArguments> = {
  command: 'export',
  describe: "a checkpoint's network as .safetensors in torchvision's names, as an ONNX model, or as a web page that reads expressions in the browser",
  builder: (yargs) =>
    yargs
      .option('checkpoint', { type: 'string', requiresArg: true, demandOption: true, describe: 'a fer-ga checkpoint' })
      .option('format', {
        requiresArg: true,
        describe: 'safetensors (load_state_dict(strict=True) takes them), onnx (opset 17, with the preprocessing), web (a folder: index.html, the model, onnxruntime-web); default: from --out',
        coerce: choiceFlag('format', FORMATS),
      })
      .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'FILE.safetensors, FILE.onnx, or a folder for --format web' }) as never,
  handler: async (args) => {
    if (!fs.existsSync(args.checkpoint)) throw new UsageError(`--checkpoint ${args.checkpoint}: no such file`);
    const format = formatOf(args.format, args.out);
    const model = await TrainedModel.load(args.checkpoint);
    const out = path.resolve(args.out);
    const report = (json: Record<string, unknown>, line: string) => (args.json ? printJson({ file: out, format, model: model.spec.model, ...json }) : process.stdout.write(`${line}\n`));
    if (format === 'safetensors') {
      await writingFlag('out', args.out, () => model.exportSafetensors(args.out));
      const tensors = (await model.stateDict()).length;
      report({ tensors }, `${out}: ${tensors} tensors of ${model.spec.model}`);
      return;
    }
    const bytes = await checkpointToOnnx(model);
    const { activation, size, channels } = model.spec;
    const what = `${model.spec.model} ${activation}, ${channels === 1 ? 'grey' : 'colour'} ${size}×${size}`;
    if (format === 'onnx') {
      await writingFlag('out', args.out, () => writeFileAtomic(args.out, bytes));
      report({ bytes: bytes.length }, `${out}: ONNX model of ${what} (${(bytes.length / 1e6).toFixed(1)} MB); run it with: fer-ga predict --model ${args.out} IMAGE…`);
      return;
    }
    const files = await writingFlag('out', args.out, () => writeWebPage(args.out, bytes, exportedInfoOf(model)));
    report({ files }, `${out}/: a page that reads expressions with ${what}; open it with: fer-ga serve ${args.out}`);
  },
};
