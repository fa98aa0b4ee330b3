/**
 * Multinomial logistic regression, the small model the label-issue finder trains on each
 * fold when the user gives none: softmax over an encoded design matrix with an intercept,
 * L2 penalty as scikit-learn's default (C = 1, i.e. 0.5 ||W||² added to the summed log
 * loss), fitted with Adam: full batch for small data, mini-batches of 256 beyond 2,048 rows
 * so 100,000 rows stay fast. Deterministic for a seed.
 */
import type { Matrix } from './features';
import { seededRandom } from './random';

export interface Softmax {
  classes: number;
  /** Probabilities per row, row-major (rows × classes). */
  predict(m: Matrix): Float64Array;
}

export function fitSoftmax(
  m: Matrix,
  labels: Int32Array,
  classes: number,
  options: { seed?: number } = {},
): Softmax {
  const d = m.cols + 1;
  const k = classes;
  const w = new Float64Array(d * k);
  const g = new Float64Array(d * k);
  const m1 = new Float64Array(d * k);
  const m2 = new Float64Array(d * k);
  const n = m.rows;
  const lambda = n > 0 ? 1 / n : 0;
  const random = seededRandom(options.seed ?? 0);
  const full = n <= 2048;
  const batch = full ? n : 256;
  const updates = full ? 300 : Math.max(1500, Math.ceil((4 * n) / batch));
  const lr = 0.05;
  const b1 = 0.9;
  const b2 = 0.999;
  const z = new Float64Array(k);
  let order = random.shuffle(n);
  let cursor = 0;
  for (let step = 1; step <= updates && n > 0; step++) {
    g.fill(0);
    for (let b = 0; b < batch; b++) {
      if (cursor === n) {
        order = random.shuffle(n);
        cursor = 0;
      }
      const r = full ? b : order[cursor++];
      const o = r * m.cols;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = w[m.cols * k + c];
        for (let j = 0; j < m.cols; j++) s += m.data[o + j] * w[j * k + c];
        z[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      for (let c = 0; c < k; c++) {
        const err = z[c] / sum - (labels[r] === c ? 1 : 0);
        if (err === 0) continue;
        for (let j = 0; j < m.cols; j++) g[j * k + c] += err * m.data[o + j];
        g[m.cols * k + c] += err;
      }
    }
    const t1 = 1 - Math.pow(b1, step);
    const t2 = 1 - Math.pow(b2, step);
    for (let i = 0; i < w.length; i++) {
      const penalty = i < m.cols * k ? lambda * w[i] : 0;
      const gi = g[i] / batch + penalty;
      m1[i] = b1 * m1[i] + (1 - b1) * gi;
      m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
      w[i] -= (lr * (m1[i] / t1)) / (Math.sqrt(m2[i] / t2) + 1e-8);
    }
  }
  return {
    classes: k,
    predict(x: Matrix): Float64Array {
      const out = new Float64Array(x.rows * k);
      for (let r = 0; r < x.rows; r++) {
        const o = r * x.cols;
        let max = -Infinity;
        for (let c = 0; c < k; c++) {
          let s = w[x.cols * k + c];
          for (let j = 0; j < x.cols; j++) s += x.data[o + j] * w[j * k + c];
          out[r * k + c] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let c = 0; c < k; c++) {
          out[r * k + c] = Math.exp(out[r * k + c] - max);
          sum += out[r * k + c];
        }
        for (let c = 0; c < k; c++) out[r * k + c] /= sum;
      }
      return out;
    },
  };
}
