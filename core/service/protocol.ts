/**
 * The contract between the VS Code extension and the workspace service (a `core/` child
 * process that owns the store, so the extension host never loads a native module).
 * JSON-RPC over the child's fd 3; both sides import this module.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

import type { WireNumber } from '../common/wire-number';

export { toWireNumber, fromWireNumber, type WireNumber } from '../common/wire-number';

export interface ServiceInitializeParams {
  storePath: string;
}

export interface ServiceInitializeResult {
  storePath: string;
  /** False until a notebook has written the first run (the service never creates the file). */
  storeExists: boolean;
  pid: number;
}

export interface ExperimentItem {
  id: number;
  name: string;
  runCount: number;
  keyMetric: string | null;
  keyMetricHigherIsBetter: boolean | null;
}

/** What a sweep's parent run records (kernel/sdk/sweep.ts: params `sweep.metric`, `sweep.goal`, tag `labbook.best_run`). */
export interface SweepItem {
  /** The metric that ranks the trials. */
  metric: string;
  goal: 'maximize' | 'minimize';
  /** The best trial, recorded when the sweep ends; null while it runs or when no trial had a value. */
  bestRunId: string | null;
}

export interface RunItem {
  id: string;
  experimentId: number;
  experiment: string;
  name: string;
  status: 'running' | 'finished' | 'failed' | 'killed';
  startTime: number;
  endTime: number | null;
  parentRunId: string | null;
  sourceNotebook: string | null;
  /**
   * The metric shown beside the run: for a sweep's trial the metric the sweep optimises,
   * else the experiment's key metric, else a common one it has.
   */
  keyMetric: { key: string; value: WireNumber } | null;
  /** Set on a sweep's parent run. */
  sweep: SweepItem | null;
  /** Pinned runs sort first in the tree and the table (tag `labbook.pinned`). */
  pinned: boolean;
  /** Set when the run is soft-deleted (listed only under "Deleted"). */
  deletedAt: number | null;
  /** Who started it (git or OS user, or LABBOOK_USER); null for runs recorded before Labbook knew. */
  user: string | null;
}

export interface MetricPointItem {
  step: number;
  timestamp: number;
  value: WireNumber;
}

export interface ArtifactItem {
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export interface RunDetails extends RunItem {
  sourceCell: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  environment: unknown;
  error: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  latestMetrics: Record<string, MetricPointItem>;
  /**
   * Each metric's history for its chart, downsampled on the server (min/max per pixel
   * bucket, NaN markers and the last point kept) when it is long; GetMetricSeries gives
   * every point of a zoomed range.
   */
  metricHistory: Record<string, MetricPointItem[]>;
  /** How many points each metric's full history holds (more than metricHistory's when downsampled). */
  metricHistoryPoints?: Record<string, number>;
  artifacts: ArtifactItem[];
  /** Markdown note (tag `labbook.note`), null when none. */
  note: string | null;
  /** `git diff --stat` of the uncommitted changes at run start (artifact `labbook/git-diff.txt`). */
  gitDiffSummary: string | null;
  /** The cells that had run in the notebook when the run started (artifact `labbook/source.ipynb`). */
  sourceSnapshot: SourceSnapshotCell[] | null;
}

export interface SourceSnapshotCell {
  /** Index of the cell in the notebook when it ran, if known. */
  index: number | null;
  executionCount: number | null;
  source: string;
}

/** Which of a metric's values a table column shows. */
export type MetricAggregate = 'latest' | 'min' | 'max';

export interface RunsTableQuery {
  /** Experiments to list; empty or absent: all. */
  experimentIds?: number[];
  /** The runs search language (core/search), e.g. `metrics.acc > 0.9 and params.lr = "0.01"`. */
  filter?: string;
  /** Order-by in the search language, e.g. `metrics.acc DESC, params.lr`. Pinned runs always come first. */
  orderBy?: string;
  /** Group rows by this param: rows are ordered by it first, and `groups` counts each value. */
  groupByParam?: string;
  /** Top-level runs only (children are fetched with `parentRunId`). Default true. */
  topLevelOnly?: boolean;
  /** Children of this run, in start order; overrides `topLevelOnly`. */
  parentRunId?: string;
  offset: number;
  /** At most 1000. */
  limit: number;
}

export interface RunsTableMetric {
  latest: WireNumber;
  min: WireNumber | null;
  max: WireNumber | null;
  step: number;
}

export interface RunsTableRow extends RunItem {
  params: Record<string, string>;
  /** User tags; system tags (`labbook.*`) are left out. */
  tags: Record<string, string>;
  metrics: Record<string, RunsTableMetric>;
  childCount: number;
}

export interface RunsTablePage {
  /** Rows matching the query, across all pages. */
  total: number;
  offset: number;
  rows: RunsTableRow[];
  /** Every key any matching run has, sorted: the column picker's choices. */
  columns: { params: string[]; metrics: string[]; tags: string[] };
  /** With `groupByParam`: each value (null: param not logged) and its row count, in row order. */
  groups?: { value: string | null; count: number }[];
  /** Best value of each metric among the matching runs (direction as in the comparison). */
  best: Record<string, WireNumber>;
  /** The filter or order-by did not parse: the message and the 0-based position in the text. */
  error?: { in: 'filter' | 'orderBy'; message: string; position: number };
}

export interface RunComparisonData {
  /** The same data as `labbook compare --json` (core/compare). */
  comparison: import('../common/comparison').RunComparison;
  /** Per metric, per run id: every point, for overlaid charts. */
  histories: Record<string, Record<string, MetricPointItem[]>>;
  /** Start time of each run (for relative-time x axes), by run id. */
  startTimes: Record<string, number>;
  /**
   * The metric the charts default to: the sweep's when the runs are one sweep's trials
   * (and maybe the sweep itself), else the first experiment's key metric; null: none named.
   */
  keyMetric?: string | null;
  /** When the runs are one sweep's trials (and maybe the sweep itself): its metric, goal and trials. */
  sweep?: import('../common/optimisation-history').ComparisonSweep | null;
}

export interface RunUpdate {
  runId: string;
  name?: string;
  /** Tags to set (user tags; `labbook.*` keys are refused). */
  setTags?: Record<string, string>;
  deleteTags?: string[];
  /** Markdown; empty string or null removes the note. */
  note?: string | null;
  pinned?: boolean;
}

export const ServiceInitialize = new RequestType<
  ServiceInitializeParams,
  ServiceInitializeResult,
  void
>('service/initialize');
export const ListExperiments = new RequestType0<ExperimentItem[], void>('service/experiments');
export const ListRuns = new RequestType<{ experimentId: number }, RunItem[], void>('service/runs');
export const GetRunDetails = new RequestType<{ runId: string }, RunDetails | null, void>(
  'service/runDetails',
);
export const DeleteRun = new RequestType<{ runId: string }, void, void>('service/deleteRun');
export const QueryRunsTable = new RequestType<RunsTableQuery, RunsTablePage, void>(
  'service/runsTable',
);
export const GetRunComparison = new RequestType<{ runIds: string[] }, RunComparisonData, void>(
  'service/compare',
);
export const UpdateRun = new RequestType<RunUpdate, void, void>('service/updateRun');

/** One metric's history for a chart: downsampled to `buckets` columns, or every point of [from, to]. */
export interface MetricSeriesQuery {
  runId: string;
  key: string;
  /** A zoomed range of steps (either bound open): every point in it, not downsampled. */
  from?: number;
  to?: number;
  /** Pixel columns of the chart (default 1000). */
  buckets?: number;
}
export interface MetricSeriesPage {
  /** Points in the whole history. */
  total: number;
  downsampled: boolean;
  points: MetricPointItem[];
}
export const GetMetricSeries = new RequestType<MetricSeriesQuery, MetricSeriesPage, void>(
  'service/metricSeries',
);

/** Which params of an experiment's runs (or a sweep's children) move a metric. */
export interface ParamImportanceQuery {
  experimentId: number;
  /** Only this run's children (a sweep). */
  parentRunId?: string;
  metric: string;
  /** The metric's latest value (default), or its min / max over each run's history. */
  aggregate?: 'min' | 'max';
}
export const GetParamImportance = new RequestType<
  ParamImportanceQuery,
  import('../compare/importance-runs').RunsImportance,
  void
>('service/paramImportance');
export const RestoreRun = new RequestType<{ runId: string }, void, void>('service/restoreRun');
/** Permanently removes soft-deleted runs (only those) and artifact files no run refers to any more. */
export const PurgeRuns = new RequestType<
  { runIds: string[] },
  { purged: number; artifactBytesFreed: number },
  void
>('service/purgeRuns');
export const ListDeletedRuns = new RequestType0<RunItem[], void>('service/deletedRuns');
/** Who the service records as doing things here: runs started by this name are "mine". */
export const CurrentUser = new RequestType0<string, void>('service/currentUser');
export const SetKeyMetric = new RequestType<
  { experimentId: number; key: string | null; higherIsBetter: boolean },
  void,
  void
>('service/setKeyMetric');
/** The captured notebook snapshot of a run as .ipynb JSON text, or null when none was captured. */
export const GetRunSource = new RequestType<
  { runId: string },
  { ipynb: string; notebook: string | null } | null,
  void
>('service/runSource');
// ---- Model registry (core/registry) ----

export type {
  RegisteredModel,
  ModelVersion,
  ModelTransition,
  GateResult,
  GatesConfig,
  ModelCard,
  Stage,
} from '../registry/types';
import type {
  RegisteredModel,
  ModelVersion,
  ModelTransition,
  GateResult,
  GatesConfig,
  ModelCard,
  Stage,
} from '../registry/types';

export interface ModelVersionItem extends ModelVersion {
  runName: string;
  experiment: string;
  /** Latest metrics of the source run (wire numbers). */
  metrics: Record<string, WireNumber>;
  /** Deployments using it (the deploy issue); a version in use is never deleted. */
  inUse: boolean;
}

export interface ModelDetails {
  model: RegisteredModel;
  /** Newest first. */
  versions: ModelVersionItem[];
  /** Newest first. */
  history: ModelTransition[];
  /** Contents of `.labbook/gates/<name>.json`, or null when the model has none. */
  gates: GatesConfig | null;
  /** Where that file is (or would be). */
  gatesPath: string;
}

export interface PromotionPreview {
  gates: GateResult[];
  passed: boolean;
  /** The Production version that promotion to Production would archive. */
  willArchive: number | null;
}

export interface PromoteParams {
  name: string;
  version: number;
  to: Stage;
  reason?: string;
  /** Override failing gates; needs a reason. */
  force?: boolean;
}

export const ListModels = new RequestType0<RegisteredModel[], void>('registry/models');
export const GetModel = new RequestType<{ name: string }, ModelDetails | null, void>(
  'registry/model',
);
export const PreviewPromotion = new RequestType<
  { name: string; version: number; to: Stage },
  PromotionPreview,
  void
>('registry/previewPromotion');
/** Refused with the failing gates (error data: GateResult[]) unless forced with a reason. */
export const PromoteModelVersion = new RequestType<
  PromoteParams,
  { transition: ModelTransition; archived: number | null },
  void
>('registry/promote');
export const SetModelAlias = new RequestType<
  { name: string; version: number; alias: string; reason?: string },
  void,
  void
>('registry/setAlias');
export const RemoveModelAlias = new RequestType<
  { name: string; alias: string; reason?: string },
  void,
  void
>('registry/removeAlias');
export const GetModelCard = new RequestType<
  { name: string; version: number; sliceColumn?: string },
  { card: ModelCard; markdown: string },
  void
>('registry/modelCard');
export const UpdateModelCard = new RequestType<
  {
    name: string;
    version: number;
    intendedUse?: string | null;
    limitations?: string | null;
    description?: string | null;
  },
  void,
  void
>('registry/updateModelCard');
export const SaveGates = new RequestType<{ name: string; gates: GatesConfig }, void, void>(
  'registry/saveGates',
);
/** Registers a model a run saved as an artifact folder (`model.json` + weights) as a new version. */
export const RegisterModelFromRun = new RequestType<
  { runId: string; artifactPath: string; name: string; description?: string },
  ModelVersion,
  void
>('registry/registerFromRun');

// ---- Data quality (core/quality) ----

export type {
  DatasetProfile,
  ColumnProfile,
  QualityIssue,
  QualityDimension,
  QualityScores,
  Severity,
  ColumnType,
} from '../quality/types';
import type { DatasetProfile } from '../quality/types';

export interface ProfileDataParams {
  /** Absolute, or relative to the workspace folder (the service's working folder). */
  path: string;
  /** Label column: identical feature rows with different labels lower consistency (conflicting labels). */
  label?: string;
  /** A saved suite (`.labbook/suites/NAME.json`): the profile carries its results and validity comes from them. */
  suite?: string;
}

/** Profiles a CSV, TSV, JSON/NDJSON, Parquet or Arrow file; a malformed file fails with a message naming it (and the line). */
export const ProfileData = new RequestType<ProfileDataParams, DatasetProfile, void>(
  'quality/profile',
);

/** Names of the saved validation suites, sorted. */
export const ListSuites = new RequestType0<string[], void>('quality/suites');

/** Infers a suite from a data file and saves it as `.labbook/suites/NAME.json` (replacing one of that name). */
export const InferSuite = new RequestType<
  { path: string; name: string },
  { name: string; file: string; rules: number },
  void
>('quality/inferSuite');

/** A logged data set version (run.logDataset) and the runs that used it. */
export interface DatasetVersionItem {
  name: string;
  version: number;
  fingerprint: string;
  rows: number;
  columns: number;
  /** Overall quality score of the stored profile; null when none was stored. */
  score: number | null;
  source: string | null;
  createdAt: number;
  runs: {
    runId: string;
    runName: string;
    experiment: string;
    role: string;
    passed: boolean | null;
    deleted: boolean;
  }[];
}

/** Every logged data set version, by name then version. */
export const ListDatasets = new RequestType0<DatasetVersionItem[], void>('quality/datasets');

/**
 * Where a logged data set version's rows are kept (its Parquet snapshot artifact), for
 * comparing two versions for drift; null when the version is unknown or was logged with
 * `snapshot: false`.
 */
export const GetDatasetSnapshot = new RequestType<
  { name: string; version: number },
  { path: string; rows: number } | null,
  void
>('quality/datasetSnapshot');

/** The profile stored with a data set version; null when the version is unknown or has none. */
export const GetDatasetProfile = new RequestType<
  { name: string; version: number },
  DatasetProfile | null,
  void
>('quality/datasetProfile');

// ---- Drift (core/drift) ----

export type {
  DriftReport,
  ColumnDrift,
  DriftBin,
  DriftOptions,
  DatasetDrift,
  TargetDrift,
  PredictionQuality,
} from '../common/drift-types';
import type { DriftOptions } from '../common/drift-types';
import type { WireDriftReport } from '../common/drift-wire';
export type { WireDriftReport } from '../common/drift-wire';

export interface CompareDataForDriftParams {
  /** The reference data file (what the model was trained on): absolute, or relative to the workspace folder. */
  reference: string;
  /** The current data file, compared against the reference. */
  current: string;
  options?: Omit<DriftOptions, 'onProgress'>;
}

/**
 * Compares two data files column by column; bad options or unusable data fail with a message
 * naming the problem. The report travels as a WireDriftReport (an infinite chi-square
 * statistic as "Infinity", not JSON's null); the client gives back a DriftReport.
 */
export const CompareDataForDrift = new RequestType<
  CompareDataForDriftParams,
  WireDriftReport,
  void
>('drift/compare');

// ---- Deployments (core/serve) ----

export type {
  Deployment,
  DeploymentEvent,
  DeploymentStatusReport,
  MonitoringSnapshot,
  MonitorThresholds,
  MonitorAlert,
  Strategy,
  TrafficSplit,
  TrafficPoint,
  VariantQuality,
  ControlMessage,
} from '../common/serve-types';
import type {
  ControlMessage,
  Deployment,
  DeploymentEvent,
  DeploymentStatusReport,
  MonitoringSnapshot,
  MonitorThresholds,
  Strategy,
  TrafficSplit,
} from '../common/serve-types';

/** A deployment as the Deployments view shows it. */
export interface DeploymentItem {
  deployment: Deployment;
  split: TrafficSplit;
  /** e.g. http://127.0.0.1:8501/v1/models/penguins */
  url: string;
  /** "running" in the store but its process is gone. */
  processGone: boolean;
}

export interface StartDeploymentParams {
  /** NAME, NAME/3, NAME@production, NAME@champion. */
  ref: string;
  /** Deployment name (default: the model name). */
  name?: string;
  strategy?: Strategy;
  candidate?: string;
  weight?: number;
  /** 0 picks a free port; default 8501. */
  port?: number;
  reason?: string;
}

/** Running deployments (and stopped ones with `all`), newest first. */
export const ListDeployments = new RequestType<{ all?: boolean }, DeploymentItem[], void>(
  'serve/deployments',
);
/** Starts a server process of its own (it outlives the window); resolves once it listens. */
export const StartDeployment = new RequestType<StartDeploymentParams, DeploymentItem, void>(
  'serve/start',
);
/** Shift, switch, promote (through the gates), rollback, stop. */
export const ControlDeployment = new RequestType<
  { name: string; message: ControlMessage },
  DeploymentStatusReport,
  void
>('serve/control');
/** The bearer token of a deployment (the extension keeps it in secret storage). */
export const GetDeploymentToken = new RequestType<{ name: string }, string, void>('serve/token');
/** Stage changes and traffic changes of a deployment, oldest first. */
export const GetDeploymentEvents = new RequestType<{ name: string }, DeploymentEvent[], void>(
  'serve/events',
);
/** Live monitoring of one deployment. */
export const GetMonitoring = new RequestType<
  {
    name: string;
    windowMs?: number;
    driftWindow?: number;
    thresholds?: Partial<MonitorThresholds>;
  },
  MonitoringSnapshot,
  void
>('serve/monitoring');

export const ServiceShutdown = new RequestType0<void, void>('service/shutdown');
/** Something was written to the store (by a kernel, the CLI, or the service itself). */
export const StoreChanged = new NotificationType<{ dataVersion: number }>('service/storeChanged');

export const SERVICE_CHANNEL_FD = 3;
