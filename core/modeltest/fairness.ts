/**
 * Group fairness of a classifier's predictions per sensitive column, with Fairlearn's
 * definitions (fairlearn.metrics):
 * - selection rate: share of a group predicted positive;
 * - demographic parity difference = max − min selection rate over groups, ratio = min / max;
 * - equalized-odds difference = max(TPR difference, FPR difference), each max − min over groups;
 * - the four-fifths rule (US EEOC): flagged when the parity ratio is below 0.8.
 *
 * A multiclass model has no single positive class: with `positive` given, that class is
 * positive and the rest negative; without it every class is judged one-vs-rest and the
 * column's summary numbers are the worst over classes (largest differences, smallest ratio),
 * naming the class. Groups whose TPR (no true positives possible) or FPR is undefined are
 * left out of that difference, as NaN. Missing sensitive values form their own group.
 */
export const MISSING_GROUP = '(missing)';
export const FOUR_FIFTHS = 0.8;

export interface GroupFairness {
  group: string;
  count: number;
  selection_rate: number;
  accuracy: number;
  tpr: number;
  fpr: number;
}

export interface ClassFairness {
  positive: string;
  groups: GroupFairness[];
  demographic_parity_difference: number;
  demographic_parity_ratio: number;
  equalized_odds_difference: number;
  four_fifths_violated: boolean;
}

export interface ColumnFairness {
  column: string;
  /** One entry per positive class judged (one when `positive` was given or the model is binary). */
  classes: ClassFairness[];
  /** Worst over `classes`, and the class each comes from. */
  demographic_parity_difference: number;
  demographic_parity_ratio: number;
  equalized_odds_difference: number;
  four_fifths_violated: boolean;
  worst_class: { parity_difference: string; parity_ratio: string; equalized_odds: string };
}

function spread(values: number[]): { min: number; max: number } {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: NaN, max: NaN };
  return { min: Math.min(...finite), max: Math.max(...finite) };
}

export function groupKey(value: unknown): string {
  return value === null || value === undefined || value === '' ? MISSING_GROUP : String(value);
}

/**
 * Fairness of predictions `pred` against truth `truth` (class indices) for one positive
 * class index, grouped by `groups` (one key per row).
 */
export function classFairness(
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  groups: readonly string[],
  positive: number,
  positiveName: string,
): ClassFairness {
  const keys = [...new Set(groups)].sort((a, b) =>
    a === MISSING_GROUP ? 1 : b === MISSING_GROUP ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
  const per = new Map(keys.map((k) => [k, { n: 0, sel: 0, ok: 0, tp: 0, p: 0, fp: 0, neg: 0 }]));
  for (let i = 0; i < truth.length; i++) {
    const g = per.get(groups[i])!;
    g.n += 1;
    const yp = pred[i] === positive;
    const yt = truth[i] === positive;
    if (yp) g.sel += 1;
    if (pred[i] === truth[i]) g.ok += 1;
    if (yt) {
      g.p += 1;
      if (yp) g.tp += 1;
    } else {
      g.neg += 1;
      if (yp) g.fp += 1;
    }
  }
  const rows: GroupFairness[] = keys.map((k) => {
    const g = per.get(k)!;
    return {
      group: k,
      count: g.n,
      selection_rate: g.sel / g.n,
      accuracy: g.ok / g.n,
      tpr: g.p ? g.tp / g.p : NaN,
      fpr: g.neg ? g.fp / g.neg : NaN,
    };
  });
  const sel = spread(rows.map((r) => r.selection_rate));
  const tpr = spread(rows.map((r) => r.tpr));
  const fpr = spread(rows.map((r) => r.fpr));
  // Fairlearn: ratio is 0/0 → NaN when nobody is selected anywhere; here that is parity (1).
  const ratio = sel.max === 0 ? 1 : sel.min / sel.max;
  const eo = Math.max(
    Number.isFinite(tpr.max) ? tpr.max - tpr.min : -Infinity,
    Number.isFinite(fpr.max) ? fpr.max - fpr.min : -Infinity,
  );
  return {
    positive: positiveName,
    groups: rows,
    demographic_parity_difference: sel.max - sel.min,
    demographic_parity_ratio: ratio,
    equalized_odds_difference: Number.isFinite(eo) ? eo : NaN,
    four_fifths_violated: ratio < FOUR_FIFTHS,
  };
}

export interface FairnessOptions {
  /** The positive class name; default: every class one-vs-rest (a binary model: class 1). */
  positive?: string;
}

export function columnFairness(
  column: string,
  truth: ArrayLike<number>,
  pred: ArrayLike<number>,
  groups: readonly string[],
  labels: readonly string[],
  options: FairnessOptions = {},
): ColumnFairness {
  let positives: number[];
  if (options.positive !== undefined) {
    const k = labels.indexOf(options.positive);
    if (k < 0)
      throw new RangeError(
        `fairness: positive class ${JSON.stringify(options.positive)} is not one of the model's classes (${labels.join(', ')})`,
      );
    positives = [k];
  } else positives = labels.length === 2 ? [1] : labels.map((_, k) => k);
  const classes = positives.map((k) => classFairness(truth, pred, groups, k, labels[k]));
  const worst = (pick: (c: ClassFairness) => number, lower: boolean) => {
    let best = classes[0];
    for (const c of classes) {
      const v = pick(c);
      const b = pick(best);
      if (Number.isNaN(b) || (lower ? v < b : v > b)) best = c;
    }
    return best;
  };
  const dpd = worst((c) => c.demographic_parity_difference, false);
  const dpr = worst((c) => c.demographic_parity_ratio, true);
  const eod = worst((c) => c.equalized_odds_difference, false);
  return {
    column,
    classes,
    demographic_parity_difference: dpd.demographic_parity_difference,
    demographic_parity_ratio: dpr.demographic_parity_ratio,
    equalized_odds_difference: eod.equalized_odds_difference,
    four_fifths_violated: dpr.demographic_parity_ratio < FOUR_FIFTHS,
    worst_class: {
      parity_difference: dpd.positive,
      parity_ratio: dpr.positive,
      equalized_odds: eod.positive,
    },
  };
}
