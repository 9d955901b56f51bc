/**
 * A file fer-ga writes is replaced whole: processes killed (SIGKILL) at random moments while
 * two of them rewrite the same file leave it holding one whole version, never part of one
 * or a mix of two, and the temporary files of two writers never collide.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';

import { copyFileAtomic, replaceFile, writeFileAtomic } from '../src/util/atomic-write';

const CHILD = path.resolve(__dirname, 'helpers/rewrite-child.js');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-ga-atomic-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Why `text` is not one whole version written by rewrite-child.js, or undefined when it is. */
function tornBecause(text: string): string | undefined {
  const match = /^version (\d+) length (\d+)\n/.exec(text);
  if (!match) return `no header in ${text.length} characters`;
  const body = text.slice(match[0].length);
  const letter = String.fromCharCode(97 + (Number(match[1]) % 26));
  if (body.length !== Number(match[2])) return `version ${match[1]}: ${body.length} of ${match[2]} characters`;
  if (body !== letter.repeat(body.length)) return `version ${match[1]}: mixed with another version`;
  return undefined;
}

/** Starts a writer; resolves once it has written its first version. */
function startWriter(file: string, seed: number) {
  const child = spawn(process.execPath, [CHILD, file, 'atomic', String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited with ${code} before writing`)));
  });
  const killed = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
  return { child, ready, killed };
}

describe('writeFileAtomic', () => {
  test('SIGKILL at random moments while two processes rewrite one file: always one whole version', async () => {
    const file = path.join(tmp, 'rewritten.txt');
    const torn: string[] = [];
    for (let round = 0; round < 12; round++) {
      const writers = [startWriter(file, round * 1000), startWriter(file, round * 1000 + 500)];
      await Promise.all(writers.map((w) => w.ready));
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 60));
      for (const w of writers) w.child.kill('SIGKILL');
      expect(await Promise.all(writers.map((w) => w.killed))).toEqual(['SIGKILL', 'SIGKILL']);
      const why = tornBecause(fs.readFileSync(file, 'utf8'));
      if (why) torn.push(`round ${round}: ${why}`);
    }
    expect(torn).toEqual([]);
  });

  test('a write that fails leaves the old file and no temporary behind', () => {
    const file = path.join(tmp, 'kept.txt');
    writeFileAtomic(file, 'old');
    expect(() =>
      replaceFile(file, (temporary) => {
        fs.writeFileSync(temporary, 'half');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(tmp).filter((name) => name.startsWith('kept.txt.'))).toEqual([]);
  });

  test('copies and writes create the folder they write into', () => {
    const source = path.join(tmp, 'source.bin');
    writeFileAtomic(source, Buffer.from([1, 2, 3]));
    const copy = path.join(tmp, 'new', 'folder', 'copy.bin');
    copyFileAtomic(source, copy);
    expect([...fs.readFileSync(copy)]).toEqual([1, 2, 3]);
  });
});
