/**
 * `labbook profile FILE [--json] [--html OUT.html] [--label COL] [--timestamp COL --freshness DURATION] [--suite NAME]`:
 * a data set's profile, quality score and issues. By default a summary for people; with
 * --json exactly a DatasetProfile (core/quality/types.ts), which CI pipelines parse. Big
 * files get a progress line on stderr. Unusable input (missing, empty or malformed file)
 * exits 2 with a message naming the file and, where it applies, the line. With --suite the
 * profile carries the saved suite's results and validity is measured by them (exit 0 still:
 * `labbook check` is the command that gates on a suite).
 */
import { statSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { profileFile } from '../core/quality/profile';
import { profileHtml } from '../core/quality/html';
import { applyValidation } from '../core/quality/dimensions';
import { validate } from '../core/quality/suite';
import { loadSuite } from '../core/quality/suite-io';
import type { ColumnProfile, DatasetProfile } from '../core/quality/types';
import { createProgress } from './progress';
import { UsageError } from './errors';
import { alignColumns, scrub } from './terminal';

/** Files at least this big get a progress line on stderr. */
const PROGRESS_BYTES = 5 * 1024 * 1024;

interface ProfileCommandOptions {
  json?: boolean;
  html?: string;
  label?: string;
  timestamp?: string;
  freshness?: string;
  suite?: string;
}

/** "90s", "15m", "6h", "2d" or milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--freshness: "${text}" is not a duration (e.g. 90s, 15m, 6h, 2d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

export function registerProfileCommand(program: Command, storePath: () => string): void {
  program
    .command('profile')
    .description(
      'profile a data file (CSV, TSV, JSON, NDJSON, Parquet): per-column statistics, quality score and issues',
    )
    .argument('<file>', 'data file')
    .option('--json', 'print the profile as JSON')
    .option('--html <out.html>', 'also write a self-contained HTML report')
    .option(
      '--label <column>',
      'label column: identical feature rows with different labels count against consistency',
    )
    .option('--timestamp <column>', 'timestamp column for timeliness (with --freshness)')
    .option('--freshness <duration>', 'how old the newest timestamp may be, e.g. 6h or 2d')
    .option(
      '--suite <name>',
      'validate against a saved suite (.labbook/suites/NAME.json); validity then comes from its rules',
    )
    .action(async (file: string, opts: ProfileCommandOptions) => {
      if ((opts.timestamp === undefined) !== (opts.freshness === undefined))
        throw new UsageError('--timestamp and --freshness go together');
      // Read the suite first: a missing or malformed one fails before a long profile.
      const suite = opts.suite === undefined ? undefined : loadSuite(storePath(), opts.suite);
      const freshness = opts.freshness === undefined ? undefined : parseDuration(opts.freshness);
      let size = 0;
      try {
        size = statSync(file).size;
      } catch {
        /* profileFile reports it */
      }
      const progress = size >= PROGRESS_BYTES ? createProgress() : undefined;
      const started = performance.now();
      progress?.start(`Profiling ${file} (${(size / 1024 / 1024).toFixed(0)} MB)`);
      let profile: DatasetProfile;
      try {
        profile = await profileFile(file, {
          label: opts.label,
          timestampColumn: opts.timestamp,
          freshness,
          onProgress: progress ? (message) => progress.log(`  ${message}`) : undefined,
        });
      } finally {
        progress?.stop();
      }
      if (suite) profile = applyValidation(profile, await validate(file, suite));
      progress?.done(`Profiled ${file}`, 'ok', performance.now() - started);
      if (opts.html) writeFileSync(opts.html, profileHtml(profile));
      process.stdout.write(
        opts.json ? `${JSON.stringify(profile, null, 2)}\n` : profileSummary(profile),
      );
      if (opts.html && !opts.json) process.stdout.write(`HTML report written to ${opts.html}\n`);
    });
}

const clean = (s: string): string => scrub(s);
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function fmt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return clean(v.length > 24 ? `${v.slice(0, 23)}…` : v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(3)
    : String(Number(v.toPrecision(5)));
}

function columnLine(c: ColumnProfile): string[] {
  const range =
    c.mean !== null
      ? `mean ${fmt(c.mean)} std ${fmt(c.std)} [${fmt(c.min)}, ${fmt(c.max)}]`
      : c.top.length
        ? `top ${fmt(String(c.top[0].value))} (${c.top[0].count})`
        : '';
  return [
    clean(c.name),
    c.type,
    String(c.count),
    c.missing ? `${c.missing} (${pct(c.missingShare)})` : '0',
    String(c.distinct),
    range,
  ];
}

/** The summary for people: data set line, quality, one line per column, issues. */
export function profileSummary(p: DatasetProfile): string {
  const q = p.quality;
  const out: string[] = [];
  out.push(
    `${p.source ?? 'data'}: ${p.rows} rows x ${p.columns.length} columns${p.sizeBytes !== undefined ? `, ${(p.sizeBytes / 1024).toFixed(0)} KiB` : ''}${p.seconds !== undefined ? ` (profiled in ${p.seconds.toFixed(2)}s)` : ''}`,
  );
  if (p.rows === 0 || p.columns.length === 0)
    out.push(
      `Quality ${(100 * q.score).toFixed(1)}/100: the data set has no ${p.rows === 0 ? 'rows' : 'columns'}, so there is nothing to measure`,
    );
  else
    out.push(
      `Quality ${(100 * q.score).toFixed(1)}/100: completeness ${pct(q.completeness)}, uniqueness ${pct(q.uniqueness)}, validity ${pct(q.validity)}, consistency ${pct(q.consistency)}${q.timeliness === null ? '' : `, timeliness ${pct(q.timeliness)}`}`,
    );
  out.push(
    `Duplicate rows: ${p.duplicateRows}${p.emptyRows ? `, empty rows: ${p.emptyRows}` : ''}`,
  );
  if (p.validation)
    out.push(
      `Suite "${clean(p.validation.suite)}": ${p.validation.passed ? 'passed' : `${p.validation.failedRules} of ${p.validation.rules.length} rules failed`}`,
    );
  out.push('');
  const header = ['COLUMN', 'TYPE', 'COUNT', 'MISSING', 'DISTINCT', 'SUMMARY'];
  const rows = p.columns.map(columnLine);
  out.push(alignColumns(header, rows));
  out.push('');
  if (p.issues.length === 0) out.push('No issues.');
  else {
    out.push(`Issues (${p.issues.length}):`);
    for (const issue of p.issues) out.push(`  ${issue.severity.padEnd(7)} ${clean(issue.message)}`);
  }
  return `${out.join('\n')}\n`;
}
