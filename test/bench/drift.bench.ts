/**
 * Drift at scale: driftReport() on 1,000,000 rows x 20 columns (15 numeric, 5 categorical)
 * per side, read from Parquet files written by DuckDB into a temp folder (seeded: values
 * come from a hash of row, column and side, so they are the same on every run and thread
 * count; current shifted in n0..n4 and skewed in c0, c1). Against baselines in the same
 * run: a bare DuckDB scan of both files (one aggregate over every column, i.e. reading
 * and decoding all the data once) and DuckDB's SUMMARIZE of both. Median of REPETITIONS
 * runs each, alternating so machine load hits all alike.
 *
 * Not a timed test: it prints figures, with the load average (other processes on a shared
 * machine stretch every figure) and the report's CPU time over all its threads (DuckDB's
 * and the sort workers'). Target: the report under 2 s.
 * Usage: npm run bench:drift   (LABBOOK_BENCH_REPETITIONS overrides the repetitions,
 * LABBOOK_BENCH_ROWS the rows)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { driftReport } from '../../core/drift/report';
import { literal } from '../../core/quality/engine';

const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 3);
const ROWS = Number(process.env.LABBOOK_BENCH_ROWS ?? 1_000_000);
const TARGET_SECONDS = 2;
const NUMERIC = 15;
const CATEGORICAL = 5;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function withConnection<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Writes reference.parquet and current.parquet; values from hash(row, column, side), so seeded and thread-independent. */
async function generate(dir: string): Promise<[string, string]> {
  const files: [string, string] = [
    path.join(dir, 'reference.parquet'),
    path.join(dir, 'current.parquet'),
  ];
  await withConnection(async (c) => {
    for (const [side, file] of files.entries()) {
      const u = (k: number) => `((hash(i, ${k}, ${side}) % 1000000007)::DOUBLE + 0.5) / 1000000007`;
      const cols: string[] = [];
      for (let k = 0; k < NUMERIC; k++) {
        const normal = `sqrt(-2 * ln(${u(k)})) * cos(2 * pi() * ${u(k + 100)})`;
        cols.push(`${10 * k + (side && k < 5 ? 0.3 : 0)} + ${1 + k / 10} * ${normal} AS n${k}`);
      }
      for (let k = 0; k < CATEGORICAL; k++) {
        const draw = side && k < 2 ? `power(${u(200 + k)}, 1.3)` : u(200 + k);
        cols.push(`'cat_' || CAST(floor(${draw} * ${3 + 4 * k}) AS INTEGER) AS c${k}`);
      }
      await c.run(
        `COPY (SELECT ${cols.join(', ')} FROM range(${ROWS}) r(i)) TO ${literal(file)} (FORMAT parquet)`,
      );
    }
  });
  return files;
}

async function scan(files: string[], summarize: boolean): Promise<number> {
  const started = performance.now();
  await withConnection(async (c) => {
    for (const file of files) {
      const source = `read_parquet(${literal(file)})`;
      if (summarize) await c.run(`SUMMARIZE SELECT * FROM ${source}`);
      else {
        const every = [
          ...Array.from({ length: NUMERIC }, (_, k) => `sum(n${k})`),
          ...Array.from({ length: CATEGORICAL }, (_, k) => `max(c${k})`),
        ];
        await c.run(`SELECT count(*), ${every.join(', ')} FROM ${source}`);
      }
    }
  });
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'labbook-drift-bench-'));
  try {
    let started = performance.now();
    const [reference, current] = await generate(dir);
    process.stdout.write(
      `generated ${ROWS.toLocaleString('en-US')} rows x ${NUMERIC + CATEGORICAL} columns per side in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        ` (${(statSync(reference).size / 1024 / 1024).toFixed(0)} MB + ${(statSync(current).size / 1024 / 1024).toFixed(0)} MB Parquet)\n`,
    );
    const report: number[] = [];
    const cpu: number[] = [];
    const bare: number[] = [];
    const summary: number[] = [];
    let drifted = '';
    for (let i = 0; i < REPETITIONS; i++) {
      bare.push(await scan([reference, current], false));
      summary.push(await scan([reference, current], true));
      started = performance.now();
      const before = process.cpuUsage();
      const r = await driftReport({ path: reference }, { path: current });
      report.push((performance.now() - started) / 1000);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1e6);
      drifted = `${r.dataset.driftedColumns} of ${r.dataset.columns} columns drifted (${r.columns
        .filter((c) => c.drifted)
        .map((c) => c.name)
        .join(', ')})`;
    }
    const d = median(report);
    const b = median(bare);
    const s = median(summary);
    const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    process.stdout.write(
      `load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} on this machine during the run\n` +
        `  driftReport              ${d.toFixed(2)} s   runs: ${runs(report)}   CPU (all threads) ${runs(cpu)} s   ${drifted}\n` +
        `  DuckDB scan (both files) ${b.toFixed(2)} s   runs: ${runs(bare)}\n` +
        `  DuckDB SUMMARIZE (both)  ${s.toFixed(2)} s   runs: ${runs(summary)}\n` +
        `  ratio report/scan ${(d / b).toFixed(1)}x, report/SUMMARIZE ${(d / s).toFixed(2)}x   target < ${TARGET_SECONDS} s: ${d < TARGET_SECONDS ? 'met' : 'NOT met'}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
