/**
 * The runs search language: parsing (with error positions) and its SQL on a real store.
 * Queries include the examples of MLflow's search-runs documentation.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  parseFilter,
  parseOrderBy,
  SEARCH_LIMITS,
  SearchSyntaxError,
} from '../../core/search/parse';
import { likeToGlob, SQLITE_SEARCH } from '../../core/store/sqlite/search';
import { POSTGRES_SEARCH } from '../../core/store/postgres/search';
import { compileSearch } from '../../core/store/sql/search';
import { Store } from '../../core/store';

function errorAt(
  query: string,
  parse: (q: string) => unknown = parseFilter,
): { position: number; message: string } {
  try {
    parse(query);
  } catch (error) {
    assert.ok(error instanceof SearchSyntaxError, String(error));
    return { position: error.position, message: error.message };
  }
  throw new Error(`no error for ${query}`);
}

describe('runs search language', () => {
  describe('parsing', () => {
    it("reads MLflow's documented examples", () => {
      assert.deepEqual(
        parseFilter('metrics.rmse < 1 and params.model = "tree"').map((c) => [
          c.entity,
          c.key,
          c.comparator,
          c.value,
        ]),
        [
          ['metrics', 'rmse', '<', 1],
          ['params', 'model', '=', 'tree'],
        ],
      );
      assert.deepEqual(
        parseFilter("tags.`mlflow.source.type` = 'NOTEBOOK'")[0].key,
        'mlflow.source.type',
      );
      assert.deepEqual(
        parseFilter('tags.mlflow.source.name = "train.py"')[0].key,
        'mlflow.source.name',
      );
      assert.deepEqual(parseFilter('metrics."f1 score" >= 0.5')[0].key, 'f1 score');
      assert.deepEqual(parseFilter("attributes.run_id IN ('a1', 'b2')")[0].value, ['a1', 'b2']);
      assert.deepEqual(
        parseFilter('params.lr LIKE "0.0%" AND attribute.status != "FAILED"').map(
          (c) => c.comparator,
        ),
        ['LIKE', '!='],
      );
      assert.deepEqual(parseFilter('metrics.loss <= -1.5e-3')[0].value, -0.0015);
      assert.deepEqual(parseFilter('run.run_name ILIKE "%dense%"')[0], {
        entity: 'attributes',
        key: 'run_name',
        comparator: 'ILIKE',
        value: '%dense%',
        position: 0,
      });
      assert.deepEqual(parseFilter('   '), []);
    });

    it('reads order-by keys', () => {
      assert.deepEqual(
        parseOrderBy('metrics.acc DESC, params.`batch size`, attributes.start_time ASC'),
        [
          { entity: 'metrics', key: 'acc', descending: true },
          { entity: 'params', key: 'batch size', descending: false },
          { entity: 'attributes', key: 'start_time', descending: false },
        ],
      );
    });

    it('points at the offending position', () => {
      assert.equal(errorAt('metrics.acc >> 0.9').position, 13);
      assert.equal(errorAt('metrics.acc 0.9').position, 12);
      assert.equal(errorAt('params.lr = 0.01').position, 12);
      assert.match(
        errorAt('params.lr = 0.01').message,
        /params\.lr is a string: quote the value, e\.g\. "0\.01"/,
      );
      assert.equal(errorAt('params.lr > "0.01"').position, 10);
      assert.equal(errorAt('metrics.acc > 0.9 or metrics.loss < 1').position, 18);
      assert.match(errorAt('metrics.acc > 0.9 or metrics.loss < 1').message, /OR is not supported/);
      assert.equal(errorAt('metric.acc > 0.9 and').position, 20);
      assert.equal(errorAt('foo.acc > 1').position, 0);
      assert.equal(errorAt('attributes.colour = "red"').position, 11);
      assert.equal(errorAt('params.lr = "0.01').position, 12);
      assert.equal(errorAt('metrics.acc DESC extra', parseOrderBy).position, 17);
      assert.match(
        errorAt('metrics.acc >> 0.9').message,
        /at position 13:\n {2}metrics\.acc >> 0\.9\n {15}\^/,
      );
    });

    it("makes MLflow's LIKE case-sensitive and keeps GLOB wildcards literal", () => {
      assert.equal(likeToGlob('dense_%'), 'dense?*');
      assert.equal(likeToGlob('a*b?[c'), 'a[*]b[?][[]c');
    });
  });

  describe('one compiler, a dialect per backend', () => {
    const clauses = parseFilter(
      'params.model = "tree" and metrics.acc > 0.5 and attributes.run_name LIKE "a%" and attributes.duration > 5',
    );
    const order = parseOrderBy('params.model, metrics.acc DESC, attributes.user');

    it('spells SQLite as plain SQL: GLOB for LIKE, BINARY order, NULL smallest', () => {
      const sql = compileSearch(SQLITE_SEARCH, clauses, order, 1000);
      assert.deepEqual(sql.where, [
        'EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.value = ?)',
        'EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_id = r.id AND m.key = ? AND m.value > ?)',
        'r.name GLOB ?',
        `(CASE WHEN r.end_time IS NOT NULL THEN r.end_time - r.start_time
    WHEN r.status = 'running' THEN ? - r.start_time END) > ?`,
      ]);
      assert.deepEqual(sql.args, ['model', 'tree', 'acc', 0.5, 'a*', 1000, 5]);
      assert.deepEqual(sql.orderBy, [
        '(SELECT x.value FROM params x WHERE x.run_id = r.id AND x.key = ?) ASC NULLS LAST',
        '(SELECT x.value FROM latest_metrics x WHERE x.run_id = r.id AND x.key = ?) DESC NULLS LAST',
        'r.user_name ASC',
      ]);
      assert.deepEqual(sql.orderArgs, ['model', 'acc']);
    });

    it('spells PostgreSQL with text sorted in byte order, NaN as NULL, SQLite null placement', () => {
      const sql = compileSearch(POSTGRES_SEARCH, clauses, order, 1000);
      assert.deepEqual(sql.where.slice(0, 3), [
        'EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.value = ?)',
        "EXISTS (SELECT 1 FROM metric_series m WHERE m.run_id = r.id AND m.key = ? AND NULLIF(m.value, 'NaN'::double precision) > ?)",
        "r.name LIKE ? ESCAPE ''",
      ]);
      assert.match(sql.where[3], /THEN \?::double precision - r\.start_time END\) > \?$/);
      assert.deepEqual(sql.args, ['model', 'tree', 'acc', 0.5, 'a%', 1000, 5]);
      assert.deepEqual(sql.orderBy, [
        '(SELECT x.value COLLATE "C" FROM params x WHERE x.run_id = r.id AND x.key = ?) ASC NULLS LAST',
        "(SELECT NULLIF(x.value, 'NaN'::double precision) FROM metric_series x WHERE x.run_id = r.id AND x.key = ?) DESC NULLS LAST",
        'r.user_name COLLATE "C" ASC NULLS FIRST',
      ]);
    });
  });

  describe('in SQL on a real store', () => {
    let dir: string;
    let store: Store;
    const ids: Record<string, string> = {};
    const query = (filter: string, order = '') =>
      store
        .listRuns({ search: { clauses: parseFilter(filter), order: parseOrderBy(order) } })
        .map((r) => r.name);

    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-search-'));
      store = Store.open({ path: path.join(dir, 'labbook.db') });
      const runs: {
        name: string;
        params: Record<string, string>;
        tags: Record<string, string>;
        acc: number;
        status: 'finished' | 'failed';
      }[] = [
        {
          name: 'dense-4',
          params: { units: '4', lr: '0.01' },
          tags: { model: 'dense' },
          acc: 0.91,
          status: 'finished',
        },
        {
          name: 'dense-16',
          params: { units: '16', lr: '0.05' },
          tags: { model: 'dense wide' },
          acc: 0.97,
          status: 'finished',
        },
        {
          name: 'Conv-8',
          params: { units: '8', lr: '0.01', 'batch size': '32' },
          tags: { model: 'Conv' },
          acc: Number.NaN,
          status: 'failed',
        },
        { name: 'linear', params: { lr: '0.1' }, tags: {}, acc: 0.62, status: 'finished' },
      ];
      let t = 1_000;
      for (const r of runs) {
        const run = store.createRun({ experiment: 'search', name: r.name, startTime: (t += 1000) });
        ids[r.name] = run.id;
        store.logParams(run.id, r.params);
        store.setTags(run.id, r.tags);
        store.insertMetricPoints([
          { runId: run.id, key: 'acc', step: 0, timestamp: t, value: r.acc },
        ]);
        store.endRun(run.id, r.status);
      }
    });
    after(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('compares metrics as numbers (latest value; NaN matches nothing)', () => {
      assert.deepEqual(query('metrics.acc > 0.9'), ['dense-16', 'dense-4']);
      assert.deepEqual(query('metrics.acc < 0.7'), ['linear']);
      assert.deepEqual(query('metrics.missing > 0'), []);
    });

    it('compares params and tags as strings, LIKE case-sensitive, ILIKE not', () => {
      assert.deepEqual(query('params.lr = "0.01"'), ['Conv-8', 'dense-4']);
      assert.deepEqual(query('params.units != "4"'), ['Conv-8', 'dense-16']);
      assert.deepEqual(query('tags.model LIKE "dense%"'), ['dense-16', 'dense-4']);
      assert.deepEqual(query('tags.model LIKE "conv%"'), []);
      assert.deepEqual(query('tags.model ILIKE "conv%"'), ['Conv-8']);
      assert.deepEqual(query('params.`batch size` IN ("32", "64")'), ['Conv-8']);
      assert.deepEqual(query('params.lr NOT IN ("0.01")'), ['linear', 'dense-16']);
    });

    it("filters attributes, with MLflow's capitalised statuses", () => {
      assert.deepEqual(query('attributes.status = "FAILED"'), ['Conv-8']);
      assert.deepEqual(query('attributes.status = "finished" and params.lr = "0.01"'), ['dense-4']);
      assert.deepEqual(query(`attributes.run_id IN ('${ids.linear}', '${ids['dense-4']}')`), [
        'linear',
        'dense-4',
      ]);
      assert.deepEqual(query('attributes.run_name LIKE "dense-1_"'), ['dense-16']);
    });

    it('orders by metrics, params and attributes, runs without the key last', () => {
      assert.deepEqual(query('', 'metrics.acc DESC'), ['dense-16', 'dense-4', 'linear', 'Conv-8']);
      assert.deepEqual(query('', 'metrics.acc'), ['linear', 'dense-4', 'dense-16', 'Conv-8']);
      assert.deepEqual(query('', 'params.units DESC, attributes.start_time'), [
        'Conv-8',
        'dense-4',
        'dense-16',
        'linear',
      ]);
    });

    it('runs searches at their limits, and names the limit past them instead of a database error', () => {
      const conditions = (n: number) =>
        Array.from({ length: n }, (_, i) => `params.lr != "x${i}"`).join(' AND ');
      assert.deepEqual(query(conditions(SEARCH_LIMITS.conditions)).sort(), [
        'Conv-8',
        'dense-16',
        'dense-4',
        'linear',
      ]);
      const tooMany = errorAt(conditions(999));
      assert.match(tooMany.message, /more than 200 conditions; at most 200 are supported/);
      const keys = (n: number) => Array.from({ length: n }, (_, i) => `params.k${i}`).join(', ');
      assert.equal(query('', keys(SEARCH_LIMITS.orderKeys)).length, 4);
      assert.match(errorAt(keys(3000), parseOrderBy).message, /more than 50 keys/);
      const list = (n: number) =>
        `params.lr IN (${Array.from({ length: n }, (_, i) => `"${i}"`).join(', ')})`;
      assert.deepEqual(query(list(SEARCH_LIMITS.valuesPerList)), []);
      assert.match(errorAt(list(40_000)).message, /IN lists more than 1000 values/);
      const lists = Array.from({ length: 11 }, () => list(SEARCH_LIMITS.valuesPerList)).join(
        ' AND ',
      );
      assert.match(errorAt(lists).message, /compares 11000 values in all; at most 10000/);
      assert.deepEqual(
        query(Array.from({ length: 10 }, () => list(SEARCH_LIMITS.valuesPerList)).join(' AND ')),
        [],
      );
    });

    it('keeps hostile values as data', () => {
      assert.deepEqual(query('params.lr = "0.01\' OR 1=1 --"'), []);
      assert.deepEqual(query('tags.model = "x\\" OR 1=1"'), []);
    });
  });

  describe('attributes.duration', () => {
    let dir: string;
    let store: Store;
    // Started at 1,000,000 ms; "running" has no end, so its duration is now minus its start.
    const START = 1_000_000;
    const query = (filter: string, order: string, now: number) =>
      store
        .listRuns({ search: { clauses: parseFilter(filter), order: parseOrderBy(order), now } })
        .map((r) => r.name);

    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-duration-'));
      store = Store.open({ path: path.join(dir, 'labbook.db') });
      const runs: { name: string; lr: string; seconds: number | null }[] = [
        { name: 'half-minute', lr: '0.01', seconds: 30 },
        { name: 'minute-and-a-half', lr: '0.1', seconds: 90 },
        { name: 'ten-seconds', lr: '0.01', seconds: 10 },
        { name: 'running', lr: '0.01', seconds: null },
      ];
      runs.forEach((r, i) => {
        const run = store.createRun({
          experiment: 'durations',
          name: r.name,
          startTime: START + i,
        });
        store.logParams(run.id, { lr: r.lr });
        if (r.seconds !== null)
          store.endRun(run.id, 'finished', { endTime: START + i + r.seconds * 1000 });
      });
    });
    after(() => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('parses as a number of milliseconds', () => {
      assert.deepEqual(parseFilter('attributes.duration > 60000')[0], {
        entity: 'attributes',
        key: 'duration',
        comparator: '>',
        value: 60000,
        position: 0,
      });
      assert.deepEqual(parseOrderBy('attributes.duration DESC'), [
        { entity: 'attributes', key: 'duration', descending: true },
      ]);
      assert.match(errorAt('attributes.duration = "60s"').message, /is a number/);
      assert.match(errorAt('attributes.duration LIKE "6%"').message, /is a number/);
      assert.match(errorAt('attributes.colour = "red"').message, /duration/);
    });

    it("filters by it, a running run's growing until now", () => {
      const running = START + 3;
      assert.deepEqual(query('attributes.duration > 60000', '', running + 5_000), [
        'minute-and-a-half',
      ]);
      assert.deepEqual(query('attributes.duration > 60000', '', running + 120_000), [
        'running',
        'minute-and-a-half',
      ]);
      assert.deepEqual(query('attributes.duration <= 30000', '', running + 45_000), [
        'ten-seconds',
        'half-minute',
      ]);
    });

    it('orders by it, with the filter and the other keys bound in their places', () => {
      const now = START + 3 + 45_000;
      assert.deepEqual(query('', 'attributes.duration', now), [
        'ten-seconds',
        'half-minute',
        'running',
        'minute-and-a-half',
      ]);
      assert.deepEqual(query('', 'attributes.duration DESC', now), [
        'minute-and-a-half',
        'running',
        'half-minute',
        'ten-seconds',
      ]);
      assert.deepEqual(
        query(
          'params.lr = "0.01" and attributes.duration >= 20000',
          'params.lr, attributes.duration DESC',
          now,
        ),
        ['running', 'half-minute'],
      );
      assert.deepEqual(query('', 'params.lr DESC, attributes.duration', now), [
        'minute-and-a-half',
        'ten-seconds',
        'half-minute',
        'running',
      ]);
    });

    it('measures a running run at the time of the search by default', () => {
      const run = store.listRuns({
        search: { clauses: parseFilter('attributes.run_name = "running"') },
      })[0];
      const age = Date.now() - run.startTime;
      assert.deepEqual(
        store
          .listRuns({ search: { clauses: parseFilter(`attributes.duration >= ${age}`) } })
          .map((r) => r.name),
        ['running'],
      );
    });
  });
});
