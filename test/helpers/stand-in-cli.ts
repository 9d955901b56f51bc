/** The CLI on the stand-in addon (FER_GA_ADDON): orchestration through the commands a user runs, training in milliseconds. */
import { spawnSync } from 'child_process';
import path from 'path';

import { BIN } from './cli';

export const STAND_IN = path.resolve(__dirname, 'stand-in-addon.js');

/** The synthetic set written by `fer-ga synth` (in a child: the test compiles none of the drawing code). */
export function synthFaces(out: string, subjects: number): void {
  const result = spawnSync(process.execPath, [BIN, 'synth', '--out', out, '--subjects', String(subjects), '--per-class', '1', '--seed', '6'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`fer-ga synth exited ${result.status}: ${result.stderr}`);
}

export function cliIn(env: NodeJS.ProcessEnv, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The command's --json output; a non-zero exit throws with its stderr. */
export function jsonIn(env: NodeJS.ProcessEnv, args: string[]): Record<string, unknown> {
  const result = cliIn(env, [...args, '--json']);
  if (result.code !== 0) throw new Error(`fer-ga ${args[0]} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
