/**
 * The runs-and-metrics store on one backend (issue 17, item 8), each figure against a
 * baseline measured in the same run on the same database:
 *   (a) logging: points/s through RunStore.insertMetricPoints in the SDK's batches (5,000
 *       points, one call each), against the same rows written bare in the same batches:
 *       SQLite, a prepared insert into an unindexed table of the same columns, one
 *       transaction per batch; PostgreSQL, a COPY per batch into an unindexed table.
 *       SQLite also prints bytes per point on disk (test/bench/sqlite-size.ts).
 *   (b) the runs table's first page (queryRunsTable, core/service/table.ts: countRuns,
 *       listRuns with limit 100, then the set-based reads of the page's runs) at each run
 *       count of --runs, against the bare SELECT of the same 100 runs. The runs are seeded
 *       into SQLite through the store, and copied to PostgreSQL with `store copy`.
 *   (c) one series' history (metricHistory) of the points logged in (a), against a bare
 *       SELECT of the same rows.
 *
 * Not a timed test: it prints figures (median of 5 after a warm-up). Targets: first page
 * <= 300 ms, history of 1,000,000 points <= 50 ms.
 * Usage: npm run bench:store -- --backend sqlite|postgres [--points 1000000] [--runs 10000,100000]
 * PostgreSQL: LABBOOK_BENCH_POSTGRES (a server URL; a schema is made and dropped there),
 * default postgres://labbook:labbook@127.0.0.1:5432/labbook_copy.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { queryRunsTable } from '../../core/service/table';
import { openRunStore, Store, type MetricPoint, type StoreLocation } from '../../core/store';
import { copyStore } from '../../core/store/copy';
import { bytesPerPoint } from './sqlite-size';

const DEFAULT_POSTGRES = 'postgres://labbook:labbook@127.0.0.1:5432/labbook_copy';
const SDK_BATCH = 5000;
const REPETITIONS = 5;
const FIRST_PAGE_TARGET_MS = 300;
const HISTORY_TARGET_MS = 50;
const HISTORY_TARGET_POINTS = 1_000_000;

function parseArgs(argv: string[]): {
  backend: 'sqlite' | 'postgres';
  points: number;
  runs: number[];
} {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const backend = value('--backend') ?? 'sqlite';
  if (backend !== 'sqlite' && backend !== 'postgres')
    throw new Error(`--backend must be sqlite or postgres, got ${JSON.stringify(backend)}`);
  const points = Number(value('--points') ?? 200_000);
  const runs = (value('--runs') ?? '10000').split(',').map(Number);
  if (!Number.isSafeInteger(points) || points < 1)
    throw new Error('--points must be a whole number >= 1');
  if (runs.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new Error('--runs must be whole numbers >= 1, comma-separated');
  return { backend, points, runs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median wall-clock ms after a warm-up, and this process's CPU ms (user + system) of the
 * same calls: on a shared machine the wall clock also counts other processes' turns, the
 * CPU time does not (on PostgreSQL it leaves out the server's work).
 */
async function timeMs<T>(
  fn: () => Promise<T> | T,
): Promise<{ ms: number; cpuMs: number; result: T }> {
  let result = await fn();
  const samples: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    result = await fn();
    const used = process.cpuUsage(startCpu);
    samples.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { ms: median(samples), cpuMs: median(cpu), result };
}

/** Seconds of wall clock and of this process's CPU. */
function stopwatch(): () => { seconds: number; cpuSeconds: number } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      seconds: (performance.now() - start) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A place for one store on the backend: a SQLite file, or a fresh schema on the server. */
interface Place {
  location: StoreLocation;
  /** A connection for the bare baselines. */
  bare: { sqlite?: Database.Database; pg?: pg.Client };
  drop(): Promise<void>;
}

let places = 0;
async function newPlace(backend: 'sqlite' | 'postgres', dir: string): Promise<Place> {
  const n = ++places;
  if (backend === 'sqlite') {
    const path = join(dir, `store-${n}.db`);
    return { location: { backend, path }, bare: {}, drop: async () => undefined };
  }
  const server = process.env.LABBOOK_BENCH_POSTGRES || DEFAULT_POSTGRES;
  const schema = `bench_${process.pid}_${n}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(server);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    location: { backend, url: url.toString() },
    bare: {},
    drop: async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

const locationArg = (l: StoreLocation) => (l.backend === 'sqlite' ? l.path : l.url);

/** Point i of the logged series: one key, steps counting up. */
const pointOf = (runId: string, i: number, t0: number): MetricPoint => ({
  runId,
  key: 'loss',
  step: i,
  timestamp: t0 + i,
  value: i % 997 === 0 ? Number.NaN : 1 / (1 + i),
});

async function bareSqlite(
  path: string,
  runId: string,
  points: number,
  t0: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'CREATE TABLE bare_points (run_id TEXT NOT NULL, key TEXT NOT NULL, step INTEGER NOT NULL, timestamp REAL NOT NULL, value REAL)',
  );
  const insert = db.prepare('INSERT INTO bare_points VALUES (?, ?, ?, ?, ?)');
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const p = pointOf(runId, i, t0);
      insert.run(p.runId, p.key, p.step, p.timestamp, p.value);
    }
  });
  const stop = stopwatch();
  for (let i = 0; i < points; i += SDK_BATCH) batch(i, Math.min(points, i + SDK_BATCH));
  const timing = stop();
  db.close();
  return timing;
}

async function barePostgres(
  url: string,
  runId: string,
  points: number,
  t0: number,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE bare_points (run_id text NOT NULL, key text NOT NULL, step bigint NOT NULL, timestamp double precision NOT NULL, value double precision NOT NULL)',
    );
    const stop = stopwatch();
    for (let i = 0; i < points; i += SDK_BATCH) {
      const lines: string[] = [];
      for (let j = i; j < Math.min(points, i + SDK_BATCH); j++) {
        const p = pointOf(runId, j, t0);
        lines.push(`${p.runId}\t${p.key}\t${p.step}\t${p.timestamp}\t${p.value}`);
      }
      await pipeline(
        Readable.from([`${lines.join('\n')}\n`]),
        client.query(copyFrom('COPY bare_points FROM STDIN')),
      );
    }
    return stop();
  } finally {
    await client.end();
  }
}

async function logging(backend: 'sqlite' | 'postgres', dir: string, points: number): Promise<void> {
  const place = await newPlace(backend, dir);
  const store = await openRunStore({ path: locationArg(place.location), cwd: dir, env: {} });
  try {
    const run = await store.createRun({ experiment: 'bench', name: 'logging' });
    const t0 = Date.now();
    // Warm-up on another run, so JIT and connections are ready for both paths.
    const warm = await store.createRun({ experiment: 'bench', name: 'warm-up' });
    for (let i = 0; i < 4 * SDK_BATCH; i += SDK_BATCH)
      await store.insertMetricPoints(
        Array.from({ length: SDK_BATCH }, (_, k) => pointOf(warm.id, i + k, t0)),
      );
    const stop = stopwatch();
    for (let i = 0; i < points; i += SDK_BATCH) {
      const batch: MetricPoint[] = [];
      for (let j = i; j < Math.min(points, i + SDK_BATCH); j++) batch.push(pointOf(run.id, j, t0));
      await store.insertMetricPoints(batch);
    }
    const logged = stop();
    const storeSeconds = logged.seconds;
    const history = await timeMs(() => store.metricHistory(run.id, 'loss'));
    if (history.result.length !== points)
      throw new Error(`metricHistory: ${history.result.length} points, ${points} logged`);
    await store.close();

    const bare =
      place.location.backend === 'sqlite'
        ? await bareSqlite(place.location.path, run.id, points, t0)
        : await barePostgres(place.location.url, run.id, points, t0);
    const bareSeconds = bare.seconds;
    const storeRate = points / storeSeconds;
    const bareRate = points / bareSeconds;
    const bareName =
      backend === 'sqlite' ? 'bare insert, unindexed table' : 'bare COPY, unindexed table';
    console.log(
      `(a) logging ${fmt(points)} points in batches of ${fmt(SDK_BATCH)}: insertMetricPoints ${fmt(storeRate)} points/s (${storeSeconds.toFixed(2)} s, CPU ${logged.cpuSeconds.toFixed(2)} s), ` +
        `${bareName} ${fmt(bareRate)} points/s (${bareSeconds.toFixed(2)} s, CPU ${bare.cpuSeconds.toFixed(2)} s): ratio ${(storeRate / bareRate).toFixed(2)} (CPU-time ratio ${(bare.cpuSeconds / logged.cpuSeconds).toFixed(2)})`,
    );
    if (place.location.backend === 'sqlite') {
      console.log(
        `    bytes per point on disk: store ${bytesPerPoint(place.location.path, ['metric_points', 'metric_series'], points + 4 * SDK_BATCH).toFixed(1)}, ` +
          `bare unindexed table ${bytesPerPoint(place.location.path, ['bare_points'], points).toFixed(1)}`,
      );
    } else {
      const client = new pg.Client({ connectionString: place.location.url });
      await client.connect();
      const sizes = (
        await client.query<{ store: string; bare: string }>(
          "SELECT pg_total_relation_size('metric_points') + pg_total_relation_size('metric_series') AS store, pg_total_relation_size('bare_points') AS bare",
        )
      ).rows[0];
      await client.end();
      console.log(
        `    bytes per point on disk (table + indexes): store ${(Number(sizes.store) / (points + 4 * SDK_BATCH)).toFixed(1)}, bare unindexed table ${(Number(sizes.bare) / points).toFixed(1)}`,
      );
    }

    // (c) the same series read back, against a bare SELECT of its rows.
    const bareHistory = await bareHistoryMs(place.location, run.id);
    const verdict =
      points >= HISTORY_TARGET_POINTS
        ? history.ms <= HISTORY_TARGET_MS
          ? 'PASS'
          : 'FAIL'
        : `target checked at ${fmt(HISTORY_TARGET_POINTS)} points`;
    console.log(
      `(c) one series' history of ${fmt(points)} points: metricHistory ${history.ms.toFixed(1)} ms (CPU ${history.cpuMs.toFixed(1)} ms), bare SELECT ${bareHistory.ms.toFixed(1)} ms (CPU ${bareHistory.cpuMs.toFixed(1)} ms) ` +
        `(ratio ${(history.ms / bareHistory.ms).toFixed(2)}; target <= ${HISTORY_TARGET_MS} ms at ${fmt(HISTORY_TARGET_POINTS)}): ${verdict}`,
    );
    if (verdict === 'FAIL') process.exitCode = 1;
  } finally {
    await place.drop();
  }
}

async function bareHistoryMs(
  location: StoreLocation,
  runId: string,
): Promise<{ ms: number; cpuMs: number }> {
  if (location.backend === 'sqlite') {
    const db = new Database(location.path, { readonly: true });
    try {
      const id = db
        .prepare("SELECT id FROM metric_series WHERE run_id = ? AND key = 'loss'")
        .pluck()
        .get(runId);
      const select = db.prepare(
        'SELECT step, timestamp, value FROM metric_points WHERE series_id = ?',
      );
      return await timeMs(() => select.all(id));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    const id = (
      await client.query("SELECT id FROM metric_series WHERE run_id = $1 AND key = 'loss'", [runId])
    ).rows[0].id;
    return await timeMs(() =>
      client.query('SELECT step, timestamp, value FROM metric_points WHERE series_id = $1', [id]),
    );
  } finally {
    await client.end();
  }
}

/** `runs` runs x 10 params x 5 metrics x 2 steps, through the SQLite store, 1,000 runs per transaction. */
function seedRuns(path: string, runs: number): void {
  const store = Store.open({ path });
  const t0 = Date.UTC(2026, 0, 1);
  try {
    for (let from = 0; from < runs; from += 1000) {
      store.sql.transaction(() => {
        const points: MetricPoint[] = [];
        for (let i = from; i < Math.min(runs, from + 1000); i++) {
          const run = store.createRun({
            experiment: `bench-${i % 4}`,
            name: `run-${i}`,
            startTime: t0 + i * 1000,
          });
          const params: Record<string, string> = {};
          for (let p = 0; p < 10; p++) params[`p${p}`] = String((i * (p + 3)) % (p + 2));
          store.logParams(run.id, params);
          for (let m = 0; m < 5; m++)
            for (let step = 0; step < 2; step++)
              points.push({
                runId: run.id,
                key: `m${m}`,
                step,
                timestamp: t0 + i * 1000 + step,
                value: ((i * 7919 + m) % 1000) / 1000,
              });
          if (i % 10 === 0) store.setTags(run.id, { team: i % 20 === 0 ? 'vision' : 'nlp' });
          store.endRun(run.id, 'finished', { endTime: t0 + i * 1000 + 500 });
        }
        store.insertMetricPoints(points);
      });
    }
  } finally {
    store.close();
  }
}

async function firstPage(backend: 'sqlite' | 'postgres', dir: string, runs: number): Promise<void> {
  const seeded = join(dir, `runs-${runs}.db`);
  const seedStart = performance.now();
  seedRuns(seeded, runs);
  let location: StoreLocation = { backend: 'sqlite', path: seeded };
  let place: Place | undefined;
  if (backend === 'postgres') {
    place = await newPlace(backend, dir);
    const report = await copyStore(location, place.location, { cwd: dir, env: {} });
    if (!report.ok) throw new Error('the copy of the seeded runs into PostgreSQL did not match');
    location = place.location;
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const store = await openRunStore({
    path: locationArg(location),
    cwd: dir,
    env: {},
    detectKilledRuns: false,
  });
  try {
    const page = await timeMs(() => queryRunsTable(store, { offset: 0, limit: 100 }));
    if (page.result.rows.length !== 100 || page.result.total !== runs)
      throw new Error(`first page: ${page.result.rows.length} rows of ${page.result.total}`);
    const bare = await bareFirstPageMs(location);
    const ok = page.ms <= FIRST_PAGE_TARGET_MS;
    console.log(
      `(b) runs table first page at ${fmt(runs)} runs (seeded in ${seedSeconds.toFixed(1)} s): queryRunsTable ${page.ms.toFixed(1)} ms (CPU ${page.cpuMs.toFixed(1)} ms), ` +
        `bare SELECT of the same 100 runs ${bare.ms.toFixed(1)} ms (CPU ${bare.cpuMs.toFixed(1)} ms) (ratio ${(page.ms / bare.ms).toFixed(1)}; target <= ${FIRST_PAGE_TARGET_MS} ms): ${ok ? 'PASS' : 'FAIL'}`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    await store.close();
    await place?.drop();
  }
}

const BARE_PAGE = `SELECT r.*, e.name AS experiment_name FROM runs r JOIN experiments e ON e.id = r.experiment_id
  WHERE r.deleted_at IS NULL AND r.parent_run_id IS NULL ORDER BY r.start_time DESC LIMIT 100`;

async function bareFirstPageMs(location: StoreLocation): Promise<{ ms: number; cpuMs: number }> {
  if (location.backend === 'sqlite') {
    const db = new Database(location.path, { readonly: true });
    try {
      const select = db.prepare(BARE_PAGE);
      return await timeMs(() => select.all());
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    return await timeMs(() => client.query(BARE_PAGE));
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { backend, points, runs } = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'labbook-bench-store-'));
  console.log(`store benchmark on ${backend}: --points ${points} --runs ${runs.join(',')}`);
  try {
    await logging(backend, dir, points);
    for (const n of runs) await firstPage(backend, dir, n);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
