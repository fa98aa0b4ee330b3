/**
 * `labbook test-model NAME/VERSION --data FILE --label COL [--sensitive COL ...]`: the model
 * test report of a registered version on a data file (CSV, JSON, Parquet… as DuckDB reads
 * them), stored with the version so gates can judge it, printed as a summary, JSON or HTML.
 * Thresholds are the `--threshold` conditions, else the `tests.*` conditions of the model's
 * gates file; exit code 1 when one fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { openStore } from '../core/store';
import { Registry } from '../core/registry/registry';
import { resolveModelRef } from '../core/registry/refs';
import { isTestCondition, readGates } from '../core/registry/gates';
import { loadModelArtifacts, tfjs } from '../core/registry/model-io';
import { readDataFile } from '../core/datacentric/data-files';
import {
  modelTestHtml,
  reportJson,
  saveVersionTests,
  specFromSignature,
  testModel,
  TEST_NAMES,
  type ModelTestReport,
  type Row,
  type TestName,
} from '../core/modeltest';
import { existingStore } from './store';
import { UsageError } from './errors';

export interface TestModelCliOptions {
  data?: string;
  label?: string;
  sensitive?: string[];
  threshold?: string[];
  tests?: string;
  positive?: string;
  seed?: string;
  json?: boolean;
  html?: string;
  save?: boolean;
}

/** The data file's rows (DuckDB reads every format the profile does), as the tests take them. */
async function readRows(path: string): Promise<Row[]> {
  return (await readDataFile(path)).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v === undefined ? null : (v as Row[string])]),
    ),
  );
}

function summary(report: ModelTestReport): string {
  const lines: string[] = [];
  const f = (v: number | null | undefined) =>
    typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '–';
  lines.push(
    `${report.model}: ${report.quality.metric} ${f(report.quality.value)} on ${report.rows} rows`,
  );
  const r = report.robustness;
  if (r)
    lines.push(
      `robustness: ${[...r.noise, ...r.fgsm].map((p) => `${p.name} ${f(p.value)}`).join(', ')}`,
    );
  for (const c of report.fairness?.columns ?? [])
    lines.push(
      `fairness by ${c.column}: parity ratio ${f(c.demographic_parity_ratio)}${c.four_fifths_violated ? ' (below four-fifths)' : ''}, parity difference ${f(c.demographic_parity_difference)}, equalized-odds difference ${f(c.equalized_odds_difference)}`,
    );
  if (report.importance)
    lines.push(
      `importance: ${report.importance.features.map((x) => `${x.feature} ${f(x.mean)}±${f(x.std)}`).join(', ')}`,
    );
  if (report.mutation)
    lines.push(
      `mutation adequacy: ${f(report.mutation.score)} (${report.mutation.killed}/${report.mutation.mutants.length} killed)`,
    );
  for (const t of report.thresholds ?? [])
    lines.push(`${t.passed ? 'pass' : 'FAIL'}  ${t.message}`);
  return `${lines.join('\n')}\n`;
}

/** Returns the exit code: 1 when a threshold fails. */
export async function testModelCommand(
  storePath: string,
  ref: string,
  options: TestModelCliOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (!options.data) throw new UsageError('test-model: --data FILE is required');
  if (!options.label) throw new UsageError('test-model: --label COLUMN is required');
  let tests: TestName[] | undefined;
  if (options.tests) {
    tests = options.tests.split(',').map((t) => t.trim()) as TestName[];
    const bad = tests.filter((t) => !(TEST_NAMES as readonly string[]).includes(t));
    if (bad.length)
      throw new UsageError(
        `test-model: unknown test ${bad.join(', ')} in --tests (tests: ${TEST_NAMES.join(', ')})`,
      );
  }
  const seed = options.seed === undefined ? undefined : Number(options.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`test-model: --seed must be a whole number, got ${options.seed}`);
  const rows = await readRows(resolve(options.data));
  const store = openStore({ path: existingStore(storePath, 'no model has been registered') });
  try {
    const version = resolveModelRef(new Registry(store), ref);
    if (!version.signature)
      throw new UsageError(
        `test-model: ${version.name} v${version.version} has no signature (feature names), so it cannot be tested`,
      );
    let thresholds = options.threshold ?? [];
    if (thresholds.length === 0) {
      const gates = readGates(store.location, version.name);
      thresholds = [
        ...(gates?.staging?.metrics ?? []),
        ...(gates?.production?.metrics ?? []),
      ].filter(isTestCondition);
    }
    const tf = tfjs();
    const model = await loadModelArtifacts(store, version.runId, version.artifactPath, { tf });
    let report: ModelTestReport;
    try {
      report = await testModel(
        tf,
        model,
        specFromSignature(version.signature, { rows, label: options.label }),
        { rows, label: options.label },
        {
          sensitive: options.sensitive,
          tests,
          positive: options.positive,
          seed,
          thresholds,
          model: `${version.name}/${version.version}`,
        },
      );
    } finally {
      model.dispose();
    }
    if (options.save !== false) saveVersionTests(store, version, report);
    if (options.html) {
      const path = resolve(options.html);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, modelTestHtml(report));
      process.stderr.write(
        `Model test report of ${version.name} v${version.version} written to ${path}\n`,
      );
    }
    out(options.json ? `${reportJson(report)}\n` : summary(report));
    return (report.thresholds ?? []).some((t) => !t.passed) ? 1 : 0;
  } finally {
    store.close();
  }
}

export function registerTestModelCommand(program: Command, storePath: () => string): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value];
  program
    .command('test-model')
    .description(
      'model tests of a registered version on a data file: robustness (noise, missing, FGSM), fairness per sensitive column, permutation importance, integrated gradients, mutation adequacy; stored with the version for gates (exit 1 when a threshold fails)',
    )
    .argument('<model>', 'NAME/VERSION, NAME@stage or NAME@alias')
    .requiredOption(
      '--data <file>',
      'labelled rows (CSV, TSV, JSON, NDJSON, Parquet) with the model’s feature columns',
    )
    .requiredOption('--label <column>', 'the truth column')
    .option('--sensitive <column>', 'a sensitive column for fairness (repeatable)', collect)
    .option(
      '--threshold <condition>',
      'e.g. "tests.robustness.noise_0.1.accuracy >= 0.9" (repeatable; default: the tests.* gates of the model)',
      collect,
    )
    .option('--tests <names>', `comma-separated subset of ${TEST_NAMES.join(',')}`)
    .option(
      '--positive <class>',
      'the positive class for fairness (default: each class one-vs-rest)',
    )
    .option('--seed <n>', 'seed of every random choice (default 0)')
    .option('--no-save', 'do not store the report with the version')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the report as a self-contained HTML page')
    .action(async (ref: string, opts: TestModelCliOptions) => {
      const code = await testModelCommand(storePath(), ref, opts);
      if (code !== 0) process.exitCode = code;
    });
}
