/**
 * Replacing a file whole: the bytes go to a temporary file beside it (a name unique to this
 * process and call, so two writers never share one), which is flushed to the disk and then
 * renamed over the target, and the folder is flushed so the rename itself survives a power
 * loss. A reader, or a process killed at any moment, sees the old file or the new one,
 * never part of one. A failed write removes its temporary file and leaves the old file.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';

/** Beside `file`, never the same for two processes or two calls. */
export function temporaryPathFor(file: string): string {
  return `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.partial`;
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems cannot open or sync a folder; the rename has happened all the same.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Puts a file `fill(temporary)` wrote in place of `file`, or removes it if `fill` throws. */
export function replaceFile(file: string, fill: (temporary: string) => void): void {
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = temporaryPathFor(target);
  try {
    fill(temporary);
    const fd = fs.openSync(temporary, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, target);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  syncFolder(path.dirname(target));
}

export function writeFileAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  replaceFile(file, (temporary) => fs.writeFileSync(temporary, data));
}

export function copyFileAtomic(source: string, file: string): void {
  replaceFile(file, (temporary) => fs.copyFileSync(source, temporary));
}
