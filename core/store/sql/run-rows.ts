/**
 * What the SQL run stores (SQLite core/store/store.ts, PostgreSQL core/store/postgres/store.ts)
 * share above their SQL: the rows they read (same columns on both schemas), how a row
 * becomes a domain object, the checks on what a caller hands in, and the errors a user
 * sees. One copy, so the two backends cannot drift apart in what they accept or say.
 */
import { StoreError } from '../errors';
import { THIS_HOST } from '../liveness';
import {
  MAX_RUN_NAME_LENGTH,
  type Artifact,
  type EndStatus,
  type Experiment,
  type MetricPoint,
  type NewRun,
  type Run,
  type RunEnvironment,
  type RunStatus,
} from '../types';

export interface ExperimentRow {
  id: number;
  name: string;
  created_at: number;
  key_metric: string | null;
  key_metric_higher_is_better: number | null;
}

export interface RunRow {
  id: string;
  experiment_id: number;
  experiment_name: string;
  name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  source_notebook: string | null;
  source_cell: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  environment: string | null;
  pid: number | null;
  host: string | null;
  heartbeat_at: number | null;
  error: string | null;
  parent_run_id: string | null;
  deleted_at: number | null;
  user_name: string | null;
}

export interface ArtifactRow {
  run_id: string;
  name: string;
  sha256: string;
  size: number;
  media_type: string;
  created_at: number;
  root: string | null;
}

/** The columns of a RunRow, from `runs r JOIN experiments e`. */
export const RUN_COLUMNS = `r.id, r.experiment_id, e.name AS experiment_name, r.name, r.status, r.start_time, r.end_time,
  r.source_notebook, r.source_cell, r.git_commit, r.git_dirty, r.environment, r.pid, r.host, r.heartbeat_at,
  r.error, r.parent_run_id, r.deleted_at, r.user_name`;

/** The INSERT of a new run; its values are newRunValues'. */
export const INSERT_RUN = `INSERT INTO runs (id, experiment_id, name, status, start_time, source_notebook, source_cell,
          git_commit, git_dirty, environment, pid, host, heartbeat_at, parent_run_id, user_name)
        VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The values of INSERT_RUN, in its column order; `name` and `user` as the backend stores them. */
export function newRunValues(
  run: NewRun,
  row: { id: string; experimentId: number; name: string; startTime: number; user: string | null },
): unknown[] {
  return [
    row.id,
    row.experimentId,
    row.name,
    row.startTime,
    run.sourceNotebook ?? null,
    run.sourceCell === undefined || run.sourceCell === null ? null : String(run.sourceCell),
    run.gitCommit ?? null,
    run.gitDirty === undefined || run.gitDirty === null ? null : run.gitDirty ? 1 : 0,
    run.environment ? JSON.stringify(run.environment) : null,
    run.pid ?? process.pid,
    run.host ?? THIS_HOST,
    row.startTime,
    run.parentRunId ?? null,
    row.user,
  ];
}

export function toExperiment(row: ExperimentRow): Experiment {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    keyMetric: row.key_metric,
    keyMetricHigherIsBetter:
      row.key_metric_higher_is_better === null ? null : row.key_metric_higher_is_better === 1,
  };
}

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    name: row.name,
    status: row.status,
    startTime: row.start_time,
    endTime: row.end_time,
    sourceNotebook: row.source_notebook,
    sourceCell: row.source_cell,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    environment: row.environment === null ? null : (JSON.parse(row.environment) as RunEnvironment),
    pid: row.pid,
    host: row.host,
    heartbeatAt: row.heartbeat_at,
    error: row.error,
    parentRunId: row.parent_run_id,
    deletedAt: row.deleted_at,
    user: row.user_name,
  };
}

/** `defaultRoot`: where artifacts recorded before roots were (schema 7) live. */
export function toArtifact(row: ArtifactRow, defaultRoot: string): Artifact {
  return {
    root: row.root ?? defaultRoot,
    runId: row.run_id,
    name: row.name,
    sha256: row.sha256,
    size: row.size,
    mediaType: row.media_type,
    createdAt: row.created_at,
  };
}

export function checkPoint(point: MetricPoint): void {
  if (
    typeof point.value !== 'number' ||
    !Number.isSafeInteger(point.step) ||
    !Number.isFinite(point.timestamp) ||
    typeof point.key !== 'string' ||
    typeof point.runId !== 'string'
  ) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `invalid metric point ${JSON.stringify(point)}: needs string runId and key, an integer step, a finite timestamp and a number value`,
    );
  }
}

/** Whether `a` replaces `b` as the latest point: higher step, or same step and not older. */
export function isLater(a: MetricPoint, b: { step: number; timestamp: number }): boolean {
  return a.step > b.step || (a.step === b.step && a.timestamp >= b.timestamp);
}

export function checkExperimentName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `experiment name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
}

/** A name a run may be renamed to: not empty, not past MAX_RUN_NAME_LENGTH. */
export function checkRunName(name: string): void {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `run name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  }
  if (name.length > MAX_RUN_NAME_LENGTH) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `run name is ${name.length} characters long; the limit is ${MAX_RUN_NAME_LENGTH} (${JSON.stringify(`${name.slice(0, 40)}…`)})`,
    );
  }
}

const END_STATUSES: readonly string[] = ['finished', 'failed', 'killed'];

export function checkEndStatus(status: EndStatus): void {
  if (!END_STATUSES.includes(status)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `a run ends as finished, failed or killed, not ${JSON.stringify(status)}`,
    );
  }
}

export function noRunError(id: string, location: string): StoreError {
  return new StoreError('NOT_FOUND', `no run with id ${JSON.stringify(id)} in ${location}`);
}

export function noExperimentError(experiment: string | number, location: string): StoreError {
  return new StoreError('NOT_FOUND', `no experiment ${JSON.stringify(experiment)} in ${location}`);
}

/** MLflow's rule: a param, once logged, keeps its value. */
export function paramConflictError(
  runId: string,
  key: string,
  existing: string | undefined,
  tried: string,
): StoreError {
  return new StoreError(
    'PARAM_CONFLICT',
    `param ${JSON.stringify(key)} of run ${runId} is already ${JSON.stringify(existing)}; params cannot change ` +
      `(tried ${JSON.stringify(tried)}). Log it as a tag or metric, or start a new run.`,
  );
}

/** A purge names every run it refused: the live ones (delete first) and the unknown ones. */
export function purgeRefusedError(live: readonly string[], missing: readonly string[]): StoreError {
  const problems = [
    ...(live.length ? [`not deleted (delete them first): ${live.join(', ')}`] : []),
    ...(missing.length ? [`not found: ${missing.join(', ')}`] : []),
  ];
  return new StoreError(
    live.length ? 'INVALID_ARGUMENT' : 'NOT_FOUND',
    `purge removes only soft-deleted runs; nothing was purged. Runs ${problems.join('; ')}`,
  );
}
