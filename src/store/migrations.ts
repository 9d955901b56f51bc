/**
 * The schema, as numbered migrations. PRAGMA user_version holds how many have run; a
 * new version appends a migration and never edits an old one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE trials (
    key         TEXT PRIMARY KEY,     -- hash of everything the result depends on
    dataset     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,        -- of the packed data set
    model       TEXT NOT NULL,
    genes       TEXT NOT NULL,        -- JSON: gene name -> choice
    settings    TEXT NOT NULL,        -- JSON: every setting the result depends on
    fitness     REAL NOT NULL,        -- mean final validation accuracy over the folds, 0..1
    diverged    INTEGER NOT NULL,
    result      TEXT NOT NULL,        -- JSON: per-fold history, confusion matrix, timing
    seconds     REAL NOT NULL,
    device      TEXT NOT NULL,
    libtorch    TEXT NOT NULL,
    created_at  TEXT NOT NULL
  );
  CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,        -- evolve | grid
    dataset     TEXT NOT NULL,
    model       TEXT,
    settings    TEXT NOT NULL,        -- JSON
    state       TEXT,                 -- JSON: the GA state machine, saved after every step
    status      TEXT NOT NULL,        -- running | done
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  );
  CREATE TABLE generations (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    generation  INTEGER NOT NULL,
    best        REAL NOT NULL,
    mean        REAL NOT NULL,
    PRIMARY KEY (run_id, generation)
  );
  CREATE TABLE individuals (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    generation  INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    chromosome  TEXT NOT NULL,
    genes       TEXT,                 -- JSON; NULL when a code names no choice
    trial_key   TEXT REFERENCES trials(key),
    fitness     REAL NOT NULL,
    PRIMARY KEY (run_id, generation, position)
  );
  `,  `
  -- Which trials a run used, for any kind of run (a grid has no individuals).
  CREATE TABLE run_trials (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    trial_key   TEXT NOT NULL REFERENCES trials(key),
    PRIMARY KEY (run_id, trial_key)
  );
  `,
  `
  -- Whether a run trained a trial (1) or found it in the cache (0); NULL where not recorded.
  ALTER TABLE run_trials ADD COLUMN trained INTEGER;
  `,
  `
  -- Who is training a trial or running a run now, so that processes sharing the file train
  -- a trial once and step a run one at a time. A row is deleted when its work ends.
  CREATE TABLE claims (
    kind         TEXT NOT NULL,       -- trial | run
    subject      TEXT NOT NULL,       -- the trial key, or the run id
    owner        TEXT NOT NULL,       -- host:pid:random, one per claimant
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    claimed_at   INTEGER NOT NULL,    -- ms since the epoch
    heartbeat_at INTEGER NOT NULL,    -- ms since the epoch; renewed while the work goes on
    PRIMARY KEY (kind, subject)
  );
  `,
  `
  -- Trials that failed on a queue after every attempt. Not a result: a trial here and not in
  -- trials is asked for again by the next run; one later trained stays here as its history.
  CREATE TABLE failed_trials (
    key          TEXT PRIMARY KEY,    -- the trial's key
    error        TEXT NOT NULL,       -- the last attempt's failure
    attempts     INTEGER NOT NULL,
    failed_at    TEXT NOT NULL
  );
  `,
  `
  -- Multi-fidelity: a trial trained part of its schedule (a rung) and stopped or promoted
  -- later. The key is the full-length trial's; a full-length result stays in trials.
  CREATE TABLE trial_rungs (
    key         TEXT NOT NULL,        -- the full-length trial's key
    epochs      INTEGER NOT NULL,     -- epochs trained so far (below the full schedule)
    dataset     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    model       TEXT NOT NULL,
    genes       TEXT NOT NULL,
    settings    TEXT NOT NULL,
    fitness     REAL NOT NULL,        -- mean validation accuracy over the folds after these epochs
    diverged    INTEGER NOT NULL,
    result      TEXT NOT NULL,        -- JSON: per-fold history (epochs 1..epochs), confusion matrix
    seconds     REAL NOT NULL,
    device      TEXT NOT NULL,
    libtorch    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (key, epochs)
  );
  -- Which rungs a run used, and whether it trained them (1) or found them stored (0).
  CREATE TABLE run_rungs (
    run_id      INTEGER NOT NULL REFERENCES runs(id),
    trial_key   TEXT NOT NULL,
    epochs      INTEGER NOT NULL,
    trained     INTEGER,
    PRIMARY KEY (run_id, trial_key, epochs)
  );
  -- Epochs the individual's candidate had reached; NULL: the full schedule.
  ALTER TABLE individuals ADD COLUMN epochs INTEGER;
  `,
];
