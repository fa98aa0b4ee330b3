/**
 * The compare panel's chart builders (webviews/compare/charts.ts): smoothing math, x axes,
 * NaN handling and the parallel coordinates normalisation. The module is a browser one, so
 * the test bundles it with esbuild on the fly.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import type { RunComparison } from '../../core/common/comparison';
import type { MetricPointItem } from '../../core/service/protocol';
import type * as Charts from '../../webviews/compare/charts';

const ROOT = path.join(__dirname, '..', '..', '..');

function loadCharts(): typeof Charts {
  const out = buildSync({
    entryPoints: [path.join(ROOT, 'webviews', 'compare', 'charts.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const module = { exports: {} as typeof Charts };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(
    module,
    module.exports,
    require,
  );
  return module.exports;
}

const close = (actual: number[], expected: number[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]) < 1e-9, `${a} ≠ ${expected[i]} at ${i}`),
  );
};

describe('compare charts', () => {
  let charts: typeof Charts;
  before(() => {
    charts = loadCharts();
  });

  describe('smoothEma (TensorBoard-style, debiased)', () => {
    it('matches hand-computed values', () => {
      // w = 0.5: last 0.5, 1.25, 2.125; debias 0.5, 0.75, 0.875.
      close(charts.smoothEma([1, 2, 3], 0.5), [1, 5 / 3, 17 / 7]);
      // w = 0.9 on [10, 0]: last 1, 0.9; debias 0.1, 0.19.
      close(charts.smoothEma([10, 0], 0.9), [10, 0.9 / 0.19]);
    });

    it('leaves values alone at weight 0, keeps constants constant, clamps the weight', () => {
      assert.deepEqual(charts.smoothEma([3, 1, 2], 0), [3, 1, 2]);
      assert.deepEqual(charts.smoothEma([0.7, 0.7, 0.7], 0.95), [0.7, 0.7, 0.7]);
      assert.deepEqual(charts.smoothEma([3, 1], -1), [3, 1]);
      assert.ok(charts.smoothEma([1, 2], 5).every(Number.isFinite));
      assert.deepEqual(charts.smoothEma([], 0.6), []);
    });
  });

  describe('historyRows', () => {
    const runs = [
      { id: 'r1', label: 'one · r1', color: '#000' },
      { id: 'r2', label: 'two · r2', color: '#111' },
    ];
    const points: Record<string, MetricPointItem[]> = {
      r1: [
        { step: 1, timestamp: 3_000, value: 2 },
        { step: 0, timestamp: 2_000, value: 1 },
        { step: 2, timestamp: 4_500, value: 'NaN' },
        { step: 3, timestamp: 6_000, value: 3 },
      ],
      r2: [
        { step: 0, timestamp: 10_000, value: 'Infinity' },
        { step: 1, timestamp: 11_000, value: 5 },
        { step: 2, timestamp: 12_000, value: '-Infinity' },
      ],
    };

    it('drops NaN and ±Infinity, orders by step and smooths what is left', () => {
      const { rows, dropped } = charts.historyRows(points, runs, 'step', 0.5, {});
      assert.equal(dropped, 3);
      assert.deepEqual(
        rows.map((r) => [r.run, r.x, r.value]),
        [
          ['one · r1', 0, 1],
          ['one · r1', 1, 2],
          ['one · r1', 3, 3],
          ['two · r2', 1, 5],
        ],
      );
      close(
        rows.slice(0, 3).map((r) => r.smoothed),
        [1, 5 / 3, 17 / 7],
      );
      assert.equal(rows[3].smoothed, 5);
    });

    it('relative time counts seconds from the run start (or its first point), wall time is epoch ms', () => {
      const relative = charts.historyRows(points, runs, 'relativeTime', 0, { r1: 1_000 });
      assert.deepEqual(
        relative.rows.map((r) => r.x),
        [1, 2, 5, 0],
      );
      const wall = charts.historyRows(points, runs, 'wallTime', 0, {});
      assert.deepEqual(
        wall.rows.map((r) => r.x),
        [2_000, 3_000, 6_000, 11_000],
      );
    });

    it('builds a layered spec: raw faint behind smoothed, or raw alone without smoothing', () => {
      const { rows } = charts.historyRows(points, runs, 'wallTime', 0.6, {});
      const spec = charts.historySpec('loss <b>', rows, runs, 'wallTime', 0.6) as unknown as {
        layer: { mark: { opacity?: number }; encoding: { y: { field: string } } }[];
        encoding: { x: { type: string }; color: { scale: { domain: string[]; range: string[] } } };
      };
      assert.equal(spec.layer.length, 2);
      assert.deepEqual(
        spec.layer.map((l) => l.encoding.y.field),
        ['value', 'smoothed'],
      );
      assert.ok((spec.layer[0].mark.opacity ?? 1) < 0.5);
      assert.equal(spec.encoding.x.type, 'temporal');
      assert.deepEqual(spec.encoding.color.scale.domain, ['one · r1', 'two · r2']);
      assert.deepEqual(spec.encoding.color.scale.range, ['#000', '#111']);
      const plain = charts.historySpec('loss', rows, runs, 'step', 0) as unknown as {
        layer: unknown[];
        encoding: { x: { type: string } };
      };
      assert.equal(plain.layer.length, 1);
      assert.equal(plain.encoding.x.type, 'quantitative');
    });
  });

  describe('runSeries', () => {
    it('labels runs by name and short id, unique even for twins, with a stable palette', () => {
      const series = charts.runSeries([
        { id: '0123456789', name: 'a' },
        { id: '0123456789', name: 'a' },
        { id: 'ffff', name: 'b' },
      ]);
      assert.deepEqual(
        series.map((s) => s.label),
        ['a · 01234567', 'a · 01234567 #2', 'b · ffff'],
      );
      assert.deepEqual(
        series.map((s) => s.color),
        charts.PALETTE.slice(0, 3),
      );
      assert.match(charts.runColor(12), /^hsl\(/);
    });
  });

  describe('parallel coordinates', () => {
    const c: RunComparison = {
      runs: [
        { id: 'r1', name: 'one', experiment: 'e', status: 'finished' },
        { id: 'r2', name: 'two', experiment: 'e', status: 'finished' },
        { id: 'r3', name: 'three', experiment: 'e', status: 'finished' },
      ],
      params: [
        { key: 'batch', values: ['32', '32', '32'], differs: false },
        { key: 'lr', values: ['0.1', '0.01', '0.001'], differs: true },
        { key: 'optimizer', values: ['adam', 'sgd', null], differs: true },
        { key: 'units', values: ['16', '64', '32'], differs: true },
      ],
      metrics: [
        { key: 'acc', values: [0.9, 'NaN', 0.7], higherIsBetter: true, best: [0] },
        { key: 'loss', values: [0.3, 0.3, 0.3], higherIsBetter: false, best: [0, 1, 2] },
      ],
    };
    const runs = [
      { id: 'r1', label: 'one', color: '#1' },
      { id: 'r2', label: 'two', color: '#2' },
      { id: 'r3', label: 'three', color: '#3' },
    ];

    it('has an axis per differing param, then the metric, each normalised to 0..1', () => {
      const { axes, points } = charts.parallelData(c, runs, 'acc');
      assert.deepEqual(
        axes.map((a) => [a.label, a.kind]),
        [
          ['lr (log)', 'numeric'],
          ['optimizer', 'ordinal'],
          ['units', 'numeric'],
          ['acc', 'numeric'],
        ],
      );
      const at = (axis: string) =>
        points.filter((p) => p.axis === axis).map((p) => [p.run, Math.round(p.norm * 1e9) / 1e9]);
      // lr spans two orders of magnitude: log scale, so 0.01 sits in the middle.
      assert.deepEqual(at('lr (log)'), [
        ['one', 1],
        ['two', 0.5],
        ['three', 0],
      ]);
      // Categories: "not logged" first, then alphabetical.
      assert.deepEqual(at('optimizer'), [
        ['one', 0.5],
        ['two', 1],
        ['three', 0],
      ]);
      assert.deepEqual(at('units'), [
        ['one', 0],
        ['two', 1],
        ['three', Math.round((16 / 48) * 1e9) / 1e9],
      ]);
      // The NaN accuracy gets no point; its run's line has no colour value.
      assert.deepEqual(at('acc'), [
        ['one', 1],
        ['three', 0],
      ]);
      assert.deepEqual(
        points.filter((p) => p.run === 'two').map((p) => p.metric),
        [null, null, null],
      );
      assert.deepEqual(
        points.filter((p) => p.axis === 'units').map((p) => p.order),
        [2, 2, 2],
      );
      assert.deepEqual(axes[2].ticks, [
        { norm: 0, text: '16' },
        { norm: 1 / 3, text: '32' },
        { norm: 1, text: '64' },
      ]);
      assert.deepEqual(
        axes[1].ticks.map((t) => t.text),
        ['—', 'adam', 'sgd'],
      );
    });

    it('puts a single value in the middle of its axis', () => {
      const { points } = charts.parallelData(c, runs, 'loss');
      assert.deepEqual(
        points.filter((p) => p.axis === 'loss').map((p) => p.norm),
        [0.5, 0.5, 0.5],
      );
    });

    it('uses only its own field names in the spec, whatever the keys are', () => {
      const hostile: RunComparison = {
        ...c,
        params: [{ key: 'a.b[0] <img src=x>', values: ['1', '2', '3'], differs: true }],
      };
      const spec = JSON.stringify(
        charts.parallelSpec('acc', charts.parallelData(hostile, runs, 'acc')),
      );
      const fields = [...spec.matchAll(/"field":"([^"]*)"/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(fields)].sort(), [
        'axis',
        'metric',
        'norm',
        'order',
        'run',
        'text',
      ]);
    });
  });

  describe('scatter', () => {
    const c: RunComparison = {
      runs: [
        { id: 'r1', name: 'one', experiment: 'e', status: 'finished' },
        { id: 'r2', name: 'two', experiment: 'e', status: 'finished' },
        { id: 'r3', name: 'three', experiment: 'e', status: 'finished' },
      ],
      params: [
        { key: 'units', values: ['16', '8', null], differs: true },
        { key: 'opt', values: ['sgd', 'adam', 'adam'], differs: true },
      ],
      metrics: [
        { key: 'acc', values: [0.9, 0.8, 0.7], higherIsBetter: true, best: [0] },
        { key: 'bad', values: ['NaN', 1, 2], higherIsBetter: true, best: [2] },
      ],
    };
    const runs = [
      { id: 'r1', label: 'one', color: '#1' },
      { id: 'r2', label: 'two', color: '#2' },
      { id: 'r3', label: 'three', color: '#3' },
    ];

    it('has one point per run with the param and a finite metric', () => {
      assert.deepEqual(charts.scatterData(c, runs, 'units', 'acc'), {
        rows: [
          { run: 'one', x: 16, xText: '16', y: 0.9 },
          { run: 'two', x: 8, xText: '8', y: 0.8 },
        ],
        numeric: true,
        categories: [],
      });
      const opt = charts.scatterData(c, runs, 'opt', 'bad');
      assert.equal(opt.numeric, false);
      assert.deepEqual(
        opt.rows.map((r) => r.run),
        ['two', 'three'],
      );
      assert.deepEqual(opt.categories, ['adam']);
    });
  });
});
