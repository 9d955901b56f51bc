/**
 * Asynchronous successive halving (ASHA, Li et al. 2020) over a list of candidates.
 * Whenever a slot is free it promotes the best candidate not yet promoted that is in the
 * top 1/eta (floor(n/eta), by accuracy) of the n that finished its rung, highest rung
 * first; failing that it starts the next new candidate at the lowest rung. It never waits
 * for a rung to fill: a promotion happens as soon as the ranks allow it.
 *
 * Like is ranked with like: a candidate holds a result only for the rungs it was trained
 * (or answered) to, never one copied up from a higher rung. A candidate that diverged
 * stops at the rung where it did: it counts among that rung's finished, ranks below every
 * candidate there that did not diverge, is never promoted, and leads only when every
 * candidate diverged.
 */

export interface AshaCandidate {
  id: string;
  /** Accuracy at each rung finished, by rung index (empty: not started). */
  results: number[];
  /** It diverged at its last rung (results.length - 1): it stops there. */
  diverged?: boolean;
}

export interface AshaJob {
  id: string;
  /** The rung (index) to train the candidate to. */
  rung: number;
}

/** A candidate's standing at `rung` for ranking: a diverged one sorts after every other. */
function rankAt(c: AshaCandidate, rung: number): number {
  return c.diverged && rung === c.results.length - 1 ? -Infinity : c.results[rung];
}

/** Best first: higher accuracy, then earlier candidate. */
function byAccuracyAt(rung: number) {
  return (a: { c: AshaCandidate; i: number }, b: { c: AshaCandidate; i: number }) => {
    const ra = rankAt(a.c, rung);
    const rb = rankAt(b.c, rung);
    return ra === rb ? a.i - b.i : rb > ra ? 1 : -1;
  };
}

/** Whether `a` outranks `b` by (did not diverge, rung reached, accuracy there). */
function outranks(a: AshaCandidate, b: AshaCandidate): boolean {
  if (!a.diverged !== !b.diverged) return !a.diverged;
  if (a.results.length !== b.results.length) return a.results.length > b.results.length;
  return a.results[a.results.length - 1] > b.results[b.results.length - 1];
}

/**
 * The candidate ranked first by (did not diverge, rung reached, accuracy there); ties go
 * to the earlier one. A diverged candidate leads only when every started one diverged.
 */
export function leadingCandidate(candidates: readonly AshaCandidate[]): AshaCandidate | undefined {
  let best: AshaCandidate | undefined;
  for (const c of candidates) {
    if (c.results.length === 0) continue;
    if (!best || outranks(c, best)) best = c;
  }
  return best;
}

/**
 * What to train next, or undefined when nothing can start now. `finish`: when nothing else
 * is left and nothing is in flight, the leading candidate is promoted until it reaches the
 * top rung, so the search ends with a fully trained pick. `skip`: candidates not to start
 * or promote now (their training failed in this search).
 */
export function nextJob(
  candidates: readonly AshaCandidate[],
  rungs: number,
  eta: number,
  busy: ReadonlySet<string>,
  finish = false,
  skip: ReadonlySet<string> = new Set(),
): AshaJob | undefined {
  const indexed = candidates.map((c, i) => ({ c, i }));
  const available = (c: AshaCandidate) => !busy.has(c.id) && !skip.has(c.id);
  for (let rung = rungs - 2; rung >= 0; rung--) {
    const finished = indexed.filter(({ c }) => c.results.length > rung).sort(byAccuracyAt(rung));
    const top = finished.slice(0, Math.floor(finished.length / eta));
    const promotable = top.find(({ c }) => c.results.length === rung + 1 && !c.diverged && available(c));
    if (promotable) return { id: promotable.c.id, rung: rung + 1 };
  }
  const fresh = candidates.find((c) => c.results.length === 0 && available(c));
  if (fresh) return { id: fresh.id, rung: 0 };
  if (finish && busy.size === 0) {
    const leader = leadingCandidate(candidates.filter((c) => !skip.has(c.id)));
    if (leader && !leader.diverged && leader.results.length < rungs) return { id: leader.id, rung: leader.results.length };
  }
  return undefined;
}

/** A rung's outcome: its accuracy and whether training diverged before the rung's end; or why it failed for good. */
export type RungReached = { accuracy: number; diverged: boolean } | { failed: string };

export interface AshaOptions {
  /** How many rungs the schedule has. */
  rungs: number;
  eta: number;
  /** Trainings at once. */
  slots: number;
  /** Updated in place as results come in; new candidates have no results. */
  candidates: AshaCandidate[];
  finish?: boolean;
  train(job: AshaJob, slot: number): Promise<RungReached>;
  /** After each result is recorded in `candidates` (save the state here). */
  onResult?(candidate: AshaCandidate, job: AshaJob): void;
  /** A job whose training failed for good: the candidate keeps what it had and is not tried again in this search. */
  onFailed?(job: AshaJob, reason: string): void;
}

/**
 * Runs ASHA until nothing is left to train. Every started training is awaited before the
 * first error is thrown, so none is left running unobserved.
 */
export async function runAsha(options: AshaOptions): Promise<void> {
  const { candidates, rungs, eta } = options;
  const busy = new Set<string>();
  const failed = new Set<string>();
  const freeSlots = Array.from({ length: Math.max(1, options.slots) }, (_, slot) => slot);
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  for (;;) {
    while (errors.length === 0 && freeSlots.length > 0) {
      const job = nextJob(candidates, rungs, eta, busy, options.finish, failed);
      if (!job) break;
      const slot = freeSlots.shift() as number;
      busy.add(job.id);
      const training = (async () => {
        try {
          const reached = await options.train(job, slot);
          const candidate = candidates.find((c) => c.id === job.id) as AshaCandidate;
          if ('failed' in reached) {
            failed.add(job.id);
            options.onFailed?.(job, reached.failed);
            return;
          }
          candidate.results[job.rung] = reached.accuracy;
          if (reached.diverged) candidate.diverged = true;
          options.onResult?.(candidate, job);
        } catch (error) {
          errors.push(error);
        } finally {
          busy.delete(job.id);
          freeSlots.push(slot);
          freeSlots.sort((a, b) => a - b);
        }
      })();
      running.add(training);
      void training.then(() => running.delete(training));
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (errors.length > 0) throw errors[0];
}
