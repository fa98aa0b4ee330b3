/**
 * Label issues by confident learning (Northcutt, Jiang and Chuang, 2021; cleanlab's
 * `find_label_issues` with its defaults): out-of-sample predicted probabilities from
 * stratified k-fold training, a per-class threshold (the mean probability of class j over
 * the rows labelled j), the confident joint (rows counted by given label and the class they
 * confidently belong to, calibrated to the label counts), then "prune by noise rate": for
 * each pair of given label i and class j, the C[i][j] rows labelled i with the largest
 * margin p_j - p_i are issues, unless the model agrees with the given label. Rows are ranked
 * by self-confidence (the probability of the given label), lowest first.
 */
import {
  categoricalColumns,
  columnNames,
  encodeRows,
  fitEncoding,
  isMissing,
  numericColumns,
  type Row,
} from './features';
import { fitSoftmax } from './logistic';
import { checkSeed, seededRandom } from './random';

/** A model the user brings: trained on one fold, it returns probabilities for the other (one array per test row, in `classes` order). */
export type LabelModel = (fold: {
  train: Row[];
  labels: string[];
  classes: string[];
  test: Row[];
}) => number[][] | Promise<number[][]>;

export interface FindLabelIssuesOptions {
  /** The label column. */
  label: string;
  /** Feature columns (default: every numeric column and every category with at most 20 values, except the label). */
  features?: string[];
  /** Your model, trained per fold (default: multinomial logistic regression). */
  model?: LabelModel;
  /** Out-of-sample probabilities you computed already (rows × classes, classes in sorted order of the label's text). */
  probabilities?: number[][];
  /** Folds for the out-of-sample probabilities (default 5). */
  folds?: number;
  seed?: number;
}

export interface LabelIssue {
  row: number;
  label: string;
  suggested: string;
  /** Probability of the given label (cleanlab's self-confidence label quality). */
  selfConfidence: number;
  /** Probability of the suggested label. */
  suggestedConfidence: number;
}

export interface LabelIssueReport {
  label: string;
  features: string[];
  rows: number;
  /** Rows left out for a missing label. */
  unlabelled: number;
  classes: string[];
  folds: number;
  seed: number;
  /** Share of rows whose out-of-sample prediction equals the given label. */
  accuracy: number;
  thresholds: number[];
  /** Calibrated confident joint, [given][true] in `classes` order (counts summing to the labelled rows). */
  confidentJoint: number[][];
  /** Label quality (self-confidence) per row of the data, null for unlabelled rows. */
  labelQuality: (number | null)[];
  /** Rows whose label is likely wrong, least confident first. */
  issues: LabelIssue[];
}

function checkOptions(rows: readonly Row[], options: FindLabelIssuesOptions): void {
  const method = 'findLabelIssues';
  if (!Array.isArray(rows)) throw new TypeError(`${method}: data must be an array of row objects`);
  if (!options || typeof options !== 'object' || typeof options.label !== 'string')
    throw new TypeError(
      `${method}: options.label must name the label column, e.g. { label: "species" }`,
    );
  const names = columnNames(rows);
  if (!names.includes(options.label))
    throw new TypeError(
      `${method}: no label column ${JSON.stringify(options.label)} in the data (columns: ${names.join(', ')})`,
    );
  if (options.model !== undefined && typeof options.model !== 'function')
    throw new TypeError(
      `${method}: model must be a function ({ train, labels, classes, test }) => probabilities`,
    );
}

function stratifiedFolds(labels: Int32Array, classes: number, k: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const fold = new Int32Array(labels.length);
  let offset = 0;
  for (let c = 0; c < classes; c++) {
    const members: number[] = [];
    labels.forEach((l, i) => {
      if (l === c) members.push(i);
    });
    const order = random.shuffle(members.length);
    // Continuing the round robin across classes keeps the folds' sizes even.
    order.forEach((o, i) => (fold[members[o]] = (offset + i) % k));
    offset += members.length;
  }
  return fold;
}

function checkProbabilities(p: unknown[], n: number, k: number, what: string): void {
  if (p.length !== n)
    throw new TypeError(`findLabelIssues: ${what} has ${p.length} rows; expected ${n}`);
  p.forEach((row, i) => {
    if (
      !Array.isArray(row) ||
      row.length !== k ||
      row.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    )
      throw new TypeError(
        `findLabelIssues: ${what}: row ${i} must be ${k} finite numbers (one per class)`,
      );
  });
}

export async function findLabelIssues(
  data: readonly Row[],
  options: FindLabelIssuesOptions,
): Promise<LabelIssueReport> {
  checkOptions(data, options);
  const seed = checkSeed(options.seed, 'findLabelIssues');
  const k = options.folds ?? 5;
  if (!Number.isSafeInteger(k) || k < 2)
    throw new TypeError(
      `findLabelIssues: folds must be a whole number >= 2, got ${JSON.stringify(options.folds)}`,
    );
  const labelled: number[] = [];
  data.forEach((row, i) => {
    if (!isMissing(row[options.label])) labelled.push(i);
  });
  const rows = labelled.map((i) => data[i]);
  const given = rows.map((r) => String(r[options.label]));
  const classes = [...new Set(given)].sort();
  if (classes.length < 2)
    throw new TypeError(
      `findLabelIssues: the label column ${JSON.stringify(options.label)} has ${classes.length} class${classes.length === 1 ? '' : 'es'}; at least 2 are needed`,
    );
  const K = classes.length;
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels = Int32Array.from(given, (g) => index.get(g)!);
  const n = rows.length;
  let features: string[];
  if (options.features !== undefined) {
    const names = columnNames(data);
    if (!Array.isArray(options.features))
      throw new TypeError('findLabelIssues: features must be an array of column names');
    for (const f of options.features)
      if (!names.includes(f) || f === options.label)
        throw new TypeError(
          `findLabelIssues: features: ${JSON.stringify(f)} is ${f === options.label ? 'the label column' : 'not a column of the data'}`,
        );
    features = options.features;
  } else {
    features = [
      ...numericColumns(rows, [options.label]),
      ...categoricalColumns(rows, [options.label]),
    ];
  }

  const probs = new Float64Array(n * K);
  if (options.probabilities !== undefined) {
    if (!Array.isArray(options.probabilities))
      throw new TypeError('findLabelIssues: probabilities must be an array of arrays');
    const given =
      options.probabilities.length === data.length
        ? labelled.map((i) => options.probabilities![i])
        : options.probabilities;
    checkProbabilities(given, n, K, 'probabilities');
    given.forEach((row, i) => row.forEach((v, c) => (probs[i * K + c] = v)));
  } else {
    if (features.length === 0 && !options.model)
      throw new TypeError(
        'findLabelIssues: no feature columns to train the model on; pass features',
      );
    const fold = stratifiedFolds(labels, K, k, seed);
    const numeric = numericColumns(rows, [options.label]).filter((f) => features.includes(f));
    const categorical = features.filter((f) => !numeric.includes(f));
    for (let f = 0; f < k; f++) {
      const trainIdx: number[] = [];
      const testIdx: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? testIdx : trainIdx).push(i);
      if (testIdx.length === 0) continue;
      const train = trainIdx.map((i) => rows[i]);
      const test = testIdx.map((i) => rows[i]);
      if (options.model) {
        const out = await options.model({
          train,
          labels: trainIdx.map((i) => given[i]),
          classes,
          test,
        });
        if (!Array.isArray(out))
          throw new TypeError('findLabelIssues: model must return an array of probability arrays');
        checkProbabilities(out, test.length, K, `model's probabilities for fold ${f + 1}`);
        out.forEach((p, t) => p.forEach((v, c) => (probs[testIdx[t] * K + c] = v)));
      } else {
        const enc = fitEncoding(train, numeric, categorical);
        const model = fitSoftmax(
          encodeRows(train, enc),
          Int32Array.from(trainIdx, (i) => labels[i]),
          K,
          { seed: seed + f },
        );
        const p = model.predict(encodeRows(test, enc));
        testIdx.forEach((row, t) => {
          for (let c = 0; c < K; c++) probs[row * K + c] = p[t * K + c];
        });
      }
    }
  }

  // Per-class thresholds: the model's average confidence in class j on rows labelled j.
  const thresholds = new Array<number>(K).fill(0);
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) {
    thresholds[labels[i]] += probs[i * K + labels[i]];
    counts[labels[i]]++;
  }
  for (let c = 0; c < K; c++) thresholds[c] = counts[c] ? thresholds[c] / counts[c] : 1;

  const joint = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = -1;
    let argmax = 0;
    for (let c = 0; c < K; c++) {
      const p = probs[i * K + c];
      if (p > probs[i * K + argmax]) argmax = c;
      if (p >= thresholds[c] - 1e-6 && (best < 0 || p > probs[i * K + best])) best = c;
    }
    if (argmax === labels[i]) correct++;
    if (best >= 0) joint[labels[i]][best]++;
  }
  // Calibrate: each given-label row of the joint sums to that label's count.
  const calibrated = joint.map((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total ? (v / total) * counts[i] : 0));
  });

  const flagged = new Set<number>();
  for (let i = 0; i < K; i++) {
    const members: number[] = [];
    for (let r = 0; r < n; r++) if (labels[r] === i) members.push(r);
    for (let j = 0; j < K; j++) {
      if (j === i) continue;
      const remove = Math.round(calibrated[i][j]);
      if (remove <= 0) continue;
      const byMargin = members
        .map((r) => ({ r, margin: probs[r * K + j] - probs[r * K + i] }))
        .sort((a, b) => b.margin - a.margin || a.r - b.r);
      for (const { r } of byMargin.slice(0, remove)) flagged.add(r);
    }
  }
  const issues: LabelIssue[] = [];
  for (const r of flagged) {
    let argmax = 0;
    for (let c = 1; c < K; c++) if (probs[r * K + c] > probs[r * K + argmax]) argmax = c;
    if (argmax === labels[r]) continue;
    issues.push({
      row: labelled[r],
      label: given[r],
      suggested: classes[argmax],
      selfConfidence: probs[r * K + labels[r]],
      suggestedConfidence: probs[r * K + argmax],
    });
  }
  issues.sort((a, b) => a.selfConfidence - b.selfConfidence || a.row - b.row);
  const labelQuality: (number | null)[] = new Array<number | null>(data.length).fill(null);
  labelled.forEach((row, r) => (labelQuality[row] = probs[r * K + labels[r]]));
  return {
    label: options.label,
    features,
    rows: data.length,
    unlabelled: data.length - n,
    classes,
    folds: options.probabilities !== undefined ? 0 : k,
    seed,
    accuracy: n ? correct / n : 0,
    thresholds,
    confidentJoint: calibrated,
    labelQuality,
    issues,
  };
}
