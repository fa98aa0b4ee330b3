/**
 * crossValidate: trains once per fold with the caller's function and scores the model on
 * the fold's training rows and its held-out rows (the gap between them shows over-fitting),
 * and, out of fold, on each value of a slice column.
 */
import type { Tfjs } from '../registry/model-io';
import {
  encode,
  ModelTestError,
  predictMatrix,
  quality,
  qualityName,
  type ModelSpec,
  type TestData,
  type TestableModel,
} from './data';
import {
  kFold,
  stratifiedKFold,
  summarise,
  type CrossValidationResult,
  type FoldScore,
} from './crossval';
import { groupKey } from './fairness';

export interface CrossValidateOptions {
  k?: number;
  /** Stratify by the label (classifiers; default true for them). */
  stratify?: boolean;
  /** Apply this permutation of the rows before splitting (a shuffled split). */
  order?: ArrayLike<number>;
  /** Report out-of-fold quality per value of this column. */
  slice?: string;
  /** Called after each fold (e.g. to log a child run). */
  onFold?: (fold: FoldScore) => void | Promise<void>;
}

export type TrainFn = (
  train: TestData,
  fold: number,
) => Promise<TestableModel & { dispose?(): void }> | (TestableModel & { dispose?(): void });

export async function crossValidate(
  tf: Tfjs,
  spec: ModelSpec,
  trainFn: TrainFn,
  data: TestData,
  options: CrossValidateOptions = {},
): Promise<CrossValidationResult> {
  if (typeof trainFn !== 'function')
    throw new ModelTestError(
      'crossValidate: trainFn must be a function (trainRows, fold) => model',
    );
  const k = options.k ?? 5;
  const stratified = options.stratify ?? spec.task === 'classification';
  const enc = encode(data, spec);
  if (options.slice !== undefined && !(options.slice in data.rows[0]))
    throw new ModelTestError(
      `crossValidate: slice column ${JSON.stringify(options.slice)} is not in the data`,
    );
  const folds = stratified
    ? stratifiedKFold(
        data.rows.map((r) => r[data.label]),
        k,
        options.order,
      )
    : kFold(enc.n, k, options.order);
  const scores: FoldScore[] = [];
  const oof = new Float32Array(
    enc.n * Math.max(1, spec.task === 'classification' ? spec.labels.length : 1),
  );
  let width = 1;
  for (const [f, fold] of folds.entries()) {
    const model = await trainFn(
      { rows: fold.train.map((i) => data.rows[i]), label: data.label },
      f,
    );
    try {
      const score = async (idx: number[]) => {
        const x = new Float32Array(idx.length * enc.d);
        idx.forEach((i, r) => x.set(enc.x.subarray(i * enc.d, (i + 1) * enc.d), r * enc.d));
        const p = await predictMatrix(tf, model, x, idx.length, enc.d);
        const y = Float64Array.from(idx, (i) => enc.y[i]);
        return { value: quality(spec, p.out, p.width, y), p };
      };
      const train = await score(fold.train);
      const test = await score(fold.test);
      width = test.p.width;
      fold.test.forEach((i, r) =>
        oof.set(test.p.out.subarray(r * width, (r + 1) * width), i * width),
      );
      const s: FoldScore = {
        fold: f,
        trainRows: fold.train.length,
        testRows: fold.test.length,
        train: train.value,
        test: test.value,
      };
      scores.push(s);
      await options.onFold?.(s);
    } finally {
      (model as { dispose?(): void }).dispose?.();
    }
  }
  const result = summarise(qualityName(spec), k, stratified, scores);
  if (options.slice !== undefined) {
    const column = options.slice;
    const groups = new Map<string, number[]>();
    data.rows.forEach((r, i) => {
      const key = groupKey(r[column]);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    const out = oof.subarray(0, enc.n * width);
    result.slices = {
      column,
      groups: [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([value, idx]) => ({
          value,
          rows: idx.length,
          score: quality(spec, out, width, enc.y, idx),
        })),
    };
  }
  return result;
}
