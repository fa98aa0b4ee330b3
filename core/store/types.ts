/**
 * What the store holds, in the user's words, and the interface every store implements.
 * Nothing here depends on SQLite: a PostgreSQL store (a later issue) implements the same
 * `RunStore`, and the SDK and the service only ever see this file.
 */
import type { Clause, OrderKey, SearchCondition } from '../search/parse';
import type { ArtifactData } from './artifacts';

export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';
/** The statuses a run can end with. */
export type EndStatus = Exclude<RunStatus, 'running'>;

export interface Experiment {
  id: number;
  name: string;
  /** ms since the Unix epoch */
  createdAt: number;
  /** The metric that ranks runs of this experiment, if chosen. */
  keyMetric: string | null;
  keyMetricHigherIsBetter: boolean | null;
}

/** The software a run ran with. */
export interface RunEnvironment {
  node: string;
  platform: string;
  arch: string;
  /** Package name to version; null when the package could not be resolved. */
  packages: Record<string, string | null>;
}

export interface Run {
  id: string;
  experimentId: number;
  experimentName: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  sourceNotebook: string | null;
  sourceCell: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  environment: RunEnvironment | null;
  pid: number | null;
  host: string | null;
  heartbeatAt: number | null;
  /** Why the run failed (or was killed). */
  error: string | null;
  parentRunId: string | null;
  deletedAt: number | null;
  /** Who started it (core/who.ts); null for runs recorded before Labbook knew. */
  user: string | null;
}

export interface NewRun {
  /** Experiment name; created when it does not exist. */
  experiment: string;
  /**
   * The run's name; when absent, `<namePrefix>-<N>` with N one more than the runs the
   * experiment has ever had, counted inside the insert's transaction, so two processes
   * starting runs at once never get the same name.
   */
  name?: string;
  /** Default: "run". */
  namePrefix?: string;
  /** Default: a random 32-hex-digit id. */
  id?: string;
  startTime?: number;
  sourceNotebook?: string | null;
  sourceCell?: string | number | null;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  environment?: RunEnvironment | null;
  /** Default: this process. */
  pid?: number;
  /** Default: os.hostname(). */
  host?: string;
  parentRunId?: string | null;
  /** Who starts it; default: not recorded (the SDK gives the git or OS user). */
  user?: string | null;
}

/**
 * A parsed search (core/search/parse.ts): conditions ANDed and an order, which each backend
 * turns into its own query. `now` (ms since the epoch, default the call's) is the one
 * moment a running run's duration is measured at.
 */
export interface RunSearch {
  /** Conditions that must all hold (parseFilter). */
  clauses?: readonly Clause[];
  /** A condition with AND, OR and NOT (parseSearch), ANDed with the clauses. */
  condition?: SearchCondition | null;
  order?: readonly OrderKey[];
  now?: number;
}

export interface RunFilter {
  /** Only runs this person started. */
  user?: string;
  /** A search in the runs search language, parsed: extra conditions and order. */
  search?: RunSearch;
  /** Experiment name or id. */
  experiment?: string | number;
  status?: RunStatus;
  /** Any of these experiment ids (empty: no restriction). */
  experimentIds?: number[];
  /** Soft-deleted runs are left out unless asked for. */
  includeDeleted?: boolean;
  /** Only soft-deleted runs (implies includeDeleted). */
  deletedOnly?: boolean;
  /** Only runs without a parent. */
  topLevelOnly?: boolean;
  /** Only children of this run. */
  parentRunId?: string;
}

/** listRuns' paging and ordering on top of a filter. */
export interface RunListOptions extends RunFilter {
  /** Pinned runs (tag `labbook.pinned` = "true") first. */
  pinnedFirst?: boolean;
  /** Then by this param's value (ascending, runs without it last), before the search's order. */
  groupByParam?: string;
  /** The last tie-breaker: start time, newest first (default) or oldest first. */
  startTimeAscending?: boolean;
  limit?: number;
  offset?: number;
}

/** Tag keys starting with this belong to Labbook (pin, note); users cannot set them as tags. */
export const SYSTEM_TAG_PREFIX = 'labbook.';
export const PINNED_TAG = 'labbook.pinned';
export const NOTE_TAG = 'labbook.note';
/** On a sweep's parent run: the id of its best trial (kernel/sdk/sweep.ts). */
export const BEST_RUN_TAG = 'labbook.best_run';
export const MAX_RUN_NAME_LENGTH = 500;

/** Smallest and largest value of one metric; NaN points are ignored, null when every point is NaN. */
export interface MetricRange {
  min: number | null;
  max: number | null;
}

/** Distinct keys over a set of runs, each list sorted. */
export interface RunKeys {
  params: string[];
  metrics: string[];
  tags: string[];
}

export interface PurgeResult {
  /** Runs permanently removed. */
  purged: number;
  /** Bytes of artifact files removed because no remaining run refers to them. */
  artifactBytesFreed: number;
}

/** One logged metric value. */
export interface MetricPoint {
  runId: string;
  key: string;
  step: number;
  /** ms since the Unix epoch */
  timestamp: number;
  /** Any number, including NaN and +/-Infinity. */
  value: number;
}

export type MetricValue = Omit<MetricPoint, 'runId' | 'key'>;

export interface Artifact {
  runId: string;
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
  createdAt: number;
  /** The artifact root its content was written to (content-addressed by sha256 there). */
  root: string;
}

export interface LogArtifactOptions {
  /** Default: guessed from the name's extension. */
  mediaType?: string;
}

/**
 * The runs-and-metrics store as SQLite serves it in-process: synchronous, because
 * better-sqlite3 is, and the SDK flushes inside process.on('exit'), where nothing
 * asynchronous runs. Code that must work on every backend uses {@link RunStore}; the
 * callers still typed with this one work on SQLite only (see core/store/open.ts).
 */
export interface SyncRunStore {
  /** Where the data lives (a file path for SQLite). */
  readonly location: string;
  close(): void;

  getOrCreateExperiment(name: string): Experiment;
  getExperiment(nameOrId: string | number): Experiment | undefined;
  listExperiments(): Experiment[];
  setKeyMetric(experiment: string | number, key: string | null, higherIsBetter?: boolean): void;

  createRun(run: NewRun): Run;
  getRun(id: string): Run | undefined;
  /** Newest first (see RunListOptions for pinning, grouping and paging). */
  listRuns(filter?: RunListOptions): Run[];
  /** How many runs the filter matches. */
  countRuns(filter?: RunFilter): number;
  /** Ids of runs (deleted ones too) starting with `prefix`, at most `limit` (default 10). */
  runIdsWithPrefix(prefix: string, limit?: number): string[];
  /** Validated: a non-empty name of at most MAX_RUN_NAME_LENGTH characters. */
  renameRun(id: string, name: string): void;
  endRun(
    id: string,
    status: EndStatus,
    options?: { error?: string | null; endTime?: number },
  ): void;
  /** Records that the run's writer is alive (and revives a run wrongly marked killed). */
  heartbeat(id: string, at?: number): void;
  /** Soft delete: the run disappears from listRuns but its data stays until purged. */
  deleteRun(id: string): void;
  /** Undoes deleteRun. */
  restoreRun(id: string): void;
  /**
   * Permanently removes soft-deleted runs with all their data, in one transaction; refuses
   * (removing nothing) when any id is unknown or not soft-deleted. Children of purged runs
   * lose their parent. Then removes artifact files no remaining run refers to.
   */
  purgeRuns(ids: readonly string[]): PurgeResult;
  /** Marks running runs whose writer process is gone as killed; returns their ids. */
  markKilledRuns(now?: number): string[];

  /** Params are immutable: logging a different value for a key already logged is an error. */
  logParams(runId: string, params: Record<string, string>): void;
  getParams(runId: string): Record<string, string>;
  setTags(runId: string, tags: Record<string, string>): void;
  getTags(runId: string): Record<string, string>;
  deleteTags(runId: string, keys: readonly string[]): void;

  /** All points in one transaction; also refreshes latest values and the writers' heartbeat. */
  insertMetricPoints(points: readonly MetricPoint[]): void;
  /** Every point of one metric, by step then time. */
  metricHistory(runId: string, key: string): MetricValue[];
  /** The latest point of each metric of a run. */
  latestMetrics(runId: string): Record<string, MetricValue>;

  // Set-based reads for many runs at once (tables): results keyed by run id; runs without
  // any row are absent.
  paramsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>>;
  tagsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>>;
  latestMetricsOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricValue>>;
  /** Min and max over every point of each metric of each run. */
  metricRangesOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricRange>>;
  /** Number of (not deleted) children of each run. */
  childCounts(runIds: readonly string[]): Map<string, number>;
  /** Distinct param, metric and tag keys over every run the filter matches (only the kinds asked for; default all). */
  runKeys(filter?: RunFilter, kinds?: readonly (keyof RunKeys)[]): RunKeys;
  /** Per metric key, min and max of the finite latest values over the runs the filter matches. */
  latestMetricRanges(filter?: RunFilter): Record<string, MetricRange>;
  /** Runs per value of a param over the runs the filter matches: ascending, null (not logged) last. */
  paramValueCounts(filter: RunFilter, key: string): { value: string | null; count: number }[];

  logArtifact(
    runId: string,
    name: string,
    data: ArtifactData,
    options?: LogArtifactOptions,
  ): Artifact;
  listArtifacts(runId: string): Artifact[];
  readArtifact(runId: string, name: string): Buffer;
}

/** The same methods, each answering with a promise. */
export type Async<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : T[K];
};

/**
 * Everything the SDK, the CLI and the service need from a runs-and-metrics store, on any
 * backend: SQLite (a file, answered in-process with resolved promises) or PostgreSQL (a
 * server, over a connection pool). Same semantics on both: params immutable, NaN and
 * +/-Infinity round-trip, runs ordered MLflow's way, a failing batch writes nothing, writes
 * to a soft-deleted run refused until it is restored. The contract suite
 * (test/unit/store-contract.test.ts) runs against every backend.
 */
export type RunStore = Async<SyncRunStore> & {
  /** Which backend answers. */
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Calls `onChange` after other connections (kernels, the CLI, other machines) commit
   * writes, for live views: PostgreSQL pushes them (LISTEN/NOTIFY), SQLite is polled
   * (PRAGMA data_version). Resolves to a function that stops watching.
   */
  watch(onChange: () => void): Promise<() => Promise<void>>;
};

/**
 * Raw SQL on a store's own connection, for modules that keep their own tables in the same
 * file (core/registry). Values always travel as bound parameters; statements are cached.
 */
export interface SqlAccess {
  /**
   * Which SQL answers. The domain stores' statements are written once in SQL both speak;
   * only a planner hint for SQLite (a CROSS JOIN fixing the join order) differs.
   */
  readonly dialect: 'sqlite' | 'postgres';
  run(sql: string, ...args: unknown[]): { changes: number; lastInsertRowid: number | bigint };
  get<T>(sql: string, ...args: unknown[]): T | undefined;
  all<T>(sql: string, ...args: unknown[]): T[];
  /**
   * Runs `fn` in one BEGIN IMMEDIATE transaction (a nested call becomes a savepoint); rolls
   * back on a throw. `waitMs` bounds how long it waits for another writer's lock (default:
   * the store's busy timeout): a writer that must never stall its process gives 0 and
   * retries on SQLITE_BUSY.
   */
  transaction<T>(fn: () => T, options?: { waitMs?: number }): T;
}
