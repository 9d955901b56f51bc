/** Ctrl-C (and SIGTERM) as an AbortSignal for the duration of one command. */
import os from 'os';

let received: NodeJS.Signals | undefined;

/** The signal that stopped the work (SIGINT or SIGTERM), once one has. */
export function interruptingSignal(): NodeJS.Signals | undefined {
  return received;
}

/** A process stopped by a signal exits 128 + its number, as a shell reports it: 130 for Ctrl-C, 143 for SIGTERM. */
export function signalExitCode(signal: NodeJS.Signals = 'SIGINT'): number {
  return 128 + os.constants.signals[signal];
}

export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    received ??= signal;
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
