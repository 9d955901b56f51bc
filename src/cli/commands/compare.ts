import type { CommandModule } from 'yargs';

import type { TrialRecord } from '../../store/store';
import { accuracyEvidence, formatAccuracy } from '../../store/trial-accuracy';
import { formatP } from '../../study/grid-evidence';
import { pairTrials } from '../../study/paired-trials';
import { oneTrialNamed, trialsNamed } from '../../study/trial-lookup';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';
import { openExistingResults, resultsFileFlag } from '../results-file';

interface CompareArguments extends GlobalArguments {
  a: string;
  b: string;
  db: string;
}

function describe(trial: TrialRecord) {
  return { key: trial.key, model: trial.model, activation: trial.genes.activation, optimizer: trial.genes.optimizer, accuracy: trial.fitness, ...accuracyEvidence(trial) };
}

/**
 * A and B as named; where a configuration matches several trials (other data sets or
 * settings), the pair that was scored on the same images, when exactly one pair was.
 */
function namedPair(trials: TrialRecord[], a: string, b: string, file: string): [TrialRecord, TrialRecord] {
  const [as, bs] = [trialsNamed(trials, a), trialsNamed(trials, b)];
  if (as.length === 1 && bs.length === 1) return [as[0], bs[0]];
  const paired = as.flatMap((x) => bs.filter((y) => x.key !== y.key && pairTrials(x, y).ok).map((y): [TrialRecord, TrialRecord] => [x, y]));
  if (paired.length === 1) return paired[0];
  return [oneTrialNamed(trials, a, file), oneTrialNamed(trials, b, file)];
}

export const compareCommand: CommandModule<GlobalArguments, CompareArguments> = {
  command: 'compare <a> <b>',
  describe: 'two stored trials (keys, or configurations as [model/]activation+optimizer) image by image: both accuracies with intervals and the exact McNemar p-value',
  builder: (yargs) => yargs.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true }).option('db', resultsFileFlag()) as never,
  handler: (args) => {
    const store = openExistingResults(args.db);
    let pair: [TrialRecord, TrialRecord];
    try {
      pair = namedPair(store.allTrials(), args.a, args.b, args.db);
    } finally {
      store.close();
    }
    const [a, b] = pair.map(describe);
    const paired = pairTrials(pair[0], pair[1]);
    if (args.json) {
      printJson(
        paired.ok
          ? { a, b, onlyA: paired.onlyA, onlyB: paired.onlyB, pValue: paired.pValue, test: paired.test }
          : { a, b, onlyA: null, onlyB: null, pValue: null, test: null, note: `no paired test: ${paired.reason}` },
      );
      return;
    }
    const line = (name: string, t: typeof a) =>
      `${name} ${t.model} ${t.activation} + ${t.optimizer}: ${formatAccuracy(t.accuracy, t.interval)} (${t.correct} of ${t.total} images; trial ${t.key.slice(0, 12)})\n`;
    process.stdout.write(line('A', a) + line('B', b));
    if (!paired.ok) {
      process.stdout.write(`no paired test: ${paired.reason}\n`);
      return;
    }
    process.stdout.write(
      `${paired.onlyA} images only A got right, ${paired.onlyB} only B: ${paired.test} (two-sided binomial test on the ${paired.onlyA + paired.onlyB} discordant images), ${formatP(paired.pValue)}\n`,
    );
  },
};
