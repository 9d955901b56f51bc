/** `--queue URL`: the Redis a study's trials are queued on (worker, queue status, and the commands that train). */
export function queueFlag(demandOption = false) {
  return {
    type: 'string',
    requiresArg: true,
    ...(demandOption ? { demandOption: true } : {}),
    describe: 'Redis URL of the trial queue: redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS',
  } as const;
}
