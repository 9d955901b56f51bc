/**
 * Naming a stored trial: by its key (or a prefix of at least 8 characters that one key
 * alone starts with), or by its configuration, `[model/]activation+optimizer`, which must
 * then name one trial of the results file.
 */
import type { TrialRecord } from '../store/store';
import { UsageError } from '../util/errors';

const MIN_PREFIX = 8;

function matchesConfiguration(trial: TrialRecord, spec: string): boolean {
  const [model, genes] = spec.includes('/') ? spec.split('/', 2) : [undefined, spec];
  const [activation, optimizer] = genes.split('+', 2);
  return (model === undefined || trial.model === model) && trial.genes.activation === activation && trial.genes.optimizer === optimizer;
}

/** The trials `spec` may name: a key's (prefix's), else a configuration's. */
export function trialsNamed(trials: readonly TrialRecord[], spec: string): TrialRecord[] {
  if (/^[0-9a-f]+$/i.test(spec)) {
    if (spec.length < MIN_PREFIX) throw new UsageError(`trial ${spec}: a key prefix needs at least ${MIN_PREFIX} characters`);
    return trials.filter((t) => t.key.startsWith(spec.toLowerCase()));
  }
  if (!/^([^/+]+\/)?[^/+]+\+[^/+]+$/.test(spec)) throw new UsageError(`trial ${spec}: name a trial key or a configuration as [model/]activation+optimizer`);
  return trials.filter((t) => matchesConfiguration(t, spec));
}

/** Exactly one trial for `spec`, or a UsageError saying how many matched. */
export function oneTrialNamed(trials: readonly TrialRecord[], spec: string, file: string): TrialRecord {
  const found = trialsNamed(trials, spec);
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new UsageError(`trial ${spec}: no such trial in ${file}`);
  throw new UsageError(`trial ${spec}: ${found.length} trials in ${file} match; name one by its key (fer-ga report --format json lists them)`);
}
