/**
 * A worker: takes trials from its device's queue (a BullMQ Worker, `--parallel` at once:
 * CPU trials on a CPU worker, CUDA trials on a CUDA one), trains them with the native
 * trainer and returns their records. Before training, it checks that the job is what it
 * says: valid data, keyed for this worker's kind of device, a data set whose bytes and
 * content fingerprint are the job's, a key it recomputes itself from that data set, the
 * settings and the weights' bytes, and rung states tagged as this trial's. Anything else
 * fails the job at once (UnrecoverableError, no retry) with a message naming what
 * differs: a worker never trains a trial on other data than its key says.
 * Queueing, retries, lock renewal and stalled-job recovery are BullMQ's; a trial survives
 * as many worker deaths as it has attempts.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';

import type { PackedDataset } from '../data/cache';
import { readCache } from '../data/cache';
import { isUsageError } from '../util/errors';
import type { TrialRecord } from '../store/store';
import { trainFoldsFrom } from '../fidelity/rung-trials';
import { keyOfTrial } from '../study/trial-key';
import { recordOfFolds, splitsFor, trainTrialRecord, weightsOf, type TrialEvent, type TrialPlacement, type TrialSettings } from '../study/trials';
import { BlobCache, type BlobKind } from './blob-cache';
import { BlobError, putFileBlob } from './blobs';
import { connect, deviceKindOf, displayUrl, KEY_PREFIX, trialQueueOf, type DeviceKind } from './connection';
import { foldStateTags, stateMismatch, stateTag } from './state-blobs';
import { isInvalidTrialJob, TRIAL_ATTEMPTS, trialJobId, validateTrialJob, type BlobRef, type TrialJob, type TrialJobProgress, type TrialJobResult } from './trial-job';
import { HEARTBEAT_SECONDS, removeWorkerEntry, writeWorkerEntry, type CurrentTrial } from './worker-registry';

export interface TrialWorkerOptions {
  url: string;
  /** Where each of the worker's slots trains (one per slot: the BullMQ concurrency). */
  placements: TrialPlacement[];
  /** The --cache folder: fetched packs and weights live under `<cacheDir>/queue/`. */
  cacheDir: string;
  /** How long a job's lock lasts without renewal; also the stalled-job check interval. */
  lockSeconds: number;
  /** One line per trial started or finished, and per Redis connection lost or regained. */
  log?: (line: string) => void;
}

/** What a trial is trained from, checked against the job. */
interface TrialInputs {
  packed: PackedDataset;
  settings: TrialSettings;
  weightsSha256: string | null;
}

// A forced stop waits this long for Redis to hear of it.
const FORCED_CLOSE_MS = 2000;
// A graceful stop, its trials done, waits this long for Redis to take their results and hear of it.
const GRACEFUL_CLOSE_MS = 3000;

/** Packs kept read in memory: a worker usually serves one study, sometimes two. */
const PACKS_KEPT = 2;

function trialName(settings: Pick<TrialSettings, 'model' | 'activation' | 'optimizer'>): string {
  return `${settings.model} ${settings.activation}+${settings.optimizer}`;
}

export class TrialWorker {
  /** `host/pid`: the registry field and the worker named in each result. */
  readonly id = `${os.hostname()}/${process.pid}`;
  private readonly worker: Worker<unknown, TrialJobResult>;
  private readonly blobs: BlobCache;
  private readonly packs = new Map<string, Promise<PackedDataset>>();
  private readonly freeSlots: number[];
  private readonly current = new Map<string, CurrentTrial>();
  private readonly startedAt = new Date().toISOString();
  private readonly heartbeat: NodeJS.Timeout;
  private heartbeatInFlight: Promise<void> | undefined;
  /** A heartbeat asked for while one was being written (a trial started or ended). */
  private beatAgain = false;
  private readonly forced = new AbortController();
  private readonly trainings = new Set<Promise<unknown>>();
  private trialsDone = 0;
  private trialsFailed = 0;
  /** Jobs between being taken and their result handed to BullMQ. */
  private jobsInHand = 0;
  private connected = true;
  /** When Redis was lost (Date.now()); undefined while connected. */
  private disconnectedAt: number | undefined;
  private stopping: Promise<'finished' | 'dropped'> | undefined;
  /** CUDA trials when the slots train on CUDA, else CPU trials: the queue it takes jobs from. */
  private readonly kind: DeviceKind;

  private constructor(
    private readonly redis: Redis,
    private readonly options: TrialWorkerOptions,
  ) {
    this.blobs = new BlobCache(redis, options.cacheDir);
    this.freeSlots = options.placements.map((_, slot) => slot).reverse();
    this.kind = options.placements[0].device.startsWith('cuda') ? 'cuda' : 'cpu';
    const lockDuration = options.lockSeconds * 1000;
    this.worker = new Worker<unknown, TrialJobResult>(trialQueueOf(this.kind), (job, _token, signal) => this.processJob(job, signal), {
      connection: redis,
      prefix: KEY_PREFIX,
      concurrency: options.placements.length,
      lockDuration,
      stalledInterval: lockDuration,
      // A worker that dies holding a trial costs it one of its attempts, not the trial (BullMQ's default fails it at the second death).
      maxStalledCount: TRIAL_ATTEMPTS,
    });
    this.worker.on('error', (error) => this.connected && this.log(`worker: ${error.message}`));
    this.watchConnection();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_SECONDS * 1000);
  }

  /** Connects to the queue at `url` and starts taking trials. */
  static async start(options: TrialWorkerOptions): Promise<TrialWorker> {
    const worker = new TrialWorker(connect(options.url), options);
    await worker.beat();
    await worker.worker.waitUntilReady();
    worker.log(`worker ${worker.id}: taking trials from ${displayUrl(options.url)} (${worker.kind === 'cuda' ? 'CUDA' : 'CPU'} trials; ${worker.slotsText()})`);
    return worker;
  }

  /**
   * Stops taking trials. Gracefully, it waits for the trials in hand to finish and their
   * results to be stored ('finished'), unless Redis is gone for a few seconds meanwhile:
   * then no result could be handed back, and the trials are dropped as a forced stop drops
   * them ('dropped'): their locks lapse and BullMQ's stalled-job check gives them to
   * another worker. Either way a Redis that does not answer is not waited for.
   */
  stop(force = false): Promise<'finished' | 'dropped'> {
    if (force) {
      clearInterval(this.heartbeat);
      return this.drop().then(async () => {
        // Closing tells Redis; a Redis that does not answer is not waited for.
        await withinMs(this.worker.close(true), FORCED_CLOSE_MS);
        this.redis.disconnect();
        return 'dropped' as const;
      });
    }
    this.stopping ??= (async () => {
      clearInterval(this.heartbeat);
      // Closing waits for the trials in hand and hands their results to Redis. Once they are
      // done, a Redis that does not answer is not waited for: a result it did not take is
      // trained again elsewhere when the job's lock lapses.
      const closed = this.worker.close().catch(() => undefined);
      let outcome: 'finished' | 'dropped' = 'finished';
      const answered = await Promise.race([
        closed.then(() => true),
        this.handsFree().then((done) => {
          outcome = done;
          return this.connected ? withinMs(closed, GRACEFUL_CLOSE_MS) : false;
        }),
      ]);
      if (answered && this.connected && (await withinMs(removeWorkerEntry(this.redis, this.id), GRACEFUL_CLOSE_MS))) {
        await withinMs(this.redis.quit(), GRACEFUL_CLOSE_MS);
      }
      if (!answered) await withinMs(this.worker.disconnect(), FORCED_CLOSE_MS);
      this.redis.disconnect();
      return outcome;
    })();
    return this.stopping;
  }

  /** Cancels the trainings (the process must not exit under a running native trainer); their jobs are left active, with locks that lapse. */
  private async drop(): Promise<void> {
    this.forced.abort();
    await Promise.allSettled(this.trainings);
  }

  /**
   * Resolves 'finished' once no job is in hand (taken, and its result not yet handed back),
   * or 'dropped' once Redis has been gone GRACEFUL_CLOSE_MS with jobs in hand: their trials
   * are dropped, since no result of theirs could be handed back.
   */
  private async handsFree(): Promise<'finished' | 'dropped'> {
    while (this.jobsInHand > 0) {
      if (this.disconnectedAt !== undefined && Date.now() - this.disconnectedAt >= GRACEFUL_CLOSE_MS) {
        this.log(`worker: Redis unreachable: stopping now; its unfinished trials go back to the queue when their locks lapse`);
        await this.drop();
        return 'dropped';
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 'finished';
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private slotsText(): string {
    const { placements } = this.options;
    const devices = [...new Set(placements.map((p) => p.device))].join(', ');
    return `${placements.length} at once on ${devices}, ${placements[0].threads || 'all'} thread(s) each`;
  }

  /** One line when Redis is lost and one when it is back; ioredis reconnects, BullMQ resumes. */
  private watchConnection(): void {
    this.redis.on('error', () => undefined);
    this.redis.on('close', () => {
      if (this.connected && !this.stopping) this.log(`worker: lost Redis at ${displayUrl(this.options.url)}; reconnecting`);
      if (this.connected) this.disconnectedAt = Date.now();
      this.connected = false;
    });
    this.redis.on('ready', () => {
      const reconnected = !this.connected;
      this.connected = true;
      this.disconnectedAt = undefined;
      if (reconnected) {
        this.log(`worker: reconnected to Redis at ${displayUrl(this.options.url)}`);
        // A Redis restarted without persistence has lost the registry entry.
        void this.beat();
      }
    });
  }

  /** Writes the registry entry now (or right after the one being written). */
  private beat(): Promise<void> {
    if (this.heartbeatInFlight) {
      this.beatAgain = true;
      return this.heartbeatInFlight;
    }
    if (!this.connected) return Promise.resolve();
    this.heartbeatInFlight = this.writeEntry().finally(() => {
      this.heartbeatInFlight = undefined;
      if (this.beatAgain) {
        this.beatAgain = false;
        void this.beat();
      }
    });
    return this.heartbeatInFlight;
  }

  private async writeEntry(): Promise<void> {
    const current = [...this.current.values()];
    const rates = current.map((t) => t.imagesPerSecond).filter((r): r is number => r !== null);
    try {
      await writeWorkerEntry(this.redis, {
        id: this.id,
        host: os.hostname(),
        pid: process.pid,
        device: [...new Set(this.options.placements.map((p) => p.device))].join(','),
        slots: this.options.placements.length,
        threads: this.options.placements[0].threads,
        current,
        startedAt: this.startedAt,
        imagesPerSecond: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) : null,
        trialsDone: this.trialsDone,
        trialsFailed: this.trialsFailed,
      });
    } catch {
      // A missed heartbeat is only an older entry; the next one writes it again.
    }
  }

  private async processJob(job: Job<unknown, TrialJobResult>, signal?: AbortSignal): Promise<TrialJobResult> {
    this.jobsInHand++;
    try {
      return await this.takeJob(job, signal);
    } finally {
      this.jobsInHand--;
    }
  }

  private async takeJob(job: Job<unknown, TrialJobResult>, signal?: AbortSignal): Promise<TrialJobResult> {
    let data: TrialJob;
    try {
      data = validateTrialJob(job.data);
      if (job.id !== trialJobId(data)) throw new UnrecoverableError(`trial job: id ${String(job.id)} is not ${trialJobId(data)}, its key (and rung)`);
      // Its key holds the device kind's numbers: another kind would store a result its key does not give.
      if (deviceKindOf(data.cpuThreads) !== this.kind) {
        throw new UnrecoverableError(
          `trial job: keyed for ${data.cpuThreads === null ? 'CUDA' : `the CPU (${data.cpuThreads} threads)`}, and this worker trains ${this.kind === 'cuda' ? 'CUDA' : 'CPU'} trials only; not trained`,
        );
      }
    } catch (error) {
      const refusal = isInvalidTrialJob(error) ? new UnrecoverableError((error as Error).message) : error;
      this.failed(`job ${String(job.id)}`, refusal);
      throw refusal;
    }
    const slot = this.freeSlots.pop() ?? 0;
    // A CPU trial's key holds its thread count: it trains with that count, whatever the worker's --threads.
    const placement: TrialPlacement = data.cpuThreads === null ? this.options.placements[slot] : { device: 'cpu', threads: data.cpuThreads };
    const rungText = data.rung ? ` epochs ${data.rung.fromEpoch + 1}-${data.rung.untilEpoch}` : '';
    const what = `trial ${data.key.slice(0, 12)} ${trialName(data.settings)}${rungText}`;
    try {
      const inputs = await this.inputs(data);
      this.log(`${what}: started (attempt ${job.attemptsMade + 1}${job.opts.attempts ? ` of ${job.opts.attempts}` : ''}, ${placement.device})`);
      const training = this.train(job, data, inputs, placement, signal);
      this.trainings.add(training);
      const { record, states } = await training.finally(() => this.trainings.delete(training));
      this.trialsDone++;
      this.log(`${what}: finished, validation accuracy ${(record.fitness * 100).toFixed(2)}%${record.diverged ? ' (diverged)' : ''} in ${record.seconds.toFixed(1)} s`);
      return { trial: record, worker: this.id, ...(states ? { states } : {}) };
    } catch (error) {
      // Stopped at once: the job is left active, for its lock to lapse (the process exits).
      if (this.forced.signal.aborted) return new Promise<never>(() => undefined);
      // A bad input (a refused setting, a weights file that does not fit) fails the same way every time.
      const failure = isUsageError(error) && !(error instanceof UnrecoverableError) ? new UnrecoverableError((error as Error).message) : error;
      this.failed(what, failure);
      throw failure;
    } finally {
      this.current.delete(data.key);
      this.freeSlots.push(slot);
      void this.beat();
      // The states it continued from are of no more use here: a retry fetches them again.
      await Promise.all((data.rung?.states ?? []).map((state) => this.blobs.drop('states', state.sha256)));
    }
  }

  private failed(what: string, error: unknown): void {
    this.trialsFailed++;
    const message = error instanceof Error ? error.message : String(error);
    this.log(`${what}: failed${error instanceof UnrecoverableError ? ' (not retried)' : ''}: ${message.split('\n')[0]}`);
    void this.beat();
  }

  private async train(
    job: Job<unknown, TrialJobResult>,
    data: TrialJob,
    inputs: TrialInputs,
    placement: TrialPlacement,
    signal?: AbortSignal,
  ): Promise<{ record: TrialRecord; states?: BlobRef[] }> {
    const { packed, settings, weightsSha256 } = inputs;
    const splits = splitsFor(packed, settings);
    const current: CurrentTrial = {
      key: data.key,
      model: settings.model,
      activation: settings.activation,
      optimizer: settings.optimizer,
      fold: 1,
      folds: splits.length,
      epoch: 0,
      epochs: settings.epochs,
      imagesPerSecond: null,
    };
    this.current.set(data.key, current);
    void this.beat();
    let epochStarted = Date.now();
    const onEvent = (event: TrialEvent): void => {
      if (event.kind !== 'fold') return;
      const now = Date.now();
      const imagesPerSecond = splits[event.fold - 1].train.length / Math.max((now - epochStarted) / 1000, 1e-3);
      epochStarted = now;
      Object.assign(current, { fold: event.fold, folds: event.folds, epoch: event.epoch, epochs: event.epochs, imagesPerSecond });
      const progress: TrialJobProgress = { fold: event.fold, folds: event.folds, epoch: event.epoch, epochs: event.epochs, imagesPerSecond };
      job.updateProgress(progress as unknown as object).catch(() => undefined);
    };
    const stop = signal ? AbortSignal.any([signal, this.forced.signal]) : this.forced.signal;
    const { record, states } = data.rung
      ? await this.trainRung(data, inputs, placement, { signal: stop, onEvent })
      : { record: await trainTrialRecord(data.key, packed, settings, weightsSha256, placement, { signal: stop, onEvent }), states: undefined };
    // The weights' path is this worker's cache; the record names them by hash (in its key's settings).
    const { weightsFile: _local, ...kept } = record.settings as Record<string, unknown>;
    return { record: { ...record, settings: kept }, states };
  }

  /**
   * Part of a trial's schedule (multi-fidelity): each fold continues from the state blob the
   * job names and, below the full schedule, the state reached goes back up as a blob.
   */
  private async trainRung(
    data: TrialJob,
    inputs: TrialInputs,
    placement: TrialPlacement,
    control: { signal: AbortSignal; onEvent: (event: TrialEvent) => void },
  ): Promise<{ record: TrialRecord; states?: BlobRef[] }> {
    const { packed, settings, weightsSha256 } = inputs;
    const rung = data.rung as NonNullable<TrialJob['rung']>;
    const folds = splitsFor(packed, settings).length;
    if (rung.fromEpoch > 0 && rung.states.length !== folds) {
      throw new UnrecoverableError(`trial job: rung.states holds ${rung.states.length} states for a trial of ${folds} folds; not trained`);
    }
    const startTags = foldStateTags(data.key, rung.fromEpoch, folds);
    const starts = await Promise.all(
      rung.states.map(async (state, fold) => {
        // A state is bound to its trial, rung and fold: another's would train this trial from a wrong start.
        const mismatch = await stateMismatch(this.redis, state.sha256, startTags[fold]);
        if (mismatch) throw new UnrecoverableError(`rung state of trial ${data.key.slice(0, 12)}: ${mismatch}; not trained`);
        return this.blob('states', state.sha256, `rung state of trial ${data.key.slice(0, 12)}`, startTags[fold]);
      }),
    );
    const reachedDir = path.join(this.options.cacheDir, 'queue', 'reached');
    const saveStates =
      rung.untilEpoch < settings.epochs
        ? Array.from({ length: folds }, (_, fold) => path.join(reachedDir, `${data.key}-e${rung.untilEpoch}-fold${fold + 1}.${process.pid}.ferstate`))
        : undefined;
    if (saveStates) await fs.promises.mkdir(reachedDir, { recursive: true });
    try {
      const results = await trainFoldsFrom(packed, settings, rung.untilEpoch, { epochs: rung.fromEpoch, states: starts }, placement, control, saveStates);
      const record = recordOfFolds(data.key, packed, settings, weightsSha256, placement, results);
      // A diverged trial is stored as full-length: nothing continues from it.
      const states =
        saveStates && !record.diverged
          ? await Promise.all(saveStates.map((file, fold) => putFileBlob(this.redis, file, { state: stateTag({ key: data.key, epochs: rung.untilEpoch, fold: fold + 1 }) })))
          : undefined;
      return { record, states };
    } finally {
      await Promise.all((saveStates ?? []).map((file) => fs.promises.rm(file, { force: true })));
    }
  }

  /** The job's data set and weights, fetched (once) and checked against the job. */
  private async inputs(data: TrialJob): Promise<TrialInputs> {
    const packed = await this.pack(data);
    let weightsSha256: string | null = null;
    let weightsFile: string | undefined;
    if (data.weights) {
      weightsFile = await this.blob('weights', data.weights.sha256, 'weights');
      weightsSha256 = (await weightsOf(weightsFile)).sha256;
    }
    const settings: TrialSettings = { ...data.settings, ...(weightsFile ? { weightsFile } : {}) };
    const key = keyOfTrial(packed, settings, weightsSha256, data.cpuThreads);
    if (key !== data.key) {
      throw new UnrecoverableError(`trial job: key ${data.key} is not the key of its data set, settings and weights (${key}); not trained`);
    }
    return { packed, settings, weightsSha256 };
  }

  private async blob(kind: BlobKind, sha256: string, what: string, tag?: string): Promise<string> {
    try {
      return await this.blobs.file(kind, sha256, tag);
    } catch (error) {
      if (error instanceof BlobError) throw new UnrecoverableError(`${what}: ${error.message}`);
      throw error;
    }
  }

  /** The job's packed data set, its bytes and content fingerprint checked; named as the coordinator names it. */
  private async pack(data: TrialJob): Promise<PackedDataset> {
    const { packSha256, fingerprint, name } = data.dataset;
    let read = this.packs.get(packSha256);
    if (!read) {
      read = (async () => {
        const file = await this.blob('packs', packSha256, `data set ${name}`);
        const cache = readCache(file);
        if (!cache.ok) throw new UnrecoverableError(`data set ${name}: pack ${packSha256} is not a usable fer-ga pack (${cache.reason})`);
        return cache.packed;
      })();
      read.catch(() => this.packs.delete(packSha256));
      this.packs.set(packSha256, read);
      while (this.packs.size > PACKS_KEPT) this.packs.delete(this.packs.keys().next().value as string);
    }
    const packed = await read;
    if (packed.header.fingerprint !== fingerprint) {
      throw new UnrecoverableError(`data set ${name}: pack ${packSha256} holds data set ${packed.header.fingerprint}, not ${fingerprint}; not trained`);
    }
    return { ...packed, header: { ...packed.header, dataset: name } };
  }
}

/** Whether `work` settled within `ms` (it goes on unobserved after that). */
function withinMs(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    work.then(
      () => resolve(true),
      () => resolve(true),
    ).finally(() => clearTimeout(timer));
  });
}
