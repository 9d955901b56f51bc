/**
 * A worker's copies of the blobs its trials need, in its cache folder:
 * `<cache>/queue/packs/<sha256>.fergapack`, `<cache>/queue/weights/<sha256><ext>` and
 * `<cache>/queue/states/<trial key>-e<epochs>-fold<n>.<sha256>.ferstate` (a rung's state a
 * promotion continues from, named by its tag so `fer-ga prune` can tell whose it is; dropped
 * once the job that used it is done). Each is fetched once, and a copy found on disk is
 * used only when its bytes still hash to its name. Several worker processes may share the
 * folder: files appear by rename.
 */
import fs from 'fs';
import path from 'path';
import type { Redis } from 'ioredis';

import { BlobError, blobMeta, fetchBlob, sha256OfFile } from './blobs';

export type BlobKind = 'packs' | 'weights' | 'states';

export class BlobCache {
  // One fetch (or check) per blob per process, however many slots ask at once.
  private readonly files = new Map<string, Promise<string>>();

  constructor(
    private readonly redis: Redis,
    /** The worker's --cache folder. */
    readonly dir: string,
  ) {}

  /** The path of a verified local copy of blob `sha256`, fetched when there is none; a state is named by its `tag` too. */
  file(kind: BlobKind, sha256: string, tag?: string): Promise<string> {
    const id = `${kind}/${sha256}`;
    let file = this.files.get(id);
    if (!file) {
      file = this.localOrFetched(kind, sha256, tag);
      file.catch(() => this.files.delete(id));
      this.files.set(id, file);
    }
    return file;
  }

  /** Removes the local copy of blob `sha256` (a state no job here needs any more). */
  async drop(kind: BlobKind, sha256: string): Promise<void> {
    const id = `${kind}/${sha256}`;
    const file = this.files.get(id);
    this.files.delete(id);
    const local = await file?.catch(() => undefined);
    if (local !== undefined) await fs.promises.rm(local, { force: true });
  }

  private async localOrFetched(kind: BlobKind, sha256: string, tag?: string): Promise<string> {
    const folder = path.join(this.dir, 'queue', kind);
    const name = tag === undefined ? sha256 : `${tag}.${sha256}`;
    const local = this.localCopy(folder, kind, name);
    if (local !== undefined) {
      if ((await sha256OfFile(local)) === sha256) return local;
      await fs.promises.rm(local, { force: true });
    }
    // A weights file keeps the extension it was uploaded with: its format is told by its name.
    const meta = await blobMeta(this.redis, sha256);
    if (!meta) throw new BlobError(`blob ${sha256} is not in Redis`);
    const file = path.join(folder, `${name}${kind === 'packs' ? '.fergapack' : meta.ext}`);
    await fetchBlob(this.redis, sha256, file);
    return file;
  }

  private localCopy(folder: string, kind: BlobKind, name: string): string | undefined {
    if (kind === 'packs') {
      const file = path.join(folder, `${name}.fergapack`);
      return fs.existsSync(file) ? file : undefined;
    }
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    const found = names.find((n) => n === name || (n.startsWith(`${name}.`) && !n.endsWith('.partial')));
    return found === undefined ? undefined : path.join(folder, found);
  }
}
