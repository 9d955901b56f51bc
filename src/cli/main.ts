/** `fer-ga <command>`: argument parsing, exit codes, and one clear line for every failure. */
import yargs from 'yargs';

import { isAbortError, isInterruptedError, isUsageError } from '../util/errors';
import { compareCommand } from './commands/compare';
import { demoCommand } from './commands/demo';
import { infoCommand } from './commands/info';
import { modelsCommand } from './commands/models';
import { evolveCommand } from './commands/evolve';
import { exportCommand } from './commands/export';
import { gridCommand } from './commands/grid';
import { predictCommand } from './commands/predict';
import { pruneCommand } from './commands/prune';
import { queueCommand } from './commands/queue';
import { prepareCommand } from './commands/prepare';
import { reportCommand } from './commands/report';
import { runsCommand } from './commands/runs';
import { serveCommand } from './commands/serve';
import { synthCommand } from './commands/synth';
import { trainCommand } from './commands/train';
import { workerCommand } from './commands/worker';
import { interruptingSignal, signalExitCode } from './interrupt';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`fer-ga: ${message.split('\n')[0]}\n`);
  process.exit(code);
}

/**
 * A reader that stops early (`fer-ga report | head -1`) closes the pipe: what it wanted
 * was written, so the command ends quietly instead of failing on its next write.
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Any other failure cannot be reported where the output cannot be written.
      process.exit(error.code === 'EPIPE' ? EXIT_OK : EXIT_FAILURE);
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  const parser = yargs(argv)
    .scriptName('fer-ga')
    .usage('$0 <command> [options]\n\nChoose the activation and optimizer of a CNN for a facial-expression data set.')
    .option('json', { type: 'boolean', default: false, describe: 'one JSON document on stdout; logs on stderr' })
    .command(demoCommand)
    .command(infoCommand)
    .command(modelsCommand)
    .command(synthCommand)
    .command(prepareCommand)
    .command(trainCommand)
    .command(gridCommand)
    .command(evolveCommand)
    .command(reportCommand)
    .command(runsCommand)
    .command(predictCommand)
    .command(exportCommand)
    .command(serveCommand)
    .command(workerCommand)
    .command(queueCommand)
    .command(pruneCommand)
    .command(compareCommand)
    .demandCommand(1, 'name a command (fer-ga --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    // Usage mistakes (unknown flag, missing command) are one line and exit code 2.
    .fail((message, error) => {
      // yargs re-wraps errors thrown while checking flags (coerce) as YError.
      if (error && !isUsageError(error) && error.name !== 'YError') throw error;
      fail(message ?? error?.message ?? 'bad usage', EXIT_USAGE);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (isUsageError(error)) fail((error as Error).message, EXIT_USAGE);
    // Stopped by Ctrl-C or SIGTERM: the exit code a shell gives a process that signal ended.
    if (isAbortError(error)) fail(isInterruptedError(error) ? error.message : 'stopped', signalExitCode(interruptingSignal()));
    fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
}
