/**
 * k-fold cross-validation. Fold assignment matches scikit-learn without shuffling:
 * KFold gives contiguous test blocks, the first n % k of them one row longer;
 * StratifiedKFold (scikit-learn >= 0.22) sorts the rows' classes (encoded in order of first
 * appearance), deals them round-robin to the folds to decide how many of each class each
 * fold gets, and gives each class's rows, in data order, to folds 0, 0, …, 1, 1, …
 * An `order` (a permutation of the rows) is applied first, for a shuffled split.
 */
import { mean, std } from './random';

export interface Fold {
  train: number[];
  test: number[];
}

function checkK(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 2)
    throw new RangeError(`crossValidate: k must be a whole number >= 2, got ${k}`);
  if (k > n)
    throw new RangeError(`crossValidate: k = ${k} folds need at least ${k} rows, got ${n}`);
}

function withOrder(testFolds: Int32Array, k: number, order?: ArrayLike<number>): Fold[] {
  const n = testFolds.length;
  const folds: Fold[] = Array.from({ length: k }, () => ({ train: [], test: [] }));
  for (let pos = 0; pos < n; pos++) {
    const row = order ? order[pos] : pos;
    for (let f = 0; f < k; f++) (f === testFolds[pos] ? folds[f].test : folds[f].train).push(row);
  }
  for (const f of folds) {
    f.train.sort((a, b) => a - b);
    f.test.sort((a, b) => a - b);
  }
  return folds;
}

function checkOrder(order: ArrayLike<number> | undefined, n: number): void {
  if (!order) return;
  const seen = new Uint8Array(n);
  if (order.length !== n)
    throw new RangeError(
      `crossValidate: order has ${order.length} entries, the data has ${n} rows`,
    );
  for (let i = 0; i < n; i++) {
    const v = order[i];
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v])
      throw new RangeError(
        `crossValidate: order is not a permutation of 0..${n - 1} (entry ${i} is ${v})`,
      );
    seen[v] = 1;
  }
}

export function kFold(n: number, k: number, order?: ArrayLike<number>): Fold[] {
  checkK(k, n);
  checkOrder(order, n);
  const testFolds = new Int32Array(n);
  let pos = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    for (let i = 0; i < size; i++) testFolds[pos++] = f;
  }
  return withOrder(testFolds, k, order);
}

export function stratifiedKFold(
  labels: readonly unknown[],
  k: number,
  order?: ArrayLike<number>,
): Fold[] {
  const n = labels.length;
  checkK(k, n);
  checkOrder(order, n);
  const ordered = order ? Array.from({ length: n }, (_, i) => labels[order[i]]) : [...labels];
  const code = new Map<string, number>();
  const y = ordered.map((v) => {
    const key = String(v);
    if (!code.has(key)) code.set(key, code.size);
    return code.get(key)!;
  });
  const classes = code.size;
  const counts = new Array<number>(classes).fill(0);
  for (const c of y) counts[c] += 1;
  if (k > Math.max(...counts))
    throw new RangeError(
      `crossValidate: k = ${k} is more than the rows of the largest class (${Math.max(...counts)})`,
    );
  // scikit-learn only warns when a class has fewer rows than folds: those folds just lack it.
  const sorted = [...y].sort((a, b) => a - b);
  const allocation = Array.from({ length: k }, (_, f) => {
    const row = new Array<number>(classes).fill(0);
    for (let i = f; i < n; i += k) row[sorted[i]] += 1;
    return row;
  });
  const testFolds = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < k; f++) for (let i = 0; i < allocation[f][c]; i++) foldsForClass.push(f);
    let next = 0;
    for (let i = 0; i < n; i++) if (y[i] === c) testFolds[i] = foldsForClass[next++];
  }
  return withOrder(testFolds, k, order);
}

export interface FoldScore {
  fold: number;
  trainRows: number;
  testRows: number;
  train: number;
  test: number;
}

export interface CrossValidationResult {
  k: number;
  stratified: boolean;
  metric: string;
  folds: FoldScore[];
  mean: number;
  std: number;
  trainMean: number;
  /** Mean train score − mean test score: how much better the model does on what it saw. */
  gap: number;
  /** Out-of-fold quality per value of a slice column. */
  slices?: { column: string; groups: { value: string; rows: number; score: number }[] };
}

export function summarise(
  metric: string,
  k: number,
  stratified: boolean,
  folds: FoldScore[],
): CrossValidationResult {
  const test = folds.map((f) => f.test);
  const train = folds.map((f) => f.train);
  const lowerBetter = metric === 'rmse';
  const trainMean = mean(train);
  const testMean = mean(test);
  return {
    k,
    stratified,
    metric,
    folds,
    mean: testMean,
    std: std(test),
    trainMean,
    gap: lowerBetter ? testMean - trainMean : trainMean - testMean,
  };
}
