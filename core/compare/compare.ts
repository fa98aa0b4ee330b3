/**
 * Side-by-side comparison of runs: which params differ, each metric's latest value per run
 * and which run is best at it. The CLI prints it; the compare panel will draw it.
 */
import { downsampleSeries } from '../common/downsample';
import type { Run, RunStore } from '../store';
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
export async function resolveRunIds(store: RunStore, ids: string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const id of ids) runs.push(await resolveRunId(store, id));
  return runs;
}

async function resolveRunId(store: RunStore, id: string): Promise<Run> {
  {
    const exact = await store.getRun(id);
    if (exact) return exact;
    if (id.length < 4)
      throw new CompareError(`Run id "${id}" is too short: give at least 4 characters`);
    const matches = await store.runIdsWithPrefix(id, 10);
    if (matches.length === 0) throw new CompareError(`No run with id "${id}" in ${store.location}`);
    if (matches.length > 1)
      throw new CompareError(
        `Run id "${id}" is ambiguous: ${matches.join(', ')}${matches.length === 10 ? ', …' : ''}`,
      );
    return (await store.getRun(matches[0]))!;
  }
}

export async function compareRuns(store: RunStore, runs: Run[]): Promise<RunComparison> {
  if (runs.length < 2) throw new CompareError('Compare needs at least two runs');
  const params = await Promise.all(runs.map((r) => store.getParams(r.id)));
  const latest = await Promise.all(runs.map((r) => store.latestMetrics(r.id)));
  const keys = (records: Record<string, unknown>[]) =>
    [...new Set(records.flatMap((r) => Object.keys(r)))].sort();

  const paramRows = keys(params).map((key) => {
    const values = params.map((p) => p[key] ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });

  const directions = new Map<string, boolean>();
  for (const key of keys(latest)) directions.set(key, await higherIsBetterFor(store, runs, key));
  const metricRows = keys(latest).map((key) => {
    const numbers = latest.map((m) => (m[key] ? m[key].value : null));
    const higherIsBetter = directions.get(key)!;
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
async function higherIsBetterFor(store: RunStore, runs: Run[], key: string): Promise<boolean> {
  for (const run of runs) {
    const e = await store.getExperiment(run.experimentId);
    if (e?.keyMetric === key && e.keyMetricHigherIsBetter !== null)
      return e.keyMetricHigherIsBetter;
  }
  return higherIsBetterByName(key);
}

/** Pixel columns a compare chart's series is downsampled to: a few thousand points per run at most. */
export const COMPARE_CHART_BUCKETS = 1000;

/** The comparison of runs (full ids or unique prefixes) plus every point of every metric, for overlaid charts. */
export async function comparisonData(store: RunStore, runIds: string[]): Promise<ComparisonData> {
  const runs = await resolveRunIds(store, runIds);
  const comparison = await compareRuns(store, runs);
  const histories: ComparisonData['histories'] = {};
  for (const metric of comparison.metrics) {
    const byRun: Record<string, ComparisonPoint[]> = {};
    for (const [i, value] of metric.values.entries()) {
      if (value === null) continue;
      // Downsampled per pixel column, as run details' charts are (core/common/downsample.ts).
      const history = downsampleSeries(
        await store.metricHistory(runs[i].id, metric.key),
        COMPARE_CHART_BUCKETS,
      );
      byRun[runs[i].id] = history.map((p) => ({
        step: p.step,
        timestamp: p.timestamp,
        value: toWireNumber(p.value),
      }));
    }
    histories[metric.key] = byRun;
  }
  return {
    comparison,
    histories,
    startTimes: Object.fromEntries(runs.map((r) => [r.id, r.startTime])),
  };
}
