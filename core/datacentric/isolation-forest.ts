/**
 * Isolation Forest (Liu, Ting and Zhou, 2008) with scikit-learn's defaults: 100 trees,
 * each grown on min(256, n) rows drawn without replacement, to depth ceil(log2(samples));
 * a node splits on a random feature at a threshold drawn uniformly between that feature's
 * minimum and maximum in the node (a constant feature is skipped for another). A row's
 * path length is its leaf depth plus c(leaf size), the average path of an unbuilt subtree.
 *
 * `score` is 2^(-E[h(x)] / c(samples)), in (0, 1], higher is more anomalous; scikit-learn's
 * `score_samples` is its negative. Contamination "auto" puts the threshold at 0.5
 * (`offset_ = -0.5`), so a row is anomalous when its score is above 0.5.
 *
 * Trees live in flat typed arrays so scoring a million rows stays a tight loop.
 */
import type { Matrix } from './features';
import { seededRandom } from './random';

const EULER_GAMMA = 0.5772156649015329;

/** Average path length of an unsuccessful search in a binary search tree of n nodes: c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface IsolationForestOptions {
  /** Trees (default 100). */
  trees?: number;
  /** Rows per tree (default min(256, n)). */
  maxSamples?: number;
  seed?: number;
}

export interface IsolationForest {
  trees: number;
  samples: number;
  features: number;
  /** Anomaly score per row of `m` (higher is more anomalous; > 0.5 is anomalous with contamination "auto"). */
  score(m: Matrix): Float64Array;
}

/** The default threshold of contamination "auto": scikit-learn's offset_ of -0.5 on score_samples. */
export const AUTO_THRESHOLD = 0.5;

function checkCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new TypeError(
      `isolationForest: ${name} must be a whole number >= 1, got ${JSON.stringify(value)}`,
    );
  return value;
}

/** Grows a forest on `m` (no NaN, here or in the rows scored: fill missing values first). */
export function fitIsolationForest(
  m: Matrix,
  options: IsolationForestOptions = {},
): IsolationForest {
  if (m.rows === 0) throw new TypeError('isolationForest: the data has no rows');
  if (m.cols === 0) throw new TypeError('isolationForest: the data has no numeric features');
  const trees = checkCount(options.trees, 'trees', 100);
  const samples = Math.min(checkCount(options.maxSamples, 'maxSamples', 256), m.rows);
  const random = seededRandom(options.seed ?? 0);
  const maxDepth = Math.ceil(Math.log2(Math.max(samples, 2)));
  const perTree = 2 * samples - 1;
  const feature = new Int32Array(trees * perTree).fill(-1);
  const threshold = new Float64Array(trees * perTree);
  const left = new Int32Array(trees * perTree);
  const right = new Int32Array(trees * perTree);
  const leafValue = new Float64Array(trees * perTree);
  const cols = m.cols;
  const x = m.data;
  const candidates = new Int32Array(cols);

  for (let t = 0; t < trees; t++) {
    const base = t * perTree;
    const idx = Int32Array.from(random.sample(m.rows, samples));
    let next = 1;
    // Stack of (node, start, end, depth).
    const stack: number[] = [0, 0, samples, 0];
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const size = end - start;
      let split = -1;
      let lo = 0;
      let hi = 0;
      if (size > 1 && depth < maxDepth) {
        // A random feature that is not constant in the node, as the extra tree's splitter does.
        for (let c = 0; c < cols; c++) candidates[c] = c;
        for (let remaining = cols; remaining > 0 && split < 0; remaining--) {
          const pick = random.int(remaining);
          const f = candidates[pick];
          candidates[pick] = candidates[remaining - 1];
          lo = Infinity;
          hi = -Infinity;
          for (let i = start; i < end; i++) {
            const v = x[idx[i] * cols + f];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
          if (hi > lo) split = f;
        }
      }
      if (split < 0) {
        leafValue[base + node] = depth + averagePathLength(size);
        continue;
      }
      let th = lo + random.next() * (hi - lo);
      if (th >= hi) th = lo;
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (x[idx[i] * cols + split] <= th) i++;
        else {
          const tmp = idx[i];
          idx[i] = idx[j];
          idx[j] = tmp;
          j--;
        }
      }
      const l = next++;
      const r = next++;
      feature[base + node] = split;
      threshold[base + node] = th;
      left[base + node] = l;
      right[base + node] = r;
      stack.push(l, start, i, depth + 1, r, i, end, depth + 1);
    }
  }

  // Packed for scoring: per node [feature, left child] side by side (the right child is
  // left + 1) and the threshold in one array. A leaf points at itself with threshold
  // +Infinity, so every row takes exactly maxDepth steps: no branch on "is this a leaf",
  // and several rows can walk a tree at once (independent loads overlap).
  const links = new Int32Array(trees * perTree * 2);
  const values = new Float64Array(trees * perTree);
  for (let t = 0; t < trees; t++)
    for (let n = 0; n < perTree; n++) {
      const i = t * perTree + n;
      const leaf = feature[i] < 0;
      links[i * 2] = leaf ? 0 : feature[i];
      links[i * 2 + 1] = leaf ? n : left[i];
      values[i] = leaf ? Infinity : threshold[i];
    }
  const norm = averagePathLength(samples);
  const BLOCK = 512;
  return {
    trees,
    samples,
    features: cols,
    score(data: Matrix): Float64Array {
      if (data.cols !== cols)
        throw new TypeError(
          `isolationForest: the forest was grown on ${cols} features; the data has ${data.cols}`,
        );
      const total = new Float64Array(data.rows);
      const d = data.data;
      // Rows in blocks, trees inside: a tree and a block of rows both stay in cache.
      for (let from = 0; from < data.rows; from += BLOCK) {
        const to = Math.min(from + BLOCK, data.rows);
        for (let t = 0; t < trees; t++) {
          const base = t * perTree;
          let r = from;
          for (; r + 4 <= to; r += 4) {
            const o0 = r * cols;
            const o1 = o0 + cols;
            const o2 = o1 + cols;
            const o3 = o2 + cols;
            let n0 = base;
            let n1 = base;
            let n2 = base;
            let n3 = base;
            for (let step = 0; step < maxDepth; step++) {
              n0 = base + links[n0 * 2 + 1] + (d[o0 + links[n0 * 2]] <= values[n0] ? 0 : 1);
              n1 = base + links[n1 * 2 + 1] + (d[o1 + links[n1 * 2]] <= values[n1] ? 0 : 1);
              n2 = base + links[n2 * 2 + 1] + (d[o2 + links[n2 * 2]] <= values[n2] ? 0 : 1);
              n3 = base + links[n3 * 2 + 1] + (d[o3 + links[n3 * 2]] <= values[n3] ? 0 : 1);
            }
            total[r] += leafValue[n0];
            total[r + 1] += leafValue[n1];
            total[r + 2] += leafValue[n2];
            total[r + 3] += leafValue[n3];
          }
          for (; r < to; r++) {
            const o = r * cols;
            let n = base;
            for (let step = 0; step < maxDepth; step++)
              n = base + links[n * 2 + 1] + (d[o + links[n * 2]] <= values[n] ? 0 : 1);
            total[r] += leafValue[n];
          }
        }
      }
      for (let r = 0; r < data.rows; r++) total[r] = Math.pow(2, -total[r] / trees / norm);
      return total;
    },
  };
}
