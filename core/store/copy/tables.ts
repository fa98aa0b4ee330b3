/**
 * Every table of schema 8 as `labbook store copy` moves it: the columns both backends
 * share, in one order, each with the kind of value it holds, so a row read from one
 * backend is written to the other and rendered for the checksum the same way.
 *
 * Written out rather than read from the database: the copy must know what each column
 * means (a metric value whose NaN SQLite stores as NULL, an identity to move on after
 * the copy, a run's parent written after every run exists). Opening either side checks
 * this list against the tables really there (see checkColumns), so a later migration that
 * adds a table or a column fails the copy loudly instead of dropping the new data.
 */
import { SCHEMA_VERSION } from '../schema';

/**
 * `text`, `int` and `real` are what they say; `metric` is a float that may be NaN, which
 * SQLite stores as NULL (core/store/schema.ts) and PostgreSQL as 'NaN'.
 */
export type ColumnKind = 'text' | 'int' | 'real' | 'metric';

export interface CopyColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** The column under another name on SQLite (runs.seq is SQLite's rowid). */
  readonly sqlite?: string;
  /**
   * Refers to another row of the same table (a run's parent): written as NULL with the
   * rows, then set once every row exists, so the rows' order never breaks the foreign key.
   */
  readonly selfReference?: true;
}

export interface CopyTable {
  readonly name: string;
  readonly columns: readonly CopyColumn[];
  /** The column PostgreSQL numbers by an identity: moved past the copied ids afterwards. */
  readonly identity?: string;
  /** Primary key, for the self-reference update. */
  readonly key?: string;
}

/** The schema version the list below describes. */
export const COPY_SCHEMA_VERSION = 9;

const col = (name: string, kind: ColumnKind, extra: Partial<CopyColumn> = {}): CopyColumn => ({
  name,
  kind,
  ...extra,
});
const texts = (...names: string[]) => names.map((n) => col(n, 'text'));

/** In an order that satisfies every foreign key (parents before children). */
export const COPY_TABLES: readonly CopyTable[] = [
  {
    name: 'experiments',
    identity: 'id',
    columns: [
      col('id', 'int'),
      col('name', 'text'),
      col('created_at', 'real'),
      col('key_metric', 'text'),
      col('key_metric_higher_is_better', 'int'),
    ],
  },
  {
    name: 'runs',
    identity: 'seq',
    key: 'id',
    columns: [
      col('id', 'text'),
      // The insertion order, the last tie-breaker of the run order: kept on both sides.
      col('seq', 'int', { sqlite: 'rowid' }),
      col('experiment_id', 'int'),
      col('name', 'text'),
      col('status', 'text'),
      col('start_time', 'real'),
      col('end_time', 'real'),
      ...texts('source_notebook', 'source_cell', 'git_commit'),
      col('git_dirty', 'int'),
      col('environment', 'text'),
      col('pid', 'int'),
      col('host', 'text'),
      col('heartbeat_at', 'real'),
      col('error', 'text'),
      col('parent_run_id', 'text', { selfReference: true }),
      col('deleted_at', 'real'),
      col('user_name', 'text'),
    ],
  },
  { name: 'params', columns: texts('run_id', 'key', 'value') },
  { name: 'tags', columns: texts('run_id', 'key', 'value') },
  {
    name: 'artifacts',
    columns: [
      ...texts('run_id', 'name', 'sha256'),
      col('size', 'int'),
      col('media_type', 'text'),
      col('created_at', 'real'),
      col('root', 'text'),
    ],
  },
  {
    name: 'metric_series',
    identity: 'id',
    columns: [
      col('id', 'int'),
      ...texts('run_id', 'key'),
      col('step', 'int'),
      col('timestamp', 'real'),
      col('value', 'metric'),
      col('min', 'real'),
      col('max', 'real'),
      col('points', 'int'),
    ],
  },
  {
    name: 'metric_points',
    columns: [
      col('series_id', 'int'),
      col('step', 'int'),
      col('seq', 'int'),
      col('timestamp', 'real'),
      col('value', 'metric'),
    ],
  },
  {
    name: 'registered_models',
    columns: [col('name', 'text'), col('description', 'text'), col('created_at', 'real')],
  },
  {
    name: 'model_versions',
    columns: [
      col('name', 'text'),
      col('version', 'int'),
      ...texts(
        'stage',
        'run_id',
        'artifact_path',
        'signature',
        'holdout',
        'description',
        'intended_use',
        'limitations',
      ),
      col('created_at', 'real'),
      col('created_by', 'text'),
    ],
  },
  {
    name: 'model_aliases',
    columns: [col('name', 'text'), col('alias', 'text'), col('version', 'int')],
  },
  {
    name: 'model_transitions',
    identity: 'id',
    columns: [
      col('id', 'int'),
      col('name', 'text'),
      col('version', 'int'),
      ...texts('kind', 'from_stage', 'to_stage', 'alias'),
      col('at', 'real'),
      col('by', 'text'),
      col('reason', 'text'),
      col('forced', 'int'),
      col('gates', 'text'),
    ],
  },
  {
    name: 'datasets',
    identity: 'id',
    columns: [
      col('id', 'int'),
      col('name', 'text'),
      col('version', 'int'),
      ...texts('fingerprint', 'schema', 'profile'),
      col('rows', 'int'),
      col('source', 'text'),
      col('created_at', 'real'),
    ],
  },
  {
    name: 'run_inputs',
    columns: [
      col('run_id', 'text'),
      col('dataset_id', 'int'),
      col('role', 'text'),
      col('validation', 'text'),
      col('created_at', 'real'),
    ],
  },
  {
    name: 'deployments',
    identity: 'id',
    columns: [
      col('id', 'int'),
      ...texts('name', 'model_name', 'model_ref', 'strategy'),
      col('primary_version', 'int'),
      col('candidate_ref', 'text'),
      col('candidate_version', 'int'),
      col('weight', 'real'),
      col('host', 'text'),
      col('port', 'int'),
      col('pid', 'int'),
      ...texts('status', 'error', 'config', 'token_file'),
      col('created_at', 'real'),
      col('created_by', 'text'),
      col('started_at', 'real'),
      col('stopped_at', 'real'),
      col('updated_at', 'real'),
    ],
  },
  {
    name: 'deployment_events',
    identity: 'id',
    columns: [
      col('id', 'int'),
      col('deployment_id', 'int'),
      col('kind', 'text'),
      col('at', 'real'),
      ...texts('by', 'reason', 'before', 'after'),
    ],
  },
  {
    name: 'prediction_logs',
    identity: 'seq',
    columns: [
      col('seq', 'int'),
      col('id', 'text'),
      col('deployment_id', 'int'),
      col('at', 'real'),
      col('variant', 'text'),
      col('model_version', 'int'),
      col('shadow', 'int'),
      ...texts('inputs', 'outputs', 'predicted'),
      col('latency_ms', 'real'),
    ],
  },
  {
    name: 'feedback',
    columns: [
      col('id', 'text'),
      col('deployment_id', 'int'),
      col('label', 'text'),
      col('at', 'real'),
    ],
  },
  {
    name: 'studies',
    identity: 'id',
    columns: [
      col('id', 'int'),
      ...texts('name', 'direction', 'metric', 'space', 'sampler', 'pruner', 'parent_run_id'),
      col('max_trials', 'int'),
      col('max_retries', 'int'),
      col('lease_ms', 'int'),
      col('created_at', 'real'),
    ],
  },
  {
    name: 'trials',
    identity: 'id',
    columns: [
      col('id', 'int'),
      col('study_id', 'int'),
      col('number', 'int'),
      ...texts('params', 'state'),
      col('attempt', 'int'),
      ...texts('worker', 'run_id'),
      col('lease_until', 'real'),
      col('heartbeat_at', 'real'),
      // NULL until the trial ends: not a NaN to carry across.
      col('value', 'real'),
      col('error', 'text'),
      col('created_at', 'real'),
      col('finished_at', 'real'),
    ],
  },
  {
    name: 'trial_attempts',
    columns: [
      col('trial_id', 'int'),
      col('attempt', 'int'),
      col('worker', 'text'),
      col('claimed_at', 'real'),
      col('ended_at', 'real'),
      col('outcome', 'text'),
    ],
  },
  {
    name: 'trial_values',
    columns: [col('trial_id', 'int'), col('step', 'int'), col('value', 'real')],
  },
];

if (COPY_SCHEMA_VERSION !== SCHEMA_VERSION) {
  // Caught by every test that imports the copy: the list must be brought up to date with
  // the new migration before Labbook ships it.
  throw new Error(
    `core/store/copy/tables.ts describes schema ${COPY_SCHEMA_VERSION}, the store is at ${SCHEMA_VERSION}: add the new migration's tables and columns`,
  );
}

/** Double-quoted, so `by`, `rows` and `schema` are names on both backends. */
export function quoted(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The columns of each table as the database has them, against the list: a table or a
 * column the list does not know is an error naming it (the copy would lose it).
 */
export function checkColumns(
  where: string,
  actual: ReadonlyMap<string, ReadonlySet<string>>,
  backendOnly: ReadonlySet<string> = new Set(),
): void {
  const known = new Map(COPY_TABLES.map((t) => [t.name, t]));
  for (const [table, columns] of actual) {
    const spec = known.get(table);
    if (!spec) {
      throw new CopyError(
        `${where} has a table "${table}" that this Labbook's copy does not know; nothing was copied`,
      );
    }
    const listed = new Set(spec.columns.map((c) => c.name));
    for (const column of columns) {
      if (!listed.has(column) && !backendOnly.has(`${table}.${column}`)) {
        throw new CopyError(
          `${where} has a column "${table}.${column}" that this Labbook's copy does not know; nothing was copied`,
        );
      }
    }
  }
  for (const spec of COPY_TABLES) {
    if (!actual.has(spec.name))
      throw new CopyError(
        `${where} has no table "${spec.name}": it is not a complete Labbook store`,
      );
  }
}

/** A copy that cannot go ahead or did not arrive whole; the message says which and why. */
export class CopyError extends Error {
  override name = 'CopyError';
}
