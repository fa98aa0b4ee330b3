/**
 * Validation suites on real vega-datasets files: inference, validation with unexpected
 * counts and example rows computed in DuckDB, malformed suites, suite files and their
 * names, and `labbook suite infer` / `labbook check` as real child processes.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  inferSuite,
  parseSuite,
  SuiteError,
  validate,
  type InSetRule,
  type RangeRule,
  type RowCountRule,
  type Suite,
  type ValidationResult,
} from '../../core/quality/suite';
import {
  listSuites,
  loadSuite,
  saveSuite,
  suiteFileName,
  suitePath,
  suitesDir,
} from '../../core/quality/suite-io';
import { loadFile, withEngine } from '../../core/quality/engine';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');
const bin = path.join(root, 'bin', 'labbook.js');
const carsPath = path.join(data, 'cars.json');
const cars = JSON.parse(readFileSync(carsPath, 'utf8')) as Record<string, unknown>[];

function ruleResult(result: ValidationResult, id: string) {
  const found = result.rules.find((r) => r.rule.id === id);
  assert.ok(found, `no result for rule ${id}`);
  return found;
}

function failedIds(result: ValidationResult): string[] {
  return result.rules
    .filter((r) => !r.passed)
    .map((r) => r.rule.id)
    .sort();
}

function expectSuiteError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SuiteError, `expected a SuiteError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('validation suites', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = makeTempDir('labbook-suite-');
  });
  after(() => removeDir(dir));

  describe('inferring and validating cars.json', () => {
    let suite: Suite;
    before(async () => {
      suite = await inferSuite(carsPath, { name: 'cars' });
    });

    it('infers presence, types, missing shares, ranges, domains and row-count bounds', () => {
      const rule = (id: string) => suite.rules.find((r) => r.id === id);
      assert.deepEqual(rule('row-count'), {
        id: 'row-count',
        kind: 'row-count',
        min: 203,
        max: 812,
      });
      for (const column of Object.keys(cars[0]))
        assert.ok(rule(`column-present:${column}`), column);
      assert.equal((rule('column-type:Name') as { type: string }).type, 'string');
      assert.equal((rule('column-type:Cylinders') as { type: string }).type, 'integer');
      assert.equal((rule('column-type:Acceleration') as { type: string }).type, 'numeric');
      assert.equal((rule('column-type:Year') as { type: string }).type, 'datetime');
      const hp = cars.map((c) => c.Horsepower).filter((v): v is number => typeof v === 'number');
      const range = rule('range:Horsepower') as RangeRule;
      assert.equal(range.min, Math.min(...hp));
      assert.equal(range.max, Math.max(...hp));
      // observed 6 missing of 406, plus the default tolerance of 0.01
      const missing = rule('missing:Horsepower') as { maxShare: number };
      assert.ok(Math.abs(missing.maxShare - (6 / 406 + 0.01)) < 1e-5, String(missing.maxShare));
      assert.equal((rule('missing:Cylinders') as { maxShare: number }).maxShare, 0.01);
      assert.deepEqual((rule('in-set:Origin') as InSetRule).values, ['Europe', 'Japan', 'USA']);
      assert.equal(
        rule('in-set:Name'),
        undefined,
        'Name has too many distinct values for a domain',
      );
      assert.equal(rule('unique:Name'), undefined, 'Name repeats in cars.json');
      const ids = suite.rules.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length);
      // The inferred suite is valid by its own rules.
      assert.deepEqual(parseSuite(JSON.parse(JSON.stringify(suite))), suite);
    });

    it('passes on the data it was inferred from', async () => {
      const result = await validate(carsPath, suite);
      assert.equal(
        result.passed,
        true,
        JSON.stringify(
          result.rules.filter((r) => !r.passed),
          null,
          1,
        ),
      );
      assert.equal(result.failedRules, 0);
      assert.equal(result.rows, 406);
      assert.equal(result.rules.length, suite.rules.length);
      assert.equal(ruleResult(result, 'missing:Horsepower').unexpectedCount, 6);
    });

    it('passes on the same rows handed over in memory, as rows and as columns', async () => {
      assert.equal((await validate(cars, suite)).passed, true);
      const columns: Record<string, unknown[]> = {};
      for (const key of Object.keys(cars[0])) columns[key] = cars.map((c) => c[key] ?? null);
      const result = await validate(columns, suite);
      assert.deepEqual(failedIds(result), []);
    });

    it('options: nullTolerance, rangeMargin, no row-count rule', async () => {
      const strict = await inferSuite(cars, {
        name: 'strict',
        nullTolerance: 0,
        rangeMargin: 0.1,
        rowCountFactors: null,
      });
      assert.equal(
        strict.rules.find((r) => r.kind === 'row-count'),
        undefined,
      );
      assert.equal(
        (strict.rules.find((r) => r.id === 'missing:Cylinders') as { maxShare: number }).maxShare,
        0,
      );
      const acc = strict.rules.find((r) => r.id === 'range:Acceleration') as RangeRule;
      assert.ok(
        Math.abs((acc.min as number) - (8 - 1.68)) < 1e-9 &&
          Math.abs((acc.max as number) - (24.8 + 1.68)) < 1e-9,
        JSON.stringify(acc),
      );
      await assert.rejects(
        inferSuite(carsPath, { name: 'x', nullTolerance: 2 }),
        /nullTolerance must be a number from 0 to 1/,
      );
    });
  });

  describe('a modified copy fails the right rules', () => {
    let suite: Suite;
    let result: ValidationResult;
    before(async () => {
      const reference: Record<string, unknown>[] = cars.map((c, i) => ({ id: i + 1, ...c }));
      const referencePath = path.join(dir, 'cars-reference.json');
      writeFileSync(referencePath, JSON.stringify(reference));
      suite = await inferSuite(referencePath, { name: 'cars-ids' });
      const batch = reference.map((r) => ({ ...r }));
      batch[4].Horsepower = 999; // row 5: out of range
      batch[9].Horsepower = -1; // row 10: out of range
      batch[6].Origin = 'Mars'; // row 7: new category
      for (let i = 19; i < 29; i++) batch[i].Cylinders = null; // rows 20..29: 10 nulls (> 1% of 406)
      batch[99].id = 3; // row 100 repeats the id of row 3
      batch[49].Weight_in_lbs = 'heavy'; // row 50: not an integer
      const batchPath = path.join(dir, 'cars-batch.json');
      writeFileSync(batchPath, JSON.stringify(batch));
      result = await validate(batchPath, suite);
    });

    it('infers uniqueness of the id column', () => {
      assert.ok(suite.rules.some((r) => r.id === 'unique:id'));
    });

    it('fails exactly the broken rules', () => {
      assert.equal(result.passed, false);
      assert.deepEqual(failedIds(result), [
        'column-type:Weight_in_lbs',
        'in-set:Origin',
        'missing:Cylinders',
        'range:Horsepower',
        'unique:id',
      ]);
      assert.equal(result.failedRules, 5);
    });

    it('counts unexpected rows and gives example rows (1-based, file order) and values', () => {
      const range = ruleResult(result, 'range:Horsepower');
      assert.equal(range.unexpectedCount, 2);
      assert.equal(range.unexpectedShare, 2 / 406);
      assert.deepEqual(range.examples, [
        { row: 5, value: 999 },
        { row: 10, value: -1 },
      ]);

      const origin = ruleResult(result, 'in-set:Origin');
      assert.equal(origin.unexpectedCount, 1);
      assert.deepEqual(origin.examples, [{ row: 7, value: 'Mars' }]);

      const missing = ruleResult(result, 'missing:Cylinders');
      assert.equal(missing.unexpectedCount, 10);
      assert.equal(missing.unexpectedShare, 10 / 406);
      assert.deepEqual(
        missing.examples.map((e) => e.row),
        [20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
      );
      assert.ok(missing.examples.every((e) => e.value === null));

      const unique = ruleResult(result, 'unique:id');
      assert.equal(unique.unexpectedCount, 1);
      assert.deepEqual(unique.examples, [{ row: 100, value: 3 }]);

      const type = ruleResult(result, 'column-type:Weight_in_lbs');
      assert.equal(type.unexpectedCount, 1);
      assert.deepEqual(type.examples, [{ row: 50, value: 'heavy' }]);
      assert.match(type.message, /1 of 406 rows unexpected/);
    });

    it('gives the same counts and row numbers for the batch as Parquet', async () => {
      const parquet = path.join(dir, 'cars-batch.parquet');
      await withEngine(async (engine) => {
        await loadFile(engine, path.join(dir, 'cars-batch.json'), 'b');
        await engine.run(`COPY b TO '${parquet}' (FORMAT parquet)`);
      });
      const fromParquet = await validate(parquet, suite);
      assert.deepEqual(failedIds(fromParquet), failedIds(result));
      for (const r of fromParquet.rules) {
        const json = ruleResult(result, r.rule.id);
        assert.equal(r.unexpectedCount, json.unexpectedCount, r.rule.id);
        assert.deepEqual(
          r.examples.map((e) => e.row),
          json.examples.map((e) => e.row),
          r.rule.id,
        );
      }
    });

    it('keeps at most 20 examples and honours maxUnexpectedShare', async () => {
      const rows = cars.map((c, i) => ({ ...c, Origin: i < 30 ? 'Atlantis' : c.Origin }));
      const inSet = suite.rules.find((r) => r.id === 'in-set:Origin') as InSetRule;
      const strict = await validate(rows, { name: 's', formatVersion: 1, rules: [inSet] });
      assert.equal(strict.rules[0].unexpectedCount, 30);
      assert.equal(strict.rules[0].examples.length, 20);
      assert.deepEqual(
        strict.rules[0].examples.map((e) => e.row),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const lenient = await validate(rows, {
        name: 's',
        formatVersion: 1,
        rules: [{ ...inSet, maxUnexpectedShare: 0.1 }],
      });
      assert.equal(lenient.passed, true);
    });

    it('a hand-written numeric domain compares numbers as numbers', async () => {
      const odd = cars
        .map((c, i) => ({ row: i + 1, cylinders: c.Cylinders }))
        .filter((c) => ![4, 6, 8].includes(c.cylinders as number));
      const check = await validate(carsPath, {
        name: 'c',
        formatVersion: 1,
        rules: [{ id: 'cyl', kind: 'in-set', column: 'Cylinders', values: [4, 6, 8.0] }],
      });
      assert.equal(check.rules[0].unexpectedCount, odd.length);
      assert.deepEqual(
        check.rules[0].examples,
        odd.slice(0, 20).map((c) => ({ row: c.row, value: c.cylinders })),
      );
    });

    it('a missing column fails its rules; row-count bounds are checked', async () => {
      const rows = cars.slice(0, 100).map(({ Origin: _o, ...rest }) => rest);
      const check = await validate(rows, suite);
      assert.equal(ruleResult(check, 'column-present:Origin').passed, false);
      assert.match(
        ruleResult(check, 'column-present:Origin').message,
        /column "Origin" is not in the data/,
      );
      assert.equal(ruleResult(check, 'in-set:Origin').passed, false);
      const rowCount = ruleResult(check, 'row-count');
      assert.equal(rowCount.passed, false);
      assert.match(rowCount.message, /100 rows; expected between 203 and 812/);
      assert.equal((rowCount.rule as RowCountRule).min, 203);
    });
  });

  describe('CSV row numbers', () => {
    it('count data rows after the header (seattle-weather.csv)', async () => {
      const csv = path.join(data, 'seattle-weather.csv');
      const suite = await inferSuite(csv, { name: 'weather' });
      assert.equal((await validate(csv, suite)).passed, true);
      assert.deepEqual((suite.rules.find((r) => r.id === 'in-set:weather') as InSetRule).values, [
        'drizzle',
        'fog',
        'rain',
        'snow',
        'sun',
      ]);
      const lines = readFileSync(csv, 'utf8').split('\n');
      lines[3] = lines[3].replace(/,rain$/, ',hail'); // the third data row
      lines[6] = lines[6].replace(/^([^,]+),[^,]+,/, '$1,-5,'); // the sixth data row: negative precipitation
      const modified = path.join(dir, 'weather.csv');
      writeFileSync(modified, lines.join('\n'));
      const result = await validate(modified, suite);
      assert.deepEqual(failedIds(result), ['in-set:weather', 'range:precipitation']);
      assert.deepEqual(ruleResult(result, 'in-set:weather').examples, [{ row: 3, value: 'hail' }]);
      assert.deepEqual(ruleResult(result, 'range:precipitation').examples, [{ row: 6, value: -5 }]);
    });
  });

  describe('malformed suites', () => {
    const base = { name: 'm', rules: [{ id: 'a', kind: 'missing', column: 'x', maxShare: 0.1 }] };
    const cases: [string, unknown, RegExp][] = [
      ['not an object', 42, /must be an object with "name" and "rules"/],
      ['no name', { rules: [] }, /name: suite name must be a non-empty string/],
      ['rules not an array', { name: 'm', rules: {} }, /rules must be an array/],
      [
        'unknown kind',
        { name: 'm', rules: [{ id: 'a', kind: 'between', column: 'x' }] },
        /rules\[0\]\.kind must be one of row-count, column-present/,
      ],
      [
        'no id',
        { name: 'm', rules: [{ kind: 'unique', column: 'x' }] },
        /rules\[0\]\.id must be a non-empty string/,
      ],
      [
        'share out of range',
        {
          name: 'm',
          rules: [base.rules[0], { id: 'b', kind: 'missing', column: 'y', maxShare: 1.5 }],
        },
        /rules\[1\]\.maxShare must be a finite number from 0 to 1, got number 1.5/,
      ],
      [
        'required field',
        { name: 'm', rules: [{ id: 'a', kind: 'range' }] },
        /rules\[0\]\.column is required for a "range" rule/,
      ],
      [
        'unknown field',
        { name: 'm', rules: [{ id: 'a', kind: 'range', column: 'x', minimum: 3 }] },
        /rules\[0\]\.minimum is not a field of a "range" rule/,
      ],
      [
        'min > max',
        { name: 'm', rules: [{ id: 'a', kind: 'range', column: 'x', min: 3, max: 1 }] },
        /rules\[0\]\.min \(3\) is greater than max \(1\)/,
      ],
      [
        'bad type',
        { name: 'm', rules: [{ id: 'a', kind: 'column-type', column: 'x', type: 'float' }] },
        /rules\[0\]\.type must be one of integer, numeric, boolean, datetime, string/,
      ],
      [
        'bad domain value',
        { name: 'm', rules: [{ id: 'a', kind: 'in-set', column: 'x', values: ['a', null] }] },
        /rules\[0\]\.values\[1\] must be a string, a finite number or a boolean, got null/,
      ],
      [
        'duplicate id',
        { name: 'm', rules: [base.rules[0], { ...base.rules[0], column: 'y' }] },
        /rules\[1\]\.id "a" is used by an earlier rule/,
      ],
      ['newer format', { ...base, formatVersion: 9 }, /formatVersion 9 is newer/],
    ];
    for (const [what, value, pattern] of cases) {
      it(`refuses ${what}, naming the field`, () =>
        expectSuiteError(() => parseSuite(value), pattern));
    }

    it('validate refuses a malformed suite before reading data', async () => {
      await assert.rejects(
        validate(carsPath, { name: 'm', rules: [{ id: 'a', kind: 'range' }] }),
        /rules\[0\]\.column is required/,
      );
    });

    it('an unreadable data file is a SuiteError naming the file', async () => {
      await assert.rejects(
        validate(path.join(dir, 'nope.csv'), { name: 'm', rules: [] }),
        (e: unknown) =>
          e instanceof SuiteError && e.code === 'NOT_FOUND' && /nope\.csv/.test(e.message),
      );
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, '[{"a": 1}, {"a": ');
      await assert.rejects(
        validate(bad, { name: 'm', rules: [] }),
        (e: unknown) =>
          e instanceof SuiteError && e.code === 'UNREADABLE' && /bad\.json/.test(e.message),
      );
    });
  });

  describe('suite files', () => {
    let store: string;
    before(() => {
      store = path.join(dir, 'files', '.labbook', 'labbook.db');
    });

    it('saves next to the store and loads back', async () => {
      const suite = await inferSuite(carsPath, { name: 'cars' });
      const file = saveSuite(store, suite);
      assert.equal(file, path.join(dir, 'files', '.labbook', 'suites', 'cars.json'));
      assert.deepEqual(loadSuite(store, 'cars'), suite);
      assert.deepEqual(listSuites(store), ['cars']);
    });

    it('refuses names that would leave the suites folder', () => {
      for (const name of ['../evil', 'a/b', 'a\\b', '..', '.', '', ' x', 'x\u0000']) {
        expectSuiteError(() => suitePath(store, name), /suite name/);
      }
      expectSuiteError(
        () => saveSuite(store, { name: '../../escape', formatVersion: 1, rules: [] }),
        /must not contain "\/"/,
      );
      assert.equal(existsSync(path.join(dir, 'escape.json')), false);
      // Dots and odd characters are encoded into one file name inside the folder.
      assert.equal(suiteFileName('..x'), '%2E.x.json');
      assert.equal(suiteFileName('a:b%c'), 'a%3Ab%25c.json');
      const odd = suitePath(store, '..hidden:name');
      assert.equal(path.dirname(odd), suitesDir(store));
      saveSuite(store, { name: '..hidden:name', formatVersion: 1, rules: [] });
      assert.equal(loadSuite(store, '..hidden:name').name, '..hidden:name');
      assert.ok(listSuites(store).includes('..hidden:name'));
    });

    it('an unknown suite is NOT_FOUND; a malformed file names itself and the field', () => {
      assert.throws(
        () => loadSuite(store, 'nope'),
        (e: unknown) =>
          e instanceof SuiteError && e.code === 'NOT_FOUND' && /no suite "nope"/.test(e.message),
      );
      mkdirSync(suitesDir(store), { recursive: true });
      writeFileSync(path.join(suitesDir(store), 'broken.json'), '{ "name": "broken", ');
      expectSuiteError(() => loadSuite(store, 'broken'), /broken\.json: not valid JSON/);
      writeFileSync(
        path.join(suitesDir(store), 'wrong.json'),
        JSON.stringify({ name: 'wrong', rules: [{ id: 'r', kind: 'missing', column: 'x' }] }),
      );
      expectSuiteError(
        () => loadSuite(store, 'wrong'),
        /wrong\.json: rules\[0\]\.maxShare is required/,
      );
      writeFileSync(
        path.join(suitesDir(store), 'other.json'),
        JSON.stringify({ name: 'not-other', rules: [] }),
      );
      expectSuiteError(
        () => loadSuite(store, 'other'),
        /name is "not-other" but the file is for the suite "other"/,
      );
    });
  });

  describe('labbook suite infer / labbook check', () => {
    let cli: string;
    let storePath: string;
    function labbook(args: string[]) {
      const r = spawnSync(process.execPath, [bin, '--store', storePath, ...args], {
        cwd: cli,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, LABBOOK_STORE: '' },
      });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }
    before(() => {
      cli = path.join(dir, 'cli');
      mkdirSync(cli, { recursive: true });
      storePath = path.join(cli, '.labbook', 'labbook.db');
    });

    it('infer writes the suite file and prints the rules', () => {
      const r = labbook(['suite', 'infer', carsPath, '--name', 'cars', '--null-tolerance', '0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Suite cars: \d+ rules/);
      assert.match(r.stdout, /in-set:Origin\s+"Origin" in \{"Europe", "Japan", "USA"\}/);
      assert.match(r.stderr, /Wrote \.labbook\/suites\/cars\.json/);
      const saved = JSON.parse(
        readFileSync(path.join(cli, '.labbook', 'suites', 'cars.json'), 'utf8'),
      ) as Suite;
      assert.equal(
        (saved.rules.find((x) => x.id === 'missing:Cylinders') as { maxShare: number }).maxShare,
        0,
      );
    });

    it('check: exit 0 when every rule passes', () => {
      const r = labbook(['check', carsPath, '--suite', 'cars']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /406 rows; all \d+ rules passed/);
    });

    it('check: exit 1 with the failing rules, counts and example rows; --json has the result', () => {
      const batch = cars.map((c) => ({ ...c }));
      batch[2].Horsepower = 5000;
      const file = path.join(cli, 'batch.json');
      writeFileSync(file, JSON.stringify(batch));
      const text = labbook(['check', file, '--suite', 'cars']);
      assert.equal(text.code, 1, text.stderr);
      assert.match(text.stdout, /1 of \d+ rules failed/);
      assert.match(text.stdout, /FAIL {2}range:Horsepower: 1 of 406 rows unexpected/);
      assert.match(text.stdout, /row 3: 5000/);
      const json = labbook(['check', file, '--suite', 'cars', '--json']);
      assert.equal(json.code, 1, json.stderr);
      const result = JSON.parse(json.stdout) as ValidationResult;
      assert.deepEqual(Object.keys(result), [
        'suite',
        'source',
        'rows',
        'passed',
        'failedRules',
        'rules',
      ]);
      assert.equal(result.passed, false);
      assert.equal(result.failedRules, 1);
      const failed = result.rules.find((x) => !x.passed);
      assert.ok(failed);
      assert.deepEqual(Object.keys(failed).sort(), [
        'examples',
        'message',
        'passed',
        'rule',
        'unexpectedCount',
        'unexpectedShare',
      ]);
      assert.equal(failed.rule.id, 'range:Horsepower');
      assert.deepEqual(failed.examples, [{ row: 3, value: 5000 }]);
    });

    it('exit 2 on unusable input: missing file, unknown suite, malformed suite, bad option', () => {
      const missing = labbook(['check', path.join(cli, 'nope.csv'), '--suite', 'cars']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /labbook: .*nope\.csv: no such file/);
      const unknown = labbook(['check', carsPath, '--suite', 'ghost']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no suite "ghost".*suites: cars/);
      writeFileSync(
        path.join(cli, '.labbook', 'suites', 'bad.json'),
        JSON.stringify({
          name: 'bad',
          rules: [{ id: 'x', kind: 'range', column: 'a', max: 'ten' }],
        }),
      );
      const malformed = labbook(['check', carsPath, '--suite', 'bad']);
      assert.equal(malformed.code, 2);
      assert.match(malformed.stderr, /bad\.json: rules\[0\]\.max must be a finite number/);
      assert.doesNotMatch(malformed.stderr, /\n\s+at /, 'no stack trace');
      const traversal = labbook(['suite', 'infer', carsPath, '--name', '../x']);
      assert.equal(traversal.code, 2);
      assert.match(traversal.stderr, /must not contain "\/"/);
      assert.equal(
        labbook(['suite', 'infer', carsPath, '--name', 'c', '--null-tolerance', 'lots']).code,
        2,
      );
      const empty = path.join(cli, 'empty.csv');
      writeFileSync(empty, '');
      assert.equal(labbook(['check', empty, '--suite', 'cars']).code, 2);
    });
  });
});
