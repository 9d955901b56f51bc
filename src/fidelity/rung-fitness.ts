/** Fitness by training to a rung (multi-fidelity GA): a TrainingFitness that can also stop part-way and continue later. */
import type { Genes } from '../ga/genome';
import type { RungFitness, RungFitnessSource } from '../ga/halving';
import type { PackedDataset } from '../data/cache';
import type { Store } from '../store/store';
import { applyGenes, TrainingFitness, type TrialControl, type TrialPlacement, type TrialSettings } from '../study/trials';
import { runTrialToRung } from './rung-trials';

export class RungTrainingFitness extends TrainingFitness implements RungFitnessSource {
  constructor(
    store: Store,
    packed: PackedDataset,
    base: TrialSettings,
    placements: TrialPlacement[],
    /** `statesDir`: where rung states are kept (the cache folder's states/). */
    private readonly rungControl: TrialControl & { run?: number; statesDir: string },
  ) {
    super(store, packed, base, placements, rungControl);
  }

  async evaluateRung(genes: Genes, untilEpoch: number, slot = 0): Promise<RungFitness> {
    const placement = this.placements[slot % this.placements.length];
    const outcome = await runTrialToRung(this.store, this.packed, applyGenes(this.base, genes), untilEpoch, placement, this.rungControl);
    if (outcome.failed !== undefined) {
      return { fitness: 0, trialKey: outcome.key, epochs: outcome.epochs, diverged: false, failed: outcome.failed, trained: false, epochsTrained: 0 };
    }
    const trained = !outcome.cached;
    if (this.control.run !== undefined) {
      this.store.linkRungs(this.control.run, [{ key: outcome.key, epochs: outcome.epochs, trained }]);
      if (outcome.epochs >= this.base.epochs) this.store.linkTrials(this.control.run, [{ key: outcome.key, trained }]);
    }
    return { fitness: outcome.accuracy, trialKey: outcome.key, epochs: outcome.epochs, diverged: outcome.diverged, trained, epochsTrained: outcome.epochsTrained };
  }
}
