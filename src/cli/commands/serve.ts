import fs from 'fs';
import path from 'path';
import type { CommandModule } from 'yargs';

import { serveFolder } from '../../onnx/web/serve';
import { UsageError } from '../../util/errors';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';

interface ServeArguments extends GlobalArguments {
  dir: string;
  port: number;
}

export const serveCommand: CommandModule<GlobalArguments, ServeArguments> = {
  command: 'serve <dir>',
  describe: 'serve a folder written by export --format web on 127.0.0.1, until Ctrl-C',
  builder: (yargs) =>
    yargs
      .positional('dir', { type: 'string', describe: 'the folder (index.html, model.onnx, …)' })
      .option('port', { type: 'number', requiresArg: true, default: 8080, describe: 'TCP port on 127.0.0.1 (0: any free one)' }) as never,
  handler: async (args) => {
    const dir = String(args.dir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir}: no such folder`);
    if (!fs.existsSync(path.join(dir, 'index.html'))) throw new UsageError(`${dir} holds no index.html (write one with fer-ga export --format web --out ${dir})`);
    if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new UsageError(`--port must be a whole number 0–65535 (got ${String(args.port)})`);
    let served;
    try {
      served = await serveFolder(dir, args.port);
    } catch (error) {
      throw new UsageError(`--port ${args.port}: cannot listen on 127.0.0.1 (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (args.json) printJson({ url: served.url, dir: path.resolve(dir) });
    else process.stdout.write(`serving ${path.resolve(dir)} at ${served.url} (Ctrl-C stops)\n`);
    // Runs until a signal ends the process.
    await new Promise<never>(() => undefined);
  },
};
