import type { CompiledSearch } from '../search/sql';
/**
 * What the store holds, in the user's words, and the interface every store implements.
 * Nothing here depends on SQLite: a PostgreSQL store (a later issue) implements the same
 * `RunStore`, and the SDK and the service only ever see this file.
 */
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
}

export interface NewRun {
  /** Experiment name; created when it does not exist. */
  experiment: string;
  name: string;
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
}

export interface RunFilter {
  /** A compiled search (core/search): extra conditions and order, applied in SQL. */
  search?: CompiledSearch;
  /** Experiment name or id. */
  experiment?: string | number;
  status?: RunStatus;
  /** Soft-deleted runs are left out unless asked for. */
  includeDeleted?: boolean;
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
}

export interface LogArtifactOptions {
  /** Default: guessed from the name's extension. */
  mediaType?: string;
}

/**
 * Everything the SDK, the CLI and the service need from a store. Synchronous on purpose:
 * better-sqlite3 is synchronous, and the SDK must be able to flush inside
 * process.on('exit'), where nothing asynchronous runs. A network store can meet this
 * contract through a worker thread and Atomics.wait, or grow async twins of these methods.
 */
export interface RunStore {
  /** Where the data lives (a file path for SQLite). */
  readonly location: string;
  close(): void;

  getOrCreateExperiment(name: string): Experiment;
  getExperiment(nameOrId: string | number): Experiment | undefined;
  listExperiments(): Experiment[];
  setKeyMetric(experiment: string | number, key: string | null, higherIsBetter?: boolean): void;

  createRun(run: NewRun): Run;
  getRun(id: string): Run | undefined;
  /** Newest first. */
  listRuns(filter?: RunFilter): Run[];
  endRun(id: string, status: EndStatus, options?: { error?: string | null; endTime?: number }): void;
  /** Records that the run's writer is alive (and revives a run wrongly marked killed). */
  heartbeat(id: string, at?: number): void;
  /** Soft delete: the run disappears from listRuns but its data stays until purged. */
  deleteRun(id: string): void;
  /** Marks running runs whose writer process is gone as killed; returns their ids. */
  markKilledRuns(now?: number): string[];

  /** Params are immutable: logging a different value for a key already logged is an error. */
  logParams(runId: string, params: Record<string, string>): void;
  getParams(runId: string): Record<string, string>;
  setTags(runId: string, tags: Record<string, string>): void;
  getTags(runId: string): Record<string, string>;

  /** All points in one transaction; also refreshes latest values and the writers' heartbeat. */
  insertMetricPoints(points: readonly MetricPoint[]): void;
  /** Every point of one metric, by step then time. */
  metricHistory(runId: string, key: string): MetricValue[];
  /** The latest point of each metric of a run. */
  latestMetrics(runId: string): Record<string, MetricValue>;

  logArtifact(runId: string, name: string, data: ArtifactData, options?: LogArtifactOptions): Artifact;
  listArtifacts(runId: string): Artifact[];
  readArtifact(runId: string, name: string): Buffer;
}
