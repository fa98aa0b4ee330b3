/**
 * The SQLite store on real files: creation, WAL, migrations, refusal of foreign and newer
 * files (without touching them), runs, params, tags, metrics (NaN and infinities
 * included) and killed-run detection.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  artifactsDirFor,
  resolveStorePath,
  SCHEMA_VERSION,
  STALE_HEARTBEAT_MS,
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

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(child.pid);
  return child.pid;
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
          'tags',
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
      writer.pragma('user_version = 9');
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
          new RegExp(`schema 9; this version knows up to ${SCHEMA_VERSION}`),
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

  describe('runs, params and tags', () => {
    let store: Store;
    beforeEach(() => {
      store = Store.open({ path: dbPath });
    });
    afterEach(() => store.close());

    it('creates, reads, lists, ends and soft-deletes runs', () => {
      const a = store.createRun({
        experiment: 'mnist',
        name: 'first',
        sourceNotebook: '/nb/train.ipynb',
        sourceCell: 3,
        gitCommit: 'a'.repeat(40),
        gitDirty: true,
        environment: {
          node: 'v20',
          platform: 'linux',
          arch: 'x64',
          packages: { '@tensorflow/tfjs': '4.22.0' },
        },
      });
      const b = store.createRun({
        experiment: 'mnist',
        name: 'second',
        startTime: a.startTime + 10,
      });
      const c = store.createRun({ experiment: 'other', name: 'elsewhere' });
      assert.match(a.id, /^[0-9a-f]{32}$/);
      assert.deepEqual(
        { ...store.getRun(a.id)!, startTime: 0, heartbeatAt: 0 },
        {
          id: a.id,
          experimentId: store.getExperiment('mnist')!.id,
          experimentName: 'mnist',
          name: 'first',
          status: 'running',
          startTime: 0,
          endTime: null,
          sourceNotebook: '/nb/train.ipynb',
          sourceCell: '3',
          gitCommit: 'a'.repeat(40),
          gitDirty: true,
          environment: {
            node: 'v20',
            platform: 'linux',
            arch: 'x64',
            packages: { '@tensorflow/tfjs': '4.22.0' },
          },
          pid: process.pid,
          host: hostname(),
          heartbeatAt: 0,
          error: null,
          parentRunId: null,
          deletedAt: null,
          user: null,
        },
      );
      assert.deepEqual(
        store.listRuns({ experiment: 'mnist' }).map((r) => r.name),
        ['second', 'first'],
      );
      assert.deepEqual(
        store
          .listRuns()
          .map((r) => r.id)
          .sort(),
        [a.id, b.id, c.id].sort(),
      );
      assert.deepEqual(
        store.listExperiments().map((e) => e.name),
        ['mnist', 'other'],
      );

      store.endRun(a.id, 'failed', { error: 'boom' });
      const ended = store.getRun(a.id)!;
      assert.equal(ended.status, 'failed');
      assert.equal(ended.error, 'boom');
      assert.ok(ended.endTime !== null && ended.endTime >= ended.startTime);
      assert.deepEqual(
        store.listRuns({ status: 'failed' }).map((r) => r.id),
        [a.id],
      );

      store.deleteRun(b.id);
      assert.deepEqual(
        store.listRuns({ experiment: 'mnist' }).map((r) => r.name),
        ['first'],
      );
      assert.equal(store.listRuns({ experiment: 'mnist', includeDeleted: true }).length, 2);
      expectStoreError(() => store.endRun('missing', 'finished'), 'NOT_FOUND', /missing/);
    });

    it('keeps the key metric of an experiment', () => {
      store.getOrCreateExperiment('mnist');
      store.setKeyMetric('mnist', 'val_acc', true);
      assert.deepEqual(store.getExperiment('mnist'), {
        ...store.getExperiment('mnist')!,
        keyMetric: 'val_acc',
        keyMetricHigherIsBetter: true,
      });
      store.setKeyMetric('mnist', null);
      assert.equal(store.getExperiment('mnist')!.keyMetricHigherIsBetter, null);
    });

    it('keeps params immutable and tags changeable', () => {
      const run = store.createRun({ experiment: 'e', name: 'r' });
      store.logParams(run.id, { lr: '0.01', layers: '[64,32]' });
      store.logParams(run.id, { lr: '0.01' });
      expectStoreError(
        () => store.logParams(run.id, { lr: '0.1' }),
        'PARAM_CONFLICT',
        /"lr" .* already "0.01".*"0.1"/,
      );
      assert.deepEqual(store.getParams(run.id), { layers: '[64,32]', lr: '0.01' });
      store.setTags(run.id, { stage: 'draft' });
      store.setTags(run.id, { stage: 'final', owner: 'ada' });
      assert.deepEqual(store.getTags(run.id), { owner: 'ada', stage: 'final' });
      expectStoreError(() => store.setTags('missing', { a: 'b' }), 'NOT_FOUND', /missing/);
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

    it('keeps every point, including repeated steps, and the latest point per key across batches', () => {
      const store = Store.open({ path: dbPath });
      try {
        const run = store.createRun({ experiment: 'e', name: 'r' });
        const other = store.createRun({ experiment: 'e', name: 'other' });
        const p = (
          key: string,
          step: number,
          timestamp: number,
          value: number,
          runId = run.id,
        ) => ({ runId, key, step, timestamp, value });
        store.insertMetricPoints([
          p('acc', 0, 1, 0.5),
          p('acc', 2, 2, 0.7),
          p('acc', 1, 3, 0.6),
          p('loss', 0, 1, 9, other.id),
        ]);
        store.insertMetricPoints([p('acc', 1, 4, 0.65), p('acc', 2, 5, 0.75)]);
        assert.deepEqual(
          store.metricHistory(run.id, 'acc').map((m) => [m.step, m.value]),
          [
            [0, 0.5],
            [1, 0.6],
            [1, 0.65],
            [2, 0.7],
            [2, 0.75],
          ],
        );
        assert.deepEqual(store.latestMetrics(run.id), {
          acc: { step: 2, timestamp: 5, value: 0.75 },
        });
        assert.deepEqual(store.latestMetrics(other.id), {
          loss: { step: 0, timestamp: 1, value: 9 },
        });
        // An older step arriving late does not replace the latest value.
        store.insertMetricPoints([p('acc', 0, 6, 0.1)]);
        assert.equal(store.latestMetrics(run.id).acc.value, 0.75);
      } finally {
        store.close();
      }
    });

    it('refuses malformed points and writes none of the batch', () => {
      const store = Store.open({ path: dbPath });
      try {
        const run = store.createRun({ experiment: 'e', name: 'r' });
        expectStoreError(
          () =>
            store.insertMetricPoints([
              { runId: run.id, key: 'k', step: 0, timestamp: 1, value: 1 },
              { runId: run.id, key: 'k', step: 0.5, timestamp: 1, value: 1 },
            ]),
          'INVALID_ARGUMENT',
          /integer step/,
        );
        assert.deepEqual(store.metricHistory(run.id, 'k'), []);
      } finally {
        store.close();
      }
    });
  });

  describe('killed-run detection on open', () => {
    it('marks runs of dead local processes and silent remote hosts as killed, and leaves live ones alone', () => {
      let store = Store.open({ path: dbPath });
      const now = Date.now();
      const deadLocal = store.createRun({ experiment: 'e', name: 'dead-local', pid: deadPid() });
      const aliveLocal = store.createRun({ experiment: 'e', name: 'alive-local' });
      const silentRemote = store.createRun({
        experiment: 'e',
        name: 'silent-remote',
        host: 'elsewhere',
        pid: 1,
        startTime: now - STALE_HEARTBEAT_MS - 60_000,
      });
      const freshRemote = store.createRun({
        experiment: 'e',
        name: 'fresh-remote',
        host: 'elsewhere',
        pid: 1,
      });
      // Our own (live) pid, but silent for two hours: the pid was reused by another process.
      const reusedPid = store.createRun({
        experiment: 'e',
        name: 'reused-pid',
        startTime: now - 2 * 60 * 60_000,
      });
      const finished = store.createRun({ experiment: 'e', name: 'finished', pid: deadPid() });
      store.endRun(finished.id, 'finished');
      store.close();

      store = Store.open({ path: dbPath });
      try {
        const status = (id: string) => store.getRun(id)!.status;
        assert.equal(status(deadLocal.id), 'killed');
        assert.match(
          store.getRun(deadLocal.id)!.error!,
          /process \d+ on .* ended without ending the run/,
        );
        assert.equal(store.getRun(deadLocal.id)!.endTime, store.getRun(deadLocal.id)!.heartbeatAt);
        assert.equal(status(aliveLocal.id), 'running');
        assert.equal(status(silentRemote.id), 'killed');
        assert.equal(status(freshRemote.id), 'running');
        assert.equal(status(reusedPid.id), 'killed');
        assert.equal(status(finished.id), 'finished');

        // A run wrongly presumed dead comes back when its writer shows signs of life.
        store.insertMetricPoints([
          { runId: silentRemote.id, key: 'k', step: 0, timestamp: Date.now(), value: 1 },
        ]);
        assert.equal(status(silentRemote.id), 'running');
        assert.equal(store.getRun(silentRemote.id)!.endTime, null);
      } finally {
        store.close();
      }
    });
  });

  describe('editing, restoring and purging runs', () => {
    let store: Store;
    beforeEach(() => {
      store = Store.open({ path: dbPath });
    });
    afterEach(() => store.close());

    const point = (runId: string, key: string, step: number, value: number) => ({
      runId,
      key,
      step,
      timestamp: 1000 + step,
      value,
    });
    const count = (table: string, runId: string) => {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (
          db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as {
            n: number;
          }
        ).n;
      } finally {
        db.close();
      }
    };

    it('renames a run, refusing empty and over-long names and unknown runs', () => {
      const run = store.createRun({ experiment: 'e', name: 'before' });
      store.renameRun(run.id, 'after: wider model');
      assert.equal(store.getRun(run.id)!.name, 'after: wider model');
      expectStoreError(
        () => store.renameRun(run.id, '   '),
        'INVALID_ARGUMENT',
        /run name must be a non-empty string, got " {3}"/,
      );
      expectStoreError(
        () => store.renameRun(run.id, 'x'.repeat(501)),
        'INVALID_ARGUMENT',
        /501 characters long; the limit is 500/,
      );
      expectStoreError(() => store.renameRun('missing', 'x'), 'NOT_FOUND', /"missing"/);
      store.renameRun(run.id, 'y'.repeat(500));
      assert.equal(store.getRun(run.id)!.name.length, 500);
    });

    it('deletes tags, and restores a soft-deleted run; deletedOnly lists only deleted runs', () => {
      const a = store.createRun({ experiment: 'e', name: 'a' });
      const b = store.createRun({ experiment: 'e', name: 'b' });
      store.setTags(a.id, { stage: 'draft', owner: 'ada', 'labbook.pinned': 'true' });
      store.deleteTags(a.id, ['stage', 'labbook.pinned', 'never-set']);
      assert.deepEqual(store.getTags(a.id), { owner: 'ada' });
      expectStoreError(() => store.deleteTags('missing', ['x']), 'NOT_FOUND', /missing/);

      store.deleteRun(b.id);
      const deleted = store.listRuns({ deletedOnly: true });
      assert.deepEqual(
        deleted.map((r) => r.id),
        [b.id],
      );
      assert.ok(deleted[0].deletedAt! > 0);
      assert.equal(store.countRuns({ deletedOnly: true }), 1);
      store.restoreRun(b.id);
      assert.equal(store.getRun(b.id)!.deletedAt, null);
      assert.deepEqual(store.listRuns({ deletedOnly: true }), []);
      assert.deepEqual(
        store
          .listRuns()
          .map((r) => r.name)
          .sort(),
        ['a', 'b'],
      );
      expectStoreError(() => store.restoreRun('missing'), 'NOT_FOUND', /missing/);
    });

    it('purges soft-deleted runs with all their data, frees blobs no run uses and keeps shared ones', () => {
      const gone = store.createRun({ experiment: 'e', name: 'gone' });
      const kept = store.createRun({ experiment: 'e', name: 'kept' });
      const child = store.createRun({ experiment: 'e', name: 'child', parentRunId: gone.id });
      store.logParams(gone.id, { lr: '0.1' });
      store.setTags(gone.id, { owner: 'ada' });
      store.insertMetricPoints([
        point(gone.id, 'loss', 0, 1),
        point(gone.id, 'loss', 1, 0.5),
        point(kept.id, 'loss', 0, 2),
      ]);
      const own = store.logArtifact(gone.id, 'own.txt', 'only the purged run has this');
      const shared = store.logArtifact(gone.id, 'shared.txt', 'both runs have this');
      store.logArtifact(kept.id, 'copy.txt', 'both runs have this');
      const ownPath = store.artifactPath(own.sha256);
      const sharedPath = store.artifactPath(shared.sha256);
      store.deleteRun(gone.id);

      const result = store.purgeRuns([gone.id]);
      assert.deepEqual(result, {
        purged: 1,
        artifactBytesFreed: Buffer.byteLength('only the purged run has this'),
      });
      assert.equal(store.getRun(gone.id), undefined);
      for (const table of ['params', 'tags', 'metric_series', 'latest_metrics', 'artifacts'])
        assert.equal(count(table, gone.id), 0, table);
      const raw = new Database(dbPath, { readonly: true });
      try {
        const orphans = raw
          .prepare(
            'SELECT COUNT(*) AS n FROM metric_points WHERE series_id NOT IN (SELECT id FROM metric_series)',
          )
          .get() as { n: number };
        assert.equal(orphans.n, 0, "the purged run's metric points are gone too");
      } finally {
        raw.close();
      }
      assert.equal(existsSync(ownPath), false);
      assert.equal(existsSync(sharedPath), true);
      assert.equal(store.readArtifact(kept.id, 'copy.txt').toString(), 'both runs have this');
      assert.deepEqual(
        store.metricHistory(kept.id, 'loss').map((p) => p.value),
        [2],
      );
      assert.equal(store.getRun(child.id)!.parentRunId, null);
      assert.deepEqual(
        store
          .listRuns()
          .map((r) => r.name)
          .sort(),
        ['child', 'kept'],
      );
    });

    it('refuses to purge runs that are not soft-deleted, naming them, and loses nothing', () => {
      const deleted = store.createRun({ experiment: 'e', name: 'deleted' });
      const live = store.createRun({ experiment: 'e', name: 'live' });
      store.insertMetricPoints([point(deleted.id, 'loss', 0, 1), point(live.id, 'loss', 0, 1)]);
      const blob = store.logArtifact(deleted.id, 'a.txt', 'unique content');
      store.deleteRun(deleted.id);

      const error = expectStoreError(
        () => store.purgeRuns([deleted.id, live.id]),
        'INVALID_ARGUMENT',
        /nothing was purged/,
      );
      assert.match(error.message, new RegExp(`not deleted \\(delete them first\\): ${live.id}`));
      assert.doesNotMatch(error.message.split('not deleted')[1], new RegExp(deleted.id));
      expectStoreError(() => store.purgeRuns([deleted.id, 'nope']), 'NOT_FOUND', /not found: nope/);
      assert.ok(store.getRun(deleted.id));
      assert.equal(store.metricHistory(deleted.id, 'loss').length, 1);
      assert.ok(existsSync(store.artifactPath(blob.sha256)));
      assert.deepEqual(store.purgeRuns([]), { purged: 0, artifactBytesFreed: 0 });
    });

    it('purges a parent together with its child in one call', () => {
      const parent = store.createRun({ experiment: 'e', name: 'parent' });
      const child = store.createRun({ experiment: 'e', name: 'child', parentRunId: parent.id });
      store.deleteRun(parent.id);
      store.deleteRun(child.id);
      assert.deepEqual(store.purgeRuns([parent.id, child.id, parent.id]), {
        purged: 2,
        artifactBytesFreed: 0,
      });
      assert.deepEqual(store.listRuns({ includeDeleted: true }), []);
    });

    it('finds runs by id prefix, literally', () => {
      const a = store.createRun({ experiment: 'e', name: 'a', id: 'abcd1234' });
      store.createRun({ experiment: 'e', name: 'b', id: 'abcd9999' });
      store.createRun({ experiment: 'e', name: 'c', id: 'ab*d0000' });
      assert.deepEqual(store.runIdsWithPrefix('abcd'), ['abcd1234', 'abcd9999']);
      assert.deepEqual(store.runIdsWithPrefix('abcd1'), [a.id]);
      assert.deepEqual(store.runIdsWithPrefix('ab*'), ['ab*d0000']);
      assert.deepEqual(store.runIdsWithPrefix('ABCD'), []);
      assert.deepEqual(store.runIdsWithPrefix('ab', 1), ['ab*d0000']);
    });
  });
});
