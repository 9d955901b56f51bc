/**
 * Removing the rung states no run can use, in each place they live: the coordinator's
 * `CACHE/states/` (`<key>-e<epochs>[-fold<n>].ferstate`), a worker's copies under
 * `CACHE/queue/` (`states/<key>-e<epochs>-fold<n>.<sha256>.ferstate`, and `reached/`,
 * where a worker writes the state a rung reached before uploading it) and, given a queue,
 * Redis's state blobs (tagged `<key>-e<epochs>-fold<n>`). A state that names no trial
 * (an untagged blob, a file named otherwise) is of no use to any run either: this
 * version's workers and coordinators take only states bound to their trial.
 */
import fs from 'fs';
import path from 'path';

import { parseStateFileName } from '../fidelity/rung-trials';
import type { StateUses } from '../store/state-uses';
import { allBlobMetas, deleteBlob } from './blobs';
import { connect } from './connection';
import { parseStateTag } from './state-blobs';

export interface Freed {
  /** Files or blobs removed. */
  count: number;
  bytes: number;
}

export interface PruneReport {
  /** `CACHE/states/`: the coordinator's states. */
  states: Freed;
  /** `CACHE/queue/`: a worker's copies. */
  workerCache: Freed;
  /** Redis's state blobs; null without a queue. */
  redis: Freed | null;
  /** States some run can still use, left in place. */
  kept: number;
}

export function freedBytes(report: PruneReport): number {
  return report.states.bytes + report.workerCache.bytes + (report.redis?.bytes ?? 0);
}

const WORKER_STATE = /^([0-9a-f]{64})-e(\d+)-fold\d+\.(?:[0-9a-f]{64}|\d+)\.ferstate$/;

/** A worker's copy: its name's key and epochs. */
function workerState(name: string): { key: string; epochs: number } | undefined {
  const match = WORKER_STATE.exec(name);
  return match ? { key: match[1], epochs: Number(match[2]) } : undefined;
}

/** Removes the state files in `dir` that no run can use; `owner` reads a name's key and epochs, a `.ferstate` it cannot read is removed. */
function pruneFolder(dir: string, owner: (name: string) => { key: string; epochs: number } | undefined, uses: StateUses, report: PruneReport, freed: Freed): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    // A fetch or a save in progress writes beside its file, and renames it when whole.
    if (!name.endsWith('.ferstate')) continue;
    const state = owner(name);
    if (state && uses.usable(state.key, state.epochs)) {
      report.kept++;
      continue;
    }
    const file = path.join(dir, name);
    let bytes: number;
    try {
      bytes = fs.statSync(file).size;
      fs.rmSync(file);
    } catch {
      continue; // Removed meanwhile (a worker done with it).
    }
    freed.count++;
    freed.bytes += bytes;
  }
}

/** Removes every rung state under `cacheDir` and, with `queueUrl`, in Redis that no run can use (`uses`). */
export async function pruneStates(options: { cacheDir: string; uses: StateUses; queueUrl?: string }): Promise<PruneReport> {
  const { cacheDir, uses } = options;
  const report: PruneReport = { states: { count: 0, bytes: 0 }, workerCache: { count: 0, bytes: 0 }, redis: null, kept: 0 };
  pruneFolder(path.join(cacheDir, 'states'), parseStateFileName, uses, report, report.states);
  for (const folder of ['states', 'reached']) pruneFolder(path.join(cacheDir, 'queue', folder), workerState, uses, report, report.workerCache);
  if (options.queueUrl === undefined) return report;
  const redis = connect(options.queueUrl);
  try {
    const freed: Freed = { count: 0, bytes: 0 };
    for (const meta of await allBlobMetas(redis)) {
      if (meta.state === undefined && meta.ext !== '.ferstate') continue;
      const owner = parseStateTag(meta.state);
      if (owner && uses.usable(owner.key, owner.epochs)) {
        report.kept++;
        continue;
      }
      const bytes = await deleteBlob(redis, meta.sha256);
      if (bytes > 0) {
        freed.count++;
        freed.bytes += bytes;
      }
    }
    report.redis = freed;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  return report;
}
