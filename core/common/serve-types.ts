/**
 * Local model serving: the shapes shared by the server process (core/serve/main.ts), the
 * CLI (`labbook deploy`, `labbook deployment ...`) and, later, the workspace service and
 * the Deployments view. Nothing here depends on fastify, SQLite or tfjs.
 *
 * A deployment serves one registered model under one name with up to two variants:
 * `primary` (the version deployed) and `candidate` (a second version of the same model).
 * The strategy says how the candidate takes part:
 *
 *   single     only primary answers
 *   canary     `weight`% of requests to the candidate, sticky per request key
 *   ab         the same weighted, sticky split, read as an experiment (per-variant metrics)
 *   shadow     primary answers every request; the candidate scores it too, is logged, never answers
 *   bluegreen  one of the two answers everything: weight 0 (blue = primary live) or 100 (green = candidate live)
 */

export const STRATEGIES = ['single', 'canary', 'ab', 'shadow', 'bluegreen'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const VARIANTS = ['primary', 'candidate'] as const;
export type Variant = (typeof VARIANTS)[number];

export const DEPLOYMENT_STATUSES = ['starting', 'running', 'stopped', 'failed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Who answers: the router's whole input (core/serve/router.ts). */
export interface TrafficSplit {
  strategy: Strategy;
  primary: number;
  /** Candidate version, null when there is none (then primary answers everything). */
  candidate: number | null;
  /** Percent (0..100) of requests answered by the candidate (canary, ab, bluegreen). */
  weight: number;
}

/** Server settings stored with the deployment (the `config` column). */
export interface ServeConfig {
  /** Largest request body accepted, bytes (413 above). Default 1 MiB. */
  bodyLimit: number;
  /** Most instances in one request (422 above). */
  maxInstances: number;
  /** Share (0..1) of predictions written to prediction_logs. Default 1. */
  logSampling: number;
  /** The log is written when this many rows are buffered... */
  logFlushRows: number;
  /** ...or this many milliseconds after the first buffered row. */
  logFlushMs: number;
  /** The prediction log keeps at most this many rows of the deployment (the newest). */
  logRetentionRows: number;
  /** ...and none older than this many days. */
  logRetentionDays: number;
  /** Seed of the router's random split for requests without a key (null: random). */
  seed: number | null;
  /** Most rows scored as one tensor when concurrent requests are batched. */
  maxBatchSize: number;
  /** Most milliseconds a request waits for the batch being scored before its own batch starts (0: until it ends). */
  batchTimeoutMs: number;
}

export const DEFAULT_SERVE_CONFIG: ServeConfig = {
  bodyLimit: 1024 * 1024,
  maxInstances: 10_000,
  logSampling: 1,
  logFlushRows: 500,
  logFlushMs: 250,
  // A million rows is a few hundred MB at most and weeks of a busy local server; the
  // monitor reads only the newest few thousand.
  logRetentionRows: 1_000_000,
  logRetentionDays: 30,
  seed: null,
  // TF Serving's batching guide starts from max_batch_size 128, batch_timeout_micros 0.
  maxBatchSize: 128,
  batchTimeoutMs: 0,
};

export const DEFAULT_HOST = '127.0.0.1';
/** TF Serving's REST port. */
export const DEFAULT_PORT = 8501;
/** Request header whose value keeps a client on one variant (canary, ab). */
export const KEY_HEADER = 'x-labbook-key';
/** Response header carrying the request id (the prediction ids are `id` / `ids` in the body). */
export const REQUEST_ID_HEADER = 'x-labbook-request-id';
/** Response header naming the variant and version that answered, e.g. `candidate/4`. */
export const VARIANT_HEADER = 'x-labbook-variant';

export interface Deployment {
  id: number;
  name: string;
  modelName: string;
  modelRef: string;
  strategy: Strategy;
  primaryVersion: number;
  candidateRef: string | null;
  candidateVersion: number | null;
  weight: number;
  host: string;
  port: number;
  pid: number | null;
  status: DeploymentStatus;
  error: string | null;
  config: ServeConfig;
  tokenFile: string;
  createdAt: number;
  createdBy: string;
  startedAt: number | null;
  stoppedAt: number | null;
  updatedAt: number;
}

export type DeploymentEventKind =
  | 'created'
  | 'started'
  | 'shift'
  | 'switch'
  | 'promote'
  | 'rollback'
  | 'stopped'
  | 'failed'
  /** A candidate was loaded, warmed up and given its share in the running server. */
  | 'candidate'
  | 'stop-candidate'
  /** The model reference's alias or stage moved and the server now serves its version. */
  | 'follow'
  /** A change was refused because its version did not load or warm up; nothing changed. */
  | 'change-failed';

export interface DeploymentEvent {
  id: number;
  deploymentId: number;
  kind: DeploymentEventKind;
  at: number;
  by: string;
  reason: string | null;
  before: TrafficSplit | null;
  after: TrafficSplit | null;
}

/** One scored instance, as written to prediction_logs. */
export interface PredictionLog {
  /** Prediction id returned to the client (`ids[i]`); feedback refers to it. */
  id: string;
  deploymentId: number;
  at: number;
  variant: Variant;
  modelVersion: number;
  /** Scored by a shadow candidate: never returned to the client. */
  shadow: boolean;
  /** The instance as validated, features by name. */
  inputs: Record<string, number | string | boolean>;
  /** The model's output row. */
  outputs: number[];
  /** Class name (classification) or the value as text (regression). */
  predicted: string | null;
  latencyMs: number;
}

export interface Feedback {
  id: string;
  deploymentId: number;
  label: string | number | boolean;
  at: number;
}

/** A logged prediction with its feedback joined by id. */
export interface LoggedPrediction extends PredictionLog {
  /** Joined feedback, when some arrived. */
  label: Feedback['label'] | null;
}

/**
 * Control messages: what the CLI (and later the extension) asks a running server to do,
 * POSTed as JSON to `/v1/deployment:control` with the deployment's bearer token. Each
 * change is checked, applied to the live router, written to the deployments row and
 * recorded as a deployment event naming `by` and `reason`.
 */
export type ControlMessage =
  | { type: 'shift'; weight: number; by?: string; reason?: string | null }
  /** Blue/green: make the other colour live. */
  | { type: 'switch'; by?: string; reason?: string | null }
  /** The candidate through the registry's gates to `to` (default Production), then it serves alone. */
  | { type: 'promote'; to?: string; force?: boolean; by?: string; reason?: string | null }
  /** Candidate out (canary, ab, shadow), or back to blue (bluegreen). */
  | { type: 'rollback'; by?: string; reason?: string | null }
  | { type: 'stop'; by?: string; reason?: string | null }
  /**
   * Starts a candidate beside the primary in the running server: `ref` is another version of
   * the same model (`4`, `NAME/4`, `@staging`); strategy default canary, weight as at deploy.
   */
  | {
      type: 'candidate';
      ref: string;
      strategy?: Exclude<Strategy, 'single'>;
      weight?: number;
      by?: string;
      reason?: string | null;
    }
  /** Takes the candidate out whatever the strategy; the primary serves alone. */
  | { type: 'stop-candidate'; by?: string; reason?: string | null }
  | { type: 'status' };

export const CONTROL_TYPES: readonly ControlMessage['type'][] = [
  'shift',
  'switch',
  'promote',
  'rollback',
  'stop',
  'candidate',
  'stop-candidate',
  'status',
];

/** What the server answers to a control message (and `GET /v1/deployment`). */
export interface DeploymentStatusReport {
  deployment: Deployment;
  split: TrafficSplit;
  /** Gate results when the message was a promotion. */
  gates?: unknown[];
  message?: string;
}

export class ServeError extends Error {
  override name = 'ServeError';
  constructor(
    readonly code:
      'INVALID' | 'NOT_FOUND' | 'CONFLICT' | 'NOT_RUNNING' | 'START_FAILED' | 'GATES_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export function describeSplit(split: TrafficSplit): string {
  const c = split.candidate;
  switch (split.strategy) {
    case 'single':
      return `v${split.primary}`;
    case 'shadow':
      return c === null ? `v${split.primary}` : `v${split.primary} answers, v${c} shadows`;
    case 'bluegreen':
      return c === null
        ? `v${split.primary}`
        : split.weight >= 100
          ? `green v${c} live (blue v${split.primary} idle)`
          : `blue v${split.primary} live (green v${c} idle)`;
    default:
      return c === null
        ? `v${split.primary}`
        : `v${split.primary} ${100 - split.weight}% / v${c} ${split.weight}%`;
  }
}

// ---- Monitoring (core/serve/monitor.ts; shown by the editor's monitoring panel) ----

/** When a deployment counts as degraded; each crossing raises an alert. */
export interface MonitorThresholds {
  /** Share of requests answered with a 4xx/5xx status, over the window. */
  errorRate: number;
  /** 95th percentile of prediction latency, milliseconds. */
  p95LatencyMs: number;
  /** Live accuracy (classification) below this, once `minFeedback` labels arrived for a variant. */
  minAccuracy: number;
  /** Labels needed before live quality is judged. */
  minFeedback: number;
  /** Data drift of recent inputs against the training data set counts as an alert. */
  dataDrift: boolean;
  /**
   * Share of drifted features that raises the data-drift alert: 0.5 is Evidently's data set
   * drift rule, so one feature wobbling among many does not mark a deployment degraded.
   */
  dataDriftShare: number;
  /** A drift detected by the concept-drift detector over the error stream counts as an alert. */
  conceptDrift: boolean;
}

export const DEFAULT_MONITOR_THRESHOLDS: MonitorThresholds = {
  errorRate: 0.05,
  p95LatencyMs: 250,
  minAccuracy: 0.8,
  minFeedback: 20,
  dataDrift: true,
  dataDriftShare: 0.5,
  conceptDrift: true,
};

export interface MonitorOptions {
  /** How far back rates, latency and errors look, ms (default 5 minutes). */
  windowMs?: number;
  /** Width of one point of the time series, ms (default 10 s). */
  bucketMs?: number;
  /** Most recent logged inputs compared with the training data (default 500). */
  driftWindow?: number;
  thresholds?: Partial<MonitorThresholds>;
  now?: number;
}

/** One bucket of the traffic time series. */
export interface TrafficPoint {
  /** Start of the bucket, epoch ms. */
  t: number;
  variant: Variant;
  /** Predictions answered (shadow predictions are counted apart). */
  predictions: number;
  shadow: number;
  /** Latency percentiles of the bucket's predictions, ms (null when none). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface VariantQuality {
  variant: Variant;
  version: number;
  predictions: number;
  /** Predictions with a label (feedback joined by id). */
  labelled: number;
  /** Classification: share correct; null before any label or for regression. */
  accuracy: number | null;
  /** Regression: mean absolute error; null otherwise. */
  mae: number | null;
}

export interface MonitorAlert {
  kind: 'error-rate' | 'latency' | 'accuracy' | 'data-drift' | 'concept-drift' | 'down';
  severity: 'warning' | 'error';
  message: string;
}

export interface MonitoringSnapshot {
  deployment: Deployment;
  split: TrafficSplit;
  url: string;
  /** The server answered /healthz. */
  up: boolean;
  at: number;
  windowMs: number;
  bucketMs: number;
  thresholds: MonitorThresholds;
  /** Over the window. */
  requestsPerSecond: number;
  latency: { p50: number | null; p95: number | null; p99: number | null };
  /** Responses to predict requests by HTTP status code since the server started (from its /metrics), e.g. { "200": 812, "422": 3 }. */
  responsesByCode: Record<string, number>;
  /** Share of non-2xx responses among predict requests since start; null before any. */
  errorRate: number | null;
  traffic: TrafficPoint[];
  variants: VariantQuality[];
  /** Recent inputs against the primary version's training data set (its logged `train` snapshot). */
  drift: {
    reference: string | null;
    /** Inputs compared (the newest `driftWindow`). */
    rows: number;
    report: import('../common/drift-types').DriftReport | null;
    /** Why there is no report (no training data set logged, too few inputs…). */
    message: string | null;
  };
  /** ADWIN (river's defaults) over the error stream of labelled predictions, oldest first. */
  detector: {
    name: 'adwin';
    values: number;
    /** Indices in the error stream at which drift was detected. */
    detections: number[];
    /** Running error rate over the stream, for the chart (at most 500 points). */
    errors: { i: number; error: number; mean: number }[];
  };
  alerts: MonitorAlert[];
  status: 'healthy' | 'degraded' | 'down' | 'stopped';
}
