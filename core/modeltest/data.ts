/**
 * The shared ground of every model test: rows turned into one float matrix in the model's
 * feature order, the truth as class indices (or numbers), batched predictions, and the one
 * quality number each test compares (accuracy for classifiers, RMSE for regressors).
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { Tfjs } from '../registry/model-io';
import type { ModelSignature } from '../registry/types';

export type Row = Record<string, number | string | boolean | null>;

/** Rows to test on; `label` names the truth column. The same shape as a registry holdout set. */
export interface TestData {
  rows: Row[];
  label: string;
}

/** What the tests need to know about a model: its inputs in order, its task, its classes. */
export interface ModelSpec {
  features: string[];
  task: 'classification' | 'regression';
  /** Class names in output order (classification). */
  labels: string[];
}

/** The parts of a tfjs LayersModel the tests use. */
export type TestableModel = Pick<LayersModel, 'predict' | 'getWeights' | 'setWeights'>;

export class ModelTestError extends Error {
  override name = 'ModelTestError';
}

/** Rows encoded once: `x` is rows × features (row-major), `y` class indices or values. */
export interface Encoded {
  x: Float32Array;
  n: number;
  d: number;
  y: Float64Array;
}

export const BATCH_ROWS = 8192;

export function specFromSignature(signature: ModelSignature, data?: TestData): ModelSpec {
  const width = signature.outputShape[signature.outputShape.length - 1] ?? 1;
  let labels = signature.labels ?? [];
  if (signature.task === 'classification' && labels.length === 0) {
    labels = width === 1 ? ['0', '1'] : Array.from({ length: width }, (_, i) => String(i));
    if (data) {
      const seen = [...new Set(data.rows.map((r) => String(r[data.label])))].sort();
      if (seen.length === labels.length) labels = seen;
    }
  }
  return { features: signature.features.map((f) => f.name), task: signature.task, labels };
}

/** Class index of a truth value: a class name, or a class index as number or text. */
function classIndex(value: unknown, labels: readonly string[]): number {
  const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  const byName = labels.indexOf(text);
  if (byName >= 0) return byName;
  const index = typeof value === 'number' ? value : /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(index) && index >= 0 && index < labels.length ? index : -1;
}

export function checkData(data: TestData, spec: ModelSpec, what = 'data'): void {
  if (!data || typeof data !== 'object' || !Array.isArray(data.rows))
    throw new ModelTestError(`${what}: expected { rows: [...], label: "column" }`);
  if (data.rows.length === 0) throw new ModelTestError(`${what}: has no rows`);
  if (typeof data.label !== 'string' || !(data.label in data.rows[0]))
    throw new ModelTestError(
      `${what}: label ${JSON.stringify(data.label)} is not a column (columns: ${Object.keys(data.rows[0]).join(', ')})`,
    );
  for (const f of spec.features)
    if (!(f in data.rows[0]))
      throw new ModelTestError(
        `${what}: the model's feature ${JSON.stringify(f)} is not a column (columns: ${Object.keys(data.rows[0]).join(', ')})`,
      );
}

export function encode(data: TestData, spec: ModelSpec, what = 'data'): Encoded {
  checkData(data, spec, what);
  const n = data.rows.length;
  const d = spec.features.length;
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  data.rows.forEach((row, r) => {
    spec.features.forEach((name, c) => {
      const v = row[name];
      const num = typeof v === 'boolean' ? Number(v) : v;
      if (typeof num !== 'number' || !Number.isFinite(num))
        throw new ModelTestError(
          `${what}: row ${r}, feature ${JSON.stringify(name)} must be a finite number, got ${JSON.stringify(v)}`,
        );
      x[r * d + c] = num;
    });
    const truth = row[data.label];
    if (spec.task === 'classification') {
      const k = classIndex(truth, spec.labels);
      if (k < 0)
        throw new ModelTestError(
          `${what}: row ${r}, label ${JSON.stringify(truth)} in ${JSON.stringify(data.label)} is not one of the model's classes (${spec.labels.join(', ')})`,
        );
      y[r] = k;
    } else {
      if (typeof truth !== 'number' || !Number.isFinite(truth))
        throw new ModelTestError(
          `${what}: row ${r}, label ${JSON.stringify(data.label)} must be a finite number for a regression model, got ${JSON.stringify(truth)}`,
        );
      y[r] = truth;
    }
  });
  return { x, n, d, y };
}

/** Model outputs for a rows × d matrix, in batches of BATCH_ROWS; every tensor is disposed. */
export async function predictMatrix(
  tf: Tfjs,
  model: Pick<TestableModel, 'predict'>,
  x: Float32Array,
  n: number,
  d: number,
  batchRows = BATCH_ROWS,
): Promise<{ out: Float32Array; width: number }> {
  let out: Float32Array | null = null;
  let width = 0;
  for (let start = 0; start < n; start += batchRows) {
    const rows = Math.min(batchRows, n - start);
    const values = tf.tidy(() => {
      const input = tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d], 'float32');
      const y = model.predict(input);
      if (Array.isArray(y))
        throw new ModelTestError('the model has several outputs; tests need one');
      return y.reshape([rows, -1]).dataSync() as Float32Array;
    });
    if (!out) {
      width = values.length / rows;
      out = new Float32Array(n * width);
    }
    out.set(values, start * width);
  }
  return { out: out ?? new Float32Array(0), width };
}

/** Class index per row: argmax, or p >= 0.5 for a single sigmoid output. */
export function argmaxRows(out: Float32Array, n: number, width: number): Int32Array {
  const c = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    if (width === 1) {
      c[r] = out[r] >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let k = 1; k < width; k++) if (out[r * width + k] > out[r * width + best]) best = k;
    c[r] = best;
  }
  return c;
}

export type QualityName = 'accuracy' | 'rmse';

export function qualityName(spec: ModelSpec): QualityName {
  return spec.task === 'classification' ? 'accuracy' : 'rmse';
}

/** Accuracy (share of rows whose argmax is the truth) or RMSE (first output against the truth). */
export function quality(
  spec: ModelSpec,
  out: Float32Array,
  width: number,
  y: ArrayLike<number>,
  indices?: ArrayLike<number>,
): number {
  const n = y.length;
  const count = indices ? indices.length : n;
  if (count === 0) return NaN;
  let s = 0;
  if (spec.task === 'classification') {
    const c = argmaxRows(out, n, width);
    for (let k = 0; k < count; k++) {
      const i = indices ? indices[k] : k;
      if (c[i] === y[i]) s += 1;
    }
    return s / count;
  }
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k] : k;
    s += (out[i * width] - y[i]) ** 2;
  }
  return Math.sqrt(s / count);
}

/** Per feature: mean, population std, and whether it looks categorical (few whole-number values). */
export interface FeatureStats {
  mean: number[];
  std: number[];
  mode: number[];
  values: number[][];
  categorical: boolean[];
}

export function featureStats(enc: Encoded, categorical?: readonly number[]): FeatureStats {
  const { x, n, d } = enc;
  const out: FeatureStats = { mean: [], std: [], mode: [], values: [], categorical: [] };
  for (let j = 0; j < d; j++) {
    let s = 0;
    const counts = new Map<number, number>();
    for (let r = 0; r < n; r++) {
      const v = x[r * d + j];
      s += v;
      if (counts.size <= 64) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const m = s / n;
    let ss = 0;
    for (let r = 0; r < n; r++) ss += (x[r * d + j] - m) ** 2;
    out.mean.push(m);
    out.std.push(Math.sqrt(ss / n));
    let mode = NaN;
    let best = -1;
    for (const [v, c] of counts)
      if (c > best || (c === best && v < mode)) {
        best = c;
        mode = v;
      }
    out.mode.push(mode);
    out.values.push([...counts.keys()].sort((a, b) => a - b));
    const few = counts.size <= 64 && [...counts.keys()].every((v) => Number.isInteger(v));
    out.categorical.push(categorical ? categorical.includes(j) : few && counts.size <= 10);
  }
  return out;
}
