/** What the views ask the store for, shaped for the wire (see protocol.ts). */
import type { Run, RunStore, MetricValue } from '../store';
import { toWireNumber, type ExperimentItem, type MetricPointItem, type RunDetails, type RunItem } from './protocol';

/** Metrics worth showing beside a run when the experiment names none, most telling first. */
const COMMON_KEY_METRICS = ['val_acc', 'val_accuracy', 'test_accuracy', 'accuracy', 'acc', 'val_loss', 'loss'];

export function experimentItems(store: RunStore): ExperimentItem[] {
  return store.listExperiments().map((e) => ({
    id: e.id,
    name: e.name,
    runCount: store.listRuns({ experiment: e.id }).length,
    keyMetric: e.keyMetric,
    keyMetricHigherIsBetter: e.keyMetricHigherIsBetter,
  }));
}

function point(m: MetricValue): MetricPointItem {
  return { step: m.step, timestamp: m.timestamp, value: toWireNumber(m.value) };
}

function keyMetricOf(latest: Record<string, MetricValue>, preferred: string | null): RunItem['keyMetric'] {
  const key = preferred && latest[preferred] ? preferred : COMMON_KEY_METRICS.find((k) => latest[k]);
  return key ? { key, value: toWireNumber(latest[key].value) } : null;
}

function runItem(store: RunStore, run: Run, preferredMetric: string | null): RunItem {
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
    keyMetric: keyMetricOf(store.latestMetrics(run.id), preferredMetric),
  };
}

export function runItems(store: RunStore, experimentId: number): RunItem[] {
  const experiment = store.getExperiment(experimentId);
  if (!experiment) return [];
  return store.listRuns({ experiment: experimentId }).map((r) => runItem(store, r, experiment.keyMetric));
}

export function runDetails(store: RunStore, runId: string): RunDetails | null {
  const run = store.getRun(runId);
  if (!run) return null;
  const experiment = store.getExperiment(run.experimentId);
  const latest = store.latestMetrics(run.id);
  const history: Record<string, MetricPointItem[]> = {};
  for (const key of Object.keys(latest)) history[key] = store.metricHistory(run.id, key).map(point);
  return {
    ...runItem(store, run, experiment?.keyMetric ?? null),
    sourceCell: run.sourceCell,
    gitCommit: run.gitCommit,
    gitDirty: run.gitDirty,
    environment: run.environment,
    error: run.error,
    params: store.getParams(run.id),
    tags: store.getTags(run.id),
    latestMetrics: Object.fromEntries(Object.entries(latest).map(([k, m]) => [k, point(m)])),
    metricHistory: history,
    artifacts: store.listArtifacts(run.id).map((a) => ({ name: a.name, sha256: a.sha256, size: a.size, mediaType: a.mediaType })),
  };
}
