/**
 * What a comparison of runs is, in plain data, and the pure helpers every side draws it
 * with: which way a metric is better, and the markdown table for a pull request. No store,
 * no Node: the compare panel (browser), the extension host and the CLI all import it.
 */
import { fromWireNumber, type WireNumber } from './wire-number';
import { formatMetric } from './format';

export interface RunComparison {
  runs: { id: string; name: string; experiment: string; status: string }[];
  /** Every param any run has; `values[i]` belongs to `runs[i]` (null: not logged). */
  params: { key: string; values: (string | null)[]; differs: boolean }[];
  metrics: {
    key: string;
    values: (WireNumber | null)[];
    higherIsBetter: boolean;
    best: number[];
  }[];
}

/** Names that mean "lower is better" when the experiment does not say. */
const LOWER_IS_BETTER = /(loss|error|err$|mse|rmse|mae|mape|perplexity|latency|time)/i;

/** Whether higher values of a metric are better, judged by its name alone (losses, errors, times: lower). */
export function higherIsBetterByName(key: string): boolean {
  return !LOWER_IS_BETTER.test(key);
}

/**
 * Metrics worth showing when nothing names one (no key metric, no sweep), most telling
 * first: a held-out score before a training one, accuracy before loss.
 */
export const COMMON_KEY_METRICS = [
  'val_acc',
  'val_accuracy',
  'test_accuracy',
  'accuracy',
  'acc',
  'val_loss',
  'loss',
];

/**
 * The metric a chart or a column defaults to among `keys`: `preferred` (a sweep's metric,
 * an experiment's key metric) when present, else the first of COMMON_KEY_METRICS, else the
 * first key. Alphabetical order alone would pick `loss` over `val_acc`.
 */
export function defaultMetric(keys: readonly string[], preferred: string | null): string | null {
  if (preferred !== null && keys.includes(preferred)) return preferred;
  return COMMON_KEY_METRICS.find((k) => keys.includes(k)) ?? keys[0] ?? null;
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
    rows.push(
      `| ${cell(`params.${p.key}`)}${p.differs ? ' ≠' : ''} | ${p.values.map((v) => (v === null ? '—' : cell(v))).join(' | ')} |`,
    );
  }
  for (const m of c.metrics) {
    const values = m.values.map((v, i) =>
      v === null
        ? '—'
        : m.best.includes(i)
          ? `**${formatMetric(fromWireNumber(v))}**`
          : formatMetric(fromWireNumber(v)),
    );
    rows.push(
      `| ${cell(`metrics.${m.key}`)} ${m.higherIsBetter ? '↑' : '↓'} | ${values.join(' | ')} |`,
    );
  }
  return `${[header, rule, ...rows].join('\n')}\n`;
}
