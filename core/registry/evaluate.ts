/**
 * A registered version judged on a holdout set: accuracy and macro F1 for classifiers,
 * RMSE and MAE for regressors, overall and per value of a slice column (so a model that
 * is good on average but poor for one group shows it).
 */
import type { SyncRunStore } from '../store';
import { checkHoldout, loadHoldout, loadModelArtifacts, tfjs, type Tfjs } from './model-io';
import {
  RegistryError,
  type Holdout,
  type HoldoutEvaluation,
  type HoldoutMetric,
  type ModelSignature,
  type ModelVersion,
} from './types';

export const MISSING_SLICE = '(missing)';
const BATCH_ROWS = 4096;

type Metrics = Partial<Record<HoldoutMetric, number>>;

/**
 * Accuracy and macro-averaged F1 of predicted against true class names. The classes
 * averaged over are every class that occurs in either list (as scikit-learn does), so a
 * class that is never predicted counts with F1 0.
 */
export function classificationMetrics(
  truth: readonly string[],
  predicted: readonly string[],
): { accuracy: number; f1_macro: number } {
  if (truth.length !== predicted.length)
    throw new RangeError(
      `classificationMetrics: ${truth.length} true labels but ${predicted.length} predictions`,
    );
  if (truth.length === 0) return { accuracy: NaN, f1_macro: NaN };
  const classes = new Set<string>([...truth, ...predicted]);
  const tp = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const trueCount = new Map<string, number>();
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    trueCount.set(truth[i], (trueCount.get(truth[i]) ?? 0) + 1);
    predictedCount.set(predicted[i], (predictedCount.get(predicted[i]) ?? 0) + 1);
    if (truth[i] === predicted[i]) {
      correct += 1;
      tp.set(truth[i], (tp.get(truth[i]) ?? 0) + 1);
    }
  }
  let f1Sum = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    // F1 = 2TP / (2TP + FP + FN) = 2TP / (predicted + actual); 0 when the class is never right.
    const denominator = (predictedCount.get(c) ?? 0) + (trueCount.get(c) ?? 0);
    f1Sum += denominator === 0 ? 0 : (2 * t) / denominator;
  }
  return { accuracy: correct / truth.length, f1_macro: f1Sum / classes.size };
}

/** Root mean squared error and mean absolute error. */
export function regressionMetrics(
  truth: readonly number[],
  predicted: readonly number[],
): { rmse: number; mae: number } {
  if (truth.length !== predicted.length)
    throw new RangeError(
      `regressionMetrics: ${truth.length} true values but ${predicted.length} predictions`,
    );
  if (truth.length === 0) return { rmse: NaN, mae: NaN };
  let squared = 0;
  let absolute = 0;
  for (let i = 0; i < truth.length; i++) {
    const e = predicted[i] - truth[i];
    squared += e * e;
    absolute += Math.abs(e);
  }
  return { rmse: Math.sqrt(squared / truth.length), mae: absolute / truth.length };
}

/** Index of the largest value in each row of a [rows, k] matrix (a single sigmoid unit: p >= 0.5). */
export function predictedClasses(values: ArrayLike<number>, rows: number, width: number): number[] {
  const out: number[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    if (width === 1) {
      out[r] = values[r] >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
    out[r] = best;
  }
  return out;
}

/**
 * The class name a holdout label stands for: a label name as is; a class index (a number,
 * or its text) as the label at that index when labels are known.
 */
export function classKey(value: unknown, labels: readonly string[] | undefined): string {
  const text = typeof value === 'string' ? value : String(value);
  if (labels) {
    if (labels.includes(text)) return text;
    const index =
      typeof value === 'number'
        ? value
        : typeof value === 'boolean'
          ? Number(value)
          : /^\d+$/.test(text)
            ? Number(text)
            : NaN;
    if (Number.isInteger(index) && index >= 0 && index < labels.length) return labels[index];
    return text;
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  return text;
}

function metricsOf(
  signature: ModelSignature,
  truth: unknown[],
  outputs: Float32Array,
  width: number,
  classes: number[],
  indices: number[],
): Metrics {
  if (signature.task === 'classification') {
    const t: string[] = [];
    const p: string[] = [];
    for (const i of indices) {
      t.push(classKey(truth[i], signature.labels));
      p.push(signature.labels?.[classes[i]] ?? String(classes[i]));
    }
    return classificationMetrics(t, p);
  }
  const t: number[] = [];
  const p: number[] = [];
  for (const i of indices) {
    t.push(truth[i] as number);
    p.push(outputs[i * width]);
  }
  return regressionMetrics(t, p);
}

export interface EvaluateOptions {
  /** Also compute the metrics per distinct value of this holdout column (null → "(missing)"). */
  sliceColumn?: string;
  /** Judge on this set instead of the version's stored holdout. */
  holdout?: Holdout;
  /** The tfjs module to load the model with (default: `@tensorflow/tfjs`, whatever backend is active). */
  tf?: Tfjs;
}

/** Predictions of `model` for the signature's features of each row, batched; every tensor is disposed. */
export async function predictRows(
  tf: Tfjs,
  model: { predict(x: unknown): unknown },
  signature: ModelSignature,
  rows: Holdout['rows'],
): Promise<{ values: Float32Array; width: number }> {
  const names = signature.features.map((f) => f.name);
  const inputWidth = signature.inputShape.length === 2 ? signature.inputShape[1] : null;
  if (inputWidth === null || inputWidth !== names.length) {
    throw new RegistryError(
      'INVALID',
      `the model takes input of shape [${signature.inputShape.map(String).join(', ')}]; holdout evaluation needs rows of ${names.length} features ([null, ${names.length}])`,
    );
  }
  const outWidth = signature.outputShape[signature.outputShape.length - 1] ?? 1;
  const values = new Float32Array(rows.length * outWidth);
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    const input = new Float32Array(batch.length * names.length);
    batch.forEach((row, r) =>
      names.forEach((name, c) => {
        const value = row[name];
        input[r * names.length + c] =
          typeof value === 'boolean' ? Number(value) : (value as number);
      }),
    );
    const x = tf.tensor2d(input, [batch.length, names.length], 'float32');
    let y: { data(): Promise<ArrayLike<number>>; dispose(): void; shape: number[] } | undefined;
    try {
      const out = model.predict(x);
      if (Array.isArray(out)) {
        for (const t of out) (t as { dispose(): void }).dispose();
        throw new RegistryError(
          'INVALID',
          'the model has several outputs; holdout evaluation needs one',
        );
      }
      y = out as typeof y;
      const data = await y!.data();
      const width = y!.shape[y!.shape.length - 1] ?? 1;
      if (width !== outWidth)
        throw new RegistryError(
          'INVALID',
          `the model gives ${width} outputs per row but its signature says ${outWidth}`,
        );
      values.set(data, start * outWidth);
    } finally {
      x.dispose();
      y?.dispose();
    }
  }
  return { values, width: outWidth };
}

/**
 * Loads a version's model and judges it on its holdout set (or `options.holdout`):
 * classification gives `accuracy` and `f1_macro` (argmax against `signature.labels`; true
 * labels may be class names or class indices), regression `rmse` and `mae`.
 */
export async function evaluateVersion(
  store: SyncRunStore,
  version: ModelVersion,
  options: EvaluateOptions = {},
): Promise<HoldoutEvaluation> {
  const who = `${version.name} v${version.version}`;
  const signature = version.signature;
  if (!signature)
    throw new RegistryError(
      'INVALID',
      `${who} has no signature (feature names and shapes), so it cannot be evaluated on a holdout set`,
    );
  let holdout: Holdout;
  if (options.holdout) holdout = options.holdout;
  else if (version.holdout) holdout = loadHoldout(store, version.runId, version.holdout);
  else
    throw new RegistryError(
      'INVALID',
      `${who} has no holdout set; log one with run.logModel(model, { holdout }) or pass one to evaluate`,
    );
  const { columns } = checkHoldout(
    holdout,
    signature.features.map((f) => f.name),
  );
  if (options.sliceColumn !== undefined && !columns.includes(options.sliceColumn)) {
    throw new RegistryError(
      'INVALID',
      `slice column "${options.sliceColumn}" is not in the holdout set of ${who}; its columns: ${columns.join(', ')}`,
    );
  }
  const truth = holdout.rows.map((row) => row[holdout.label]);
  if (signature.task === 'regression') {
    const bad = truth.findIndex((v) => typeof v !== 'number');
    if (bad >= 0)
      throw new RegistryError(
        'INVALID',
        `${who} is a regression model but holdout row ${bad} has a non-numeric label "${String(truth[bad])}" in "${holdout.label}"`,
      );
  }

  const tf = options.tf ?? tfjs();
  const model = await loadModelArtifacts(store, version.runId, version.artifactPath, { tf });
  let predictions: { values: Float32Array; width: number };
  try {
    predictions = await predictRows(tf, model, signature, holdout.rows);
  } finally {
    model.dispose();
  }
  const all = holdout.rows.map((_, i) => i);
  const classes =
    signature.task === 'classification'
      ? predictedClasses(predictions.values, holdout.rows.length, predictions.width)
      : [];
  const evaluation: HoldoutEvaluation = {
    rows: holdout.rows.length,
    metrics: metricsOf(signature, truth, predictions.values, predictions.width, classes, all),
  };
  if (options.sliceColumn !== undefined) {
    const column = options.sliceColumn;
    const groups = new Map<string, number[]>();
    holdout.rows.forEach((row, i) => {
      const value = row[column];
      const key = value === null || value === undefined ? MISSING_SLICE : String(value);
      const list = groups.get(key);
      if (list) list.push(i);
      else groups.set(key, [i]);
    });
    const keys = [...groups.keys()].sort((a, b) =>
      a === MISSING_SLICE ? 1 : b === MISSING_SLICE ? -1 : a.localeCompare(b),
    );
    evaluation.slices = {
      column,
      groups: keys.map((value) => {
        const indices = groups.get(value) as number[];
        return {
          value,
          rows: indices.length,
          metrics: metricsOf(
            signature,
            truth,
            predictions.values,
            predictions.width,
            classes,
            indices,
          ),
        };
      }),
    };
  }
  return evaluation;
}
