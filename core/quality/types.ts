/**
 * Data quality in the user's words: a data set's profile (per column and overall), its
 * quality dimensions and issues, validation suites and their results. The JSON of
 * `labbook profile --json` is exactly `DatasetProfile`; CI pipelines rely on it.
 */

import type { ValidationResult } from './suite';

export type ColumnType = 'numeric' | 'integer' | 'boolean' | 'categorical' | 'text' | 'datetime';

export interface Quantiles {
  p5: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p95: number | null;
}

export interface HistogramBin {
  /** Inclusive lower edge; the last bin also includes its upper edge. */
  start: number;
  end: number;
  count: number;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Non-missing values. */
  count: number;
  /** null, empty string, NaN and ±Infinity. */
  missing: number;
  missingShare: number;
  distinct: number;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
  /** Sample standard deviation (n - 1). */
  std: number | null;
  quantiles: Quantiles | null;
  top: { value: string | number | boolean; count: number }[];
  /** One distinct non-missing value. */
  constant: boolean;
  /** The most frequent value has a share >= 0.95 of the non-missing values. */
  almostConstant: boolean;
  histogram?: HistogramBin[];
  zeros?: number;
  negatives?: number;
  /** Values outside [p25 - 1.5 IQR, p75 + 1.5 IQR]. */
  outliers?: number;
  /** More than one kind of value in a column that should hold one (e.g. numbers and words). */
  mixedTypes?: boolean;
  /** Text columns: string length statistics. */
  length?: { min: number; max: number; mean: number };
  /** Non-missing values that do not fit the column's inferred type (the minority kind of a mixed column); used by validity. */
  invalid?: number;
  /** Counts of missing by kind, for the detail view. */
  missingByKind?: { null: number; empty: number; nan: number; infinite: number };
}

export type Severity = 'error' | 'warning' | 'info';

export interface QualityIssue {
  severity: Severity;
  /** null for data-set-level issues. */
  column: string | null;
  /** e.g. `missing`, `constant`, `almost-constant`, `duplicate-rows`, `mixed-types`, `outliers`, `correlated`, `empty-column`, `duplicated-column`, `conflicting-labels`, `stale`. */
  kind: string;
  message: string;
}

export interface QualityDimension {
  score: number;
  weight: number;
  /** How the number was computed, in plain words with the counts. */
  explanation: string;
}

export interface QualityScores {
  score: number;
  completeness: number;
  uniqueness: number;
  validity: number;
  consistency: number;
  /** null when no timestamp column and freshness were configured. */
  timeliness: number | null;
  dimensions?: Record<
    'completeness' | 'uniqueness' | 'validity' | 'consistency' | 'timeliness',
    QualityDimension
  >;
}

export interface DatasetProfile {
  /** File path, or the name given for in-memory data. */
  source?: string;
  rows: number;
  columns: ColumnProfile[];
  duplicateRows: number;
  emptyRows?: number;
  emptyColumns?: string[];
  duplicatedColumns?: [string, string][];
  /** |Pearson r| >= 0.9 between numeric columns. */
  correlatedPairs?: { a: string; b: string; r: number }[];
  /** Bytes of the file, when profiled from one. */
  sizeBytes?: number;
  quality: QualityScores;
  issues: QualityIssue[];
  /** Label column given for the consistency check, and rows whose identical features have different labels. */
  label?: { column: string; conflictingRows: number };
  /** Seconds the profile took. */
  seconds?: number;
  /** The suite's results, when the profile was validated against one (validity then comes from them). */
  validation?: ValidationResult;
}
