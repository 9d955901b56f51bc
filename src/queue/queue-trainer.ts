/**
 * The coordinator's side of the queue: a trial is trained by whichever worker takes its
 * job, and comes back as the record a local training would have stored. The job's id is
 * the trial's key, so a trial queued or running anywhere is never queued twice, and a
 * coordinator that was killed and resumed waits for the same jobs again.
 *
 * The data set and the weights go up once as content-addressed blobs (blobs.ts); the job
 * names them by hash. Retries of a failing trial, stalled-job recovery and the events a
 * coordinator waits on are BullMQ's.
 */
import { Job, Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';

import type { PackedDataset } from '../data/cache';
import { abortError } from '../util/errors';
import type { TrialRecord } from '../store/store';
import { splitsFor, weightsOf, type RungTraining, type TrialControl, type TrialSettings, type TrialTrainer } from '../study/trials';
import { deleteBlob, fetchBlob, putFileBlob } from './blobs';
import { connect, deviceKindOf, displayUrl, KEY_PREFIX, trialQueueOf, type DeviceKind } from './connection';
import { checkReturnedTrial, type AskedTrial } from './result-check';
import { foldStateTags, stateMismatch } from './state-blobs';
import { TrialFailedError } from './trial-failed';
import { TRIAL_ATTEMPTS, TRIAL_JOB_VERSION, trialJobId, validateTrialJob, type BlobRef, type TrialJob, type TrialJobProgress, type TrialJobResult } from './trial-job';

/** The name every trial job carries (the id tells them apart). */
export const TRIAL_JOB_NAME = 'trial';

const KEEP_FINISHED_S = 7 * 24 * 3600;

/**
 * A failing trial is tried a bounded number of times; a finished one (done or failed)
 * stays a week, so another coordinator, or this one resumed, still finds its result.
 */
export const TRIAL_JOB_OPTIONS: JobsOptions = {
  attempts: TRIAL_ATTEMPTS,
  backoff: { type: 'fixed', delay: 1000 },
  removeOnComplete: { age: KEEP_FINISHED_S },
  removeOnFail: { age: KEEP_FINISHED_S },
};

type Upload = { sha256: string; bytes: number };

interface Pending {
  data: TrialJob;
  /** Every file the job names by hash (pack, weights, rung states), with its state tag: uploaded again should Redis lose them. */
  files: Array<{ file: string; state?: string }>;
  /** What the worker's record is checked against. */
  asked: AskedTrial;
}

/** A queue of trials for one kind of device, and the events a coordinator waits on from it. */
interface Lane {
  queue: Queue;
  events: QueueEvents;
  eventsRedis: Redis;
}

export interface QueueTrainerOptions {
  /** A line about the connection (lost, back): the CLI writes it to stderr. */
  onNotice?: (line: string) => void;
}

export class QueueTrainer implements TrialTrainer {
  /** Uploads in flight, by file: trials asking at once share one. */
  private readonly uploads = new Map<string, Promise<Upload>>();
  /** Jobs this process waits for: added again when Redis comes back (one restarted without its data has lost them). */
  private readonly pending = new Map<string, Pending>();
  private readonly progressListeners = new Map<string, (progress: TrialJobProgress) => void>();
  /** Trials this process has seen fail: asked for again, they fail at once instead of being retried. */
  private readonly failedHere = new Set<string>();
  /** The queue of each device kind this process has queued trials on, opened on first use. */
  private readonly lanes = new Map<DeviceKind, Promise<Lane>>();
  private connectionLost = false;
  private closing = false;

  private constructor(
    private readonly url: string,
    private readonly redis: Redis,
    private readonly onNotice: (line: string) => void,
  ) {
    // ioredis reconnects for ever; its errors while it does are expected, and said once.
    redis.on('error', () => undefined);
    redis.on('close', () => {
      if (this.connectionLost || this.closing) return;
      this.connectionLost = true;
      this.onNotice(`queue ${displayUrl(this.url)}: connection lost, reconnecting`);
    });
    redis.on('ready', () => {
      if (!this.connectionLost) return;
      this.connectionLost = false;
      this.onNotice(`queue ${displayUrl(this.url)}: reconnected`);
      void this.requeuePending();
    });
  }

  /** Connects to the queue at `url` (probeQueue has checked it can be reached). */
  static async open(url: string, options: QueueTrainerOptions = {}): Promise<QueueTrainer> {
    const trainer = new QueueTrainer(url, connect(url), options.onNotice ?? (() => undefined));
    // CPU trials are the common case: their queue is ready before the first trial.
    await trainer.lane('cpu');
    return trainer;
  }

  private lane(kind: DeviceKind): Promise<Lane> {
    let lane = this.lanes.get(kind);
    if (!lane) {
      lane = (async () => {
        const name = trialQueueOf(kind);
        const eventsRedis = connect(this.url);
        const queue = new Queue(name, { connection: this.redis, prefix: KEY_PREFIX });
        const events = new QueueEvents(name, { connection: eventsRedis, prefix: KEY_PREFIX });
        eventsRedis.on('error', () => undefined);
        queue.on('error', () => undefined);
        events.on('error', () => undefined);
        events.on('progress', ({ jobId, data }) => {
          const progress = progressOf(data);
          if (progress) this.progressListeners.get(jobId)?.(progress);
        });
        await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
        return { queue, events, eventsRedis };
      })();
      this.lanes.set(kind, lane);
    }
    return lane;
  }

  /**
   * Queues trial `key` (unless it is queued, running or done already) and waits for its
   * record. A TrialFailedError when it failed after every attempt, or when the worker's
   * record is not the trial asked for; an AbortError when `signal` stops the wait (the
   * job stays queued, for a resumed run to wait for again). With `rung`: its part of the
   * schedule, from the state files it names (uploaded as blobs, and removed from Redis
   * once the rung is trained: the coordinator keeps its own copies), and the states the
   * worker reached fetched into `rung.saveStates`.
   */
  async train(
    key: string,
    packed: PackedDataset,
    settings: TrialSettings,
    weightsSha256: string | null,
    cpuThreads: number | null,
    control: Pick<TrialControl, 'signal' | 'onEvent'> = {},
    rung?: RungTraining,
  ): Promise<TrialRecord> {
    const folds = splitsFor(packed, settings).length;
    const startTags = rung ? foldStateTags(key, rung.fromEpoch, folds) : [];
    const files = [{ file: packed.file }, ...(settings.weightsFile ? [{ file: settings.weightsFile }] : []), ...(rung?.states ?? []).map((file, i) => ({ file, state: startTags[i] }))];
    const asked: AskedTrial = { key, packed, settings, weightsSha256, cpuThreads, fromEpoch: rung?.fromEpoch ?? 0, untilEpoch: rung?.untilEpoch ?? settings.epochs };
    const pending: Pending = { data: await this.jobData(key, packed, settings, weightsSha256, cpuThreads, rung, startTags), files, asked };
    const id = trialJobId(pending.data);
    const { queue, events } = await this.lane(deviceKindOf(cpuThreads));
    this.pending.set(id, pending);
    const onEvent = control.onEvent;
    if (onEvent) this.progressListeners.set(id, (p) => onEvent({ kind: 'fold', fold: p.fold, folds: p.folds, settings, epoch: p.epoch, epochs: p.epochs }));
    try {
      const job = await this.enqueue(queue, pending);
      const finished = job.waitUntilFinished(events);
      let returned: unknown;
      try {
        returned = await untilAborted(finished, control.signal);
      } catch (error) {
        if (control.signal?.aborted) throw abortError();
        throw (await this.failure(queue, id)) ?? error;
      }
      const record = await this.usable(pending, returned);
      if (typeof record === 'string') throw this.failed(id, record, (await queue.getJob(id))?.attemptsMade ?? 0);
      // Where a later promotion continues from: the states the worker reached, here (none after a divergence).
      const states = (returned as TrialJobResult).states ?? [];
      await Promise.all(states.map((state, fold) => (rung?.saveStates ? fetchBlob(this.redis, state.sha256, rung.saveStates[fold]) : undefined)));
      // The states this rung continued from are behind it now: Redis need not hold them (the files here stay until the rung is stored).
      await Promise.all(pending.data.rung?.states.map((state) => deleteBlob(this.redis, state.sha256)) ?? []);
      return settings.weightsFile ? { ...record, settings: { ...record.settings, weightsFile: settings.weightsFile } } : record;
    } finally {
      this.pending.delete(id);
      this.progressListeners.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    const lanes = await Promise.allSettled(this.lanes.values());
    for (const lane of lanes) {
      if (lane.status !== 'fulfilled') continue;
      await Promise.allSettled([lane.value.events.close(), lane.value.queue.close()]);
      lane.value.eventsRedis.disconnect();
    }
    this.redis.disconnect();
  }

  /** The job for a trial, with its data set, weights and rung states uploaded (each once) and checked as a worker will check it. */
  private async jobData(
    key: string,
    packed: PackedDataset,
    settings: TrialSettings,
    weightsSha256: string | null,
    cpuThreads: number | null,
    rung: RungTraining | undefined,
    startTags: string[],
  ): Promise<TrialJob> {
    const pack = await this.upload(packed.file);
    const states: BlobRef[] = await Promise.all((rung?.states ?? []).map((file, i) => this.upload(file, startTags[i])));
    let weights: Upload | null = null;
    if (settings.weightsFile) {
      weights = await this.upload(settings.weightsFile);
      // The key holds the tensors' hash; the upload names the file's bytes, which must be those that were read.
      const read = await weightsOf(settings.weightsFile);
      if (weights.sha256 !== read.fileSha256 || read.sha256 !== weightsSha256) {
        throw new Error(`weights file ${settings.weightsFile} changed since it was read (its bytes now hash to ${weights.sha256})`);
      }
    }
    // Where the weights file lies is the coordinator's business: the job names its bytes.
    const { weightsFile: _where, ...computed } = settings;
    return validateTrialJob({
      version: TRIAL_JOB_VERSION,
      key,
      dataset: { fingerprint: packed.header.fingerprint, packSha256: pack.sha256, bytes: pack.bytes, name: packed.header.dataset },
      weights,
      settings: computed,
      cpuThreads,
      ...(rung ? { rung: { untilEpoch: rung.untilEpoch, fromEpoch: rung.fromEpoch, states } } : {}),
    });
  }

  private upload(file: string, state?: string): Promise<Upload> {
    let upload = this.uploads.get(file);
    if (!upload) {
      upload = putFileBlob(this.redis, file, { state }).finally(() => this.uploads.delete(file));
      this.uploads.set(file, upload);
    }
    return upload;
  }

  /**
   * The record a worker returned, or why it cannot be stored: it must be the trial asked
   * for (checkReturnedTrial) and, for a rung below the full schedule that did not diverge,
   * come with one state per fold, each in Redis and tagged as that fold's state at that rung.
   */
  private async usable(pending: Pending, returned: unknown): Promise<TrialRecord | string> {
    const record = checkReturnedTrial(pending.asked, returned);
    if (typeof record === 'string' || record.diverged || trialJobId(pending.data) === pending.data.key) return record;
    const { key, untilEpoch } = pending.asked;
    const tags = foldStateTags(key, untilEpoch, splitsFor(pending.asked.packed, pending.asked.settings).length);
    const states = (returned as Partial<TrialJobResult>).states;
    const from = `worker ${String((returned as Partial<TrialJobResult>).worker)}`;
    if (!Array.isArray(states) || states.length !== tags.length || !states.every((s) => /^[0-9a-f]{64}$/.test(String((s as Partial<BlobRef>)?.sha256)))) {
      return `${from} returned no state for each of the ${tags.length} folds`;
    }
    for (const [fold, state] of states.entries()) {
      const mismatch = await stateMismatch(this.redis, state.sha256, tags[fold]);
      if (mismatch) return `${from} returned ${mismatch}`;
    }
    return record;
  }

  /**
   * Adds the job unless its id exists. A job this process has not seen end, found failed or
   * done with a result no one can use, is asked for again: a later run retries it.
   */
  private async enqueue(queue: Queue, pending: Pending): Promise<Job> {
    const id = trialJobId(pending.data);
    await queue.add(TRIAL_JOB_NAME, pending.data, { ...TRIAL_JOB_OPTIONS, jobId: id });
    const job = await queue.getJob(id);
    if (!job) throw new Error(`trial job ${id} vanished from ${displayUrl(this.url)} as it was added`);
    if (this.failedHere.has(id)) return job;
    const state = await job.getState();
    const unusable = state === 'failed' || (state === 'completed' && typeof (await this.usable(pending, job.returnvalue)) === 'string');
    if (unusable) {
      await job.updateData(pending.data);
      // Another coordinator may have retried it first: then it is no longer finished, and waiting is all there is to do.
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true }).catch(() => undefined);
    }
    return job;
  }

  /** The TrialFailedError of a job that ended failed; undefined when it did not. */
  private async failure(queue: Queue, id: string): Promise<TrialFailedError | undefined> {
    const job = await queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed') return undefined;
    return this.failed(id, job.failedReason || 'no reason given', job.attemptsMade);
  }

  private failed(key: string, reason: string, attempts: number): TrialFailedError {
    this.failedHere.add(key);
    return new TrialFailedError(key, reason, attempts);
  }

  /** After Redis came back: every job still waited for is added again (a no-op for those it kept), its blobs uploaded again if lost. */
  private async requeuePending(): Promise<void> {
    for (const pending of [...this.pending.values()]) {
      try {
        await Promise.all(pending.files.map(({ file, state }) => this.upload(file, state)));
        const { queue } = await this.lane(deviceKindOf(pending.data.cpuThreads));
        await queue.add(TRIAL_JOB_NAME, pending.data, { ...TRIAL_JOB_OPTIONS, jobId: trialJobId(pending.data) });
      } catch {
        // Lost again: the next 'ready' tries again.
      }
    }
  }
}

/** A worker's progress report, or undefined for anything else. */
function progressOf(data: unknown): TrialJobProgress | undefined {
  const p = data as Partial<TrialJobProgress> | null;
  if (typeof p !== 'object' || p === null) return undefined;
  const counts = [p.fold, p.folds, p.epoch, p.epochs];
  return counts.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0) ? (p as TrialJobProgress) : undefined;
}

/** `work`, or an AbortError as soon as `signal` aborts (the work is left to finish unobserved). */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  work.catch(() => undefined);
  if (signal.aborted) throw abortError();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
