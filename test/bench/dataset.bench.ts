/**
 * `run.logDataset` at scale: vega-datasets' flights-200k (JSON and Arrow IPC, 200,000 rows)
 * logged with a suite (fingerprint, profile, validation and Parquet snapshot, the whole
 * call) and without one, against a baseline measured in the same run: a bare DuckDB read
 * of the same JSON file into a table (what one load of the data costs). Median of
 * REPETITIONS runs each. The ratio says how many loads' worth of work the call costs.
 * Wall time and the process's CPU time (user + system, DuckDB's threads included) are both
 * printed: on a shared machine CPU time moves less with other processes' load.
 *
 * Not a timed test: it prints figures.
 * Usage: npm run build && node dist/test/bench/dataset.bench.js
 *        (LABBOOK_BENCH_REPETITIONS overrides the repetitions, default 3)
 */
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../../core/quality/engine';
import { inferSuite } from '../../core/quality/suite';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from '../unit/temp';

const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 3);
const data = path.join(__dirname, '..', '..', '..', 'node_modules', 'vega-datasets', 'data');
const json = path.join(data, 'flights-200k.json');
const arrow = path.join(data, 'flights-200k.arrow');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Took {
  wall: number;
  cpu: number;
}

function since(started: number, cpu: NodeJS.CpuUsage): Took {
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

async function bareRead(file: string): Promise<Took> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `CREATE TABLE data AS SELECT * FROM read_json(${literal(file)}, format = 'array', sample_size = -1)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return since(started, cpu);
}

async function main(): Promise<void> {
  const dir = makeTempDir('labbook-dataset-bench-');
  try {
    const store = path.join(dir, '.labbook', 'labbook.db');
    const suite = await inferSuite(json, { name: 'flights' });
    const cases: { label: string; file: string; options: lab.LogDatasetOptions }[] = [
      {
        label: 'logDataset json + suite',
        file: json,
        options: { name: 'flights-json', role: 'train', suite },
      },
      { label: 'logDataset json', file: json, options: { name: 'flights-json', role: 'train' } },
      {
        label: 'logDataset arrow + suite',
        file: arrow,
        options: { name: 'flights-arrow', role: 'train', suite },
      },
    ];
    const baseline: Took[] = [];
    const seconds = cases.map((): Took[] => []);
    let rows = 0;
    for (let i = 0; i < REPETITIONS; i++) {
      // Alternate so machine load hits all alike.
      baseline.push(await bareRead(json));
      for (const [k, c] of cases.entries()) {
        await lab.withRun({ experiment: 'bench', store }, async (run) => {
          const started = performance.now();
          const cpu = process.cpuUsage();
          const logged = await run.logDataset(c.file, c.options);
          seconds[k].push(since(started, cpu));
          rows = logged.rows;
          if (c.options.suite && !logged.validation) throw new Error('no validation result');
        });
      }
    }
    const wall = (xs: Took[]) => median(xs.map((x) => x.wall));
    const cpu = (xs: Took[]) => median(xs.map((x) => x.cpu));
    const line = (label: string, xs: Took[]) =>
      `  ${label.padEnd(26)} wall ${wall(xs).toFixed(2)} s  cpu ${cpu(xs).toFixed(2)} s` +
      `   wall runs: ${xs.map((x) => x.wall.toFixed(2)).join(', ')}`;
    process.stdout.write(
      `flights-200k: ${rows} rows x ${REPETITIONS} runs (median)\n` +
        `${line('bare DuckDB read (json)', baseline)}\n` +
        cases
          .map(
            (c, k) =>
              `${line(c.label, seconds[k])}\n    ratio to the bare read: wall ${(wall(seconds[k]) / wall(baseline)).toFixed(2)}x  cpu ${(cpu(seconds[k]) / cpu(baseline)).toFixed(2)}x`,
          )
          .join('\n') +
        '\n',
    );
  } finally {
    removeDir(dir);
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
