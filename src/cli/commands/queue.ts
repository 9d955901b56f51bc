import type { CommandModule } from 'yargs';

import { probeQueue } from '../../queue/connection';
import { queueStatus, type QueueStatus } from '../../queue/status';
import type { CurrentTrial } from '../../queue/worker-registry';
import type { GlobalArguments } from '../main';
import { printJson, printTable } from '../output';
import { queueFlag } from '../queue-flag';

interface QueueStatusArguments extends GlobalArguments {
  queue: string;
}

function trialText(t: CurrentTrial): string {
  return `${t.model} ${t.activation}+${t.optimizer} ${t.key.slice(0, 12)} fold ${t.fold}/${t.folds} epoch ${t.epoch}/${t.epochs}`;
}

function printStatus(status: QueueStatus): void {
  const c = status.counts;
  process.stdout.write(`queue ${status.queue}: ${c.waiting} waiting, ${c.active} active, ${c.completed} completed, ${c.failed} failed, ${c.delayed} delayed (retrying)\n`);
  if (status.workers.length === 0) {
    process.stdout.write('no workers (start one: fer-ga worker --queue URL)\n');
    return;
  }
  printTable(
    ['worker', 'device', 'slots', 'trials', 'images/s', 'done', 'heartbeat'],
    status.workers.map((w) => [
      w.id,
      w.device,
      String(w.slots),
      w.current.length > 0 ? w.current.map(trialText).join('; ') : 'idle',
      w.imagesPerSecond === null ? '-' : w.imagesPerSecond.toFixed(0),
      String(w.trialsDone),
      `${w.lost ? 'lost, ' : ''}${Math.round(w.heartbeatAgeSeconds)} s ago`,
    ]),
    [false, false, true, false, true, true, false],
  );
}

const statusCommand: CommandModule<GlobalArguments, QueueStatusArguments> = {
  command: 'status',
  describe: 'job counts and workers (device, current trial, images/s, last heartbeat)',
  builder: (yargs) =>
    yargs.option('queue', queueFlag(true)) as never,
  handler: async (args) => {
    await probeQueue(args.queue);
    const status = await queueStatus(args.queue);
    if (args.json) printJson(status);
    else printStatus(status);
  },
};

export const queueCommand: CommandModule<GlobalArguments, GlobalArguments> = {
  command: 'queue',
  describe: 'the Redis queue of trials: status',
  builder: (yargs) => yargs.command(statusCommand).demandCommand(1, 'name a queue command (status)') as never,
  handler: () => undefined,
};
