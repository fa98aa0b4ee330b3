/**
 * The SQLite store on real files: creation, WAL, migrations, refusal of foreign and newer
 * files (without touching them), NaN and infinities through a reopened file, and what a purge
 * leaves in the file's tables. What every backend does (runs, params, tags, metrics,
 * purging, killed-run detection) is the contract suite's (store-contract.test.ts).
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  artifactsDirFor,
  resolveStorePath,
  SCHEMA_VERSION,
  Store,
  StoreError,
} from '../../core/store';
import { workspaceStorePath } from '../../core/store/location';
import { makeTempDir, removeDir, sha256OfFile } from './temp';

function expectStoreError(fn: () => unknown, code: string, pattern: RegExp): StoreError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StoreError, `expected a StoreError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.match(caught.message, pattern);
  return caught;
}

describe('store', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = makeTempDir();
    // The store's own folder is created; folders above it must exist (a mistyped path fails).
    dbPath = join(dir, '.labbook', 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  describe('location', () => {
    it('prefers the explicit path, then LABBOOK_STORE, then .labbook/labbook.db in the working folder', () => {
      const env = { LABBOOK_STORE: 'from-env.db' };
      assert.equal(
        resolveStorePath({ path: 'x/explicit.db', cwd: '/work', env }),
        '/work/x/explicit.db',
      );
      assert.equal(resolveStorePath({ cwd: '/work', env }), '/work/from-env.db');
      assert.equal(resolveStorePath({ cwd: '/work', env: {} }), '/work/.labbook/labbook.db');
      assert.equal(artifactsDirFor('/work/.labbook/labbook.db'), '/work/.labbook/artifacts');
    });

    it('reads the editor setting labbook.storePath against the workspace folder, with ${workspaceFolder} and ~ expanded', () => {
      const nowhere = () => assert.fail('a folder or an absolute setting needs no fallback folder');
      assert.equal(workspaceStorePath('/ws', undefined, nowhere), '/ws/.labbook/labbook.db');
      assert.equal(workspaceStorePath('/ws', '  ', nowhere), '/ws/.labbook/labbook.db');
      assert.equal(workspaceStorePath('/ws', 'data/runs.db', nowhere), '/ws/data/runs.db');
      assert.equal(
        workspaceStorePath('/ws', '${workspaceFolder}/db/runs.db', nowhere),
        '/ws/db/runs.db',
      );
      assert.equal(workspaceStorePath(undefined, '/abs/runs.db', nowhere), '/abs/runs.db');
      assert.equal(workspaceStorePath(undefined, '~/runs.db', nowhere), join(homedir(), 'runs.db'));
      assert.equal(
        workspaceStorePath(undefined, 'runs.db', () => '/notebooks'),
        '/notebooks/runs.db',
      );
      // No folder and no setting: the kernel decides (LABBOOK_STORE, then its working folder).
      assert.equal(workspaceStorePath(undefined, undefined, nowhere), undefined);
    });
  });

  describe('opening', () => {
    it('creates the database with its own folder, in WAL mode, at the current schema version', () => {
      const store = Store.open({ path: dbPath });
      try {
        assert.ok(existsSync(dbPath));
        assert.equal(store.location, dbPath);
        assert.equal(store.journalMode, 'wal');
        assert.equal(store.schemaVersion, SCHEMA_VERSION);
      } finally {
        store.close();
      }
      const raw = new Database(dbPath, { readonly: true });
      try {
        assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        const tables = (
          raw
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .all() as { name: string }[]
        ).map((t) => t.name);
        assert.deepEqual(tables, [
          'artifacts',
          'datasets',
          'deployment_events',
          'deployments',
          'experiments',
          'feedback',
          'metric_points',
          'metric_series',
          'model_aliases',
          'model_transitions',
          'model_versions',
          'params',
          'prediction_logs',
          'registered_models',
          'run_inputs',
          'runs',
          'studies',
          'tags',
          'trial_attempts',
          'trial_values',
          'trials',
        ]);
        const indexes = (
          raw
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'",
            )
            .all() as { name: string }[]
        ).map((t) => t.name);
        assert.ok(!indexes.includes('metrics_by_run_key_step'), 'points need no second index');
        const views = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").all();
        assert.deepEqual(views, [{ name: 'latest_metrics' }]);
        assert.ok(indexes.includes('runs_by_experiment'));
      } finally {
        raw.close();
      }
    });

    it('migrates an empty (schema 0) database and keeps data across reopening', () => {
      const path = join(dir, 'old.db');
      const raw = new Database(path);
      raw.exec('CREATE TABLE unrelated (x)');
      raw.close();
      let store = Store.open({ path });
      const run = store.createRun({ experiment: 'e', name: 'r' });
      store.close();
      store = Store.open({ path });
      try {
        assert.equal(store.schemaVersion, SCHEMA_VERSION);
        assert.equal(store.getRun(run.id)?.name, 'r');
      } finally {
        store.close();
      }
    });

    it('turns on foreign keys: points for a run that does not exist are refused', () => {
      const store = Store.open({ path: dbPath });
      try {
        expectStoreError(
          () =>
            store.insertMetricPoints([
              { runId: 'nope', key: 'k', step: 0, timestamp: 1, value: 1 },
            ]),
          'NOT_FOUND',
          /runs that do not exist.*nope/,
        );
      } finally {
        store.close();
      }
    });

    for (const mode of ['delete', 'wal'] as const) {
      it(`refuses a database from a newer schema (${mode} journal) and leaves the file byte-for-byte unchanged`, () => {
        const path = join(dir, 'newer.db');
        const raw = new Database(path);
        raw.pragma(`journal_mode = ${mode}`);
        raw.exec("CREATE TABLE future (x); INSERT INTO future VALUES ('from the future')");
        raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
        raw.close();
        const before = sha256OfFile(path);
        const filesBefore = readdirSync(dir).sort();

        const error = expectStoreError(
          () => Store.open({ path }),
          'NEWER_SCHEMA',
          new RegExp(
            `was written by a newer Labbook \\(schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}\\)\\. Upgrade Labbook; the file was not modified\\.`,
          ),
        );
        assert.ok(error.message.startsWith(path), error.message);
        assert.equal(sha256OfFile(path), before);
        assert.deepEqual(readdirSync(dir).sort(), filesBefore);
        expectStoreError(
          () => Store.open({ path, readonly: true }),
          'NEWER_SCHEMA',
          new RegExp(`schema ${SCHEMA_VERSION + 1}`),
        );
        assert.equal(sha256OfFile(path), before);
      });
    }

    it('refuses a newer schema that only the WAL knows about, without checkpointing it', () => {
      const path = join(dir, 'wal-only.db');
      const writer = new Database(path);
      writer.pragma('journal_mode = WAL');
      writer.exec('CREATE TABLE t (x)');
      writer.pragma('wal_autocheckpoint = 0');
      writer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      // The writer stays open: the version lives in the -wal file, the header still says 0.
      try {
        assert.equal(
          readFileSync(path).readInt32BE(60),
          0,
          'the header should not know the new version yet',
        );
        const before = sha256OfFile(path);
        expectStoreError(
          () => Store.open({ path }),
          'NEWER_SCHEMA',
          new RegExp(`schema ${SCHEMA_VERSION + 1}; this version knows up to ${SCHEMA_VERSION}`),
        );
        assert.equal(sha256OfFile(path), before);
      } finally {
        writer.close();
      }
    });

    it('refuses a file that is not a SQLite database, naming the file, and leaves it unchanged', () => {
      for (const [name, content] of [
        ['notes.db', 'these are my notes, not a database\n'.repeat(20)],
        ['tiny.db', 'hi'],
      ]) {
        const path = join(dir, name);
        writeFileSync(path, content);
        const before = sha256OfFile(path);
        const error = expectStoreError(
          () => Store.open({ path }),
          'NOT_A_DATABASE',
          /is not a Labbook store/,
        );
        assert.ok(error.message.includes(path), error.message);
        assert.equal(sha256OfFile(path), before);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.startsWith(name)),
          [name],
        );
      }
    });

    it('refuses a folder where the database should be', () => {
      expectStoreError(() => Store.open({ path: dir }), 'NOT_A_DATABASE', /it is a folder/);
    });

    it('reports outside writes through dataVersion()', () => {
      const reader = Store.open({ path: dbPath, readonly: false });
      const writer = Store.open({ path: dbPath });
      try {
        const before = reader.dataVersion();
        assert.equal(reader.dataVersion(), before, 'stable while nobody writes');
        writer.createRun({ experiment: 'e', name: 'r' });
        const after = reader.dataVersion();
        assert.notEqual(after, before);
        reader.getOrCreateExperiment('own write');
        assert.equal(reader.dataVersion(), after, 'its own writes do not count');
      } finally {
        writer.close();
        reader.close();
      }
    });

    it('opens read-only without creating anything', () => {
      expectStoreError(
        () => Store.open({ path: dbPath, readonly: true }),
        'NOT_FOUND',
        /no Labbook store/,
      );
      assert.ok(!existsSync(dbPath));
      Store.open({ path: dbPath }).close();
      const store = Store.open({ path: dbPath, readonly: true });
      try {
        assert.throws(() => store.createRun({ experiment: 'e', name: 'r' }), /readonly/);
      } finally {
        store.close();
      }
    });
  });

  describe('metrics', () => {
    it('round-trips NaN, +Infinity and -Infinity exactly, through a reopened file', () => {
      const values = [
        NaN,
        Infinity,
        -Infinity,
        0,
        1.5,
        -2,
        Number.MAX_VALUE,
        Number.MIN_VALUE,
        1 / 3,
      ];
      let store = Store.open({ path: dbPath });
      const run = store.createRun({ experiment: 'e', name: 'r' });
      store.insertMetricPoints(
        values.map((value, step) => ({
          runId: run.id,
          key: 'loss',
          step,
          timestamp: 1000 + step,
          value,
        })),
      );
      store.insertMetricPoints([{ runId: run.id, key: 'last', step: 0, timestamp: 1, value: NaN }]);
      store.close();

      store = Store.open({ path: dbPath });
      try {
        const history = store.metricHistory(run.id, 'loss');
        assert.equal(history.length, values.length);
        history.forEach((point, i) => {
          assert.ok(
            Object.is(point.value, values[i]),
            `step ${i}: expected ${values[i]}, got ${point.value}`,
          );
          assert.equal(point.step, i);
          assert.equal(point.timestamp, 1000 + i);
        });
        const latest = store.latestMetrics(run.id);
        assert.ok(Object.is(latest.loss.value, 1 / 3));
        assert.ok(Number.isNaN(latest.last.value));
      } finally {
        store.close();
      }
    });
  });

  // Purging and the other run edits are backend-neutral (store-contract.test.ts); what is
  // checked here is the file's own tables, which only SQLite has in this shape.
  describe('purging runs', () => {
    it('frees the blobs no run uses, and leaves no row of a purged run in the file, nor an orphan metric point', () => {
      const store = Store.open({ path: dbPath });
      const gone = store.createRun({ experiment: 'e', name: 'gone' });
      store.logParams(gone.id, { lr: '0.1' });
      store.setTags(gone.id, { owner: 'ada' });
      store.insertMetricPoints(
        [0, 1].map((step) => ({ runId: gone.id, key: 'loss', step, timestamp: step, value: step })),
      );
      const kept = store.createRun({ experiment: 'e', name: 'kept' });
      const own = store.logArtifact(gone.id, 'own.txt', 'only the purged run has this');
      const shared = store.logArtifact(gone.id, 'shared.txt', 'both runs have this');
      store.logArtifact(kept.id, 'copy.txt', 'both runs have this');
      store.deleteRun(gone.id);
      assert.deepEqual(store.purgeRuns([gone.id]), {
        purged: 1,
        artifactBytesFreed: Buffer.byteLength('only the purged run has this'),
      });
      assert.equal(existsSync(store.artifactPath(own.sha256)), false);
      assert.equal(existsSync(store.artifactPath(shared.sha256)), true);
      store.close();
      const raw = new Database(dbPath, { readonly: true });
      try {
        const count = (sql: string, ...args: unknown[]) =>
          (raw.prepare(sql).get(...args) as { n: number }).n;
        for (const table of ['params', 'tags', 'metric_series', 'latest_metrics', 'artifacts'])
          assert.equal(
            count(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`, gone.id),
            0,
            table,
          );
        assert.equal(
          count(
            'SELECT COUNT(*) AS n FROM metric_points WHERE series_id NOT IN (SELECT id FROM metric_series)',
          ),
          0,
          "the purged run's metric points are gone too",
        );
      } finally {
        raw.close();
      }
    });
  });
});
