/**
 * The tree-structured Parzen estimator (issue 19, item 3), as Optuna's TPESampler with its
 * defaults: univariate, n_startup_trials=10 (random before that), n_ei_candidates=24,
 * gamma(n) = min(ceil(0.1 n), 25) of the finished trials are "good", Optuna's default
 * weights (flat for the newest 25 observations, a ramp for older ones), a prior of weight
 * 1 at the middle of each range with sigma = the range, bandwidths from neighbour
 * distances clipped to [range / min(100, 1 + n), range] ("magic clip"), no endpoints.
 *
 * Per param, the good and the other trials' values each make a Parzen estimator (a
 * weighted mixture of normals truncated to the range, or of categorical kernels); 24
 * candidates are drawn from the good one and the one with the largest l(x) / g(x) is
 * taken. Log ranges work in log space; integers are drawn on the grid (a normal over
 * [min - 1/2, max + 1/2], rounded, and scored by the mass of the rounding interval).
 *
 * Reproducible: the draws of trial n come from (seed, n), so the same history gives the
 * same params on whichever worker asks.
 */
import { mulberry32, sampleUniform, type ChoiceValue, type SpaceParam } from './space';

export interface TpeSettings {
  kind: 'tpe';
  seed: number;
  nStartupTrials?: number;
  nEiCandidates?: number;
}

/** A finished trial as TPE sees it: its params and its value, the smaller the better. */
export interface Observation {
  number: number;
  params: Record<string, unknown>;
  loss: number;
}

/** Optuna's default_gamma. */
export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** Optuna's default_weights: older observations beyond the newest 25 ramp down linearly. */
export function defaultWeights(n: number): number[] {
  if (n === 0) return [];
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  // np.linspace(1 / n, 1.0, num=n - 25)
  for (let i = 0; i < ramp; i++)
    out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

// --- the normal distribution ---

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Φ(x), by erfc (W. J. Cody's rational approximations via Numerical Recipes' erfc, |err| < 1.2e-7). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Φ⁻¹(p), Acklam's algorithm with one Halley step. */
function normPpf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (!Number.isFinite(m)) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

// --- Parzen estimators ---

interface NumericEstimator {
  kind: 'numeric';
  weights: number[];
  mus: number[];
  sigmas: number[];
  low: number;
  high: number;
  /** 1 for integers on a linear scale (draws land on the grid), else 0. */
  step: number;
}

interface CategoricalEstimator {
  kind: 'categorical';
  weights: number[];
  /** Per kernel, the probability of each choice. */
  probs: number[][];
}

type Estimator = NumericEstimator | CategoricalEstimator;

function normalised(ws: number[]): number[] {
  const total = ws.reduce((s, w) => s + w, 0);
  return ws.map((w) => w / total);
}

/** The observations of one param in the space the estimator works in (log for log ranges). */
function transformed(p: SpaceParam, value: unknown): number {
  if (p.kind === 'categorical') return p.choices.indexOf(value as ChoiceValue);
  return p.log ? Math.log(value as number) : (value as number);
}

function bounds(p: Exclude<SpaceParam, { kind: 'categorical' }>): {
  low: number;
  high: number;
  step: number;
} {
  if (p.log) return { low: Math.log(p.min), high: Math.log(p.max), step: 0 };
  return { low: p.min, high: p.max, step: p.kind === 'int' ? 1 : 0 };
}

function estimator(p: SpaceParam, observations: readonly number[]): Estimator {
  const weights = normalised([...defaultWeights(observations.length), 1]);
  if (p.kind === 'categorical') {
    const n = p.choices.length;
    const kernels = observations.length + 1;
    const probs = observations.map((o) => {
      const row = new Array<number>(n).fill(1 / kernels);
      row[o] += 1;
      return normalised(row);
    });
    probs.push(new Array<number>(n).fill(1 / n));
    return { kind: 'categorical', weights, probs };
  }
  const { low, high, step } = bounds(p);
  const range = high - low + step;
  const prior = 0.5 * (low + high);
  // Neighbour distances over the sorted observations and the prior, with the range's ends.
  const withPrior = [...observations, prior];
  const order = withPrior.map((_, i) => i).sort((i, j) => withPrior[i] - withPrior[j]);
  const sorted = [low - step / 2, ...order.map((i) => withPrior[i]), high + step / 2];
  const sortedSigmas: number[] = [];
  for (let i = 1; i < sorted.length - 1; i++)
    sortedSigmas.push(Math.max(sorted[i] - sorted[i - 1], sorted[i + 1] - sorted[i]));
  if (sorted.length >= 4) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[sortedSigmas.length - 1] = sorted[sorted.length - 2] - sorted[sorted.length - 3];
  }
  const sigmas = new Array<number>(withPrior.length);
  order.forEach((original, rank) => (sigmas[original] = sortedSigmas[rank]));
  const maxSigma = range;
  const minSigma = range / Math.min(100, 1 + observations.length);
  const clipped = sigmas
    .slice(0, observations.length)
    .map((s) => Math.min(maxSigma, Math.max(minSigma, s)));
  return {
    kind: 'numeric',
    weights,
    mus: [...observations, prior],
    sigmas: [...clipped, range],
    low,
    high,
    step,
  };
}

function pick(weights: readonly number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    if (u < acc) return i;
  }
  return weights.length - 1;
}

function draw(e: Estimator, random: () => number): number {
  const k = pick(e.weights, random());
  if (e.kind === 'categorical') return pick(e.probs[k], random());
  const lo = e.low - e.step / 2;
  const hi = e.high + e.step / 2;
  const a = normCdf((lo - e.mus[k]) / e.sigmas[k]);
  const b = normCdf((hi - e.mus[k]) / e.sigmas[k]);
  let x = e.mus[k] + e.sigmas[k] * normPpf(a + (b - a) * random());
  if (e.step) x = e.low + Math.round((x - e.low) / e.step) * e.step;
  return Math.min(e.high, Math.max(e.low, x));
}

function logDensity(e: Estimator, x: number): number {
  if (e.kind === 'categorical')
    return logSumExp(e.weights.map((w, k) => Math.log(w) + Math.log(e.probs[k][x])));
  const lo = e.low - e.step / 2;
  const hi = e.high + e.step / 2;
  return logSumExp(
    e.weights.map((w, k) => {
      const mu = e.mus[k];
      const sigma = e.sigmas[k];
      const mass = normCdf((hi - mu) / sigma) - normCdf((lo - mu) / sigma);
      if (e.step) {
        const p = normCdf((x + e.step / 2 - mu) / sigma) - normCdf((x - e.step / 2 - mu) / sigma);
        return Math.log(w) + Math.log(Math.max(p, 1e-300)) - Math.log(mass);
      }
      const z = (x - mu) / sigma;
      return Math.log(w) - 0.5 * z * z - LOG_SQRT_2PI - Math.log(sigma) - Math.log(mass);
    }),
  );
}

function untransformed(p: SpaceParam, x: number): ChoiceValue {
  if (p.kind === 'categorical') return p.choices[x];
  const v = p.log ? Math.exp(x) : x;
  if (p.kind === 'int') return Math.min(p.max, Math.max(p.min, Math.round(v)));
  return Math.min(p.max, Math.max(p.min, v));
}

/**
 * The params of trial `number` of a study with this space, given its finished trials
 * (any order). Random for the first nStartupTrials finished trials.
 */
export function tpeSample(
  space: readonly SpaceParam[],
  finished: readonly Observation[],
  settings: TpeSettings,
  number: number,
): Record<string, ChoiceValue> {
  const nStartup = settings.nStartupTrials ?? 10;
  const nCandidates = settings.nEiCandidates ?? 24;
  const random = mulberry32((settings.seed ^ Math.imul(number, 0x9e3779b1)) >>> 0);
  const usable = finished.filter((o) => Number.isFinite(o.loss));
  const out: Record<string, ChoiceValue> = {};
  if (usable.length < nStartup) {
    for (const p of space) out[p.key] = sampleUniform(p, random);
    return out;
  }
  const ranked = [...usable].sort((a, b) => a.loss - b.loss || a.number - b.number);
  const nBelow = defaultGamma(ranked.length);
  const byNumber = (a: Observation, b: Observation) => a.number - b.number;
  const below = ranked.slice(0, nBelow).sort(byNumber);
  const above = ranked.slice(nBelow).sort(byNumber);
  for (const p of space) {
    const values = (list: Observation[]) =>
      list.filter((o) => o.params[p.key] !== undefined).map((o) => transformed(p, o.params[p.key]));
    const good = estimator(
      p,
      values(below).filter((v) => v >= 0 || p.kind !== 'categorical'),
    );
    const bad = estimator(
      p,
      values(above).filter((v) => v >= 0 || p.kind !== 'categorical'),
    );
    let best = NaN;
    let bestScore = -Infinity;
    for (let i = 0; i < nCandidates; i++) {
      const x = draw(good, random);
      const score = logDensity(good, x) - logDensity(bad, x);
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    out[p.key] = untransformed(p, best);
  }
  return out;
}
