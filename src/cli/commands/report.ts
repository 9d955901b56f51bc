import type { CommandModule } from 'yargs';

import { UsageError } from '../../util/errors';
import { collectReport } from '../../report/collect';
import { REPORT_FORMATS, renderReport, writeReportFile, type ReportFormat } from '../../report/render';
import { choiceFlag, integerFlag, writingFlag } from '../arguments';
import type { GlobalArguments } from '../global-arguments';
import { openExistingResults, resultsFileFlag } from '../results-file';

interface ReportArguments extends GlobalArguments {
  db: string;
  run?: number;
  format: ReportFormat;
  out?: string;
}

export const reportCommand: CommandModule<GlobalArguments, ReportArguments> = {
  command: 'report',
  describe: "tables in the paper's layout, GA progress, learning curves and confusion matrices from a results file",
  builder: (yargs) =>
    yargs
      .option('db', resultsFileFlag())
      .option('run', { requiresArg: true, describe: 'only this run and the trials it used', coerce: integerFlag('run', 1) })
      .option('format', { requiresArg: true, default: 'md' as ReportFormat, describe: 'md, html, csv or json', coerce: choiceFlag('format', REPORT_FORMATS) })
      .option('out', { type: 'string', requiresArg: true, describe: 'write to FILE (default: stdout)' }) as never,
  handler: async (args) => {
    const store = openExistingResults(args.db);
    let text: string;
    try {
      const data = collectReport(store, { run: args.run });
      text = renderReport(data, args.json ? 'json' : args.format);
    } catch (error) {
      if (error instanceof Error && /^run \d+ is not in/.test(error.message)) throw new UsageError(`--run ${args.run}: ${error.message}`);
      throw error;
    } finally {
      store.close();
    }
    if (args.out) {
      const out = args.out;
      const file = await writingFlag('out', out, () => writeReportFile(text, out));
      process.stderr.write(`report: ${file}\n`);
    } else {
      process.stdout.write(text);
    }
  },
};
