/**
 * The search grammar beyond MLflow (issue 23): OR, NOT and parentheses with SQL's
 * precedence, IS NULL, backticked entities, aggregates of a metric's history and the data
 * sets a run used; and MLflow's own filter strings, whose meaning must not change. The
 * store half runs on SQLite and PostgreSQL (test/support/backends.ts).
 */
import { strict as assert } from 'node:assert';
import {
  clausesOf,
  parseFilter,
  parseOrderBy,
  parseSearch,
  SearchSyntaxError,
  type SearchCondition,
} from '../../core/search/parse';
import { compileSearch } from '../../core/store/sql/search';
import { SQLITE_SEARCH } from '../../core/store/sqlite/search';
import { POSTGRES_SEARCH } from '../../core/store/postgres/search';
import { datasetStore, type OpenStore } from '../../core/store';
import { forEachBackendShared } from '../support/backends';

/** A condition as text with every AND / OR group bracketed: the tree made visible. */
function shape(condition: SearchCondition | null): string {
  if (!condition) return '';
  switch (condition.kind) {
    case 'clause': {
      const c = condition.clause;
      const name = `${c.entity}.${c.key}`;
      return c.aggregate ? `${c.aggregate}(${name})` : name;
    }
    case 'not':
      return `NOT ${shape(condition.item)}`;
    default:
      return `(${condition.items.map(shape).join(condition.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}

function errorOf(query: string, parse: (q: string) => unknown = parseSearch): SearchSyntaxError {
  try {
    parse(query);
  } catch (error) {
    assert.ok(error instanceof SearchSyntaxError, String(error));
    return error;
  }
  throw new Error(`no error for ${query}`);
}

/** MLflow filter strings (AND-only, as MLflow has them) and the runs of the fixture each finds. */
const MLFLOW_STRINGS: [string, string[]][] = [
  ['metrics.acc > 0.75', ['b', 'c']],
  ['metrics.acc < 0.75', ['a']],
  ['metrics.`acc` <= 0.7', ['a']],
  ['params.lr = "0.01"', ['b', 'c']],
  ["params.lr = '0.01' and tags.team = 'nlp'", ['c']],
  ['metrics.acc >= 0.8 AND params.lr = "0.01"', ['b', 'c']],
  ['tags.team LIKE "vis%"', ['a']],
  ['tags.team ILIKE "VIS%"', ['a']],
  ['tags."team" = "nlp"', ['c']],
  ['attributes.status = "FINISHED"', ['a', 'b']],
  ["attribute.status != 'RUNNING'", ['a', 'b', 'd']],
  ["params.opt IN ('adam', 'sgd')", ['a', 'b', 'd']],
  // A run without the param matches no comparison, NOT IN included, as in MLflow.
  ["params.opt NOT IN ('adam')", ['b']],
  ['run.run_name = "d"', ['d']],
  ['metrics.max.acc = 0.1', ['b']],
  ['datasets.name = "penguins" AND datasets.context = "train"', ['a']],
  ['', ['a', 'b', 'c', 'd']],
];

describe('search grammar', () => {
  describe('parsing', () => {
    it('binds NOT tighter than AND, and AND tighter than OR', () => {
      assert.equal(
        shape(parseSearch('params.a = "1" OR params.b = "1" AND NOT params.c = "1"')),
        '(params.a OR (params.b AND NOT params.c))',
      );
      assert.equal(
        shape(
          parseSearch('params.a = "1" AND params.b = "1" OR params.c = "1" AND params.d = "1"'),
        ),
        '((params.a AND params.b) OR (params.c AND params.d))',
      );
      assert.equal(
        shape(parseSearch('NOT params.a = "1" AND params.b = "1"')),
        '(NOT params.a AND params.b)',
      );
      assert.equal(
        shape(parseSearch('NOT (params.a = "1" AND params.b = "1")')),
        'NOT (params.a AND params.b)',
      );
      assert.equal(
        shape(parseSearch('(params.a = "1" OR params.b = "1") AND params.c = "1"')),
        '((params.a OR params.b) AND params.c)',
      );
      // Nested groups of one kind flatten; keywords in any case.
      assert.equal(
        shape(parseSearch('params.a = "1" or (params.b = "1" OR params.c = "1")')),
        '(params.a OR params.b OR params.c)',
      );
      assert.equal(shape(parseSearch('not not params.a = "1"')), 'NOT NOT params.a');
      assert.equal(shape(parseSearch('((params.a = "1"))')), 'params.a');
      assert.equal(parseSearch('  '), null);
    });

    it('reads IS NULL, backticked entities, aggregates and data sets', () => {
      assert.deepEqual(parseSearch('params.opt IS NULL'), {
        kind: 'clause',
        position: 0,
        clause: { entity: 'params', key: 'opt', comparator: 'IS NULL', value: null, position: 0 },
      });
      assert.equal(parseFilter('tags.x is not null')[0].comparator, 'IS NOT NULL');
      assert.deepEqual(parseFilter('`metrics`.acc > 1')[0].entity, 'metrics');
      assert.deepEqual(parseFilter('`params`.`my key` = "1"')[0].key, 'my key');
      assert.deepEqual(parseFilter('max(metrics.val_acc) > 0.9')[0], {
        entity: 'metrics',
        key: 'val_acc',
        comparator: '>',
        value: 0.9,
        position: 0,
        aggregate: 'max',
      });
      assert.equal(parseFilter('MEAN(metrics.`val loss`) < 1')[0].aggregate, 'mean');
      assert.equal(parseFilter('count(metrics.acc) >= 10')[0].aggregate, 'count');
      // A dotted name stays a metric of that name, as in MLflow; so does a metric called "max".
      assert.deepEqual(
        parseFilter('metrics.max.acc > 1 and metrics.max > 2').map((c) => [c.key, c.aggregate]),
        [
          ['max.acc', undefined],
          ['max', undefined],
        ],
      );
      assert.deepEqual(
        parseFilter('datasets.name = "penguins" and dataset.role IN ("train")').map((c) => [
          c.entity,
          c.key,
        ]),
        [
          ['datasets', 'name'],
          ['datasets', 'role'],
        ],
      );
      assert.deepEqual(parseOrderBy('max(metrics.acc) DESC, min(metrics.loss), metrics.max.acc'), [
        { entity: 'metrics', key: 'acc', descending: true, aggregate: 'max' },
        { entity: 'metrics', key: 'loss', descending: false, aggregate: 'min' },
        { entity: 'metrics', key: 'max.acc', descending: false },
      ]);
    });

    it('names the position and the token of each error', () => {
      const cases: [string, number, RegExp][] = [
        ['metrics.acc > 0.9 or', 20, /Expected a name .* \(found the end\)/],
        ['(metrics.acc > 0.9', 18, /Expected "\)" to close the "\(" at position 0/],
        ['metrics.acc > 0.9)', 17, /Unbalanced "\)": no "\(" before it \(found "\)"\)/],
        ['metrics.acc > 0.9 params.lr = "a"', 18, /Expected AND, OR .*\(found "params\.lr"\)/],
        [
          'max(params.lr) > 1',
          4,
          /max\(\) aggregates a metric's history.*params\.lr is not a metric/,
        ],
        ['max(metrics.acc > 1', 16, /Expected "\)" to close max\(/],
        ['params.opt IS NUL', 14, /Expected NULL after IS \(found "NUL"\)/],
        ['max(metrics.acc) IS NULL', 17, /IS NULL asks whether a run has/],
        ['attributes.status IS NOT NULL', 18, /IS NOT NULL asks whether/],
        ['max(metrics.acc) LIKE "a"', 17, /LIKE compares strings; max\(metrics\.acc\) is a number/],
        ['count(metrics.acc) = "3"', 21, /count\(metrics\.acc\) is a number/],
        ['NOT', 3, /Expected a name/],
        [
          'metrics.acc > 0.9 AND OR params.x = "1"',
          22,
          /Expected a condition before OR \(found "OR"\)/,
        ],
        ['datasets.size = "1"', 9, /Unknown data set field "size": one of name, role/],
        ['datasets.name > "a"', 14, /> compares numbers/],
        ['`metric.acc > 1', 0, /Unterminated backtick name/],
        ['`colour`.x = "1"', 0, /Unknown entity "colour"/],
      ];
      for (const [query, position, message] of cases) {
        const error = errorOf(query);
        assert.equal(error.position, position, `${query}: ${error.message}`);
        assert.match(error.message, message, query);
      }
      const deep = `${'('.repeat(60)}params.a = "1"${')'.repeat(60)}`;
      assert.match(errorOf(deep).message, /nests parentheses and NOTs more than 50 deep/);
      assert.equal(errorOf(deep).position, 50);
      assert.equal(
        shape(parseSearch(`${'('.repeat(50)}params.a = "1"${')'.repeat(50)}`)),
        'params.a',
      );
      assert.match(errorOf('datasets.name = "x"', parseOrderBy).message, /Unknown entity|sorted/);
    });

    it("keeps MLflow's invalid strings errors at the same positions", () => {
      const cases: [string, number][] = [
        ['metrics.acc >> 0.9', 13],
        ['metrics.acc 0.9', 12],
        ['params.lr = 0.01', 12],
        ['tags.team = nlp', 12],
        ['params.lr > "0.01"', 10],
        ['metric.acc > 0.9 and', 20],
        ['foo.acc > 1', 0],
        ['attributes.colour = "red"', 11],
        ['params.lr = "0.01', 12],
        ['metrics.acc = "x"', 14],
      ];
      for (const [query, position] of cases) {
        assert.equal(errorOf(query).position, position, query);
        assert.equal(errorOf(query, parseFilter).position, position, query);
      }
    });

    it('keeps the AND-only list (gates) refusing OR and NOT at their position', () => {
      const or = errorOf('metrics.acc > 0.9 or metrics.loss < 1', parseFilter);
      assert.equal(or.position, 18);
      assert.match(or.message, /OR is not supported here/);
      const not = errorOf('metrics.acc > 0.9 and not metrics.loss < 1', parseFilter);
      assert.equal(not.position, 22);
      assert.match(not.message, /NOT is not supported here/);
      assert.deepEqual(
        parseFilter('(params.a = "1" and params.b = "2")').map((c) => c.key),
        ['a', 'b'],
      );
    });

    it('reads every MLflow string as the AND of the same clauses, compiled to the same SQL', () => {
      for (const [query] of MLFLOW_STRINGS) {
        const condition = parseSearch(query);
        assert.deepEqual(clausesOf(condition), parseFilter(query), query);
        if (condition) assert.notEqual(condition.kind === 'or' || condition.kind === 'not', true);
        for (const dialect of [SQLITE_SEARCH, POSTGRES_SEARCH]) {
          assert.deepEqual(
            compileSearch(dialect, condition, [], 5),
            compileSearch(dialect, parseFilter(query), [], 5),
            query,
          );
        }
      }
    });
  });

  forEachBackendShared('search grammar on a store', (backend) => {
    let store: OpenStore;
    const names = (filter: string, order = '') =>
      store
        .listRuns({ search: { condition: parseSearch(filter), order: parseOrderBy(order) } })
        .map((r) => r.name ?? '');
    const sorted = (filter: string) => names(filter).sort();

    before(() => {
      store = backend().openSync();
      const datasets = datasetStore(store);
      const dataset = (name: string, fingerprint: string) =>
        datasets.addVersion({
          name,
          fingerprint: fingerprint.repeat(64),
          schema: { columns: [] },
          profile: null,
          rows: 1,
          source: null,
          createdAt: 1,
        });
      const penguins = dataset('penguins', 'a');
      const cars = dataset('cars', 'b');
      const runs: {
        name: string;
        params: Record<string, string>;
        tags: Record<string, string>;
        acc: number[];
        inputs: [number, string][];
        end: 'finished' | 'failed' | null;
      }[] = [
        {
          name: 'a',
          params: { lr: '0.1', opt: 'adam' },
          tags: { team: 'vision' },
          acc: [0.5, 0.9, 0.7],
          inputs: [[penguins.id, 'train']],
          end: 'finished',
        },
        {
          name: 'b',
          params: { lr: '0.01', opt: 'sgd' },
          tags: {},
          acc: [0.6, Number.NaN, 0.8],
          inputs: [
            [penguins.id, 'test'],
            [cars.id, 'train'],
          ],
          end: 'finished',
        },
        {
          name: 'c',
          params: { lr: '0.01' },
          tags: { team: 'nlp' },
          acc: [0.95],
          inputs: [],
          end: null,
        },
        {
          name: 'd',
          params: { lr: '0.001', opt: 'adam' },
          tags: {},
          acc: [],
          inputs: [],
          end: 'failed',
        },
      ];
      let t = 1_000_000;
      for (const r of runs) {
        const run = store.createRun({
          experiment: 'grammar',
          name: r.name,
          startTime: (t += 1000),
        });
        store.logParams(run.id, r.params);
        store.setTags(run.id, r.tags);
        store.insertMetricPoints(
          r.acc.map((value, step) => ({ runId: run.id, key: 'acc', step, timestamp: t, value })),
        );
        if (r.name === 'b')
          store.insertMetricPoints([
            { runId: run.id, key: 'max.acc', step: 0, timestamp: t, value: 0.1 },
          ]);
        for (const [datasetId, role] of r.inputs)
          datasets.recordRunInput({
            runId: run.id,
            datasetId,
            role,
            validation: null,
            createdAt: t,
          });
        if (r.end) store.endRun(run.id, r.end, { endTime: t + 500 });
      }
    });

    it('finds OR, NOT and parenthesised groups with SQL precedence', () => {
      assert.deepEqual(sorted('params.lr = "0.1" OR tags.team = "nlp"'), ['a', 'c']);
      // AND first: adam OR (0.01 AND nlp); read left to right it would be c alone.
      assert.deepEqual(sorted('params.opt = "adam" OR params.lr = "0.01" AND tags.team = "nlp"'), [
        'a',
        'c',
        'd',
      ]);
      assert.deepEqual(
        sorted('(params.opt = "adam" OR params.lr = "0.01") AND tags.team = "nlp"'),
        ['c'],
      );
      // NOT first: (NOT adam) AND 0.01; NOT over the AND would be every run.
      assert.deepEqual(sorted('NOT params.opt = "adam" AND params.lr = "0.01"'), ['b', 'c']);
      assert.deepEqual(sorted('NOT (params.opt = "adam" AND params.lr = "0.01")'), [
        'a',
        'b',
        'c',
        'd',
      ]);
      assert.deepEqual(sorted('NOT (params.opt = "adam" OR tags.team = "nlp")'), ['b']);
      assert.deepEqual(sorted('NOT NOT tags.team = "nlp"'), ['c']);
      // A comparison with a missing end time (c is running) is false, so its NOT holds.
      assert.deepEqual(sorted('attributes.end_time > 0'), ['a', 'b', 'd']);
      assert.deepEqual(sorted('NOT attributes.end_time > 0'), ['c']);
      assert.deepEqual(sorted('NOT metrics.acc > 0.75'), ['a', 'd']);
    });

    it('finds runs with and without a param, tag or metric', () => {
      assert.deepEqual(sorted('params.opt IS NULL'), ['c']);
      assert.deepEqual(sorted('tags.team IS NOT NULL'), ['a', 'c']);
      assert.deepEqual(sorted('metrics.acc IS NULL'), ['d']);
      assert.deepEqual(sorted('tags.team IS NULL OR params.opt IS NULL'), ['b', 'c', 'd']);
      assert.deepEqual(sorted('`params`.`lr` = "0.1"'), ['a']);
    });

    it("compares aggregates of a metric's history, NaN left out but by count", () => {
      assert.deepEqual(sorted('metrics.acc > 0.85'), ['c']);
      assert.deepEqual(sorted('max(metrics.acc) > 0.85'), ['a', 'c']);
      assert.deepEqual(sorted('max(metrics.acc) = 0.8'), ['b']);
      assert.deepEqual(sorted('min(metrics.acc) < 0.55'), ['a']);
      assert.deepEqual(sorted('count(metrics.acc) = 3'), ['a', 'b']);
      assert.deepEqual(sorted('mean(metrics.acc) > 0.69 AND mean(metrics.acc) < 0.71'), ['a', 'b']);
      assert.deepEqual(sorted('MAX(metrics.acc) > 0.5 AND NOT count(metrics.acc) > 1'), ['c']);
      assert.deepEqual(sorted('max(metrics.missing) > 0 OR count(metrics.missing) = 0'), []);
    });

    it('sorts by aggregates, runs without the metric last', () => {
      assert.deepEqual(names('', 'max(metrics.acc) DESC'), ['c', 'a', 'b', 'd']);
      assert.deepEqual(names('', 'min(metrics.acc)'), ['a', 'b', 'c', 'd']);
      assert.deepEqual(names('', 'count(metrics.acc) DESC, attributes.run_name'), [
        'a',
        'b',
        'c',
        'd',
      ]);
      // a and b share a mean of 0.7 (b's NaN left out), so only the ends are fixed.
      const byMean = names('', 'mean(metrics.acc) DESC');
      assert.deepEqual([byMean[0], byMean[3]], ['c', 'd']);
    });

    it('finds runs by the data sets they used, one input meeting all of an AND', () => {
      assert.deepEqual(sorted('datasets.name = "penguins"'), ['a', 'b']);
      assert.deepEqual(sorted('datasets.role = "train"'), ['a', 'b']);
      assert.deepEqual(sorted('datasets.name = "penguins" AND datasets.role = "train"'), ['a']);
      assert.deepEqual(sorted('datasets.name = "penguins" AND (datasets.role = "train")'), ['a']);
      assert.deepEqual(sorted('datasets.name = "cars" OR datasets.role = "test"'), ['b']);
      assert.deepEqual(sorted('datasets.name IN ("cars") AND params.lr = "0.01"'), ['b']);
      assert.deepEqual(sorted('NOT datasets.name LIKE "pen%"'), ['c', 'd']);
      assert.deepEqual(sorted(`datasets.digest = "${'b'.repeat(64)}"`), ['b']);
    });

    it('gives MLflow strings the meaning they have in MLflow', () => {
      for (const [query, expected] of MLFLOW_STRINGS) {
        assert.deepEqual(sorted(query), expected, query);
        const asList = store
          .listRuns({ search: { clauses: parseFilter(query) } })
          .map((r) => r.name ?? '')
          .sort();
        assert.deepEqual(asList, expected, query);
      }
    });
  });
});
