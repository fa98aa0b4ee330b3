/**
 * Metric logging throughput: 1,000,000 points through the SDK (`run.logMetric` in a loop,
 * then `run.end()`), against the same rows inserted with one bare prepared statement in
 * one transaction, each into a fresh store with the same schema and pragmas. The bare
 * insert is the ceiling for SQLite on this machine; the ratio is the SDK's share of it.
 *
 * Not a timed test: it prints figures. Target: ratio >= 0.5.
 * Usage: npm run bench:logging   (LABBOOK_BENCH_POINTS overrides the point count)
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../core/store';
import { startRun } from '../../kernel/sdk';

const POINTS = Number(process.env.LABBOOK_BENCH_POINTS ?? 1_000_000);
const TARGET_RATIO = 0.5;
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
  const insert = db.prepare(
    'INSERT INTO metrics (run_id, key, step, timestamp, value) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < points; i++) insert.run(runId, keyOf(i), stepOf(i), Date.now(), valueOf(i));
  })();
  const timing = stop();
  db.close();
  return { ...timing, runId, path };
}

function countPoints(path: string, runId: string): number {
  const store = Store.open({ path, readonly: true });
  try {
    return KEYS.reduce((n, key) => n + store.metricHistory(runId, key).length, 0);
  } finally {
    store.close();
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
      const stored = countPoints(result.path, result.runId);
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
    if (ratio < TARGET_RATIO) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
