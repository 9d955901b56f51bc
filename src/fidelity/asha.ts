/**
 * Asynchronous successive halving (ASHA, Li et al. 2020) over a list of candidates.
 * Whenever a slot is free it promotes the best candidate not yet promoted that is in the
 * top 1/eta (floor(n/eta), by accuracy) of the n that finished its rung, highest rung
 * first; failing that it starts the next new candidate at the lowest rung. It never waits
 * for a rung to fill: a promotion happens as soon as the ranks allow it.
 */

export interface AshaCandidate {
  id: string;
  /** Accuracy at each rung finished, by rung index (empty: not started). */
  results: number[];
}

export interface AshaJob {
  id: string;
  /** The rung (index) to train the candidate to. */
  rung: number;
}

/** Best first: higher accuracy, then earlier candidate. */
function byAccuracyAt(rung: number) {
  return (a: { c: AshaCandidate; i: number }, b: { c: AshaCandidate; i: number }) => b.c.results[rung] - a.c.results[rung] || a.i - b.i;
}

/** The candidate ranked first by (rung reached, accuracy there); ties go to the earlier one. */
export function leadingCandidate(candidates: readonly AshaCandidate[]): AshaCandidate | undefined {
  let best: AshaCandidate | undefined;
  for (const c of candidates) {
    if (c.results.length === 0) continue;
    const reach = c.results.length;
    if (!best || reach > best.results.length || (reach === best.results.length && c.results[reach - 1] > best.results[reach - 1])) best = c;
  }
  return best;
}

/**
 * What to train next, or undefined when nothing can start now. `finish`: when nothing else
 * is left and nothing is in flight, the leading candidate is promoted until it reaches the
 * top rung, so the search ends with a fully trained pick.
 */
export function nextJob(candidates: readonly AshaCandidate[], rungs: number, eta: number, busy: ReadonlySet<string>, finish = false): AshaJob | undefined {
  const indexed = candidates.map((c, i) => ({ c, i }));
  for (let rung = rungs - 2; rung >= 0; rung--) {
    const finished = indexed.filter(({ c }) => c.results.length > rung).sort(byAccuracyAt(rung));
    const top = finished.slice(0, Math.floor(finished.length / eta));
    const promotable = top.find(({ c }) => c.results.length === rung + 1 && !busy.has(c.id));
    if (promotable) return { id: promotable.c.id, rung: rung + 1 };
  }
  const fresh = candidates.find((c) => c.results.length === 0 && !busy.has(c.id));
  if (fresh) return { id: fresh.id, rung: 0 };
  if (finish && busy.size === 0) {
    const leader = leadingCandidate(candidates);
    if (leader && leader.results.length < rungs) return { id: leader.id, rung: leader.results.length };
  }
  return undefined;
}

export interface RungReached {
  /** The rung (index) the candidate reached: the one asked for, or the top when training ended early (divergence, a stored full trial). */
  rung: number;
  accuracy: number;
}

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
}

/**
 * Runs ASHA until nothing is left to train. Every started training is awaited before the
 * first error is thrown, so none is left running unobserved.
 */
export async function runAsha(options: AshaOptions): Promise<void> {
  const { candidates, rungs, eta } = options;
  const busy = new Set<string>();
  const freeSlots = Array.from({ length: Math.max(1, options.slots) }, (_, slot) => slot);
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  for (;;) {
    while (errors.length === 0 && freeSlots.length > 0) {
      const job = nextJob(candidates, rungs, eta, busy, options.finish);
      if (!job) break;
      const slot = freeSlots.shift() as number;
      busy.add(job.id);
      const training = (async () => {
        try {
          const reached = await options.train(job, slot);
          const candidate = candidates.find((c) => c.id === job.id) as AshaCandidate;
          const top = Math.min(Math.max(reached.rung, job.rung), rungs - 1);
          for (let rung = candidate.results.length; rung <= top; rung++) candidate.results[rung] = reached.accuracy;
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
