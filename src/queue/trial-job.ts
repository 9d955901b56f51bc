/**
 * A trial on the queue: what a coordinator sends and a worker trains. It is data only —
 * names from fixed lists, numbers in range, content hashes — checked field by field by
 * the worker before anything is fetched or trained, so nothing received from the queue is
 * ever run as code. The job's id is the trial's key; the worker recomputes the key from the
 * data set and weights it actually has and refuses the job when they differ, so it never
 * trains on other data.
 */
import { ACTIVATIONS, LEARNING_RATE_SCHEDULES, MODELS, OPTIMIZERS } from '../names';
import type { TrialRecord } from '../store/store';
import type { TrialSettings } from '../study/trials';

/**
 * The job format's version; a worker refuses a job of another one, naming both.
 *   2  rung jobs (multi-fidelity)
 *   3  CPU and CUDA trials on queues of their own; rung states tagged with their trial
 */
export const TRIAL_JOB_VERSION = 3;

/**
 * How many times a trial is started before it is given up: a failing attempt counts, and so
 * does a worker that dies holding it (a stalled job), up to this many of each.
 */
export const TRIAL_ATTEMPTS = 3;

export interface TrialJob {
  version: typeof TRIAL_JOB_VERSION;
  /** The trial's key (also the job's id). */
  key: string;
  dataset: {
    /** Content fingerprint of the packed data set (its header's). */
    fingerprint: string;
    /** SHA-256 of the `.fergapack` file's bytes: the blob a worker fetches. */
    packSha256: string;
    /** Its size in bytes. */
    bytes: number;
    /** The spec the coordinator prepared it from, for logs and the stored record. */
    name: string;
  };
  /** The weights the trial starts from, by the SHA-256 of the file's bytes (a blob too). */
  weights: { sha256: string; bytes: number } | null;
  /** Everything the trial computes with, except where the weights file lies. */
  settings: Omit<TrialSettings, 'weightsFile'>;
  /** The CPU threads the key was made with: the worker trains on its CPU with them; null: on its own device (CUDA). */
  cpuThreads: number | null;
  /**
   * Multi-fidelity: train only up to `untilEpoch` of `settings.epochs`, each fold continuing
   * from its saved state after `fromEpoch` epochs (a blob per fold; none when `fromEpoch` is 0).
   * Absent: the whole trial from scratch.
   */
  rung?: TrialJobRung;
}

export interface TrialJobRung {
  untilEpoch: number;
  fromEpoch: number;
  states: BlobRef[];
}

export interface BlobRef {
  sha256: string;
  bytes: number;
}

/** What a worker returns: the trial as the coordinator stores it. */
export interface TrialJobResult {
  trial: TrialRecord;
  /** Where it ran: `host/pid`, for `queue status` and logs. */
  worker: string;
  /** A rung below the full schedule: the state each fold reached, as blobs, to continue from later. */
  states?: BlobRef[];
}

/** A job's id: the trial's key, with the rung's epochs for a job that stops part-way (so each rung is queued once). */
export function trialJobId(job: Pick<TrialJob, 'key' | 'rung' | 'settings'>): string {
  return job.rung && job.rung.untilEpoch < job.settings.epochs ? `${job.key}-e${job.rung.untilEpoch}` : job.key;
}

/** A job's progress as a worker reports it (BullMQ `updateProgress`). */
export interface TrialJobProgress {
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  /** Images per second over the last epoch. */
  imagesPerSecond?: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

class InvalidJob extends Error {
  override readonly name = 'InvalidTrialJob';
}

function fail(field: string, why: string): never {
  throw new InvalidJob(`trial job: ${field} ${why}`);
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'is not an object');
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const extra = Object.keys(value).find((k) => !allowed.includes(k));
  if (extra !== undefined) fail(`${field}.${extra}`, 'is not a field of a trial job');
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(field, `must be an integer from ${min} to ${max}`);
  return value;
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(field, `must be a number from ${min} to ${max}`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) fail(field, `must be one of ${choices.join(', ')}`);
  return value as T;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') fail(field, 'must be true or false');
  return value;
}

function hash(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SHA256.test(value)) fail(field, 'must be a SHA-256 in hex');
  return value;
}

const SETTINGS_FIELDS = [
  'model', 'activation', 'optimizer', 'epochs', 'batchSize', 'learningRate', 'weightDecay', 'augment', 'seed',
  'firstKernel', 'folds', 'validationFraction', 'amp', 'partialWeights', 'freezeEpochs', 'learningRateSchedule', 'splitSeed',
] as const;

/** The job, checked; an `InvalidTrialJob` error naming the first bad field otherwise. */
export function validateTrialJob(data: unknown): TrialJob {
  const job = object(data, 'job');
  onlyKeys(job, 'job', ['version', 'key', 'dataset', 'weights', 'settings', 'cpuThreads', 'rung']);
  if (job.version !== TRIAL_JOB_VERSION) fail('version', `must be ${TRIAL_JOB_VERSION} (a coordinator of another fer-ga version?)`);
  const key = hash(job.key, 'key');
  const dataset = object(job.dataset, 'dataset');
  onlyKeys(dataset, 'dataset', ['fingerprint', 'packSha256', 'bytes', 'name']);
  if (typeof dataset.name !== 'string' || dataset.name.length > 4096) fail('dataset.name', 'must be a string');
  const weights = job.weights === null ? null : object(job.weights, 'weights');
  if (weights) onlyKeys(weights, 'weights', ['sha256', 'bytes']);
  const s = object(job.settings, 'settings');
  onlyKeys(s, 'settings', SETTINGS_FIELDS);
  const settings: TrialJob['settings'] = {
    model: oneOf(s.model, 'settings.model', MODELS),
    activation: oneOf(s.activation, 'settings.activation', ACTIVATIONS),
    optimizer: oneOf(s.optimizer, 'settings.optimizer', OPTIMIZERS),
    epochs: integer(s.epochs, 'settings.epochs', 1, 100000),
    batchSize: integer(s.batchSize, 'settings.batchSize', 2, 65536),
    learningRate: number(s.learningRate, 'settings.learningRate', Number.MIN_VALUE, 1e11),
    weightDecay: number(s.weightDecay, 'settings.weightDecay', 0, 1),
    augment: boolean(s.augment, 'settings.augment'),
    seed: integer(s.seed, 'settings.seed', 0, 2 ** 32 - 1),
    firstKernel: integer(s.firstKernel, 'settings.firstKernel', 0, 15),
    folds: integer(s.folds, 'settings.folds', 1, 100),
    validationFraction: number(s.validationFraction, 'settings.validationFraction', Number.MIN_VALUE, 1),
    amp: boolean(s.amp, 'settings.amp'),
    ...(s.partialWeights !== undefined ? { partialWeights: boolean(s.partialWeights, 'settings.partialWeights') } : {}),
    ...(s.freezeEpochs !== undefined ? { freezeEpochs: integer(s.freezeEpochs, 'settings.freezeEpochs', 0, 100000) } : {}),
    ...(s.splitSeed !== undefined ? { splitSeed: integer(s.splitSeed, 'settings.splitSeed', 0, 2 ** 32 - 1) } : {}),
    ...(s.learningRateSchedule !== undefined ? { learningRateSchedule: oneOf(s.learningRateSchedule, 'settings.learningRateSchedule', LEARNING_RATE_SCHEDULES) } : {}),
  };
  let rung: TrialJobRung | undefined;
  if (job.rung !== undefined) {
    const r = object(job.rung, 'rung');
    onlyKeys(r, 'rung', ['untilEpoch', 'fromEpoch', 'states']);
    const untilEpoch = integer(r.untilEpoch, 'rung.untilEpoch', 1, settings.epochs);
    const fromEpoch = integer(r.fromEpoch, 'rung.fromEpoch', 0, untilEpoch - 1);
    if (!Array.isArray(r.states) || r.states.length > 100 || (fromEpoch === 0) !== (r.states.length === 0)) {
      fail('rung.states', 'must list one state per fold when fromEpoch is above 0, else none');
    }
    const states = (r.states as unknown[]).map((state, i) => {
      const ref = object(state, `rung.states[${i}]`);
      onlyKeys(ref, `rung.states[${i}]`, ['sha256', 'bytes']);
      return { sha256: hash(ref.sha256, `rung.states[${i}].sha256`), bytes: integer(ref.bytes, `rung.states[${i}].bytes`, 1, Number.MAX_SAFE_INTEGER) };
    });
    rung = { untilEpoch, fromEpoch, states };
  }
  return {
    version: TRIAL_JOB_VERSION,
    key,
    dataset: {
      fingerprint: hash(dataset.fingerprint, 'dataset.fingerprint'),
      packSha256: hash(dataset.packSha256, 'dataset.packSha256'),
      bytes: integer(dataset.bytes, 'dataset.bytes', 1, Number.MAX_SAFE_INTEGER),
      name: dataset.name,
    },
    weights: weights ? { sha256: hash(weights.sha256, 'weights.sha256'), bytes: integer(weights.bytes, 'weights.bytes', 1, Number.MAX_SAFE_INTEGER) } : null,
    settings,
    cpuThreads: job.cpuThreads === null ? null : integer(job.cpuThreads, 'cpuThreads', 1, 1024),
    ...(rung ? { rung } : {}),
  };
}

export function isInvalidTrialJob(error: unknown): boolean {
  return error instanceof InvalidJob;
}
