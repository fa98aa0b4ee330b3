/**
 * Drift methods (core/drift/methods) against SciPy: expected values computed once with SciPy
 * 1.10.1 / NumPy 1.24.2 (test/fixtures/scipy/make_drift_fixtures.py) on seattle-weather.csv
 * from vega-datasets, vectors from Evidently's unit tests, tiny, tied and large samples, and
 * compared within 1e-6 relative (1e-12 absolute near 0) for every method and case.
 *
 * Mann-Whitney is two-sided here, as SciPy's default and Evidently's earlier releases; the
 * current Evidently calls it with alternative='less', so its published 0.481 is not checked.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  binCounts,
  categoricalDrift,
  defaultThreshold,
  methodKind,
  numericDrift,
  sturgesEdges,
  supports,
} from '../../core/drift/methods';
import { DRIFT_METHODS, type DriftMethod } from '../../core/common/drift-types';

const root = path.join(__dirname, '..', '..', '..');
const fixture = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'scipy', 'drift-methods.json'), 'utf8'),
) as Fixture;
const seattle = readSeattle();

type Expected = { statistic: number | 'Infinity'; pValue: number | null };
type Published = { statistic?: number; pValue?: number; tolerance: number };
type Sample =
  | { values: number[] }
  | { seattle: { year: string; column: string } }
  | { lcg: { seed: number; n: number; shift?: number; scale?: number } }
  | { every: { of: Sample; step: number; shift?: number } };
interface NumericCase {
  name: string;
  reference: Sample;
  current: Sample;
  expected: Record<string, Expected>;
  evidently?: Record<string, Published>;
  ksBranch: string;
}
interface CategoricalCase {
  name: string;
  categories: string[];
  reference: number[];
  current: number[];
  expected: Record<string, Expected>;
  evidently?: Record<string, Published>;
}
interface HistogramCase {
  name: string;
  reference: Sample;
  current: Sample;
  edges: number[];
  referenceCounts: number[];
  currentCounts: number[];
}
interface Fixture {
  numeric: NumericCase[];
  categorical: CategoricalCase[];
  histograms: HistogramCase[];
}

function readSeattle(): Record<string, string>[] {
  const [header, ...lines] = readFileSync(
    path.join(root, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'),
    'utf8',
  )
    .trim()
    .split(/\r?\n/);
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

/** The same LCG as the fixture script: sums of four 32-bit uniforms, exact in both languages. */
function lcg(seed: number, n: number, shift = 0, scale = 1): number[] {
  let state = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let u = 0;
    for (let k = 0; k < 4; k++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      u += state / 2 ** 32;
    }
    out.push(scale * (u - 2) + shift);
  }
  return out;
}

function materialise(spec: Sample): number[] {
  if ('values' in spec) return spec.values;
  if ('seattle' in spec) {
    const { year, column } = spec.seattle;
    return seattle.filter((r) => r.date.startsWith(year)).map((r) => Number(r[column]));
  }
  if ('lcg' in spec) return lcg(spec.lcg.seed, spec.lcg.n, spec.lcg.shift, spec.lcg.scale);
  const sorted = [...materialise(spec.every.of)].sort((a, b) => a - b);
  return sorted.filter((_, i) => i % spec.every.step === 0).map((v) => v + (spec.every.shift ?? 0));
}

function sorted(spec: Sample): Float64Array {
  return Float64Array.from(materialise(spec)).sort();
}

function close(actual: number | null, expected: number | 'Infinity' | null, what: string): void {
  if (expected === null) {
    assert.equal(actual, null, what);
    return;
  }
  const want = expected === 'Infinity' ? Infinity : expected;
  assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
  const a = actual as number;
  const tolerance = Math.max(1e-6 * Math.abs(want), 1e-12);
  assert.ok(a === want || Math.abs(a - want) <= tolerance, `${what}: ${a} vs SciPy ${want}`);
}

function published(
  actual: { statistic: number; pValue: number | null },
  p: Published,
  what: string,
): void {
  if (p.statistic !== undefined)
    assert.ok(
      Math.abs(actual.statistic - p.statistic) <= p.tolerance,
      `${what}: statistic ${actual.statistic} vs Evidently's ${p.statistic}`,
    );
  if (p.pValue !== undefined)
    assert.ok(
      Math.abs((actual.pValue ?? NaN) - p.pValue) <= p.tolerance,
      `${what}: p ${actual.pValue} vs Evidently's ${p.pValue}`,
    );
}

describe('drift methods against SciPy', () => {
  it('the fixture covers every method, both kinds of data and every KS algorithm', () => {
    const numeric = new Set(fixture.numeric.flatMap((c) => Object.keys(c.expected)));
    const categorical = new Set(fixture.categorical.flatMap((c) => Object.keys(c.expected)));
    for (const method of DRIFT_METHODS) {
      assert.ok(
        (supports(method, 'numeric') ? numeric : categorical).has(method),
        `no SciPy case for ${method}`,
      );
    }
    const branches = new Set(fixture.numeric.map((c) => c.ksBranch));
    for (const branch of [
      'exact, equal sizes',
      'exact, inside method',
      'asymptotic, Ruben-Gambino',
      'asymptotic, Durbin',
      'asymptotic, Pomeranz',
      'asymptotic, Smirnov',
      'asymptotic, Smirnov (x >= 0.5)',
      'asymptotic, Pelz-Good',
    ]) {
      assert.ok(branches.has(branch), `no KS case reaches ${branch}`);
    }
  });

  for (const c of fixture.numeric) {
    describe(`numeric: ${c.name}`, () => {
      let reference: Float64Array;
      let current: Float64Array;
      before(() => {
        reference = sorted(c.reference);
        current = sorted(c.current);
      });
      for (const [method, want] of Object.entries(c.expected)) {
        it(`${method}${method === 'ks' ? ` (${c.ksBranch})` : ''}`, () => {
          const got = numericDrift(method as DriftMethod, reference, current);
          close(got.statistic, want.statistic, `${method} statistic`);
          close(got.pValue, want.pValue, `${method} p-value`);
          if (c.evidently?.[method]) published(got, c.evidently[method], method);
        });
      }
    });
  }

  for (const c of fixture.categorical) {
    describe(`categorical: ${c.name} (${c.categories.join(', ')})`, () => {
      for (const [method, want] of Object.entries(c.expected)) {
        it(method, () => {
          const got = categoricalDrift(method as DriftMethod, c.reference, c.current);
          close(got.statistic, want.statistic, `${method} statistic`);
          close(got.pValue, want.pValue, `${method} p-value`);
          if (c.evidently?.[method]) published(got, c.evidently[method], method);
        });
      }
    });
  }

  for (const c of fixture.histograms) {
    it(`Sturges edges and bin counts as NumPy: ${c.name}`, () => {
      const reference = sorted(c.reference);
      const current = sorted(c.current);
      const edges = sturgesEdges(reference, current);
      assert.equal(edges.length, c.edges.length, 'number of edges');
      edges.forEach((e, i) => close(e, c.edges[i], `edge ${i}`));
      assert.deepEqual([...binCounts(reference, edges)], c.referenceCounts);
      assert.deepEqual([...binCounts(current, edges)], c.currentCounts);
    });
  }
});

describe('drift methods: kinds, thresholds and data types', () => {
  const tests: DriftMethod[] = ['ks', 'chisquare', 'z', 'anderson', 'mannwhitney', 'ttest'];
  const numericOnly: DriftMethod[] = [
    'ks',
    'wasserstein',
    'anderson',
    'mannwhitney',
    'ttest',
    'energy',
  ];
  const categoricalOnly: DriftMethod[] = ['chisquare', 'z'];

  it("tests give p-values and distances scores, with Evidently's default thresholds", () => {
    for (const method of DRIFT_METHODS) {
      const test = tests.includes(method);
      assert.equal(methodKind(method), test ? 'test' : 'distance', method);
      assert.equal(defaultThreshold(method), test ? 0.05 : 0.1, method);
    }
  });

  it('each method runs on the data types Evidently allows', () => {
    for (const method of DRIFT_METHODS) {
      assert.equal(
        supports(method, 'numeric'),
        !categoricalOnly.includes(method),
        `${method} numeric`,
      );
      assert.equal(
        supports(method, 'categorical'),
        !numericOnly.includes(method),
        `${method} categorical`,
      );
    }
  });

  it('refuses a method on the wrong kind of data, and misaligned counts', () => {
    const x = Float64Array.of(1, 2, 3);
    assert.throws(() => numericDrift('chisquare', x, x), RangeError);
    assert.throws(() => categoricalDrift('ks', [1, 2], [2, 1]), RangeError);
    assert.throws(() => categoricalDrift('psi', [1, 2], [2, 1, 3]), RangeError);
  });

  it('distances have no p-value; a category empty on both sides changes nothing', () => {
    assert.equal(categoricalDrift('psi', [5, 3], [4, 4]).pValue, null);
    assert.deepEqual(
      categoricalDrift('chisquare', [5, 0, 3], [4, 0, 4]),
      categoricalDrift('chisquare', [5, 3], [4, 4]),
    );
  });
});
