import type { CommandModule } from 'yargs';

import { loadDataset, withDatasetOptions, type DatasetArguments } from '../dataset-options';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';

interface PrepareArguments extends GlobalArguments, DatasetArguments {}

export const prepareCommand: CommandModule<GlobalArguments, PrepareArguments> = {
  command: 'prepare',
  describe: 'index, preprocess and cache a data set; class counts and subjects',
  builder: (yargs) => withDatasetOptions(yargs),
  handler: async (args) => {
    const started = Date.now();
    const prepared = await loadDataset(args);
    const { header } = prepared;
    const summary = {
      dataset: header.dataset,
      classes: header.classes,
      counts: header.counts,
      images: header.count,
      subjects: header.subjects.length,
      skipped: header.skipped,
      faces: header.faces,
      cache: prepared.file,
      reused: prepared.reused,
      seconds: (Date.now() - started) / 1000,
    };
    if (args.json) {
      printJson(summary);
      return;
    }
    const perSubject = new Map<number, number[]>();
    for (let i = 0; i < header.count; i++) {
      const row = perSubject.get(prepared.subjects[i]) ?? new Array<number>(header.classes.length).fill(0);
      row[prepared.labels[i]]++;
      perSubject.set(prepared.subjects[i], row);
    }
    printTable(
      ['subject', ...header.classes],
      [...perSubject.entries()].sort((a, b) => a[0] - b[0]).map(([s, row]) => [header.subjects[s], ...row.map(String)]),
      [false, ...header.classes.map(() => true)],
    );
    process.stdout.write(
      `\n${header.count} images of ${header.subjects.length} subjects: ${header.classes.map((c) => `${c} ${header.counts[c]}`).join(', ')}\n` +
        `faces detected ${header.faces.detected}, centre-cropped ${header.faces.fallback}; skipped ${header.skipped.length}\n` +
        `${prepared.reused ? 'reused' : 'wrote'} ${prepared.file}\n`,
    );
    for (const s of header.skipped.slice(0, 20)) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
    if (header.skipped.length > 20) process.stderr.write(`… and ${header.skipped.length - 20} more (see --json)\n`);
  },
};
