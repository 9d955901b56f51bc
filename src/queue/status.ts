/** A queue at a glance: its job counts (BullMQ's) and its workers (the registry). */
import { Queue } from 'bullmq';

import { connect, DEVICE_KINDS, displayUrl, KEY_PREFIX, trialQueueOf, type DeviceKind } from './connection';
import { readWorkerEntries, type WorkerEntry } from './worker-registry';

export interface QueueCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
}

export interface QueueStatus {
  /** The URL, password hidden. */
  queue: string;
  /** Every trial, CPU and CUDA ones together. */
  counts: QueueCounts;
  /** The trials of each device kind's queue: CPU workers take the one, CUDA workers the other. */
  byDevice: Record<DeviceKind, QueueCounts>;
  workers: Array<WorkerEntry & { heartbeatAgeSeconds: number; lost: boolean }>;
}

/** Reads the queue's counts and workers; probe the URL first (this connection waits for Redis). */
export async function queueStatus(url: string): Promise<QueueStatus> {
  const redis = connect(url);
  const queues = DEVICE_KINDS.map((kind) => new Queue(trialQueueOf(kind), { connection: redis, prefix: KEY_PREFIX }));
  try {
    const perQueue = await Promise.all(queues.map((queue) => countsOf(queue)));
    const byDevice = Object.fromEntries(DEVICE_KINDS.map((kind, i) => [kind, perQueue[i]])) as Record<DeviceKind, QueueCounts>;
    const fields = Object.keys(perQueue[0]) as Array<keyof QueueCounts>;
    const counts = Object.fromEntries(fields.map((field) => [field, perQueue.reduce((sum, c) => sum + c[field], 0)])) as unknown as QueueCounts;
    return { queue: displayUrl(url), counts, byDevice, workers: await readWorkerEntries(redis) };
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    await redis.quit();
  }
}

async function countsOf(queue: Queue): Promise<QueueCounts> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed');
  return {
    // A retried job waits its backoff as delayed; a prioritized one waits all the same.
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    delayed: counts.delayed ?? 0,
  };
}
