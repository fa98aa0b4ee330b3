/**
 * Side-by-side comparison of runs: which params differ, each metric's latest value per run
 * and which run is best at it. The CLI prints it; the compare panel will draw it.
 */
import type { Run, SyncRunStore } from '../store';
import { toWireNumber } from '../common/wire-number';
import {
  higherIsBetterByName,
  type ComparisonData,
  type ComparisonPoint,
  type RunComparison,
} from '../common/comparison';

export class CompareError extends Error {
  override name = 'CompareError';
}

/** Full ids or unique prefixes (at least 4 characters), as `labbook runs` prints them shortened. */
export function resolveRunIds(store: SyncRunStore, ids: string[]): Run[] {
  return ids.map((id) => {
    const exact = store.getRun(id);
    if (exact) return exact;
    if (id.length < 4)
      throw new CompareError(`Run id "${id}" is too short: give at least 4 characters`);
    const matches = store.runIdsWithPrefix(id, 10);
    if (matches.length === 0) throw new CompareError(`No run with id "${id}" in ${store.location}`);
    if (matches.length > 1)
      throw new CompareError(
        `Run id "${id}" is ambiguous: ${matches.join(', ')}${matches.length === 10 ? ', …' : ''}`,
      );
    return store.getRun(matches[0])!;
  });
}

export function compareRuns(store: SyncRunStore, runs: Run[]): RunComparison {
  if (runs.length < 2) throw new CompareError('Compare needs at least two runs');
  const params = runs.map((r) => store.getParams(r.id));
  const latest = runs.map((r) => store.latestMetrics(r.id));
  const keys = (records: Record<string, unknown>[]) =>
    [...new Set(records.flatMap((r) => Object.keys(r)))].sort();

  const paramRows = keys(params).map((key) => {
    const values = params.map((p) => p[key] ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });

  const metricRows = keys(latest).map((key) => {
    const numbers = latest.map((m) => (m[key] ? m[key].value : null));
    const higherIsBetter = higherIsBetterFor(store, runs, key);
    const finite = numbers.filter((v): v is number => v !== null && Number.isFinite(v));
    const target = finite.length
      ? higherIsBetter
        ? Math.max(...finite)
        : Math.min(...finite)
      : undefined;
    const best = target === undefined ? [] : numbers.flatMap((v, i) => (v === target ? [i] : []));
    return {
      key,
      values: numbers.map((v) => (v === null ? null : toWireNumber(v))),
      higherIsBetter,
      best,
    };
  });

  return {
    runs: runs.map((r) => ({
      id: r.id,
      name: r.name,
      experiment: r.experimentName,
      status: r.status,
    })),
    params: paramRows,
    metrics: metricRows,
  };
}

/** The experiment's own direction for its key metric wins; otherwise the metric's name decides. */
function higherIsBetterFor(store: SyncRunStore, runs: Run[], key: string): boolean {
  for (const run of runs) {
    const e = store.getExperiment(run.experimentId);
    if (e?.keyMetric === key && e.keyMetricHigherIsBetter !== null)
      return e.keyMetricHigherIsBetter;
  }
  return higherIsBetterByName(key);
}

/** The comparison of runs (full ids or unique prefixes) plus every point of every metric, for overlaid charts. */
export function comparisonData(store: SyncRunStore, runIds: string[]): ComparisonData {
  const runs = resolveRunIds(store, runIds);
  const comparison = compareRuns(store, runs);
  const histories: ComparisonData['histories'] = {};
  for (const metric of comparison.metrics) {
    const byRun: Record<string, ComparisonPoint[]> = {};
    metric.values.forEach((value, i) => {
      if (value === null) return;
      byRun[runs[i].id] = store
        .metricHistory(runs[i].id, metric.key)
        .map((p) => ({ step: p.step, timestamp: p.timestamp, value: toWireNumber(p.value) }));
    });
    histories[metric.key] = byRun;
  }
  return {
    comparison,
    histories,
    startTimes: Object.fromEntries(runs.map((r) => [r.id, r.startTime])),
  };
}
