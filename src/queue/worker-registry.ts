/**
 * Who is working: every worker writes its entry into one Redis hash (`fer-ga:workers`,
 * field = worker id) every few seconds and removes it when it stops cleanly. An entry
 * whose heartbeat is old is a worker that died (killed, power lost, cut off from Redis):
 * its trial, if any, goes back to the queue through BullMQ's stalled-job check, not
 * through this registry, which is for `queue status` only. Times are Redis's clock, so
 * hosts with skewed clocks still agree on an entry's age.
 */
import type { Redis } from 'ioredis';

import { KEY_PREFIX } from './connection';

export const WORKERS_KEY = `${KEY_PREFIX}:workers`;
/** Seconds between heartbeats. */
export const HEARTBEAT_SECONDS = 5;
/** An entry older than this is shown as lost. */
export const LOST_AFTER_SECONDS = 60;

/** A trial a worker is training, as far as it has got. */
export interface CurrentTrial {
  key: string;
  model: string;
  activation: string;
  optimizer: string;
  fold: number;
  folds: number;
  epoch: number;
  epochs: number;
  /** Training images per second over its last epoch (null before the first). */
  imagesPerSecond: number | null;
}

export interface WorkerEntry {
  /** `host/pid`. */
  id: string;
  host: string;
  pid: number;
  device: string;
  slots: number;
  threads: number;
  current: CurrentTrial[];
  /** Redis time of the last heartbeat, ISO 8601. */
  heartbeatAt: string;
  startedAt: string;
  /** Sum over its current trials (null when none has finished an epoch). */
  imagesPerSecond: number | null;
  trialsDone: number;
  trialsFailed: number;
}

/** Redis's clock, in milliseconds. */
export async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

export async function writeWorkerEntry(redis: Redis, entry: Omit<WorkerEntry, 'heartbeatAt'>): Promise<void> {
  const heartbeatAt = new Date(await redisNow(redis)).toISOString();
  await redis.hset(WORKERS_KEY, entry.id, JSON.stringify({ ...entry, heartbeatAt }));
}

export async function removeWorkerEntry(redis: Redis, id: string): Promise<void> {
  await redis.hdel(WORKERS_KEY, id);
}

function isEntry(value: unknown): value is WorkerEntry {
  const e = value as Partial<WorkerEntry> | null;
  return typeof e === 'object' && e !== null && typeof e.id === 'string' && typeof e.heartbeatAt === 'string' && Array.isArray(e.current);
}

/** Every entry (unreadable ones skipped), each with its heartbeat's age in seconds by Redis's clock. */
export async function readWorkerEntries(redis: Redis): Promise<Array<WorkerEntry & { heartbeatAgeSeconds: number; lost: boolean }>> {
  const [now, fields] = await Promise.all([redisNow(redis), redis.hgetall(WORKERS_KEY)]);
  return Object.values(fields)
    .map((text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    })
    .filter(isEntry)
    .map((entry) => {
      const heartbeatAgeSeconds = Math.max(0, (now - Date.parse(entry.heartbeatAt)) / 1000);
      return { ...entry, heartbeatAgeSeconds, lost: heartbeatAgeSeconds > LOST_AFTER_SECONDS };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
