/**
 * Files by content, through Redis: how a packed data set or a weights file reaches a
 * worker that shares no disk with the coordinator. A blob is named by the SHA-256 of its
 * bytes, stored in chunks of 1 MiB (`fer-ga:blob:<sha256>:<i>`), and announced by its meta
 * hash (`fer-ga:blob:<sha256>`), written last: a reader that finds the meta finds every
 * chunk, and never sees half a blob. A reader still hashes what it fetched before using it.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import type { Redis } from 'ioredis';

import { sha256OfFile } from '../util/file-sha256';
import { PromiseMemo } from '../util/promise-memo';
import { KEY_PREFIX } from './connection';

export const BLOB_CHUNK_BYTES = 1 << 20;

export interface BlobMeta {
  sha256: string;
  bytes: number;
  chunks: number;
  /**
   * The extension of the file it was uploaded from ('' when none): a weights file's
   * format is told by its name (`.safetensors`, else torch.save).
   */
  ext: string;
  /**
   * A rung state's owner: `<trial key>-e<epochs>-fold<n>` (see state-blobs.ts). Whoever
   * uses the state checks it names the trial, epochs and fold it is asked for.
   */
  state?: string;
}

/** A blob missing from Redis, or whose bytes do not hash to its name. */
export class BlobError extends Error {
  override readonly name = 'BlobError';
}

const SHA256 = /^[0-9a-f]{64}$/;
// An extension taken from Redis becomes part of a file name: letters and digits only.
const EXTENSION = /^\.[A-Za-z0-9]{1,16}$/;

export function blobKey(sha256: string): string {
  if (!SHA256.test(sha256)) throw new BlobError(`blob name ${sha256} is not a SHA-256 in hex`);
  return `${KEY_PREFIX}:blob:${sha256}`;
}

function chunkKey(sha256: string, index: number): string {
  return `${blobKey(sha256)}:${index}`;
}

function safeExtension(ext: string | undefined): string {
  return ext !== undefined && EXTENSION.test(ext) ? ext : '';
}

export async function hasBlob(redis: Redis, sha256: string): Promise<boolean> {
  return (await redis.exists(blobKey(sha256))) === 1;
}

/** The blob's meta, or null when Redis does not hold it (complete). */
export async function blobMeta(redis: Redis, sha256: string): Promise<BlobMeta | null> {
  const fields = await redis.hgetall(blobKey(sha256));
  if (fields.bytes === undefined) return null;
  return { sha256, bytes: Number(fields.bytes), chunks: Number(fields.chunks), ext: safeExtension(fields.ext), ...(fields.state !== undefined ? { state: fields.state } : {}) };
}

/** Removes a blob: its meta first (readers then find none), then its chunks. Returns its bytes, 0 when Redis did not hold it. */
export async function deleteBlob(redis: Redis, sha256: string): Promise<number> {
  const meta = await blobMeta(redis, sha256);
  await redis.del(blobKey(sha256));
  if (!meta) return 0;
  const chunks = Array.from({ length: meta.chunks }, (_, index) => chunkKey(sha256, index));
  for (let first = 0; first < chunks.length; first += 1000) await redis.del(...chunks.slice(first, first + 1000));
  return meta.bytes;
}

/** Every blob's meta Redis holds (SCAN: a blob added meanwhile may or may not be listed). */
export async function allBlobMetas(redis: Redis): Promise<BlobMeta[]> {
  const metas: BlobMeta[] = [];
  // A meta's key is the prefix and 64 characters; a chunk's has `:<index>` after them.
  const match = `${KEY_PREFIX}:blob:${'?'.repeat(64)}`;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const sha256 = key.slice(-64);
      if (!SHA256.test(sha256)) continue;
      const meta = await blobMeta(redis, sha256);
      if (meta) metas.push(meta);
    }
  } while (cursor !== '0');
  return metas;
}

/** Chunks written in batches of this many per round trip. */
const CHUNKS_PER_BATCH = 8;

/**
 * Writes a blob's chunks from `read(index)` and, when the bytes written hash to `sha256`,
 * its meta last. Identical concurrent uploads write identical keys, so they do not race.
 */
async function writeBlob(redis: Redis, sha256: string, bytes: number, tags: { ext: string; state?: string }, read: (index: number) => Promise<Buffer>): Promise<void> {
  const chunks = Math.max(1, Math.ceil(bytes / BLOB_CHUNK_BYTES));
  const hash = crypto.createHash('sha256');
  for (let first = 0; first < chunks; first += CHUNKS_PER_BATCH) {
    const batch = redis.pipeline();
    for (let index = first; index < Math.min(chunks, first + CHUNKS_PER_BATCH); index++) {
      const chunk = await read(index);
      hash.update(chunk);
      batch.set(chunkKey(sha256, index), chunk);
    }
    await batch.exec();
  }
  const written = hash.digest('hex');
  if (written !== sha256) throw new BlobError(`blob ${sha256}: the bytes read to upload hash to ${written} (the file changed while uploading?)`);
  await redis.hset(blobKey(sha256), { bytes, chunks, ext: safeExtension(tags.ext), ...(tags.state !== undefined ? { state: tags.state } : {}) });
}

/** Stores `bytes` unless Redis holds them already; returns their SHA-256. */
export async function putBlob(redis: Redis, bytes: Uint8Array, options: { ext?: string } = {}): Promise<string> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
  if (!(await hasBlob(redis, sha256))) {
    await writeBlob(redis, sha256, buffer.length, { ext: options.ext ?? '' }, async (index) => buffer.subarray(index * BLOB_CHUNK_BYTES, (index + 1) * BLOB_CHUNK_BYTES));
  }
  return sha256;
}

export { sha256OfFile };

// A file is hashed once per process while its size and modification time stay the same.
const fileHashes = new PromiseMemo<string>();

function hashOnce(file: string, stat: fs.Stats): Promise<string> {
  return fileHashes.get(`${file}\0${stat.size}\0${stat.mtimeMs}`, () => sha256OfFile(file));
}

/**
 * Uploads a file as a blob unless Redis holds it already (checked on every call: a Redis
 * restarted without persistence has lost it), keeping the file's extension in its meta.
 * The file is hashed once per process (by path, size and modification time) and read
 * chunk by chunk, never whole. `state` tags a rung state with its trial, epochs and fold.
 */
export async function putFileBlob(redis: Redis, file: string, options: { state?: string } = {}): Promise<{ sha256: string; bytes: number }> {
  const resolved = path.resolve(file);
  const stat = await fs.promises.stat(resolved);
  const sha256 = await hashOnce(resolved, stat);
  if (!(await hasBlob(redis, sha256))) {
    const handle = await fs.promises.open(resolved, 'r');
    try {
      await writeBlob(redis, sha256, stat.size, { ext: path.extname(resolved), state: options.state }, async (index) => {
        const chunk = Buffer.alloc(Math.min(BLOB_CHUNK_BYTES, stat.size - index * BLOB_CHUNK_BYTES));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, index * BLOB_CHUNK_BYTES);
        return chunk.subarray(0, bytesRead);
      });
    } finally {
      await handle.close();
    }
  }
  return { sha256, bytes: stat.size };
}

/**
 * Fetches blob `sha256` into `file`: written beside it and renamed once its bytes hash to
 * their name, so `file` is either absent or whole and right. Throws a BlobError naming the
 * hash when Redis lacks the blob or its bytes are not what the name says.
 */
export async function fetchBlob(redis: Redis, sha256: string, file: string): Promise<BlobMeta> {
  const meta = await blobMeta(redis, sha256);
  if (!meta) throw new BlobError(`blob ${sha256} is not in Redis`);
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
  const hash = crypto.createHash('sha256');
  let received = 0;
  const out = await fs.promises.open(partial, 'w');
  try {
    for (let index = 0; index < meta.chunks; index++) {
      const chunk = await redis.getBuffer(chunkKey(sha256, index));
      if (chunk === null) throw new BlobError(`blob ${sha256}: chunk ${index} of ${meta.chunks} is not in Redis`);
      hash.update(chunk);
      received += chunk.length;
      await out.write(chunk);
    }
    await out.close();
    const actual = hash.digest('hex');
    if (received !== meta.bytes || actual !== sha256) {
      throw new BlobError(`blob ${sha256}: its ${received} bytes hash to ${actual}`);
    }
    await fs.promises.rename(partial, file);
    return meta;
  } catch (error) {
    await out.close().catch(() => undefined);
    await fs.promises.rm(partial, { force: true });
    throw error;
  }
}
