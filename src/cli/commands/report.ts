import fs from 'fs';
import type { CommandModule } from 'yargs';

import { UsageError } from '../../errors';
import { collectReport } from '../../report/collect';
import { REPORT_FORMATS, renderReport, writeReportFile, type ReportFormat } from '../../report/render';
import { Store } from '../../store/store';
import { choiceFlag, integerFlag, writingFlag } from '../arguments';
import type { GlobalArguments } from '../main';

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
      .option('db', { type: 'string', requiresArg: true, default: 'fer-ga.db', describe: 'SQLite results file' })
      .option('run', { requiresArg: true, describe: 'only this run and the trials it used', coerce: integerFlag('run', 1) })
      .option('format', { requiresArg: true, default: 'md' as ReportFormat, describe: 'md, html, csv or json', coerce: choiceFlag('format', REPORT_FORMATS) })
      .option('out', { type: 'string', requiresArg: true, describe: 'write to FILE (default: stdout)' }) as never,
  handler: async (args) => {
    if (!fs.existsSync(args.db)) throw new UsageError(`--db ${args.db}: no such results file (train, grid, evolve or demo write one)`);
    const store = new Store(args.db);
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
