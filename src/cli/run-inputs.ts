/**
 * What a run's results depend on besides its settings: the data set's content, the
 * weights its trials start from, the fitness table it reads. Recorded when the run
 * begins and checked when it resumes, so a resumed run never mixes fitness from changed
 * inputs with the fitness it already has.
 */

import { sha256OfFileSync } from '../util/file-sha256';
import { UsageError } from '../util/errors';

export interface RunInputs {
  /** The data set's content fingerprint. */
  fingerprint?: string;
  /** SHA-256 of the weights file the trials start from. */
  weightsSha256?: string;
  /** SHA-256 of the fitness table. */
  fitnessTableSha256?: string;
}

export function fileSha256(file: string, flag: string): string {
  try {
    return sha256OfFileSync(file);
  } catch {
    throw new UsageError(`${flag} ${file} does not exist or cannot be read`);
  }
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/**
 * Refuses a resume whose inputs differ from those the run began with, naming the first
 * that changed. Inputs a run did not record (runs begun by an older fer-ga) are not checked.
 */
export function checkRunInputs(run: number, recorded: RunInputs, now: RunInputs, names: { dataset: string; weights?: string; fitnessTable?: string }): void {
  const changed = (what: string, then: string, current: string | undefined) =>
    new UsageError(
      `--resume ${run}: ${what} has changed since the run began (${short(then)} then, ${current ? short(current) : 'missing'} now); ` +
        'restore it, or start a new run',
    );
  if (recorded.fingerprint && recorded.fingerprint !== now.fingerprint) throw changed(`the data set ${names.dataset}`, recorded.fingerprint, now.fingerprint);
  if (recorded.weightsSha256 && recorded.weightsSha256 !== now.weightsSha256) {
    throw changed(`the weights file ${names.weights ?? '(none)'}`, recorded.weightsSha256, now.weightsSha256);
  }
  if (recorded.fitnessTableSha256 && recorded.fitnessTableSha256 !== now.fitnessTableSha256) {
    throw changed(`the fitness table ${names.fitnessTable ?? '(none)'}`, recorded.fitnessTableSha256, now.fitnessTableSha256);
  }
}
