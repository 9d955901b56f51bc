import type { CommandModule } from 'yargs';

import { environmentInfo } from '../../binding/environment';
import { printJson } from '../output';
import type { GlobalArguments } from '../global-arguments';

export const infoCommand: CommandModule<GlobalArguments, GlobalArguments> = {
  command: 'info',
  describe: 'libtorch version, CUDA devices, threads, BLAS and OpenCV availability',
  handler: (args) => {
    const info = environmentInfo();
    if (args.json) {
      printJson(info);
      return;
    }
    const cuda = info.cuda.available ? `${info.cuda.devices} device(s), cuDNN ${info.cuda.cudnn ? 'yes' : 'no'}` : 'none';
    const lines = [
      `fer-ga      ${info.version} (Node ${info.node})`,
      `addon       ${info.addon} (${info.addonSource})`,
      `libtorch    ${info.libtorch}`,
      `CUDA        ${cuda}`,
      `threads     ${info.threads} of ${info.cores} cores (OpenMP ${info.openmp ? 'yes' : 'no'}, oneDNN ${info.mkldnn ? 'yes' : 'no'})`,
      `BLAS        ${info.blas ?? 'unknown'}`,
      `OpenCV      ${info.opencv.detail}`,
      `models      ${info.models.map((m) => `${m.name} (≥${m.minSize} px)`).join(', ')}`,
      `activations ${info.activations.join(', ')}`,
      `optimizers  ${info.optimizers.join(', ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
