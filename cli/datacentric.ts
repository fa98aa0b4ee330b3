/**
 * `labbook anomalies FILE [--json]`, `labbook label-issues FILE --label COL [--json]` and
 * `labbook clean FILE --plan PLAN.json --out FILE [--json]`: the data-centric tools
 * (core/datacentric) from a shell or CI. Bad input (file, column, plan) exits 2 with a
 * message naming it.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  applyCleaningPlan,
  findAnomalies,
  findLabelIssues,
  parseCleaningPlan,
  type Row,
} from '../core/datacentric';
import { readDataFile, writeDataFile } from '../core/datacentric/data-files';
import { DataError } from '../core/quality/data-error';
import { UsageError } from './errors';
import { alignColumns, scrub } from './terminal';

async function rows(file: string): Promise<Row[]> {
  try {
    return await readDataFile(file);
  } catch (error) {
    if (error instanceof DataError) throw new UsageError(error.message);
    throw error;
  }
}

/** Core's TypeErrors name the bad input: shown as usage errors (exit 2), not crashes. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

function seedOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--seed: "${text}" is not a whole number >= 0`);
  return Number(text);
}

function fmt(v: unknown): string {
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return scrub(v === null || v === undefined ? '-' : String(v));
}

export function registerDatacentricCommands(program: Command): void {
  program
    .command('anomalies')
    .description(
      'score rows with an Isolation Forest (scikit-learn defaults) and robust per-column rules',
    )
    .argument('<file>', 'data file')
    .option('--json', 'print the report as JSON')
    .option('--features <columns>', 'comma-separated numeric columns (default: all numeric)')
    .option('--seed <n>', 'random seed (default 0)')
    .option('--top <n>', 'rows to list (default 20)', '20')
    .action(
      async (
        file: string,
        opts: { json?: boolean; features?: string; seed?: string; top: string },
      ) => {
        const data = await rows(file);
        const report = usage(() =>
          findAnomalies(data, { features: opts.features?.split(','), seed: seedOption(opts.seed) }),
        );
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        const top = report.ranked.slice(0, Number(opts.top) || 20);
        process.stdout.write(
          `${file}: ${report.anomalous} of ${report.rows} rows anomalous (${(report.anomalousShare * 100).toFixed(1)}%, score > ${report.threshold}; ${report.trees} trees of ${report.samples} rows, features ${report.features.join(', ')})\n\n` +
            `${alignColumns(
              ['ROW', 'SCORE', 'ANOMALOUS', 'WHY'],
              top.map((r) => [
                String(r.row),
                fmt(r.score),
                r.anomalous ? 'yes' : '',
                scrub(r.reasons.map((x) => `${x.column}=${fmt(x.value)} (${x.rule})`).join(', ')),
              ]),
            )}\n`,
        );
      },
    );

  program
    .command('label-issues')
    .description(
      'find rows whose label is likely wrong (confident learning over k-fold logistic regression)',
    )
    .argument('<file>', 'data file')
    .requiredOption('--label <column>', 'label column')
    .option(
      '--features <columns>',
      'comma-separated feature columns (default: numeric and small categorical)',
    )
    .option('--folds <n>', 'folds for out-of-sample probabilities (default 5)')
    .option('--seed <n>', 'random seed (default 0)')
    .option('--json', 'print the report as JSON')
    .action(
      async (
        file: string,
        opts: { label: string; features?: string; folds?: string; seed?: string; json?: boolean },
      ) => {
        const data = await rows(file);
        if (opts.folds !== undefined && !/^\d+$/.test(opts.folds))
          throw new UsageError(`--folds: "${opts.folds}" is not a whole number`);
        let report;
        try {
          report = await findLabelIssues(data, {
            label: opts.label,
            features: opts.features?.split(','),
            folds: opts.folds === undefined ? undefined : Number(opts.folds),
            seed: seedOption(opts.seed),
          });
        } catch (error) {
          if (error instanceof TypeError) throw new UsageError(error.message);
          throw error;
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${file}: ${report.issues.length} of ${report.rows} rows likely mislabelled in "${scrub(report.label)}" (out-of-sample accuracy ${(report.accuracy * 100).toFixed(1)}%, ${report.folds} folds)\n\n` +
            `${alignColumns(
              ['ROW', 'LABEL', 'SUGGESTED', 'SELF-CONFIDENCE'],
              report.issues.map((i) => [
                String(i.row),
                fmt(i.label),
                fmt(i.suggested),
                fmt(i.selfConfidence),
              ]),
            )}\n`,
        );
      },
    );

  program
    .command('clean')
    .description('apply a cleaning plan (JSON) to a data file and write the cleaned rows')
    .argument('<file>', 'data file')
    .requiredOption('--plan <plan.json>', 'cleaning plan: { "steps": [...] }')
    .requiredOption(
      '--out <file>',
      'where to write the cleaned rows (.csv, .tsv, .json, .ndjson, .parquet)',
    )
    .option('--json', 'print what each step did as JSON')
    .action(async (file: string, opts: { plan: string; out: string; json?: boolean }) => {
      let planText: string;
      try {
        planText = readFileSync(opts.plan, 'utf8');
      } catch {
        throw new UsageError(`--plan: cannot read ${opts.plan}`);
      }
      let planJson: unknown;
      try {
        planJson = JSON.parse(planText);
      } catch (error) {
        throw new UsageError(`--plan: ${opts.plan} is not JSON: ${(error as Error).message}`);
      }
      const plan = usage(() => parseCleaningPlan(planJson));
      const data = await rows(file);
      const result = usage(() => applyCleaningPlan(data, plan));
      try {
        await writeDataFile(opts.out, result.rows);
      } catch (error) {
        if (error instanceof TypeError) throw new UsageError(`--out: ${error.message}`);
        throw error;
      }
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ rows: result.rows.length, from: data.length, steps: result.steps, out: opts.out }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(
        `${alignColumns(
          ['STEP', 'ACTION', 'CHANGED', 'ROWS AFTER'],
          result.steps.map((s, i) => [
            String(i + 1),
            s.action,
            String(s.changed),
            String(s.rowsAfter),
          ]),
        )}\n${data.length} rows in, ${result.rows.length} rows written to ${opts.out}\n`,
      );
    });
}
