/**
 * Issue 14, item 5: drift statistics across process boundaries, and datetime columns.
 *
 * A chi-square test of a category the reference never saw has statistic Infinity and
 * p-value 0 (SciPy's chisquare gives (inf, 0.0): test/fixtures/scipy/drift-methods.json,
 * "category only in current, one empty in current"). JSON turns Infinity into null, the value of a skipped column,
 * so the Drift panel showed "–" beside p 0. Here the real data: cars.json, the reference
 * without the Japanese cars, the current with them; the statistic must survive every wire
 * the report takes: `labbook drift --json`, the workspace service, a notebook output.
 *
 * Dates: the Data Quality panel types seattle-weather's `date`, cars' `Year` and movies'
 * `Release Date` (text) datetime; the drift report must say the same, and its message must
 * say where to set a type.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ColumnDrift, DriftReport } from '../../core/common/drift-types';
import { driftReportFromWire, driftReportToWire } from '../../core/common/drift-wire';
import { driftReport } from '../../core/drift/report';
import { profileFile } from '../../core/quality/profile';
import { ServiceClient } from '../../core/service/client';
import { numericDrift } from '../../core/drift/methods';
import { richRepresentation } from '../../kernel/executor';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');
const bin = path.join(root, 'bin', 'labbook.js');

type Car = Record<string, unknown> & { Origin: string };

/** SciPy's result for a category only the current data has, from the committed fixtures. */
function scipyUnseenCategory(): { statistic: number; pValue: number } {
  const fixtures = JSON.parse(
    readFileSync(path.join(root, 'test', 'fixtures', 'scipy', 'drift-methods.json'), 'utf8'),
  ) as {
    categorical: {
      name: string;
      expected: { chisquare: { statistic: number | string; pValue: number } };
    }[];
  };
  const c = fixtures.categorical.find(
    (f) => f.name === 'category only in current, one empty in current',
  )!;
  return {
    statistic: Number(c.expected.chisquare.statistic),
    pValue: c.expected.chisquare.pValue,
  };
}

const col = (r: { columns: ColumnDrift[] }, name: string) =>
  r.columns.find((c) => c.name === name)!;

describe('drift statistics on the wire (issue 14, item 5)', function () {
  this.timeout(180_000);
  let dir: string;
  let refFile: string;
  let curFile: string;
  let cars: Car[];

  before(() => {
    dir = makeTempDir('labbook-drift-wire-');
    cars = JSON.parse(readFileSync(path.join(data, 'cars.json'), 'utf8')) as Car[];
    refFile = path.join(dir, 'cars-no-japan.json');
    curFile = path.join(dir, 'cars.json');
    writeFileSync(refFile, JSON.stringify(cars.filter((c) => c.Origin !== 'Japan')));
    writeFileSync(curFile, JSON.stringify(cars));
  });
  after(() => removeDir(dir));

  it('computes chi-square inf and p 0 for a category absent from the reference, as SciPy does', async () => {
    const expected = scipyUnseenCategory();
    assert.equal(expected.statistic, Infinity, 'the fixture says SciPy gives inf');
    const origin = col(await driftReport({ path: refFile }, { path: curFile }), 'Origin');
    assert.equal(origin.method, 'chisquare');
    assert.equal(origin.statistic, expected.statistic);
    assert.equal(origin.pValue, expected.pValue);
    assert.equal(origin.drifted, true);
  });

  it('labbook drift --json prints the statistic as "Infinity", the text table as inf', () => {
    const json = spawnSync(process.execPath, [bin, 'drift', refFile, curFile, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, LABBOOK_STORE: '' },
    });
    assert.equal(json.status, 1, json.stderr);
    const origin = col(JSON.parse(json.stdout) as { columns: ColumnDrift[] }, 'Origin');
    assert.equal(origin.statistic, 'Infinity', 'not null, which means skipped');
    assert.equal(origin.pValue, 0);
    assert.equal(col(driftReportFromWire(JSON.parse(json.stdout)), 'Origin').statistic, Infinity);
    const text = spawnSync(process.execPath, [bin, 'drift', refFile, curFile], {
      encoding: 'utf8',
      env: { ...process.env, LABBOOK_STORE: '' },
    });
    const line = text.stdout.split('\n').find((l) => l.startsWith('Origin'))!;
    assert.match(line, /chisquare\s+inf\s+0\s+0\.05\s+DRIFT/);
  });

  it('the workspace service hands the extension the infinite statistic', async () => {
    const service = await ServiceClient.start({
      storePath: path.join(dir, 'labbook.db'),
      cwd: dir,
      nodePath: process.execPath,
      serviceMain: path.join(root, 'dist', 'core', 'service', 'main.js'),
    });
    try {
      const report = await service.compareDataForDrift(refFile, curFile);
      assert.equal(col(report, 'Origin').statistic, Infinity);
      assert.equal(col(report, 'Origin').pValue, 0);
    } finally {
      await service.shutdown();
    }
  });

  it("a notebook output and a logged report carry it as 'Infinity'", async () => {
    const report = await lab.drift(
      cars.filter((c) => c.Origin !== 'Japan'),
      cars,
    );
    const drawn = JSON.parse(
      JSON.stringify(richRepresentation(report)[lab.DRIFT_MIME]),
    ) as DriftReport;
    assert.equal(col(drawn, 'Origin').statistic, 'Infinity');
    assert.match(String(richRepresentation(report)['text/plain']), /Origin: chisquare p=0/);
    const back = driftReportFromWire(JSON.parse(JSON.stringify(driftReportToWire(report))));
    assert.deepEqual(back.columns, report.columns, 'the wire form reads back as the report');
  });
});

describe('datetime columns in drift reports (issue 14, item 5)', function () {
  this.timeout(180_000);
  let dir: string;
  let y2012: string;
  let y2015: string;

  before(() => {
    dir = makeTempDir('labbook-drift-dates-');
    const [header, ...lines] = readFileSync(path.join(data, 'seattle-weather.csv'), 'utf8')
      .trim()
      .split(/\r?\n/);
    y2012 = path.join(dir, '2012.csv');
    y2015 = path.join(dir, '2015.csv');
    writeFileSync(y2012, `${header}\n${lines.filter((l) => l.startsWith('2012')).join('\n')}\n`);
    writeFileSync(y2015, `${header}\n${lines.filter((l) => l.startsWith('2015')).join('\n')}\n`);
  });
  after(() => removeDir(dir));

  it('types date columns as the profiler does: DATE columns and dates written as text', async () => {
    for (const file of ['seattle-weather.csv', 'cars.json', 'movies.json']) {
      const source = path.join(data, file);
      const profile = await profileFile(source);
      const report = await driftReport({ path: source }, { path: source });
      const datetime = profile.columns.filter((c) => c.type === 'datetime').map((c) => c.name);
      assert.ok(datetime.length > 0, `${file} has a datetime column`);
      assert.deepEqual(
        report.columns.filter((c) => c.type === 'datetime').map((c) => c.name),
        datetime,
        `${file}: the drift report's datetime columns are the profile's`,
      );
    }
  });

  it('leaves a datetime column out by default and says where to set its type', async () => {
    const report = await driftReport({ path: y2012 }, { path: y2015 });
    const date = col(report, 'date');
    assert.equal(date.type, 'datetime');
    assert.equal(date.skipped, 'unsupported-type');
    assert.match(date.message, /dates and times are not compared by default/);
    assert.ok(
      date.message.includes('`--column-type date=numeric` with labbook drift'),
      date.message,
    );
    assert.ok(
      date.message.includes('`columnTypes: { "date": "numeric" }` of lab.drift'),
      date.message,
    );
    assert.match(date.message, /labbook\.compareDataForDrift/);
    // A name the shell would split is quoted in the flag.
    const movies = path.join(data, 'movies.json');
    const release = col(await driftReport({ path: movies }, { path: movies }), 'Release Date');
    assert.ok(release.message.includes('`--column-type "Release Date=numeric"`'), release.message);
  });

  it('set numeric, compares dates as epoch seconds with the numeric tests', async () => {
    const report = await driftReport(
      { path: y2012 },
      { path: y2015 },
      { columnTypes: { date: 'numeric' } },
    );
    const date = col(report, 'date');
    assert.equal(date.type, 'datetime');
    assert.equal(date.skipped, undefined);
    assert.equal(date.method, 'ks');
    assert.match(date.reason, /epoch seconds/);
    const epochs = (file: string) =>
      Float64Array.from(
        readFileSync(file, 'utf8')
          .trim()
          .split(/\r?\n/)
          .slice(1)
          .map((l) => Date.parse(`${l.split(',')[0]}T00:00:00Z`) / 1000),
      ).sort();
    const expected = numericDrift('ks', epochs(y2012), epochs(y2015));
    assert.equal(date.statistic, expected.statistic);
    assert.equal(date.pValue, expected.pValue);
    assert.equal(date.drifted, true, '2012 and 2015 do not overlap');
  });
});
