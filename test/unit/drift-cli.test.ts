/**
 * `labbook drift` end to end: real child processes on seattle-weather split by year into
 * temp CSV files. Checks exit codes (0 no drift, 1 drift, 2 unusable input or options),
 * the JSON contract, the readable table, --html and the options' wiring; the numbers
 * themselves are checked in drift-report.test.ts.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { DriftReport } from '../../core/common/drift-types';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'bin', 'labbook.js');

function labbook(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LABBOOK_STORE: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('labbook drift', function () {
  this.timeout(180_000);
  let dir: string;
  let y2012: string;
  let y2015: string;

  before(() => {
    dir = makeTempDir('labbook-drift-cli-');
    const [header, ...lines] = readFileSync(
      path.join(root, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv'),
      'utf8',
    )
      .trim()
      .split(/\r?\n/);
    y2012 = path.join(dir, '2012.csv');
    y2015 = path.join(dir, '2015.csv');
    writeFileSync(y2012, `${header}\n${lines.filter((l) => l.startsWith('2012')).join('\n')}\n`);
    writeFileSync(y2015, `${header}\n${lines.filter((l) => l.startsWith('2015')).join('\n')}\n`);
  });
  after(() => removeDir(dir));

  it('prints exactly a DriftReport with --json and exits 1 when the data set drifted', () => {
    const r = labbook(['drift', y2012, y2015, '--json']);
    const report = JSON.parse(r.stdout) as DriftReport;
    assert.equal(r.code, report.dataset.drifted ? 1 : 0, r.stderr);
    assert.equal(
      report.dataset.drifted,
      true,
      'temperatures and weather labels differ between 2012 and 2015',
    );
    assert.deepEqual(Object.keys(report.dataset).sort(), [
      'columns',
      'drifted',
      'driftedColumns',
      'share',
      'threshold',
    ]);
    for (const c of report.columns) {
      for (const key of ['name', 'type', 'method', 'statistic', 'pValue', 'threshold', 'drifted'])
        assert.ok(key in c, `${c.name} lacks ${key}`);
      assert.ok(c.pValue === null || typeof c.pValue === 'number');
    }
    assert.equal(report.reference.source, y2012);
    assert.equal(report.dataset.driftedColumns, report.columns.filter((c) => c.drifted).length);
  });

  it('exits 0 when nothing drifted, with a readable table and the verdict', () => {
    const r = labbook(['drift', y2012, y2012]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^COLUMN\s+TYPE\s+METHOD\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+VERDICT$/m);
    assert.match(r.stdout, /^temp_max\s+numeric\s+ks\s/m);
    assert.match(r.stdout, /^date\s+.*skipped: unsupported-type$/m);
    assert.match(r.stdout, /No data set drift: 0 of 5 compared columns drifted/);
  });

  it('applies --method, --column-method, --threshold and --share', () => {
    const r = labbook([
      'drift',
      y2012,
      y2015,
      '--json',
      '--method',
      'psi',
      '--column-method',
      'wind=ks',
      '--column-method',
      'weather=jensenshannon',
      '--threshold',
      '0.99',
      '--share',
      '0.2',
    ]);
    const report = JSON.parse(r.stdout) as DriftReport;
    const by = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    assert.equal(by.temp_max.method, 'psi');
    assert.equal(by.wind.method, 'ks');
    assert.equal(by.weather.method, 'jensenshannon');
    for (const c of report.columns) assert.equal(c.threshold, 0.99);
    assert.equal(by.wind.drifted, by.wind.pValue! < 0.99);
    assert.equal(report.dataset.threshold, 0.2);
    assert.equal(r.code, report.dataset.drifted ? 1 : 0);
  });

  it('compares a date column as numbers with --column-type', () => {
    const r = labbook(['drift', y2012, y2015, '--json', '--column-type', 'date=numeric']);
    const date = (JSON.parse(r.stdout) as DriftReport).columns.find((c) => c.name === 'date')!;
    assert.equal(date.skipped, undefined);
    // Still a datetime column (as the profiler says), compared as epoch seconds.
    assert.equal(date.type, 'datetime');
    assert.match(date.reason, /epoch seconds/);
    assert.equal(date.drifted, true, '2012 and 2015 dates do not overlap');
    assert.equal(labbook(['drift', y2012, y2015, '--column-type', 'date=text']).code, 2);
  });

  it('writes a self-contained HTML report with --html', () => {
    const out = path.join(dir, 'drift.html');
    const r = labbook(['drift', y2012, y2015, '--html', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(existsSync(out));
    const html = readFileSync(out, 'utf8');
    assert.match(html, /Data set drifted/);
    assert.match(html, /temp_max/);
    assert.ok(!/<script|https?:\/\//.test(html), 'no scripts, no external resources');
    assert.match(r.stdout, /HTML report written to/);
  });

  it('reports target and prediction quality', () => {
    const r = labbook([
      'drift',
      y2012,
      y2015,
      '--json',
      '--target',
      'weather',
      '--prediction',
      'weather',
    ]);
    const report = JSON.parse(r.stdout) as DriftReport;
    assert.equal(report.target?.target, 'weather');
    assert.equal(report.target?.referenceQuality?.kind, 'classification');
    assert.equal((report.target?.currentQuality as { accuracy: number }).accuracy, 1);
    assert.equal(report.target?.change?.accuracy, 0);
  });

  it('samples with --sample and --seed', () => {
    const a = JSON.parse(
      labbook(['drift', y2012, y2015, '--json', '--sample', '100', '--seed', '3']).stdout,
    ) as DriftReport;
    const b = JSON.parse(
      labbook(['drift', y2012, y2015, '--json', '--sample', '100', '--seed', '3']).stdout,
    ) as DriftReport;
    assert.equal(a.reference.sampled, 100);
    assert.equal(a.columns.find((c) => c.name === 'wind')!.referenceCount, 100);
    assert.deepEqual(
      a.columns.map((c) => c.statistic),
      b.columns.map((c) => c.statistic),
    );
  });

  it('exits 2 on unusable input or options, naming the problem', () => {
    const missing = labbook(['drift', y2012, path.join(dir, 'nope.csv')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.csv: no such file/);
    const method = labbook(['drift', y2012, y2015, '--method', 'kolmogorov']);
    assert.equal(method.code, 2);
    assert.match(method.stderr, /Unknown drift method "kolmogorov"/);
    assert.doesNotMatch(method.stderr, /at .*\.js:\d+/, 'no stack trace');
    const column = labbook(['drift', y2012, y2015, '--column-method', 'wind']);
    assert.equal(column.code, 2);
    assert.match(column.stderr, /COLUMN=METHOD/);
    const unknownColumn = labbook(['drift', y2012, y2015, '--target', 'rainfall']);
    assert.equal(unknownColumn.code, 2);
    assert.match(unknownColumn.stderr, /"rainfall"/);
    const threshold = labbook(['drift', y2012, y2015, '--threshold', 'high']);
    assert.equal(threshold.code, 2);
    const ragged = path.join(dir, 'ragged.csv');
    writeFileSync(ragged, 'a,b\n1,2\n3\n');
    const bad = labbook(['drift', y2012, ragged]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ragged\.csv:3/);
  });

  it('exits 2 when no column can be compared', () => {
    const other = path.join(dir, 'other.csv');
    writeFileSync(other, 'x,y\n1,2\n3,4\n');
    const r = labbook(['drift', y2012, other, '--json']);
    assert.equal(r.code, 2);
    const report = JSON.parse(r.stdout) as DriftReport;
    assert.equal(report.dataset.columns, 0);
    assert.ok(report.columns.every((c) => c.skipped));
    assert.match(r.stderr, /no column could be compared/);
  });
});
