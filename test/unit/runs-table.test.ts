/**
 * The runs table query on a real SQLite store: ordering (pinned, group, order-by, start
 * time), filters, syntax errors with their position, group counts, min/max with NaN,
 * children, columns over every matching run, best values, paging; and the comparison data
 * the compare panel draws.
 */
import { asyncRunStore } from '../../core/store/sqlite/async-run-store';
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { comparisonData, CompareError, resolveRunIds } from '../../core/compare/compare';
import { checkRunsTableQuery, queryRunsTable } from '../../core/service/table';
import { Store } from '../../core/store';
import { makeTempDir, removeDir } from './temp';

interface Seed {
  name: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** Every point of each metric, by step. */
  metrics?: Record<string, number[]>;
  experiment?: string;
  parent?: string;
}

describe('runs table', () => {
  let dir: string;
  let store: Store;
  /** Run id by name. */
  const id: Record<string, string> = {};
  const T0 = Date.UTC(2026, 0, 1);

  function seed(runs: Seed[]): void {
    runs.forEach((r, i) => {
      const run = store.createRun({
        experiment: r.experiment ?? 'mnist',
        name: r.name,
        startTime: T0 + i * 1000,
        parentRunId: r.parent ? id[r.parent] : null,
      });
      id[r.name] = run.id;
      if (r.params) store.logParams(run.id, r.params);
      if (r.tags) store.setTags(run.id, r.tags);
      const points = Object.entries(r.metrics ?? {}).flatMap(([key, values]) =>
        values.map((value, step) => ({
          runId: run.id,
          key,
          step,
          timestamp: T0 + i * 1000 + step,
          value,
        })),
      );
      store.insertMetricPoints(points);
      store.endRun(run.id, 'finished');
    });
  }

  before(() => {
    dir = makeTempDir('labbook-table-');
    store = Store.open({ path: join(dir, 'labbook.db') });
    seed([
      {
        name: 'a',
        params: { units: '16', lr: '0.1' },
        metrics: { acc: [0.5, 0.7], loss: [0.9, 0.4] },
        tags: { owner: 'ada' },
      },
      {
        name: 'b',
        params: { units: '32', lr: '0.1' },
        metrics: { acc: [0.6, 0.9], loss: [Number.NaN, 0.2] },
      },
      {
        name: 'c',
        params: { units: '16', lr: '0.01' },
        metrics: { acc: [0.8, 0.6], loss: [Number.NaN, Number.NaN] },
        tags: { 'labbook.pinned': 'true', 'labbook.note': 'keep' },
      },
      {
        name: 'd',
        params: { lr: '0.01' },
        metrics: { acc: [0.3], grad: [Number.POSITIVE_INFINITY] },
      },
      { name: 'e', params: { units: '32' }, tags: { stage: 'draft' } },
      { name: 'c-fold-1', parent: 'c', params: { fold: '1' }, metrics: { acc: [0.61] } },
      { name: 'c-fold-2', parent: 'c', params: { fold: '2' }, metrics: { acc: [0.59] } },
      { name: 'other', experiment: 'cifar', params: { depth: '50' }, metrics: { top1: [0.7] } },
      { name: 'deleted', params: { units: '64' }, metrics: { acc: [1.0] } },
    ]);
    store.deleteRun(id.deleted);
  });
  after(() => {
    store.close();
    removeDir(dir);
  });

  const mnist = () => store.getExperiment('mnist')!.id;
  const names = (page: { rows: { name: string }[] }) => page.rows.map((r) => r.name);

  it('lists top-level runs of all experiments, pinned first then newest first, with totals', async () => {
    const page = await queryRunsTable(asyncRunStore(store), { offset: 0, limit: 50 });
    assert.deepEqual(names(page), ['c', 'other', 'e', 'd', 'b', 'a']);
    assert.equal(page.total, 6);
    assert.equal(page.offset, 0);
    assert.equal(page.error, undefined);
    assert.deepEqual(
      page.rows.map((r) => r.pinned),
      [true, false, false, false, false, false],
    );
  });

  it('orders by the order-by after pinned runs, runs without the key last, ties by newest', async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      orderBy: 'metrics.acc DESC',
      offset: 0,
      limit: 50,
    });
    assert.deepEqual(names(page), ['c', 'b', 'a', 'd', 'e']);
    const ascending = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      orderBy: 'params.units ASC, attributes.run_name DESC',
      offset: 0,
      limit: 50,
    });
    assert.deepEqual(names(ascending), ['c', 'a', 'e', 'b', 'd']);
  });

  it("orders by duration (the Duration column's sort), either way", async () => {
    for (const descending of [false, true]) {
      const page = await queryRunsTable(asyncRunStore(store), {
        experimentIds: [mnist()],
        orderBy: `attributes.duration${descending ? ' DESC' : ''}`,
        offset: 0,
        limit: 50,
      });
      assert.equal(page.error, undefined);
      const durations = page.rows.filter((r) => !r.pinned).map((r) => r.endTime! - r.startTime);
      assert.ok(new Set(durations).size > 2, `runs of different durations: ${durations}`);
      assert.deepEqual(
        durations,
        [...durations].sort((x, y) => (descending ? y - x : x - y)),
      );
    }
  });

  it('filters in SQL with the search language', async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      filter: 'metrics.acc > 0.65 and params.lr = "0.1"',
      offset: 0,
      limit: 50,
    });
    assert.deepEqual(names(page), ['b', 'a']);
    assert.equal(page.total, 2);
    assert.deepEqual(
      names(
        await queryRunsTable(asyncRunStore(store), {
          filter: 'tags.stage = "draft"',
          offset: 0,
          limit: 10,
        }),
      ),
      ['e'],
    );
    // System tags are not user tags, yet a filter on them works (the pin).
    assert.deepEqual(
      names(
        await queryRunsTable(asyncRunStore(store), {
          filter: 'tags.`labbook.pinned` = "true"',
          offset: 0,
          limit: 10,
        }),
      ),
      ['c'],
    );
  });

  it('reports filter and order-by syntax errors with their position, as an empty page', async () => {
    const bad = await queryRunsTable(asyncRunStore(store), {
      filter: 'metrics.acc > 0.5 and params.lr < "1"',
      offset: 0,
      limit: 10,
    });
    assert.deepEqual(
      { ...bad, error: { ...bad.error!, message: '' } },
      {
        total: 0,
        offset: 0,
        rows: [],
        columns: { params: [], metrics: [], tags: [] },
        best: {},
        error: { in: 'filter', message: '', position: 32 },
      },
    );
    assert.match(bad.error!.message, /< compares numbers; params.lr is a string/);
    const badOrder = await queryRunsTable(asyncRunStore(store), {
      orderBy: 'metrics.acc DOWN',
      offset: 0,
      limit: 10,
    });
    assert.equal(badOrder.error?.in, 'orderBy');
    assert.equal(badOrder.error?.position, 12);
    assert.deepEqual(badOrder.rows, []);
  });

  it('fills params, user tags, latest/min/max per metric (NaN ignored, null when all NaN) and child counts', async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 0,
      limit: 50,
    });
    const row = (name: string) => page.rows.find((r) => r.name === name)!;
    assert.deepEqual(row('a').params, { lr: '0.1', units: '16' });
    assert.deepEqual(row('a').tags, { owner: 'ada' });
    assert.deepEqual(row('a').metrics, {
      acc: { latest: 0.7, min: 0.5, max: 0.7, step: 1 },
      loss: { latest: 0.4, min: 0.4, max: 0.9, step: 1 },
    });
    assert.deepEqual(row('b').metrics.loss, { latest: 0.2, min: 0.2, max: 0.2, step: 1 });
    assert.deepEqual(row('c').metrics.loss, { latest: 'NaN', min: null, max: null, step: 1 });
    assert.deepEqual(row('c').metrics.acc, { latest: 0.6, min: 0.6, max: 0.8, step: 1 });
    assert.deepEqual(row('d').metrics.grad, {
      latest: 'Infinity',
      min: 'Infinity',
      max: 'Infinity',
      step: 0,
    });
    assert.deepEqual(row('c').tags, {});
    assert.equal(row('c').pinned, true);
    assert.equal(row('c').childCount, 2);
    assert.equal(row('a').childCount, 0);
    assert.deepEqual(row('e').metrics, {});
    assert.deepEqual(row('a').keyMetric, { key: 'acc', value: 0.7 });
    assert.equal(row('a').deletedAt, null);
    assert.equal(row('a').experiment, 'mnist');
  });

  it("lists a run's children in start order", async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      parentRunId: id.c,
      offset: 0,
      limit: 10,
    });
    assert.deepEqual(names(page), ['c-fold-1', 'c-fold-2']);
    assert.equal(page.total, 2);
    assert.deepEqual(page.columns, { params: ['fold'], metrics: ['acc'], tags: [] });
    const all = await queryRunsTable(asyncRunStore(store), {
      topLevelOnly: false,
      experimentIds: [mnist()],
      offset: 0,
      limit: 50,
    });
    assert.equal(all.total, 7);
  });

  it('offers as columns every key of every matching run, not only the page, without system tags', async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 0,
      limit: 1,
    });
    assert.equal(page.rows.length, 1);
    assert.equal(page.total, 5);
    assert.deepEqual(page.columns, {
      params: ['lr', 'units'],
      metrics: ['acc', 'grad', 'loss'],
      tags: ['owner', 'stage'],
    });
    const filtered = await queryRunsTable(asyncRunStore(store), {
      filter: 'params.units = "32"',
      offset: 0,
      limit: 1,
    });
    assert.deepEqual(filtered.columns, {
      params: ['lr', 'units'],
      metrics: ['acc', 'loss'],
      tags: ['stage'],
    });
  });

  it("picks the best latest value per metric by direction: name rule, or the experiment's key metric", async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 0,
      limit: 1,
    });
    // acc: higher is better; loss: lower (c's NaN ignored); grad: only +Infinity, which is not finite.
    assert.deepEqual(page.best, { acc: 0.9, loss: 0.2 });
    store.setKeyMetric('mnist', 'acc', false);
    try {
      assert.deepEqual(
        (
          await queryRunsTable(asyncRunStore(store), {
            experimentIds: [mnist()],
            offset: 0,
            limit: 1,
          })
        ).best,
        { acc: 0.3, loss: 0.2 },
      );
      // Across experiments the name rule decides.
      assert.equal(
        (await queryRunsTable(asyncRunStore(store), { offset: 0, limit: 1 })).best.acc,
        0.9,
      );
    } finally {
      store.setKeyMetric('mnist', null);
    }
  });

  it('groups by a param: rows by value after pinned runs, counts per value in order, unlogged last', async () => {
    const page = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      groupByParam: 'units',
      offset: 0,
      limit: 50,
    });
    assert.deepEqual(names(page), ['c', 'a', 'e', 'b', 'd']);
    assert.deepEqual(page.groups, [
      { value: '16', count: 2 },
      { value: '32', count: 2 },
      { value: null, count: 1 },
    ]);
    assert.equal(
      (await queryRunsTable(asyncRunStore(store), { offset: 0, limit: 50 })).groups,
      undefined,
    );
  });

  it('pages with offset and limit, clamping the limit to 1..1000', async () => {
    const first = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 0,
      limit: 2,
    });
    const second = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 2,
      limit: 2,
    });
    const third = await queryRunsTable(asyncRunStore(store), {
      experimentIds: [mnist()],
      offset: 4,
      limit: 2,
    });
    assert.deepEqual([names(first), names(second), names(third)], [['c', 'e'], ['d', 'b'], ['a']]);
    assert.deepEqual([first.total, second.total, third.total], [5, 5, 5]);
    assert.equal(second.offset, 2);
    assert.equal(
      (await queryRunsTable(asyncRunStore(store), { offset: 0, limit: 0 })).rows.length,
      1,
    );
    assert.equal(
      (await queryRunsTable(asyncRunStore(store), { offset: 0, limit: 5000 })).rows.length,
      6,
    );
    assert.deepEqual(
      names(await queryRunsTable(asyncRunStore(store), { offset: 100, limit: 10 })),
      [],
    );
  });

  it('checks queries from another process', async () => {
    assert.equal(
      checkRunsTableQuery({ offset: 0, limit: 10, filter: 'metrics.acc > 1', experimentIds: [1] }),
      undefined,
    );
    assert.match(checkRunsTableQuery(null)!, /must be an object/);
    assert.match(
      checkRunsTableQuery({ offset: -1, limit: 10 })!,
      /offset must be an integer >= 0, got -1/,
    );
    assert.match(checkRunsTableQuery({ offset: 0, limit: '10' })!, /limit must be an integer/);
    assert.match(
      checkRunsTableQuery({ offset: 0, limit: 10, experimentIds: ['1'] })!,
      /experimentIds/,
    );
    assert.match(
      checkRunsTableQuery({ offset: 0, limit: 10, filter: 3 })!,
      /filter must be a string/,
    );
    assert.match(checkRunsTableQuery({ offset: 0, limit: 10, parentRunId: '' })!, /parentRunId/);
  });

  describe('comparison data', () => {
    it('has the comparison, every point per metric per run, and start times', async () => {
      const data = await comparisonData(asyncRunStore(store), [id.a, id.b, id.c.slice(0, 6)]);
      assert.deepEqual(
        data.comparison.runs.map((r) => r.name),
        ['a', 'b', 'c'],
      );
      assert.deepEqual(
        data.comparison.metrics.map((m) => [m.key, m.values, m.best]),
        [
          ['acc', [0.7, 0.9, 0.6], [1]],
          ['loss', [0.4, 0.2, 'NaN'], [1]],
        ],
      );
      assert.deepEqual(Object.keys(data.histories).sort(), ['acc', 'loss']);
      assert.deepEqual(
        data.histories.acc[id.b].map((p) => [p.step, p.value]),
        [
          [0, 0.6],
          [1, 0.9],
        ],
      );
      assert.deepEqual(
        data.histories.loss[id.c].map((p) => p.value),
        ['NaN', 'NaN'],
      );
      assert.deepEqual(
        data.histories.loss[id.b].map((p) => [p.step, p.timestamp, p.value]),
        [
          [0, T0 + 1000, 'NaN'],
          [1, T0 + 1001, 0.2],
        ],
      );
      assert.deepEqual(data.startTimes, { [id.a]: T0, [id.b]: T0 + 1000, [id.c]: T0 + 2000 });
    });

    it('leaves out runs that never logged a metric and resolves ids exactly or by unique prefix', async () => {
      const data = await comparisonData(asyncRunStore(store), [id.d, id.e]);
      assert.deepEqual(Object.keys(data.histories.acc), [id.d]);
      assert.deepEqual(
        (await resolveRunIds(asyncRunStore(store), [id.deleted])).map((r) => r.name),
        ['deleted'],
      );
      await assert.rejects(
        async () => await resolveRunIds(asyncRunStore(store), ['zzzzzzzz']),
        (e: Error) => e instanceof CompareError && /No run with id "zzzzzzzz"/.test(e.message),
      );
      await assert.rejects(
        async () => await resolveRunIds(asyncRunStore(store), ['abc']),
        /too short/,
      );
      await assert.rejects(
        async () => await comparisonData(asyncRunStore(store), [id.a]),
        /at least two runs/,
      );
    });
  });
});
