/**
 * The notebook SDK's drift API against a temp store and real data: `lab.drift` (penguins
 * split by island, seattle-weather split by year), `run.logDrift` (artifact, metrics, tag)
 * and `lab.detectors`. These check the wiring, not the statistics (core/drift has its own
 * tests): the MIME bundle is there and non-enumerable, the artifact is stored, the metrics
 * and the tag are logged.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Store } from '../../core/store';
import type { DriftReport } from '../../core/common/drift-types';
import {
  driftReportFromWire,
  driftReportToWire,
  type WireDriftReport,
} from '../../core/common/drift-wire';
import { richRepresentation } from '../../kernel/executor';
import { installDisplaySink } from '../../kernel/sdk/display';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';
import { readStore } from './store-reader';

const root = join(__dirname, '..', '..', '..');
const data = join(root, 'node_modules', 'vega-datasets', 'data');
const MIME_BUNDLE = Symbol.for('labbook.mimeBundle');

interface Penguin {
  Species: string;
  Island: string;
  'Beak Length (mm)': number | null;
  'Body Mass (g)': number | null;
  Sex: string | null;
}
const penguins = JSON.parse(readFileSync(join(data, 'penguins.json'), 'utf8')) as Penguin[];
const biscoe = penguins.filter((p) => p.Island === 'Biscoe');
const dream = penguins.filter((p) => p.Island === 'Dream');

/** seattle-weather.csv split by year into two CSV files: 2012 (reference) and 2015 (current). */
function weatherFiles(dir: string): { reference: string; current: string } {
  const [header, ...lines] = readFileSync(join(data, 'seattle-weather.csv'), 'utf8')
    .trim()
    .split('\n');
  const reference = join(dir, 'weather-2012.csv');
  const current = join(dir, 'weather-2015.csv');
  writeFileSync(
    reference,
    [header, ...lines.filter((l) => l.startsWith('2012-'))].join('\n') + '\n',
  );
  writeFileSync(current, [header, ...lines.filter((l) => l.startsWith('2015-'))].join('\n') + '\n');
  return { reference, current };
}

/** A report as core/drift/report.ts makes them: enough for the logging wiring, without computing one. */
function handMadeReport(drifted: boolean): DriftReport {
  return {
    reference: { source: 'train', rows: 100 },
    current: { source: 'live', rows: 80 },
    dataset: {
      drifted,
      share: drifted ? 0.5 : 0,
      driftedColumns: drifted ? 1 : 0,
      columns: 2,
      threshold: 0.5,
    },
    columns: [],
    options: { columnMethods: {}, datasetShare: 0.5, seed: 0 },
  };
}

describe('lab.drift and run.logDrift', () => {
  let dir: string;
  let dbPath: string;
  const read = <T>(fn: (store: Store) => T): T => readStore(dbPath, fn);

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => {
    installDisplaySink(undefined);
    removeDir(dir);
  });

  it('resolves with a report that draws itself as a cell result and stays plain JSON', async () => {
    const report = await lab.drift(biscoe, dream, {
      referenceName: 'Biscoe',
      currentName: 'Dream',
    });
    assert.equal(report.reference.source, 'Biscoe');
    assert.equal(report.reference.rows, biscoe.length);
    assert.equal(report.current.source, 'Dream');
    assert.equal(report.current.rows, dream.length);
    assert.ok(report.columns.length > 0);
    assert.equal(typeof report.dataset.share, 'number');

    const bundle = richRepresentation(report);
    const drawn = bundle[lab.DRIFT_MIME] as WireDriftReport;
    assert.equal(lab.DRIFT_MIME, 'application/vnd.labbook.drift+json');
    // Plain JSON of the report as it travels: an infinite statistic (species: Chinstrap is
    // only on Dream) as "Infinity", read back by driftReportFromWire.
    assert.deepEqual(drawn, JSON.parse(JSON.stringify(driftReportToWire(report))));
    assert.deepEqual(driftReportFromWire(drawn), { ...report });
    assert.match(String(bundle['text/plain']), /Biscoe/);
    assert.match(String(bundle['text/plain']), /Dream/);
    assert.match(String(bundle['text/plain']), /of \d+ columns? drifted/);

    const descriptor = Object.getOwnPropertyDescriptor(report, MIME_BUNDLE);
    assert.ok(descriptor, 'the report carries the MIME bundle hook');
    assert.equal(descriptor.enumerable, false);
    assert.equal(
      Object.keys(report).some((k) => k.includes('mimeBundle')),
      false,
    );
    assert.equal(JSON.stringify(report).includes('mimeBundle'), false);
  });

  it('compares files and shows the report at once with { display: true }', async () => {
    const shown: Record<string, unknown>[] = [];
    installDisplaySink((bundle) => shown.push(bundle));
    const files = weatherFiles(dir);
    const report = await lab.drift(files.reference, files.current, { display: true });
    assert.equal(shown.length, 1);
    assert.ok(shown[0][lab.DRIFT_MIME], 'the drift MIME type was displayed');
    assert.equal(typeof shown[0]['text/plain'], 'string');
    assert.equal(report.reference.rows, 366, '2012 was a leap year');
    assert.equal(report.current.rows, 365);
    assert.ok(report.columns.some((c) => c.name === 'temp_max'));
  });

  it('names the bad input before loading anything', async () => {
    await assert.rejects(
      lab.drift([1, 2] as unknown as object[], dream),
      /lab\.drift: reference must be .*; row 0 is number, not an object/,
    );
    await assert.rejects(
      lab.drift(biscoe, { a: 1 } as unknown as Record<string, unknown[]>),
      /lab\.drift: current must be .*; column "a" is number, not an array/,
    );
    await assert.rejects(
      lab.drift(biscoe, ''),
      /lab\.drift: current must be .*; got an empty string/,
    );
    await assert.rejects(
      lab.drift(biscoe, dream, null as never),
      /lab\.drift: options must be an object/,
    );
  });

  it('run.logDrift stores a computed report as an artifact, with metrics and a tag', async () => {
    const run = lab.startRun({ experiment: 'penguins', store: dbPath });
    const report = await lab.drift(biscoe, dream, {
      referenceName: 'Biscoe',
      currentName: 'Dream',
    });
    const returned = await run.logDrift(report);
    assert.equal(returned, report);
    run.end();

    const stored = JSON.parse(
      read((s) => s.readArtifact(run.id, 'drift/drift.json')).toString('utf8'),
    ) as WireDriftReport;
    assert.deepEqual(stored, JSON.parse(JSON.stringify(driftReportToWire(report))));
    assert.equal(
      read((s) => s.getArtifact(run.id, 'drift/drift.json'))?.mediaType,
      'application/json',
    );
    assert.deepEqual(
      read((s) => s.metricHistory(run.id, 'drift.share').map((m) => m.value)),
      [report.dataset.share],
    );
    assert.deepEqual(
      read((s) => s.metricHistory(run.id, 'drift.drifted_columns').map((m) => m.value)),
      [report.dataset.driftedColumns],
    );
    assert.equal(
      read((s) => s.getTags(run.id))['labbook.drift.drift'],
      report.dataset.drifted ? 'drifted' : 'ok',
    );
  });

  it('run.logDrift({ reference, current, name }) computes the report, and draws it too', async () => {
    const files = weatherFiles(dir);
    const report = await lab.withRun({ experiment: 'weather', store: dbPath }, async (run) => {
      const r = await run.logDrift({
        reference: files.reference,
        current: files.current,
        name: 'by-year',
        datasetShare: 0.5,
      });
      assert.ok(richRepresentation(r)[lab.DRIFT_MIME]);
      return { r, id: run.id };
    });
    const tags = read((s) => s.getTags(report.id));
    assert.equal(tags['labbook.drift.by-year'], report.r.dataset.drifted ? 'drifted' : 'ok');
    assert.ok(read((s) => s.getArtifact(report.id, 'drift/by-year.json')));
    assert.equal(read((s) => s.metricHistory(report.id, 'drift.share')).length, 1);
  });

  it('run.logDrift wiring with a report made by hand: names, steps, tags', async () => {
    const run = lab.startRun({ experiment: 'monitoring', store: dbPath });
    await run.logDrift(handMadeReport(false));
    await run.logDrift(handMadeReport(true), { name: 'week-2' });
    run.end();
    const tags = read((s) => s.getTags(run.id));
    assert.equal(tags['labbook.drift.drift'], 'ok');
    assert.equal(tags['labbook.drift.week-2'], 'drifted');
    assert.deepEqual(
      read((s) =>
        s
          .listArtifacts(run.id)
          .map((a) => a.name)
          .filter((n) => n.startsWith('drift/'))
          .sort(),
      ),
      ['drift/drift.json', 'drift/week-2.json'],
    );
    assert.deepEqual(
      read((s) => s.metricHistory(run.id, 'drift.share').map((m) => [m.step, m.value])),
      [
        [0, 0],
        [1, 0.5],
      ],
    );
    assert.deepEqual(
      read((s) => s.metricHistory(run.id, 'drift.drifted_columns').map((m) => [m.step, m.value])),
      [
        [0, 0],
        [1, 1],
      ],
    );
  });

  it('run.logDrift refuses unsafe names and bad arguments before computing anything', async () => {
    const run = lab.startRun({ experiment: 'monitoring', store: dbPath });
    await assert.rejects(
      run.logDrift(handMadeReport(true), { name: '../escape' }),
      /logDrift: name "\.\.\/escape" cannot name an artifact: .*"\.\." segment/,
    );
    await assert.rejects(
      run.logDrift({ reference: '/no/such/file.csv', current: '/no/such/other.csv', name: 'a\\b' }),
      /logDrift: name "a\\\\b" cannot name an artifact: .*backslash/,
    );
    await assert.rejects(
      run.logDrift({ reference: biscoe } as never),
      /reference and current are required/,
    );
    await assert.rejects(run.logDrift(42 as never), /logDrift: expected a drift report/);
    await assert.rejects(
      run.logDrift({ reference: biscoe, current: dream } as never, { name: 'x' }),
      /put every option in that object/,
    );
    run.end();
    await assert.rejects(
      run.logDrift(handMadeReport(true)),
      /logDrift: run .* has already finished/,
    );
    assert.equal(
      read((s) => s.listArtifacts(run.id).filter((a) => a.name.startsWith('drift/')).length),
      0,
    );
  });

  it("lab.detectors has river's detectors", () => {
    const adwin = lab.detectors.adwin();
    assert.equal(adwin.name, 'adwin');
    assert.equal(lab.detectors.DETECTOR_DEFAULTS.adwin.delta, 0.002);
    const ph = lab.detectors.pageHinkley({ threshold: 10 });
    const stream = [...Array(200).fill(0), ...Array(200).fill(5)];
    const drifts = stream.map((x) => ph.update(x).drift);
    assert.ok(drifts.indexOf(true) >= 200, String(drifts.indexOf(true)));
    assert.deepEqual(
      [lab.detectors.ddm().name, lab.detectors.kswin({ seed: 1 }).name],
      ['ddm', 'kswin'],
    );
  });
});
