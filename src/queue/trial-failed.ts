/**
 * A trial that failed on the queue after every attempt it was given (bad data, a native
 * error, a worker that returned no usable result). It is an outcome, not a crash: the
 * run stores it as failed, scores it 0 and goes on; a later run asks for it again.
 */
export class TrialFailedError extends Error {
  override readonly name = 'TrialFailedError';

  constructor(
    readonly key: string,
    /** Why it failed, as the last attempt reported it. */
    readonly reason: string,
    /** Attempts made before it was given up. */
    readonly attempts: number,
  ) {
    super(`trial ${key} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`);
  }
}

export function isTrialFailedError(error: unknown): error is TrialFailedError {
  return error instanceof Error && error.name === 'TrialFailedError' && typeof (error as Partial<TrialFailedError>).key === 'string';
}
