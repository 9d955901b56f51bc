import fs from 'fs';
import path from 'path';
import type { CommandModule } from 'yargs';

import { UsageError } from '../../util/errors';
import { TrainedModel } from '../../binding/model';
import type { GlobalArguments } from '../global-arguments';
import { writingFlag } from '../arguments';
import { printJson } from '../output';

interface ExportArguments extends GlobalArguments {
  checkpoint: string;
  out: string;
}

export const exportCommand: CommandModule<GlobalArguments, ExportArguments> = {
  command: 'export',
  describe: "a checkpoint's weights as .safetensors in torchvision's names (load_state_dict(strict=True) takes them)",
  builder: (yargs) =>
    yargs
      .option('checkpoint', { type: 'string', requiresArg: true, demandOption: true, describe: 'a fer-ga checkpoint' })
      .option('out', { type: 'string', requiresArg: true, demandOption: true, describe: 'FILE.safetensors' }) as never,
  handler: async (args) => {
    if (!fs.existsSync(args.checkpoint)) throw new UsageError(`--checkpoint ${args.checkpoint}: no such file`);
    if (!args.out.endsWith('.safetensors')) throw new UsageError(`--out ${args.out} must end in .safetensors`);
    const model = await TrainedModel.load(args.checkpoint);
    await writingFlag('out', args.out, () => model.exportSafetensors(args.out));
    const tensors = (await model.stateDict()).length;
    if (args.json) printJson({ file: path.resolve(args.out), model: model.spec.model, tensors });
    else process.stdout.write(`${path.resolve(args.out)}: ${tensors} tensors of ${model.spec.model}\n`);
  },
};
