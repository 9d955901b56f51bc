/**
 * Which rung states a results file's runs can still use (for `fer-ga prune`). A state of
 * trial K after E epochs can be continued from only while K is a candidate of an
 * unfinished run (one not `done`: running, or stopped and resumable) or is being trained
 * now (a live claim on K or one of its rungs), K has no full-length result, and no rung of
 * K above E is stored. Read-only: the file is opened for reading and closed at once.
 */
import Database from 'better-sqlite3';

export interface StateUses {
  /** Whether some run can still continue trial `key` from its state after `epochs`. */
  usable(key: string, epochs: number): boolean;
}

export function stateUses(file: string): StateUses {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const candidates = new Set(
      db
        .prepare(
          `SELECT trial_key FROM run_rungs WHERE run_id IN (SELECT id FROM runs WHERE status <> 'done')
           UNION SELECT CASE WHEN instr(subject, '@') > 0 THEN substr(subject, 1, instr(subject, '@') - 1) ELSE subject END
             FROM claims WHERE kind = 'trial'`,
        )
        .pluck()
        .all() as string[],
    );
    const finished = new Set(db.prepare('SELECT key FROM trials').pluck().all() as string[]);
    const furthest = new Map(
      (db.prepare('SELECT key, MAX(epochs) AS epochs FROM trial_rungs GROUP BY key').all() as Array<{ key: string; epochs: number }>).map((r) => [r.key, r.epochs]),
    );
    return { usable: (key, epochs) => candidates.has(key) && !finished.has(key) && (furthest.get(key) ?? 0) <= epochs };
  } finally {
    db.close();
  }
}
