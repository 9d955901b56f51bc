/**
 * A worker's copies of the blobs its trials need, in its cache folder:
 * `<cache>/queue/packs/<sha256>.fergapack`, `<cache>/queue/weights/<sha256><ext>` and
 * `<cache>/queue/states/<sha256>.ferstate` (a rung's state a promotion continues from).
 * Each is fetched once, and a copy found on disk is used only when its bytes still hash
 * to its name. Several worker processes may share the folder: files appear by rename.
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

  /** The path of a verified local copy of blob `sha256`, fetched when there is none. */
  file(kind: BlobKind, sha256: string): Promise<string> {
    const id = `${kind}/${sha256}`;
    let file = this.files.get(id);
    if (!file) {
      file = this.localOrFetched(kind, sha256);
      file.catch(() => this.files.delete(id));
      this.files.set(id, file);
    }
    return file;
  }

  private async localOrFetched(kind: BlobKind, sha256: string): Promise<string> {
    const folder = path.join(this.dir, 'queue', kind);
    const local = this.localCopy(folder, kind, sha256);
    if (local !== undefined) {
      if ((await sha256OfFile(local)) === sha256) return local;
      await fs.promises.rm(local, { force: true });
    }
    // A weights file keeps the extension it was uploaded with: its format is told by its name.
    const meta = await blobMeta(this.redis, sha256);
    if (!meta) throw new BlobError(`blob ${sha256} is not in Redis`);
    const file = path.join(folder, `${sha256}${kind === 'packs' ? '.fergapack' : meta.ext}`);
    await fetchBlob(this.redis, sha256, file);
    return file;
  }

  private localCopy(folder: string, kind: BlobKind, sha256: string): string | undefined {
    if (kind === 'packs') {
      const file = path.join(folder, `${sha256}.fergapack`);
      return fs.existsSync(file) ? file : undefined;
    }
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    const name = names.find((n) => n === sha256 || (n.startsWith(`${sha256}.`) && !n.endsWith('.partial')));
    return name === undefined ? undefined : path.join(folder, name);
  }
}
