/**
 * Drift reports (core/drift/report.ts) on real data from vega-datasets (seattle-weather
 * split by year into temp CSV files, penguins.json, cars.json) and on in-memory arrays.
 * The numbers come from core/drift/methods.ts (checked against SciPy in its own tests);
 * here the expected values are recomputed from the raw data in JS, independently of
 * DuckDB, to check the wiring: which method, which values reach it (missing dropped,
 * NaN/Infinity as missing, sampling), bins, verdicts and the data set share.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { driftReport, LARGE_SAMPLE } from '../../core/drift/report';
import { driftHtml } from '../../core/drift/html';
import { SortPool, Sorter } from '../../core/drift/sort';
import {
  binCounts,
  categoricalDrift,
  defaultThreshold,
  numericDrift,
  sturgesEdges,
} from '../../core/drift/methods';
import { DriftError, type ColumnDrift, type DriftReport } from '../../core/common/drift-types';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');

type Row = Record<string, unknown>;

/** seattle-weather.csv parsed in JS (plain CSV, no quotes). */
function seattle(): Row[] {
  const [header, ...lines] = readFileSync(path.join(data, 'seattle-weather.csv'), 'utf8')
    .trim()
    .split(/\r?\n/);
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(
      names.map((name, i) => [name, i === 0 || i === 5 ? cells[i] : Number(cells[i])]),
    );
  });
}

function writeCsv(file: string, rows: Row[]): string {
  const names = Object.keys(rows[0]);
  writeFileSync(
    file,
    `${names.join(',')}\n${rows.map((r) => names.map((n) => String(r[n])).join(',')).join('\n')}\n`,
  );
  return file;
}

const sorted = (values: unknown[]): Float64Array =>
  Float64Array.from(
    values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)),
  ).sort();

function countsOf(values: unknown[], keys: string[]): Float64Array {
  const counts = new Float64Array(keys.length);
  for (const v of values) {
    const i = keys.indexOf(String(v));
    if (i >= 0) counts[i]++;
  }
  return counts;
}

const col = (r: DriftReport, name: string): ColumnDrift => {
  const c = r.columns.find((x) => x.name === name);
  assert.ok(c, `no column ${name} in ${r.columns.map((x) => x.name).join(', ')}`);
  return c;
};

/** A seeded generator (mulberry32) and a normal draw, for in-memory samples. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (rnd: () => number) =>
  Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());

describe('drift report', function () {
  this.timeout(120_000);
  let dir: string;
  let rows2012: Row[];
  let rows2015: Row[];
  let file2012: string;
  let file2015: string;
  let seattleReport: DriftReport;

  before(async () => {
    dir = makeTempDir('labbook-drift-');
    const all = seattle();
    rows2012 = all.filter((r) => String(r.date).startsWith('2012'));
    rows2015 = all.filter((r) => String(r.date).startsWith('2015'));
    file2012 = writeCsv(path.join(dir, 'seattle-2012.csv'), rows2012);
    file2015 = writeCsv(path.join(dir, 'seattle-2015.csv'), rows2015);
    seattleReport = await driftReport({ path: file2012 }, { path: file2015 });
  });
  after(() => removeDir(dir));

  describe('seattle-weather 2012 against 2015 (CSV files)', () => {
    it('reports every column in file order, dates not compared', () => {
      assert.deepEqual(
        seattleReport.columns.map((c) => c.name),
        ['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather'],
      );
      assert.equal(col(seattleReport, 'date').skipped, 'unsupported-type');
      assert.equal(col(seattleReport, 'date').statistic, null);
      assert.equal(seattleReport.reference.rows, rows2012.length);
      assert.equal(seattleReport.current.rows, rows2015.length);
    });

    it('uses KS on numeric columns (<= 1000 rows, > 5 distinct) with the statistics of methods.ts on the raw values', () => {
      for (const name of ['precipitation', 'temp_max', 'temp_min', 'wind']) {
        const c = col(seattleReport, name);
        const ref = sorted(rows2012.map((r) => r[name]));
        const cur = sorted(rows2015.map((r) => r[name]));
        const expected = numericDrift('ks', ref, cur);
        assert.equal(c.method, 'ks', name);
        assert.equal(c.methodKind, 'test');
        assert.equal(c.type, 'numeric');
        assert.equal(c.statistic, expected.statistic, name);
        assert.equal(c.pValue, expected.pValue, name);
        assert.equal(c.threshold, 0.05);
        assert.equal(c.drifted, expected.pValue! < 0.05, name);
        assert.equal(c.referenceCount, ref.length);
        assert.equal(c.currentCount, cur.length);
        assert.match(c.reason, /366 values \(<= 1000\).*distinct.*Kolmogorov-Smirnov/);
        // Both distributions on the same Sturges bins over both sides.
        const edges = sturgesEdges(ref, cur);
        assert.deepEqual(
          c.bins.map((b) => [b.start, b.end]),
          Array.from({ length: edges.length - 1 }, (_, i) => [edges[i], edges[i + 1]]),
        );
        assert.deepEqual(
          c.bins.map((b) => b.reference),
          Array.from(binCounts(ref, edges)),
        );
        assert.deepEqual(
          c.bins.map((b) => b.current),
          Array.from(binCounts(cur, edges)),
        );
      }
    });

    it('uses chi-square on the 5 weather categories, counted on each side', () => {
      const c = col(seattleReport, 'weather');
      const keys = [...new Set([...rows2012, ...rows2015].map((r) => String(r.weather)))].sort();
      const ref = countsOf(
        rows2012.map((r) => r.weather),
        keys,
      );
      const cur = countsOf(
        rows2015.map((r) => r.weather),
        keys,
      );
      const expected = categoricalDrift('chisquare', ref, cur);
      assert.equal(c.type, 'categorical');
      assert.equal(c.method, 'chisquare');
      assert.equal(c.statistic, expected.statistic);
      assert.equal(c.pValue, expected.pValue);
      assert.equal(c.drifted, expected.pValue! < 0.05);
      const bins = Object.fromEntries(c.bins.map((b) => [b.category, [b.reference, b.current]]));
      keys.forEach((k, i) => assert.deepEqual(bins[k], [ref[i], cur[i]], k));
    });

    it('decides the data set by the share of drifted compared columns', () => {
      const tested = seattleReport.columns.filter((c) => !c.skipped);
      const drifted = tested.filter((c) => c.drifted).length;
      assert.equal(seattleReport.dataset.columns, tested.length);
      assert.equal(seattleReport.dataset.driftedColumns, drifted);
      assert.equal(seattleReport.dataset.share, drifted / tested.length);
      assert.equal(seattleReport.dataset.drifted, drifted / tested.length >= 0.5);
      assert.equal(seattleReport.dataset.threshold, 0.5);
    });

    it('finds no drift between a file and itself', async () => {
      const same = await driftReport({ path: file2012 }, { path: file2012 });
      assert.equal(same.dataset.drifted, false);
      assert.equal(same.dataset.driftedColumns, 0);
      for (const c of same.columns.filter((x) => !x.skipped)) assert.equal(c.pValue, 1, c.name);
    });

    it('applies a global method, per-column methods and thresholds by name', async () => {
      const r = await driftReport(
        { path: file2012 },
        { path: file2015 },
        {
          method: 'psi',
          columnMethods: { wind: 'ttest' },
          columnThresholds: { temp_max: 0.9 },
          datasetShare: 0.9,
        },
      );
      assert.equal(col(r, 'precipitation').method, 'psi');
      assert.equal(col(r, 'precipitation').pValue, null, 'distances have no p-value');
      assert.equal(col(r, 'weather').method, 'psi');
      assert.equal(col(r, 'wind').method, 'ttest');
      assert.equal(col(r, 'temp_max').threshold, 0.9);
      assert.equal(col(r, 'temp_min').threshold, defaultThreshold('psi'));
      const tmax = col(r, 'temp_max');
      assert.equal(tmax.drifted, tmax.statistic! >= 0.9);
      const psi = numericDrift(
        'psi',
        sorted(rows2012.map((x) => x.temp_min)),
        sorted(rows2015.map((x) => x.temp_min)),
      );
      assert.equal(col(r, 'temp_min').statistic, psi.statistic);
      assert.equal(r.dataset.threshold, 0.9);
      assert.equal(r.dataset.drifted, r.dataset.share >= 0.9);
      assert.deepEqual(r.options.columnMethods, { wind: 'ttest' });
      assert.equal(r.options.method, 'psi');
    });

    it('refuses an unknown method name with a DriftError naming it', async () => {
      await assert.rejects(
        driftReport({ path: file2012 }, { path: file2015 }, { method: 'kolmogorov' as never }),
        (e: Error) => e instanceof DriftError && /"kolmogorov"/.test(e.message),
      );
      await assert.rejects(
        driftReport(
          { path: file2012 },
          { path: file2015 },
          { columnMethods: { wind: 'nope' as never } },
        ),
        (e: Error) => e instanceof DriftError && /"nope"/.test(e.message) && /wind/.test(e.message),
      );
      await assert.rejects(
        driftReport({ path: file2012 }, { path: file2015 }, { columnMethods: { windy: 'ks' } }),
        (e: Error) => e instanceof DriftError && /"windy"/.test(e.message),
      );
    });

    it('skips a column whose method cannot run on its type', async () => {
      const r = await driftReport(
        { path: file2012 },
        { path: file2015 },
        { columnMethods: { weather: 'ks', wind: 'chisquare' } },
      );
      const weather = col(r, 'weather');
      assert.equal(weather.skipped, 'method-not-applicable');
      assert.equal(weather.drifted, false);
      assert.equal(weather.statistic, null);
      assert.match(weather.message, /numeric data only/);
      // chi-square on a numeric column compares its distinct values as categories.
      const wind = col(r, 'wind');
      assert.equal(wind.skipped, undefined);
      const keys = [...new Set([...rows2012, ...rows2015].map((x) => x.wind as number))]
        .sort((a, b) => a - b)
        .map(String);
      assert.equal(
        wind.statistic,
        categoricalDrift(
          'chisquare',
          countsOf(
            rows2012.map((x) => x.wind),
            keys,
          ),
          countsOf(
            rows2015.map((x) => x.wind),
            keys,
          ),
        ).statistic,
      );
      assert.equal(r.dataset.columns, r.columns.filter((c) => !c.skipped).length);
    });

    it('writes an HTML page that escapes every name', async () => {
      const r = await driftReport(
        {
          data: {
            '<script>x</script>': [1, 2, 3, 4, 5, 6, 7],
            'a"b': ['<i onmouseover=1>', 'y', 'x', 'y', 'x', 'y', 'x'],
          },
          name: '<img src=x>',
        },
        {
          data: {
            '<script>x</script>': [2, 3, 4, 5, 6, 7, 8],
            'a"b': ['<i onmouseover=1>', 'x', 'x', 'y', 'x', 'y', 'x'],
          },
          name: 'cur',
        },
      );
      const html = driftHtml(r);
      assert.ok(!html.includes('<script>'), 'no raw script tag');
      assert.ok(!html.includes('<img src=x>'));
      assert.ok(!html.includes('<i onmouseover'));
      assert.match(html, /&lt;i onmouseover=1&gt;/);
      assert.match(html, /a&quot;b/);
      assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
      assert.match(html, /<svg/);
      assert.match(html, /Content-Security-Policy/);
    });
  });

  describe('penguins and cars (JSON files)', () => {
    it('penguins: categories by chi-square or Z-test, numeric KS on non-missing values only', async () => {
      const rows = JSON.parse(readFileSync(path.join(data, 'penguins.json'), 'utf8')) as Row[];
      const refRows = rows.filter((_, i) => i % 2 === 0);
      const curRows = rows.filter((r, i) => i % 2 === 1 && r.Species !== 'Gentoo');
      const ref = writeFileSync(path.join(dir, 'p-ref.json'), JSON.stringify(refRows));
      void ref;
      writeFileSync(path.join(dir, 'p-cur.json'), JSON.stringify(curRows));
      const r = await driftReport(
        { path: path.join(dir, 'p-ref.json') },
        { path: path.join(dir, 'p-cur.json') },
      );
      const species = col(r, 'Species');
      assert.equal(species.method, 'chisquare');
      assert.equal(species.drifted, true, 'Gentoo removed from current');
      const mass = col(r, 'Body Mass (g)');
      const refMass = sorted(refRows.map((x) => x['Body Mass (g)']));
      assert.equal(mass.method, 'ks');
      assert.equal(mass.referenceCount, refMass.length);
      assert.equal(mass.referenceMissing, refRows.length - refMass.length);
      assert.equal(
        mass.statistic,
        numericDrift('ks', refMass, sorted(curRows.map((x) => x['Body Mass (g)']))).statistic,
      );
      const sex = col(r, 'Sex');
      const sexes = new Set(
        refRows.map((x) => x.Sex).filter((s) => s !== null && s !== undefined && s !== ''),
      );
      assert.equal(sex.method, sexes.size > 2 ? 'chisquare' : 'z');
    });

    it('cars: mostly-unique names are not compared; dates neither', async () => {
      const r = await driftReport(
        { path: path.join(data, 'cars.json') },
        { path: path.join(data, 'cars.json') },
      );
      assert.equal(col(r, 'Name').skipped, 'unsupported-type');
      assert.match(col(r, 'Name').message, /distinct values/);
      assert.equal(col(r, 'Origin').method, 'chisquare');
      assert.equal(
        col(r, 'Cylinders').method,
        'chisquare',
        'numeric with 5 distinct values: categories',
      );
      assert.equal(col(r, 'Horsepower').method, 'ks');
      assert.equal(r.dataset.drifted, false);
    });

    it('cars: regression quality of a prediction on each side and its change', async () => {
      const cars = (JSON.parse(readFileSync(path.join(data, 'cars.json'), 'utf8')) as Row[]).filter(
        (x) => typeof x.Miles_per_Gallon === 'number',
      );
      const withPrediction = (rows: Row[], bias: number) =>
        rows.map((x) => ({
          mpg: x.Miles_per_Gallon,
          predicted: (x.Miles_per_Gallon as number) * 0.9 + bias,
          Origin: x.Origin,
        }));
      const ref = withPrediction(
        cars.filter((x) => x.Origin === 'USA'),
        1,
      );
      const cur = withPrediction(
        cars.filter((x) => x.Origin !== 'USA'),
        4,
      );
      const r = await driftReport(
        { data: ref, name: 'usa' },
        { data: cur, name: 'others' },
        { target: 'mpg', prediction: 'predicted' },
      );
      const expect = (rows: Row[]) => {
        const e = rows.map((x) => (x.mpg as number) - (x.predicted as number));
        const mean = rows.reduce((s, x) => s + (x.mpg as number), 0) / rows.length;
        const sst = rows.reduce((s, x) => s + ((x.mpg as number) - mean) ** 2, 0);
        return {
          mae: e.reduce((s, x) => s + Math.abs(x), 0) / e.length,
          rmse: Math.sqrt(e.reduce((s, x) => s + x * x, 0) / e.length),
          r2: 1 - e.reduce((s, x) => s + x * x, 0) / sst,
        };
      };
      const t = r.target!;
      assert.equal(t.target, 'mpg');
      assert.equal(t.targetDrift, col(r, 'mpg'));
      assert.equal(t.predictionDrift, col(r, 'predicted'));
      assert.equal(t.referenceQuality?.kind, 'regression');
      for (const [quality, rows] of [
        [t.referenceQuality, ref],
        [t.currentQuality!, cur],
      ] as const) {
        if (quality.kind !== 'regression') throw new Error('not regression');
        const e = expect(rows);
        assert.ok(Math.abs(quality.mae - e.mae) < 1e-9);
        assert.ok(Math.abs(quality.rmse - e.rmse) < 1e-9);
        assert.ok(Math.abs(quality.r2! - e.r2) < 1e-9);
        assert.equal(quality.rows, rows.length);
      }
      const rq = t.referenceQuality as { mae: number };
      const cq = t.currentQuality as { mae: number };
      assert.ok(Math.abs(t.change!.mae! - (cq.mae - rq.mae)) < 1e-12);
    });
  });

  describe('in-memory arrays', () => {
    const big = (n: number, seed: number, shift = 0) => {
      const rnd = random(seed);
      return {
        x: Array.from({ length: n }, () => normal(rnd) + shift),
        cat: Array.from(
          { length: n },
          () => ['a', 'b', 'c', 'd'][Math.floor(rnd() * (shift ? 3 : 4))],
        ),
        few: Array.from({ length: n }, () => Math.floor(rnd() * 3)),
      };
    };

    it('uses normalised Wasserstein and Jensen-Shannon above 1000 reference values', async () => {
      const ref = big(3000, 1);
      const cur = big(2500, 2, 0.5);
      const r = await driftReport({ data: ref, name: 'ref' }, { data: cur, name: 'cur' });
      const x = col(r, 'x');
      assert.equal(x.method, 'wasserstein');
      assert.equal(x.pValue, null);
      assert.equal(
        x.statistic,
        numericDrift('wasserstein', sorted(ref.x), sorted(cur.x)).statistic,
      );
      assert.equal(x.drifted, x.statistic >= 0.1);
      const cat = col(r, 'cat');
      assert.equal(cat.method, 'jensenshannon');
      const keys = ['a', 'b', 'c', 'd'];
      assert.equal(
        cat.statistic,
        categoricalDrift('jensenshannon', countsOf(ref.cat, keys), countsOf(cur.cat, keys))
          .statistic,
      );
      assert.equal(col(r, 'few').method, 'jensenshannon');
      assert.match(col(r, 'few').reason, /3 distinct values \(<= 5\)/);
    });

    it('uses the Z-test for two categories and chi-square for three at <= 1000 values', async () => {
      const r = await driftReport(
        { data: { two: ['a', 'b', 'a', 'b', 'a', 'a'], three: [1, 2, 3, 1, 2, 3] }, name: 'ref' },
        { data: { two: ['b', 'b', 'a', 'b', 'b', 'a'], three: [1, 1, 1, 2, 3, 3] }, name: 'cur' },
      );
      assert.equal(col(r, 'two').method, 'z');
      assert.equal(col(r, 'two').statistic, categoricalDrift('z', [4, 2], [2, 4]).statistic);
      assert.equal(col(r, 'three').method, 'chisquare');
      assert.equal(
        col(r, 'three').statistic,
        categoricalDrift('chisquare', [2, 2, 2], [3, 1, 2]).statistic,
      );
    });

    it('counts categories over both sides, as Evidently does: a third category only the current data has means chi-square', async () => {
      const r = await driftReport(
        {
          data: { island: ['Biscoe', 'Dream', 'Biscoe', 'Dream'], size: [1, 2, 1, 2] },
          name: 'ref',
        },
        {
          data: { island: ['Biscoe', 'Torgersen', 'Dream', 'Torgersen'], size: [1, 3, 3, 2] },
          name: 'cur',
        },
      );
      assert.equal(col(r, 'island').method, 'chisquare');
      assert.match(col(r, 'island').reason, /3 categories/);
      // Numbers with 3 distinct values over both sides (2 in the reference) are 3 categories too.
      assert.equal(col(r, 'size').method, 'chisquare');
    });

    it('treats null, empty text, NaN and ±Infinity as missing', async () => {
      const ref = {
        x: [1, 2, NaN, 3, Infinity, 4, null, 5, 6, -Infinity, 7],
        t: ['a', '', 'b', null, 'a', 'b', 'a', 'b', 'a', 'b', 'a'],
      };
      const cur = { x: [2, 3, 4, 5, 6, 7, 8, 9], t: ['a', 'b', 'b', 'b', '', 'b', 'a', 'b'] };
      const r = await driftReport({ data: ref, name: 'ref' }, { data: cur, name: 'cur' });
      const x = col(r, 'x');
      assert.equal(x.referenceCount, 7);
      assert.equal(x.referenceMissing, 4);
      assert.equal(x.statistic, numericDrift('ks', sorted(ref.x), sorted(cur.x)).statistic);
      const t = col(r, 't');
      assert.equal(t.referenceMissing, 2);
      assert.equal(t.currentMissing, 1);
      assert.deepEqual(t.bins.map((b) => b.category).sort(), ['a', 'b']);
    });

    it('reports columns missing on one side, all missing, or constant, without failing', async () => {
      const r = await driftReport(
        {
          data: {
            shared: [1, 2, 3, 4, 5, 6, 7],
            onlyRef: [1, 2, 3, 4, 5, 6, 7],
            gone: [null, null, null, null, null, null, null],
            constant: [3, 3, 3, 3, 3, 3, 3],
          },
          name: 'ref',
        },
        {
          data: {
            shared: [2, 3, 4, 5, 6, 7, 8],
            onlyCur: ['a', 'b', 'a', 'b', 'a', 'b', 'a'],
            gone: [NaN, Infinity, NaN, NaN, NaN, NaN, NaN],
            constant: [3, 3, 3, 3, 3, 3, 3],
          },
          name: 'cur',
        },
      );
      assert.deepEqual(
        r.columns.map((c) => c.name),
        ['shared', 'onlyRef', 'gone', 'constant', 'onlyCur'],
      );
      assert.equal(col(r, 'onlyRef').skipped, 'missing-in-current');
      assert.equal(col(r, 'onlyCur').skipped, 'missing-in-reference');
      assert.equal(col(r, 'gone').skipped, 'all-missing');
      assert.match(col(r, 'gone').message, /missing in the reference and the current/);
      const constant = col(r, 'constant');
      assert.equal(constant.skipped, undefined);
      assert.equal(constant.drifted, false);
      assert.match(constant.message, /constant in the reference and the current/);
      for (const c of r.columns.filter((x) => x.skipped)) {
        assert.equal(c.drifted, false);
        assert.equal(c.statistic, null);
        assert.ok(c.message.length > 0);
      }
      assert.equal(r.dataset.columns, 2);
    });

    it('reports empty data sets', async () => {
      const r = await driftReport(
        { data: [], name: 'nothing' },
        { data: { a: [1, 2, 3] }, name: 'cur' },
      );
      assert.equal(col(r, 'a').skipped, 'missing-in-reference');
      assert.equal(r.dataset.columns, 0);
      assert.equal(r.dataset.drifted, false);
      const e = await driftReport(
        { data: { a: [] }, name: 'no rows' },
        { data: { a: [1, 2, 3] }, name: 'cur' },
      );
      assert.equal(col(e, 'a').skipped, 'empty');
      assert.match(col(e, 'a').message, /reference data set has no rows/);
      const csv = writeFileSync(path.join(dir, 'header-only.csv'), 'a,b\n');
      void csv;
      const f = await driftReport(
        { path: path.join(dir, 'header-only.csv') },
        { path: path.join(dir, 'header-only.csv') },
      );
      assert.equal(f.reference.rows, 0);
      assert.deepEqual(
        f.columns.map((c) => c.skipped),
        ['empty', 'empty'],
      );
    });

    it('samples each side reproducibly with a seed', async () => {
      const ref = big(3000, 3);
      const cur = big(3000, 4, 0.2);
      const a = await driftReport(
        { data: ref, name: 'ref' },
        { data: cur, name: 'cur' },
        { sample: 500, seed: 7 },
      );
      const b = await driftReport(
        { data: ref, name: 'ref' },
        { data: cur, name: 'cur' },
        { sample: 500, seed: 7 },
      );
      const c = await driftReport(
        { data: ref, name: 'ref' },
        { data: cur, name: 'cur' },
        { sample: 500, seed: 8 },
      );
      assert.equal(a.reference.sampled, 500);
      assert.equal(a.reference.rows, 3000);
      assert.equal(col(a, 'x').referenceCount, 500);
      assert.equal(col(a, 'x').method, 'ks', '500 sampled values: the small-reference method');
      assert.deepEqual(col(a, 'x').bins, col(b, 'x').bins);
      assert.equal(col(a, 'x').statistic, col(b, 'x').statistic);
      assert.notDeepEqual(col(a, 'x').bins, col(c, 'x').bins);
      assert.equal(a.options.sample, 500);
      assert.equal(a.options.seed, 7);
    });

    it('adds an effect size when a test runs on large samples', async () => {
      const ref = big(LARGE_SAMPLE, 5);
      const cur = big(LARGE_SAMPLE, 6, 0.05);
      const r = await driftReport(
        { data: ref, name: 'ref' },
        { data: cur, name: 'cur' },
        { method: 'ks' },
      );
      const x = col(r, 'x');
      assert.ok(x.effectSize);
      assert.equal(x.effectSize.method, 'wasserstein');
      assert.equal(
        x.effectSize.statistic,
        numericDrift('wasserstein', sorted(ref.x), sorted(cur.x)).statistic,
      );
      assert.match(x.message, /negligible differences/);
      const small = await driftReport(
        { data: { x: ref.x.slice(0, 500) }, name: 'ref' },
        { data: { x: cur.x.slice(0, 500) }, name: 'cur' },
        { method: 'ks' },
      );
      assert.equal(col(small, 'x').effectSize, undefined);
      const distance = await driftReport({ data: ref, name: 'ref' }, { data: cur, name: 'cur' });
      assert.equal(col(distance, 'x').effectSize, undefined, 'distances are already effect sizes');
    });

    it('classification quality of a prediction column', async () => {
      const rows = JSON.parse(readFileSync(path.join(data, 'penguins.json'), 'utf8')) as Row[];
      // A deterministic "model": right except for every 7th (reference) or 3rd (current) row.
      const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
      const predict = (every: number) =>
        rows.map((x, i) => ({
          label: x.Species,
          guess:
            i % every === 0 ? classes[(classes.indexOf(String(x.Species)) + 1) % 3] : x.Species,
        }));
      const ref = predict(7);
      const cur = predict(3);
      const r = await driftReport(
        { data: ref, name: 'ref' },
        { data: cur, name: 'cur' },
        { target: 'label', prediction: 'guess' },
      );
      for (const [q, side] of [
        [r.target!.referenceQuality!, ref],
        [r.target!.currentQuality!, cur],
      ] as const) {
        assert.equal(q.kind, 'classification');
        if (q.kind !== 'classification') return;
        assert.equal(q.accuracy, side.filter((x) => x.label === x.guess).length / side.length);
        const recall = classes.map(
          (k) =>
            side.filter((x) => x.label === k && x.guess === k).length /
            side.filter((x) => x.label === k).length,
        );
        assert.ok(Math.abs(q.recall - recall.reduce((s, v) => s + v, 0) / 3) < 1e-12);
      }
      assert.ok(r.target!.change!.accuracy! < 0);
    });

    it('reports progress from 0 to 1', async () => {
      const seen: number[] = [];
      await driftReport(
        { data: big(200, 9), name: 'ref' },
        { data: big(200, 10), name: 'cur' },
        { onProgress: (f) => seen.push(f) },
      );
      assert.equal(seen[0], 0);
      assert.equal(seen[seen.length - 1], 1);
      assert.deepEqual(
        seen,
        [...seen].sort((a, b) => a - b),
      );
    });
  });

  describe('sorting', () => {
    const samples = (): [string, Float64Array][] => {
      const rnd = random(11);
      const n = 50_000;
      return [
        ['normal', Float64Array.from({ length: n }, () => normal(rnd))],
        ['log-normal', Float64Array.from({ length: n }, () => Math.exp(3 * normal(rnd)))],
        ['few values', Float64Array.from({ length: n }, () => Math.floor(rnd() * 4))],
        [
          'outliers',
          Float64Array.from({ length: n }, (_, i) =>
            i % 9999 === 0 ? (i % 2 ? 1e300 : -1e300) : rnd(),
          ),
        ],
        ['huge range', Float64Array.from({ length: n }, () => (rnd() - 0.5) * 1.7e308)],
        ['sorted descending', Float64Array.from({ length: n }, (_, i) => n - i)],
        ['tiny', Float64Array.from([3, 1, 2])],
        ['empty', new Float64Array(0)],
      ];
    };

    it('Sorter sorts like Float64Array.prototype.sort', () => {
      const sorter = new Sorter();
      for (const [name, values] of samples()) {
        const expected = values.slice().sort();
        assert.deepEqual(Array.from(sorter.sort(values.slice())), Array.from(expected), name);
      }
    });

    it('SortPool sorts in worker threads', async () => {
      const pool = new SortPool(2);
      try {
        const all = samples();
        const results = await Promise.all(all.map(([, values]) => pool.sort(values.slice())));
        all.forEach(([name, values], i) =>
          assert.deepEqual(Array.from(results[i]), Array.from(values.slice().sort()), name),
        );
      } finally {
        await pool.close();
      }
    });
  });
});
