/**
 * Quality dimensions of a profiled data set, each 0..1, and their weighted score.
 *
 * - completeness: 1 - missing cells / all cells (missing = null, empty string, NaN, ±Infinity).
 * - uniqueness:   1 - duplicate rows / rows (duplicates as pandas' duplicated(): every
 *                 repeat of an earlier row).
 * - validity:     without a suite, the share of non-missing cells that fit their column's
 *                 inferred type: in a column mixing numbers and words, the values of the
 *                 minority kind are invalid (ColumnProfile.invalid). With a suite
 *                 (applyValidation), the mean over its rules of the share that passes: a
 *                 row-level rule passes 1 - unexpected share, a data-set-level rule (row
 *                 count, column present, missing share) passes 1 or 0.
 * - consistency:  (1 - columns with mixed types / columns) x (1 - conflicting rows / rows)
 *                 where conflicting rows (only with a label column) are rows whose identical
 *                 feature values appear with more than one label.
 * - timeliness:   with a timestamp column and a freshness (ms): 1 when the newest value is
 *                 at most `freshness` old, falling linearly to 0 at twice that age; null
 *                 otherwise.
 *
 * Weights: completeness 0.3, validity 0.3, uniqueness 0.2, consistency 0.2. With
 * timeliness, it weighs 0.2 and the other four are scaled by 0.8 (0.24, 0.24, 0.16, 0.16).
 * An empty data set (no rows or no columns) scores 0 on every dimension and overall, with
 * the reason in each explanation: there is nothing to measure, and a perfect score would
 * let it pass a quality gate.
 */
import type { DatasetProfile, QualityDimension, QualityScores } from './types';
import type { ValidationResult } from './suite';

export interface QualityContext {
  /** Rows in groups of identical features with more than one label; null without a label column. */
  conflictingRows: number | null;
  label?: string;
  timestampColumn?: string;
  /** Newest timestamp, epoch ms; null when none. */
  newest: number | null;
  freshness?: number;
  now?: number;
}

export const WEIGHTS = {
  completeness: 0.3,
  validity: 0.3,
  uniqueness: 0.2,
  consistency: 0.2,
} as const;
export const TIMELINESS_WEIGHT = 0.2;

const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);
const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

/** Timeliness of the newest timestamp `newest` at `now`: 1 within `freshness`, 0 at twice it. */
export function timelinessScore(newest: number, now: number, freshness: number): number {
  const age = Math.max(0, now - newest);
  if (age <= freshness) return 1;
  return Math.max(0, 1 - (age - freshness) / freshness);
}

function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 120_000) return `${Math.round(ms / 1000)} s`;
  if (abs < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (abs < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

export function computeQuality(profile: DatasetProfile, context: QualityContext): QualityScores {
  const rows = profile.rows;
  const cols = profile.columns.length;
  const cells = rows * cols;
  const missingCells = profile.columns.reduce((sum, c) => sum + c.missing, 0);
  const present = cells - missingCells;
  const invalid = profile.columns.reduce((sum, c) => sum + (c.invalid ?? 0), 0);
  const mixed = profile.columns.filter((c) => c.mixedTypes).map((c) => c.name);

  const completeness = cells > 0 ? 1 - share(missingCells, cells) : 1;
  const uniqueness = rows > 0 ? 1 - share(profile.duplicateRows, rows) : 1;
  const validity = present > 0 ? 1 - share(invalid, present) : 1;
  const typeConsistency = cols > 0 ? 1 - share(mixed.length, cols) : 1;
  const labelConsistency =
    context.conflictingRows !== null && rows > 0 ? 1 - share(context.conflictingRows, rows) : 1;
  const consistency = typeConsistency * labelConsistency;

  let timeliness: number | null = null;
  let timelinessExplanation = 'Not measured: no timestamp column and freshness were given.';
  if (
    context.timestampColumn !== undefined &&
    context.freshness !== undefined &&
    context.freshness > 0
  ) {
    const now = context.now ?? Date.now();
    if (context.newest === null) {
      timeliness = 0;
      timelinessExplanation = `Column "${context.timestampColumn}" has no timestamp, so the data cannot be shown to be fresh (0).`;
    } else {
      timeliness = timelinessScore(context.newest, now, context.freshness);
      timelinessExplanation =
        `The newest "${context.timestampColumn}" is ${new Date(context.newest).toISOString()}, ${duration(now - context.newest)} old; ` +
        `fresh within ${duration(context.freshness)} (score 1), falling linearly to 0 at ${duration(2 * context.freshness)}: ${timeliness.toFixed(3)}.`;
    }
  }

  const scale = timeliness === null ? 1 : 1 - TIMELINESS_WEIGHT;
  const weights = {
    completeness: WEIGHTS.completeness * scale,
    uniqueness: WEIGHTS.uniqueness * scale,
    validity: WEIGHTS.validity * scale,
    consistency: WEIGHTS.consistency * scale,
    timeliness: timeliness === null ? 0 : TIMELINESS_WEIGHT,
  };
  const score =
    completeness * weights.completeness +
    uniqueness * weights.uniqueness +
    validity * weights.validity +
    consistency * weights.consistency +
    (timeliness ?? 0) * weights.timeliness;

  const dimensions: Record<
    'completeness' | 'uniqueness' | 'validity' | 'consistency' | 'timeliness',
    QualityDimension
  > = {
    completeness: {
      score: completeness,
      weight: weights.completeness,
      explanation: `${missingCells} of ${cells} cells (${rows} rows x ${cols} columns) are missing (null, empty text, NaN or ±Infinity): 1 - ${missingCells}/${cells} = ${pct(completeness)}.`,
    },
    uniqueness: {
      score: uniqueness,
      weight: weights.uniqueness,
      explanation: `${profile.duplicateRows} of ${rows} rows repeat an earlier row: 1 - ${profile.duplicateRows}/${rows} = ${pct(uniqueness)}.`,
    },
    validity: {
      score: validity,
      weight: weights.validity,
      explanation: `No suite: ${invalid} of ${present} non-missing values do not fit their column's inferred type (the minority kind in columns mixing numbers and words): 1 - ${invalid}/${present} = ${pct(validity)}.`,
    },
    consistency: {
      score: consistency,
      weight: weights.consistency,
      explanation:
        `${mixed.length} of ${cols} columns mix kinds of values${mixed.length ? ` (${mixed.slice(0, 5).join(', ')}${mixed.length > 5 ? ', …' : ''})` : ''}` +
        (context.conflictingRows !== null
          ? `; ${context.conflictingRows} of ${rows} rows have identical features but different "${context.label}" labels: (1 - ${mixed.length}/${cols}) x (1 - ${context.conflictingRows}/${rows}) = ${pct(consistency)}.`
          : `; no label column given, so label conflicts were not checked: 1 - ${mixed.length}/${cols} = ${pct(consistency)}.`),
    },
    timeliness: {
      score: timeliness ?? 0,
      weight: weights.timeliness,
      explanation: timelinessExplanation,
    },
  };
  if (rows === 0 || cols === 0) {
    const why = `The data set has no ${rows === 0 ? 'rows' : 'columns'}: there is nothing to measure, so it scores 0.`;
    for (const d of Object.values(dimensions)) {
      d.score = 0;
      d.explanation = why;
    }
    return {
      score: 0,
      completeness: 0,
      uniqueness: 0,
      validity: 0,
      consistency: 0,
      timeliness: timeliness === null ? null : 0,
      dimensions,
    };
  }
  return { score, completeness, uniqueness, validity, consistency, timeliness, dimensions };
}

/** Rules judged on the data set as a whole: they pass or fail, with no share of rows. */
const DATASET_LEVEL_RULES: ReadonlySet<string> = new Set([
  'row-count',
  'column-present',
  'missing',
]);

/**
 * The profile with validity measured by a suite's results instead of the inferred types,
 * the overall score adjusted by validity's own weight, and the results attached.
 */
export function applyValidation(
  profile: DatasetProfile,
  validation: ValidationResult,
): DatasetProfile {
  const rules = validation.rules;
  const passing = rules.map((r) =>
    DATASET_LEVEL_RULES.has(r.rule.kind) ? (r.passed ? 1 : 0) : 1 - r.unexpectedShare,
  );
  const validity = rules.length > 0 ? passing.reduce((a, b) => a + b, 0) / rules.length : 1;
  const weight = profile.quality.dimensions?.validity.weight ?? WEIGHTS.validity;
  // An empty data set stays at 0 whatever its rules say (see computeQuality).
  const score =
    profile.rows === 0 || profile.columns.length === 0
      ? 0
      : profile.quality.score + weight * (validity - profile.quality.validity);
  const rowLevel = rules.filter((r) => !DATASET_LEVEL_RULES.has(r.rule.kind));
  const explanation =
    `Suite "${validation.suite}": ${rules.length - validation.failedRules} of ${rules.length} rules pass. ` +
    `Validity is the mean over the rules of the share that passes (${rowLevel.length} row-level rules count 1 - unexpected share, ` +
    `${rules.length - rowLevel.length} data-set-level rules count 1 or 0): ${pct(validity)}.`;
  const dimensions = profile.quality.dimensions
    ? { ...profile.quality.dimensions, validity: { score: validity, weight, explanation } }
    : undefined;
  return {
    ...profile,
    quality: { ...profile.quality, validity, score, ...(dimensions ? { dimensions } : {}) },
    validation,
  };
}
