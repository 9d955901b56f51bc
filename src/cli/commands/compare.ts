import type { CommandModule } from 'yargs';

import type { TrialRecord } from '../../store/store';
import { accuracyEvidence, formatAccuracy, formatInterval } from '../../store/trial-accuracy';
import { summariseRepeats } from '../../study/repeat-summary';
import { formatP } from '../../study/grid-evidence';
import { imagesScoredBy, pairRepeats, pairTrials } from '../../study/paired-trials';
import { oneTrialNamed, trialsNamed } from '../../study/trial-lookup';
import type { GlobalArguments } from '../global-arguments';
import { printJson } from '../output';
import { openExistingResults, resultsFileFlag } from '../results-file';

interface CompareArguments extends GlobalArguments {
  a: string;
  b: string;
  db: string;
}

/** One side: a trial, or a configuration's seed repeats (mean, sd and t interval over seeds beside the pooled count). */
function describe(side: TrialRecord[]) {
  const [first] = side;
  const named = { key: first.key, model: first.model, activation: first.genes.activation, optimizer: first.genes.optimizer };
  if (side.length === 1) return { ...named, accuracy: first.fitness, ...accuracyEvidence(first) };
  return { ...named, keys: side.map((t) => t.key), ...summariseRepeats(side) };
}

/**
 * The seed repeats of A and B to compare: on the one set of images where both sides hold the
 * same two or more training seeds, those trials seed by seed; undefined when there is no such set, or several.
 */
function commonRepeats(as: TrialRecord[], bs: TrialRecord[]): [TrialRecord[], TrialRecord[]] | undefined {
  const found: Array<[TrialRecord[], TrialRecord[]]> = [];
  for (const images of new Set(as.map(imagesScoredBy))) {
    const seedsOf = (side: TrialRecord[]) => new Map(side.filter((t) => imagesScoredBy(t) === images).map((t) => [Number(t.settings.seed), t]));
    const [x, y] = [seedsOf(as), seedsOf(bs)];
    const seeds = [...x.keys()].filter((seed) => y.has(seed)).sort((p, q) => p - q);
    if (seeds.length > 1) found.push([seeds.map((seed) => x.get(seed) as TrialRecord), seeds.map((seed) => y.get(seed) as TrialRecord)]);
  }
  return found.length === 1 ? found[0] : undefined;
}

/**
 * A and B as named. Where a configuration matches several trials: its seed repeats, when
 * both sides hold the same training seeds on one split (compared seed by seed, pooled);
 * else the one pair scored on the same images, when exactly one pair was.
 */
function namedSides(trials: TrialRecord[], a: string, b: string, file: string): [TrialRecord[], TrialRecord[]] {
  const [as, bs] = [trialsNamed(trials, a), trialsNamed(trials, b)];
  if (as.length === 1 && bs.length === 1) return [as, bs];
  const repeats = commonRepeats(as, bs);
  if (repeats && pairRepeats(...repeats).ok) return repeats;
  const paired = as.flatMap((p) => bs.filter((q) => p.key !== q.key && pairTrials(p, q).ok).map((q): [TrialRecord[], TrialRecord[]] => [[p], [q]]));
  if (paired.length === 1) return paired[0];
  return [[oneTrialNamed(trials, a, file)], [oneTrialNamed(trials, b, file)]];
}

export const compareCommand: CommandModule<GlobalArguments, CompareArguments> = {
  command: 'compare <a> <b>',
  describe: 'two stored trials (keys, or configurations as [model/]activation+optimizer) image by image: both accuracies with intervals and the exact McNemar p-value',
  builder: (yargs) => yargs.positional('a', { type: 'string', demandOption: true }).positional('b', { type: 'string', demandOption: true }).option('db', resultsFileFlag()) as never,
  handler: (args) => {
    const store = openExistingResults(args.db);
    let sides: [TrialRecord[], TrialRecord[]];
    try {
      sides = namedSides(store.allTrials(), args.a, args.b, args.db);
    } finally {
      store.close();
    }
    const [a, b] = sides.map(describe);
    const paired = pairRepeats(sides[0], sides[1]);
    if (args.json) {
      printJson(
        paired.ok
          ? { a, b, onlyA: paired.onlyA, onlyB: paired.onlyB, pValue: paired.pValue, test: paired.test }
          : { a, b, onlyA: null, onlyB: null, pValue: null, test: null, note: `no paired test: ${paired.reason}` },
      );
      return;
    }
    const seeds = (t: typeof a) => ('repeats' in t ? `, mean of ${t.repeats} seeds, sd ${(t.sd * 100).toFixed(1)}, seeds ${formatInterval(t.seedInterval)}` : '');
    const line = (name: string, t: typeof a) =>
      `${name} ${t.model} ${t.activation} + ${t.optimizer}: ${formatAccuracy(t.accuracy, t.interval)}${seeds(t)} (${t.correct} of ${t.total} images; trial ${t.key.slice(0, 12)})\n`;
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
