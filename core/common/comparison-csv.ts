/**
 * A run comparison as CSV (RFC 4180): one row per run, the way MLflow exports runs, so a
 * spreadsheet or pandas reads it as a table: `run_id, name, experiment, status`, then
 * `params.<key>` for every param and `metrics.<key>` (latest value) for every metric.
 *
 * Names, params and values come from notebooks. A spreadsheet runs a cell that starts with
 * `=`, `+`, `-` or `@` (or a tab or carriage return) as a formula, so such cells get a
 * leading `'` (OWASP's "CSV injection" advice); plain numbers such as `-0.5` are left alone.
 * Pure: the webview, the extension host and the CLI can all use it.
 */
import type { RunComparison } from './comparison';

/** Quotes a field when it needs it (comma, quote, CR or LF), doubling inner quotes. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
const FORMULA_START = /^[=+\-@\t\r]/;

/** Neutralises a value a spreadsheet would evaluate as a formula. */
export function defuseFormula(text: string): string {
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

/** One CSV line (no terminator) from raw cell texts. */
export function csvRow(cells: string[]): string {
  return cells.map((c) => csvField(defuseFormula(c))).join(',');
}

/** The whole comparison, CRLF line endings as RFC 4180 has them, ending with a line break. */
export function comparisonCsv(c: RunComparison): string {
  const header = [
    'run_id',
    'name',
    'experiment',
    'status',
    ...c.params.map((p) => `params.${p.key}`),
    ...c.metrics.map((m) => `metrics.${m.key}`),
  ];
  const rows = c.runs.map((run, i) => [
    run.id,
    run.name,
    run.experiment,
    run.status,
    ...c.params.map((p) => p.values[i] ?? ''),
    // Numbers in full precision; NaN and ±Infinity travel as their names already.
    ...c.metrics.map((m) =>
      m.values[i] === null || m.values[i] === undefined ? '' : String(m.values[i]),
    ),
  ]);
  return [header, ...rows].map((r) => `${csvRow(r)}\r\n`).join('');
}
