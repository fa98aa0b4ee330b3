/**
 * Runs table and comparison at scale: a real SQLite store with 10,000 runs x 10 params x
 * 5 metrics x 100 steps (5M metric points), then, median of several repetitions each:
 *   (a) the table's first page (queryRunsTable, 100 rows, ordered by metrics.m0 DESC),
 *   (b) a filtered page (`metrics.m1 > 0.5 and params.p2 = "3"`),
 *   (c) a 20-run comparison with every metric point (comparisonData),
 * each against a baseline in the same process: the bare SQL SELECT of the same rows
 * (runs joined with the ordering metric, the same filter, the 20 runs' metric points).
 * The ratio is what the table adds on top (params, tags, min/max, counts, columns, best).
 *
 * Not a timed test: it prints figures. Target: the first page under 300 ms.
 * Usage: npm run bench:runs   (LABBOOK_BENCH_RUNS overrides the run count)
 */
import { asyncRunStore } from '../../core/store/sqlite/async-run-store';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comparisonData } from '../../core/compare/compare';
import { queryRunsTable } from '../../core/service/table';
import { Store, type MetricPoint } from '../../core/store';

const RUNS = Number(process.env.LABBOOK_BENCH_RUNS ?? 10_000);
const PARAMS = 10;
const METRICS = 5;
const STEPS = 100;
const REPETITIONS = 7;
const FIRST_PAGE_TARGET_MS = 300;
/** Runs whose points go into one insertMetricPoints call (one transaction). */
const RUNS_PER_BATCH = 50;

/** A deterministic pseudo-random number in [0, 1) from two integers. */
function noise(a: number, b: number): number {
  const x = Math.sin(a * 12.9898 + b * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

function seed(store: Store): string[] {
  const ids: string[] = [];
  const started = Date.now();
  const t0 = Date.UTC(2026, 0, 1);
  let batch: MetricPoint[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = store.createRun({
      experiment: `bench-${i % 4}`,
      name: `run-${i}`,
      startTime: t0 + i * 1000,
      pid: process.pid,
    });
    ids.push(run.id);
    const params: Record<string, string> = {};
    for (let p = 0; p < PARAMS; p++) params[`p${p}`] = String(Math.floor(noise(i, p) * (p + 2)));
    store.logParams(run.id, params);
    for (let m = 0; m < METRICS; m++) {
      const target = noise(i, 100 + m);
      for (let step = 0; step < STEPS; step++) {
        const value =
          step === 7 && m === 4
            ? Number.NaN
            : target * (1 - Math.exp(-step / 20)) + 0.01 * noise(step, i + m);
        batch.push({ runId: run.id, key: `m${m}`, step, timestamp: t0 + i * 1000 + step, value });
      }
    }
    if ((i + 1) % RUNS_PER_BATCH === 0 || i === RUNS - 1) {
      store.insertMetricPoints(batch);
      batch = [];
    }
    if (i % 10 === 0) store.setTags(run.id, { team: i % 20 === 0 ? 'vision' : 'nlp' });
    if (i % 2000 === 1) store.setTags(run.id, { 'labbook.pinned': 'true' });
    store.endRun(run.id, 'finished', { endTime: t0 + i * 1000 + 500 });
    if ((i + 1) % 1000 === 0 || i === RUNS - 1) {
      process.stderr.write(
        `seeding: ${i + 1}/${RUNS} runs, ${((i + 1) * METRICS * STEPS).toLocaleString('en-US')} points, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  }
  return ids;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall-clock ms of `fn` over REPETITIONS runs, after one warm-up; also returns the last result. */
function time<T>(fn: () => T): { ms: number; result: T } {
  let result = fn();
  const samples: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const start = process.hrtime.bigint();
    result = fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(samples), result };
}

/** time() for a function answering with a promise (the RunStore interface). */
async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const start = process.hrtime.bigint();
    result = await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: median(samples), result };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-runs-'));
  const path = join(dir, 'labbook.db');
  try {
    const seedStart = Date.now();
    const store = Store.open({ path });
    const ids = seed(store);
    const seedSeconds = (Date.now() - seedStart) / 1000;

    const bare = new Database(path, { readonly: true });
    const rows: { name: string; ms: number; baselineMs: number; check: string }[] = [];

    // (a) first page, by the latest m0, best first.
    const page = await timeAsync(() =>
      queryRunsTable(asyncRunStore(store), {
        orderBy: 'metrics.m0 DESC',
        offset: 0,
        limit: 100,
      }),
    );
    const pageSql = bare.prepare(`SELECT r.*, e.name AS experiment_name, lm.value AS m0 FROM runs r
      JOIN experiments e ON e.id = r.experiment_id
      LEFT JOIN latest_metrics lm ON lm.run_id = r.id AND lm.key = 'm0'
      WHERE r.deleted_at IS NULL AND r.parent_run_id IS NULL
      ORDER BY lm.value DESC NULLS LAST, r.start_time DESC LIMIT 100`);
    const pageBase = time(() => pageSql.all());
    rows.push({
      name: 'table first page (100 rows, metrics.m0 DESC)',
      ms: page.ms,
      baselineMs: pageBase.ms,
      check: `${page.result.rows.length} rows of ${page.result.total}`,
    });

    // (b) filtered page.
    const filter = 'metrics.m1 > 0.5 and params.p2 = "3"';
    const filtered = await timeAsync(() =>
      queryRunsTable(asyncRunStore(store), {
        filter,
        orderBy: 'metrics.m0 DESC',
        offset: 0,
        limit: 100,
      }),
    );
    const filteredSql =
      bare.prepare(`SELECT r.*, e.name AS experiment_name, lm.value AS m0 FROM runs r
      JOIN experiments e ON e.id = r.experiment_id
      JOIN latest_metrics m1 ON m1.run_id = r.id AND m1.key = 'm1' AND m1.value > 0.5
      JOIN params p2 ON p2.run_id = r.id AND p2.key = 'p2' AND p2.value = '3'
      LEFT JOIN latest_metrics lm ON lm.run_id = r.id AND lm.key = 'm0'
      WHERE r.deleted_at IS NULL AND r.parent_run_id IS NULL
      ORDER BY lm.value DESC NULLS LAST, r.start_time DESC LIMIT 100`);
    const filteredBase = time(() => filteredSql.all());
    if (filteredBase.result.length !== filtered.result.rows.length) {
      throw new Error(
        `filtered: the table has ${filtered.result.rows.length} rows, the bare query ${filteredBase.result.length}`,
      );
    }
    rows.push({
      name: `filtered page (${filter})`,
      ms: filtered.ms,
      baselineMs: filteredBase.ms,
      check: `${filtered.result.rows.length} rows of ${filtered.result.total}`,
    });

    // (c) 20-run comparison, spread over the store.
    const picked = Array.from({ length: 20 }, (_, k) => ids[Math.floor((k * ids.length) / 20)]);
    const compared = await timeAsync(() => comparisonData(asyncRunStore(store), picked));
    const pointsSql = bare.prepare(`SELECT s.run_id, s.key, p.step, p.timestamp, p.value
      FROM metric_series s JOIN metric_points p ON p.series_id = s.id
      WHERE s.run_id IN (${picked.map(() => '?').join(', ')}) ORDER BY s.run_id, s.key, p.step`);
    const comparedBase = time(() => pointsSql.all(...picked));
    const points = Object.values(compared.result.histories).reduce(
      (n, byRun) => n + Object.values(byRun).reduce((k, p) => k + p.length, 0),
      0,
    );
    if (points !== comparedBase.result.length)
      throw new Error(`compare: ${points} points, the bare query ${comparedBase.result.length}`);
    rows.push({
      name: '20-run comparison (all points)',
      ms: compared.ms,
      baselineMs: comparedBase.ms,
      check: `${points} points`,
    });

    bare.close();
    store.close();

    const width = Math.max(...rows.map((r) => r.name.length));
    console.log(
      `runs benchmark: ${RUNS.toLocaleString('en-US')} runs x ${PARAMS} params x ${METRICS} metrics x ${STEPS} steps ` +
        `(${(RUNS * METRICS * STEPS).toLocaleString('en-US')} points), seeded in ${seedSeconds.toFixed(1)} s; median of ${REPETITIONS}`,
    );
    console.log(
      `${'query'.padEnd(width)}  ${'ms'.padStart(8)}  ${'bare ms'.padStart(8)}  ${'ratio'.padStart(6)}  result`,
    );
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(width)}  ${r.ms.toFixed(2).padStart(8)}  ${r.baselineMs.toFixed(2).padStart(8)}  ` +
          `${(r.ms / r.baselineMs).toFixed(1).padStart(6)}  ${r.check}`,
      );
    }
    const ok = page.ms < FIRST_PAGE_TARGET_MS;
    console.log(
      `first page ${page.ms.toFixed(1)} ms (target < ${FIRST_PAGE_TARGET_MS} ms): ${ok ? 'PASS' : 'FAIL'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
