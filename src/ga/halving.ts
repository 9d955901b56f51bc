/**
 * A GA generation evaluated by asynchronous successive halving: the generation's new
 * genomes are new candidates, and promotions consider every candidate of the run (earlier
 * generations' too). A candidate stopped at a rung keeps that rung and its accuracy; the GA
 * ranks by (did not diverge, rung reached, accuracy). The last generation ends by training
 * the leading candidate to the full schedule, so a run's pick is a full-length trial
 * (unless every candidate diverged).
 */
import { leadingCandidate, runAsha, type AshaCandidate } from '../fidelity/asha';
import { rankScore, rungSchedule, type Halving } from '../fidelity/rungs';
import type { Genes, Genome } from './genome';

/** A fidelity's settings as a run saves them: the full schedule and the halving. */
export interface HalvingSettings extends Halving {
  epochs: number;
}

export interface RungFitness {
  fitness: number;
  /** The trial's key (the full-length trial's, whatever the rung). */
  trialKey: string;
  /** Epochs the result covers: the rung asked for. */
  epochs: number;
  /** Training diverged before the rung's end: the candidate stops here. */
  diverged: boolean;
  /** Why the training failed for good (fitness 0, not a result): the candidate is tried again when next asked for. */
  failed?: string;
  /** Whether this call trained anything. */
  trained: boolean;
  /** Epochs this call trained. */
  epochsTrained: number;
}

/** A fitness that can train a genome part of its schedule and continue it later. */
export interface RungFitnessSource {
  evaluateRung(genes: Genes, untilEpoch: number, slot: number): Promise<RungFitness>;
}

export function isRungFitnessSource(source: object): source is RungFitnessSource {
  return typeof (source as Partial<RungFitnessSource>).evaluateRung === 'function';
}

/** The halving part of a GA state: each candidate's accuracy per rung, and its trial key. */
export interface HalvingState {
  candidates: AshaCandidate[];
  keys: Record<string, string>;
}

export interface CandidateStanding {
  accuracy: number;
  /** Epochs reached. */
  epochs: number;
  /** Rung index reached. */
  rung: number;
  /** Whether it reached the full schedule without diverging. */
  full: boolean;
  diverged: boolean;
  key: string | null;
}

export function standingOf(halving: HalvingState | undefined, settings: HalvingSettings, bits: string): CandidateStanding | undefined {
  const candidate = halving?.candidates.find((c) => c.id === bits);
  if (!candidate || candidate.results.length === 0) return undefined;
  const rungs = rungSchedule(settings.epochs, settings);
  const rung = candidate.results.length - 1;
  const diverged = candidate.diverged === true;
  return { accuracy: candidate.results[rung], epochs: rungs[rung], rung, full: rung === rungs.length - 1 && !diverged, diverged, key: halving?.keys[bits] ?? null };
}

/** Per position: the (did not diverge, rung, accuracy) rank the GA selects by; a diverged candidate ranks with those never evaluated. */
export function halvingRanks(halving: HalvingState | undefined, settings: HalvingSettings, bitsOfPositions: string[]): number[] {
  return bitsOfPositions.map((bits) => {
    const standing = standingOf(halving, settings, bits);
    return standing && !standing.diverged ? rankScore(standing.rung, standing.accuracy) : -1;
  });
}

/**
 * A generation's summary under halving, like with like: `best` is the accuracy of its
 * leading individual by (did not diverge, rung, accuracy) at the rung that one reached,
 * `mean` the mean accuracy at the first rung, which every evaluated individual trained
 * (an individual with no result counts 0, as without halving).
 */
export function generationSummary(halving: HalvingState | undefined, settings: HalvingSettings, bitsOfPositions: string[]): { best: number; mean: number } {
  const ranks = halvingRanks(halving, settings, bitsOfPositions);
  const leader = ranks.indexOf(Math.max(...ranks));
  const best = standingOf(halving, settings, bitsOfPositions[leader])?.accuracy ?? 0;
  const first = bitsOfPositions.map((bits) => halving?.candidates.find((c) => c.id === bits)?.results[0] ?? 0);
  return { best, mean: first.reduce((a, b) => a + b, 0) / Math.max(1, first.length) };
}

/** The run's leading candidate by (did not diverge, rung, accuracy). */
export function leadingGenome(halving: HalvingState | undefined, settings: HalvingSettings, genome: Genome): { genes: Genes; fitness: number; epochs: number } | undefined {
  const leader = leadingCandidate((halving?.candidates ?? []).filter((c) => genome.decode(c.id.split('').map(Number))));
  if (!leader) return undefined;
  const standing = standingOf(halving, settings, leader.id) as CandidateStanding;
  return { genes: genome.decode(leader.id.split('').map(Number)) as Genes, fitness: standing.accuracy, epochs: standing.epochs };
}

export interface HalvingGeneration {
  settings: HalvingSettings;
  halving: HalvingState | undefined;
  /** Valid genomes of the generation, by their bits (repeats allowed). */
  genomes: Array<{ bits: string; genes: Genes }>;
  /** Genes of a candidate by its bits (those of earlier generations too). */
  decode(bits: string): Genes;
  source: RungFitnessSource;
  slots: number;
  /** The last generation: ends with the leading candidate trained to the full schedule. */
  finish: boolean;
  /** After each result: the updated halving state, to save. */
  onResult(halving: HalvingState, bits: string, result: RungFitness): void;
}

/** Runs ASHA over the run's candidates plus the generation's new genomes; resolves with the halving state at the end. */
export async function evaluateGeneration(generation: HalvingGeneration): Promise<HalvingState> {
  const { settings } = generation;
  const rungs = rungSchedule(settings.epochs, settings);
  const copy = (c: AshaCandidate): AshaCandidate => ({ id: c.id, results: [...c.results], ...(c.diverged ? { diverged: true } : {}) });
  const candidates: AshaCandidate[] = (generation.halving?.candidates ?? []).map(copy);
  const keys: Record<string, string> = { ...(generation.halving?.keys ?? {}) };
  const genesOf = new Map<string, Genes>();
  for (const { bits, genes } of generation.genomes) {
    genesOf.set(bits, genes);
    if (!candidates.some((c) => c.id === bits)) candidates.push({ id: bits, results: [] });
  }
  const snapshot = (): HalvingState => ({ candidates: candidates.map(copy), keys: { ...keys } });
  const results = new Map<string, RungFitness>();
  await runAsha({
    rungs: rungs.length,
    eta: settings.eta,
    slots: generation.slots,
    candidates,
    finish: generation.finish,
    train: async (job, slot) => {
      const genes = genesOf.get(job.id) ?? generation.decode(job.id);
      const result = await generation.source.evaluateRung(genes, rungs[job.rung], slot);
      results.set(job.id, result);
      if (result.failed !== undefined) return { failed: result.failed };
      keys[job.id] = result.trialKey;
      return { accuracy: result.fitness, diverged: result.diverged };
    },
    onResult: (candidate) => generation.onResult(snapshot(), candidate.id, results.get(candidate.id) as RungFitness),
  });
  return snapshot();
}
