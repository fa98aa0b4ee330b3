/**
 * Metric logging throughput: 1,000,000 points through the SDK (`run.logMetric` in a loop,
 * then `run.end()`), against the same rows inserted with one bare prepared statement in
 * one transaction into an unindexed table of the old columns (run id, key, step, time,
 * value), with the store's pragmas. The bare insert is the ceiling for SQLite on this
 * machine; the ratio is the SDK's share of it. Also printed: bytes per point on disk and
 * the time to read one series of all its points, against a bare raw SELECT of the same rows.
 *
 * Not a timed test: it prints figures. Targets (issue 17): ratio >= 0.8, <= 40 bytes a point.
 * Usage: npm run bench:logging   (LABBOOK_BENCH_POINTS overrides the point count)
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../core/store';
import { startRun } from '../../kernel/sdk';
import { bytesPerPoint } from './sqlite-size';

const POINTS = Number(process.env.LABBOOK_BENCH_POINTS ?? 1_000_000);
const TARGET_RATIO = 0.8;
const TARGET_BYTES = 40;
const KEYS = ['loss', 'acc', 'val_loss', 'val_acc'];

/** Point i: key cycles over KEYS, each key's step counts up from 0. */
const keyOf = (i: number) => KEYS[i % KEYS.length];
const stepOf = (i: number) => Math.floor(i / KEYS.length);
const valueOf = (i: number) => 1 / (1 + i);

interface Timing {
  /** Wall-clock seconds: what a user waits. */
  seconds: number;
  /** CPU seconds of this process (user + system): steadier on a busy machine. */
  cpuSeconds: number;
  runId: string;
  path: string;
}

function stopwatch(): () => { seconds: number; cpuSeconds: number } {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      seconds: Number(process.hrtime.bigint() - wall) / 1e9,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  };
}

function viaSdk(dir: string, points: number): Timing {
  const path = join(dir, 'sdk.db');
  const run = startRun({ experiment: 'bench', name: 'sdk', store: path });
  const stop = stopwatch();
  for (let i = 0; i < points; i++) run.logMetric(keyOf(i), valueOf(i));
  run.end();
  return { ...stop(), runId: run.id, path };
}

function viaBareStatement(dir: string, points: number): Timing {
  const path = join(dir, 'bare.db');
  const setup = Store.open({ path });
  const runId = setup.createRun({ experiment: 'bench', name: 'bare' }).id;
  setup.close();
  const db = new Database(path);
  // The same per-connection settings the store uses.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const stop = stopwatch();
  db.exec(
    'CREATE TABLE bare_points (run_id TEXT NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp REAL NOT NULL, value REAL)',
  );
  const insert = db.prepare(
    'INSERT INTO bare_points (run_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < points; i++) insert.run(runId, keyOf(i), stepOf(i), Date.now(), valueOf(i));
  })();
  const timing = stop();
  db.close();
  return { ...timing, runId, path };
}

function countPoints(path: string, runId: string, bare: boolean): number {
  if (bare) {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM bare_points').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const store = Store.open({ path, readonly: true });
  try {
    return KEYS.reduce((n, key) => n + store.metricHistory(runId, key).length, 0);
  } finally {
    store.close();
  }
}

/** Milliseconds to read one series through the store, and with a bare raw SELECT. */
function readTimes(path: string, runId: string, key: string): { store: number; bare: number } {
  const store = Store.open({ path, readonly: true });
  const db = new Database(path, { readonly: true });
  try {
    const best = (f: () => unknown) => {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = process.hrtime.bigint();
        f();
        ms = Math.min(ms, Number(process.hrtime.bigint() - t) / 1e6);
      }
      return ms;
    };
    const seriesId = (
      db.prepare('SELECT id FROM metric_series WHERE run_id = ? AND key = ?').get(runId, key) as {
        id: number;
      }
    ).id;
    const bare = db
      .prepare('SELECT step, timestamp, value FROM metric_points WHERE series_id = ?')
      .raw();
    return {
      store: best(() => store.metricHistory(runId, key)),
      bare: best(() => bare.all(seriesId)),
    };
  } finally {
    store.close();
    db.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-'));
  try {
    // Warm both paths up (JIT, file cache) on throwaway stores.
    viaSdk(mkdtempSync(join(dir, 'warm-')), 20_000);
    viaBareStatement(mkdtempSync(join(dir, 'warm-')), 20_000);

    const sdk = viaSdk(mkdtempSync(join(dir, 'sdk-')), POINTS);
    const bare = viaBareStatement(mkdtempSync(join(dir, 'bare-')), POINTS);
    for (const [label, result] of [
      ['SDK', sdk],
      ['bare', bare],
    ] as const) {
      const stored = countPoints(result.path, result.runId, label === 'bare');
      if (stored !== POINTS) throw new Error(`${label}: ${stored} points stored, ${POINTS} logged`);
    }
    const sdkRate = POINTS / sdk.seconds;
    const bareRate = POINTS / bare.seconds;
    const ratio = sdkRate / bareRate;
    const cpuRatio = bare.cpuSeconds / sdk.cpuSeconds;
    console.log(
      `SDK  run.logMetric + end():             ${fmt(sdkRate)} points/s (${sdk.seconds.toFixed(2)} s wall, ${sdk.cpuSeconds.toFixed(2)} s CPU)`,
    );
    console.log(
      `bare prepared statement, 1 transaction: ${fmt(bareRate)} points/s (${bare.seconds.toFixed(2)} s wall, ${bare.cpuSeconds.toFixed(2)} s CPU)`,
    );
    console.log(
      `logging benchmark: ${fmt(POINTS)} points, SDK ${fmt(sdkRate)}/s vs bare ${fmt(bareRate)}/s, ` +
        `ratio ${ratio.toFixed(2)} (CPU-time ratio ${cpuRatio.toFixed(2)}; target >= ${TARGET_RATIO}): ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
    );
    const sdkBytes = bytesPerPoint(sdk.path, ['metric_points', 'metric_series'], POINTS);
    const bareBytes = bytesPerPoint(bare.path, ['bare_points'], POINTS);
    console.log(
      `bytes per point on disk: SDK ${sdkBytes.toFixed(1)} vs bare unindexed table ${bareBytes.toFixed(1)} (target <= ${TARGET_BYTES}): ${sdkBytes <= TARGET_BYTES ? 'PASS' : 'FAIL'}`,
    );
    const read = readTimes(sdk.path, sdk.runId, KEYS[0]);
    console.log(
      `read one series of ${fmt(POINTS / KEYS.length)} points: store.metricHistory ${read.store.toFixed(0)} ms, bare raw SELECT ${read.bare.toFixed(0)} ms (ratio ${(read.bare / read.store).toFixed(2)})`,
    );
    if (ratio < TARGET_RATIO || sdkBytes > TARGET_BYTES) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
