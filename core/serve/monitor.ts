/**
 * Live monitoring of one deployment (the editor's monitoring panel polls this every few
 * seconds): traffic, latency, errors, live quality, data drift and concept drift in one
 * MonitoringSnapshot (types.ts, "Monitoring").
 *
 *   traffic, latency   the prediction log in the window (a bounded number of rows)
 *   responses, errors  the live server's GET /metrics (its counters since it started)
 *   up                 GET /healthz
 *   quality            predictions joined with feedback by id
 *   data drift         the newest logged inputs against the primary version's training data
 *                      set: version -> source run -> its `train` data set -> Parquet snapshot
 *   concept drift      ADWIN over the error stream of the primary's labelled predictions
 *
 * The prediction log is sampled and written in batches, so its counts trail the server's
 * by up to one flush interval; /metrics counts every request.
 */
import { existsSync } from 'node:fs';
import {
  findArtifactByName,
  predictionLogStore,
  type LabelledPrediction,
  type OpenStore,
  type PredictionLogStore,
} from '../store';
import { driftEngine, duckdb, type DriftEngine } from '../engines';
import { adwin } from '../drift/detectors';
import { runInputs, snapshotArtifactName } from '../quality/datasets';
import { classKey } from '../registry/evaluate';
import { Registry } from '../registry/registry';
import type { ModelSignature } from '../registry/types';
import { baseUrl, deploymentHealth, isPidAlive, readToken, splitOf } from './deployments';
import { parsePrometheusText } from './metrics';
import {
  DEFAULT_MONITOR_THRESHOLDS,
  type Deployment,
  type MonitorAlert,
  type MonitorOptions,
  type MonitorThresholds,
  type MonitoringSnapshot,
  type TrafficPoint,
  type TrafficSplit,
  type Variant,
  type VariantQuality,
} from '../common/serve-types';

/** What monitoring needs of a store: its domains, runs (for data sets) and artifact files (Store has all three). */
export type MonitorStore = OpenStore & { artifactPath(sha256: string): string };

export const DEFAULT_WINDOW_MS = 5 * 60_000;
export const DEFAULT_BUCKET_MS = 10_000;
export const DEFAULT_DRIFT_WINDOW = 500;
/** Fewer recent inputs than this make a drift test meaningless. */
export const MIN_DRIFT_ROWS = 30;
/** Most points of a traffic series per variant; a finer bucket is widened to fit. */
export const MAX_BUCKETS = 1000;
/** Most rows read for the window's latency and traffic (the newest); counts stay exact. */
const MAX_WINDOW_ROWS = 100_000;
/** Most labels read for live quality and the detector (the newest): plenty for both, and a poll stays cheap. */
const MAX_LABELLED = 10_000;
const MAX_ERROR_POINTS = 500;
const HTTP_TIMEOUT_MS = 2000;

type Snapshot = MonitoringSnapshot;

// ---- numbers ----

/** Linear interpolation between closest ranks (numpy's default), on sorted values. */
function quantile(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function percentiles(values: number[]): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
} {
  const sorted = Float64Array.from(values).sort();
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

// ---- the live server ----

interface Scraped {
  up: boolean;
  detail: string;
  responsesByCode: Record<string, number>;
  errorRate: number | null;
}

async function scrape(d: Deployment): Promise<Scraped> {
  const none = { responsesByCode: {}, errorRate: null };
  if (d.status !== 'running')
    return {
      up: false,
      detail: d.status === 'failed' ? `failed: ${d.error ?? 'unknown error'}` : d.status,
      ...none,
    };
  if (!isPidAlive(d.pid))
    return {
      up: false,
      detail: d.pid === null ? 'no server process' : `the server process ${d.pid} is gone`,
      ...none,
    };
  const metrics = (async () => {
    const response = await fetch(`${baseUrl(d)}/metrics`, {
      headers: { authorization: `Bearer ${readToken(d)}` },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return parsePrometheusText(await response.text());
  })();
  const [health, samples] = await Promise.all([
    deploymentHealth(d, HTTP_TIMEOUT_MS),
    metrics.catch(() => null),
  ]);
  if (!samples) return { up: health.healthy, detail: health.detail, ...none };
  // Predict requests only: the panel's own /metrics and /healthz polls would otherwise swamp them.
  const responsesByCode: Record<string, number> = {};
  let total = 0;
  let failed = 0;
  for (const s of samples) {
    if (s.name !== 'labbook_requests_total' || s.labels.endpoint !== 'predict') continue;
    const code = s.labels.code ?? '?';
    responsesByCode[code] = (responsesByCode[code] ?? 0) + s.value;
    total += s.value;
    if (!/^2\d\d$/.test(code)) failed += s.value;
  }
  return {
    up: health.healthy,
    detail: health.detail,
    responsesByCode,
    errorRate: total > 0 ? failed / total : null,
  };
}

// ---- traffic ----

function traffic(
  log: PredictionLogStore,
  d: Deployment,
  split: TrafficSplit,
  now: number,
  windowMs: number,
  bucketMs: number,
): {
  points: TrafficPoint[];
  requests: number;
  latency: Snapshot['latency'];
} {
  const since = now - windowMs;
  const rows = log.window(d.id, since, now, MAX_WINDOW_ROWS);
  const requests = log.requests(d.id, since, now);
  const first = Math.floor(since / bucketMs) * bucketMs;
  const count = Math.floor((now - first) / bucketMs) + 1;
  const variants = new Set<Variant>(['primary']);
  if (split.candidate !== null) variants.add('candidate');
  for (const r of rows) variants.add(r.variant);
  const buckets = new Map<string, { predictions: number; shadow: number; latencies: number[] }>();
  for (const variant of variants) {
    for (let i = 0; i < count; i++)
      buckets.set(`${variant}|${i}`, { predictions: 0, shadow: 0, latencies: [] });
  }
  const answered: number[] = [];
  for (const r of rows) {
    const bucket = buckets.get(`${r.variant}|${Math.floor((r.at - first) / bucketMs)}`);
    if (!bucket) continue;
    if (r.shadow) bucket.shadow += 1;
    else {
      bucket.predictions += 1;
      answered.push(r.latencyMs);
    }
    // A shadow candidate's latency is the point of shadowing it: its points show it.
    bucket.latencies.push(r.latencyMs);
  }
  const points: TrafficPoint[] = [];
  for (let i = 0; i < count; i++) {
    for (const variant of variants) {
      const b = buckets.get(`${variant}|${i}`)!;
      points.push({
        t: first + i * bucketMs,
        variant,
        predictions: b.predictions,
        shadow: b.shadow,
        ...percentiles(b.latencies),
      });
    }
  }
  return { points, requests, latency: percentiles(answered) };
}

// ---- quality and the error stream ----

/** 0/1 (classification) or the absolute error (regression); null when it cannot be judged. */
function errorOf(row: LabelledPrediction, signature: ModelSignature | null): number | null {
  const label = row.label;
  if (signature?.task === 'regression') {
    const truth = Number(label);
    const value = Number(row.predicted);
    return row.predicted !== null && Number.isFinite(truth) && Number.isFinite(value)
      ? Math.abs(value - truth)
      : null;
  }
  if (row.predicted === null) return null;
  return classKey(label, signature?.labels) === row.predicted ? 0 : 1;
}

/**
 * Predictions per variant and version since the deployment started, counted on from the
 * last look (the log only grows, and seq is its rowid), so a poll reads only new rows.
 */
const countCache = new Map<string, { seq: number; counts: Map<string, number> }>();

function predictionCounts(
  log: PredictionLogStore,
  cacheKey: string,
  deploymentId: number,
): Map<string, number> {
  const cached = countCache.get(cacheKey) ?? { seq: 0, counts: new Map<string, number>() };
  const rows = log.countsAfter(deploymentId, cached.seq);
  const counts = new Map(cached.counts);
  let seq = cached.seq;
  for (const r of rows) {
    const key = `${r.variant}|${r.modelVersion}`;
    counts.set(key, (counts.get(key) ?? 0) + r.n);
    seq = Math.max(seq, r.seq);
  }
  countCache.set(cacheKey, { seq, counts });
  return counts;
}

function quality(
  log: PredictionLogStore,
  cacheKey: string,
  d: Deployment,
  split: TrafficSplit,
  signature: ModelSignature | null,
): { variants: VariantQuality[]; primaryErrors: number[] } {
  const counts = predictionCounts(log, cacheKey, d.id);
  // Oldest first: the detector reads a stream.
  const labelled = log.labelled(d.id, MAX_LABELLED);
  const regression = signature?.task === 'regression';
  const served: { variant: Variant; version: number }[] = [
    { variant: 'primary', version: split.primary },
  ];
  if (split.candidate !== null) served.push({ variant: 'candidate', version: split.candidate });
  const variants = served.map(({ variant, version }): VariantQuality => {
    let judged = 0;
    let sum = 0;
    let n = 0;
    for (const row of labelled) {
      if (row.variant !== variant || row.modelVersion !== version) continue;
      n += 1;
      const e = errorOf(row, signature);
      if (e === null) continue;
      judged += 1;
      sum += e;
    }
    return {
      variant,
      version,
      predictions: counts.get(`${variant}|${version}`) ?? 0,
      labelled: n,
      accuracy: !regression && judged > 0 ? 1 - sum / judged : null,
      mae: regression && judged > 0 ? sum / judged : null,
    };
  });
  const primaryErrors: number[] = [];
  for (const row of labelled) {
    if (row.variant !== 'primary' || row.shadow || row.modelVersion !== split.primary) continue;
    const e = errorOf(row, signature);
    if (e !== null) primaryErrors.push(e);
  }
  return { variants, primaryErrors };
}

function detector(errors: number[]): Snapshot['detector'] {
  const adw = adwin();
  const means = new Float64Array(errors.length);
  for (let i = 0; i < errors.length; i++) {
    adw.update(errors[i]);
    means[i] = adw.estimation;
  }
  // Each point: the mean error of its stretch of the stream, and ADWIN's window mean at its end.
  const stride = Math.max(1, Math.ceil(errors.length / MAX_ERROR_POINTS));
  const points: Snapshot['detector']['errors'] = [];
  for (let start = 0; start < errors.length; start += stride) {
    const end = Math.min(start + stride, errors.length);
    let sum = 0;
    for (let i = start; i < end; i++) sum += errors[i];
    points.push({ i: end - 1, error: sum / (end - start), mean: means[end - 1] });
  }
  return { name: 'adwin', values: errors.length, detections: [...adw.detections], errors: points };
}

// ---- data drift ----

/** The Parquet snapshot of the training data set logged by the run that produced the version, or why there is none. */
export function trainingSnapshot(
  store: MonitorStore,
  runId: string,
): { path: string; name: string } | { message: string } {
  const train = runInputs(store, runId).filter((i) => i.role === 'train');
  if (train.length === 0) {
    return {
      message: `the run ${runId} that produced this version logged no training data set (run.logDataset(rows, { name, role: "train" }))`,
    };
  }
  const dataset = train[train.length - 1].dataset;
  const artifactName = snapshotArtifactName(dataset.fingerprint);
  const artifact = findArtifactByName(store, artifactName, { preferRunId: runId });
  const label = `${dataset.name} v${dataset.version}`;
  if (!artifact)
    return {
      message: `the training data set ${label} was logged without its rows (snapshot: false), so there is nothing to compare with`,
    };
  const path = store.artifactPath(artifact.sha256);
  if (!existsSync(path))
    return {
      message: `the snapshot of the training data set ${label} is missing from the artifact store (${path})`,
    };
  return { path, name: label };
}

/**
 * Last report per deployment. A report costs DuckDB a few hundred milliseconds and the panel
 * polls every few seconds: an idle server's polls reuse it, a busy one's at most every
 * DRIFT_REFRESH_MS (the newest few hundred inputs barely move in that time).
 */
const driftCache = new Map<
  string,
  { key: string; inputs: string; at: number; drift: Snapshot['drift'] }
>();
export const DRIFT_REFRESH_MS = 10_000;

async function dataDrift(
  store: MonitorStore,
  cacheKey: string,
  d: Deployment,
  split: TrafficSplit,
  runId: string | null,
  signature: ModelSignature | null,
  window: number,
): Promise<Snapshot['drift']> {
  const empty = (
    message: string,
    reference: string | null = null,
    rows = 0,
  ): Snapshot['drift'] => ({ reference, rows, report: null, message });
  if (runId === null) return empty(`${d.modelName} v${split.primary} is not in the registry`);
  const snapshot = trainingSnapshot(store, runId);
  if ('message' in snapshot) return empty(snapshot.message);
  const columns = (signature?.features ?? []).map((f) => f.name);
  if (columns.length === 0)
    return empty(
      `${d.modelName} v${split.primary} has no signature naming its features`,
      snapshot.name,
    );
  const recent = predictionLogStore(store).recentInputs(d.id, split.primary, window);
  if (recent.length < MIN_DRIFT_ROWS) {
    return empty(
      `${recent.length} logged input${recent.length === 1 ? '' : 's'} of v${split.primary} so far; drift is tested from ${MIN_DRIFT_ROWS}`,
      snapshot.name,
      recent.length,
    );
  }
  const key = `${split.primary}|${snapshot.path}|${window}|${columns.join(',')}`;
  const inputs = `${recent[0].seq}|${recent.length}`;
  const cached = driftCache.get(cacheKey);
  if (
    cached?.key === key &&
    (cached.inputs === inputs || Date.now() - cached.at < DRIFT_REFRESH_MS)
  )
    return cached.drift;
  const rows = recent.map((r) =>
    Object.fromEntries(columns.map((c) => [c, (r.inputs as Record<string, unknown>)[c] ?? null])),
  );
  // DuckDB loads on the first drift report, so monitoring works (without drift) where it cannot.
  let module: DriftEngine;
  try {
    module = driftEngine();
    duckdb();
  } catch (error) {
    return empty(
      `drift reports are not available: the drift module (DuckDB) did not load: ${(error as Error).message}`,
      snapshot.name,
      rows.length,
    );
  }
  let drift: Snapshot['drift'];
  try {
    const report = await module.driftReport(
      { path: snapshot.path },
      { data: rows, name: 'recent inputs' },
      { columns },
    );
    // The report names the content-addressed file; the data set's name says more.
    report.reference.source = snapshot.name;
    drift = { reference: snapshot.name, rows: rows.length, report, message: null };
  } catch (error) {
    drift = empty(
      `comparing recent inputs with ${snapshot.name} failed: ${(error as Error).message}`,
      snapshot.name,
      rows.length,
    );
  }
  driftCache.set(cacheKey, { key, inputs, at: Date.now(), drift });
  return drift;
}

// ---- alerts ----

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function alertsOf(
  s: Omit<Snapshot, 'alerts' | 'status'>,
  detail: string,
  t: MonitorThresholds,
): MonitorAlert[] {
  const alerts: MonitorAlert[] = [];
  const live = s.deployment.status === 'running';
  if (s.deployment.status === 'failed' || (live && !s.up)) {
    alerts.push({
      kind: 'down',
      severity: 'error',
      message: `${s.deployment.name} is down: ${detail}`,
    });
  } else if (s.deployment.status === 'starting') {
    alerts.push({
      kind: 'down',
      severity: 'warning',
      message: `${s.deployment.name} is starting (loading its models)`,
    });
  }
  if (s.errorRate !== null && s.errorRate > t.errorRate) {
    const failed = Object.entries(s.responsesByCode)
      .filter(([code]) => !code.startsWith('2'))
      .map(([code, n]) => `${n} × ${code}`)
      .join(', ');
    alerts.push({
      kind: 'error-rate',
      severity: 'error',
      message: `${pct(s.errorRate)} of predict requests failed (${failed}); the threshold is ${pct(t.errorRate)}`,
    });
  }
  if (s.latency.p95 !== null && s.latency.p95 > t.p95LatencyMs) {
    alerts.push({
      kind: 'latency',
      severity: 'warning',
      message: `95th percentile latency ${s.latency.p95.toFixed(1)} ms over the last ${Math.round(s.windowMs / 1000)} s; the threshold is ${t.p95LatencyMs} ms`,
    });
  }
  for (const v of s.variants) {
    if (v.accuracy !== null && v.labelled >= t.minFeedback && v.accuracy < t.minAccuracy) {
      alerts.push({
        kind: 'accuracy',
        severity: 'warning',
        message: `${v.variant} v${v.version}: live accuracy ${pct(v.accuracy)} on ${v.labelled} labels; the threshold is ${pct(t.minAccuracy)}`,
      });
    }
  }
  const report = s.drift.report;
  if (
    t.dataDrift &&
    report &&
    report.dataset.driftedColumns > 0 &&
    report.dataset.share >= t.dataDriftShare
  ) {
    const names = report.columns.filter((c) => c.drifted).map((c) => c.name);
    alerts.push({
      kind: 'data-drift',
      severity: 'warning',
      message: `recent inputs drifted from ${s.drift.reference}: ${names.join(', ')} (${names.length} of ${report.dataset.columns} features, at or above ${(100 * t.dataDriftShare).toFixed(0)}%)`,
    });
  }
  if (t.conceptDrift && s.detector.detections.length > 0) {
    const last = s.detector.detections[s.detector.detections.length - 1];
    alerts.push({
      kind: 'concept-drift',
      severity: 'warning',
      message: `ADWIN detected a change in the error of v${s.split.primary} at label ${last + 1} of ${s.detector.values} (${s.detector.detections.length} detection${s.detector.detections.length === 1 ? '' : 's'})`,
    });
  }
  return alerts;
}

// ---- the snapshot ----

function checkOptions(options: MonitorOptions): {
  windowMs: number;
  bucketMs: number;
  driftWindow: number;
  thresholds: MonitorThresholds;
  now: number;
} {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  if (!Number.isFinite(windowMs) || windowMs < 1000)
    throw new RangeError(`windowMs must be at least 1000, got ${windowMs}`);
  let bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
  if (!Number.isFinite(bucketMs) || bucketMs < 100)
    throw new RangeError(`bucketMs must be at least 100, got ${bucketMs}`);
  bucketMs = Math.max(bucketMs, Math.ceil(windowMs / MAX_BUCKETS));
  const driftWindow = options.driftWindow ?? DEFAULT_DRIFT_WINDOW;
  if (!Number.isSafeInteger(driftWindow) || driftWindow < 1 || driftWindow > 100_000)
    throw new RangeError(`driftWindow must be a whole number from 1 to 100000, got ${driftWindow}`);
  const thresholds = { ...DEFAULT_MONITOR_THRESHOLDS };
  for (const [key, value] of Object.entries(options.thresholds ?? {})) {
    if (value !== undefined && key in thresholds)
      (thresholds as Record<string, unknown>)[key] = value;
  }
  return { windowMs, bucketMs, driftWindow, thresholds, now: options.now ?? Date.now() };
}

/**
 * One look at a deployment. The deployment row should be fresh (the server writes traffic
 * changes to it). Never throws for a server that is down or stopped: that is what it reports.
 */
export async function monitorDeployment(
  store: MonitorStore,
  deployment: Deployment,
  options: MonitorOptions = {},
): Promise<MonitoringSnapshot> {
  const o = checkOptions(options);
  const log = predictionLogStore(store);
  const split = splitOf(deployment);
  const version = new Registry(store).getVersion(deployment.modelName, split.primary);
  const signature = version?.signature ?? null;

  // The server first: loading DuckDB and the drift report block this thread, and a health
  // check in flight meanwhile would time out and call a healthy server down.
  const live = await scrape(deployment);
  const t = traffic(log, deployment, split, o.now, o.windowMs, o.bucketMs);
  // Deployment ids restart at 1 in every store: caches are per store and deployment.
  const cacheKey = `${store.location}#${deployment.id}`;
  const q = quality(log, cacheKey, deployment, split, signature);
  const drift = await dataDrift(
    store,
    cacheKey,
    deployment,
    split,
    version?.runId ?? null,
    signature,
    o.driftWindow,
  );

  const started = deployment.startedAt ?? deployment.createdAt;
  // A server younger than the window has not been up the whole window: rate over its life.
  const span = Math.max(1000, Math.min(o.windowMs, o.now - started));
  const sampling = deployment.config.logSampling;
  const requestsPerSecond =
    (sampling > 0 && sampling < 1 ? t.requests / sampling : t.requests) / (span / 1000);

  const base: Omit<Snapshot, 'alerts' | 'status'> = {
    deployment,
    split,
    url: `${baseUrl(deployment)}/v1/models/${deployment.name}`,
    up: live.up,
    at: o.now,
    windowMs: o.windowMs,
    bucketMs: o.bucketMs,
    thresholds: o.thresholds,
    requestsPerSecond,
    latency: t.latency,
    responsesByCode: live.responsesByCode,
    errorRate: live.errorRate,
    traffic: t.points,
    variants: q.variants,
    drift,
    detector: detector(q.primaryErrors),
  };
  const alerts = alertsOf(base, live.detail, o.thresholds);
  const status: Snapshot['status'] =
    deployment.status === 'stopped'
      ? 'stopped'
      : alerts.some((a) => a.kind === 'down')
        ? 'down'
        : alerts.length > 0
          ? 'degraded'
          : 'healthy';
  return { ...base, alerts, status };
}
