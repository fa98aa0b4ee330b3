/**
 * Drift in the user's words: a drift report compares a reference data set (what the model
 * was trained on) with a current one, column by column, and says whether the data set as a
 * whole has drifted. The JSON of `labbook drift --json` is exactly `DriftReport` (fields
 * beyond the contract are additions, never renames); CI pipelines rely on it.
 *
 * Defaults follow Evidently (see ../shared/DESIGN.md): method per column by reference size
 * and type, p < 0.05 for tests, score >= 0.1 for distances, data set drift when the share
 * of drifted columns >= 0.5.
 */

/** Every method a user can name with `--method` or `--column-method col=NAME`. */
export const DRIFT_METHODS = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
  'kl',
  'hellinger',
  'anderson',
  'mannwhitney',
  'ttest',
  'energy',
] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Tests give a p-value (drift when p < threshold); distances give a score (drift when score >= threshold). */
export type MethodKind = 'test' | 'distance';

/** A column's type in the report, in the Data Quality panel's words (datetime as the profiler infers it). */
export type DriftColumnType = 'numeric' | 'categorical' | 'datetime';

/** How a column's values are compared; what `--column-type` / `columnTypes` set. */
export type DriftCompareAs = 'numeric' | 'categorical';

/** A column the report could not test, and why (in plain words in `message`). */
export type SkipReason =
  | 'missing-in-reference'
  | 'missing-in-current'
  | 'all-missing'
  | 'empty'
  | 'unsupported-type'
  | 'method-not-applicable';

/** One bin of a distribution, the same bins on both sides. */
export interface DriftBin {
  /** Numeric bins: [start, end) (the last includes end). Categorical: `category` set, start/end absent. */
  start?: number;
  end?: number;
  category?: string;
  /** Counts of non-missing values in the bin. */
  reference: number;
  current: number;
}

export interface ColumnDrift {
  name: string;
  type: DriftColumnType;
  method: DriftMethod;
  methodKind: MethodKind;
  /** The test statistic or distance; null when the column was skipped. */
  statistic: number | null;
  /** null when the method has none (distances) or the column was skipped. */
  pValue: number | null;
  threshold: number;
  drifted: boolean;
  /** Why the method was chosen ("reference has 344 rows (<= 1000) and 190 distinct values: KS"). */
  reason: string;
  /** Set when the column could not be tested; then `drifted` is false and `statistic` null. */
  skipped?: SkipReason;
  /** Plain words for the user: what was found, or why it was skipped. */
  message: string;
  /** Non-missing values used on each side (after sampling). */
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  /** Both distributions binned the same way (Sturges on both sides combined for numeric; top categories + "(other)" for categorical). */
  bins: DriftBin[];
  /**
   * For a p-value test on large samples (both sides >= 10,000 values), where tests flag even
   * negligible differences: the size of the shift as a distance (normalised Wasserstein for
   * numeric samples, Jensen-Shannon for categories) and that distance's usual threshold.
   * Informational: `drifted` still follows the test.
   */
  effectSize?: { method: DriftMethod; statistic: number; threshold: number };
}

export interface DatasetDrift {
  drifted: boolean;
  /** Drifted columns / tested columns (skipped columns are not counted). */
  share: number;
  driftedColumns: number;
  /** Columns tested. */
  columns: number;
  /** Data set drift when share >= threshold (default 0.5). */
  threshold: number;
}

/** Quality of predictions against the target on one side. */
export interface ClassificationQuality {
  kind: 'classification';
  accuracy: number;
  /** Macro-averaged over the classes seen in either column. */
  precision: number;
  recall: number;
  f1: number;
  rows: number;
}

export interface RegressionQuality {
  kind: 'regression';
  mae: number;
  rmse: number;
  /** Mean absolute percentage error over rows whose target is not 0; null when every target is 0. */
  mape: number | null;
  r2: number | null;
  rows: number;
}

export type PredictionQuality = ClassificationQuality | RegressionQuality;

export interface TargetDrift {
  target?: string;
  prediction?: string;
  /** Drift of the target column and of the prediction column (also present in `columns`). */
  targetDrift?: ColumnDrift;
  predictionDrift?: ColumnDrift;
  /** When both target and prediction are present on a side. */
  referenceQuality?: PredictionQuality;
  currentQuality?: PredictionQuality;
  /** current - reference, per metric of the quality above. */
  change?: Record<string, number | null>;
}

export interface DriftReport {
  /** Where each side came from (file path, or the name given for in-memory data). */
  reference: { source: string; rows: number; sampled?: number };
  current: { source: string; rows: number; sampled?: number };
  dataset: DatasetDrift;
  columns: ColumnDrift[];
  target?: TargetDrift;
  /** Options as applied (after defaults). */
  options: {
    method?: DriftMethod;
    columnMethods: Record<string, DriftMethod>;
    threshold?: number;
    datasetShare: number;
    sample?: number;
    seed: number;
  };
  seconds?: number;
}

export interface DriftOptions {
  /** One method for every column (else Evidently's choice per column). */
  method?: DriftMethod;
  /** Per column overrides, by column name. */
  columnMethods?: Record<string, DriftMethod>;
  /** Threshold for every column (p-value bound for tests, score bound for distances). */
  threshold?: number;
  /** Per column thresholds, by column name. */
  columnThresholds?: Record<string, number>;
  /** Share of drifted columns that makes the data set drifted; default 0.5. */
  datasetShare?: number;
  /** Columns to compare; default all columns present on either side. */
  columns?: string[];
  /** Columns forced categorical (or numeric), by name; a datetime column set numeric compares as epoch seconds. */
  columnTypes?: Record<string, DriftCompareAs>;
  target?: string;
  prediction?: string;
  /** Sample each side down to at most this many rows (seeded, reproducible). */
  sample?: number;
  seed?: number;
  /** Progress for long work: called with a fraction 0..1 and what is being done. */
  onProgress?: (fraction: number, message: string) => void;
}

/** Bad options or unusable data for a drift report: exit code 2 in the CLI. */
export class DriftError extends Error {
  override name = 'DriftError';
}

/** What a concept-drift detector says after each value. */
export interface DetectorState {
  /** True on the update at which drift is detected (the detector resets itself afterwards, like river's). */
  drift: boolean;
  /** True while in the warning zone (DDM); always false for detectors without one. */
  warning: boolean;
}

export interface DriftDetector {
  readonly name: 'adwin' | 'ddm' | 'page-hinkley' | 'kswin';
  update(x: number): DetectorState;
  /** Values seen since creation. */
  readonly count: number;
  /** Indices (0-based, of all values seen) at which drift was detected. */
  readonly detections: readonly number[];
  reset(): void;
}

/** One side of a drift report: a data file (any format the profiler reads) or in-memory rows / columns. */
export type DriftSource =
  { path: string } | { data: Record<string, unknown>[] | Record<string, unknown[]>; name: string };
