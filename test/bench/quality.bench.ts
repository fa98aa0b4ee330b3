/**
 * Profiling at scale: profileFile() on flights-3m.parquet (3M rows) and flights-200k.json
 * (vega-datasets), each against a baseline in the same run: a bare DuckDB `SUMMARIZE` of
 * the same file (approximate distinct counts and quantiles, no histograms, top values,
 * duplicates or correlations). Median of REPETITIONS runs each. The ratio is what the full
 * profile costs on top of DuckDB's own summary.
 *
 * Not a timed test: it prints figures. Target: 3M rows under 3 s.
 * Usage: npm run bench:quality   (LABBOOK_BENCH_REPETITIONS overrides the repetitions)
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { profileFile } from '../../core/quality/profile';
import { literal } from '../../core/quality/engine';

const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 3);
const TARGET_3M_SECONDS = 3;
const data = path.join(__dirname, '..', '..', '..', 'node_modules', 'vega-datasets', 'data');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function summarize(file: string): Promise<number> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const source = file.endsWith('.parquet')
      ? `read_parquet(${literal(file)})`
      : `read_json(${literal(file)}, format = 'array')`;
    await connection.runAndReadAll(`SUMMARIZE SELECT * FROM ${source}`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  for (const name of ['flights-3m.parquet', 'flights-200k.json']) {
    const file = path.join(data, name);
    const profileSeconds: number[] = [];
    const summarizeSeconds: number[] = [];
    let rows = 0;
    for (let i = 0; i < REPETITIONS; i++) {
      // Alternate so machine load hits both alike.
      summarizeSeconds.push(await summarize(file));
      const started = performance.now();
      const profile = await profileFile(file);
      profileSeconds.push((performance.now() - started) / 1000);
      rows = profile.rows;
    }
    const p = median(profileSeconds);
    const s = median(summarizeSeconds);
    process.stdout.write(
      `${name}: ${rows} rows x ${REPETITIONS} runs\n` +
        `  profileFile          ${p.toFixed(2)} s  (${Math.round(rows / p).toLocaleString('en-US')} rows/s)  runs: ${profileSeconds.map((x) => x.toFixed(2)).join(', ')}\n` +
        `  DuckDB SUMMARIZE     ${s.toFixed(2)} s  (${Math.round(rows / s).toLocaleString('en-US')} rows/s)  runs: ${summarizeSeconds.map((x) => x.toFixed(2)).join(', ')}\n` +
        `  ratio profile/SUMMARIZE ${(p / s).toFixed(2)}x` +
        `${rows >= 3_000_000 ? `   target < ${TARGET_3M_SECONDS} s: ${p < TARGET_3M_SECONDS ? 'met' : 'NOT met'}` : ''}\n`,
    );
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
