/**
 * The Redis a study's queue lives on, named by one URL: `redis://[:PASSWORD@]HOST:PORT[/DB]`
 * or `rediss://…` for TLS. The URL goes to ioredis as it is (password, database and TLS
 * included); fer-ga adds only the options BullMQ needs and a prompt failure when Redis
 * cannot be reached.
 */
import IORedis, { type Redis, type RedisOptions } from 'ioredis';

import { UsageError } from '../util/errors';

/**
 * BullMQ's queues of trials, one per kind of device a trial's key is made for: a CPU
 * trial's key holds the threads it trains with, a CUDA trial's holds none and its numbers
 * are CUDA's. A worker takes jobs from its device's queue only, so a CPU-only worker never
 * sees a CUDA trial (nor a GPU worker a CPU one), and a job needs no refusing and handing back.
 */
export const TRIAL_QUEUE = 'fer-ga-trials';
export const CUDA_TRIAL_QUEUE = 'fer-ga-trials-cuda';

export type DeviceKind = 'cpu' | 'cuda';
export const DEVICE_KINDS: readonly DeviceKind[] = ['cpu', 'cuda'];

/** The kind of device a trial keyed with `cpuThreads` trains on (null: CUDA). */
export function deviceKindOf(cpuThreads: number | null): DeviceKind {
  return cpuThreads === null ? 'cuda' : 'cpu';
}

export function trialQueueOf(kind: DeviceKind): string {
  return kind === 'cuda' ? CUDA_TRIAL_QUEUE : TRIAL_QUEUE;
}
/** Prefix of every key fer-ga writes (BullMQ's and its own). */
export const KEY_PREFIX = 'fer-ga';

/** The URL with its password hidden, for messages and logs. */
export function displayUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_, scheme: string) => `${scheme}***@`);
}

export function checkQueueUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--queue ${displayUrl(url)} is not a URL (redis://HOST:PORT or rediss://HOST:PORT)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`--queue ${displayUrl(url)} must start with redis:// or rediss://`);
  }
  if (!parsed.hostname) throw new UsageError(`--queue ${displayUrl(url)} names no host`);
  return url;
}

/**
 * A connection for BullMQ: it retries for ever (a restarted Redis is reconnected to) and
 * never fails a command for want of a connection (`maxRetriesPerRequest: null`, as BullMQ
 * requires for workers).
 */
export function connect(url: string, options: RedisOptions = {}): Redis {
  return new IORedis(checkQueueUrl(url), {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
    ...options,
  });
}

/**
 * Reaches Redis once, within `timeoutMs`, or fails with one line naming the URL: run
 * before any data set is prepared, so an unreachable queue costs nothing.
 */
export async function probeQueue(url: string, timeoutMs = 5000): Promise<void> {
  const client = new IORedis(checkQueueUrl(url), {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed." and reports the cause (ECONNREFUSED, …) as an event.
  let cause: string | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => (cause ??= error.code ?? error.message));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = cause ?? (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`--queue ${displayUrl(url)}: cannot reach Redis (${reason})`);
  } finally {
    client.disconnect();
  }
}
