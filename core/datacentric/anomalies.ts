/**
 * Outliers and anomalies in a data set: an Isolation Forest over the numeric features
 * (rows unusual as a whole) and per-column robust rules (values unusual in one column):
 * Tukey's fences (outside [Q1 - 1.5 IQR, Q3 + 1.5 IQR], the profile's outlier count) and
 * the modified z-score of Iglewicz and Hoaglin (|0.6745 (x - median) / MAD| > 3.5).
 * Missing feature values are filled with the column's median for the forest, as a user
 * would impute before scikit-learn's IsolationForest, which refuses NaN.
 */
import {
  columnMedians,
  fillMissing,
  numericMatrix,
  quantileSorted,
  resolveFeatures,
  type Matrix,
  type Row,
} from './features';
import { AUTO_THRESHOLD, fitIsolationForest } from './isolation-forest';
import { checkSeed } from './random';

export interface ColumnRule {
  column: string;
  /** Tukey's fences. */
  iqr: { q1: number; q3: number; low: number; high: number; outliers: number };
  /** Modified z-score; null when the MAD is 0 (more than half the values equal), where the score is undefined. */
  mad: { median: number; mad: number; outliers: number } | null;
}

export interface RowAnomaly {
  /** Index of the row in the data given. */
  row: number;
  /** Isolation Forest score in (0, 1]: > 0.5 is anomalous (contamination "auto"). */
  score: number;
  anomalous: boolean;
  /** Columns whose value broke a robust rule, with the rule. */
  reasons: { column: string; value: number; rule: 'iqr' | 'modified-z'; z?: number }[];
}

export interface AnomalyReport {
  rows: number;
  features: string[];
  threshold: number;
  trees: number;
  samples: number;
  seed: number;
  /** Rows the forest calls anomalous. */
  anomalous: number;
  anomalousShare: number;
  columns: ColumnRule[];
  /** Every row, most anomalous first. */
  ranked: RowAnomaly[];
}

export interface FindAnomaliesOptions {
  /** Numeric columns to use (default: every numeric column). */
  features?: string[];
  trees?: number;
  maxSamples?: number;
  seed?: number;
  /** Score above which a row is anomalous (default 0.5, scikit-learn's contamination "auto"). */
  threshold?: number;
}

const MODIFIED_Z = 3.5;

/** The robust rules of one column of `m` (NaN skipped). */
export function columnRule(m: Matrix, c: number, column: string): ColumnRule {
  const values: number[] = [];
  for (let r = 0; r < m.rows; r++) {
    const v = m.data[r * m.cols + c];
    if (!Number.isNaN(v)) values.push(v);
  }
  const sorted = Float64Array.from(values).sort();
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const low = q1 - 1.5 * (q3 - q1);
  const high = q3 + 1.5 * (q3 - q1);
  const median = quantileSorted(sorted, 0.5);
  const deviations = Float64Array.from(values, (v) => Math.abs(v - median)).sort();
  const mad = quantileSorted(deviations, 0.5);
  let iqrOut = 0;
  let madOut = 0;
  for (const v of values) {
    if (v < low || v > high) iqrOut++;
    if (mad > 0 && Math.abs((0.6745 * (v - median)) / mad) > MODIFIED_Z) madOut++;
  }
  return {
    column,
    iqr: { q1, q3, low, high, outliers: iqrOut },
    mad: mad > 0 ? { median, mad, outliers: madOut } : null,
  };
}

export function findAnomalies(
  rows: readonly Row[],
  options: FindAnomaliesOptions = {},
): AnomalyReport {
  const method = 'findAnomalies';
  if (!Array.isArray(rows)) throw new TypeError(`${method}: data must be an array of row objects`);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${method}: options must be an object`);
  const features = resolveFeatures(rows, options.features, method);
  if (features.length === 0)
    throw new TypeError(`${method}: the data has no numeric column to look for anomalies in`);
  const seed = checkSeed(options.seed, method);
  const threshold = options.threshold ?? AUTO_THRESHOLD;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1))
    throw new TypeError(
      `${method}: threshold must be a number between 0 and 1, got ${JSON.stringify(threshold)}`,
    );
  const raw = numericMatrix(rows, features);
  const medians = columnMedians(raw);
  const empty = features.filter((_, c) => Number.isNaN(medians[c]));
  if (empty.length)
    throw new TypeError(
      `${method}: feature ${empty.map((e) => JSON.stringify(e)).join(', ')} has no numeric value`,
    );
  const filled = fillMissing(raw, medians);
  const forest = fitIsolationForest(filled, {
    trees: options.trees,
    maxSamples: options.maxSamples,
    seed,
  });
  const scores = forest.score(filled);
  const columns = features.map((f, c) => columnRule(raw, c, f));
  const ranked: RowAnomaly[] = [];
  let anomalous = 0;
  for (let r = 0; r < raw.rows; r++) {
    const reasons: RowAnomaly['reasons'] = [];
    columns.forEach((rule, c) => {
      const v = raw.data[r * raw.cols + c];
      if (Number.isNaN(v)) return;
      if (v < rule.iqr.low || v > rule.iqr.high)
        reasons.push({ column: rule.column, value: v, rule: 'iqr' });
      if (rule.mad) {
        const z = (0.6745 * (v - rule.mad.median)) / rule.mad.mad;
        if (Math.abs(z) > MODIFIED_Z)
          reasons.push({ column: rule.column, value: v, rule: 'modified-z', z });
      }
    });
    const isAnomalous = scores[r] > threshold;
    if (isAnomalous) anomalous++;
    ranked.push({ row: r, score: scores[r], anomalous: isAnomalous, reasons });
  }
  ranked.sort((a, b) => b.score - a.score || a.row - b.row);
  return {
    rows: raw.rows,
    features,
    threshold,
    trees: forest.trees,
    samples: forest.samples,
    seed,
    anomalous,
    anomalousShare: raw.rows ? anomalous / raw.rows : 0,
    columns,
    ranked,
  };
}
