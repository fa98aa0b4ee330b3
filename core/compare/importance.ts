/**
 * Parameter importance (issue 23): which params of a set of runs (an experiment, a sweep's
 * children) move a chosen metric, as W&B's panel shows it. Two numbers per param:
 *
 * - importance: a seeded random forest regressor of the metric on the params, with
 *   scikit-learn's defaults (100 CART trees grown to purity on bootstrap samples, every
 *   param tried at each split, squared error), and its impurity-based (MDI) importance:
 *   each tree's total decrease of squared error per param, normalised per tree, averaged
 *   over trees and normalised to sum 1;
 * - correlation: Pearson's r of each numeric param with the metric.
 *
 * Encoding: a param whose values all read as finite numbers is numeric; any other is
 * categorical, encoded as the ordinal of its sorted distinct values (one column per param,
 * so its importance is not split across one-hot columns). A run without the param gets
 * the value below every other (numeric: min - 1; categorical: ordinal -1). Runs whose
 * metric is missing or not finite are left out. The forest is written here, not taken from
 * a library: it is the product's own algorithm. The runs are taken in a canonical order
 * (by params and metric), so the result does not depend on how they were listed, checked against scikit-learn
 * (test/fixtures/importance/make_reference.py).
 */

export interface ImportanceRun {
  params: Record<string, string>;
  /** The metric's value for the run (undefined or NaN: the run is left out). */
  metric: number | undefined;
}

export interface ParamImportance {
  param: string;
  kind: 'numeric' | 'categorical';
  /** Share of the forest's decrease of squared error due to this param; all sum to 1 (0 when nothing varies). */
  importance: number;
  /** Pearson's r with the metric; null for a categorical or constant param. */
  correlation: number | null;
}

export interface ImportanceResult {
  /** Runs used (with a finite metric). */
  runs: number;
  /** Most important first. */
  params: ParamImportance[];
}

export interface ForestOptions {
  trees?: number;
  seed?: number;
  /** A leaf holds at least this many (bootstrap) samples; sklearn's default 1. */
  minSamplesLeaf?: number;
}

/** mulberry32: a small seeded generator, so the same runs give the same importances. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Grows one regression tree on the samples `rows` (indexes into X, repeats allowed, as a
 * bootstrap draws them) and adds each feature's decrease of squared error to `gain`.
 */
function growTree(
  X: number[][],
  y: number[],
  rows: number[],
  features: number,
  minLeaf: number,
  next: () => number,
  gain: number[],
): void {
  const stack: number[][] = [rows];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const n = node.length;
    if (n < 2 * minLeaf) continue;
    let sum = 0;
    let squares = 0;
    for (const i of node) {
      sum += y[i];
      squares += y[i] * y[i];
    }
    const error = squares - (sum * sum) / n;
    if (error <= 1e-12 * Math.max(1, squares)) continue;
    // Features in a random order, as sklearn visits them: it decides only between equal splits.
    const order = Array.from({ length: features }, (_, f) => f);
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    let best = { decrease: 0, feature: -1, threshold: 0 };
    for (const f of order) {
      const sorted = [...node].sort((a, b) => X[a][f] - X[b][f]);
      let leftSum = 0;
      let leftSquares = 0;
      for (let k = 0; k < n - 1; k++) {
        const v = y[sorted[k]];
        leftSum += v;
        leftSquares += v * v;
        const left = k + 1;
        if (left < minLeaf || n - left < minLeaf) continue;
        const here = X[sorted[k]][f];
        const after = X[sorted[k + 1]][f];
        if (here === after) continue;
        const rightSum = sum - leftSum;
        const rightSquares = squares - leftSquares;
        const childError =
          leftSquares -
          (leftSum * leftSum) / left +
          (rightSquares - (rightSum * rightSum) / (n - left));
        const decrease = error - childError;
        if (decrease > best.decrease + 1e-12)
          best = { decrease, feature: f, threshold: (here + after) / 2 };
      }
    }
    if (best.feature < 0) continue;
    gain[best.feature] += best.decrease;
    const left: number[] = [];
    const right: number[] = [];
    for (const i of node) (X[i][best.feature] <= best.threshold ? left : right).push(i);
    stack.push(right, left);
  }
}

/** MDI importance of each column of X for y, normalised to sum 1 (all 0 when no split helps). */
export function forestImportance(
  X: number[][],
  y: number[],
  options: ForestOptions = {},
): number[] {
  const trees = options.trees ?? 100;
  const minLeaf = options.minSamplesLeaf ?? 1;
  const features = X[0]?.length ?? 0;
  if (!Number.isInteger(trees) || trees < 1)
    throw new RangeError(`trees must be a whole number >= 1, got ${trees}`);
  if (X.length !== y.length)
    throw new RangeError(`X has ${X.length} rows but y has ${y.length} values`);
  const next = random(options.seed ?? 0);
  const total = new Array<number>(features).fill(0);
  for (let t = 0; t < trees; t++) {
    const rows = Array.from({ length: X.length }, () => Math.floor(next() * X.length));
    const gain = new Array<number>(features).fill(0);
    growTree(X, y, rows, features, minLeaf, next, gain);
    const sum = gain.reduce((a, b) => a + b, 0);
    if (sum > 0) gain.forEach((g, f) => (total[f] += g / sum));
  }
  const sum = total.reduce((a, b) => a + b, 0);
  return total.map((v) => (sum > 0 ? v / sum : 0));
}

/** Pearson's r; null when either side is constant or there are fewer than two points. */
export function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2 || y.length !== n) return null;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Importance and correlation of every param of `runs` for their metric. */
export function parameterImportance(
  runs: readonly ImportanceRun[],
  options: ForestOptions = {},
): ImportanceResult {
  // In a canonical order, so the bootstrap draws the same samples however the runs were listed.
  const canonical = (r: ImportanceRun) =>
    JSON.stringify([
      Object.entries(r.params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      r.metric,
    ]);
  const used = runs
    .filter((r) => r.metric !== undefined && Number.isFinite(r.metric))
    .map((r) => ({ ...r, key: canonical(r) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const names = [...new Set(used.flatMap((r) => Object.keys(r.params)))].sort();
  const y = used.map((r) => r.metric as number);
  const columns = names.map((name) => {
    const present = used.flatMap((r) => (name in r.params ? [r.params[name]] : []));
    const numeric = present.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
    if (numeric) {
      const missing = Math.min(...present.map(Number)) - 1;
      return {
        kind: 'numeric' as const,
        values: used.map((r) => (name in r.params ? Number(r.params[name]) : missing)),
      };
    }
    const categories = [...new Set(present)].sort();
    return {
      kind: 'categorical' as const,
      values: used.map((r) => (name in r.params ? categories.indexOf(r.params[name]) : -1)),
    };
  });
  const X = used.map((_, i) => columns.map((c) => c.values[i]));
  const importance =
    used.length > 1 && names.length > 0 ? forestImportance(X, y, options) : names.map(() => 0);
  const params = names.map((param, f) => {
    const column = columns[f];
    // Correlation over the runs that have the param, so a missing value is no number.
    const has = used.flatMap((r, i) => (param in r.params ? [i] : []));
    const correlation =
      column.kind === 'numeric'
        ? pearson(
            has.map((i) => column.values[i]),
            has.map((i) => y[i]),
          )
        : null;
    return { param, kind: column.kind, importance: importance[f], correlation };
  });
  params.sort((a, b) => b.importance - a.importance || a.param.localeCompare(b.param));
  return { runs: used.length, params };
}
