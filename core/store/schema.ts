/**
 * The schema as an ordered list of forward-only migrations. `PRAGMA user_version` holds
 * the number of the last one applied. Never edit a released migration: append a new one,
 * because databases in the wild already ran the old text.
 *
 * Conventions every migration follows:
 * - Times are milliseconds since the Unix epoch, stored as REAL (room for sub-ms later).
 * - Metric values: SQLite silently stores NaN as NULL, so `value IS NULL` means NaN; the
 *   column is otherwise never NULL. +/-Infinity are stored natively as IEEE REALs and
 *   read back as such. Keeping NaN as NULL (rather than a sentinel) leaves MIN/MAX/AVG
 *   over the column meaningful.
 * - Booleans are INTEGER 0/1; JSON columns are TEXT checked with json_valid.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, params, metrics, latest metrics, tags, artifacts',
    sql: `
      CREATE TABLE experiments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        -- The metric that ranks runs in this experiment, and which direction is better.
        key_metric TEXT,
        key_metric_higher_is_better INTEGER CHECK (key_metric_higher_is_better IN (0, 1))
      );

      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id INTEGER NOT NULL REFERENCES experiments(id),
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
        start_time REAL NOT NULL,
        end_time REAL,
        source_notebook TEXT,
        source_cell TEXT,
        git_commit TEXT,
        git_dirty INTEGER CHECK (git_dirty IN (0, 1)),
        environment TEXT CHECK (environment IS NULL OR json_valid(environment)),
        -- Liveness: who is writing this run, so a crashed writer can be detected.
        pid INTEGER,
        host TEXT,
        heartbeat_at REAL,
        error TEXT,
        parent_run_id TEXT REFERENCES runs(id),
        deleted_at REAL
      );
      CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time);
      CREATE INDEX runs_running ON runs(status) WHERE status = 'running';
      CREATE INDEX runs_by_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;

      CREATE TABLE params (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;

      -- Every point is kept, including repeated steps; no primary key on purpose.
      CREATE TABLE metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        value REAL
      );
      CREATE INDEX metrics_by_run_key_step ON metrics(run_id, key, step);

      -- Maintained by the writer once per flushed batch (not by a trigger, which would
      -- cost a write per point): the point with the highest step, latest on ties.
      CREATE TABLE latest_metrics (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;

      CREATE TABLE tags (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (run_id, key)
      ) WITHOUT ROWID;

      CREATE TABLE artifacts (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (run_id, name)
      ) WITHOUT ROWID;
      CREATE INDEX artifacts_by_sha256 ON artifacts(sha256);
    `,
  },
  {
    version: 2,
    description: 'model registry: registered models, versions, aliases, transitions',
    sql: `
      CREATE TABLE registered_models (
        name TEXT PRIMARY KEY,
        description TEXT,
        created_at REAL NOT NULL
      ) WITHOUT ROWID;

      -- Versions are never deleted (a deployment may use them), so neither is their run.
      CREATE TABLE model_versions (
        name TEXT NOT NULL REFERENCES registered_models(name),
        version INTEGER NOT NULL CHECK (version >= 1),
        stage TEXT NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
        run_id TEXT NOT NULL REFERENCES runs(id),
        -- Artifact folder of the run holding model.json and the weights, e.g. 'model/'.
        artifact_path TEXT NOT NULL,
        signature TEXT CHECK (signature IS NULL OR json_valid(signature)),
        holdout TEXT CHECK (holdout IS NULL OR json_valid(holdout)),
        description TEXT,
        intended_use TEXT,
        limitations TEXT,
        created_at REAL NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) WITHOUT ROWID;
      CREATE INDEX model_versions_by_run ON model_versions(run_id);
      -- At most one Production version per model: promotion archives the previous one.
      CREATE UNIQUE INDEX model_versions_one_production ON model_versions(name) WHERE stage = 'Production';

      CREATE TABLE model_aliases (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (name, alias),
        FOREIGN KEY (name, version) REFERENCES model_versions(name, version)
      ) WITHOUT ROWID;

      CREATE TABLE model_transitions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('stage', 'alias-set', 'alias-removed', 'registered')),
        from_stage TEXT CHECK (from_stage IS NULL OR from_stage IN ('None', 'Staging', 'Production', 'Archived')),
        to_stage TEXT CHECK (to_stage IS NULL OR to_stage IN ('None', 'Staging', 'Production', 'Archived')),
        alias TEXT,
        at REAL NOT NULL,
        by TEXT NOT NULL,
        reason TEXT,
        forced INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
        -- GateResult[] judged for this transition (stage changes to Staging or Production).
        gates TEXT CHECK (gates IS NULL OR json_valid(gates)),
        FOREIGN KEY (name, version) REFERENCES model_versions(name, version)
      );
      CREATE INDEX model_transitions_by_model ON model_transitions(name, id);
    `,
  },
  {
    version: 3,
    description: 'data sets: content-addressed versions per name, and the runs that used them',
    sql: `
      -- One row per distinct content of a named data set: the same content logged again
      -- (by fingerprint) is the same version; new content is the next version of the name.
      CREATE TABLE datasets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        -- SHA-256 (hex) of the file bytes, or of the canonical JSON of in-memory rows.
        fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
        -- { columns: [{ name, type, duckdbType }] }
        schema TEXT NOT NULL CHECK (json_valid(schema)),
        -- DatasetProfile (core/quality/types.ts), NULL when not profiled.
        profile TEXT CHECK (profile IS NULL OR json_valid(profile)),
        rows INTEGER NOT NULL CHECK (rows >= 0),
        -- File path (absolute), or NULL for data handed over in memory.
        source TEXT,
        created_at REAL NOT NULL,
        UNIQUE (name, version),
        UNIQUE (name, fingerprint)
      );
      CREATE INDEX datasets_by_fingerprint ON datasets(fingerprint);

      CREATE TABLE run_inputs (
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        dataset_id INTEGER NOT NULL REFERENCES datasets(id),
        -- 'train', 'test', 'validation', 'reference', 'current' or any other word.
        role TEXT NOT NULL CHECK (length(role) > 0),
        -- ValidationResult (core/quality/suite.ts) when the data set was checked against a suite.
        validation TEXT CHECK (validation IS NULL OR json_valid(validation)),
        created_at REAL NOT NULL,
        PRIMARY KEY (run_id, dataset_id, role)
      ) WITHOUT ROWID;
      CREATE INDEX run_inputs_by_dataset ON run_inputs(dataset_id);
    `,
  },
];

/** The newest schema this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
