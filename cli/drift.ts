/**
 * `labbook drift REFERENCE CURRENT [--json] [--html OUT] [--method NAME] [--column-method col=NAME ...]
 * [--column-type col=numeric|categorical ...] [--threshold X] [--share X] [--target COL] [--prediction COL] [--sample N] [--seed N]`:
 * per-column drift and the data set verdict. With --json exactly a DriftReport
 * (core/drift/types.ts), which CI pipelines parse. Exit codes: 0 no data set drift, 1 data
 * set drift, 2 unusable input or options (also when no column could be compared at all:
 * an empty or disjoint data set must not pass a CI gate silently).
 */
import { statSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { driftReport } from '../core/drift/report';
import { driftHtml } from '../core/drift/html';
import { driftReportToWire } from '../core/common/drift-wire';
import { METHOD_NAMES, parseMethod } from '../core/drift/choose';
import {
  DriftError,
  type ColumnDrift,
  type DriftCompareAs,
  type DriftMethod,
  type DriftReport,
  type PredictionQuality,
} from '../core/common/drift-types';
import { createProgress } from './progress';
import { UsageError } from './errors';
import { alignColumns, scrub } from './terminal';

/** Inputs at least this big (both files together) get a progress line on stderr. */
const PROGRESS_BYTES = 5 * 1024 * 1024;

interface DriftCommandOptions {
  json?: boolean;
  html?: string;
  method?: string;
  columnMethod: string[];
  columnType: string[];
  threshold?: number;
  share?: number;
  target?: string;
  prediction?: string;
  sample?: number;
  seed?: number;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function number(what: string, check: (x: number) => boolean, expected: string) {
  return (text: string): number => {
    const x = Number(text);
    if (text.trim() === '' || !check(x))
      throw new InvalidArgumentError(`${what} must be ${expected}, not "${text}"`);
    return x;
  };
}

/** "col=NAME": split at the last "=", so column names may contain "=". */
export function parseColumnMethod(spec: string): [string, DriftMethod] {
  const at = spec.lastIndexOf('=');
  if (at <= 0 || at === spec.length - 1)
    throw new UsageError(`--column-method: "${spec}" is not COLUMN=METHOD (e.g. age=psi)`);
  return [spec.slice(0, at), parseMethod(spec.slice(at + 1), `--column-method ${spec}`)];
}

/** "col=numeric" or "col=categorical". */
export function parseColumnType(spec: string): [string, DriftCompareAs] {
  const at = spec.lastIndexOf('=');
  const type = spec
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (at <= 0 || (type !== 'numeric' && type !== 'categorical'))
    throw new UsageError(`--column-type: "${spec}" is not COLUMN=numeric or COLUMN=categorical`);
  return [spec.slice(0, at), type];
}

export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      'compare a current data set with a reference one, column by column: exit 0 no drift, 1 drift, 2 unusable input',
    )
    .argument('<reference>', 'reference data file (CSV, TSV, JSON, NDJSON, Parquet)')
    .argument('<current>', 'current data file')
    .option('--json', 'print the report as JSON')
    .option('--html <out.html>', 'also write a self-contained HTML report')
    .option(
      '--method <name>',
      `one method for every column (${Object.keys(METHOD_NAMES).join(', ')})`,
    )
    .option('--column-method <col=name>', 'method for one column (repeatable)', collect, [])
    .option(
      '--column-type <col=type>',
      'compare a column as numeric or categorical (repeatable), e.g. a date column as numeric',
      collect,
      [],
    )
    .option(
      '--threshold <x>',
      'threshold for every column: p-value bound for tests, score bound for distances',
      number('--threshold', (x) => Number.isFinite(x) && x >= 0, 'a number >= 0'),
    )
    .option(
      '--share <x>',
      'share of drifted columns that makes the data set drifted (default 0.5)',
      number('--share', (x) => x > 0 && x <= 1, 'in (0, 1]'),
    )
    .option(
      '--target <column>',
      'target column: its drift, and prediction quality with --prediction',
    )
    .option('--prediction <column>', 'prediction column')
    .option(
      '--sample <n>',
      'compare a seeded sample of at most n rows per side',
      number('--sample', (x) => Number.isInteger(x) && x >= 1, 'a whole number >= 1'),
    )
    .option(
      '--seed <n>',
      'seed of the sample (default 0)',
      number('--seed', (x) => Number.isSafeInteger(x), 'a whole number'),
    )
    .action(async (reference: string, current: string, opts: DriftCommandOptions) => {
      let size = 0;
      for (const file of [reference, current]) {
        try {
          size += statSync(file).size;
        } catch {
          /* driftReport reports it */
        }
      }
      const progress = size >= PROGRESS_BYTES ? createProgress() : undefined;
      const started = performance.now();
      progress?.start(`Comparing ${current} with ${reference}`);
      let report: DriftReport;
      try {
        const columnMethods = Object.fromEntries(opts.columnMethod.map(parseColumnMethod));
        const columnTypes = Object.fromEntries(opts.columnType.map(parseColumnType));
        let last = '';
        report = await driftReport(
          { path: reference },
          { path: current },
          {
            method: opts.method === undefined ? undefined : parseMethod(opts.method, '--method'),
            columnMethods,
            columnTypes,
            threshold: opts.threshold,
            datasetShare: opts.share,
            target: opts.target,
            prediction: opts.prediction,
            sample: opts.sample,
            seed: opts.seed,
            onProgress: progress
              ? (_fraction, message) => {
                  if (message !== last) progress.log(`  ${message}`);
                  last = message;
                }
              : undefined,
          },
        );
      } catch (error) {
        // Bad options are usage errors: a message, no stack, exit 2.
        if (error instanceof DriftError) throw new UsageError(error.message);
        throw error;
      } finally {
        progress?.stop();
      }
      progress?.done(`Compared ${current} with ${reference}`, 'ok', performance.now() - started);
      if (opts.html) writeFileSync(opts.html, driftHtml(report));
      process.stdout.write(
        // JSON has no Infinity: an infinite statistic prints as "Infinity" (core/common/drift-wire.ts).
        opts.json
          ? `${JSON.stringify(driftReportToWire(report), null, 2)}\n`
          : driftSummary(report),
      );
      if (opts.html && !opts.json) process.stdout.write(`HTML report written to ${opts.html}\n`);
      if (report.dataset.columns === 0) {
        process.stderr.write(
          'labbook: no column could be compared (see the messages above); treating the input as unusable\n',
        );
        process.exitCode = 2;
      } else {
        process.exitCode = report.dataset.drifted ? 1 : 0;
      }
    });
}

const clean = (s: string): string => scrub(s);

function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(2)
    : String(Number(v.toPrecision(4)));
}

function verdictOf(c: ColumnDrift): string {
  return c.skipped ? `skipped: ${c.skipped}` : c.drifted ? 'DRIFT' : 'ok';
}

function qualityLine(q: PredictionQuality): string {
  return Object.entries(q)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k} ${fmt(v as number | null)}`)
    .join(', ');
}

/** The summary for people: sides, one line per column, target and prediction, the verdict. */
export function driftSummary(r: DriftReport): string {
  const out: string[] = [];
  const side = (s: DriftReport['reference']) =>
    `${clean(s.source)} (${s.rows} rows${s.sampled !== undefined ? `, sample of ${s.sampled}` : ''})`;
  out.push(
    `Reference: ${side(r.reference)}`,
    `Current:   ${side(r.current)}${r.seconds !== undefined ? `   (${r.seconds.toFixed(2)}s)` : ''}`,
    '',
  );
  const header = ['COLUMN', 'TYPE', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'VERDICT'];
  const rows = r.columns.map((c) => [
    clean(c.name),
    c.type,
    c.method,
    fmt(c.statistic),
    fmt(c.pValue),
    fmt(c.threshold),
    verdictOf(c),
  ]);
  out.push(alignColumns(header, rows), '');
  const notes = r.columns.filter((c) => c.skipped || c.effectSize);
  if (notes.length) {
    out.push('Notes:');
    for (const c of notes) out.push(`  ${clean(c.name)}: ${clean(c.message)}`);
    out.push('');
  }
  const t = r.target;
  if (t) {
    if (t.targetDrift)
      out.push(`Target ${clean(t.targetDrift.name)}: ${clean(t.targetDrift.message)}`);
    if (t.predictionDrift)
      out.push(`Prediction ${clean(t.predictionDrift.name)}: ${clean(t.predictionDrift.message)}`);
    if (t.referenceQuality)
      out.push(
        `Quality (reference, ${t.referenceQuality.kind}): ${qualityLine(t.referenceQuality)}`,
      );
    if (t.currentQuality)
      out.push(`Quality (current, ${t.currentQuality.kind}):   ${qualityLine(t.currentQuality)}`);
    if (t.change)
      out.push(
        `Change: ${Object.entries(t.change)
          .map(([k, v]) => `${k} ${v === null ? '-' : `${v >= 0 ? '+' : ''}${fmt(v)}`}`)
          .join(', ')}`,
      );
    out.push('');
  }
  const d = r.dataset;
  out.push(
    `${d.drifted ? 'DATA SET DRIFT' : 'No data set drift'}: ${d.driftedColumns} of ${d.columns} compared columns drifted (${(100 * d.share).toFixed(1)}%; drift at >= ${(100 * d.threshold).toFixed(0)}%)`,
  );
  return `${out.join('\n')}\n`;
}
