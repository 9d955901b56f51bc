/**
 * `--save-best DIR`: every trial trained in the run saves its network under DIR/trials/,
 * and at the end the best one becomes DIR/best.ckpt (with DIR/best.json describing it)
 * and the rest are removed. A best trial answered from the trial cache has no network
 * on disk, so its first fold is trained again, with the same seed, to write one.
 */
import fs from 'fs';
import path from 'path';

import { copyFileAtomic, writeFileAtomic } from '../util/atomic-write';
import type { PackedDataset } from '../data/cache';
import { trainFold, trialKey, type TrialControl, type TrialPlacement, type TrialSettings } from './trials';

export class BestCheckpoint {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  private get trialsDir(): string {
    return path.join(this.dir, 'trials');
  }

  /** For runTrial's `checkpoint` control. */
  readonly trialFile = (key: string): string => {
    fs.mkdirSync(this.trialsDir, { recursive: true });
    return path.join(this.trialsDir, `${key}.ckpt`);
  };

  /** Returns the path of DIR/best.ckpt. */
  async keep(
    packed: PackedDataset,
    best: TrialSettings,
    accuracy: number,
    placement: TrialPlacement,
    control: Omit<TrialControl, 'checkpoint'> = {},
  ): Promise<string> {
    const key = await trialKey(packed, best, placement);
    const source = this.trialFile(key);
    if (!fs.existsSync(source)) await trainFold(packed, best, 0, placement, { ...control, checkpoint: source });
    const target = path.join(this.dir, 'best.ckpt');
    copyFileAtomic(source, target);
    writeFileAtomic(
      path.join(this.dir, 'best.json'),
      JSON.stringify({ key, dataset: packed.header.dataset, classes: packed.header.classes, accuracy, settings: best, savedAt: new Date().toISOString() }, null, 2) + '\n',
    );
    fs.rmSync(this.trialsDir, { recursive: true, force: true });
    return target;
  }
}
