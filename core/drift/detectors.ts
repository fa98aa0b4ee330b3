/**
 * Concept-drift detectors for streams: feed one value at a time (a model's error, a loss, a
 * feature) and each update says whether the stream has just changed.
 *
 * They follow river (the Python online-learning library) with river's defaults, so a result
 * here can be checked against river's documentation: ADWIN, DDM, Page-Hinkley and KSWIN
 * reproduce the indices river's documented examples print (see
 * test/fixtures/river/make_streams.py). Like river's, a detector that reports a drift starts
 * afresh on the next value: what it learnt about the old concept no longer applies.
 *
 * Written from river's algorithms (river/drift/adwin_c.pyx, binary/ddm.py, page_hinkley.py,
 * kswin.py); where river has a quirk that changes results, we keep it and say so, because
 * matching river's detections is the point.
 */
import type { DetectorState, DriftDetector } from '../common/drift-types';

export type { DetectorState, DriftDetector };

export interface AdwinOptions {
  /** Significance of the cut test: smaller means fewer false alarms and later detections. */
  delta: number;
  /** Check for a cut every this many values (checking is the costly part). */
  clock: number;
  /** Buckets of each size kept before two are merged into one of twice the size. */
  maxBuckets: number;
  /** Shortest sub-window on either side of a cut. */
  minWindowLength: number;
  /** No check before the window holds more than this many values. */
  gracePeriod: number;
}

export interface DdmOptions {
  /** Values seen before drift can be detected. */
  warmStart: number;
  /** Standard deviations above the best error rate that mean "warning" (2 ≈ 95%). */
  warningThreshold: number;
  /** Standard deviations above the best error rate that mean "drift" (3 ≈ 99%). */
  driftThreshold: number;
}

export type PageHinkleyMode = 'up' | 'down' | 'both';

export interface PageHinkleyOptions {
  /** Values seen before drift can be detected. */
  minInstances: number;
  /** Tolerated change of the mean per value (the test's slack). */
  delta: number;
  /** The test's lambda: cumulative deviation that means drift. */
  threshold: number;
  /** Forgetting factor of the cumulative sums (1 keeps everything). */
  alpha: number;
  /** Watch for increases of the mean, decreases, or both. */
  mode: PageHinkleyMode;
}

export interface KswinOptions {
  /** p-value bound of the KS test: keep it small (river advises < 0.01), the test runs at every value. */
  alpha: number;
  /** Values kept in the sliding window. */
  windowSize: number;
  /** The newest `statSize` values are compared with as many drawn from the older part of the window. */
  statSize: number;
  /** Seed of the draws (river's `seed`); without one, every detector draws differently, like river's `seed=None`. */
  seed?: number;
}

/** river's defaults, per detector. */
export const DETECTOR_DEFAULTS: {
  readonly adwin: Readonly<AdwinOptions>;
  readonly ddm: Readonly<DdmOptions>;
  readonly pageHinkley: Readonly<PageHinkleyOptions>;
  readonly kswin: Readonly<KswinOptions>;
} = Object.freeze({
  adwin: Object.freeze({
    delta: 0.002,
    clock: 32,
    maxBuckets: 5,
    minWindowLength: 5,
    gracePeriod: 10,
  }),
  ddm: Object.freeze({ warmStart: 30, warningThreshold: 2.0, driftThreshold: 3.0 }),
  pageHinkley: Object.freeze({
    minInstances: 30,
    delta: 0.005,
    threshold: 50.0,
    alpha: 1 - 0.0001,
    mode: 'both',
  }),
  kswin: Object.freeze({ alpha: 0.005, windowSize: 100, statSize: 30 }),
});

// ---------------------------------------------------------------------------------------
// Option checks: a typo'd option or a NaN threshold would silently give a detector that
// never (or always) fires, so refuse them with the option's name.

function checkOptions(
  detector: string,
  given: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (given === undefined) return {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${detector}: options must be an object such as { ${known[0]}: … }`);
  }
  for (const key of Object.keys(given)) {
    if (!known.includes(key))
      throw new TypeError(`${detector}: unknown option "${key}" (known: ${known.join(', ')})`);
  }
  return given as Record<string, unknown>;
}

function numberOption(
  detector: string,
  name: string,
  value: unknown,
  fallback: number,
  test: (v: number) => boolean,
  what: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) {
    throw new RangeError(
      `${detector}: ${name} must be ${what}, got ${typeof value === 'number' ? value : (JSON.stringify(value) ?? typeof value)}`,
    );
  }
  return value;
}

const positive = (v: number) => v > 0;
const positiveInteger = (v: number) => Number.isSafeInteger(v) && v > 0;
const nonNegativeInteger = (v: number) => Number.isSafeInteger(v) && v >= 0;
const probability = (v: number) => v > 0 && v < 1;

// ---------------------------------------------------------------------------------------

/**
 * What every detector shares: input checks, the count, the detection log, and river's
 * "start afresh after a drift" (done at the next value, as river does, so the state that
 * led to the drift can still be inspected right after it).
 */
abstract class BaseDetector implements DriftDetector {
  abstract readonly name: DriftDetector['name'];
  private seen = 0;
  private readonly found: number[] = [];
  private driftPending = false;

  get count(): number {
    return this.seen;
  }

  get detections(): readonly number[] {
    return this.found;
  }

  update(x: number): DetectorState {
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      const shown =
        typeof x === 'number' ? String(x) : `${typeof x} ${JSON.stringify(x) ?? ''}`.trim();
      throw new TypeError(
        `${this.name}: update(x) needs a finite number, got ${shown} (value ${this.seen}); drop missing values before feeding the detector`,
      );
    }
    this.checkValue(x);
    if (this.driftPending) {
      this.clear();
      this.driftPending = false;
    }
    const state = this.step(x);
    if (state.drift) {
      this.found.push(this.seen);
      this.driftPending = true;
    }
    this.seen += 1;
    return state;
  }

  /** Forgets everything, values seen and detections included: the detector is as new. */
  reset(): void {
    this.clear();
    this.seen = 0;
    this.found.length = 0;
    this.driftPending = false;
  }

  /** Refuses a value the detector cannot take (DDM: only 0 or 1). */
  protected checkValue(_x: number): void {}
  /** Back to the state of a new detector (keeping options). */
  protected abstract clear(): void;
  /** One value. */
  protected abstract step(x: number): DetectorState;
}

// ---------------------------------------------------------------------------------------
// ADWIN (Bifet & Gavaldà 2007, the ADWIN2 variant with exponential buckets).
//
// The window is summarised by rows of buckets: row i holds buckets of 2^i values each
// (total and variance per bucket), oldest first within a row; row 0 holds the newest values.
// When a row holds maxBuckets + 1 buckets, its two oldest merge into one bucket of the next
// row. So a window of W values needs O(log W) buckets, and the cut test walks the buckets
// from the oldest, comparing the mean of the older part W0 with the newer part W1.

class BucketRow {
  /** Totals and variances of the buckets, oldest first; only the first `size` are in use. */
  readonly totals: Float64Array;
  readonly variances: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.totals = new Float64Array(capacity);
    this.variances = new Float64Array(capacity);
  }

  push(total: number, variance: number): void {
    this.totals[this.size] = total;
    this.variances[this.size] = variance;
    this.size += 1;
  }

  /** Drops the `n` oldest buckets. */
  shift(n: number): void {
    this.totals.copyWithin(0, n);
    this.variances.copyWithin(0, n);
    this.totals.fill(0, this.totals.length - n);
    this.variances.fill(0, this.variances.length - n);
    this.size -= n;
  }
}

class Adwin extends BaseDetector {
  readonly name = 'adwin' as const;
  private rows: BucketRow[] = [];
  private total = 0;
  /** Sum of squared deviations from the mean (n × variance), as river keeps it. */
  private variance = 0;
  private width = 0;
  private tick = 0;

  constructor(readonly options: Readonly<AdwinOptions>) {
    super();
    this.clear();
  }

  /** Values in the current window. */
  get windowWidth(): number {
    return this.width;
  }

  /** Mean of the current window. */
  get estimation(): number {
    return this.width === 0 ? 0 : this.total / this.width;
  }

  protected clear(): void {
    this.rows = [new BucketRow(this.options.maxBuckets + 1)];
    this.total = 0;
    this.variance = 0;
    this.width = 0;
    this.tick = 0;
  }

  protected step(x: number): DetectorState {
    this.insert(x);
    return { drift: this.detect(), warning: false };
  }

  private insert(x: number): void {
    this.rows[0].push(x, 0);
    this.width += 1;
    // Welford-style update of the sum of squares with the mean before x.
    if (this.width > 1) {
      const before = this.total / (this.width - 1);
      this.variance += ((this.width - 1) * (x - before) * (x - before)) / this.width;
    }
    this.total += x;
    this.compress();
  }

  /** Merges the two oldest buckets of a full row into the next row, cascading as needed. */
  private compress(): void {
    const max = this.options.maxBuckets;
    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      if (row.size !== max + 1) break;
      if (i + 1 === this.rows.length) this.rows.push(new BucketRow(max + 1));
      const next = this.rows[i + 1];
      const n = 2 ** i;
      const mean0 = row.totals[0] / n;
      const mean1 = row.totals[1] / n;
      // Chan et al.'s formula for the combined sum of squares of two equal-size groups.
      const between = (n * n * (mean0 - mean1) * (mean0 - mean1)) / (n + n);
      next.push(row.totals[0] + row.totals[1], row.variances[0] + row.variances[1] + between);
      row.shift(2);
      if (next.size <= max) break;
    }
  }

  /** Drops the oldest bucket; returns how many values it held. */
  private dropOldest(): number {
    const last = this.rows.length - 1;
    const row = this.rows[last];
    const n = 2 ** last;
    const total = row.totals[0];
    const mean = total / n;
    this.width -= n;
    this.total -= total;
    const windowMean = this.total / this.width;
    this.variance -=
      row.variances[0] +
      (n * this.width * (mean - windowMean) * (mean - windowMean)) / (n + this.width);
    row.shift(1);
    if (row.size === 0) this.rows.pop();
    return n;
  }

  private detect(): boolean {
    const { clock, gracePeriod, minWindowLength } = this.options;
    let changed = false;
    this.tick += 1;
    if (this.tick % clock !== 0 || this.width <= gracePeriod) return false;
    // After a cut, the oldest bucket is dropped and the whole window is tested again, until
    // no cut holds: one detection may shrink the window by many buckets.
    let again = true;
    while (again) {
      again = false;
      let n0 = 0;
      let n1 = this.width;
      let u0 = 0;
      let u1 = this.total;
      let done = false;
      for (let i = this.rows.length - 1; i >= 0 && !done; i--) {
        const row = this.rows[i];
        const n2 = 2 ** i;
        // river's quirk, kept for identical results: the newest bucket of each row is never
        // taken as a cut point (its loop stops one bucket short).
        for (let k = 0; k < row.size - 1; k++) {
          n0 += n2;
          n1 -= n2;
          u0 += row.totals[k];
          u1 -= row.totals[k];
          if (
            n1 >= minWindowLength &&
            n0 >= minWindowLength &&
            this.cutHolds(n0, n1, u0 / n0 - u1 / n1)
          ) {
            changed = true;
            again = true;
            if (this.width > 0) this.dropOldest();
            done = true;
            break;
          }
        }
      }
    }
    return changed;
  }

  /** The ADWIN bound: the means differ by more than chance allows at significance delta. */
  private cutHolds(n0: number, n1: number, meanDifference: number): boolean {
    const { delta, minWindowLength } = this.options;
    const deltaPrime = Math.log((2 * Math.log(this.width)) / delta);
    const mRecip = 1 / (n0 - minWindowLength + 1) + 1 / (n1 - minWindowLength + 1);
    const epsilon =
      Math.sqrt(2 * mRecip * (this.variance / this.width) * deltaPrime) +
      (2 / 3) * deltaPrime * mRecip;
    return Math.abs(meanDifference) > epsilon;
  }
}

// ---------------------------------------------------------------------------------------
// DDM (Gama et al. 2004): on a stream of 0/1 errors, the error rate p and its binomial
// standard deviation s should only fall while the concept holds; p + s rising well above
// its lowest point means the concept changed.

class Ddm extends BaseDetector {
  readonly name = 'ddm' as const;
  private n = 0;
  private p = 0;
  private pMin = Infinity;
  private sMin = Infinity;
  private psMin = Infinity;
  private warning = false;

  constructor(readonly options: Readonly<DdmOptions>) {
    super();
  }

  protected override checkValue(x: number): void {
    if (x !== 0 && x !== 1)
      throw new RangeError(
        `ddm: values must be 0 (correct prediction) or 1 (error), got ${x} (value ${this.count})`,
      );
  }

  protected clear(): void {
    this.n = 0;
    this.p = 0;
    this.pMin = Infinity;
    this.sMin = Infinity;
    this.psMin = Infinity;
    this.warning = false;
  }

  protected step(x: number): DetectorState {
    const { warmStart, warningThreshold, driftThreshold } = this.options;
    // Running mean in river's order of operations (stats.Mean), so ties break the same way.
    this.n += 1;
    this.p += (x - this.p) / this.n;
    const s = Math.sqrt((this.p * (1 - this.p)) / this.n);
    let drift = false;
    if (this.n > warmStart) {
      if (this.p + s <= this.psMin) {
        this.pMin = this.p;
        this.sMin = s;
        this.psMin = this.pMin + this.sMin;
      }
      this.warning = this.p + s > this.pMin + warningThreshold * this.sMin;
      if (this.p + s > this.pMin + driftThreshold * this.sMin) {
        drift = true;
        this.warning = false;
      }
    }
    return { drift, warning: this.warning };
  }
}

// ---------------------------------------------------------------------------------------
// Page-Hinkley (Page 1954): cumulative sums of each value's deviation from the running mean,
// minus (or plus) a tolerance delta, with a forgetting factor alpha. A sum that climbs more
// than `threshold` above its lowest point means the mean went up; the mirror sum catches it
// going down.

class PageHinkley extends BaseDetector {
  readonly name = 'page-hinkley' as const;
  private n = 0;
  private mean = 0;
  private sumUp = 0;
  private sumDown = 0;
  private minUp = Infinity;
  private maxDown = -1;

  constructor(readonly options: Readonly<PageHinkleyOptions>) {
    super();
    this.clear();
  }

  protected clear(): void {
    this.n = 0;
    this.mean = 0;
    this.sumUp = 0;
    this.sumDown = 0;
    this.minUp = Infinity;
    // river starts the running maximum at -1, not -Infinity; kept, since it decides when the
    // "down" test can first fire.
    this.maxDown = -1;
  }

  protected step(x: number): DetectorState {
    const { minInstances, delta, threshold, alpha, mode } = this.options;
    this.n += 1;
    this.mean += (x - this.mean) / this.n;
    const deviation = x - this.mean;
    this.sumUp = alpha * this.sumUp + deviation - delta;
    this.sumDown = alpha * this.sumDown + deviation + delta;
    if (this.sumUp < this.minUp) this.minUp = this.sumUp;
    if (this.sumDown > this.maxDown) this.maxDown = this.sumDown;
    if (this.n < minInstances) return { drift: false, warning: false };
    const up = this.sumUp - this.minUp > threshold;
    const down = this.maxDown - this.sumDown > threshold;
    const drift = mode === 'up' ? up : mode === 'down' ? down : up || down;
    return { drift, warning: false };
  }
}

// ---------------------------------------------------------------------------------------
// KSWIN (Raab et al. 2020): a sliding window of the last `windowSize` values; its newest
// `statSize` values are compared by a two-sample Kolmogorov-Smirnov test with as many values
// drawn at random from the older part. Drift when p <= alpha and the KS statistic > 0.1.
//
// river draws with Python's `random.Random(seed).sample`; the Mersenne Twister and `sample`
// below follow CPython's, so with the same seed the same values are drawn and river's
// detections are reproduced exactly, not just approximately.

/** @internal MT19937 seeded like CPython's `random.Random(int)` (init_by_array over the seed's 32-bit words); exported for tests. */
export class PythonRandom {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    let rest = Math.abs(Math.trunc(seed));
    const key: number[] = [];
    do {
      key.push(rest % 0x100000000);
      rest = Math.floor(rest / 0x100000000);
    } while (rest > 0);
    this.initGenrand(19650218);
    const mt = this.mt;
    let i = 1;
    let j = 0;
    for (let k = Math.max(624, key.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + key[j] + j) >>> 0;
      i += 1;
      j += 1;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = 623; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i += 1;
      if (i >= 624) {
        mt[0] = mt[623];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(prev, 1812433253) + i) >>> 0;
    }
    this.index = 624;
  }

  private next32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** CPython's `_randbelow`: rejection sampling on the fewest bits that cover n (n < 2^32). */
  private below(n: number): number {
    const bits = 32 - Math.clz32(n);
    let r = this.next32() >>> (32 - bits);
    while (r >= n) r = this.next32() >>> (32 - bits);
    return r;
  }

  /** CPython's `sample(range(n), k)`: a partial shuffle of a pool, or a set of draws when n is large. */
  sampleRange(n: number, k: number): number[] {
    const result = new Array<number>(k);
    let setSize = 21;
    if (k > 5) setSize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setSize) {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = this.below(n - i);
        result[i] = pool[j];
        pool[j] = pool[n - i - 1];
      }
    } else {
      const chosen = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.below(n);
        while (chosen.has(j)) j = this.below(n);
        chosen.add(j);
        result[i] = j;
      }
    }
    return result;
  }
}

/**
 * Two-sample KS test on two samples of the same size n, as SciPy's `ks_2samp(method="auto")`
 * does it for samples this small: the exact distribution of D (the probability that a lattice
 * path leaves the band of half-width h = n·D), summed Horner-style to avoid cancellation.
 * The report's general KS (methods.ts, any sizes) gives the same numbers, but KSWIN tests at
 * every value and `lab.detectors` is loaded with the SDK, where the report's statistics
 * library would add most of a second; this equal-size case needs none of it.
 */
export function ksEqualSizes(
  a: readonly number[],
  b: readonly number[],
): { statistic: number; pValue: number } {
  const n = a.length;
  if (n === 0 || b.length !== n)
    throw new RangeError(
      `ksEqualSizes: needs two non-empty samples of the same size, got ${a.length} and ${b.length}`,
    );
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  // D × n as an integer: the largest gap between the counts of values <= v on each side.
  let i = 0;
  let j = 0;
  let h = 0;
  while (i < n || j < n) {
    const v = j >= n || (i < n && x[i] <= y[j]) ? x[i] : y[j];
    while (i < n && x[i] <= v) i++;
    while (j < n && y[j] <= v) j++;
    h = Math.max(h, Math.abs(i - j));
  }
  if (h === 0) return { statistic: 0, pValue: 1 };
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let m = 0; m < h; m++) term = ((n - k * h - m) * term) / (n + k * h + m + 1);
    p = term * (1 - p);
  }
  return { statistic: h / n, pValue: Math.min(1, Math.max(0, 2 * p)) };
}

class Kswin extends BaseDetector {
  readonly name = 'kswin' as const;
  private window: number[] = [];
  private random: PythonRandom;
  private readonly seed: number;
  /** p-value of the last test (0 before the window is full, as in river). */
  pValue = 0;

  constructor(readonly options: Readonly<KswinOptions>) {
    super();
    // river's seed=None draws fresh entropy; an unseeded detector here does the same.
    this.seed = options.seed ?? Math.floor(Math.random() * 0x100000000);
    this.random = new PythonRandom(this.seed);
  }

  protected clear(): void {
    this.window = [];
    this.pValue = 0;
    this.random = new PythonRandom(this.seed);
  }

  protected step(x: number): DetectorState {
    const { windowSize, statSize, alpha } = this.options;
    this.window.push(x);
    if (this.window.length > windowSize) this.window.shift();
    if (this.window.length < windowSize) return { drift: false, warning: false };
    const drawn = this.random
      .sampleRange(windowSize - statSize, statSize)
      .map((r) => this.window[r]);
    const recent = this.window.slice(windowSize - statSize);
    const { statistic, pValue } = ksEqualSizes(drawn, recent);
    this.pValue = pValue;
    return { drift: pValue <= alpha && statistic > 0.1, warning: false };
  }
}

// ---------------------------------------------------------------------------------------

/** ADWIN: adaptive window, for any numeric stream (errors, losses, a feature's values). */
export function adwin(options?: Partial<AdwinOptions>): DriftDetector & {
  readonly options: Readonly<AdwinOptions>;
  readonly windowWidth: number;
  readonly estimation: number;
} {
  const o = checkOptions('adwin', options, [
    'delta',
    'clock',
    'maxBuckets',
    'minWindowLength',
    'gracePeriod',
  ]);
  const d = DETECTOR_DEFAULTS.adwin;
  return new Adwin(
    Object.freeze({
      delta: numberOption(
        'adwin',
        'delta',
        o.delta,
        d.delta,
        probability,
        'a number between 0 and 1 (exclusive)',
      ),
      clock: numberOption(
        'adwin',
        'clock',
        o.clock,
        d.clock,
        positiveInteger,
        'a positive integer',
      ),
      maxBuckets: numberOption(
        'adwin',
        'maxBuckets',
        o.maxBuckets,
        d.maxBuckets,
        (v) => Number.isSafeInteger(v) && v >= 2,
        'an integer >= 2',
      ),
      minWindowLength: numberOption(
        'adwin',
        'minWindowLength',
        o.minWindowLength,
        d.minWindowLength,
        positiveInteger,
        'a positive integer',
      ),
      gracePeriod: numberOption(
        'adwin',
        'gracePeriod',
        o.gracePeriod,
        d.gracePeriod,
        nonNegativeInteger,
        'a non-negative integer',
      ),
    }),
  );
}

/** DDM: on a stream of 0 (correct) / 1 (error), with a warning zone before drift. */
export function ddm(
  options?: Partial<DdmOptions>,
): DriftDetector & { readonly options: Readonly<DdmOptions> } {
  const o = checkOptions('ddm', options, ['warmStart', 'warningThreshold', 'driftThreshold']);
  const d = DETECTOR_DEFAULTS.ddm;
  const warningThreshold = numberOption(
    'ddm',
    'warningThreshold',
    o.warningThreshold,
    d.warningThreshold,
    positive,
    'a positive number',
  );
  const driftThreshold = numberOption(
    'ddm',
    'driftThreshold',
    o.driftThreshold,
    d.driftThreshold,
    positive,
    'a positive number',
  );
  if (driftThreshold < warningThreshold)
    throw new RangeError(
      `ddm: driftThreshold (${driftThreshold}) must be at least warningThreshold (${warningThreshold})`,
    );
  return new Ddm(
    Object.freeze({
      warmStart: numberOption(
        'ddm',
        'warmStart',
        o.warmStart,
        d.warmStart,
        nonNegativeInteger,
        'a non-negative integer',
      ),
      warningThreshold,
      driftThreshold,
    }),
  );
}

/** Page-Hinkley: a shift of the mean of a numeric stream, up, down or both. */
export function pageHinkley(
  options?: Partial<PageHinkleyOptions>,
): DriftDetector & { readonly options: Readonly<PageHinkleyOptions> } {
  const o = checkOptions('page-hinkley', options, [
    'minInstances',
    'delta',
    'threshold',
    'alpha',
    'mode',
  ]);
  const d = DETECTOR_DEFAULTS.pageHinkley;
  const mode = o.mode ?? d.mode;
  if (mode !== 'up' && mode !== 'down' && mode !== 'both')
    throw new RangeError(
      `page-hinkley: mode must be "up", "down" or "both", got ${JSON.stringify(mode)}`,
    );
  return new PageHinkley(
    Object.freeze({
      minInstances: numberOption(
        'page-hinkley',
        'minInstances',
        o.minInstances,
        d.minInstances,
        nonNegativeInteger,
        'a non-negative integer',
      ),
      delta: numberOption(
        'page-hinkley',
        'delta',
        o.delta,
        d.delta,
        (v) => v >= 0,
        'a non-negative number',
      ),
      threshold: numberOption(
        'page-hinkley',
        'threshold',
        o.threshold,
        d.threshold,
        positive,
        'a positive number',
      ),
      alpha: numberOption(
        'page-hinkley',
        'alpha',
        o.alpha,
        d.alpha,
        (v) => v > 0 && v <= 1,
        'a number in (0, 1]',
      ),
      mode,
    }),
  );
}

/** KSWIN: a change of the distribution (not only the mean) of a numeric stream. */
export function kswin(
  options?: Partial<KswinOptions>,
): DriftDetector & { readonly options: Readonly<KswinOptions>; readonly pValue: number } {
  const o = checkOptions('kswin', options, ['alpha', 'windowSize', 'statSize', 'seed']);
  const d = DETECTOR_DEFAULTS.kswin;
  const windowSize = numberOption(
    'kswin',
    'windowSize',
    o.windowSize,
    d.windowSize,
    positiveInteger,
    'a positive integer',
  );
  const statSize = numberOption(
    'kswin',
    'statSize',
    o.statSize,
    d.statSize,
    positiveInteger,
    'a positive integer',
  );
  // Values are drawn without replacement from the older windowSize - statSize values.
  if (statSize * 2 > windowSize)
    throw new RangeError(
      `kswin: statSize (${statSize}) must be at most half of windowSize (${windowSize})`,
    );
  const seed =
    o.seed === undefined
      ? undefined
      : numberOption('kswin', 'seed', o.seed, 0, (v) => Number.isSafeInteger(v), 'an integer');
  return new Kswin(
    Object.freeze({
      alpha: numberOption(
        'kswin',
        'alpha',
        o.alpha,
        d.alpha,
        probability,
        'a number between 0 and 1 (exclusive)',
      ),
      windowSize,
      statSize,
      ...(seed === undefined ? {} : { seed }),
    }),
  );
}
