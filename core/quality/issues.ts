/**
 * The issues of a profiled data set, in plain words, most severe first.
 *
 * error:   empty column, conflicting labels, data set without rows
 * warning: missing share >= 20%, constant column, duplicate rows, mixed types, duplicated
 *          columns, empty rows, stale timestamps (older than the freshness), header names
 *          that repeat (read under new names)
 * info:    some missing values, almost-constant column, IQR outliers, correlated pairs
 */
import type { DatasetProfile, QualityIssue, Severity } from './types';

export interface IssueContext {
  conflictingRows: number | null;
  label?: string;
  timestampColumn?: string;
  newest: number | null;
  freshness?: number;
  now?: number;
  /** Header names that repeat in the file, with the names their columns were read as. */
  renamedColumns?: { name: string; columns: string[] }[];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const pct = (x: number): string => `${(100 * x).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

export function findIssues(profile: DatasetProfile, context: IssueContext): QualityIssue[] {
  const issues: QualityIssue[] = [];
  const add = (severity: Severity, column: string | null, kind: string, message: string) =>
    issues.push({ severity, column, kind, message });
  if (profile.rows === 0) add('error', null, 'empty', 'The data set has no rows.');
  for (const { name, columns } of context.renamedColumns ?? []) {
    add(
      'warning',
      columns[1] ?? name,
      'duplicate-column-name',
      `Column name "${name}" appears ${columns.length} times in the header; the columns are read as ${columns.map((c) => `"${c}"`).join(', ')}. Rename them in the file to say which is which.`,
    );
  }

  for (const c of profile.columns) {
    if (profile.rows > 0 && c.count === 0) {
      add(
        'error',
        c.name,
        'empty-column',
        `Column "${c.name}" has no values: all ${profile.rows} rows are missing.`,
      );
      continue;
    }
    if (c.missing > 0) {
      const kinds = Object.entries(c.missingByKind ?? {})
        .filter(([, v]) => v > 0)
        .map(
          ([k, v]) =>
            `${v} ${k === 'empty' ? 'empty text' : k === 'infinite' ? '±Infinity' : k === 'nan' ? 'NaN' : 'null'}`,
        );
      add(
        c.missingShare >= 0.2 ? 'warning' : 'info',
        c.name,
        'missing',
        `Column "${c.name}" is missing ${c.missing} of ${profile.rows} values (${pct(c.missingShare)})${kinds.length ? `: ${kinds.join(', ')}` : ''}.`,
      );
    }
    if (c.constant) {
      add(
        'warning',
        c.name,
        'constant',
        `Column "${c.name}" holds one value (${JSON.stringify(c.top[0]?.value)}) in every non-missing row: it carries no information.`,
      );
    } else if (c.almostConstant && c.top.length) {
      add(
        'info',
        c.name,
        'almost-constant',
        `Column "${c.name}" is almost constant: ${JSON.stringify(c.top[0].value)} is ${pct(c.top[0].count / c.count)} of its values.`,
      );
    }
    if (c.mixedTypes) {
      add(
        'warning',
        c.name,
        'mixed-types',
        `Column "${c.name}" mixes numbers and text: ${c.invalid ?? 0} of ${c.count} values are of the less common kind.`,
      );
    }
    if (c.outliers) {
      add(
        'info',
        c.name,
        'outliers',
        `Column "${c.name}" has ${c.outliers} outliers (${pct(c.outliers / c.count)}) outside 1.5 IQR of the quartiles.`,
      );
    }
  }
  if (profile.duplicateRows > 0) {
    add(
      'warning',
      null,
      'duplicate-rows',
      `${profile.duplicateRows} of ${profile.rows} rows (${pct(profile.duplicateRows / profile.rows)}) repeat an earlier row.`,
    );
  }
  if (profile.emptyRows)
    add('warning', null, 'empty-rows', `${profile.emptyRows} rows have no value in any column.`);
  for (const [a, b] of profile.duplicatedColumns ?? []) {
    add(
      'warning',
      b,
      'duplicated-column',
      `Columns "${a}" and "${b}" hold the same value in every row.`,
    );
  }
  for (const { a, b, r } of profile.correlatedPairs ?? []) {
    add(
      'info',
      null,
      'correlated',
      `Columns "${a}" and "${b}" are highly correlated (Pearson r = ${r.toFixed(3)}).`,
    );
  }
  if (context.conflictingRows) {
    add(
      'error',
      context.label ?? null,
      'conflicting-labels',
      `${context.conflictingRows} rows have identical features but different "${context.label}" labels.`,
    );
  }
  if (context.timestampColumn !== undefined && context.freshness !== undefined) {
    const now = context.now ?? Date.now();
    if (context.newest === null) {
      add(
        'warning',
        context.timestampColumn,
        'stale',
        `Column "${context.timestampColumn}" has no timestamps to judge freshness by.`,
      );
    } else if (now - context.newest > context.freshness) {
      add(
        'warning',
        context.timestampColumn,
        'stale',
        `The newest "${context.timestampColumn}" (${new Date(context.newest).toISOString()}) is older than the freshness of ${Math.round(context.freshness / 1000)} s.`,
      );
    }
  }
  return issues.sort((x, y) => ORDER[x.severity] - ORDER[y.severity]);
}
