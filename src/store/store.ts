/**
 * Results in one SQLite file (better-sqlite3, WAL): trials (the cache every run shares),
 * runs with their saved GA state, generations and individuals. Every write is one
 * transaction, so a crash loses at most the trial in flight. Several processes may share
 * the file: writers wait for each other (busy timeout), and claims (claims.ts) keep them
 * from training one trial twice or stepping one run at once.
 */
import fs from 'fs';
import path from 'path';

import Database from 'better-sqlite3';

import { UsageError } from '../util/errors';
import { CLAIM_STALE_MS, ClaimLostError, describeHolder, isStale, type ClaimHolder, type ClaimKind, type ClaimOwner } from './claims';
import { MIGRATIONS } from './migrations';

export interface TrialRecord {
  key: string;
  dataset: string;
  fingerprint: string;
  model: string;
  genes: Record<string, string>;
  settings: Record<string, unknown>;
  fitness: number;
  diverged: boolean;
  result: unknown;
  seconds: number;
  device: string;
  libtorch: string;
}

export interface RunRecord<State = unknown> {
  id: number;
  kind: 'evolve' | 'grid';
  dataset: string;
  model: string | null;
  settings: Record<string, unknown>;
  state: State | null;
  status: 'running' | 'done';
}

export type TrialClaim = { status: 'stored'; trial: TrialRecord } | { status: 'claimed' } | { status: 'held'; holder: ClaimHolder };

/** A trial trained part of its schedule: `epochs` of `settings.epochs`. Its key is the full-length trial's. */
export interface RungRecord extends TrialRecord {
  epochs: number;
}

/** Stored: the rung asked for, or the full-length trial (which answers every rung of its key). */
export type RungClaim = { status: 'stored'; rung: RungRecord } | { status: 'full'; trial: TrialRecord } | { status: 'claimed' } | { status: 'held'; holder: ClaimHolder };

/** The claim subject of training trial `key` to `epochs` (a rung): a full-length training claims the key itself. */
export function rungClaimSubject(key: string, epochs: number): string {
  return `${key}@e${epochs}`;
}

export interface IndividualRecord {
  position: number;
  chromosome: string;
  genes: Record<string, string> | null;
  trialKey: string | null;
  fitness: number;
  /** Epochs its candidate had reached (multi-fidelity); absent: the full schedule. */
  epochs?: number;
}

const now = () => new Date().toISOString();

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 30_000;
const WAL_RETRY_MS = 10;

function isBusy(error: unknown): boolean {
  return String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// SQLite only finds out a file is not a database at its first statement, and says so without the file's name.
function describeOpenError(file: string, error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new UsageError(`results file ${file} is not a fer-ga results database (SQLite: ${(error as Error).message})`);
  }
  return error instanceof Error && !error.message.includes(file) ? new Error(`results file ${file}: ${error.message}`) : (error as Error);
}

export class Store {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    try {
      this.useWriteAheadLog();
      this.db.pragma('foreign_keys = ON');
      this.migrate();
    } catch (error) {
      this.db.close();
      throw describeOpenError(file, error);
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * WAL lets readers run beside the one writer. Switching a fresh file to it takes a lock
   * that SQLite does not wait for, so a process opening the file while another switches it
   * gets SQLITE_BUSY at once: it retries until the busy timeout.
   */
  private useWriteAheadLog(): void {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    for (;;) {
      try {
        this.db.pragma('journal_mode = WAL');
        return;
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
        sleepSync(WAL_RETRY_MS);
      }
    }
  }

  /**
   * Runs the pending migrations in one write transaction, reading the version inside it:
   * several processes opening a fresh file at once then migrate it once, the others wait
   * and find it done.
   */
  private migrate(): void {
    const pending = (): number => {
      const current = this.schemaVersion;
      if (current > MIGRATIONS.length) {
        throw new UsageError(`results file ${this.file} has schema version ${current}, newer than this fer-ga (${MIGRATIONS.length})`);
      }
      return current;
    };
    if (pending() === MIGRATIONS.length) return;
    this.db
      .transaction(() => {
        for (let version = pending(); version < MIGRATIONS.length; version++) this.db.exec(MIGRATIONS[version]);
        this.db.pragma(`user_version = ${MIGRATIONS.length}`);
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }

  findTrial(key: string): TrialRecord | undefined {
    const row = this.db.prepare('SELECT * FROM trials WHERE key = ?').get(key) as Record<string, unknown> | undefined;
    return row ? trialFromRow(row) : undefined;
  }

  /** Every stored trial, oldest first. */
  allTrials(): TrialRecord[] {
    return (this.db.prepare('SELECT * FROM trials ORDER BY created_at, key').all() as Array<Record<string, unknown>>).map(trialFromRow);
  }

  /** The trials a run used: those linked to it, and those its individuals point at. */
  trialsOf(run: number): TrialRecord[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM trials WHERE key IN (
           SELECT trial_key FROM run_trials WHERE run_id = ?
           UNION SELECT trial_key FROM individuals WHERE run_id = ? AND trial_key IS NOT NULL)
         ORDER BY created_at, key`,
      )
      .all(run, run) as Array<Record<string, unknown>>;
    return rows.map(trialFromRow);
  }

  /**
   * Links trials to a run, each with what the run did for it where known: trained it, or
   * found it in the cache. A trial the run trained stays marked trained if linked again.
   */
  linkTrials(run: number, entries: ReadonlyArray<string | { key: string; trained: boolean }>): void {
    const upsert = this.db.prepare(
      `INSERT INTO run_trials (run_id, trial_key, trained) VALUES (?, ?, ?)
       ON CONFLICT (run_id, trial_key) DO UPDATE SET trained = COALESCE(MAX(run_trials.trained, excluded.trained), run_trials.trained, excluded.trained)`,
    );
    const link = (e: (typeof entries)[number]) => (typeof e === 'string' ? upsert.run(run, e, null) : upsert.run(run, e.key, e.trained ? 1 : 0));
    this.db.transaction(() => entries.forEach(link))();
  }

  runs(): Array<RunRecord & { createdAt: string; updatedAt: string }> {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY id').all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({ ...runFromRow(row), createdAt: String(row.created_at), updatedAt: String(row.updated_at) }));
  }

  /**
   * Stores a trial and returns what the file holds under its key. With `owner` (the
   * holder of the trial's claim), only while it still holds the claim, which ends with
   * the store: once the claim was taken over, a trial already stored by the new holder is
   * returned and left as it is, and otherwise a ClaimLostError is thrown and nothing is
   * written. Without `owner`, nobody's claim is touched.
   */
  saveTrial(trial: TrialRecord, owner?: ClaimOwner): TrialRecord {
    return this.db
      .transaction((): TrialRecord => {
        if (owner && !this.stillHeld('trial', trial.key, owner)) {
          const stored = this.findTrial(trial.key);
          if (stored) return stored;
          throw new ClaimLostError('trial', trial.key, this.claimHolder('trial', trial.key));
        }
        this.insertTrial(trial);
        if (owner) this.releaseClaim('trial', trial.key, owner);
        return trial;
      })
      .immediate();
  }

  private stillHeld(kind: ClaimKind, subject: string, owner: ClaimOwner): boolean {
    return this.claimHolder(kind, subject)?.id === owner.id;
  }

  private insertTrial(trial: TrialRecord): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO trials (key, dataset, fingerprint, model, genes, settings, fitness, diverged, result, seconds, device, libtorch, created_at)
         VALUES (@key, @dataset, @fingerprint, @model, @genes, @settings, @fitness, @diverged, @result, @seconds, @device, @libtorch, @createdAt)`,
      )
      .run({
        ...trial,
        genes: JSON.stringify(trial.genes),
        settings: JSON.stringify(trial.settings),
        diverged: trial.diverged ? 1 : 0,
        result: JSON.stringify(trial.result),
        createdAt: now(),
      });
  }

  /**
   * Claims a trial for `owner` to train, in one write transaction: 'stored' when it is
   * already stored, 'held' while another owner's live claim holds it, else 'claimed'
   * (taking over a stale claim).
   */
  claimTrial(key: string, owner: ClaimOwner, staleMs = CLAIM_STALE_MS): TrialClaim {
    return this.db
      .transaction((): TrialClaim => {
        const trial = this.findTrial(key);
        return trial ? { status: 'stored', trial } : this.takeClaim('trial', key, owner, staleMs);
      })
      .immediate();
  }

  /** Makes `owner` the one process running run `id`; a UsageError naming the holder while another live owner has it. */
  acquireRun(id: number, owner: ClaimOwner, staleMs = CLAIM_STALE_MS): void {
    const claim = this.db.transaction(() => this.takeClaim('run', String(id), owner, staleMs)).immediate();
    if (claim.status === 'held') {
      throw new UsageError(`run ${id} is being run by another process (${describeHolder(claim.holder)}); wait for it or stop it`);
    }
  }

  private takeClaim(kind: ClaimKind, subject: string, owner: ClaimOwner, staleMs: number): { status: 'claimed' } | { status: 'held'; holder: ClaimHolder } {
    const holder = this.claimHolder(kind, subject);
    const mine = holder?.id === owner.id;
    if (holder && !mine && !isStale(holder, staleMs)) return { status: 'held', holder };
    const at = Date.now();
    this.db
      .prepare('INSERT OR REPLACE INTO claims (kind, subject, owner, host, pid, claimed_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(kind, subject, owner.id, owner.host, owner.pid, mine ? holder.claimedAt : at, at);
    return { status: 'claimed' };
  }

  /** Who holds the claim on a trial key or a run id, live or stale; undefined when no one does. */
  claimHolder(kind: ClaimKind, subject: string): ClaimHolder | undefined {
    const row = this.db.prepare('SELECT * FROM claims WHERE kind = ? AND subject = ?').get(kind, subject) as Record<string, unknown> | undefined;
    return row
      ? { id: String(row.owner), host: String(row.host), pid: Number(row.pid), claimedAt: Number(row.claimed_at), heartbeatAt: Number(row.heartbeat_at) }
      : undefined;
  }

  /** Renews `owner`'s claim; false when it no longer holds it (released, or taken over as stale). */
  heartbeatClaim(kind: ClaimKind, subject: string, owner: ClaimOwner): boolean {
    return this.db.prepare('UPDATE claims SET heartbeat_at = ? WHERE kind = ? AND subject = ? AND owner = ?').run(Date.now(), kind, subject, owner.id).changes > 0;
  }

  /** Ends `owner`'s claim; someone else's is left alone. */
  releaseClaim(kind: ClaimKind, subject: string, owner: ClaimOwner): void {
    this.db.prepare('DELETE FROM claims WHERE kind = ? AND subject = ? AND owner = ?').run(kind, subject, owner.id);
  }

  countTrials(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n;
  }

  createRun(kind: 'evolve' | 'grid', dataset: string, model: string | null, settings: Record<string, unknown>): number {
    const at = now();
    const info = this.db
      .prepare("INSERT INTO runs (kind, dataset, model, settings, state, status, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, 'running', ?, ?)")
      .run(kind, dataset, model, JSON.stringify(settings), at, at);
    return Number(info.lastInsertRowid);
  }

  /**
   * The newest run of `kind` on `dataset` whose settings are exactly `settings` and that no
   * live process holds (finished, or stopped); undefined when there is none.
   */
  findIdleRun(kind: 'evolve' | 'grid', dataset: string, settings: Record<string, unknown>): RunRecord | undefined {
    const rows = this.db
      .prepare('SELECT * FROM runs WHERE kind = ? AND dataset = ? AND settings = ? ORDER BY id DESC')
      .all(kind, dataset, JSON.stringify(settings)) as Array<Record<string, unknown>>;
    const idle = rows.find((row) => {
      const holder = this.claimHolder('run', String(row.id));
      return !holder || isStale(holder, CLAIM_STALE_MS);
    });
    return idle ? runFromRow(idle) : undefined;
  }

  getRun<State>(id: number): RunRecord<State> | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row ? runFromRow<State>(row) : undefined;
  }

  /** Marks a run without GA state (a grid) as finished. */
  finishRun(id: number): void {
    this.db.prepare("UPDATE runs SET status = 'done', updated_at = ? WHERE id = ?").run(now(), id);
  }

  /** Saves a run's state, with the rows of a finished generation when there is one, in one transaction. */
  saveRunState(
    id: number,
    state: unknown,
    status: 'running' | 'done',
    generation?: { generation: number; best: number; mean: number; individuals: IndividualRecord[] },
  ): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE runs SET state = ?, status = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(state), status, now(), id);
      if (generation) {
        this.db
          .prepare('INSERT OR REPLACE INTO generations (run_id, generation, best, mean) VALUES (?, ?, ?, ?)')
          .run(id, generation.generation, generation.best, generation.mean);
        const insert = this.db.prepare(
          'INSERT OR REPLACE INTO individuals (run_id, generation, position, chromosome, genes, trial_key, fitness, epochs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        for (const i of generation.individuals) {
          insert.run(id, generation.generation, i.position, i.chromosome, i.genes ? JSON.stringify(i.genes) : null, i.trialKey, i.fitness, i.epochs ?? null);
        }
      }
    })();
  }

  generations(id: number): Array<{ generation: number; best: number; mean: number }> {
    return this.db.prepare('SELECT generation, best, mean FROM generations WHERE run_id = ? ORDER BY generation').all(id) as Array<{
      generation: number;
      best: number;
      mean: number;
    }>;
  }

  /** How many trials a run used, and of those it recorded an outcome for, how many it trained and found cached. */
  runTrialCounts(run: number): { trials: number; trained: number; cached: number } {
    return this.db
      .prepare(
        `SELECT
           (SELECT COUNT(*) FROM (SELECT trial_key FROM run_trials WHERE run_id = @run
              UNION SELECT trial_key FROM individuals WHERE run_id = @run AND trial_key IS NOT NULL)) AS trials,
           (SELECT COUNT(*) FROM run_trials WHERE run_id = @run AND trained = 1) AS trained,
           (SELECT COUNT(*) FROM run_trials WHERE run_id = @run AND trained = 0) AS cached`,
      )
      .get({ run }) as { trials: number; trained: number; cached: number };
  }

  /**
   * A run's best so far: its fittest individual (the genes the GA searched; a fitness
   * table's too, which names no trial), or else its best linked trial (a grid's).
   */
  bestOfRun(run: number): { key: string | null; genes: Record<string, string>; fitness: number } | undefined {
    // A fully trained individual (epochs NULL) outranks a partly trained one (multi-fidelity), then by fitness.
    const individual = this.db
      .prepare(
        'SELECT genes, trial_key, fitness FROM individuals WHERE run_id = ? AND genes IS NOT NULL ORDER BY epochs IS NOT NULL, epochs DESC, fitness DESC, generation, position LIMIT 1',
      )
      .get(run) as { genes: string; trial_key: string | null; fitness: number } | undefined;
    if (individual) return { key: individual.trial_key, genes: JSON.parse(individual.genes) as Record<string, string>, fitness: individual.fitness };
    const linked = this.db
      .prepare('SELECT key, genes, fitness FROM trials WHERE key IN (SELECT trial_key FROM run_trials WHERE run_id = ?) ORDER BY fitness DESC, created_at LIMIT 1')
      .get(run) as { key: string; genes: string; fitness: number } | undefined;
    return linked && { key: linked.key, genes: JSON.parse(linked.genes) as Record<string, string>, fitness: linked.fitness };
  }

  findRung(key: string, epochs: number): RungRecord | undefined {
    const row = this.db.prepare('SELECT * FROM trial_rungs WHERE key = ? AND epochs = ?').get(key, epochs) as Record<string, unknown> | undefined;
    return row ? { ...trialFromRow(row), epochs: Number(row.epochs) } : undefined;
  }

  /** Every stored rung of trial `key`, fewest epochs first. */
  rungsOfTrial(key: string): RungRecord[] {
    const rows = this.db.prepare('SELECT * FROM trial_rungs WHERE key = ? ORDER BY epochs').all(key) as Array<Record<string, unknown>>;
    return rows.map((row) => ({ ...trialFromRow(row), epochs: Number(row.epochs) }));
  }

  /** Stores a rung's result and returns what the file holds for it; `owner` as saveTrial's, on the rung's claim. */
  saveRung(rung: RungRecord, owner?: ClaimOwner): RungRecord {
    const subject = rungClaimSubject(rung.key, rung.epochs);
    return this.db
      .transaction((): RungRecord => {
        if (owner && !this.stillHeld('trial', subject, owner)) {
          const stored = this.findRung(rung.key, rung.epochs);
          if (stored) return stored;
          throw new ClaimLostError('trial', subject, this.claimHolder('trial', subject));
        }
        this.db
        .prepare(
          `INSERT OR REPLACE INTO trial_rungs (key, epochs, dataset, fingerprint, model, genes, settings, fitness, diverged, result, seconds, device, libtorch, created_at)
           VALUES (@key, @epochs, @dataset, @fingerprint, @model, @genes, @settings, @fitness, @diverged, @result, @seconds, @device, @libtorch, @createdAt)`,
        )
        .run({
          ...rung,
          genes: JSON.stringify(rung.genes),
          settings: JSON.stringify(rung.settings),
          diverged: rung.diverged ? 1 : 0,
          result: JSON.stringify(rung.result),
          createdAt: now(),
        });
        if (owner) this.releaseClaim('trial', subject, owner);
        return rung;
      })
      .immediate();
  }

  /**
   * Claims training trial `key` to `epochs` (a rung below its full schedule), in one write
   * transaction: 'stored' or 'full' when a result answers it already, 'held' while another
   * owner's live claim holds it, else 'claimed'.
   */
  claimRung(key: string, epochs: number, owner: ClaimOwner, staleMs = CLAIM_STALE_MS): RungClaim {
    return this.db
      .transaction((): RungClaim => {
        const trial = this.findTrial(key);
        if (trial) return { status: 'full', trial };
        const rung = this.findRung(key, epochs);
        return rung ? { status: 'stored', rung } : this.takeClaim('trial', rungClaimSubject(key, epochs), owner, staleMs);
      })
      .immediate();
  }

  /** Links rungs to a run, with whether it trained them; a rung the run trained stays marked trained. */
  linkRungs(run: number, entries: ReadonlyArray<{ key: string; epochs: number; trained: boolean }>): void {
    const upsert = this.db.prepare(
      `INSERT INTO run_rungs (run_id, trial_key, epochs, trained) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, trial_key, epochs) DO UPDATE SET trained = MAX(COALESCE(run_rungs.trained, 0), excluded.trained)`,
    );
    this.db.transaction(() => entries.forEach((e) => upsert.run(run, e.key, e.epochs, e.trained ? 1 : 0)))();
  }

  /**
   * For each trial key a run used below its full schedule and did not itself take to the end:
   * the furthest rung this run took it to. A candidate another run trained to the end later
   * (the demo's grid) still stopped where this run stopped it.
   */
  stoppedRungsOf(run: number): RungRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM trial_rungs r
         JOIN (SELECT trial_key, MAX(epochs) AS epochs FROM run_rungs WHERE run_id = ? GROUP BY trial_key) l
           ON r.key = l.trial_key AND r.epochs = l.epochs
         WHERE r.key NOT IN (SELECT trial_key FROM run_trials WHERE run_id = ?)
         ORDER BY r.created_at, r.key`,
      )
      .all(run, run) as Array<Record<string, unknown>>;
    return rows.map((row) => ({ ...trialFromRow(row), epochs: Number(row.epochs) }));
  }

  /** Every stored rung of trials that have no full-length result (stopped candidates), furthest rung per key. */
  allStoppedRungs(): RungRecord[] {
    const rows = this.db
      .prepare(
        `SELECT r.* FROM trial_rungs r
         WHERE r.epochs = (SELECT MAX(epochs) FROM trial_rungs WHERE key = r.key) AND r.key NOT IN (SELECT key FROM trials)
         ORDER BY r.created_at, r.key`,
      )
      .all() as Array<Record<string, unknown>>;
    return rows.map((row) => ({ ...trialFromRow(row), epochs: Number(row.epochs) }));
  }

  /** Records that trial `key` failed after `attempts` attempts (the latest failure replaces an earlier one). */
  saveFailedTrial(key: string, error: string, attempts: number): void {
    this.db.prepare('INSERT OR REPLACE INTO failed_trials (key, error, attempts, failed_at) VALUES (?, ?, ?, ?)').run(key, error, attempts, now());
  }

  /** Trials that failed and have not been trained since, oldest failure first. */
  failedTrials(): FailedTrialRecord[] {
    const rows = this.db
      .prepare('SELECT key, error, attempts, failed_at FROM failed_trials WHERE key NOT IN (SELECT key FROM trials) ORDER BY failed_at, key')
      .all() as Array<{ key: string; error: string; attempts: number; failed_at: string }>;
    return rows.map((row) => ({ key: row.key, error: row.error, attempts: row.attempts, failedAt: row.failed_at }));
  }
}

export interface FailedTrialRecord {
  key: string;
  error: string;
  attempts: number;
  failedAt: string;
}

function trialFromRow(row: Record<string, unknown>): TrialRecord {
  return {
    key: String(row.key),
    dataset: String(row.dataset),
    fingerprint: String(row.fingerprint),
    model: String(row.model),
    genes: JSON.parse(String(row.genes)) as Record<string, string>,
    settings: JSON.parse(String(row.settings)) as Record<string, unknown>,
    fitness: Number(row.fitness),
    diverged: Boolean(row.diverged),
    result: JSON.parse(String(row.result)) as unknown,
    seconds: Number(row.seconds),
    device: String(row.device),
    libtorch: String(row.libtorch),
  };
}

function runFromRow<State>(row: Record<string, unknown>): RunRecord<State> {
  return {
    id: Number(row.id),
    kind: row.kind as 'evolve' | 'grid',
    dataset: String(row.dataset),
    model: row.model === null ? null : String(row.model),
    settings: JSON.parse(String(row.settings)) as Record<string, unknown>,
    state: row.state === null ? null : (JSON.parse(String(row.state)) as State),
    status: row.status as 'running' | 'done',
  };
}
