/**
 * Cleaning plans: a JSON list of steps that turns a data set into a cleaned one, suggested
 * from the profile's issues and the two finders (anomalies, label issues) and applied
 * deterministically, so a plan recorded with a data set version can be replayed on the
 * version it came from and gives the same rows. Steps that name rows use the row's index
 * in the plan's input (before any step ran), and a relabel step says which label it
 * expects to find, so a plan applied to other data fails loudly instead of silently
 * changing the wrong rows.
 */
import type { DatasetProfile } from '../quality/types';
import type { AnomalyReport } from './anomalies';
import { asNumber, columnNames, isMissing, quantileSorted, type Row } from './features';
import type { LabelIssueReport } from './label-issues';

export type CleaningStep = { reason?: string } & (
  | { action: 'drop-duplicates' }
  | { action: 'drop-missing'; columns: string[] }
  | { action: 'drop-column'; column: string }
  | {
      action: 'impute';
      column: string;
      value: string | number | boolean;
      strategy?: 'median' | 'mode' | 'mean' | 'value';
    }
  | { action: 'clip'; column: string; low: number; high: number }
  | { action: 'drop-outliers'; column: string; low: number; high: number }
  | { action: 'cast'; column: string; to: 'number' | 'text' }
  | {
      action: 'relabel';
      column: string;
      rows: { row: number; from: string | number | boolean; to: string | number | boolean }[];
    }
  | { action: 'drop-rows'; rows: number[] }
);

export interface CleaningPlan {
  format: 'labbook.cleaning-plan';
  version: 1;
  steps: CleaningStep[];
}

export const ACTIONS = [
  'drop-duplicates',
  'drop-missing',
  'drop-column',
  'impute',
  'clip',
  'drop-outliers',
  'cast',
  'relabel',
  'drop-rows',
] as const;

function fail(where: string, message: string): never {
  throw new TypeError(`cleaning plan: ${where}: ${message}`);
}

function isScalar(v: unknown): v is string | number | boolean {
  return (
    typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
  );
}

/** Checks a plan read from JSON (a file, a webview, a notebook) and returns it typed. */
export function parseCleaningPlan(value: unknown): CleaningPlan {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail('plan', 'must be an object { format: "labbook.cleaning-plan", version: 1, steps: [...] }');
  const plan = value as Record<string, unknown>;
  if (plan.format !== undefined && plan.format !== 'labbook.cleaning-plan')
    fail('format', `must be "labbook.cleaning-plan", got ${JSON.stringify(plan.format)}`);
  if (plan.version !== undefined && plan.version !== 1)
    fail('version', `this Labbook reads version 1, got ${JSON.stringify(plan.version)}`);
  if (!Array.isArray(plan.steps)) fail('steps', 'must be an array of steps');
  const steps = plan.steps.map((raw: unknown, i: number): CleaningStep => {
    const where = `step ${i + 1}`;
    if (raw === null || typeof raw !== 'object') fail(where, 'must be an object with an "action"');
    const s = raw as Record<string, unknown>;
    if (!ACTIONS.includes(s.action as (typeof ACTIONS)[number]))
      fail(where, `action must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(s.action)}`);
    if (s.reason !== undefined && typeof s.reason !== 'string') fail(where, 'reason must be text');
    const column = (): void => {
      if (typeof s.column !== 'string' || s.column === '')
        fail(where, `${String(s.action)} needs "column", a column name`);
    };
    const bounds = (): void => {
      if (typeof s.low !== 'number' || typeof s.high !== 'number' || !(s.low <= s.high))
        fail(
          where,
          `${String(s.action)} needs numbers "low" <= "high", got ${JSON.stringify(s.low)} and ${JSON.stringify(s.high)}`,
        );
    };
    const rowIndex = (r: unknown, what: string): void => {
      if (!Number.isSafeInteger(r) || (r as number) < 0)
        fail(where, `${what} must be a row index >= 0, got ${JSON.stringify(r)}`);
    };
    switch (s.action) {
      case 'drop-missing':
        if (!Array.isArray(s.columns) || s.columns.some((c) => typeof c !== 'string'))
          fail(where, 'drop-missing needs "columns", an array of column names');
        break;
      case 'drop-column':
        column();
        break;
      case 'impute':
        column();
        if (!isScalar(s.value))
          fail(
            where,
            `impute needs "value", a number, text or boolean, got ${JSON.stringify(s.value)}`,
          );
        break;
      case 'clip':
      case 'drop-outliers':
        column();
        bounds();
        break;
      case 'cast':
        column();
        if (s.to !== 'number' && s.to !== 'text')
          fail(where, `cast needs "to": "number" or "text", got ${JSON.stringify(s.to)}`);
        break;
      case 'relabel':
        column();
        if (!Array.isArray(s.rows)) fail(where, 'relabel needs "rows": [{ row, from, to }]');
        s.rows.forEach((r: unknown, j: number) => {
          const e = r as Record<string, unknown> | null;
          if (e === null || typeof e !== 'object')
            fail(where, `rows[${j}] must be { row, from, to }`);
          rowIndex(e.row, `rows[${j}].row`);
          if (!isScalar(e.from) || !isScalar(e.to))
            fail(where, `rows[${j}] needs "from" and "to" labels`);
        });
        break;
      case 'drop-rows':
        if (!Array.isArray(s.rows)) fail(where, 'drop-rows needs "rows", an array of row indices');
        s.rows.forEach((r: unknown, j: number) => rowIndex(r, `rows[${j}]`));
        break;
    }
    return s as CleaningStep;
  });
  return { format: 'labbook.cleaning-plan', version: 1, steps };
}

export interface StepOutcome {
  action: CleaningStep['action'];
  /** Rows (or, for drop-column, columns) the step changed or removed. */
  changed: number;
  rowsAfter: number;
}

export interface CleaningResult {
  rows: Row[];
  /** Index in the plan's input of each row that is left. */
  from: number[];
  steps: StepOutcome[];
}

function key(row: Row, names: readonly string[]): string {
  return JSON.stringify(names.map((n) => (isMissing(row[n]) ? null : row[n])));
}

/** Applies the plan to the rows; the input is not modified. */
export function applyCleaningPlan(input: readonly Row[], planValue: unknown): CleaningResult {
  if (!Array.isArray(input))
    throw new TypeError('cleaning plan: data must be an array of row objects');
  const plan = parseCleaningPlan(planValue);
  let rows = input.map((row, i) => ({ i, row: { ...row } as Row }));
  const names = columnNames(input);
  const outcomes: StepOutcome[] = [];
  plan.steps.forEach((step, s) => {
    const where = `step ${s + 1} (${step.action})`;
    const needColumn = (c: string): void => {
      if (!names.includes(c))
        fail(where, `no column ${JSON.stringify(c)} in the data (columns: ${names.join(', ')})`);
    };
    let changed = 0;
    switch (step.action) {
      case 'drop-duplicates': {
        const seen = new Set<string>();
        const cols = columnNames(rows.map((r) => r.row));
        rows = rows.filter(({ row }) => {
          const k = key(row, cols);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
        break;
      }
      case 'drop-missing': {
        step.columns.forEach(needColumn);
        const cols = step.columns.length ? step.columns : names;
        rows = rows.filter(({ row }) => cols.every((c) => !isMissing(row[c])));
        break;
      }
      case 'drop-column':
        needColumn(step.column);
        for (const { row } of rows) delete row[step.column];
        names.splice(names.indexOf(step.column), 1);
        changed = 1;
        break;
      case 'impute':
        needColumn(step.column);
        for (const { row } of rows)
          if (isMissing(row[step.column])) {
            row[step.column] = step.value;
            changed++;
          }
        break;
      case 'clip':
        needColumn(step.column);
        for (const { row } of rows) {
          const v = asNumber(row[step.column]);
          if (Number.isNaN(v)) continue;
          const c = Math.min(Math.max(v, step.low), step.high);
          if (c !== v) {
            row[step.column] = c;
            changed++;
          }
        }
        break;
      case 'drop-outliers':
        needColumn(step.column);
        rows = rows.filter(({ row }) => {
          const v = asNumber(row[step.column]);
          return Number.isNaN(v) || (v >= step.low && v <= step.high);
        });
        break;
      case 'cast':
        needColumn(step.column);
        for (const { row } of rows) {
          const v = row[step.column];
          if (isMissing(v)) continue;
          const next =
            step.to === 'number' ? (Number.isNaN(asNumber(v)) ? null : asNumber(v)) : String(v);
          if (next !== v) {
            row[step.column] = next;
            changed++;
          }
        }
        break;
      case 'relabel': {
        needColumn(step.column);
        const byIndex = new Map(rows.map((r) => [r.i, r.row]));
        for (const r of step.rows) {
          if (r.row >= input.length)
            fail(where, `row ${r.row} is beyond the data's ${input.length} rows`);
          const row = byIndex.get(r.row);
          if (!row) continue; // dropped by an earlier step
          if (String(row[step.column]) !== String(r.from))
            fail(
              where,
              `row ${r.row} has ${step.column} = ${JSON.stringify(row[step.column])}, the plan expected ${JSON.stringify(r.from)}: the plan was made for other data`,
            );
          row[step.column] = r.to;
          changed++;
        }
        break;
      }
      case 'drop-rows': {
        for (const r of step.rows)
          if (r >= input.length) fail(where, `row ${r} is beyond the data's ${input.length} rows`);
        const drop = new Set(step.rows);
        rows = rows.filter(({ i }) => !drop.has(i));
        break;
      }
    }
    const before = s === 0 ? input.length : outcomes[s - 1].rowsAfter;
    if (changed === 0) changed = before - rows.length;
    outcomes.push({ action: step.action, changed, rowsAfter: rows.length });
  });
  return { rows: rows.map((r) => r.row), from: rows.map((r) => r.i), steps: outcomes };
}

export interface SuggestOptions {
  profile?: DatasetProfile;
  anomalies?: AnomalyReport;
  labelIssues?: LabelIssueReport;
  /** Missing share above which a column is dropped rather than imputed (default 0.5). */
  dropColumnAbove?: number;
}

function median(rows: readonly Row[], column: string): number | null {
  const values = Float64Array.from(
    rows.map((r) => asNumber(r[column])).filter((v) => !Number.isNaN(v)),
  ).sort();
  return values.length ? quantileSorted(values, 0.5) : null;
}

function mode(rows: readonly Row[], column: string): string | number | boolean | null {
  const counts = new Map<string, { value: string | number | boolean; n: number }>();
  for (const r of rows) {
    const v = r[column];
    if (isMissing(v) || !isScalar(v)) continue;
    const k = JSON.stringify(v);
    const e = counts.get(k) ?? { value: v, n: 0 };
    e.n++;
    counts.set(k, e);
  }
  let best: { value: string | number | boolean; n: number } | null = null;
  for (const e of counts.values()) if (!best || e.n > best.n) best = e;
  return best ? best.value : null;
}

/**
 * Suggests a plan from what was found: each step says why. The user edits it (or picks
 * steps in the Data Quality panel) before applying it.
 */
export function suggestCleaningPlan(rows: readonly Row[], options: SuggestOptions): CleaningPlan {
  const steps: CleaningStep[] = [];
  const { profile, anomalies, labelIssues } = options;
  const dropAbove = options.dropColumnAbove ?? 0.5;
  if (profile) {
    for (const c of profile.columns)
      if (c.mixedTypes)
        steps.push({
          action: 'cast',
          column: c.name,
          to: c.type === 'numeric' || c.type === 'integer' ? 'number' : 'text',
          reason: `"${c.name}" mixes numbers and text (${c.invalid ?? 0} values of the less common kind)`,
        });
  }
  if (labelIssues && labelIssues.issues.length)
    steps.push({
      action: 'relabel',
      column: labelIssues.label,
      rows: [...labelIssues.issues]
        .sort((a, b) => a.row - b.row)
        .map((i) => ({
          row: i.row,
          from: rows[i.row]?.[labelIssues.label] as string,
          to: suggestedValue(rows, labelIssues.label, i.suggested),
        })),
      reason: `${labelIssues.issues.length} rows whose label the out-of-sample model confidently disagrees with (confident learning)`,
    });
  if (anomalies) {
    const strong = anomalies.ranked
      .filter((r) => r.anomalous && r.reasons.length > 0)
      .map((r) => r.row);
    if (strong.length)
      steps.push({
        action: 'drop-rows',
        rows: strong.sort((a, b) => a - b),
        reason: `${strong.length} rows the Isolation Forest scores above ${anomalies.threshold} that also break a per-column robust rule`,
      });
  }
  if (profile?.duplicateRows)
    steps.push({
      action: 'drop-duplicates',
      reason: `${profile.duplicateRows} rows repeat an earlier row`,
    });
  if (profile) {
    for (const c of profile.columns) {
      if (c.missing === 0) continue;
      if (c.missingShare > dropAbove) {
        steps.push({
          action: 'drop-column',
          column: c.name,
          reason: `"${c.name}" is missing in ${Math.round(c.missingShare * 100)}% of rows`,
        });
        continue;
      }
      const numeric = c.type === 'numeric' || c.type === 'integer';
      const value = numeric ? median(rows, c.name) : mode(rows, c.name);
      if (value === null) {
        steps.push({
          action: 'drop-missing',
          columns: [c.name],
          reason: `"${c.name}" has ${c.missing} missing values and none to impute from`,
        });
      } else {
        steps.push({
          action: 'impute',
          column: c.name,
          value,
          strategy: numeric ? 'median' : 'mode',
          reason: `"${c.name}" is missing ${c.missing} values; filled with the ${numeric ? 'median' : 'most frequent value'}`,
        });
      }
    }
    for (const c of profile.columns) {
      if (!c.outliers) continue;
      const rule = anomalies?.columns.find((r) => r.column === c.name);
      if (!rule) continue;
      steps.push({
        action: 'clip',
        column: c.name,
        low: rule.iqr.low,
        high: rule.iqr.high,
        reason: `"${c.name}" has ${c.outliers} values outside 1.5 IQR of the quartiles; clipped to the fences`,
      });
    }
  }
  return { format: 'labbook.cleaning-plan', version: 1, steps };
}

/** The label as the data holds it (a number stays a number), from its text in the report. */
function suggestedValue(
  rows: readonly Row[],
  label: string,
  text: string,
): string | number | boolean {
  for (const r of rows)
    if (!isMissing(r[label]) && String(r[label]) === text)
      return r[label] as string | number | boolean;
  return text;
}
