/** What the views ask the store for, shaped for the wire (see protocol.ts). */
import type { Experiment, MetricValue, Run, RunStore } from '../store';
import {
  BEST_RUN_TAG,
  MAX_RUN_NAME_LENGTH,
  NOTE_TAG,
  PINNED_TAG,
  SYSTEM_TAG_PREFIX,
} from '../store/types';
import {
  toWireNumber,
  type ExperimentItem,
  type MetricPointItem,
  type MetricSeriesPage,
  type MetricSeriesQuery,
  type RunDetails,
  type RunItem,
  type RunUpdate,
  type SourceSnapshotCell,
  type SweepItem,
} from './protocol';
import { checkRunId, isObject } from './params';
import { downsampleSeries, windowSeries } from '../common/downsample';
import { COMMON_KEY_METRICS } from '../common/comparison';
import {
  trialNumberOf,
  type ComparisonSweep,
  type TrialOutcome,
} from '../common/optimisation-history';

/** Artifacts the SDK captures at run start. */
export const SOURCE_SNAPSHOT_ARTIFACT = 'labbook/source.ipynb';
export const GIT_DIFF_ARTIFACT = 'labbook/git-diff.txt';

export async function experimentItems(store: RunStore): Promise<ExperimentItem[]> {
  const items: ExperimentItem[] = [];
  for (const e of await store.listExperiments())
    items.push({
      id: e.id,
      name: e.name,
      runCount: await store.countRuns({ experiment: e.id }),
      keyMetric: e.keyMetric,
      keyMetricHigherIsBetter: e.keyMetricHigherIsBetter,
    });
  return items;
}

export function point(m: MetricValue): MetricPointItem {
  return { step: m.step, timestamp: m.timestamp, value: toWireNumber(m.value) };
}

function keyMetricOf(
  latest: Record<string, MetricValue>,
  preferred: string | null,
): RunItem['keyMetric'] {
  const key =
    preferred && latest[preferred] ? preferred : COMMON_KEY_METRICS.find((k) => latest[k]);
  return key ? { key, value: toWireNumber(latest[key].value) } : null;
}

export function isPinned(tags: Record<string, string> | undefined): boolean {
  return tags?.[PINNED_TAG] === 'true';
}

/** Tags without Labbook's own (`labbook.*`). */
export function userTags(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags ?? {}).filter(([key]) => !key.startsWith(SYSTEM_TAG_PREFIX)),
  );
}

/** A sweep's parent records what it optimises as params (kernel/sdk/sweep.ts); any other run: null. */
export function sweepOf(
  params: Record<string, string> | undefined,
  tags: Record<string, string> | undefined,
): SweepItem | null {
  const metric = params?.['sweep.metric'];
  const goal = params?.['sweep.goal'];
  if (!metric || (goal !== 'maximize' && goal !== 'minimize')) return null;
  return { metric, goal, bestRunId: tags?.[BEST_RUN_TAG] || null };
}

/** A run for the wire, from data already read (so lists read the store set-wise, not per run). */
export function toRunItem(
  run: Run,
  latest: Record<string, MetricValue>,
  tags: Record<string, string>,
  preferredMetric: string | null,
  sweep: SweepItem | null = null,
): RunItem {
  return {
    id: run.id,
    experimentId: run.experimentId,
    experiment: run.experimentName,
    name: run.name,
    status: run.status,
    startTime: run.startTime,
    endTime: run.endTime,
    parentRunId: run.parentRunId,
    sourceNotebook: run.sourceNotebook,
    keyMetric: keyMetricOf(latest, preferredMetric),
    pinned: isPinned(tags),
    deletedAt: run.deletedAt,
    user: run.user,
    sweep,
  };
}

/** The sweeps among the parents of `runs`, by parent id (two queries over the parents only). */
async function parentSweeps(store: RunStore, runs: Run[]): Promise<Map<string, SweepItem>> {
  const parentIds = [...new Set(runs.flatMap((r) => (r.parentRunId ? [r.parentRunId] : [])))];
  const out = new Map<string, SweepItem>();
  if (parentIds.length === 0) return out;
  const params = await store.paramsOfRuns(parentIds);
  const tags = await store.tagsOfRuns(parentIds);
  for (const id of parentIds) {
    const sweep = sweepOf(params.get(id), tags.get(id));
    if (sweep) out.set(id, sweep);
  }
  return out;
}

/** RunItems for runs, with five queries whatever their number. A sweep's trials show its metric. */
export async function toRunItems(store: RunStore, runs: Run[]): Promise<RunItem[]> {
  const ids = runs.map((r) => r.id);
  const latest = await store.latestMetricsOfRuns(ids);
  const tags = await store.tagsOfRuns(ids);
  const sweeps = await parentSweeps(store, runs);
  const experiments = new Map<number, Experiment>(
    (await store.listExperiments()).map((e) => [e.id, e]),
  );
  return runs.map((r) =>
    toRunItem(
      r,
      latest.get(r.id) ?? {},
      tags.get(r.id) ?? {},
      (r.parentRunId ? sweeps.get(r.parentRunId)?.metric : undefined) ??
        experiments.get(r.experimentId)?.keyMetric ??
        null,
      sweeps.get(r.id) ?? null,
    ),
  );
}

/** The tag a shared study's trial run carries when its pruner stopped it (kernel/sdk/sweep.ts). */
export const TRIAL_STATE_TAG = 'labbook.trial_state';

/** A trial's state as its run records it: failed or killed runs failed, the pruned tag, else its status. */
export function trialOutcomeOf(run: Run, tags: Record<string, string> | undefined): TrialOutcome {
  if (run.status === 'failed' || run.status === 'killed') return 'failed';
  if (tags?.[TRIAL_STATE_TAG] === 'pruned') return 'pruned';
  return run.status === 'running' ? 'running' : 'finished';
}

/**
 * The sweep these runs belong to when every one is that sweep's trial or the sweep itself
 * (and at least one is a trial), with each trial's number and state; else null.
 */
export async function comparisonSweep(
  store: RunStore,
  runIds: readonly string[],
): Promise<ComparisonSweep | null> {
  const runs = (await Promise.all(runIds.map((id) => store.getRun(id)))).flatMap((r) => r ?? []);
  const sweepIds = new Set(runs.map((r) => r.parentRunId ?? r.id));
  if (sweepIds.size !== 1) return null;
  const [parentRunId] = sweepIds;
  const sweep = sweepOf(await store.getParams(parentRunId), await store.getTags(parentRunId));
  const trials = runs.filter((r) => r.parentRunId === parentRunId);
  if (!sweep || trials.length === 0) return null;
  const tags = await store.tagsOfRuns(trials.map((r) => r.id));
  return {
    parentRunId,
    metric: sweep.metric,
    goal: sweep.goal,
    trials: trials.map((r) => ({
      runId: r.id,
      number: trialNumberOf(r.name),
      state: trialOutcomeOf(r, tags.get(r.id)),
    })),
  };
}

/**
 * The metric a comparison of these runs defaults to: the sweep's when every run is one
 * sweep's trial or that sweep itself, else the key metric of the first of their
 * experiments that has one; null when neither names one.
 */
export async function comparisonKeyMetric(
  store: RunStore,
  runIds: readonly string[],
  sweep?: ComparisonSweep | null,
): Promise<string | null> {
  // A sweep already found (comparisonSweep) names the metric without reading the runs again.
  if (sweep) return sweep.metric;
  const runs = (await Promise.all(runIds.map((id) => store.getRun(id)))).flatMap((r) => r ?? []);
  const sweepIds = new Set(runs.map((r) => r.parentRunId ?? r.id));
  if (sweepIds.size === 1) {
    const [id] = sweepIds;
    const found = sweepOf(await store.getParams(id), await store.getTags(id));
    if (found) return found.metric;
  }
  for (const run of runs) {
    const key = (await store.getExperiment(run.experimentId))?.keyMetric;
    if (key) return key;
  }
  return null;
}

/** Every non-deleted run of the experiment, children included: pinned first, then newest first. */
export async function runItems(store: RunStore, experimentId: number): Promise<RunItem[]> {
  if (!(await store.getExperiment(experimentId))) return [];
  return await toRunItems(
    store,
    await store.listRuns({ experiment: experimentId, pinnedFirst: true }),
  );
}

/** Soft-deleted runs of every experiment, most recently deleted first. */
export async function deletedRunItems(store: RunStore): Promise<RunItem[]> {
  const runs = await store.listRuns({ deletedOnly: true });
  runs.sort((a, b) => (b.deletedAt ?? 0) - (a.deletedAt ?? 0));
  return await toRunItems(store, runs);
}

async function artifactText(store: RunStore, runId: string, name: string): Promise<string | null> {
  if (!(await store.listArtifacts(runId)).some((a) => a.name === name)) return null;
  try {
    return (await store.readArtifact(runId, name)).toString('utf8');
  } catch {
    return null; // the file is missing from the artifact folder: show nothing rather than fail the panel
  }
}

function cellIndex(metadata: unknown): number | null {
  if (!metadata || typeof metadata !== 'object') return null;
  const m = metadata as Record<string, unknown>;
  const nested =
    m.labbook && typeof m.labbook === 'object'
      ? (m.labbook as Record<string, unknown>).index
      : undefined;
  const index = m['labbook.index'] ?? nested;
  return Number.isInteger(index) && (index as number) >= 0 ? (index as number) : null;
}

/**
 * The code cells of a captured notebook (nbformat 4 JSON). The cell's index comes from
 * its metadata (`labbook.index`, flat or nested) when the snapshot recorded it. Anything
 * malformed: null.
 */
export function parseSourceSnapshot(ipynb: string): SourceSnapshotCell[] | null {
  let notebook: unknown;
  try {
    notebook = JSON.parse(ipynb);
  } catch {
    return null;
  }
  const cells = (notebook as { cells?: unknown } | null)?.cells;
  if (!notebook || typeof notebook !== 'object' || !Array.isArray(cells)) return null;
  const nbformat = (notebook as { nbformat?: unknown }).nbformat;
  if (nbformat !== undefined && nbformat !== 4) return null;
  const out: SourceSnapshotCell[] = [];
  for (const cell of cells as unknown[]) {
    if (!cell || typeof cell !== 'object') return null;
    const c = cell as {
      cell_type?: unknown;
      source?: unknown;
      execution_count?: unknown;
      metadata?: unknown;
    };
    if (c.cell_type !== 'code') continue;
    let source: string;
    if (typeof c.source === 'string') source = c.source;
    else if (Array.isArray(c.source) && c.source.every((line) => typeof line === 'string'))
      source = c.source.join('');
    else return null;
    out.push({
      index: cellIndex(c.metadata),
      executionCount: Number.isInteger(c.execution_count) ? (c.execution_count as number) : null,
      source,
    });
  }
  return out;
}

export async function runDetails(store: RunStore, runId: string): Promise<RunDetails | null> {
  const run = await store.getRun(runId);
  if (!run) return null;
  const experiment = await store.getExperiment(run.experimentId);
  const latest = await store.latestMetrics(run.id);
  const tags = await store.getTags(run.id);
  const params = await store.getParams(run.id);
  const history: Record<string, MetricPointItem[]> = {};
  const historyPoints: Record<string, number> = {};
  for (const key of Object.keys(latest)) {
    const points = await store.metricHistory(run.id, key);
    historyPoints[key] = points.length;
    history[key] = downsampleSeries(points, CHART_BUCKETS).map(point);
  }
  const snapshot = await artifactText(store, run.id, SOURCE_SNAPSHOT_ARTIFACT);
  return {
    ...toRunItem(run, latest, tags, experiment?.keyMetric ?? null, sweepOf(params, tags)),
    sourceCell: run.sourceCell,
    gitCommit: run.gitCommit,
    gitDirty: run.gitDirty,
    environment: run.environment,
    error: run.error,
    params,
    tags: userTags(tags),
    latestMetrics: Object.fromEntries(Object.entries(latest).map(([k, m]) => [k, point(m)])),
    metricHistory: history,
    metricHistoryPoints: historyPoints,
    artifacts: (await store.listArtifacts(run.id)).map((a) => ({
      name: a.name,
      sha256: a.sha256,
      size: a.size,
      mediaType: a.mediaType,
    })),
    note: tags[NOTE_TAG] ?? null,
    gitDiffSummary: await artifactText(store, run.id, GIT_DIFF_ARTIFACT),
    sourceSnapshot: snapshot === null ? null : parseSourceSnapshot(snapshot),
  };
}

/** The captured notebook of a run and the notebook it came from; null when none was captured. */
export async function runSource(
  store: RunStore,
  runId: string,
): Promise<{ ipynb: string; notebook: string | null } | null> {
  const run = await store.getRun(runId);
  if (!run) return null;
  const ipynb = await artifactText(store, runId, SOURCE_SNAPSHOT_ARTIFACT);
  return ipynb === null ? null : { ipynb, notebook: run.sourceNotebook };
}

// ---- writes ----

/** Applies a RunUpdate (checked with checkRunUpdate); every part is validated before anything is written. */
export async function updateRun(store: RunStore, update: RunUpdate): Promise<void> {
  if (!(await store.getRun(update.runId))) throw new Error(`No run with id ${update.runId}`);
  if (update.name !== undefined) await store.renameRun(update.runId, update.name);
  if (update.setTags && Object.keys(update.setTags).length)
    await store.setTags(update.runId, update.setTags);
  if (update.deleteTags && update.deleteTags.length)
    await store.deleteTags(update.runId, update.deleteTags);
  if (update.note !== undefined) {
    if (update.note === null || update.note === '')
      await store.deleteTags(update.runId, [NOTE_TAG]);
    else await store.setTags(update.runId, { [NOTE_TAG]: update.note });
  }
  if (update.pinned !== undefined) {
    if (update.pinned) await store.setTags(update.runId, { [PINNED_TAG]: 'true' });
    else await store.deleteTags(update.runId, [PINNED_TAG]);
  }
}

// ---- runtime checks of request params (they come from another process) ----

const MAX_TAG_KEY_LENGTH = 250;
const MAX_TAG_VALUE_LENGTH = 5000;
const MAX_NOTE_LENGTH = 100_000;

function checkTagKey(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_TAG_KEY_LENGTH) {
    return `tag key must be a non-empty string of at most ${MAX_TAG_KEY_LENGTH} characters, got ${JSON.stringify(key)}`;
  }
  if (key.startsWith(SYSTEM_TAG_PREFIX)) {
    return `tag ${JSON.stringify(key)} is reserved: "${SYSTEM_TAG_PREFIX}*" tags belong to Labbook (use note and pinned instead)`;
  }
  return undefined;
}

export function checkRunUpdate(p: unknown): string | undefined {
  if (!isObject(p)) return 'the update must be an object with a runId';
  const problem = checkRunId(p.runId);
  if (problem) return problem;
  const known = new Set(['runId', 'name', 'setTags', 'deleteTags', 'note', 'pinned']);
  const unknown = Object.keys(p).filter((k) => !known.has(k));
  if (unknown.length)
    return `unknown update field(s): ${unknown.join(', ')} (expected name, setTags, deleteTags, note, pinned)`;
  if (p.name !== undefined) {
    if (typeof p.name !== 'string' || p.name.trim() === '')
      return `name must be a non-empty string, got ${JSON.stringify(p.name)}`;
    if (p.name.length > MAX_RUN_NAME_LENGTH)
      return `name is ${p.name.length} characters long; the limit is ${MAX_RUN_NAME_LENGTH}`;
  }
  if (p.setTags !== undefined) {
    if (!isObject(p.setTags)) return 'setTags must be an object of tag names to string values';
    for (const [key, value] of Object.entries(p.setTags)) {
      const keyProblem = checkTagKey(key);
      if (keyProblem) return `setTags: ${keyProblem}`;
      if (typeof value !== 'string' || value.length > MAX_TAG_VALUE_LENGTH) {
        return `setTags: the value of tag ${JSON.stringify(key)} must be a string of at most ${MAX_TAG_VALUE_LENGTH} characters`;
      }
    }
  }
  if (p.deleteTags !== undefined) {
    if (!Array.isArray(p.deleteTags)) return 'deleteTags must be an array of tag names';
    for (const key of p.deleteTags) {
      const keyProblem = checkTagKey(key);
      if (keyProblem) return `deleteTags: ${keyProblem}`;
    }
  }
  if (
    p.note !== undefined &&
    p.note !== null &&
    (typeof p.note !== 'string' || p.note.length > MAX_NOTE_LENGTH)
  ) {
    return `note must be a string of at most ${MAX_NOTE_LENGTH} characters, or null to remove it`;
  }
  if (p.pinned !== undefined && typeof p.pinned !== 'boolean')
    return `pinned must be true or false, got ${JSON.stringify(p.pinned)}`;
  return undefined;
}

export function checkRunIdsParams(
  p: unknown,
  options: { min?: number; max?: number } = {},
): string | undefined {
  const { min = 1, max = 10_000 } = options;
  if (!isObject(p) || !Array.isArray(p.runIds)) return 'runIds must be an array of run ids';
  if (p.runIds.length < min || p.runIds.length > max)
    return `runIds must hold between ${min} and ${max} run ids, got ${p.runIds.length}`;
  for (const id of p.runIds) {
    if (checkRunId(id)) return `runIds must hold non-empty strings, got ${JSON.stringify(id)}`;
  }
  return undefined;
}

export function checkSetKeyMetricParams(p: unknown): string | undefined {
  if (!isObject(p)) return 'expected { experimentId, key, higherIsBetter }';
  if (!Number.isInteger(p.experimentId)) return 'experimentId must be an integer';
  if (p.key !== null && (typeof p.key !== 'string' || p.key.length === 0 || p.key.length > 250)) {
    return `key must be a metric name (a non-empty string) or null to clear it, got ${JSON.stringify(p.key)}`;
  }
  if (typeof p.higherIsBetter !== 'boolean')
    return `higherIsBetter must be true or false, got ${JSON.stringify(p.higherIsBetter)}`;
  return undefined;
}

export function checkParamImportanceQuery(p: unknown): string | undefined {
  if (!isObject(p)) return 'expected { experimentId, metric, parentRunId?, aggregate? }';
  if (!Number.isInteger(p.experimentId)) return 'experimentId must be an integer';
  if (typeof p.metric !== 'string' || p.metric.length === 0 || p.metric.length > 250)
    return `metric must be a metric name (a non-empty string), got ${JSON.stringify(p.metric)}`;
  if (p.parentRunId !== undefined && checkRunId(p.parentRunId))
    return `parentRunId must be a run id, got ${JSON.stringify(p.parentRunId)}`;
  if (p.aggregate !== undefined && p.aggregate !== 'min' && p.aggregate !== 'max')
    return `aggregate must be "min" or "max", got ${JSON.stringify(p.aggregate)}`;
  return undefined;
}

/**
 * How many pixel columns a chart's series is downsampled to (core/common/downsample.ts):
 * at most about 4 points per column, a few thousand in all, whatever the history's length.
 */
export const CHART_BUCKETS = 1000;

/**
 * One metric's history for a chart: downsampled to `buckets` columns, or, for a zoomed
 * range of steps, every point in it.
 */
export async function metricSeries(
  store: RunStore,
  query: MetricSeriesQuery,
): Promise<MetricSeriesPage> {
  const all = await store.metricHistory(query.runId, query.key);
  const zoomed = query.from !== undefined || query.to !== undefined;
  const points = zoomed
    ? windowSeries(all, { from: query.from, to: query.to })
    : downsampleSeries(all, query.buckets ?? CHART_BUCKETS);
  return {
    total: all.length,
    downsampled: !zoomed && points.length < all.length,
    points: points.map(point),
  };
}

export function checkMetricSeriesQuery(p: unknown): string | undefined {
  if (!isObject(p)) return 'expected { runId, key, from?, to?, buckets? }';
  if (checkRunId(p.runId)) return `runId must be a run id, got ${JSON.stringify(p.runId)}`;
  if (typeof p.key !== 'string' || p.key.length === 0)
    return `key must be a metric name, got ${JSON.stringify(p.key)}`;
  for (const bound of ['from', 'to'] as const) {
    if (p[bound] !== undefined && (typeof p[bound] !== 'number' || !Number.isFinite(p[bound])))
      return `${bound} must be a step number, got ${JSON.stringify(p[bound])}`;
  }
  if (typeof p.from === 'number' && typeof p.to === 'number' && p.from > p.to)
    return `from must be <= to, got [${p.from}, ${p.to}]`;
  if (
    p.buckets !== undefined &&
    (!Number.isInteger(p.buckets) || (p.buckets as number) < 1 || (p.buckets as number) > 100_000)
  )
    return `buckets must be a whole number from 1 to 100000, got ${JSON.stringify(p.buckets)}`;
  return undefined;
}
