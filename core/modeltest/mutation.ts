/**
 * Mutation adequacy of the test data (DeepMutation, Ma et al. ISSRE 2018): small faults are
 * put into copies of the model and the test data "kills" a mutant when at least one row the
 * original model gets right, the mutant gets wrong (regressors: a row whose absolute error
 * grows by more than `tolerance`). The killed share is the adequacy score: test data that
 * kills few mutants would not notice a broken model either.
 * - Gaussian fuzz (GF): the weights of one randomly chosen weight tensor get N(0, (σ · their std)²).
 * - Neuron switch-off (NEB): one input unit of a randomly chosen dense layer has its outgoing
 *   weights set to 0 (for the first layer, an input feature; later, a hidden neuron).
 * - Label mutants (LE, source level): a share of the training labels is changed to another
 *   class and the model retrained with the caller's trainFn; only with `train`.
 * The weights are mutated in place and restored afterwards (no model copies).
 */
import type { Tfjs } from '../registry/model-io';
import { gaussian, mulberry32 } from './random';
import {
  argmaxRows,
  predictMatrix,
  type Encoded,
  type ModelSpec,
  type TestData,
  type TestableModel,
} from './data';

export interface Mutant {
  operator: 'gaussian_fuzz' | 'neuron_switch_off' | 'label_error';
  /** What was changed, e.g. `weights[2] σ=0.5` or `layer 1 unit 3`. */
  detail: string;
  killed: boolean;
  /** Rows the original got right and the mutant wrong. */
  killingRows: number;
}

export interface MutationResult {
  mutants: Mutant[];
  killed: number;
  /** killed / mutants: the test data's adequacy score. */
  score: number;
  byOperator: Record<string, { mutants: number; killed: number; score: number }>;
  skipped: string[];
}

export interface MutationOptions {
  mutants?: number;
  fuzzStd?: number;
  seed?: number;
  /** Regressors: a row kills when its absolute error grows by more than this. */
  tolerance?: number;
  /** Trains a model of the same spec on the given rows; with `trainData`, gives label mutants. */
  train?: (data: TestData) => Promise<TestableModel & { dispose?(): void }>;
  trainData?: TestData;
  labelShare?: number;
  labelMutants?: number;
}

function killing(
  spec: ModelSpec,
  enc: Encoded,
  original: { out: Float32Array; width: number },
  mutant: { out: Float32Array; width: number },
  tolerance: number,
): number {
  const { n, y } = enc;
  let rows = 0;
  if (spec.task === 'classification') {
    const a = argmaxRows(original.out, n, original.width);
    const b = argmaxRows(mutant.out, n, mutant.width);
    for (let i = 0; i < n; i++) if (a[i] === y[i] && b[i] !== y[i]) rows += 1;
    return rows;
  }
  for (let i = 0; i < n; i++) {
    const e0 = Math.abs(original.out[i * original.width] - y[i]);
    const e1 = Math.abs(mutant.out[i * mutant.width] - y[i]);
    if (e1 - e0 > tolerance) rows += 1;
  }
  return rows;
}

export async function mutationAdequacy(
  tf: Tfjs,
  model: TestableModel,
  spec: ModelSpec,
  enc: Encoded,
  options: MutationOptions = {},
): Promise<MutationResult> {
  const count = options.mutants ?? 10;
  const sigma = options.fuzzStd ?? 0.5;
  const tolerance = options.tolerance ?? 0;
  const random = mulberry32(options.seed ?? 0);
  const normal = gaussian(random);
  const skipped: string[] = [];
  const original = await predictMatrix(tf, model, enc.x, enc.n, enc.d);
  const weights = model.getWeights();
  const saved = weights.map((w) => ({
    shape: w.shape,
    values: w.dataSync().slice() as Float32Array,
  }));
  const kernels = saved.map((w, i) => (w.shape.length === 2 ? i : -1)).filter((i) => i >= 0);
  const mutants: Mutant[] = [];
  const tryMutant = async (
    operator: Mutant['operator'],
    detail: string,
    mutated: Float32Array[],
  ) => {
    const tensors = mutated.map((v, i) => tf.tensor(v, saved[i].shape as number[]));
    try {
      model.setWeights(tensors);
      const out = await predictMatrix(tf, model, enc.x, enc.n, enc.d);
      const rows = killing(spec, enc, original, out, tolerance);
      mutants.push({ operator, detail, killed: rows > 0, killingRows: rows });
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  };
  try {
    if (saved.length === 0) skipped.push('weight mutants: the model has no weights');
    else
      for (let m = 0; m < count; m++) {
        const copy = saved.map((w) => w.values.slice());
        const t = Math.floor(random() * copy.length);
        const v = copy[t];
        let s = 0;
        for (const a of v) s += a * a;
        const scale = sigma * Math.sqrt(s / v.length) || sigma;
        for (let i = 0; i < v.length; i++) v[i] += scale * normal();
        await tryMutant('gaussian_fuzz', `weights[${t}] σ=${sigma}·rms`, copy);
      }
    if (kernels.length === 0) skipped.push('neuron switch-off: the model has no dense kernels');
    else
      for (let m = 0; m < count; m++) {
        const copy = saved.map((w) => w.values.slice());
        const layer = kernels[Math.floor(random() * kernels.length)];
        const [units, outputs] = saved[layer].shape as number[];
        const unit = Math.floor(random() * units);
        for (let o = 0; o < outputs; o++) copy[layer][unit * outputs + o] = 0;
        await tryMutant('neuron_switch_off', `kernel ${layer} input unit ${unit}`, copy);
      }
  } finally {
    const restore = saved.map((w) => tf.tensor(w.values, w.shape as number[]));
    model.setWeights(restore);
    restore.forEach((t) => t.dispose());
  }
  if (!options.train || !options.trainData)
    skipped.push(
      'label mutants: need training rows and a train function (train, trainData) to retrain on changed labels',
    );
  else if (spec.task !== 'classification') skipped.push('label mutants: only for classifiers');
  else {
    const share = options.labelShare ?? 0.1;
    const { rows, label } = options.trainData;
    for (let m = 0; m < (options.labelMutants ?? 3); m++) {
      const pick = mulberry32((options.seed ?? 0) + 100 + m);
      const changed = rows.map((row) => {
        if (pick() >= share) return row;
        const others = spec.labels.filter((c) => c !== String(row[label]));
        return { ...row, [label]: others[Math.floor(pick() * others.length)] };
      });
      const mutant = await options.train({ rows: changed, label });
      try {
        const out = await predictMatrix(tf, mutant, enc.x, enc.n, enc.d);
        const rows = killing(spec, enc, original, out, tolerance);
        mutants.push({
          operator: 'label_error',
          detail: `${share * 100}% of training labels changed`,
          killed: rows > 0,
          killingRows: rows,
        });
      } finally {
        mutant.dispose?.();
      }
    }
  }
  const byOperator: MutationResult['byOperator'] = {};
  for (const m of mutants) {
    const o = (byOperator[m.operator] ??= { mutants: 0, killed: 0, score: 0 });
    o.mutants += 1;
    if (m.killed) o.killed += 1;
  }
  for (const o of Object.values(byOperator)) o.score = o.killed / o.mutants;
  const killed = mutants.filter((m) => m.killed).length;
  return {
    mutants,
    killed,
    score: mutants.length ? killed / mutants.length : NaN,
    byOperator,
    skipped,
  };
}
