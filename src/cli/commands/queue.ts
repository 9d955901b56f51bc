import type { CommandModule } from 'yargs';

import { probeQueue } from '../../queue/connection';
import { queueStatus, type QueueCounts, type QueueStatus } from '../../queue/status';
import type { CurrentTrial } from '../../queue/worker-registry';
import type { GlobalArguments } from '../global-arguments';
import { printJson, printTable } from '../output';
import { queueFlag } from '../queue-flag';

interface QueueStatusArguments extends GlobalArguments {
  queue: string;
}

function trialText(t: CurrentTrial): string {
  return `${t.model} ${t.activation}+${t.optimizer} ${t.key.slice(0, 12)} fold ${t.fold}/${t.folds} epoch ${t.epoch}/${t.epochs}`;
}

function printStatus(status: QueueStatus): void {
  const text = (c: QueueCounts) => `${c.waiting} waiting, ${c.active} active, ${c.completed} completed, ${c.failed} failed, ${c.delayed} delayed (retrying)`;
  process.stdout.write(`queue ${status.queue}: ${text(status.counts)}\n`);
  // CUDA trials wait for CUDA workers: said apart whenever there are any.
  const cuda = status.byDevice.cuda;
  if (Object.values(cuda).some((n) => n > 0)) process.stdout.write(`  of which CUDA trials (for CUDA workers): ${text(cuda)}\n`);
  if (status.workers.length === 0) {
    process.stdout.write('no workers (start one: fer-ga worker --queue URL)\n');
    return;
  }
  printTable(
    ['worker', 'device', 'parallel', 'trials', 'images/s', 'done', 'heartbeat'],
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
