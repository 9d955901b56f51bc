/** Multi-fidelity without training: the rung schedule, ASHA's choices, and the GA over it. */
import { leadingCandidate, nextJob, runAsha, type AshaCandidate } from '../src/fidelity/asha';
import { defaultMinEpochs, describeCost, rankScore, rungSchedule } from '../src/fidelity/rungs';
import { runEvolution, type FitnessResult, type GaSettings } from '../src/ga/evolve';
import { PAPER_GENOME, type Genes } from '../src/ga/genome';
import type { RungFitness, RungFitnessSource } from '../src/ga/halving';
import { Store } from '../src/store/store';

describe('rung schedule', () => {
  it('multiplies by eta from the first rung and always ends at the full schedule', () => {
    expect(rungSchedule(8, { minEpochs: 1, eta: 3 })).toEqual([1, 3, 8]);
    expect(rungSchedule(9, { minEpochs: 1, eta: 3 })).toEqual([1, 3, 9]);
    expect(rungSchedule(50, { minEpochs: 7, eta: 3 })).toEqual([7, 21, 50]);
    expect(rungSchedule(4, { minEpochs: 1, eta: 2 })).toEqual([1, 2, 4]);
    expect(rungSchedule(3, { minEpochs: 3, eta: 3 })).toEqual([3]);
  });

  it('defaults the first rung to an eighth of the epochs, at least one', () => {
    expect([1, 8, 9, 50].map(defaultMinEpochs)).toEqual([1, 1, 2, 7]);
  });

  it('refuses a first rung beyond the schedule and an eta below 2, naming the flag', () => {
    expect(() => rungSchedule(4, { minEpochs: 5, eta: 3 })).toThrow(/--min-epochs .*\(got 5\)/);
    expect(() => rungSchedule(4, { minEpochs: 1, eta: 1 })).toThrow(/--eta .*\(got 1\)/);
  });

  it('ranks any candidate at a higher rung above every one below it', () => {
    expect(rankScore(1, 0)).toBeGreaterThan(rankScore(0, 1));
    expect(rankScore(2, 0.5)).toBeGreaterThan(rankScore(2, 0.4));
    expect(describeCost(23, 72)).toBe('trained 23 of 72 epochs of the full grid (32%)');
  });
});

const candidate = (id: string, ...results: number[]): AshaCandidate => ({ id, results });

describe('ASHA promotion', () => {
  it('starts new candidates while no rung has enough finished to promote', () => {
    const candidates = [candidate('a', 0.5), candidate('b', 0.9), candidate('c')];
    expect(nextJob(candidates, 3, 3, new Set())).toEqual({ id: 'c', rung: 0 });
  });

  it('promotes the best of the top 1/eta at once, without waiting for the rung to fill', () => {
    const candidates = [candidate('a', 0.5), candidate('b', 0.9), candidate('c', 0.7), candidate('d')];
    expect(nextJob(candidates, 3, 3, new Set())).toEqual({ id: 'b', rung: 1 });
    // b in flight: nothing else is in the top third, so the next new candidate starts.
    expect(nextJob(candidates, 3, 3, new Set(['b']))).toEqual({ id: 'd', rung: 0 });
  });

  it('looks at the highest rung first and never promotes one twice', () => {
    const candidates = [
      candidate('a', 0.9, 0.8, 0.85),
      candidate('b', 0.8, 0.6),
      candidate('c', 0.7, 0.7),
      candidate('d', 0.6, 0.9),
      candidate('e', 0.5),
      candidate('f', 0.4),
      candidate('g', 0.3),
      candidate('h', 0.2),
      candidate('i', 0.1),
      candidate('j', 0.95),
    ];
    // Rung 1 has four finished (a, b, c, d): floor(4/3) = 1, the best is d (0.9), not yet promoted.
    expect(nextJob(candidates, 3, 3, new Set())).toEqual({ id: 'd', rung: 2 });
    // Rung 0 has ten: the top three are j, a, b; a and b are promoted already, so j.
    expect(nextJob(candidates, 3, 3, new Set(['d']))).toEqual({ id: 'j', rung: 1 });
  });

  it('with finish, trains the leader by (rung, accuracy) to the top once nothing else is left', () => {
    const candidates = [candidate('a', 0.5, 0.6), candidate('b', 0.9)];
    expect(nextJob(candidates, 3, 3, new Set())).toBeUndefined();
    expect(nextJob(candidates, 3, 3, new Set(), true)).toEqual({ id: 'a', rung: 2 });
    expect(nextJob(candidates, 3, 3, new Set(['b']), true)).toBeUndefined();
    expect(leadingCandidate(candidates)?.id).toBe('a');
  });

  it('runs nine candidates as 9 + 3 + 1 trainings, each promotion continuing the candidate one rung', async () => {
    // The earlier a candidate, the better: the promotions are those of synchronous halving (9, 3, 1).
    const accuracy = (id: string, rung: number) => 1 - (id.charCodeAt(0) - 96) / 10 + rung / 100;
    const candidates = [...'abcdefghi'].map((id) => candidate(id));
    const jobs: string[] = [];
    await runAsha({
      rungs: 3,
      eta: 3,
      slots: 1,
      candidates,
      finish: true,
      train: async (job) => {
        jobs.push(`${job.id}${job.rung}`);
        return { accuracy: accuracy(job.id, job.rung), diverged: false };
      },
    });
    expect(jobs).toEqual(['a0', 'b0', 'c0', 'a1', 'd0', 'e0', 'f0', 'b1', 'g0', 'h0', 'i0', 'c1', 'a2']);
    expect(candidates.find((c) => c.id === 'a')?.results).toHaveLength(3);
    expect(candidates.filter((c) => c.results.length === 1)).toHaveLength(6);
  });

  it('never promotes a diverged candidate, ranks it below every other at its rung, and lets it lead only when all diverged', () => {
    const diverged: AshaCandidate = { id: 'x', results: [0.99], diverged: true };
    const candidates = [diverged, candidate('a', 0.5), candidate('b', 0.4)];
    // Rung 0 has three finished: floor(3/3) = 1 promotion, which goes to a, not to the diverged x.
    expect(nextJob(candidates, 3, 3, new Set())).toEqual({ id: 'a', rung: 1 });
    expect(leadingCandidate(candidates)?.id).toBe('a');
    // With finish, the leader trained on is never the diverged one.
    expect(nextJob([diverged, candidate('b', 0.4)], 3, 3, new Set(), true)).toEqual({ id: 'b', rung: 1 });
    expect(nextJob([diverged], 3, 3, new Set(), true)).toBeUndefined();
    expect(leadingCandidate([diverged, { id: 'y', results: [0.2, 0.3], diverged: true }])?.id).toBe('y');
  });

  it('records a result at the rung trained only: a candidate that diverged at rung 0 does not outrank one at rung 1', async () => {
    const candidates = [...'abcd'].map((id) => candidate(id));
    await runAsha({
      rungs: 3,
      eta: 2,
      slots: 1,
      candidates,
      finish: true,
      train: async (job) => (job.id === 'a' ? { accuracy: 0, diverged: true } : { accuracy: 0.5 + job.rung / 10 - job.id.charCodeAt(0) / 1000, diverged: false }),
    });
    expect(candidates[0]).toEqual({ id: 'a', results: [0], diverged: true });
    expect(leadingCandidate(candidates)?.id).toBe('b');
    expect(candidates[1].results).toHaveLength(3);
  });

  it('a training that failed for good leaves the candidate as it was and is not retried in the same search', async () => {
    const candidates = [candidate('a'), candidate('b')];
    const jobs: string[] = [];
    const failures: string[] = [];
    await runAsha({
      rungs: 2,
      eta: 2,
      slots: 1,
      candidates,
      finish: true,
      train: async (job) => {
        jobs.push(`${job.id}${job.rung}`);
        return job.id === 'b' ? { failed: 'worker lost' } : { accuracy: 0.3, diverged: false };
      },
      onFailed: (job, reason) => failures.push(`${job.id}: ${reason}`),
    });
    expect(jobs).toEqual(['a0', 'b0', 'a1']);
    expect(failures).toEqual(['b: worker lost']);
    expect(candidates[1].results).toEqual([]);
  });

  it('fills every slot and waits for none to finish before starting another', async () => {
    const candidates = [...'abcdef'].map((id) => candidate(id));
    let inFlight = 0;
    let most = 0;
    await runAsha({
      rungs: 2,
      eta: 2,
      slots: 3,
      candidates,
      train: async (job) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, job.id === 'a' ? 30 : 5));
        inFlight--;
        return { accuracy: job.id.charCodeAt(0) / 200, diverged: false };
      },
    });
    expect(most).toBe(3);
    // Promotions happen as ranks allow, not once per full rung: at least floor(6/2) = 3, and the best of all is among them.
    expect(candidates.filter((c) => c.results.length === 2).length).toBeGreaterThanOrEqual(3);
    expect(candidates.find((c) => c.id === 'f')?.results).toHaveLength(2);
  });
});

/** Accuracy of a genome after `epochs`: rises with the epochs, each genome its own slope (a deterministic learning curve). */
function curve(genes: Genes, epochs: number): number {
  const a = PAPER_GENOME.genes[0].choices.indexOf(genes.activation);
  const o = PAPER_GENOME.genes[1].choices.indexOf(genes.optimizer);
  return Math.min(1, (0.1 + 0.07 * ((a * 3 + o * 5) % 9)) * (1 + epochs / 8));
}

class CurveFitness implements RungFitnessSource {
  readonly trained: Array<{ genes: string; from: number; to: number }> = [];
  private readonly reached = new Map<string, number>();
  constructor(private readonly store: Store) {}
  async evaluate(batch: readonly Genes[]): Promise<FitnessResult[]> {
    return batch.map((genes) => ({ fitness: curve(genes, 8), trialKey: null, trained: true }));
  }
  async evaluateRung(genes: Genes, untilEpoch: number): Promise<RungFitness> {
    const id = `${genes.activation}+${genes.optimizer}`;
    const from = this.reached.get(id) ?? 0;
    this.trained.push({ genes: id, from, to: untilEpoch });
    this.reached.set(id, untilEpoch);
    // A full-length result is a stored trial (individuals point at it).
    if (untilEpoch === 8) {
      const trial = { key: id, dataset: 'x', fingerprint: 'x', model: 'alexnet', genes, settings: {}, fitness: curve(genes, 8), diverged: false, result: {}, seconds: 0, device: 'cpu', libtorch: '' };
      this.store.saveTrial(trial);
    }
    return { fitness: curve(genes, untilEpoch), trialKey: id, epochs: untilEpoch, diverged: false, trained: true, epochsTrained: untilEpoch - from };
  }
}

describe('GA by halving', () => {
  const settings: GaSettings = { generations: 4, population: 6, gaSeed: 3, operators: 'reachable', genes: [...PAPER_GENOME.genes], fidelity: { epochs: 8, minEpochs: 1, eta: 3 } };

  it('continues candidates rung by rung, trains fewer epochs than the full grid, and picks a fully trained genome', async () => {
    const store = new Store(':memory:');
    try {
      const fitness = new CurveFitness(store);
      const result = await runEvolution(settings, { store, run: store.createRun('evolve', 'x', 'alexnet', {}), fitness });
      // Every training continues where the candidate's last one stopped: nothing trained twice.
      const seen = new Map<string, number>();
      for (const t of fitness.trained) {
        expect(t.from).toBe(seen.get(t.genes) ?? 0);
        seen.set(t.genes, t.to);
      }
      expect(result.epochsTrained).toBe(fitness.trained.reduce((sum, t) => sum + t.to - t.from, 0));
      expect(result.epochsTrained).toBeLessThan(9 * 8);
      expect(result.best.epochs).toBe(8);
      const full = [...seen].filter(([, epochs]) => epochs === 8).map(([genes]) => genes);
      expect(full).toContain(`${result.best.genes.activation}+${result.best.genes.optimizer}`);
      expect(result.best.fitness).toBeCloseTo(curve(result.best.genes, 8), 12);
      // The run's best individual (stored) is a fully trained one.
      expect(store.bestOfRun(1)?.genes).toEqual(result.best.genes);
    } finally {
      store.close();
    }
  });

  it('refuses a fitness that cannot stop part-way', async () => {
    const store = new Store(':memory:');
    try {
      const table = { evaluate: async (): Promise<FitnessResult[]> => [{ fitness: 0.5, trialKey: null, trained: false }] };
      await expect(runEvolution(settings, { store, run: store.createRun('evolve', 'x', 'alexnet', {}), fitness: table })).rejects.toThrow(/halving needs a fitness that trains/);
    } finally {
      store.close();
    }
  });
});

describe('a genome whose training failed for good', () => {
  it('scores 0 in that generation only, is never remembered, and is asked for again in each later generation', async () => {
    const store = new Store(':memory:');
    try {
      let generation = 0;
      const asked = new Set<string>();
      const fitness = {
        async evaluate(batch: readonly Genes[]): Promise<FitnessResult[]> {
          return batch.map((genes) => {
            asked.add(`${generation}:${genes.activation}+${genes.optimizer}`);
            if (genes.optimizer === 'sgdm') return { fitness: 0, trialKey: null, trained: false, failed: 'worker lost' };
            return { fitness: curve(genes, 8), trialKey: null, trained: true };
          });
        },
      };
      const settings: GaSettings = { generations: 4, population: 6, gaSeed: 5, operators: 'reachable', genes: [...PAPER_GENOME.genes] };
      const run = store.createRun('evolve', 'x', 'alexnet', {});
      const individuals: Array<{ generation: number; id: string; fitness: number }> = [];
      await runEvolution(settings, {
        store,
        run,
        fitness,
        onEvent: (e) => {
          if (e.kind === 'step') generation = e.generation;
          if (e.kind === 'individual' && e.genes) individuals.push({ generation: e.generation, id: `${e.genes.activation}+${e.genes.optimizer}`, fitness: e.fitness });
        },
      });
      const failing = individuals.filter((i) => i.id.endsWith('+sgdm'));
      expect(new Set(failing.map((i) => i.generation)).size).toBeGreaterThan(1);
      // Every generation that holds a failing genome asked for it again; it scored 0 there.
      for (const i of failing) {
        expect(asked.has(`${i.generation}:${i.id}`)).toBe(true);
        expect(i.fitness).toBe(0);
      }
      const state = store.getRun<{ known: Record<string, number> }>(run)?.state;
      expect(Object.keys(state?.known ?? {}).length).toBeGreaterThan(0);
      expect(Object.values(state?.known ?? {})).not.toContain(0);
    } finally {
      store.close();
    }
  });
});
