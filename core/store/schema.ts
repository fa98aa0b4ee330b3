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
  {
    version: 4,
    description: 'deployments: local model servers, their events, prediction logs and feedback',
    sql: `
      -- One row per \`labbook deploy\`; stopped deployments stay for their history and logs.
      CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        model_name TEXT NOT NULL REFERENCES registered_models(name),
        -- The reference as given, e.g. 'penguins@production' (resolved once, at deploy time).
        model_ref TEXT NOT NULL,
        strategy TEXT NOT NULL CHECK (strategy IN ('single', 'canary', 'ab', 'shadow', 'bluegreen')),
        primary_version INTEGER NOT NULL,
        candidate_ref TEXT,
        candidate_version INTEGER,
        -- Percent of traffic answered by the candidate (blue/green: 0 blue live, 100 green live).
        weight REAL NOT NULL DEFAULT 0 CHECK (weight >= 0 AND weight <= 100),
        host TEXT NOT NULL,
        -- Asked for (0: any free port) until the server listens, then the real one.
        port INTEGER NOT NULL CHECK (port >= 0 AND port <= 65535),
        pid INTEGER,
        status TEXT NOT NULL CHECK (status IN ('starting', 'running', 'stopped', 'failed')),
        error TEXT,
        -- ServeConfig (core/serve/types.ts): limits, log sampling and batching.
        config TEXT NOT NULL CHECK (json_valid(config)),
        token_file TEXT NOT NULL,
        created_at REAL NOT NULL,
        created_by TEXT NOT NULL,
        started_at REAL,
        stopped_at REAL,
        updated_at REAL NOT NULL,
        FOREIGN KEY (model_name, primary_version) REFERENCES model_versions(name, version),
        FOREIGN KEY (model_name, candidate_version) REFERENCES model_versions(name, version)
      );
      -- At most one live deployment per name.
      CREATE UNIQUE INDEX deployments_live_name ON deployments(name) WHERE status IN ('starting', 'running');
      CREATE INDEX deployments_by_model ON deployments(model_name, status);

      -- Every change of a deployment: started, shift, switch, promote, rollback, stopped, failed.
      CREATE TABLE deployment_events (
        id INTEGER PRIMARY KEY,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id),
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        by TEXT NOT NULL,
        reason TEXT,
        -- { strategy, primary, candidate, weight } before and after the change.
        before TEXT CHECK (before IS NULL OR json_valid(before)),
        after TEXT CHECK (after IS NULL OR json_valid(after))
      );
      CREATE INDEX deployment_events_by_deployment ON deployment_events(deployment_id, id);

      -- One row per scored instance (a shadow candidate's score is its own row, shadow = 1),
      -- sampled and written in batches by the server.
      CREATE TABLE prediction_logs (
        seq INTEGER PRIMARY KEY,
        -- The id returned to the client; feedback refers to it.
        id TEXT NOT NULL,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id),
        at REAL NOT NULL,
        variant TEXT NOT NULL,
        model_version INTEGER NOT NULL,
        shadow INTEGER NOT NULL DEFAULT 0 CHECK (shadow IN (0, 1)),
        inputs TEXT NOT NULL CHECK (json_valid(inputs)),
        outputs TEXT NOT NULL CHECK (json_valid(outputs)),
        -- Predicted class name (classification) or value (regression), for joins with feedback.
        predicted TEXT,
        latency_ms REAL NOT NULL
      );
      CREATE INDEX prediction_logs_by_deployment_time ON prediction_logs(deployment_id, at);
      CREATE INDEX prediction_logs_by_id ON prediction_logs(id);

      -- Ground truth sent later for a prediction id (the last one sent wins).
      CREATE TABLE feedback (
        id TEXT NOT NULL,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id),
        -- JSON of the label as sent (a class name, a class index or a number).
        label TEXT NOT NULL CHECK (json_valid(label)),
        at REAL NOT NULL,
        PRIMARY KEY (deployment_id, id)
      ) WITHOUT ROWID;
      CREATE INDEX feedback_by_time ON feedback(deployment_id, at);
    `,
  },
  {
    version: 5,
    description: 'compact metric series: one row per (run, key), points keyed by series and step',
    sql: `
      -- A metric of a run is a series with a small integer id; its latest point (highest
      -- step, latest on ties), its range over non-NaN values and its point count are kept
      -- here, once per flushed batch, so lists and tables never scan the points.
      CREATE TABLE metric_series (
        id INTEGER PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        step INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        value REAL,
        min REAL,
        max REAL,
        points INTEGER NOT NULL,
        UNIQUE (run_id, key)
      );

      -- Points clustered by series and step. seq numbers a series' points in the order they
      -- were logged, so repeated steps are all kept. No foreign key: it would cost a lookup
      -- per point; purging a run deletes its points explicitly. Integral REALs (times in ms,
      -- many values) are written to disk as small integers by SQLite.
      CREATE TABLE metric_points (
        series_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        timestamp REAL NOT NULL,
        value REAL,
        PRIMARY KEY (series_id, step, seq)
      ) WITHOUT ROWID;

      INSERT INTO metric_series (run_id, key, step, timestamp, value, min, max, points)
        SELECT run_id, key, step, timestamp, value, lo, hi, n FROM (
          SELECT run_id, key, step, timestamp, value,
            MIN(value) OVER whole AS lo, MAX(value) OVER whole AS hi, COUNT(*) OVER whole AS n,
            ROW_NUMBER() OVER (PARTITION BY run_id, key ORDER BY step DESC, timestamp DESC, rowid DESC) AS newest
          FROM metrics WINDOW whole AS (PARTITION BY run_id, key)
        ) WHERE newest = 1;
      INSERT INTO metric_points (series_id, step, seq, timestamp, value)
        SELECT s.id, m.step,
          ROW_NUMBER() OVER (PARTITION BY m.run_id, m.key ORDER BY m.step, m.timestamp, m.rowid) - 1,
          m.timestamp, m.value
        FROM metrics m JOIN metric_series s ON s.run_id = m.run_id AND s.key = m.key;

      DROP TABLE metrics;
      DROP TABLE latest_metrics;
      -- Searches and tables read the latest point of each metric under its old name.
      CREATE VIEW latest_metrics AS
        SELECT run_id, key, step, timestamp, value FROM metric_series;
    `,
  },
  {
    version: 6,
    description: 'people: who started each run',
    sql: `
      -- The git or OS user (or LABBOOK_USER) that started the run; NULL for runs recorded
      -- before Labbook knew. (Transitions and deployment events have kept theirs in \`by\`.)
      ALTER TABLE runs ADD COLUMN user_name TEXT;
      CREATE INDEX runs_by_user ON runs(user_name, start_time);
    `,
  },
  {
    version: 7,
    description: 'artifacts for a team: the root each artifact was written to',
    sql: `
      -- The artifact root (a folder, later a bucket URL) holding the content; NULL: the
      -- store's own root beside the database, where every artifact lived before.
      ALTER TABLE artifacts ADD COLUMN root TEXT;
    `,
  },
  {
    version: 8,
    description: 'shared studies: hyperparameter searches many workers take trials from',
    sql: `
      -- A named search (issue 19). space, sampler and pruner are JSON; the parent run holds
      -- every trial's run as a child. max_trials bounds a sampled study (TPE asks new
      -- trials until then); a grid or random study is enqueued whole at creation.
      CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
        metric TEXT NOT NULL,
        space TEXT NOT NULL CHECK (json_valid(space)),
        sampler TEXT NOT NULL CHECK (json_valid(sampler)),
        pruner TEXT CHECK (pruner IS NULL OR json_valid(pruner)),
        parent_run_id TEXT REFERENCES runs(id),
        max_trials INTEGER,
        max_retries INTEGER NOT NULL CHECK (max_retries >= 0),
        lease_ms INTEGER NOT NULL CHECK (lease_ms > 0),
        created_at REAL NOT NULL
      );

      -- One row per trial. attempt counts claims; (worker, attempt) is the lease's fence:
      -- only the holder of the current attempt may heartbeat, report or finish. Times are
      -- the database's clock, so workers on machines with skewed clocks agree.
      CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies(id),
        number INTEGER NOT NULL CHECK (number >= 1),
        params TEXT NOT NULL CHECK (json_valid(params)),
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'finished', 'pruned', 'failed')),
        attempt INTEGER NOT NULL DEFAULT 0,
        worker TEXT,
        run_id TEXT,
        lease_until REAL,
        heartbeat_at REAL,
        value REAL,
        error TEXT,
        created_at REAL NOT NULL,
        finished_at REAL,
        UNIQUE (study_id, number)
      );
      CREATE INDEX trials_by_state ON trials(study_id, state, number);

      -- Every claim of a trial, kept: who held it from when to when and how it ended
      -- (finished, pruned, failed, lost: its lease lapsed).
      CREATE TABLE trial_attempts (
        trial_id INTEGER NOT NULL REFERENCES trials(id),
        attempt INTEGER NOT NULL,
        worker TEXT NOT NULL,
        claimed_at REAL NOT NULL,
        ended_at REAL,
        outcome TEXT CHECK (outcome IN ('finished', 'pruned', 'failed', 'lost')),
        PRIMARY KEY (trial_id, attempt)
      );

      -- The intermediate values a trial reports (per epoch) for the pruners; a retried
      -- trial starts over.
      CREATE TABLE trial_values (
        trial_id INTEGER NOT NULL REFERENCES trials(id),
        step INTEGER NOT NULL,
        value REAL,
        PRIMARY KEY (trial_id, step)
      );
    `,
  },
  {
    version: 9,
    description:
      'key indexes: the runs table reads its columns and ranges without visiting every run',
    sql: `
      -- The distinct keys of params, tags and metrics come off these one at a time (a loose
      -- index scan), and a metric column's range is its first and last finite value here.
      CREATE INDEX params_by_key ON params(key, run_id);
      CREATE INDEX tags_by_key ON tags(key, run_id);
      CREATE INDEX metric_series_by_key ON metric_series(key, value, run_id);
      -- The unpinned runs of the runs table's first page come off this index in order.
      CREATE INDEX runs_top_level_by_start ON runs(start_time) WHERE parent_run_id IS NULL AND deleted_at IS NULL;
    `,
  },
];

/** The newest schema this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
