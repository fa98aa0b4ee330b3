/**
 * Trial-claim overhead of shared studies (issue 19, item 6): with 1, 4 and 16 worker
 * processes on one PostgreSQL study, the study store's claim (reap lapsed leases, claim
 * with SKIP LOCKED, lease by the database's clock, attempt log) per trial, against the bare
 * `UPDATE … RETURNING` of the same row on the same table (core/store/sqlite/studies.ts
 * bareClaim), measured in the same run. Each worker is a separate `node` with its own
 * connection; a figure is the mean time of one claim call as the workers saw it.
 *
 * Not a timed test: it prints figures and ratios.
 * Usage: npm run bench:sweep [-- --trials-per-worker 50]
 * PostgreSQL: LABBOOK_BENCH_POSTGRES (a server URL; a schema is made and dropped there),
 * else LABBOOK_TEST_POSTGRES.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, studyStore } from '../../core/store';

const claimer = join(__dirname, 'sweep-claimer.js');

function run(
  url: string,
  study: string,
  mode: string,
  worker: string,
): Promise<{ claims: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [claimer, url, study, mode, worker], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { claims: number; ms: number })
        : reject(new Error(`claimer exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const server = process.env.LABBOOK_BENCH_POSTGRES ?? process.env.LABBOOK_TEST_POSTGRES;
  if (!server)
    throw new Error(
      'set LABBOOK_BENCH_POSTGRES (or LABBOOK_TEST_POSTGRES) to a PostgreSQL server URL',
    );
  const i = process.argv.indexOf('--trials-per-worker');
  const perWorker = i >= 0 ? Number(process.argv[i + 1]) : 50;
  const schema = `bench_sweep_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const parsed = new URL(server);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  const url = parsed.toString();
  const store = openStore({ path: url });
  try {
    const studies = studyStore(store);
    console.log(
      `trial claims on PostgreSQL, ${perWorker} trials per worker; mean ms per claim as workers saw it`,
    );
    console.log('workers  store ms  bare ms  ratio  (wall s store/bare)');
    for (const workers of [1, 4, 16]) {
      const figures: Record<string, { perClaim: number; wall: number }> = {};
      for (const mode of ['bare', 'store']) {
        const name = `bench-${mode}-${workers}`;
        const study = studies.createStudy({
          name,
          direction: 'minimize',
          metric: 'loss',
          space: { x: [0] },
          sampler: { kind: 'grid' },
          pruner: null,
          parentRunId: null,
          maxTrials: null,
          maxRetries: 1,
          leaseMs: 60_000,
        });
        studies.enqueueTrials(
          study.id,
          Array.from({ length: workers * perWorker }, (_, n) => ({ x: n })),
        );
        const t0 = performance.now();
        const results = await Promise.all(
          Array.from({ length: workers }, (_, w) => run(url, name, mode, `w${w}`)),
        );
        const wall = (performance.now() - t0) / 1000;
        const claims = results.reduce((s, r) => s + r.claims, 0);
        if (claims !== workers * perWorker)
          throw new Error(`${mode}: ${claims} claims of ${workers * perWorker} trials`);
        figures[mode] = { perClaim: results.reduce((s, r) => s + r.ms, 0) / claims, wall };
      }
      const { store: s, bare: b } = figures;
      console.log(
        `${String(workers).padStart(7)}  ${s.perClaim.toFixed(3).padStart(8)}  ${b.perClaim.toFixed(3).padStart(7)}  ${(s.perClaim / b.perClaim).toFixed(2).padStart(5)}  (${s.wall.toFixed(1)}/${b.wall.toFixed(1)})`,
      );
    }
  } finally {
    store.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
