/**
 * A GA generation evaluated by asynchronous successive halving: the generation's new
 * genomes are new candidates, and promotions consider every candidate of the run (earlier
 * generations' too). A candidate stopped at a rung keeps that rung and its accuracy; the GA
 * ranks by (rung reached, accuracy). The last generation ends by training the leading
 * candidate to the full schedule, so a run's pick is always a full-length trial.
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
  /** Epochs the result covers: the rung asked for, or the full schedule when it got there early. */
  epochs: number;
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
  /** Whether it reached the full schedule. */
  full: boolean;
  key: string | null;
}

export function standingOf(halving: HalvingState | undefined, settings: HalvingSettings, bits: string): CandidateStanding | undefined {
  const candidate = halving?.candidates.find((c) => c.id === bits);
  if (!candidate || candidate.results.length === 0) return undefined;
  const rungs = rungSchedule(settings.epochs, settings);
  const rung = candidate.results.length - 1;
  return { accuracy: candidate.results[rung], epochs: rungs[rung], rung, full: rung === rungs.length - 1, key: halving?.keys[bits] ?? null };
}

/** Per position: the (rung, accuracy) rank the GA selects by. */
export function halvingRanks(halving: HalvingState | undefined, settings: HalvingSettings, bitsOfPositions: string[]): number[] {
  return bitsOfPositions.map((bits) => {
    const standing = standingOf(halving, settings, bits);
    return standing ? rankScore(standing.rung, standing.accuracy) : -1;
  });
}

/** The run's leading candidate by (rung, accuracy). */
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
  const candidates: AshaCandidate[] = (generation.halving?.candidates ?? []).map((c) => ({ id: c.id, results: [...c.results] }));
  const keys: Record<string, string> = { ...(generation.halving?.keys ?? {}) };
  const genesOf = new Map<string, Genes>();
  for (const { bits, genes } of generation.genomes) {
    genesOf.set(bits, genes);
    if (!candidates.some((c) => c.id === bits)) candidates.push({ id: bits, results: [] });
  }
  const snapshot = (): HalvingState => ({ candidates: candidates.map((c) => ({ id: c.id, results: [...c.results] })), keys: { ...keys } });
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
      keys[job.id] = result.trialKey;
      results.set(job.id, result);
      const reached = result.epochs >= settings.epochs ? rungs.length - 1 : Math.max(job.rung, rungs.indexOf(result.epochs));
      return { rung: reached, accuracy: result.fitness };
    },
    onResult: (candidate) => generation.onResult(snapshot(), candidate.id, results.get(candidate.id) as RungFitness),
  });
  return snapshot();
}
