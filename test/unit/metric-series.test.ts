/**
 * Compact metric series (migration 5): a store written by schema 4, with repeated steps,
 * ties, NaN and ±Infinity, is converted losing nothing: every point, in the order the old
 * schema read it, the latest point per key and the ranges; then it takes new points. The
 * expectations are computed from the schema 4 rows with schema 4's own queries.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, SCHEMA_VERSION } from '../../core/store';
import { MIGRATIONS } from '../../core/store/schema';
import { makeTempDir, removeDir } from './temp';

interface OldPoint {
  step: number;
  timestamp: number;
  value: number | null;
}

const sameNumber = (a: number, b: number | null) => Object.is(a, b === null ? NaN : b);

describe('compact metric series', () => {
  let dir: string;
  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => removeDir(dir));

  function schema4Store(path: string): Database.Database {
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 4)) raw.exec(m.sql);
    raw.pragma('user_version = 4');
    raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
    const run = raw.prepare(
      "INSERT INTO runs (id, experiment_id, name, status, start_time) VALUES (?, 1, ?, 'finished', 0)",
    );
    run.run('r1', 'one');
    run.run('r2', 'two');
    const point = raw.prepare(
      'INSERT INTO metrics (run_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)',
    );
    const latest = raw.prepare(`INSERT INTO latest_metrics (run_id, key, step, timestamp, value)
      VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET step = excluded.step,
      timestamp = excluded.timestamp, value = excluded.value
      WHERE excluded.step > latest_metrics.step
        OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`);
    const log = (runId: string, key: string, step: number, timestamp: number, value: number) => {
      point.run(runId, key, step, timestamp, value);
      latest.run(runId, key, step, timestamp, value);
    };
    raw.transaction(() => {
      for (let step = 0; step < 500; step++) log('r1', 'loss', step, 1000 + step, 1 / (step + 1));
      // Repeated steps, logged out of order, one with an older timestamp than its sibling.
      log('r1', 'loss', 7, 5000, 0.7);
      log('r1', 'loss', 7, 900, 0.07);
      log('r1', 'acc', 3, 10, NaN);
      log('r1', 'acc', 1, 11, Infinity);
      log('r1', 'acc', 2, 12, -Infinity);
      log('r1', 'acc', 3, 10, 0.5); // a tie on step and time: the later one is latest
      log('r2', 'nan', 0, 1, NaN);
      log('r2', 'loss', 0, 1, 2.5);
    })();
    return raw;
  }

  it('migration 5 converts a schema 4 store losing nothing, and it takes new points', () => {
    const path = join(dir, 'old', 'labbook.db');
    const raw = schema4Store(path);
    const series = raw
      .prepare('SELECT DISTINCT run_id, key FROM metrics ORDER BY run_id, key')
      .all() as { run_id: string; key: string }[];
    const history = new Map(
      series.map((s) => [
        `${s.run_id}/${s.key}`,
        raw
          .prepare(
            'SELECT step, timestamp, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid',
          )
          .all(s.run_id, s.key) as OldPoint[],
      ]),
    );
    const latest = raw
      .prepare('SELECT run_id, key, step, timestamp, value FROM latest_metrics')
      .all() as (OldPoint & { run_id: string; key: string })[];
    const ranges = raw
      .prepare(
        'SELECT run_id, key, MIN(value) AS min, MAX(value) AS max FROM metrics GROUP BY run_id, key',
      )
      .all() as { run_id: string; key: string; min: number | null; max: number | null }[];
    raw.close();

    const store = Store.open({ path });
    try {
      assert.equal(store.schemaVersion, SCHEMA_VERSION);
      for (const [name, old] of history) {
        const [runId, key] = name.split('/');
        const now = store.metricHistory(runId, key);
        assert.equal(now.length, old.length, name);
        now.forEach((p, i) => {
          assert.equal(p.step, old[i].step, `${name} #${i}`);
          assert.equal(p.timestamp, old[i].timestamp, `${name} #${i}`);
          assert.ok(sameNumber(p.value, old[i].value), `${name} #${i}: ${p.value}`);
        });
      }
      for (const old of latest) {
        const now = store.latestMetrics(old.run_id)[old.key];
        assert.deepEqual([now.step, now.timestamp], [old.step, old.timestamp], old.key);
        assert.ok(sameNumber(now.value, old.value), `${old.run_id}/${old.key}: ${now.value}`);
      }
      const nowRanges = store.metricRangesOfRuns(['r1', 'r2']);
      for (const old of ranges) {
        assert.deepEqual(nowRanges.get(old.run_id)?.[old.key], { min: old.min, max: old.max });
      }
      assert.deepEqual(nowRanges.get('r1')?.acc, { min: -Infinity, max: Infinity });
      assert.deepEqual(nowRanges.get('r2')?.nan, { min: null, max: null });

      // New points continue the converted series.
      store.insertMetricPoints([
        { runId: 'r1', key: 'loss', step: 500, timestamp: 9000, value: -1 },
        { runId: 'r1', key: 'loss', step: 7, timestamp: 9001, value: 0.777 },
        { runId: 'r2', key: 'nan', step: 1, timestamp: 2, value: 3 },
      ]);
      const loss = store.metricHistory('r1', 'loss');
      assert.equal(loss.length, 504);
      assert.deepEqual(
        loss.filter((p) => p.step === 7).map((p) => p.value),
        [0.07, 1 / 8, 0.7, 0.777],
        'repeated steps: the converted ones in the old order, then the new one',
      );
      assert.equal(store.latestMetrics('r1').loss.value, -1);
      assert.deepEqual(store.metricRangesOfRuns(['r2']).get('r2')?.nan, { min: 3, max: 3 });
    } finally {
      store.close();
    }
  });

  it('keeps a point in well under 40 bytes on disk', () => {
    const path = join(dir, 'size', 'labbook.db');
    const store = Store.open({ path });
    const run = store.createRun({ experiment: 'size', name: 'r' });
    const keys = ['loss', 'acc', 'val_loss', 'val_acc'];
    const points = 200_000;
    const batch = [];
    const start = Date.now();
    for (let i = 0; i < points; i++) {
      batch.push({
        runId: run.id,
        key: keys[i % 4],
        step: Math.floor(i / 4),
        timestamp: start + i,
        value: 1 / (1 + i),
      });
      if (batch.length === 10_000) store.insertMetricPoints(batch.splice(0));
    }
    store.close();
    // Pages in use by the points table, from SQLite's own accounting.
    const raw = new Database(path, { readonly: true });
    try {
      const pageSize = raw.pragma('page_size', { simple: true }) as number;
      const pages = raw
        .prepare("SELECT COUNT(*) AS n FROM dbstat WHERE name = 'metric_points'")
        .get() as { n: number } | undefined;
      const bytes = (pages?.n ?? statSync(path).size / pageSize) * pageSize;
      const perPoint = bytes / points;
      assert.ok(perPoint <= 40, `${perPoint.toFixed(1)} bytes per point`);
    } finally {
      raw.close();
    }
  });
});
