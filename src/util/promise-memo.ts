/**
 * Promises kept by key so that concurrent and later callers share one piece of work (one
 * read and hash of a file per process), while a failure is forgotten so the next caller
 * tries again rather than inheriting a stale error.
 */
export class PromiseMemo<T> {
  private readonly promises = new Map<string, Promise<T>>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    let promise = this.promises.get(key);
    if (!promise) {
      promise = make();
      promise.catch(() => this.promises.delete(key));
      this.promises.set(key, promise);
    }
    return promise;
  }
}
