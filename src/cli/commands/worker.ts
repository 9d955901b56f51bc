import type { CommandModule } from 'yargs';

import { DEFAULT_CACHE_DIR } from '../../data/dataset';
import { UsageError } from '../../util/errors';
import { native, type NativeInfo } from '../../binding/native';
import { slotPlacements } from '../../study/parallel';
import { probeQueue } from '../../queue/connection';
import { TrialWorker } from '../../queue/worker';
import { integerFlag } from '../arguments';
import { signalExitCode } from '../interrupt';
import type { GlobalArguments } from '../global-arguments';
import { queueFlag } from '../queue-flag';

interface WorkerArguments extends GlobalArguments {
  queue: string;
  device: string;
  parallel: number;
  /** The old name of --parallel, still read. */
  slots?: number;
  threads: number;
  cache: string;
  'lock-seconds': number;
}

/** A device this machine has, checked once here rather than by every trial it would fail. */
function checkDevice(device: string, info: Pick<NativeInfo, 'cuda'>): void {
  if (device === 'auto' || device === 'cpu') return;
  const match = /^cuda(?::(\d+))?$/.exec(device);
  if (!match) throw new UsageError(`--device ${device} must be auto, cpu, cuda or cuda:N`);
  if (!info.cuda.available) throw new UsageError(`--device ${device}: this libtorch sees no CUDA device`);
  if (match[1] !== undefined && Number(match[1]) >= info.cuda.devices) {
    throw new UsageError(`--device ${device} does not exist (${info.cuda.devices} CUDA device(s))`);
  }
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const log = (line: string) => process.stderr.write(`${line}\n`);

export const workerCommand: CommandModule<GlobalArguments, WorkerArguments> = {
  command: 'worker',
  describe: 'train trials from a Redis queue (coordinators: grid, evolve and train with --queue) until stopped',
  builder: (yargs) =>
    yargs
      .option('queue', queueFlag(true))
      .option('device', { type: 'string', requiresArg: true, default: 'auto', describe: 'auto, cpu, cuda or cuda:N' })
      .option('parallel', { requiresArg: true, default: 1, describe: 'trials trained at once (on one GPU together, or one per GPU with --device auto|cuda), as the coordinators\' --parallel', coerce: integerFlag('parallel', 1, 64) })
      .option('slots', { requiresArg: true, hidden: true, describe: 'the old name of --parallel', coerce: integerFlag('slots', 1, 64) })
      .option('threads', { requiresArg: true, default: 0, describe: "libtorch threads of a CUDA trial's CPU work (0: one per core); a CPU trial trains with the threads its key holds", coerce: integerFlag('threads', 0, 1024) })
      .option('cache', { type: 'string', requiresArg: true, default: DEFAULT_CACHE_DIR, describe: 'cache folder: data sets and weights fetched from the queue are kept in its queue/ folder' })
      .option('lock-seconds', { requiresArg: true, default: 30, describe: "a trial's lock: when a worker dies, its trial goes to another after this", coerce: integerFlag('lock-seconds', 1, 3600) }) as never,
  handler: async (args) => {
    await probeQueue(args.queue);
    const info = native().info();
    checkDevice(args.device, info);
    // Named as it resolves, for `queue status` and the trial records.
    const device = args.device === 'auto' ? (info.cuda.available ? 'cuda' : 'cpu') : args.device;
    const worker = await TrialWorker.start({
      url: args.queue,
      placements: slotPlacements({ device, threads: args.threads }, args.slots ?? args.parallel, info),
      cacheDir: args.cache,
      lockSeconds: args['lock-seconds'],
      log,
    });
    const first = await nextSignal();
    log(`worker: ${first}: stopping once its current trials are done (${first} again: stop now and hand them back)`);
    const second = nextSignal();
    const outcome = await Promise.race([worker.stop(), second]);
    // Stopped: nothing is left to wait for (a Redis that is gone leaves BullMQ's timers behind).
    if (outcome === 'finished') process.exit(0);
    // Redis gone: the trials in hand were dropped, as a second signal drops them.
    if (outcome === 'dropped') process.exit(signalExitCode(first));
    log(`worker: ${outcome}: stopping now; its unfinished trials go back to the queue when their locks lapse`);
    await worker.stop(true);
    process.exit(signalExitCode(outcome));
  },
};
