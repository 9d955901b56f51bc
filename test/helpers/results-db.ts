/** Reading a results file the way a user's own tools would: straight through SQLite, read-only. */
import Database from 'better-sqlite3';

export function trialCount(db: string): number {
  const handle = new Database(db, { readonly: true });
  try {
    return (handle.prepare('SELECT COUNT(*) AS n FROM trials').get() as { n: number }).n;
  } finally {
    handle.close();
  }
}
