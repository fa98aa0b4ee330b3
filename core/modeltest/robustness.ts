/**
 * Robustness: quality of the model on perturbed copies of the data.
 * - Gaussian noise: every numeric feature gets N(0, (s · its std)²) added, for each s.
 * - One feature missing at a time: the feature is replaced by the reference mean (numeric)
 *   or mode (categorical) — the training set's when `reference` statistics are given, else
 *   the test data's — the way a mean/mode imputer would fill it.
 * - Category flips: each categorical feature in turn takes, in every row, another of its
 *   observed values chosen at random.
 * - FGSM (Goodfellow et al. 2015): x + ε · std_j · sign(∂loss/∂x_j), gradients from tf.grad
 *   of cross-entropy (classifiers) or squared error (regressors) against the truth.
 * Features are perturbed in the model's input space (after any standardisation the user did).
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { Tfjs } from '../registry/model-io';
import { gaussian, mulberry32 } from './random';
import {
  BATCH_ROWS,
  predictMatrix,
  quality,
  qualityName,
  type Encoded,
  type FeatureStats,
  type ModelSpec,
  type TestableModel,
} from './data';

export const NOISE_LEVELS = [0.05, 0.1, 0.2, 0.5];
export const FGSM_EPSILONS = [0.01, 0.05, 0.1, 0.2, 0.5];

export interface Perturbed {
  /** e.g. `noise_0.1`, `missing_Body Mass (g)`, `flip_smoker`, `fgsm_0.1`. */
  name: string;
  kind: 'noise' | 'missing' | 'flip' | 'fgsm';
  /** The noise level, ε, or null. */
  level: number | null;
  feature: string | null;
  value: number;
  /** value − clean quality (negative: worse, for accuracy). */
  change: number;
}

export interface RobustnessResult {
  metric: 'accuracy' | 'rmse';
  clean: number;
  noise: Perturbed[];
  missing: Perturbed[];
  flips: Perturbed[];
  fgsm: Perturbed[];
  /** Why a part was skipped (e.g. no categorical features). */
  skipped: string[];
  imputation: 'reference' | 'test data';
}

export interface RobustnessOptions {
  noiseLevels?: number[];
  epsilons?: number[];
  seed?: number;
  /** Statistics of the training set, for imputation and the noise scale. */
  reference?: FeatureStats;
  /** Skip FGSM (e.g. a model tf.grad cannot differentiate). */
  fgsm?: boolean;
}

async function q(
  tf: Tfjs,
  model: TestableModel,
  spec: ModelSpec,
  x: Float32Array,
  enc: Encoded,
): Promise<number> {
  const p = await predictMatrix(tf, model, x, enc.n, enc.d);
  return quality(spec, p.out, p.width, enc.y);
}

/** The loss FGSM climbs: mean cross-entropy against the truth (softmax or one sigmoid), or squared error. */
function lossOf(tf: Tfjs, spec: ModelSpec, out: Tensor, y: Tensor): Tensor {
  return tf.tidy(() => {
    if (spec.task === 'regression') return tf.mean(tf.square(tf.sub(out.reshape([-1]), y)));
    const width = out.shape[out.shape.length - 1] ?? 1;
    const eps = 1e-7;
    if (width === 1) {
      const p = tf.clipByValue(out.reshape([-1]), eps, 1 - eps);
      return tf.neg(
        tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))),
      );
    }
    const onehot = tf.oneHot(tf.cast(y, 'int32'), width);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.log(tf.clipByValue(out, eps, 1))), -1)));
  });
}

/** sign(∂loss/∂x) for every row, in batches; rows × d. */
export async function lossGradientSigns(
  tf: Tfjs,
  model: Pick<TestableModel, 'predict'>,
  spec: ModelSpec,
  enc: Encoded,
): Promise<Float32Array> {
  const { x, n, d, y } = enc;
  const signs = new Float32Array(n * d);
  for (let start = 0; start < n; start += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, n - start);
    const values = tf.tidy(() => {
      const xt = tf.tensor2d(x.subarray(start * d, (start + rows) * d), [rows, d], 'float32');
      const yt = tf.tensor1d(Float32Array.from(y.subarray(start, start + rows)), 'float32');
      const grad = tf.grad((input: Tensor) => lossOf(tf, spec, model.predict(input) as Tensor, yt));
      return tf.sign(grad(xt)).dataSync() as Float32Array;
    });
    signs.set(values, start * d);
  }
  return signs;
}

export async function robustness(
  tf: Tfjs,
  model: TestableModel,
  spec: ModelSpec,
  enc: Encoded,
  stats: FeatureStats,
  options: RobustnessOptions = {},
): Promise<RobustnessResult> {
  const { x, n, d } = enc;
  const ref = options.reference ?? stats;
  const metric = qualityName(spec);
  const clean = await q(tf, model, spec, x, enc);
  const skipped: string[] = [];
  const entry = (
    kind: Perturbed['kind'],
    name: string,
    level: number | null,
    feature: string | null,
    value: number,
  ): Perturbed => ({ name, kind, level, feature, value, change: value - clean });
  const numeric = stats.categorical.map((c, j) => (c ? -1 : j)).filter((j) => j >= 0);
  const categorical = stats.categorical.map((c, j) => (c ? j : -1)).filter((j) => j >= 0);

  const noise: Perturbed[] = [];
  const normal = gaussian(mulberry32(options.seed ?? 0));
  const buffer = new Float32Array(x.length);
  if (numeric.length === 0) skipped.push('noise: the model has no numeric features');
  else
    for (const s of options.noiseLevels ?? NOISE_LEVELS) {
      buffer.set(x);
      for (let i = 0; i < n; i++)
        for (const j of numeric) buffer[i * d + j] += s * ref.std[j] * normal();
      noise.push(entry('noise', `noise_${s}`, s, null, await q(tf, model, spec, buffer, enc)));
    }

  const missing: Perturbed[] = [];
  for (let j = 0; j < d; j++) {
    buffer.set(x);
    const fill = stats.categorical[j] ? ref.mode[j] : ref.mean[j];
    for (let i = 0; i < n; i++) buffer[i * d + j] = fill;
    const f = spec.features[j];
    missing.push(entry('missing', `missing_${f}`, null, f, await q(tf, model, spec, buffer, enc)));
  }

  const flips: Perturbed[] = [];
  const random = mulberry32((options.seed ?? 0) + 1);
  if (categorical.length === 0)
    skipped.push('category flips: the model has no categorical features (few whole-number values)');
  for (const j of categorical) {
    const values = stats.values[j];
    if (values.length < 2) {
      skipped.push(`category flips: ${spec.features[j]} has one value only`);
      continue;
    }
    buffer.set(x);
    for (let i = 0; i < n; i++) {
      const current = x[i * d + j];
      const others = values.filter((v) => v !== current);
      buffer[i * d + j] = others[Math.floor(random() * others.length)];
    }
    const f = spec.features[j];
    flips.push(entry('flip', `flip_${f}`, null, f, await q(tf, model, spec, buffer, enc)));
  }

  const fgsm: Perturbed[] = [];
  if (options.fgsm === false) skipped.push('fgsm: turned off');
  else {
    const signs = await lossGradientSigns(tf, model, spec, enc);
    for (const e of options.epsilons ?? FGSM_EPSILONS) {
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++)
          buffer[i * d + j] = x[i * d + j] + e * ref.std[j] * signs[i * d + j];
      fgsm.push(entry('fgsm', `fgsm_${e}`, e, null, await q(tf, model, spec, buffer, enc)));
    }
  }
  return {
    metric,
    clean,
    noise,
    missing,
    flips,
    fgsm,
    skipped,
    imputation: options.reference ? 'reference' : 'test data',
  };
}
