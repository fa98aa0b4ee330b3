/**
 * Parameter importance (core/compare/importance.ts) against scikit-learn's
 * RandomForestRegressor and SciPy's pearsonr on the same synthetic sweep
 * (test/fixtures/importance/make_reference.py): the metric depends strongly on p1, weakly
 * on p2 and not at all on p3. Then the same through a store on SQLite and PostgreSQL, and
 * `labbook importance` itself.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  forestImportance,
  parameterImportance,
  pearson,
  type ImportanceRun,
} from '../../core/compare/importance';
import { runsImportance } from '../../core/compare/importance-runs';
import type { RunStore } from '../../core/store';
import { forEachBackendShared } from '../support/backends';

const root = path.join(__dirname, '..', '..', '..');
const reference = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'importance', 'reference.json'), 'utf8'),
) as {
  metric: string;
  runs: { params: Record<string, string>; metric: number }[];
  importance: Record<string, number>;
  correlation: Record<string, number>;
};

const ranking = (importance: Record<string, number>) =>
  Object.keys(importance).sort((a, b) => importance[b] - importance[a]);

describe('parameter importance', () => {
  it("ranks the params as scikit-learn's random forest does, with Pearson r exact", () => {
    const result = parameterImportance(reference.runs);
    assert.equal(result.runs, reference.runs.length);
    const ours = Object.fromEntries(result.params.map((p) => [p.param, p.importance]));
    assert.deepEqual(
      result.params.map((p) => p.param),
      ranking(reference.importance),
    );
    assert.deepEqual(ranking(reference.importance), ['p1', 'p2', 'p3']);
    // Another generator draws other bootstrap samples: close to sklearn's, not equal.
    for (const param of ['p1', 'p2', 'p3'])
      assert.ok(
        Math.abs(ours[param] - reference.importance[param]) < 0.01,
        `${param}: ${ours[param]} vs sklearn ${reference.importance[param]}`,
      );
    assert.ok(Math.abs(result.params.reduce((s, p) => s + p.importance, 0) - 1) < 1e-12);
    for (const p of result.params) {
      if (p.param === 'p3') {
        assert.equal(p.kind, 'categorical');
        assert.equal(p.correlation, null);
      } else {
        assert.equal(p.kind, 'numeric');
        assert.ok(Math.abs(p.correlation! - reference.correlation[p.param]) < 1e-9, p.param);
      }
    }
  });

  it('keeps the ranking whatever the seed, and repeats itself for one seed', () => {
    for (const seed of [1, 7, 42]) {
      const result = parameterImportance(reference.runs, { seed });
      assert.deepEqual(
        result.params.map((p) => p.param),
        ['p1', 'p2', 'p3'],
        `seed ${seed}`,
      );
    }
    assert.deepEqual(
      parameterImportance(reference.runs, { seed: 3 }),
      parameterImportance(reference.runs, { seed: 3 }),
    );
    assert.notDeepEqual(
      parameterImportance(reference.runs, { seed: 3 }).params[0].importance,
      parameterImportance(reference.runs, { seed: 4 }).params[0].importance,
    );
  });

  it('gives a constant param nothing, leaves out runs without the metric, reads missing params', () => {
    const runs: ImportanceRun[] = [
      { params: { x: '1', c: 'same', opt: 'adam' }, metric: 1 },
      { params: { x: '2', c: 'same', opt: 'sgd' }, metric: 2 },
      { params: { x: '3', c: 'same' }, metric: 3 },
      { params: { x: '4', c: 'same', opt: 'sgd' }, metric: 4 },
      { params: { x: '5', c: 'same', opt: 'adam' }, metric: Number.NaN },
      { params: { x: '6', c: 'same', opt: 'adam' }, metric: undefined },
    ];
    const result = parameterImportance(runs);
    assert.equal(result.runs, 4);
    const byName = Object.fromEntries(result.params.map((p) => [p.param, p]));
    assert.equal(byName.c.importance, 0);
    assert.equal(byName.c.correlation, null);
    assert.equal(byName.c.kind, 'categorical');
    assert.ok(Math.abs(byName.x.correlation! - 1) < 1e-12);
    assert.equal(result.params[0].param, 'x');
    assert.ok(byName.x.importance > byName.opt.importance);
  });

  it('splits on exactly the right feature for a step function', () => {
    // y steps at x0 = 0.5; x1 is noise. Every tree's only useful split is on x0.
    const X = Array.from({ length: 40 }, (_, i) => [i / 40, (i * 7919) % 13]);
    const y = X.map(([a]) => (a < 0.5 ? 0 : 1));
    const importance = forestImportance(X, y, { trees: 20, seed: 5 });
    assert.deepEqual(importance, [1, 0]);
    assert.throws(() => forestImportance(X, y.slice(1)), /X has 40 rows but y has 39 values/);
    assert.throws(() => forestImportance(X, y, { trees: 0 }), /trees must be a whole number >= 1/);
  });

  it('computes Pearson r as SciPy does, null when one side is constant', () => {
    const x = reference.runs.map((r) => Number(r.params.p1));
    const y = reference.runs.map((r) => r.metric);
    assert.ok(Math.abs(pearson(x, y)! - reference.correlation.p1) < 1e-9);
    assert.equal(pearson([1, 1, 1], [1, 2, 3]), null);
    assert.equal(pearson([1], [1]), null);
  });

  forEachBackendShared('parameter importance from a store', (backend) => {
    let store: RunStore;
    before(async () => {
      store = await backend().open();
      const parent = await store.createRun({ experiment: 'sweep', name: 'parent' });
      let t = 1_000;
      for (const [i, r] of reference.runs.entries()) {
        const run = await store.createRun({
          experiment: 'sweep',
          name: `trial-${i}`,
          parentRunId: parent.id,
        });
        await store.logParams(run.id, r.params);
        // The latest value is the reference metric; the history's max is 10 more.
        await store.insertMetricPoints([
          { runId: run.id, key: reference.metric, step: 0, timestamp: t++, value: r.metric + 10 },
          { runId: run.id, key: reference.metric, step: 1, timestamp: t++, value: r.metric },
        ]);
      }
    });

    it('reads the runs, their params and the metric, as the core function gets them', async () => {
      const result = await runsImportance(store, { experiment: 'sweep', metric: reference.metric });
      assert.equal(result.considered, reference.runs.length + 1);
      assert.deepEqual(result.params, parameterImportance(reference.runs).params);
      const sweep = (await store.listRuns({ experiment: 'sweep' })).find(
        (r) => r.name === 'parent',
      )!;
      const children = await runsImportance(store, {
        experiment: 'sweep',
        parentRunId: sweep.id,
        metric: reference.metric,
        aggregate: 'max',
      });
      assert.equal(children.considered, reference.runs.length);
      assert.deepEqual(
        children.params,
        parameterImportance(reference.runs.map((r) => ({ ...r, metric: r.metric + 10 }))).params,
      );
      await assert.rejects(
        runsImportance(store, { experiment: 'sweep', metric: 'nope' }),
        /0 of 121 runs have a finite metric "nope"; at least 2 are needed/,
      );
      await assert.rejects(
        runsImportance(store, { experiment: 'nosuch', metric: 'm' }),
        /no experiment "nosuch"/,
      );
    });

    it('answers `labbook importance EXP --metric M [--json]`', () => {
      const bin = path.join(root, 'bin', 'labbook.js');
      const location = backend().location;
      const storeArg = location.backend === 'sqlite' ? location.path : location.url;
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, [bin, '--store', storeArg, 'importance', ...args], {
          encoding: 'utf8',
          timeout: 120_000,
          env: { ...process.env, LABBOOK_STORE: '' },
        });
      const json = cli('sweep', '--metric', reference.metric, '--json');
      assert.equal(json.status, 0, json.stderr);
      const parsed = JSON.parse(json.stdout) as { params: { param: string; importance: number }[] };
      assert.deepEqual(
        parsed.params.map((p) => p.param),
        ['p1', 'p2', 'p3'],
      );
      const text = cli('sweep', '--metric', reference.metric);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^val_loss: 120 of 121 runs/);
      assert.match(text.stdout, /\np1 +numeric +0\.98\d +0\.984\n/);
      const bad = cli('nosuch', '--metric', 'm');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /No experiment named "nosuch"/);
      const missing = cli('sweep', '--metric', 'nope');
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /0 of 121 runs have a finite metric "nope"/);
    });
  });
});
