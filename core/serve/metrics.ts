/**
 * The server's live numbers in Prometheus' text exposition format (version 0.0.4): request
 * counts by variant and status code, a latency histogram, predictions, feedback and live
 * accuracy (classification) or mean absolute error (regression) per variant. Written by
 * hand: the format is a few lines of text and no metrics library is installed.
 */
import type { Variant } from '../common/serve-types';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Latency buckets, seconds. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

type Labels = Record<string, string>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  return entries.length === 0
    ? ''
    : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function num(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  get(labels: Labels): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }
}

class Histogram {
  readonly series = new Map<
    string,
    { labels: Labels; buckets: number[]; sum: number; count: number }
  >();
  constructor(readonly bounds: readonly number[]) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, buckets: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]) s.buckets[i] += 1;
    s.sum += value;
    s.count += 1;
  }
}

export interface VersionInfo {
  variant: Variant;
  version: number;
}

export class ServeMetrics {
  readonly requests = new Counter();
  readonly latency = new Histogram(LATENCY_BUCKETS);
  readonly predictions = new Counter();
  readonly shadowPredictions = new Counter();
  readonly shadowDisagreements = new Counter();
  readonly feedback = new Counter();
  readonly feedbackCorrect = new Counter();
  readonly feedbackAbsError = new Counter();
  readonly logDropped = new Counter();
  /** Tensors scored (adaptive batching) and the rows in them, by model version. */
  readonly batches = new Counter();
  readonly batchedRows = new Counter();
  readonly started = Date.now();

  constructor(
    readonly deployment: string,
    readonly task: 'classification' | 'regression',
  ) {}

  /** One HTTP request; the latency histogram holds predict requests only. */
  request(
    endpoint: 'predict' | 'feedback' | 'other',
    variant: string,
    code: number,
    seconds: number,
  ): void {
    this.requests.inc({ endpoint, variant, code: String(code) });
    if (endpoint === 'predict') this.latency.observe({ variant }, seconds);
  }

  /** The live accuracy (classification) or MAE (regression) of a variant over its feedback, NaN without any. */
  live(variant: string): number {
    const n = this.feedback.get({ variant });
    if (n === 0) return NaN;
    return this.task === 'classification'
      ? this.feedbackCorrect.get({ variant }) / n
      : this.feedbackAbsError.get({ variant }) / n;
  }

  /** The exposition text. `versions` labels the variants with what they serve; `weights` is the candidate's share. */
  render(state: {
    versions: VersionInfo[];
    weight: number;
    strategy: string;
    logBuffered: number;
  }): string {
    const d = this.deployment;
    const out: string[] = [];
    const counter = (name: string, help: string, c: Counter) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const { labels, value } of c.values.values())
        out.push(`${name}${labelText({ deployment: d, ...labels })} ${num(value)}`);
    };
    const gauge = (name: string, help: string, rows: { labels: Labels; value: number }[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const { labels, value } of rows)
        out.push(`${name}${labelText({ deployment: d, ...labels })} ${num(value)}`);
    };
    counter(
      'labbook_requests_total',
      'HTTP requests by endpoint (predict, feedback, other), answering variant ("none" before routing) and status code.',
      this.requests,
    );
    out.push(
      '# HELP labbook_request_duration_seconds Request latency from arrival to response, by variant.',
      '# TYPE labbook_request_duration_seconds histogram',
    );
    for (const s of this.latency.series.values()) {
      const base = { deployment: d, ...s.labels };
      this.latency.bounds.forEach((bound, i) =>
        out.push(
          `labbook_request_duration_seconds_bucket${labelText({ ...base, le: num(bound) })} ${s.buckets[i]}`,
        ),
      );
      out.push(
        `labbook_request_duration_seconds_bucket${labelText({ ...base, le: '+Inf' })} ${s.count}`,
      );
      out.push(`labbook_request_duration_seconds_sum${labelText(base)} ${num(s.sum)}`);
      out.push(`labbook_request_duration_seconds_count${labelText(base)} ${s.count}`);
    }
    counter(
      'labbook_predictions_total',
      'Instances scored and answered, by variant and model version.',
      this.predictions,
    );
    counter(
      'labbook_shadow_predictions_total',
      'Instances scored by the shadow candidate (never answered).',
      this.shadowPredictions,
    );
    counter(
      'labbook_shadow_disagreements_total',
      'Shadow predictions whose class differs from the answered one (classification).',
      this.shadowDisagreements,
    );
    counter(
      'labbook_feedback_total',
      'Ground-truth labels received and joined to a prediction, by variant.',
      this.feedback,
    );
    const variants = [...new Set([...this.feedback.values.values()].map((e) => e.labels.variant))];
    if (this.task === 'classification') {
      gauge(
        'labbook_live_accuracy',
        'Share of predictions with feedback whose class was right, by variant.',
        variants.map((variant) => ({ labels: { variant }, value: this.live(variant) })),
      );
    } else {
      gauge(
        'labbook_live_mae',
        'Mean absolute error of predictions with feedback, by variant.',
        variants.map((variant) => ({ labels: { variant }, value: this.live(variant) })),
      );
    }
    gauge(
      'labbook_live_error',
      'Live error by variant: 1 - accuracy (classification) or the mean absolute error (regression).',
      variants.map((variant) => ({
        labels: { variant },
        value: this.task === 'classification' ? 1 - this.live(variant) : this.live(variant),
      })),
    );
    gauge(
      'labbook_variant_info',
      'The model version each variant serves (value 1).',
      state.versions.map((v) => ({
        labels: { variant: v.variant, version: String(v.version) },
        value: 1,
      })),
    );
    gauge(
      'labbook_traffic_weight_percent',
      'Percent of requests answered by each variant under the current split.',
      state.versions.map((v) => ({
        labels: { variant: v.variant, strategy: state.strategy },
        value: v.variant === 'candidate' ? state.weight : 100 - state.weight,
      })),
    );
    counter(
      'labbook_batches_total',
      'Tensors scored: concurrent requests to one version are batched into one (shadow scoring included), by model version.',
      this.batches,
    );
    counter(
      'labbook_batched_rows_total',
      'Rows in those tensors; divided by labbook_batches_total, the mean batch size.',
      this.batchedRows,
    );
    counter(
      'labbook_prediction_log_dropped_total',
      'Prediction log rows that could not be written.',
      this.logDropped,
    );
    gauge('labbook_prediction_log_buffered', 'Prediction log rows waiting to be written.', [
      { labels: {}, value: state.logBuffered },
    ]);
    gauge('labbook_uptime_seconds', 'Seconds since the server started.', [
      { labels: {}, value: (Date.now() - this.started) / 1000 },
    ]);
    return `${out.join('\n')}\n`;
  }
}

/** Parses exposition text into samples (for tests and the monitoring panel). Throws on a malformed line. */
export function parsePrometheusText(
  text: string,
): { name: string; labels: Labels; value: number }[] {
  const samples: { name: string; labels: Labels; value: number }[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = line.exec(raw);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(raw)}`);
    const labels: Labels = {};
    if (m[3]) {
      label.lastIndex = 0;
      while (label.lastIndex < m[3].length) {
        const l = label.exec(m[3]);
        if (!l) throw new Error(`bad labels in ${JSON.stringify(raw)}`);
        labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      }
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN')
      throw new Error(`bad value in ${JSON.stringify(raw)}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}
