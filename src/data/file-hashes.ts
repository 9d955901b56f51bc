/**
 * SHA-256 of source files, remembered in the cache folder by (size, mtime, ctime, inode),
 * so checking a data set again reads only files that changed since and decodes none. A
 * file's identity is its bytes: a copy elsewhere or a `touch` keeps its hash (the touch
 * costs one read). The memo is only a shortcut: a lost or damaged one is rebuilt.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

import { writeFileAtomic } from '../util/atomic-write';

interface Entry {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  sha256: string;
}

const MEMO_FILE = 'file-hashes.json';

export class FileHashes {
  private readonly memo: string;
  private entries: Record<string, Entry> = {};
  private changed = false;

  constructor(cacheDir: string) {
    this.memo = path.join(cacheDir, MEMO_FILE);
    try {
      const loaded = JSON.parse(fs.readFileSync(this.memo, 'utf8')) as unknown;
      if (loaded && typeof loaded === 'object' && !Array.isArray(loaded)) this.entries = loaded as Record<string, Entry>;
    } catch {
      // Missing or damaged: every file is hashed again.
    }
  }

  /** The file's content hash; read only when its size, times or inode differ from the memo. */
  hash(file: string): string {
    const absolute = path.resolve(file);
    const stat = fs.statSync(absolute);
    const known = this.entries[absolute];
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ctimeMs === stat.ctimeMs && known.ino === stat.ino) {
      return known.sha256;
    }
    const sha256 = crypto.createHash('sha256').update(fs.readFileSync(absolute)).digest('hex');
    this.entries[absolute] = { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino, sha256 };
    this.changed = true;
    return sha256;
  }

  /** Writes the memo (beside, then renamed: a reader never sees half of it; the last writer wins). */
  save(): void {
    if (!this.changed) return;
    writeFileAtomic(this.memo, JSON.stringify(this.entries));
    this.changed = false;
  }
}
