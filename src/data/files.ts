/** Directory walking for the indexers, with one clear error when the root is missing. */
import fs from 'fs';
import path from 'path';

import { UsageError } from '../util/errors';

export function requireDirectory(dir: string, what: string): string {
  const absolute = path.resolve(dir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    throw new UsageError(`${what} folder ${absolute} does not exist`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${what} path ${absolute} is not a folder`);
  return absolute;
}

/** Sorted entries of a folder (sorted so indexes, and hence caches and splits, are stable). */
export function listDirectory(dir: string): fs.Dirent[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function subdirectories(dir: string): string[] {
  return listDirectory(dir)
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

export function files(dir: string): string[] {
  return listDirectory(dir)
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

/** Every file below `dir`, as paths relative to it, sorted. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (relative: string) => {
    for (const entry of listDirectory(path.join(dir, relative))) {
      const child = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) visit(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  visit('');
  return out;
}
