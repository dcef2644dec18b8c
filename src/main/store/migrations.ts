// Numbered migrations. Each runs once, in order, inside one transaction with the user_version bump, so a database is
// always at a whole version. Never edit a released migration: add the next one.
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'experiments, runs, rounds, metrics',
    sql: `
      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        config TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
        seed INTEGER NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        config TEXT NOT NULL,
        iteration INTEGER NOT NULL DEFAULT 0,
        iterations INTEGER NOT NULL,
        backend TEXT,
        backend_report TEXT,
        pid INTEGER,
        versions TEXT,
        normalisation TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX runs_by_experiment ON runs(experiment_id);

      CREATE TABLE rounds (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        density REAL NOT NULL,
        test_accuracy REAL NOT NULL,
        early_stop_iteration INTEGER NOT NULL,
        final_test_accuracy REAL NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, round)
      ) STRICT;

      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        iteration INTEGER NOT NULL,
        split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
        loss REAL NOT NULL,
        accuracy REAL NOT NULL,
        PRIMARY KEY (run_id, round, iteration, split)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'tensors: weights, biases and bit-packed masks of each round, with checksums',
    sql: `
      CREATE TABLE tensors (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        round INTEGER NOT NULL,
        state TEXT NOT NULL,
        layer TEXT NOT NULL,
        param TEXT NOT NULL CHECK (param IN ('weight', 'bias', 'mask')),
        kind TEXT NOT NULL CHECK (kind IN ('dense', 'conv')),
        dtype TEXT NOT NULL CHECK (dtype IN ('f32', 'bits')),
        shape TEXT NOT NULL,
        data BLOB NOT NULL,
        sha256 TEXT NOT NULL,
        UNIQUE (run_id, round, state, layer, param)
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'runs: controls linked to their parent run, round counts, warnings',
    sql: `
      ALTER TABLE runs ADD COLUMN parent_run_id TEXT REFERENCES runs(id) ON DELETE CASCADE;
      ALTER TABLE runs ADD COLUMN first_round INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE runs ADD COLUMN rounds_total INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]';
      CREATE INDEX runs_by_parent ON runs(parent_run_id);
    `,
  },
  {
    version: 4,
    name: 'analyses: cached results by the hash of their inputs',
    sql: `
      CREATE TABLE analyses (
        key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL,
        params TEXT NOT NULL,
        refs TEXT NOT NULL,
        result TEXT NOT NULL,
        compute_ms REAL NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX analyses_by_kind ON analyses(kind);
    `,
  },
  {
    version: 5,
    name: 'runs owned by another process: cancel requests, and the owner\'s live ETA',
    sql: `
      CREATE TABLE cancel_requests (
        run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        requested_at TEXT NOT NULL,
        requested_by INTEGER NOT NULL
      ) STRICT;
      ALTER TABLE runs ADD COLUMN eta_seconds REAL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
