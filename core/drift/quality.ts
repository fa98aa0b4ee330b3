/**
 * Prediction quality on each side of a drift report, when both the target and the
 * prediction column are named: over the rows where both have a value, classification
 * metrics (accuracy; precision, recall and F1 macro-averaged over every class seen in
 * either column, 0 for a class never predicted or never seen, like scikit-learn with
 * zero_division=0) or regression metrics (MAE, RMSE, MAPE in percent over non-zero
 * targets as Evidently shows it, R²).
 *
 * The task: classification when the target is categorical, or numeric with whole values
 * and at most MAX_CLASSES distinct values over both sides (class ids); regression otherwise.
 */
import { ident, type Engine } from '../quality/engine';
import type { PredictionQuality } from '../common/drift-types';

export const MAX_CLASSES = 20;

export type Task = 'classification' | 'regression';

/** One side's table with SQL for its target and prediction values (NULL when missing). */
export interface Labelled {
  table: string;
  target: string;
  prediction: string;
}

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));

export async function inferTask(
  engine: Engine,
  sides: Labelled[],
  targetNumeric: boolean,
): Promise<Task> {
  if (!targetNumeric || sides.length === 0) return 'classification';
  const union = sides
    .map((s) => `SELECT ${s.target} AS t FROM ${ident(s.table)}`)
    .join(' UNION ALL ');
  const r = (
    await engine.all(
      `SELECT CAST(count(DISTINCT t) AS DOUBLE) AS d, coalesce(bool_and(t = round(t)), true) AS whole FROM (${union}) WHERE t IS NOT NULL`,
    )
  )[0];
  return r.whole === true && n(r.d) <= MAX_CLASSES ? 'classification' : 'regression';
}

export async function predictionQuality(
  engine: Engine,
  side: Labelled,
  task: Task,
  predictionNumeric: boolean,
): Promise<PredictionQuality | undefined> {
  const pairs = `SELECT ${side.target} AS t, ${side.prediction} AS p FROM ${ident(side.table)}`;
  if (task === 'regression') {
    if (!predictionNumeric) return undefined;
    const r = (
      await engine.all(`SELECT CAST(count(*) AS DOUBLE) AS rows, avg(abs(t - p)) AS mae, sqrt(avg((t - p) * (t - p))) AS rmse,
        100 * avg(abs((t - p) / t)) FILTER (WHERE t <> 0) AS mape, sum((t - p) * (t - p)) AS ssr, var_pop(t) * count(*) AS sst
        FROM (${pairs}) WHERE t IS NOT NULL AND p IS NOT NULL`)
    )[0];
    const rows = n(r.rows);
    if (rows === 0) return undefined;
    const sst = n(r.sst);
    return {
      kind: 'regression',
      mae: n(r.mae),
      rmse: n(r.rmse),
      mape: r.mape === null || r.mape === undefined ? null : n(r.mape),
      r2: sst > 0 ? 1 - n(r.ssr) / sst : null,
      rows,
    };
  }
  const groups = await engine.all(
    `SELECT t, p, CAST(count(*) AS DOUBLE) AS c FROM (${pairs}) WHERE t IS NOT NULL AND p IS NOT NULL GROUP BY ALL`,
  );
  return classification(
    groups.map((g) => ({ actual: String(g.t), predicted: String(g.p), count: n(g.c) })),
  );
}

/** Metrics from the counts of (actual, predicted) pairs; labels compare as text, numbers in JS's shortest form (1, not 1.0). */
export function classification(
  pairs: { actual: string; predicted: string; count: number }[],
): PredictionQuality | undefined {
  const classes = new Map<string, { tp: number; actual: number; predicted: number }>();
  const of = (label: string) => {
    let c = classes.get(label);
    if (!c) {
      c = { tp: 0, actual: 0, predicted: 0 };
      classes.set(label, c);
    }
    return c;
  };
  let rows = 0;
  let correct = 0;
  for (const { actual, predicted, count } of pairs) {
    rows += count;
    of(actual).actual += count;
    of(predicted).predicted += count;
    if (actual === predicted) {
      of(actual).tp += count;
      correct += count;
    }
  }
  if (rows === 0) return undefined;
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const c of classes.values()) {
    const p = c.predicted ? c.tp / c.predicted : 0;
    const r = c.actual ? c.tp / c.actual : 0;
    precision += p;
    recall += r;
    f1 += p + r > 0 ? (2 * p * r) / (p + r) : 0;
  }
  const k = classes.size;
  return {
    kind: 'classification',
    accuracy: correct / rows,
    precision: precision / k,
    recall: recall / k,
    f1: f1 / k,
    rows,
  };
}

/** current - reference per metric; null where either side has none. Undefined when the kinds differ. */
export function qualityChange(
  reference: PredictionQuality,
  current: PredictionQuality,
): Record<string, number | null> | undefined {
  if (reference.kind !== current.kind) return undefined;
  const change: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(reference)) {
    if (key === 'kind' || key === 'rows') continue;
    const other = (current as unknown as Record<string, unknown>)[key];
    change[key] = typeof value === 'number' && typeof other === 'number' ? other - value : null;
  }
  return change;
}
