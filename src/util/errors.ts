/** Errors a user can fix by changing what they typed or passed: the CLI exits with 2 and one line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'FER_GA_INVALID_ARGUMENT';
}

// Errors from the native addon belong to the realm that loaded it (not a jest sandbox's),
// so these look at the error's tag and fields rather than at `instanceof`.
function isErrorLike(error: unknown): error is Error & { code?: unknown } {
  return Object.prototype.toString.call(error) === '[object Error]';
}

/** True for UsageError and for the native addon's argument errors (same code). */
export function isUsageError(error: unknown): boolean {
  return isErrorLike(error) && error.code === 'FER_GA_INVALID_ARGUMENT';
}

export function isAbortError(error: unknown): boolean {
  return isErrorLike(error) && error.name === 'AbortError';
}

/**
 * Work stopped on request (Ctrl-C, SIGTERM). It is an AbortError like any other, and its
 * message says what the user can do next (e.g. the command that resumes), so the CLI
 * prints it instead of a bare "stopped".
 */
export class InterruptedError extends Error {
  override readonly name = 'AbortError';
  readonly interrupted = true;
}

export function isInterruptedError(error: unknown): error is InterruptedError {
  return isAbortError(error) && (error as { interrupted?: unknown }).interrupted === true;
}

/** An AbortError; with a message, one the CLI shows as is (`fer-ga: <message>`). */
export function abortError(message?: string): Error {
  if (message !== undefined) return new InterruptedError(message);
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}
