/**
 * Side-by-side comparison of runs: which params differ, each metric's latest value per run
 * and which run is best at it. The CLI prints it; the compare panel will draw it.
 */
import type { Run, RunStore } from '../store';
import { fromWireNumber, toWireNumber, type WireNumber } from '../wire-number';
import { formatMetric } from '../format';

export interface RunComparison {
  runs: { id: string; name: string; experiment: string; status: string }[];
  /** Every param any run has; `values[i]` belongs to `runs[i]` (null: not logged). */
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: { key: string; values: (WireNumber | null)[]; higherIsBetter: boolean; best: number[] }[];
}

export class CompareError extends Error {
  override name = 'CompareError';
}

/** Names that mean "lower is better" when the experiment does not say. */
const LOWER_IS_BETTER = /(loss|error|err$|mse|rmse|mae|mape|perplexity|latency|time)/i;

/** Whether higher values of a metric are better, judged by its name alone (losses, errors, times: lower). */
export function higherIsBetterByName(key: string): boolean {
  return !LOWER_IS_BETTER.test(key);
}

/** Full ids or unique prefixes (at least 4 characters), as `labbook runs` prints them shortened. */
export function resolveRunIds(store: RunStore, ids: string[]): Run[] {
  return ids.map((id) => {
    const exact = store.getRun(id);
    if (exact) return exact;
    if (id.length < 4) throw new CompareError(`Run id "${id}" is too short: give at least 4 characters`);
    const matches = store.runIdsWithPrefix(id, 10);
    if (matches.length === 0) throw new CompareError(`No run with id "${id}" in ${store.location}`);
    if (matches.length > 1) throw new CompareError(`Run id "${id}" is ambiguous: ${matches.join(', ')}${matches.length === 10 ? ', …' : ''}`);
    return store.getRun(matches[0])!;
  });
}

export function compareRuns(store: RunStore, runs: Run[]): RunComparison {
  if (runs.length < 2) throw new CompareError('Compare needs at least two runs');
  const params = runs.map((r) => store.getParams(r.id));
  const latest = runs.map((r) => store.latestMetrics(r.id));
  const keys = (records: Record<string, unknown>[]) => [...new Set(records.flatMap((r) => Object.keys(r)))].sort();

  const paramRows = keys(params).map((key) => {
    const values = params.map((p) => p[key] ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });

  const metricRows = keys(latest).map((key) => {
    const numbers = latest.map((m) => (m[key] ? m[key].value : null));
    const higherIsBetter = higherIsBetterFor(store, runs, key);
    const finite = numbers.filter((v): v is number => v !== null && Number.isFinite(v));
    const target = finite.length ? (higherIsBetter ? Math.max(...finite) : Math.min(...finite)) : undefined;
    const best = target === undefined ? [] : numbers.flatMap((v, i) => (v === target ? [i] : []));
    return { key, values: numbers.map((v) => (v === null ? null : toWireNumber(v))), higherIsBetter, best };
  });

  return {
    runs: runs.map((r) => ({ id: r.id, name: r.name, experiment: r.experimentName, status: r.status })),
    params: paramRows,
    metrics: metricRows,
  };
}

/** The experiment's own direction for its key metric wins; otherwise the metric's name decides. */
function higherIsBetterFor(store: RunStore, runs: Run[], key: string): boolean {
  for (const run of runs) {
    const e = store.getExperiment(run.experimentId);
    if (e?.keyMetric === key && e.keyMetricHigherIsBetter !== null) return e.keyMetricHigherIsBetter;
  }
  return higherIsBetterByName(key);
}

/** One metric point on the wire. */
export interface ComparisonPoint {
  step: number;
  timestamp: number;
  value: WireNumber;
}

/** What the compare panel draws (the service's RunComparisonData). */
export interface ComparisonData {
  comparison: RunComparison;
  /** Per metric key, per run id (only runs that logged the metric): every point, by step. */
  histories: Record<string, Record<string, ComparisonPoint[]>>;
  /** Start time of each run, by run id. */
  startTimes: Record<string, number>;
}

/** The comparison of runs (full ids or unique prefixes) plus every point of every metric, for overlaid charts. */
export function comparisonData(store: RunStore, runIds: string[]): ComparisonData {
  const runs = resolveRunIds(store, runIds);
  const comparison = compareRuns(store, runs);
  const histories: ComparisonData['histories'] = {};
  for (const metric of comparison.metrics) {
    const byRun: Record<string, ComparisonPoint[]> = {};
    metric.values.forEach((value, i) => {
      if (value === null) return;
      byRun[runs[i].id] = store.metricHistory(runs[i].id, metric.key)
        .map((p) => ({ step: p.step, timestamp: p.timestamp, value: toWireNumber(p.value) }));
    });
    histories[metric.key] = byRun;
  }
  return { comparison, histories, startTimes: Object.fromEntries(runs.map((r) => [r.id, r.startTime])) };
}

function cell(text: string): string {
  // Markdown tables break on pipes and newlines; names come from notebooks.
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A markdown table for a pull request: params first (differing ones marked), then metrics with the best in bold. */
export function comparisonMarkdown(c: RunComparison): string {
  const header = `| | ${c.runs.map((r) => cell(`${r.name} (${r.id.slice(0, 8)})`)).join(' | ')} |`;
  const rule = `|---|${c.runs.map(() => '---').join('|')}|`;
  const rows: string[] = [];
  for (const p of c.params) {
    rows.push(`| ${cell(`params.${p.key}`)}${p.differs ? ' ≠' : ''} | ${p.values.map((v) => (v === null ? '—' : cell(v))).join(' | ')} |`);
  }
  for (const m of c.metrics) {
    const values = m.values.map((v, i) => (v === null ? '—' : m.best.includes(i) ? `**${formatMetric(fromWireNumber(v))}**` : formatMetric(fromWireNumber(v))));
    rows.push(`| ${cell(`metrics.${m.key}`)} ${m.higherIsBetter ? '↑' : '↓'} | ${values.join(' | ')} |`);
  }
  return `${[header, rule, ...rows].join('\n')}\n`;
}
