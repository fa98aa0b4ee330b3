/**
 * `labbook suite infer FILE --name NAME`, `labbook suite list`, `labbook suite show NAME`
 * and `labbook check FILE --suite NAME [--json]`: validation suites from the command line.
 * Suites live in `suites/` next to the store (`.labbook/suites/NAME.json` by default).
 * `check` exits 0 when every rule passes, 1 when any fails, 2 on unusable input (a missing
 * or malformed file, an unknown or malformed suite).
 */
import { relative } from 'node:path';
import type { Command } from 'commander';
import {
  describeRule,
  inferSuite,
  validate,
  type RuleResult,
  type Suite,
  type ValidationResult,
} from '../core/quality/suite';
import { listSuites, loadSuite, saveSuite } from '../core/quality/suite-io';
import { UsageError } from './errors';

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function parseTolerance(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UsageError(
      `--null-tolerance must be a number from 0 to 1 (a share of rows, e.g. 0.01), got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** The rules of a suite as text, one per line. */
export function suiteText(suite: Suite): string {
  const width = Math.min(40, Math.max(4, ...suite.rules.map((r) => r.id.length)));
  const lines = [
    `Suite ${suite.name}: ${suite.rules.length} rules${suite.reference?.source ? ` inferred from ${suite.reference.source}` : ''}${suite.reference?.rows !== undefined ? ` (${suite.reference.rows} rows)` : ''}`,
  ];
  for (const rule of suite.rules) lines.push(`  ${rule.id.padEnd(width)}  ${describeRule(rule)}`);
  return `${lines.join('\n')}\n`;
}

function exampleText(result: RuleResult): string {
  if (result.examples.length === 0) return '';
  const items = result.examples.slice(0, 5).map((e) => `row ${e.row}: ${JSON.stringify(e.value)}`);
  const more =
    result.unexpectedCount > items.length
      ? `, … ${result.unexpectedCount - items.length} more`
      : '';
  return `\n        ${items.join(', ')}${more}`;
}

/** A validation result as text: a summary line, then every rule with PASS/FAIL. */
export function validationText(result: ValidationResult): string {
  const lines = [
    `Suite ${result.suite}${result.source ? ` on ${shown(result.source)}` : ''}: ${result.rows} rows; ` +
      (result.passed
        ? `all ${result.rules.length} rules passed`
        : `${result.failedRules} of ${result.rules.length} rules failed`),
  ];
  const ordered = [
    ...result.rules.filter((r) => !r.passed),
    ...result.rules.filter((r) => r.passed),
  ];
  for (const r of ordered) {
    lines.push(
      `  ${r.passed ? 'PASS' : 'FAIL'}  ${r.rule.id}: ${r.message}${r.passed ? '' : exampleText(r)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerSuiteCommands(program: Command, storePath: () => string): void {
  const suite = program
    .command('suite')
    .description(
      'validation suites: infer one from a reference data set, list and show them (see `labbook check`)',
    );

  suite
    .command('infer')
    .description(
      'infer a suite from a reference data set and save it as suites/NAME.json next to the store',
    )
    .argument('<file>', 'CSV, TSV, JSON, NDJSON or Parquet file')
    .requiredOption('--name <name>', 'suite name')
    .option(
      '--null-tolerance <share>',
      'allowed missing share above the observed one (default 0.01)',
    )
    .option('--json', 'print the suite as JSON')
    .action(
      async (file: string, opts: { name: string; nullTolerance?: string; json?: boolean }) => {
        const nullTolerance = parseTolerance(opts.nullTolerance);
        const inferred = await inferSuite(file, { name: opts.name, nullTolerance });
        const path = saveSuite(storePath(), inferred);
        process.stdout.write(
          opts.json ? `${JSON.stringify(inferred, null, 2)}\n` : suiteText(inferred),
        );
        process.stderr.write(
          `Wrote ${shown(path)} (${inferred.rules.length} rules); check a batch with: labbook check FILE --suite ${opts.name}\n`,
        );
      },
    );

  suite
    .command('list')
    .description('names of the saved suites')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      const names = listSuites(storePath());
      process.stdout.write(
        opts.json
          ? `${JSON.stringify(names)}\n`
          : names.length
            ? `${names.join('\n')}\n`
            : 'No suites yet: infer one with `labbook suite infer FILE --name NAME`\n',
      );
    });

  suite
    .command('show')
    .description("a saved suite's rules")
    .argument('<name>', 'suite name')
    .option('--json', 'print the suite file')
    .action((name: string, opts: { json?: boolean }) => {
      const loaded = loadSuite(storePath(), name);
      process.stdout.write(opts.json ? `${JSON.stringify(loaded, null, 2)}\n` : suiteText(loaded));
    });

  program
    .command('check')
    .description('validate a data file against a suite; exit 1 when a rule fails')
    .argument('<file>', 'CSV, TSV, JSON, NDJSON or Parquet file')
    .requiredOption('--suite <name>', 'name of a saved suite (suites/NAME.json next to the store)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { suite: string; json?: boolean }) => {
      const loaded = loadSuite(storePath(), opts.suite);
      const result = await validate(file, loaded);
      process.stdout.write(
        opts.json ? `${JSON.stringify(result, null, 2)}\n` : validationText(result),
      );
      if (!result.passed) process.exitCode = 1;
    });
}
