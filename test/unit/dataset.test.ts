/**
 * Data set versions: content fingerprints, `run.logDataset` (same content → same version,
 * new content → next version, linked to the run with its role and validation result), and
 * migration 3 on a store written by schema 2.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, SCHEMA_VERSION } from '../../core/store';
import { MIGRATIONS } from '../../core/store/schema';
import { canonicalRows, fingerprintFile, fingerprintRows } from '../../core/quality/fingerprint';
import {
  getDataset,
  listDatasets,
  recordDataset,
  recordRunInput,
  runInputs,
  runsUsingDataset,
} from '../../core/quality/datasets';
import { inferSuite } from '../../core/quality/suite';
import { profileFile } from '../../core/quality/profile';
import { saveSuite } from '../../core/quality/suite-io';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir, sha256OfFile } from './temp';

const root = join(__dirname, '..', '..', '..');
const data = join(root, 'node_modules', 'vega-datasets', 'data');
const penguinsPath = join(data, 'penguins.json');
const penguins = JSON.parse(readFileSync(penguinsPath, 'utf8')) as Record<string, unknown>[];

describe('data sets', function () {
  this.timeout(60_000);
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = makeTempDir('labbook-dataset-');
    dbPath = join(dir, '.labbook', 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  describe('fingerprints', () => {
    it('a file: SHA-256 of its bytes', async () => {
      assert.equal(await fingerprintFile(penguinsPath), sha256OfFile(penguinsPath));
      await assert.rejects(fingerprintFile(join(dir, 'nope.csv')), /ENOENT/);
    });

    it('rows: stable across key order, not across row order; columns equal their rows', () => {
      const rows = [
        { a: 1, b: 'x', c: null },
        { a: 2, b: 'y', c: true },
      ];
      const shuffled = [
        { c: null, b: 'x', a: 1 },
        { b: 'y', c: true, a: 2 },
      ];
      assert.equal(fingerprintRows(rows), fingerprintRows(shuffled));
      assert.notEqual(fingerprintRows(rows), fingerprintRows([rows[1], rows[0]]));
      assert.equal(
        fingerprintRows({ a: [1, 2], b: ['x', 'y'], c: [null, true] }),
        fingerprintRows(rows),
      );
      assert.equal(
        fingerprintRows({ b: ['x', 'y'], c: [null, true], a: [1, 2] }),
        fingerprintRows(rows),
      );
      assert.match(fingerprintRows(rows), /^[0-9a-f]{64}$/);
      // Nested objects too; distinct values stay distinct.
      assert.equal(
        fingerprintRows([{ o: { y: 1, x: 2 } }]),
        fingerprintRows([{ o: { x: 2, y: 1 } }]),
      );
      assert.notEqual(fingerprintRows([{ a: 1 }]), fingerprintRows([{ a: '1' }]));
      assert.notEqual(fingerprintRows([{ a: NaN }]), fingerprintRows([{ a: null }]));
      assert.notEqual(fingerprintRows([{ a: 'NaN' }]), fingerprintRows([{ a: NaN }]));
      assert.notEqual(fingerprintRows([{ a: undefined }]), fingerprintRows([{ a: null }]));
      assert.equal(canonicalRows([{ b: 1, a: [NaN, -Infinity] }]), '[{"a":[NaN,-Infinity],"b":1}]');
      // Every penguin with its keys reversed is the same data set.
      const reversed = penguins.map((p) => Object.fromEntries(Object.entries(p).reverse()));
      assert.equal(fingerprintRows(reversed), fingerprintRows(penguins));
      assert.notEqual(fingerprintRows([...penguins].reverse()), fingerprintRows(penguins));
    });
  });

  describe('run.logDataset', () => {
    it('same content is the same version; new content the next version; runs are linked with their roles', async () => {
      const first = lab.startRun({ experiment: 'penguins', store: dbPath });
      const train = await first.logDataset(penguinsPath, { name: 'penguins', role: 'train' });
      assert.equal(train.version, 1);
      assert.equal(train.created, true);
      assert.equal(train.fingerprint, sha256OfFile(penguinsPath));
      assert.equal(train.rows, penguins.length);
      assert.equal(train.profile.rows, penguins.length);
      assert.deepEqual(
        train.schema.columns.map((c) => c.name),
        Object.keys(penguins[0]),
      );
      assert.equal(train.validation, undefined);
      const test = await first.logDataset(penguins.slice(0, 50), {
        name: 'penguins-test',
        role: 'test',
      });
      assert.equal(test.version, 1);
      first.end();

      // The same bytes in a copy of the file: the same version.
      const copy = join(dir, 'copy.json');
      writeFileSync(copy, readFileSync(penguinsPath));
      const second = lab.startRun({ experiment: 'penguins', store: dbPath });
      const again = await second.logDataset(copy, { name: 'penguins', role: 'train' });
      assert.equal(again.version, 1);
      assert.equal(again.created, false);
      // Different content: version 2.
      const changed = join(dir, 'changed.json');
      writeFileSync(changed, JSON.stringify(penguins.slice(10)));
      const next = await second.logDataset(changed, { name: 'penguins', role: 'validation' });
      assert.equal(next.version, 2);
      assert.equal(next.created, true);
      // The same rows as a column object, keys in another order: the same version as the rows.
      const columns: Record<string, unknown[]> = {};
      for (const key of Object.keys(penguins[0]).reverse())
        columns[key] = penguins.slice(0, 50).map((p) => p[key]);
      const sameTest = await second.logDataset(columns, { name: 'penguins-test', role: 'test' });
      assert.equal(sameTest.version, 1);
      assert.equal(sameTest.fingerprint, test.fingerprint);
      assert.deepEqual(second.storeLocation, dbPath);
      const secondId = second.id;
      second.end();

      const store = Store.open({ path: dbPath });
      try {
        assert.deepEqual(
          listDatasets(store).map((d) => `${d.name}@${d.version}`),
          ['penguins@1', 'penguins@2', 'penguins-test@1'],
        );
        const v1 = getDataset(store, 'penguins', 1);
        assert.ok(v1);
        assert.equal(v1.source, penguinsPath);
        assert.equal(v1.profile?.rows, penguins.length);
        assert.deepEqual(
          runsUsingDataset(store, v1.id).map((r) => [r.runId, r.role]),
          [
            [first.id, 'train'],
            [secondId, 'train'],
          ],
        );
        assert.deepEqual(
          runInputs(store, secondId).map((i) => `${i.dataset.name}@${i.dataset.version}:${i.role}`),
          ['penguins@1:train', 'penguins@2:validation', 'penguins-test@1:test'],
        );
        assert.equal(
          store.getTags(first.id)['labbook.datasets'],
          'penguins@1:train,penguins-test@1:test',
        );
        assert.equal(
          store.getTags(secondId)['labbook.datasets'],
          'penguins@1:train,penguins@2:validation,penguins-test@1:test',
        );
        assert.equal(getDataset(store, 'penguins')?.version, 2);
      } finally {
        store.close();
      }
    });

    it('validates against a saved suite or a suite object and stores the result with the run input', async () => {
      const suite = await inferSuite(penguinsPath, { name: 'penguins' });
      saveSuite(dbPath, suite);
      await lab.withRun({ experiment: 'penguins', store: dbPath }, async (run) => {
        const ok = await run.logDataset(penguinsPath, {
          name: 'penguins',
          role: 'reference',
          suite: 'penguins',
        });
        assert.equal(ok.validation?.passed, true);
        const bad = penguins.map((p, i) => (i === 2 ? { ...p, Species: 'Dodo' } : p));
        const failed = await run.logDataset(bad, {
          name: 'penguins-current',
          role: 'current',
          suite,
        });
        assert.equal(failed.validation?.passed, false);
        const inSet = failed.validation?.rules.find((r) => r.rule.id === 'in-set:Species');
        assert.deepEqual(inSet?.examples, [{ row: 3, value: 'Dodo' }]);
        const store = Store.open({ path: dbPath });
        try {
          const inputs = runInputs(store, run.id);
          assert.deepEqual(
            inputs.map((i) => [i.role, i.validation?.passed]),
            [
              ['reference', true],
              ['current', false],
            ],
          );
          assert.equal(inputs[1].validation?.failedRules, 1);
        } finally {
          store.close();
        }
        await assert.rejects(
          run.logDataset(penguinsPath, { name: 'penguins', role: 'train', suite: 'ghost' }),
          /no suite "ghost"/,
        );
      });
    });

    it('keeps the rows as a Parquet snapshot artifact (sampled down when asked), or none with snapshot: false', async () => {
      await lab.withRun({ experiment: 'penguins', store: dbPath }, async (run) => {
        const full = await run.logDataset(penguinsPath, { name: 'penguins', role: 'train' });
        assert.deepEqual(full.snapshot, {
          artifact: `labbook/datasets/${full.fingerprint}.parquet`,
          rows: 344,
          sampled: false,
        });
        const small = await run.logDataset(penguins.slice(0, 200), {
          name: 'penguins-head',
          role: 'test',
          snapshot: 50,
        });
        assert.deepEqual([small.snapshot?.rows, small.snapshot?.sampled], [50, true]);
        const none = await run.logDataset(penguins.slice(0, 10), {
          name: 'penguins-tiny',
          role: 'test',
          snapshot: false,
        });
        assert.equal(none.snapshot, undefined);
        await assert.rejects(
          run.logDataset(penguinsPath, { name: 'penguins', role: 'train', snapshot: 0 }),
          /snapshot must be true, false or a whole number of rows >= 1, got 0/,
        );
        const store = Store.open({ path: dbPath });
        try {
          const artifacts = store
            .listArtifacts(run.id)
            .filter((a) => a.name.startsWith('labbook/datasets/'));
          assert.equal(artifacts.length, 2);
          // The snapshot reads back as the same data: same rows, columns and statistics.
          const back = await profileFile(
            store.artifactPath(artifacts.find((a) => a.name === full.snapshot!.artifact)!.sha256),
          );
          assert.equal(back.rows, 344);
          assert.deepEqual(
            back.columns.map((c) => [c.name, c.count, c.distinct]),
            full.profile.columns.map((c) => [c.name, c.count, c.distinct]),
          );
          // Means agree to rounding: DuckDB may sum the Parquet column in another order.
          back.columns.forEach((c, i) => {
            const expected = full.profile.columns[i].mean;
            assert.ok(
              c.mean === expected ||
                Math.abs((c.mean as number) - (expected as number)) <=
                  1e-12 * Math.abs(expected as number),
              `${c.name} mean`,
            );
          });
        } finally {
          store.close();
        }
      });
    });

    it('refuses bad names, roles and data, and a finished run', async () => {
      const run = lab.startRun({ experiment: 'e', store: dbPath });
      await assert.rejects(
        run.logDataset(penguinsPath, { name: '', role: 'train' }),
        /name must be a non-empty string/,
      );
      await assert.rejects(
        run.logDataset(penguinsPath, { name: 'a@b', role: 'train' }),
        /contains "@"/,
      );
      await assert.rejects(
        run.logDataset(penguinsPath, { name: 'p', role: 'not a role' }),
        /role must be a word/,
      );
      await assert.rejects(
        run.logDataset(42 as unknown as string, { name: 'p', role: 'train' }),
        /data must be a file path/,
      );
      await assert.rejects(
        run.logDataset(join(dir, 'nope.csv'), { name: 'p', role: 'train' }),
        /cannot read .*nope\.csv/,
      );
      run.end();
      await assert.rejects(
        run.logDataset(penguinsPath, { name: 'p', role: 'train' }),
        /has already finished/,
      );
    });
  });

  describe('recordDataset', () => {
    it('numbers versions per name and returns the existing version for known content', () => {
      const store = Store.open({ path: dbPath });
      try {
        const fp = (c: string) => c.repeat(64);
        const schema = { columns: [{ name: 'a', type: 'integer' }] };
        assert.equal(
          recordDataset(store, { name: 'x', fingerprint: fp('a'), schema, rows: 1 }).version,
          1,
        );
        assert.equal(
          recordDataset(store, { name: 'x', fingerprint: fp('b'), schema, rows: 2 }).version,
          2,
        );
        assert.deepEqual(
          recordDataset(store, { name: 'x', fingerprint: fp('a'), schema, rows: 1 }),
          { ...getDataset(store, 'x', 1), created: false },
        );
        // The same content under another name is that name's own version 1.
        assert.equal(
          recordDataset(store, { name: 'y', fingerprint: fp('a'), schema, rows: 1 }).version,
          1,
        );
        assert.throws(
          () => recordDataset(store, { name: 'x', fingerprint: 'nothex', schema, rows: 1 }),
          /fingerprint must be 64/,
        );
        // Purging a run removes its inputs (ON DELETE CASCADE) and keeps the data set versions.
        const run = store.createRun({ experiment: 'e', name: 'r' });
        recordRunInput(store, {
          runId: run.id,
          datasetId: getDataset(store, 'x', 1)?.id as number,
          role: 'train',
        });
        assert.equal(runInputs(store, run.id).length, 1);
        store.endRun(run.id, 'finished');
        store.deleteRun(run.id);
        store.purgeRuns([run.id]);
        assert.equal(store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM run_inputs')?.n, 0);
        assert.equal(listDatasets(store, 'x').length, 2);
      } finally {
        store.close();
      }
    });
  });

  describe('migration 3', () => {
    it('upgrades a schema 2 store, keeping its runs and models, and data sets work on it', async () => {
      const path = join(dir, 'v2', 'labbook.db');
      mkdirSync(dirname(path), { recursive: true });
      const raw = new Database(path);
      raw.exec(MIGRATIONS[0].sql);
      raw.exec(MIGRATIONS[1].sql);
      raw.pragma('user_version = 2');
      raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
      raw
        .prepare(
          "INSERT INTO runs (id, experiment_id, name, status, start_time) VALUES ('r1', 1, 'old run', 'finished', 0)",
        )
        .run();
      raw.prepare("INSERT INTO registered_models (name, created_at) VALUES ('m', 0)").run();
      raw
        .prepare(
          "INSERT INTO model_versions (name, version, run_id, artifact_path, created_at, created_by) VALUES ('m', 1, 'r1', 'model/', 0, 'x')",
        )
        .run();
      raw.close();
      assert.ok(SCHEMA_VERSION >= 3);
      const store = Store.open({ path });
      try {
        assert.equal(store.schemaVersion, SCHEMA_VERSION);
        assert.equal(store.getRun('r1')?.name, 'old run');
        assert.equal(
          store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM model_versions')?.n,
          1,
        );
        const version = recordDataset(store, {
          name: 'd',
          fingerprint: 'c'.repeat(64),
          schema: { columns: [] },
          rows: 0,
        });
        assert.equal(version.version, 1);
        store.sql.run(
          "INSERT INTO run_inputs (run_id, dataset_id, role, created_at) VALUES ('r1', ?, 'train', 0)",
          version.id,
        );
        assert.equal(runInputs(store, 'r1')[0].role, 'train');
      } finally {
        store.close();
      }
    });
  });
});
