/** A queue at a glance: its job counts (BullMQ's) and its workers (the registry). */
import { Queue } from 'bullmq';

import { connect, displayUrl, KEY_PREFIX, TRIAL_QUEUE } from './connection';
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
  counts: QueueCounts;
  workers: Array<WorkerEntry & { heartbeatAgeSeconds: number; lost: boolean }>;
}

/** Reads the queue's counts and workers; probe the URL first (this connection waits for Redis). */
export async function queueStatus(url: string): Promise<QueueStatus> {
  const redis = connect(url);
  const queue = new Queue(TRIAL_QUEUE, { connection: redis, prefix: KEY_PREFIX });
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'completed', 'failed', 'delayed');
    return {
      queue: displayUrl(url),
      counts: {
        // A retried job waits its backoff as delayed; a prioritized one waits all the same.
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
        delayed: counts.delayed ?? 0,
      },
      workers: await readWorkerEntries(redis),
    };
  } finally {
    await queue.close();
    await redis.quit();
  }
}
