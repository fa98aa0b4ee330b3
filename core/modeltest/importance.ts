/**
 * Permutation feature importance with scikit-learn's semantics
 * (sklearn.inspection.permutation_importance): for each feature and repeat, that column
 * is shuffled across rows and the score is measured again; importance = baseline score −
 * permuted score; reported as the mean and population std (ddof 0) over repeats. Score:
 * accuracy for classifiers, negative RMSE for regressors (greater is better, as sklearn's
 * scorers), so a positive importance always means the model leans on the feature.
 */
import type { Tfjs } from '../registry/model-io';
import { mulberry32, permutation, mean, std } from './random';
import { predictMatrix, quality, type Encoded, type ModelSpec, type TestableModel } from './data';

export interface FeatureImportance {
  feature: string;
  mean: number;
  std: number;
  /** Importance per repeat. */
  repeats: number[];
}

export interface ImportanceOptions {
  repeats?: number;
  seed?: number;
  /**
   * Row orders to use, one per repeat (column j of repeat r becomes x[perm[r][i]][j]) and
   * the same for every feature, as scikit-learn does; default: a fresh seeded permutation
   * per feature and repeat.
   */
  permutations?: ArrayLike<number>[];
  batchRows?: number;
}

export interface ImportanceResult {
  score: 'accuracy' | 'neg_rmse';
  baseline: number;
  repeats: number;
  seed: number;
  features: FeatureImportance[];
}

export function score(
  spec: ModelSpec,
  out: Float32Array,
  width: number,
  y: ArrayLike<number>,
): number {
  const q = quality(spec, out, width, y);
  return spec.task === 'classification' ? q : -q;
}

export async function permutationImportance(
  tf: Tfjs,
  model: Pick<TestableModel, 'predict'>,
  spec: ModelSpec,
  enc: Encoded,
  options: ImportanceOptions = {},
): Promise<ImportanceResult> {
  const { x, n, d, y } = enc;
  const repeats = options.permutations?.length ?? options.repeats ?? 5;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new RangeError(
      `permutationImportance: repeats must be a whole number >= 1, got ${repeats}`,
    );
  for (const [r, p] of (options.permutations ?? []).entries())
    if (p.length !== n)
      throw new RangeError(
        `permutationImportance: permutations[${r}] has ${p.length} entries, the data has ${n} rows`,
      );
  const base = await predictMatrix(tf, model, x, n, d, options.batchRows);
  const baseline = score(spec, base.out, base.width, y);
  const random = mulberry32(seed);
  const features: FeatureImportance[] = [];
  const permuted = new Float32Array(x.length);
  for (let j = 0; j < d; j++) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = options.permutations?.[r] ?? permutation(n, random);
      permuted.set(x);
      for (let i = 0; i < n; i++) permuted[i * d + j] = x[perm[i] * d + j];
      const p = await predictMatrix(tf, model, permuted, n, d, options.batchRows);
      drops.push(baseline - score(spec, p.out, p.width, y));
    }
    features.push({
      feature: spec.features[j],
      mean: mean(drops),
      std: std(drops),
      repeats: drops,
    });
  }
  return {
    score: spec.task === 'classification' ? 'accuracy' : 'neg_rmse',
    baseline,
    repeats,
    seed,
    features,
  };
}
