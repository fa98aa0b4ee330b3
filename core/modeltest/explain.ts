/**
 * Integrated gradients (Sundararajan et al. 2017, as Captum computes them): for output F
 * (the probability of the explained class, or the regression value),
 *   IG_j(x) = (x_j − x'_j) · ∫₀¹ ∂F(x' + α(x − x'))/∂x_j dα,
 * the integral by the trapezoid rule over `steps` intervals (all points in one batch,
 * gradients from tf.grad). Completeness: Σ_j IG_j = F(x) − F(x'); the report gives the gap
 * and whether it is within COMPLETENESS_TOLERANCE (absolute, on a probability or value).
 */
import type { Tensor } from '@tensorflow/tfjs';
import type { Tfjs } from '../registry/model-io';
import { ModelTestError, type ModelSpec, type TestableModel } from './data';

export const IG_STEPS = 64;
export const COMPLETENESS_TOLERANCE = 0.01;

export interface Explanation {
  /** Explained output: a class name, or "value" for a regressor. */
  target: string;
  features: string[];
  values: number[];
  baseline: number[];
  attributions: number[];
  /** F(x), F(baseline). */
  output: number;
  baselineOutput: number;
  /** |Σ attributions − (F(x) − F(baseline))|. */
  completenessGap: number;
  tolerance: number;
  complete: boolean;
  steps: number;
}

export interface ExplainOptions {
  /** Default: the training means when known, else zeros. */
  baseline?: number[];
  /** Class to explain (name); default the predicted class. */
  target?: string;
  steps?: number;
}

export function integratedGradients(
  tf: Tfjs,
  model: Pick<TestableModel, 'predict'>,
  spec: ModelSpec,
  values: number[],
  options: ExplainOptions = {},
): Explanation {
  const d = spec.features.length;
  const baseline = options.baseline ?? new Array<number>(d).fill(0);
  const steps = options.steps ?? IG_STEPS;
  if (values.length !== d || baseline.length !== d)
    throw new ModelTestError(
      `explain: the model takes ${d} features (${spec.features.join(', ')}); got a row of ${values.length} and a baseline of ${baseline.length}`,
    );
  if (!Number.isInteger(steps) || steps < 1)
    throw new ModelTestError(`explain: steps must be a whole number >= 1, got ${steps}`);
  return tf.tidy(() => {
    const xOut = model.predict(tf.tensor2d([values, baseline])) as Tensor;
    const width = xOut.shape[xOut.shape.length - 1] ?? 1;
    const outs = xOut.reshape([2, width]).arraySync() as number[][];
    let k = 0;
    let target = 'value';
    if (spec.task === 'classification') {
      if (options.target !== undefined) {
        k = spec.labels.indexOf(options.target);
        if (k < 0)
          throw new ModelTestError(
            `explain: target ${JSON.stringify(options.target)} is not one of the model's classes (${spec.labels.join(', ')})`,
          );
      } else if (width > 1) k = outs[0].indexOf(Math.max(...outs[0]));
      else k = outs[0][0] >= 0.5 ? 1 : 0;
      target = spec.labels[k] ?? String(k);
    }
    // A single sigmoid unit gives P(class 1); class 0 is explained through 1 − p.
    const pick = (out: Tensor): Tensor => {
      const o = out.reshape([-1, width]);
      if (width === 1) return k === 1 || spec.task === 'regression' ? o.sum() : tf.sub(1, o).sum();
      return o.slice([0, k], [-1, 1]).sum();
    };
    const outputOf = (row: number[]) =>
      width === 1 && spec.task === 'classification' && k === 0
        ? 1 - row[0]
        : row[width === 1 ? 0 : k];
    const alphas = Array.from({ length: steps + 1 }, (_, i) => i / steps);
    const path = tf.tensor2d(
      alphas.map((a) => baseline.map((b, j) => b + a * (values[j] - b))),
      [steps + 1, d],
    );
    const grads = tf.grad((input: Tensor) => pick(model.predict(input) as Tensor))(path);
    const g = grads.arraySync() as number[][];
    const attributions = new Array<number>(d).fill(0);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i <= steps; i++) s += (i === 0 || i === steps ? 0.5 : 1) * g[i][j];
      attributions[j] = ((values[j] - baseline[j]) * s) / steps;
    }
    const output = outputOf(outs[0]);
    const baselineOutput = outputOf(outs[1]);
    const gap = Math.abs(attributions.reduce((a, b) => a + b, 0) - (output - baselineOutput));
    return {
      target,
      features: [...spec.features],
      values: [...values],
      baseline: [...baseline],
      attributions,
      output,
      baselineOutput,
      completenessGap: gap,
      tolerance: COMPLETENESS_TOLERANCE,
      complete: gap <= COMPLETENESS_TOLERANCE,
      steps,
    };
  });
}
