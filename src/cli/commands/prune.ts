import type { CommandModule } from 'yargs';

import { DEFAULT_CACHE_DIR } from '../../data/dataset';
import { probeQueue } from '../../queue/connection';
import { freedBytes, pruneStates, type Freed, type PruneReport } from '../../queue/prune-states';
import { stateUses } from '../../store/state-uses';
import type { GlobalArguments } from '../global-arguments';
import { engineering, groupDigits, printJson } from '../output';
import { queueFlag } from '../queue-flag';
import { openExistingResults, resultsFileFlag } from '../results-file';

interface PruneArguments extends GlobalArguments {
  db: string;
  cache: string;
  queue?: string;
}

/** 11 → "11 B", 2345678 → "2.35 MB". */
function bytesText(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${engineering(bytes)}B`;
}

function freedText(freed: Freed, what: string, where: string): string {
  return `${groupDigits(freed.count)} ${what}${freed.count === 1 ? '' : 's'} (${bytesText(freed.bytes)}) ${where}`;
}

function printReport(report: PruneReport, args: PruneArguments): void {
  const parts = [freedText(report.states, 'file', `in ${args.cache}/states`), freedText(report.workerCache, 'file', `in ${args.cache}/queue`)];
  if (report.redis) parts.push(freedText(report.redis, 'blob', 'in Redis'));
  process.stdout.write(
    `freed ${groupDigits(freedBytes(report))} bytes of rung states: ${parts.join(', ')}; kept ${groupDigits(report.kept)} that unfinished runs can use\n`,
  );
}

export const pruneCommand: CommandModule<GlobalArguments, PruneArguments> = {
  command: 'prune',
  describe: 'remove the rung states (multi-fidelity) that no run in --db can use: in the cache folder and, with --queue, in Redis',
  builder: (yargs) =>
    yargs
      .option('db', resultsFileFlag())
      .option('cache', { type: 'string', requiresArg: true, default: DEFAULT_CACHE_DIR, describe: 'cache folder: its states/ and queue/ folders (a coordinator\'s, a worker\'s)' })
      .option('queue', queueFlag()) as never,
  handler: async (args) => {
    if (args.queue !== undefined) await probeQueue(args.queue);
    // A results file that does not exist is refused; one of an older schema is brought up to date first.
    openExistingResults(args.db).close();
    const report = await pruneStates({ cacheDir: args.cache, uses: stateUses(args.db), queueUrl: args.queue });
    if (args.json) printJson({ db: args.db, cache: args.cache, ...report, freedBytes: freedBytes(report) });
    else printReport(report, args);
  },
};
