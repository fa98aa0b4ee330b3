/**
 * The statistics behind drift: each method as a pure function of the two samples.
 * Numeric methods take both samples sorted ascending, without missing values (the report
 * sorts them once; every method here then works by merging). Categorical methods take
 * counts per category, aligned (index i is the same category on both sides).
 *
 * Distributions and special functions come from @stdlib; the test logic follows SciPy 1.10
 * (ks_2samp, chisquare, anderson_ksamp, mannwhitneyu, ttest_ind, wasserstein_distance,
 * energy_distance, jensenshannon) and Evidently's legacy stattests (which method,
 * normalisation, binning). test/unit/drift-methods.test.ts checks every method against
 * values SciPy computed (test/fixtures/scipy/make_drift_fixtures.py).
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import type { DriftMethod, MethodKind } from '../common/drift-types';

export interface MethodResult {
  statistic: number;
  /** null for distances. */
  pValue: number | null;
}

const TESTS: ReadonlySet<DriftMethod> = new Set<DriftMethod>([
  'ks',
  'chisquare',
  'z',
  'anderson',
  'mannwhitney',
  'ttest',
]);
const NUMERIC_ONLY: ReadonlySet<DriftMethod> = new Set<DriftMethod>([
  'ks',
  'wasserstein',
  'anderson',
  'mannwhitney',
  'ttest',
  'energy',
]);
const CATEGORICAL_ONLY: ReadonlySet<DriftMethod> = new Set<DriftMethod>(['chisquare', 'z']);

/** Tests (p-value) or distances (score). */
export function methodKind(method: DriftMethod): MethodKind {
  return TESTS.has(method) ? 'test' : 'distance';
}

/**
 * Default threshold per method, as DESIGN.md states it: p < 0.05 for every test, score >= 0.1
 * for distances (PSI 0.1). Evidently registers Anderson-Darling with 0.1; one rule for all
 * tests is easier to read in a report, so Labbook uses 0.05 there too.
 */
export function defaultThreshold(method: DriftMethod): number {
  return methodKind(method) === 'test' ? 0.05 : 0.1;
}

/** Whether the method can run on numeric / categorical data. */
export function supports(method: DriftMethod, type: 'numeric' | 'categorical'): boolean {
  return type === 'numeric' ? !CATEGORICAL_ONLY.has(method) : !NUMERIC_ONLY.has(method);
}

/** A numeric method on two sorted samples (ascending, finite, non-empty). */
export function numericDrift(
  method: DriftMethod,
  reference: Float64Array,
  current: Float64Array,
): MethodResult {
  switch (method) {
    case 'ks':
      return ks(reference, current);
    case 'wasserstein':
      return distance(wasserstein(reference, current) / Math.max(std(reference), 0.001));
    case 'energy':
      return distance(energy(reference, current));
    case 'anderson':
      return anderson(reference, current);
    case 'mannwhitney':
      return mannWhitney(reference, current);
    case 'ttest':
      return tTest(reference, current);
    case 'psi':
      return distance(psi(...floored(evidentlyBins(reference, current))));
    case 'kl':
      return distance(kl(...floored(evidentlyBins(reference, current))));
    case 'jensenshannon':
      return distance(jensenShannon(...evidentlyBins(reference, current)));
    case 'hellinger':
      return distance(hellingerNumeric(reference, current));
    case 'chisquare':
    case 'z':
      throw new RangeError(`${method} runs on categories: pass the distinct values as categories`);
  }
}

/** A categorical method on aligned counts per category. */
export function categoricalDrift(
  method: DriftMethod,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): MethodResult {
  if (reference.length !== current.length)
    throw new RangeError(`counts not aligned: ${reference.length} vs ${current.length} categories`);
  // Evidently's categories are the values seen on either side: a category empty on both does not exist.
  const [ref, cur] = presentCategories(reference, current);
  switch (method) {
    case 'chisquare':
      return chiSquare(ref, cur);
    case 'z':
      return zTest(ref, cur);
    case 'psi':
      return distance(psi(...floored(shares(ref, cur))));
    case 'kl':
      return distance(kl(...floored(shares(ref, cur))));
    case 'jensenshannon':
      return distance(jensenShannon(...shares(ref, cur)));
    case 'hellinger':
      return distance(hellinger(...shares(ref, cur)));
    default:
      throw new RangeError(`${method} runs on numeric data only`);
  }
}

/** Sturges bin edges over both sorted samples combined (numpy.histogram_bin_edges(..., 'sturges')). */
export function sturgesEdges(reference: Float64Array, current: Float64Array): Float64Array {
  const lo = Math.min(reference[0], current[0]);
  const hi = Math.max(reference[reference.length - 1], current[current.length - 1]);
  return sturgesFor(reference.length + current.length, lo, hi);
}

/** Counts of a sorted sample in bins [e0,e1) … [e_{k-1}, e_k] (numpy.histogram semantics). */
export function binCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const k = edges.length - 1;
  const counts = new Float64Array(k);
  let below = lowerBound(sorted, edges[0]);
  for (let i = 0; i < k; i++) {
    const upTo = i === k - 1 ? upperBound(sorted, edges[k]) : lowerBound(sorted, edges[i + 1]);
    counts[i] = upTo - below;
    below = upTo;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------
// Merging: every numeric method walks the distinct values of both samples once.

/**
 * Walks two sorted samples together, one distinct value per step, with how often it occurs
 * on each side. Nothing is allocated: a million rows must not cost megabytes per method.
 */
class DistinctWalk {
  value = 0;
  inA = 0;
  inB = 0;
  private i = 0;
  private j = 0;
  constructor(
    private readonly a: Float64Array,
    private readonly b: Float64Array,
  ) {}

  next(): boolean {
    const { a, b } = this;
    let i = this.i;
    let j = this.j;
    if (i >= a.length && j >= b.length) return false;
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    this.value = v;
    this.inA = i - this.i;
    this.inB = j - this.j;
    this.i = i;
    this.j = j;
    return true;
  }
}

function countDistinct(sorted: Float64Array): number {
  let count = sorted.length > 0 ? 1 : 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) count++;
  return count;
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function distance(statistic: number): MethodResult {
  return { statistic, pValue: null };
}

function clip01(p: number): number {
  return Math.min(1, Math.max(0, p));
}

function mean(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function sumSquaredDeviations(x: Float64Array, m: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) * (x[i] - m);
  return s;
}

/** Population standard deviation (numpy's ddof=0, which Evidently's np.std(series) gets). */
function std(x: Float64Array): number {
  return Math.sqrt(sumSquaredDeviations(x, mean(x)) / x.length);
}

// ---------------------------------------------------------------------------------------
// Distances between the two empirical CDFs (scipy.stats._cdf_distance).

function wasserstein(a: Float64Array, b: Float64Array): number {
  return cdfDistance(a, b, 1);
}

/** scipy.stats.energy_distance: sqrt(2) times the L2 distance between the CDFs. */
function energy(a: Float64Array, b: Float64Array): number {
  return Math.SQRT2 * Math.sqrt(cdfDistance(a, b, 2));
}

/** Integral of |F1 - F2|^p over the pooled support (without the final root for p = 2). */
function cdfDistance(a: Float64Array, b: Float64Array, p: 1 | 2): number {
  let c1 = 0;
  let c2 = 0;
  let previous = 0;
  let total = 0;
  const walk = new DistinctWalk(a, b);
  while (walk.next()) {
    if (c1 + c2 > 0) {
      const gap = Math.abs(c1 / a.length - c2 / b.length);
      total += (p === 1 ? gap : gap * gap) * (walk.value - previous);
    }
    c1 += walk.inA;
    c2 += walk.inB;
    previous = walk.value;
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// Two-sample Kolmogorov-Smirnov (scipy.stats.ks_2samp, two-sided, method 'auto').

/** SciPy's 'auto': exact while both samples have at most this many values. */
const KS_MAX_EXACT_N = 10000;

function ks(a: Float64Array, b: Float64Array): MethodResult {
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatistic(a, b);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = ksExact(n1, n2, d);
    if (exact.pValue !== null) return exact;
    d = exact.statistic;
  }
  // Smirnov's asymptotic: the one-sample distribution at the effective size.
  const en = Math.round((n1 * n2) / (n1 + n2));
  return { statistic: d, pValue: clip01(kolmogorovSf(en, d)) };
}

function ksStatistic(a: Float64Array, b: Float64Array): number {
  let c1 = 0;
  let c2 = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  const walk = new DistinctWalk(a, b);
  while (walk.next()) {
    c1 += walk.inA;
    c2 += walk.inB;
    const diff = c1 / a.length - c2 / b.length;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  return Math.max(clip01(-minS), maxS);
}

/** The exact p-value, null when the computation overflows (SciPy then falls back to asymptotic). */
function ksExact(n1: number, n2: number, d: number): MethodResult {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  // SciPy reports the statistic on the lattice of attainable values.
  const statistic = h / lcm;
  if (h === 0) return { statistic, pValue: 1 };
  const p = n1 === n2 ? ksProbOutsideSquare(n1, h) : ksOuterProbInside(n1, n2, g, h);
  return { statistic, pValue: Number.isFinite(p) && p >= 0 && p <= 1 ? p : null };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** P(D_{n,n} >= h/n): alternating sum of binomial ratios, evaluated Horner-like to avoid cancellation. */
function ksProbOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * 1 - (share of lattice paths from (0,0) to (m,n) staying strictly inside |x/m - y/n| < h/lcm),
 * computed directly as a proportion (Hodges' inside method with Viehmann's recursion for 1 - p,
 * as SciPy's _compute_outer_prob_inside_method), one sliding column at a time.
 */
function ksOuterProbInside(n1: number, n2: number, g: number, h: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const a = new Float64Array(Math.min(2 * maxj + 2, n + 1)).fill(1);
  a.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + minj - lastminj] * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) a.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return a[maxj - minj - 1];
}

// The two-sided one-sample Kolmogorov distribution, survival function (scipy.stats.kstwo.sf,
// SciPy's _kolmogn after Simard & L'Ecuyer 2011: each region of (n, x) has its own method).

function kolmogorovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) return 1 - rubenGambinoCdf(n, t);
  if (t >= n - 1) return 2 * Math.pow(1 - x, n);
  if (x >= 0.5) return 2 * smirnovSf(n, x);
  const nxSquared = t * x;
  if (n <= 140) {
    // SciPy uses Pomeranz's recursion for 0.754693 < n x^2 <= 4; the Durbin matrix gives the
    // same exact value there (both are exact algorithms), so it serves both ranges.
    if (nxSquared <= 4) return 1 - durbinCdf(n, x);
    return 2 * smirnovSf(n, x);
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return 2 * smirnovSf(n, x);
  const cdf = n <= 100000 && n * Math.pow(x, 1.5) <= 1.4 ? durbinCdf(n, x) : pelzGoodCdf(n, x);
  return 1 - cdf;
}

/** Exact CDF for 1/(2n) < x <= 1/n: n! / n^n (2nx - 1)^n. */
function rubenGambinoCdf(n: number, t: number): number {
  if (t <= 0.5) return 0;
  if (n <= 140) {
    let p = 1;
    for (let i = 1; i <= n; i++) p *= i * (1 / n) * (2 * t - 1);
    return p;
  }
  return Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
}

/** log(n! / n^n) by Stirling's series. */
function logFactorialOverPower(n: number): number {
  // Stirling series coefficients, written to the precision a double holds.
  const coeffs = [
    -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
    -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
  ];
  const rn = 1 / n;
  let poly = 0;
  for (const c of coeffs) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/**
 * One-sided Smirnov survival P(D+_n >= x), Birnbaum & Tingey's exact sum, each term in logs
 * so that large n neither overflows the binomials nor underflows the powers.
 */
function smirnovSf(n: number, x: number): number {
  const last = Math.floor(n * (1 - x));
  let logBinom = 0;
  let p = 0;
  for (let v = 0; v <= last; v++) {
    const evn = x + v / n;
    const omevn = 1 - evn;
    if (omevn > 0) {
      const logTerm = logBinom + (v - 1) * Math.log(evn) + (n - v) * Math.log(omevn);
      if (logTerm > -745) p += Math.exp(logTerm);
    }
    logBinom += Math.log((n - v) / (v + 1));
  }
  return p * x;
}

const TWO_128 = 2 ** 128;
const TWO_M128 = 2 ** -128;

/** Durbin's matrix algorithm (Marsaglia, Tsang & Wang 2003): P(D_n < x) as a matrix power, rescaled to stay finite. */
function durbinCdf(n: number, x: number): number {
  const nd = n * x;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let hm = durbinMatrix(m, h);
  let power = identity(m);
  let powerExp = 0;
  let hExp = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2) {
      power = matMul(power, hm, m);
      powerExp += hExp;
    }
    hm = matMul(hm, hm, m);
    hExp *= 2;
    if (Math.abs(hm[(k - 1) * m + k - 1]) > TWO_128) {
      for (let i = 0; i < hm.length; i++) hm[i] /= TWO_128;
      hExp += 128;
    }
  }
  let p = power[(k - 1) * m + k - 1];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_M128) {
      p *= TWO_128;
      powerExp -= 128;
    }
  }
  return ldexp(p, powerExp);
}

function durbinMatrix(m: number, h: number): Float64Array {
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - Math.pow(h, j)) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  const hm = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) hm[r * m + i] = w[r - i + 1];
  }
  for (let r = 0; r < m; r++) hm[r * m] = v[r];
  for (let c = 0; c < m; c++) hm[(m - 1) * m + c] = v[m - 1 - c];
  return hm;
}

function identity(m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) out[i * m + i] = 1;
  return out;
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += ail * b[l * m + j];
    }
  }
  return out;
}

/** x * 2^e without the intermediate power overflowing or underflowing. */
function ldexp(x: number, e: number): number {
  let out = x;
  let rest = e;
  while (rest > 1000) {
    out *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    out *= 2 ** -1000;
    rest += 1000;
  }
  return out * 2 ** rest;
}

/** Pelz & Good's (1976) approximation of P(D_n <= x) for large n. */
function pelzGoodCdf(n: number, x: number): number {
  const pi2 = Math.PI ** 2;
  const pi4 = Math.PI ** 4;
  const pi6 = Math.PI ** 6;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = pi2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * pi2) / 4;
  const k2c = (pi4 * (1 - 2 * z2)) / 16;
  const k3d = (pi6 * (5 - 30 * z2)) / 64;
  const k3c = (pi4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (pi2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const terms = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = Math.pow(q, 8 * k);
    const coeffs = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m4,
      k3a + k3b * m2 + k3c * m4 + k3d * m6,
    ];
    for (let i = 0; i < 4; i++) terms[i] = terms[i] * qpower + coeffs[i];
  }
  const sqrt2pi = Math.sqrt(2 * Math.PI);
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) terms[i] = (terms[i] * q * sqrt2pi) / divisors[i];
  q = Math.exp(-pi2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = Math.pow(q, k2);
    k2extra += k2 * qp;
    k3extra += (sqrt3z + Math.PI * k) * (sqrt3z - Math.PI * k) * k2 * qp;
  }
  terms[2] += (k2extra * pi2 * sqrt2pi) / (-36 * z ** 3);
  terms[3] += (k3extra * pi2 * sqrt2pi) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += terms[i] / Math.pow(n, i / 2);
  return sum;
}

// ---------------------------------------------------------------------------------------
// Rank tests from the merge: ranks of tied values are midranks, exactly as rankdata gives.

/** scipy.stats.mannwhitneyu(reference, current): two-sided, continuity correction, method 'auto'. */
function mannWhitney(reference: Float64Array, current: Float64Array): MethodResult {
  const n1 = reference.length;
  const n2 = current.length;
  let before = 0;
  let rankSum = 0;
  let tieTerm = 0;
  const walk = new DistinctWalk(reference, current);
  while (walk.next()) {
    const t = walk.inA + walk.inB;
    rankSum += walk.inA * (before + (t + 1) / 2);
    tieTerm += t * t * t - t;
    before += t;
  }
  const u1 = rankSum - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  // SciPy's 'auto': exact only for a small sample without ties.
  const exact = Math.min(n1, n2) <= 8 && tieTerm === 0;
  const p = exact ? mannWhitneyExactSf(u, n1, n2) : mannWhitneyNormalSf(u, n1, n2, tieTerm);
  return { statistic: u1, pValue: clip01(2 * p) };
}

function mannWhitneyNormalSf(u: number, n1: number, n2: number, tieTerm: number): number {
  const n = n1 + n2;
  const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2 - 0.5) / s;
  return normalCdf(-z, 0, 1);
}

/**
 * P(U >= u) under the null: the counts of U are the coefficients of the Gaussian binomial
 * [n1+n2 choose small]_q = prod_i (1 - q^(big+i)) / (1 - q^i); by symmetry P(U >= u) = P(U <= n1 n2 - u),
 * so only the coefficients up to that degree are needed.
 */
function mannWhitneyExactSf(u: number, n1: number, n2: number): number {
  const small = Math.min(n1, n2);
  const big = Math.max(n1, n2);
  const top = n1 * n2 - Math.round(u);
  if (top < 0) return 0;
  const coef = new Float64Array(top + 1);
  coef[0] = 1;
  let total = 1;
  for (let i = 1; i <= small; i++) {
    for (let d = top; d >= big + i; d--) coef[d] -= coef[d - big - i];
    for (let d = i; d <= top; d++) coef[d] += coef[d - i];
    total = (total * (big + i)) / i;
  }
  let below = 0;
  for (let d = 0; d <= top; d++) below += coef[d];
  return below / total;
}

/** Anderson-Darling k-sample coefficients of Scholz & Stephens (1987) Table 2, as SciPy 1.10 has them. */
const AD_SIGNIFICANCE = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
const AD_CRITICAL = (() => {
  const b0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
  const b1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
  const b2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
  // Two samples: m = k - 1 = 1, so b0 + b1 / sqrt(m) + b2 / m.
  return b0.map((b, i) => b + b1[i] + b2[i]);
})();
const AD_FIT = quadraticFit(AD_CRITICAL, AD_SIGNIFICANCE.map(Math.log));

/** scipy.stats.anderson_ksamp([reference, current]) with midranks; the p-value is SciPy's interpolation, capped to [0.001, 0.25]. */
function anderson(reference: Float64Array, current: Float64Array): MethodResult {
  const n1 = reference.length;
  const n2 = current.length;
  const N = n1 + n2;
  // One value on both sides: SciPy refuses; nothing has drifted.
  if (
    reference[0] === reference[n1 - 1] &&
    current[0] === current[n2 - 1] &&
    reference[0] === current[0]
  )
    return { statistic: Number.NaN, pValue: 1 };
  let a2 = 0;
  let before = 0;
  let c1 = 0;
  let c2 = 0;
  const walk = new DistinctWalk(reference, current);
  while (walk.next()) {
    const lj = walk.inA + walk.inB;
    const bj = before + lj / 2;
    c1 += walk.inA;
    c2 += walk.inB;
    const denom = bj * (N - bj) - (N * lj) / 4;
    const m1 = c1 - walk.inA / 2;
    const m2 = c2 - walk.inB / 2;
    a2 += ((lj / N) * (N * m1 - bj * n1) ** 2) / denom / n1;
    a2 += ((lj / N) * (N * m2 - bj * n2) ** 2) / denom / n2;
    before += lj;
  }
  a2 *= (N - 1) / N;
  const statistic = (a2 - 1) / Math.sqrt(andersonVariance(n1, n2));
  return { statistic, pValue: andersonPValue(statistic) };
}

/** Variance of the A2 statistic under the null for k = 2 samples (Scholz & Stephens eq. 4). */
function andersonVariance(n1: number, n2: number): number {
  const N = n1 + n2;
  const k = 2;
  const H = 1 / n1 + 1 / n2;
  let cum = 0;
  let g = 0;
  // hs_cs[t] = sum of 1/(N-1) … 1/(N-1-t); g sums hs_cs[t] / (t + 2).
  for (let t = 0; t < N - 2; t++) {
    cum += 1 / (N - 1 - t);
    g += cum / (t + 2);
  }
  const h = cum + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  return (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
}

function andersonPValue(statistic: number): number {
  if (statistic < AD_CRITICAL[0]) return AD_SIGNIFICANCE[0];
  if (statistic > AD_CRITICAL[AD_CRITICAL.length - 1])
    return AD_SIGNIFICANCE[AD_SIGNIFICANCE.length - 1];
  const [c0, c1, c2] = AD_FIT;
  return Math.exp(c0 * statistic * statistic + c1 * statistic + c2);
}

/** Least-squares parabola through the points (numpy.polyfit(x, y, 2)): coefficients, highest power first. */
function quadraticFit(x: number[], y: number[]): [number, number, number] {
  // Normal equations on centred x keep the 3x3 system well conditioned.
  const xm = x.reduce((s, v) => s + v, 0) / x.length;
  const s = [0, 0, 0, 0, 0];
  const t = [0, 0, 0];
  x.forEach((xi, i) => {
    const u = xi - xm;
    for (let p = 0; p < 5; p++) s[p] += u ** p;
    for (let p = 0; p < 3; p++) t[p] += u ** p * y[i];
  });
  const [a0, a1, a2] = solve3(
    [
      [s[0], s[1], s[2]],
      [s[1], s[2], s[3]],
      [s[2], s[3], s[4]],
    ],
    t,
  );
  // y = a0 + a1 (x - xm) + a2 (x - xm)^2, expanded in powers of x.
  return [a2, a1 - 2 * a2 * xm, a0 - a1 * xm + a2 * xm * xm];
}

function solve3(a: number[][], b: number[]): [number, number, number] {
  const det = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(a);
  const column = (c: number) => a.map((row, r) => row.map((v, j) => (j === c ? b[r] : v)));
  return [det(column(0)) / d, det(column(1)) / d, det(column(2)) / d];
}

// ---------------------------------------------------------------------------------------
// Student's t.

/** scipy.stats.ttest_ind(reference, current): Evidently calls it with SciPy's default equal_var=True (pooled variance). */
function tTest(reference: Float64Array, current: Float64Array): MethodResult {
  const n1 = reference.length;
  const n2 = current.length;
  const m1 = mean(reference);
  const m2 = mean(current);
  const df = n1 + n2 - 2;
  const pooled = (sumSquaredDeviations(reference, m1) + sumSquaredDeviations(current, m2)) / df;
  const se = Math.sqrt(pooled * (1 / n1 + 1 / n2));
  if (!(se > 0))
    return m1 === m2
      ? { statistic: 0, pValue: 1 }
      : { statistic: Math.sign(m1 - m2) * Infinity, pValue: 0 };
  const t = (m1 - m2) / se;
  return { statistic: t, pValue: clip01(2 * tCdf(-Math.abs(t), df)) };
}

// ---------------------------------------------------------------------------------------
// Categorical tests.

function presentCategories(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): [number[], number[]] {
  const ref: number[] = [];
  const cur: number[] = [];
  for (let i = 0; i < reference.length; i++) {
    if (reference[i] > 0 || current[i] > 0) {
      ref.push(reference[i]);
      cur.push(current[i]);
    }
  }
  return [ref, cur];
}

function total(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}

/**
 * Evidently's chi-square: current counts against reference counts scaled to the current
 * total (scipy.stats.chisquare(f_obs=cur, f_exp=ref * n_cur / n_ref)). A category the
 * reference never saw makes the statistic infinite and the p-value 0, as in SciPy.
 */
function chiSquare(ref: number[], cur: number[]): MethodResult {
  const scale = total(cur) / total(ref);
  let statistic = 0;
  for (let i = 0; i < ref.length; i++) {
    const expected = ref[i] * scale;
    statistic += (cur[i] - expected) ** 2 / expected;
  }
  // One category: nothing can differ (SciPy has no degrees of freedom left and gives NaN).
  if (ref.length < 2) return { statistic: 0, pValue: 1 };
  const pValue =
    statistic === Infinity ? 0 : gammainc(statistic / 2, (ref.length - 1) / 2, true, true);
  return { statistic, pValue };
}

/**
 * Evidently's z_stat_test: two-proportion z-test of "any category but the first" (Evidently
 * takes the first in sorted order; the caller orders the categories). The p-value is
 * 2 * Phi(-|z|), which equals Evidently's 2 * (1 - Phi(|z|)) without its cancellation below 1e-16.
 */
function zTest(ref: number[], cur: number[]): MethodResult {
  const n1 = total(ref);
  const n2 = total(cur);
  const p1 = (n1 - ref[0]) / n1;
  const p2 = (n2 - cur[0]) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  // Both sides hold the same single category: Evidently answers p = 1.
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: clip01(2 * normalCdf(-Math.abs(z), 0, 1)) };
}

// ---------------------------------------------------------------------------------------
// Binned divergences (Evidently's get_binned_data).

type Shares = [Float64Array, Float64Array];

function shares(ref: ArrayLike<number>, cur: ArrayLike<number>): Shares {
  const n1 = total(ref);
  const n2 = total(cur);
  return [Float64Array.from(ref, (c) => c / n1), Float64Array.from(cur, (c) => c / n2)];
}

/**
 * Evidently bins numeric data with Sturges edges over both samples when the reference has
 * more than 20 distinct values; otherwise every distinct value is its own category.
 */
function evidentlyBins(reference: Float64Array, current: Float64Array): Shares {
  if (countDistinct(reference) <= 20) return valueShares(reference, current);
  const edges = sturgesEdges(reference, current);
  return shares(binCounts(reference, edges), binCounts(current, edges));
}

function valueShares(reference: Float64Array, current: Float64Array): Shares {
  const ref: number[] = [];
  const cur: number[] = [];
  const walk = new DistinctWalk(reference, current);
  while (walk.next()) {
    ref.push(walk.inA);
    cur.push(walk.inB);
  }
  return shares(ref, cur);
}

/** Evidently's floor for empty bins: 0.0001, or a millionth of the smallest share when that is smaller. */
function floored([ref, cur]: Shares): Shares {
  return [floorZeros(ref), floorZeros(cur)];
}

function floorZeros(p: Float64Array): Float64Array {
  let smallest = Infinity;
  for (const v of p) if (v !== 0 && v < smallest) smallest = v;
  const floor = smallest <= 0.0001 ? smallest / 10 ** 6 : 0.0001;
  return p.map((v) => (v === 0 ? floor : v));
}

function psi(ref: Float64Array, cur: Float64Array): number {
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += (ref[i] - cur[i]) * Math.log(ref[i] / cur[i]);
  return s;
}

/** scipy.stats.entropy(ref, cur): both normalised to sum 1 (the floors make them sum above 1). */
function kl(ref: Float64Array, cur: Float64Array): number {
  const sr = total(ref);
  const sc = total(cur);
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += relEntr(ref[i] / sr, cur[i] / sc);
  return s;
}

/** scipy.spatial.distance.jensenshannon(ref, cur), natural log, as Evidently's default base. */
function jensenShannon(ref: Float64Array, cur: Float64Array): number {
  const sr = total(ref);
  const sc = total(cur);
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    const p = ref[i] / sr;
    const q = cur[i] / sc;
    const mid = (p + q) / 2;
    s += relEntr(p, mid) + relEntr(q, mid);
  }
  return Math.sqrt(s / 2);
}

function relEntr(p: number, q: number): number {
  if (p === 0) return 0;
  return p * Math.log(p / q);
}

/** sqrt(1 - Bhattacharyya coefficient), clipped like Evidently. */
function hellinger(ref: Float64Array, cur: Float64Array): number {
  let bc = 0;
  for (let i = 0; i < ref.length; i++) bc += Math.sqrt(ref[i] * cur[i]);
  return Math.sqrt(1 - clip01(bc));
}

/**
 * Evidently's numeric Hellinger: Sturges edges over the distinct values of both samples (so
 * the number of bins follows the number of distinct values), densities per bin times the
 * mean bin width.
 */
function hellingerNumeric(reference: Float64Array, current: Float64Array): number {
  let distinct = 0;
  for (const walk = new DistinctWalk(reference, current); walk.next();) distinct++;
  const edges = sturgesFor(
    distinct,
    Math.min(reference[0], current[0]),
    Math.max(reference[reference.length - 1], current[current.length - 1]),
  );
  const c1 = binCounts(reference, edges);
  const c2 = binCounts(current, edges);
  const k = edges.length - 1;
  const width = (edges[k] - edges[0]) / k;
  let bc = 0;
  for (let i = 0; i < k; i++) {
    const binWidth = edges[i + 1] - edges[i];
    bc +=
      Math.sqrt((c1[i] / reference.length / binWidth) * (c2[i] / current.length / binWidth)) *
      width;
  }
  return Math.sqrt(1 - clip01(bc));
}

/** numpy.histogram_bin_edges(data, 'sturges') for `count` values spanning [lo, hi]. */
/** numpy's Sturges edges for `count` values spanning [lo, hi]. */
export function sturgesFor(count: number, lo: number, hi: number): Float64Array {
  const range = hi - lo;
  const width = range / (Math.log2(count) + 1);
  const bins = width ? Math.ceil(range / width) : 1;
  const first = lo === hi ? lo - 0.5 : lo;
  const last = lo === hi ? hi + 0.5 : hi;
  // numpy.linspace: i * step + start, with the last edge exactly `last`.
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}
