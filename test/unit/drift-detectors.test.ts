/**
 * Concept-drift detectors (core/drift/detectors.ts) against river's documented examples.
 * The streams are generated with Python's `random` exactly as river's docs do
 * (test/fixtures/river/make_streams.py), so the detections must land at the indices river
 * prints: ADWIN 1023, Page-Hinkley 1006, KSWIN 1016 (alpha 0.0001, seed 42), DDM warning
 * 1084, drift 1334, warning 1492. KSWIN's random draws use a port of CPython's Mersenne
 * Twister and `random.sample` (river draws with `random.Random(seed)`), checked against
 * CPython's own draws.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  adwin,
  ddm,
  DETECTOR_DEFAULTS,
  ksEqualSizes,
  kswin,
  pageHinkley,
  PythonRandom,
  type DriftDetector,
} from '../../core/drift/detectors';
import { numericDrift } from '../../core/drift/methods';

const root = path.join(__dirname, '..', '..', '..');

interface Example {
  doc: string;
  options: Record<string, unknown>;
  stream: number[];
  drifts: number[];
  printed?: [string, number][];
}
interface Fixtures {
  adwin: Example;
  pageHinkley: Example;
  kswin: Example;
  ddm: Example;
  stationary: { seed: number; stream: number[] };
  pythonSample: { seed: number; n: number; k: number; draws: number[][] }[];
  ks2samp: { a: number[]; b: number[]; statistic: number; pvalue: number }[];
}

const fixtures = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'river', 'streams.json'), 'utf8'),
) as Fixtures;

function feed(detector: DriftDetector, stream: readonly number[]): number[] {
  const drifts: number[] = [];
  stream.forEach((x, i) => {
    if (detector.update(x).drift) drifts.push(i);
  });
  return drifts;
}

/** How far each detection is from river's (for the tolerance checks, and the report). */
function within(actual: number[], expected: number[], tolerance: number): boolean {
  return (
    actual.length === expected.length &&
    actual.every((a, i) => Math.abs(a - expected[i]) <= tolerance)
  );
}

describe('drift detectors (river)', () => {
  it("keeps river's defaults", () => {
    assert.deepEqual(
      { ...DETECTOR_DEFAULTS.adwin },
      { delta: 0.002, clock: 32, maxBuckets: 5, minWindowLength: 5, gracePeriod: 10 },
    );
    assert.deepEqual(
      { ...DETECTOR_DEFAULTS.ddm },
      { warmStart: 30, warningThreshold: 2, driftThreshold: 3 },
    );
    assert.deepEqual(
      { ...DETECTOR_DEFAULTS.pageHinkley },
      { minInstances: 30, delta: 0.005, threshold: 50, alpha: 1 - 0.0001, mode: 'both' },
    );
    assert.deepEqual(
      { ...DETECTOR_DEFAULTS.kswin },
      { alpha: 0.005, windowSize: 100, statSize: 30 },
    );
    assert.deepEqual(adwin().options, DETECTOR_DEFAULTS.adwin);
  });

  it("ADWIN detects the change of river's example at index 1023", () => {
    const ex = fixtures.adwin;
    const detector = adwin();
    const drifts = feed(detector, ex.stream);
    assert.ok(within(drifts, ex.drifts, 5), `got ${drifts}, river ${ex.drifts}`);
    assert.deepEqual(drifts, ex.drifts, 'exact match with river');
    assert.deepEqual(detector.detections, ex.drifts);
    assert.equal(detector.count, ex.stream.length);
    assert.equal(ex.stream[1023], 4, 'river prints "input value: 4"');
  });

  it("Page-Hinkley detects the change of river's example at index 1006", () => {
    const ex = fixtures.pageHinkley;
    const drifts = feed(pageHinkley(), ex.stream);
    assert.ok(within(drifts, ex.drifts, 5), `got ${drifts}, river ${ex.drifts}`);
    assert.deepEqual(drifts, ex.drifts, 'exact match with river');
    assert.equal(ex.stream[1006], 5, 'river prints "input value: 5"');
  });

  it('Page-Hinkley modes: "up" sees the rise, "down" does not', () => {
    const ex = fixtures.pageHinkley;
    assert.deepEqual(feed(pageHinkley({ mode: 'up' }), ex.stream), ex.drifts);
    assert.deepEqual(feed(pageHinkley({ mode: 'down' }), ex.stream), []);
    const falling = ex.stream.map((x) => -x);
    assert.deepEqual(feed(pageHinkley({ mode: 'down' }), falling), ex.drifts);
  });

  it("KSWIN (alpha 0.0001, seed 42) detects the change of river's example at index 1016", () => {
    const ex = fixtures.kswin;
    const drifts = feed(kswin(ex.options), ex.stream);
    // Draws follow CPython's random.Random(42).sample, so the match is exact; a tolerance
    // still says what matters if the draws ever differ.
    assert.ok(within(drifts, ex.drifts, 10), `got ${drifts}, river ${ex.drifts}`);
    assert.deepEqual(drifts, ex.drifts, 'exact match with river');
    assert.equal(ex.stream[1016], 6, 'river prints "input value: 6"');
  });

  it('KSWIN finds the same change whatever the seed, within a few values', () => {
    const ex = fixtures.kswin;
    for (const seed of [1, 2, 3, 4, 5, 1234]) {
      const drifts = feed(kswin({ alpha: 0.0001, seed }), ex.stream);
      assert.ok(drifts.length >= 1, `seed ${seed}: no drift`);
      assert.ok(
        drifts[0] >= 1000 && drifts[0] <= 1030,
        `seed ${seed}: first drift at ${drifts[0]}`,
      );
      assert.ok(
        drifts.every((i) => i >= 1000),
        `seed ${seed}: false drift before the change: ${drifts}`,
      );
    }
  });

  it("DDM reproduces river's warnings and drift on its binomial example", () => {
    const ex = fixtures.ddm;
    const detector = ddm();
    const printed: [string, number][] = [];
    let printWarning = true;
    ex.stream.forEach((x, i) => {
      const state = detector.update(x);
      // The doc prints the first warning, then the drift, then the first warning after it.
      if (state.warning && printWarning) {
        printed.push(['warning', i]);
        printWarning = false;
      }
      if (state.drift) {
        printed.push(['drift', i]);
        printWarning = true;
      }
    });
    assert.deepEqual(printed, ex.printed);
    assert.deepEqual(detector.detections, ex.drifts);
  });

  it("our port of CPython's random.sample draws what CPython draws", () => {
    for (const { seed, n, k, draws } of fixtures.pythonSample) {
      const random = new PythonRandom(seed);
      for (const expected of draws)
        assert.deepEqual(
          random.sampleRange(n, k),
          expected,
          `seed ${seed}, sample(range(${n}), ${k})`,
        );
    }
  });

  it("the KS test on equal sizes matches SciPy's ks_2samp (exact p-values, ties included)", () => {
    for (const { a, b, statistic, pvalue } of fixtures.ks2samp) {
      const r = ksEqualSizes(a, b);
      assert.equal(r.statistic, statistic);
      assert.ok(Math.abs(r.pValue - pvalue) <= 1e-12 * pvalue, `${r.pValue} vs SciPy ${pvalue}`);
    }
    const a = Array.from({ length: 30 }, (_, i) => i);
    assert.deepEqual(ksEqualSizes(a, a), { statistic: 0, pValue: 1 });
    // The report's general KS (any sizes) agrees; KSWIN keeps its own equal-size one because
    // loading the report's statistics costs most of a second on `import "labbook"`.
    for (const { a: x, b: y } of fixtures.ks2samp) {
      const general = numericDrift('ks', Float64Array.from(x).sort(), Float64Array.from(y).sort());
      const ours = ksEqualSizes(x, y);
      assert.equal(ours.statistic, general.statistic);
      assert.ok(Math.abs(ours.pValue - (general.pValue as number)) <= 1e-12 * ours.pValue);
    }
    assert.throws(() => ksEqualSizes(a, [1, 2]), /same size/);
  });

  it('raises no false drift on a long stationary stream (ADWIN, Page-Hinkley)', () => {
    const { stream } = fixtures.stationary;
    assert.equal(stream.length, 20000);
    assert.deepEqual(feed(adwin(), stream), []);
    assert.deepEqual(feed(pageHinkley(), stream), []);
    // Bits with a constant error rate: DDM neither.
    assert.deepEqual(
      feed(
        ddm(),
        stream.map((x) => (x < 0.3 ? 1 : 0)),
      ),
      [],
    );
  });

  it('starts afresh after a drift, like river', () => {
    // Two shifts: a detector that kept the old window would see the second one late or never.
    const stream = [...Array(500).fill(0), ...Array(500).fill(10), ...Array(500).fill(0)].map(
      (x, i) => x + (i % 2),
    );
    const drifts = feed(pageHinkley(), stream);
    assert.equal(drifts.length, 2, String(drifts));
    assert.ok(
      drifts[0] > 500 && drifts[0] < 520 && drifts[1] > 1000 && drifts[1] < 1040,
      String(drifts),
    );
  });

  it('reset() forgets everything: the same stream gives the same detections again', () => {
    for (const make of [
      () => adwin(),
      () => pageHinkley(),
      () => kswin({ alpha: 0.0001, seed: 42 }),
    ]) {
      const detector = make();
      const first = feed(detector, fixtures.adwin.stream);
      assert.ok(first.length > 0, detector.name);
      detector.reset();
      assert.equal(detector.count, 0);
      assert.deepEqual(detector.detections, []);
      assert.deepEqual(feed(detector, fixtures.adwin.stream), first, detector.name);
    }
    const d = ddm();
    feed(d, fixtures.ddm.stream);
    d.reset();
    assert.deepEqual(feed(d, fixtures.ddm.stream), fixtures.ddm.drifts);
  });

  it('refuses NaN and other non-numbers, naming the detector', () => {
    for (const detector of [adwin(), ddm(), pageHinkley(), kswin({ seed: 1 })]) {
      assert.throws(
        () => detector.update(Number.NaN),
        (e: Error) =>
          e instanceof TypeError &&
          e.message.startsWith(`${detector.name}:`) &&
          /NaN/.test(e.message),
      );
      assert.throws(
        () => detector.update(Infinity),
        new RegExp(`^TypeError: ${detector.name}: .*Infinity`),
      );
      assert.throws(
        () => detector.update('1' as unknown as number),
        new RegExp(`${detector.name}: .*string`),
      );
      assert.equal(detector.count, 0, 'a refused value is not counted');
    }
    assert.throws(() => ddm().update(0.5), /ddm: values must be 0 .* or 1/);
  });

  it('checks options', () => {
    assert.throws(() => adwin({ delta: 2 }), /adwin: delta must be a number between 0 and 1/);
    assert.throws(() => adwin({ detla: 0.1 } as never), /adwin: unknown option "detla"/);
    assert.throws(
      () => kswin({ windowSize: 50, statSize: 30 }),
      /kswin: statSize \(30\) must be at most half of windowSize \(50\)/,
    );
    assert.throws(() => pageHinkley({ mode: 'sideways' as never }), /page-hinkley: mode must be/);
    assert.throws(() => ddm({ warningThreshold: 3, driftThreshold: 2 }), /ddm: driftThreshold/);
    assert.equal(pageHinkley({ threshold: 20 }).options.threshold, 20);
  });
});
