/**
 * The data-centric tools at scale, each against a same-run baseline of DuckDB scanning the
 * same rows (one aggregate per column over an in-memory table):
 * - Isolation Forest (100 trees of 256 rows, fit and score) on 1,000,000 rows x 10 numeric
 *   features, 0.5% of them shifted far out. Target: under 10 s.
 * - Label issues (5-fold logistic regression, confident joint) on 100,000 rows: three
 *   Gaussian classes over 6 numeric features and one category, 5% of labels flipped.
 *   Target: under 30 s.
 * The data is made by DuckDB (seeded) and handed to core/datacentric as arrays; the
 * timings cover the algorithms, not the hand-over. Median of REPETITIONS runs.
 *
 * Not a timed test: it prints figures. Usage: npm run bench:datacentric
 * (LABBOOK_BENCH_REPETITIONS overrides the repetitions, default 3).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { findLabelIssues, fitIsolationForest, type Row } from '../../core/datacentric';

const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds of this process for the last timed call: on a shared machine wall time also counts other processes' turns. */
let lastCpu = 0;

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / 1e6;
  return (performance.now() - started) / 1000;
}

async function scan(connection: DuckDBConnection, table: string, columns: string[]): Promise<void> {
  await connection.runAndReadAll(
    `SELECT count(*), ${columns.map((c) => `sum(${c}), min(${c}), max(${c})`).join(', ')} FROM ${table}`,
  );
}

function report(
  name: string,
  ours: number[],
  cpu: number[],
  baseline: number[],
  target: number,
): void {
  const a = median(ours);
  const b = median(baseline);
  process.stdout.write(
    `${name}\n` +
      `  ours           ${a.toFixed(2)} s   runs: ${ours.map((x) => x.toFixed(2)).join(', ')}   CPU s: ${cpu.map((x) => x.toFixed(2)).join(', ')}\n` +
      `  DuckDB scan    ${b.toFixed(3)} s   runs: ${baseline.map((x) => x.toFixed(3)).join(', ')}\n` +
      `  ratio ours/scan ${(a / b).toFixed(1)}x   target < ${target} s: ${a < target ? 'met' : 'NOT met'}\n`,
  );
}

async function main(): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run('SELECT setseed(0.21)');

  // 1M x 10: standard normals, 0.5% of rows shifted by 6 in every feature.
  const features = Array.from({ length: 10 }, (_, i) => `f${i}`);
  await connection.run(
    `CREATE TABLE wide AS SELECT ${features
      .map(
        (f) =>
          `sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + CASE WHEN i % 200 = 0 THEN 6 ELSE 0 END AS ${f}`,
      )
      .join(', ')} FROM range(1000000) t(i)`,
  );
  const columns = (
    await connection.runAndReadAll(`SELECT ${features.join(', ')} FROM wide`)
  ).getColumnsJS() as number[][];
  const rows = columns[0].length;
  const data = new Float64Array(rows * features.length);
  for (let c = 0; c < features.length; c++)
    for (let r = 0; r < rows; r++) data[r * features.length + c] = columns[c][r];
  const matrix = { rows, cols: features.length, data };
  const forest: number[] = [];
  const forestScan: number[] = [];
  const forestCpu: number[] = [];
  let flagged = 0;
  for (let i = 0; i < REPETITIONS; i++) {
    forestScan.push(await timed(() => scan(connection, 'wide', features)));
    forest.push(
      await timed(() => {
        const scores = fitIsolationForest(matrix, { seed: i }).score(matrix);
        flagged = 0;
        for (let r = 0; r < rows; r += 200) if (scores[r] > 0.5) flagged++;
      }),
    );
    forestCpu.push(lastCpu);
  }
  report(
    `Isolation Forest: ${rows.toLocaleString('en-US')} rows x ${features.length} features (shifted rows scored > 0.5: ${flagged} of ${rows / 200})`,
    forest,
    forestCpu,
    forestScan,
    10,
  );

  // 100k rows, 3 classes.
  const numeric = Array.from({ length: 6 }, (_, i) => `x${i}`);
  await connection.run(
    `CREATE TABLE labelled AS SELECT i % 3 AS class, ${numeric
      .map(
        (f, j) =>
          `(i % 3) * ${(j % 3) + 1} * 0.8 + sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS ${f}`,
      )
      .join(
        ', ',
      )}, CASE WHEN random() < 0.5 THEN 'a' ELSE 'b' END AS kind, random() < 0.05 AS flip, (i % 3 + 1 + CAST(random() < 0.5 AS INTEGER)) % 3 AS other FROM range(100000) t(i)`,
  );
  const lc = (
    await connection.runAndReadAll(
      `SELECT class, ${numeric.join(', ')}, kind, flip, other FROM labelled`,
    )
  ).getColumnsJS();
  const labelRows: Row[] = [];
  let flips = 0;
  const flippedRows = new Set<number>();
  for (let r = 0; r < lc[0].length; r++) {
    const row: Row = {};
    numeric.forEach((f, j) => (row[f] = lc[j + 1][r]));
    row.kind = lc[numeric.length + 1][r];
    const flip = lc[numeric.length + 2][r] as boolean;
    if (flip) {
      flips++;
      flippedRows.add(r);
    }
    row.label = `c${flip ? Number(lc[numeric.length + 3][r]) : Number(lc[0][r])}`;
    labelRows.push(row);
  }
  const label: number[] = [];
  const labelScan: number[] = [];
  const labelCpu: number[] = [];
  let found = 0;
  let hits = 0;
  for (let i = 0; i < REPETITIONS; i++) {
    labelScan.push(await timed(() => scan(connection, 'labelled', numeric)));
    label.push(
      await timed(async () => {
        const issues = (await findLabelIssues(labelRows, { label: 'label', seed: i })).issues;
        found = issues.length;
        hits = issues.filter((x) => flippedRows.has(x.row)).length;
      }),
    );
    labelCpu.push(lastCpu);
  }
  report(
    `Label issues: ${labelRows.length.toLocaleString('en-US')} rows, 7 features, 3 classes (${flips} labels flipped, ${found} issues found, precision ${(hits / found).toFixed(2)}, recall ${(hits / flips).toFixed(2)})`,
    label,
    labelCpu,
    labelScan,
    30,
  );
  connection.closeSync();
  instance.closeSync();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
