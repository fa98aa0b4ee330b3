/**
 * Augmentation of tabular data: SMOTE for minority classes (Chawla et al., 2002, as
 * imbalanced-learn's `SMOTE()` with its defaults: k = 5 neighbours among the rows of the
 * same class, every class but the majority oversampled to the majority's count, each new
 * row on the segment between a row and one of its neighbours), Gaussian jitter (a copy of a
 * row with noise of `scale` × the column's standard deviation) and mixup (Zhang et al.,
 * 2018: λ a + (1 - λ) b with λ ~ Beta(α, α)). Only numeric features are synthesized; the
 * other columns of a new row are those of the row it was made from (for mixup, of the row
 * with the larger weight), so the label stays a real one. Rows with a missing feature are
 * not used as seeds (imbalanced-learn refuses them).
 */
import {
  asNumber,
  columnNames,
  isMissing,
  numericColumns,
  resolveFeatures,
  type Row,
} from './features';
import { checkSeed, seededRandom } from './random';

export type AugmentMethod = 'smote' | 'noise' | 'mixup';

export interface AugmentOptions {
  method: AugmentMethod;
  /** Class column (required for SMOTE; for mixup, the label that goes with the heavier row). */
  label?: string;
  /** Numeric columns to synthesize (default: every numeric column but the label). */
  features?: string[];
  /** SMOTE: neighbours (default 5). */
  k?: number;
  /** noise / mixup: synthetic rows to make (default: as many as the data has). */
  count?: number;
  /** noise: standard deviation as a share of each column's (default 0.05). */
  scale?: number;
  /** mixup: Beta(α, α) (default 0.2). */
  alpha?: number;
  seed?: number;
}

/** Where a synthetic row came from: its seed row, the other row (neighbour or mixup partner) and the weight. */
export interface SyntheticOrigin {
  base: number;
  other: number | null;
  /** SMOTE: the step along base → other; mixup: λ, the weight of base; noise: null. */
  weight: number | null;
}

export interface AugmentResult {
  method: AugmentMethod;
  features: string[];
  /** The data followed by the synthetic rows. */
  rows: Row[];
  synthetic: Row[];
  origins: SyntheticOrigin[];
  /** SMOTE: rows per class before and after. */
  classCounts?: { before: Record<string, number>; after: Record<string, number> };
  parameters: Record<string, number | string>;
}

const METHODS: readonly AugmentMethod[] = ['smote', 'noise', 'mixup'];

function positive(value: unknown, name: string, fallback: number, whole: boolean): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !(value > 0) ||
    !Number.isFinite(value) ||
    (whole && !Number.isSafeInteger(value))
  )
    throw new TypeError(
      `augment: ${name} must be a ${whole ? 'whole number >= 1' : 'number > 0'}, got ${JSON.stringify(value)}`,
    );
  return value;
}

function completeRows(rows: readonly Row[], features: readonly string[]): number[] {
  const out: number[] = [];
  rows.forEach((row, i) => {
    if (features.every((f) => !Number.isNaN(asNumber(row[f])))) out.push(i);
  });
  return out;
}

export function augment(rows: readonly Row[], options: AugmentOptions): AugmentResult {
  if (!Array.isArray(rows)) throw new TypeError('augment: data must be an array of row objects');
  if (!options || typeof options !== 'object' || !METHODS.includes(options.method))
    throw new TypeError(
      `augment: options.method must be one of ${METHODS.map((m) => JSON.stringify(m)).join(', ')}, got ${JSON.stringify(options?.method)}`,
    );
  if (options.label !== undefined && !columnNames(rows).includes(options.label))
    throw new TypeError(`augment: no label column ${JSON.stringify(options.label)} in the data`);
  const exclude = options.label === undefined ? [] : [options.label];
  const features =
    options.features === undefined
      ? numericColumns(rows, exclude)
      : resolveFeatures(rows, options.features, 'augment', exclude);
  if (features.length === 0)
    throw new TypeError('augment: the data has no numeric feature to synthesize');
  const seed = checkSeed(options.seed, 'augment');
  const random = seededRandom(seed);
  const usable = completeRows(rows, features);
  if (usable.length === 0) throw new TypeError('augment: no row has a value in every feature');
  const x = (i: number, f: number): number => asNumber(rows[i][features[f]]);
  const synthetic: Row[] = [];
  const origins: SyntheticOrigin[] = [];
  const parameters: Record<string, number | string> = { seed };
  let classCounts: AugmentResult['classCounts'];

  if (options.method === 'smote') {
    if (options.label === undefined)
      throw new TypeError('augment: SMOTE needs options.label, the class column');
    const label = options.label;
    const k = positive(options.k, 'k', 5, true);
    parameters.k = k;
    const byClass = new Map<string, number[]>();
    for (const i of usable) {
      if (isMissing(rows[i][label])) continue;
      const key = String(rows[i][label]);
      if (!byClass.has(key)) byClass.set(key, []);
      byClass.get(key)!.push(i);
    }
    const before: Record<string, number> = {};
    for (const [key, members] of byClass) before[key] = members.length;
    const majority = Math.max(...[...byClass.values()].map((m) => m.length));
    const after: Record<string, number> = {};
    for (const key of [...byClass.keys()].sort()) {
      const members = byClass.get(key)!;
      after[key] = majority;
      const needed = majority - members.length;
      if (needed === 0) continue;
      if (members.length <= k)
        throw new TypeError(
          `augment: SMOTE needs more than k = ${k} rows of class ${JSON.stringify(key)} with every feature; it has ${members.length}`,
        );
      const neighbours = nearestNeighbours(members, features.length, x, k);
      for (let s = 0; s < needed; s++) {
        const pick = random.int(members.length * k);
        const a = Math.floor(pick / k);
        const b = neighbours[a * k + (pick % k)];
        const step = random.next();
        const base = members[a];
        const other = members[b];
        const row: Row = { ...rows[base] };
        features.forEach((f, c) => (row[f] = x(base, c) + step * (x(other, c) - x(base, c))));
        synthetic.push(row);
        origins.push({ base, other, weight: step });
      }
    }
    classCounts = { before, after };
  } else {
    const count = positive(options.count, 'count', rows.length, true);
    parameters.count = count;
    if (options.method === 'noise') {
      const scale = positive(options.scale, 'scale', 0.05, false);
      parameters.scale = scale;
      const std = features.map((_, c) => {
        const values = usable.map((i) => x(i, c));
        const mean = values.reduce((s, v) => s + v, 0) / values.length;
        const variance =
          values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(values.length - 1, 1);
        return Math.sqrt(variance);
      });
      for (let s = 0; s < count; s++) {
        const base = usable[random.int(usable.length)];
        const row: Row = { ...rows[base] };
        features.forEach((f, c) => (row[f] = x(base, c) + random.normal() * scale * std[c]));
        synthetic.push(row);
        origins.push({ base, other: null, weight: null });
      }
    } else {
      const alpha = positive(options.alpha, 'alpha', 0.2, false);
      parameters.alpha = alpha;
      for (let s = 0; s < count; s++) {
        const a = usable[random.int(usable.length)];
        const b = usable[random.int(usable.length)];
        const lambda = random.beta(alpha, alpha);
        const [base, other, weight] = lambda >= 0.5 ? [a, b, lambda] : [b, a, 1 - lambda];
        const row: Row = { ...rows[base] };
        features.forEach((f, c) => (row[f] = weight * x(base, c) + (1 - weight) * x(other, c)));
        synthetic.push(row);
        origins.push({ base, other, weight });
      }
    }
  }
  return {
    method: options.method,
    features,
    rows: [...rows, ...synthetic],
    synthetic,
    origins,
    ...(classCounts ? { classCounts } : {}),
    parameters,
  };
}

/** For each member, its k nearest other members by Euclidean distance (indices into `members`), nearest first. */
export function nearestNeighbours(
  members: readonly number[],
  dims: number,
  x: (row: number, feature: number) => number,
  k: number,
): Int32Array {
  const n = members.length;
  const points = new Float64Array(n * dims);
  members.forEach((row, i) => {
    for (let c = 0; c < dims; c++) points[i * dims + c] = x(row, c);
  });
  const out = new Int32Array(n * k);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < dims; c++) {
        const d = points[i * dims + c] - points[j * dims + c];
        s += d * d;
      }
      dist[j] = j === i ? Infinity : s;
      order[j] = j;
    }
    order.sort((a, b) => dist[a] - dist[b] || a - b);
    for (let t = 0; t < k; t++) out[i * k + t] = order[t];
  }
  return out;
}
