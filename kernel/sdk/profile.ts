/**
 * `await lab.profile(data)`: profiles a data set (the same profile as the Data Quality
 * panel and `labbook profile --json`) and shows its summary in the cell's output: the
 * score and quality dimensions, the top issues and a compact column table, drawn by
 * Labbook's notebook renderer in VS Code; a text summary elsewhere.
 *
 * DuckDB is loaded on first use (core/engines.ts), so `import * as lab from "labbook"`
 * stays cheap.
 */
import { isAbsolute, resolve } from 'node:path';
import { profileFile, profileRows } from '../../core/quality/profile';
import type { DatasetProfile } from '../../core/quality/types';
import { display } from './display';

/** The kernel's rich-result hook (kernel/executor.ts MIME_BUNDLE); a registered symbol, so no import of the kernel. */
const MIME_BUNDLE = Symbol.for('labbook.mimeBundle');

/** Labbook's own MIME type for a data set profile (a `DatasetProfile` as JSON). */
export const PROFILE_MIME = 'application/vnd.labbook.profile+json';

/**
 * What {@link profile} takes: a file path (CSV, TSV, JSON, NDJSON, Parquet), rows (any objects: a typed `interface Penguin` array works, which
 * `Record<string, unknown>[]` would refuse for want of an index signature), or columns.
 */
export type ProfileInput = string | readonly object[] | Record<string, readonly unknown[]>;

export interface ProfileDataOptions {
  /** Name shown for in-memory data (default "in-memory data"); a file's path is its name. */
  name?: string;
  /** Label column: identical feature rows with different labels lower consistency. */
  label?: string;
  /** Timestamp column for timeliness (with `freshness`). */
  timestampColumn?: string;
  /** Milliseconds: the newest timestamp must be at most this old for timeliness 1. */
  freshness?: number;
  /** Show the summary in the cell's output now, even when the profile is not the last expression (default false: it draws itself as a last expression). */
  display?: boolean;
}

function describe(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  return typeof data;
}

const USAGE =
  'lab.profile: data must be a file path, an array of row objects or an object of column arrays';

function percent(share: number): string {
  return `${Math.round(share * 100)}`;
}

/** The text/plain fallback: a few lines a terminal or a plain Jupyter front end shows. */
export function profileSummaryText(p: DatasetProfile): string {
  const q = p.quality;
  const lines = [
    `${p.source ?? 'data set'}: ${p.rows.toLocaleString('en-US')} rows × ${p.columns.length} columns, quality ${percent(q.score)}/100`,
    `  completeness ${percent(q.completeness)} · uniqueness ${percent(q.uniqueness)} · validity ${percent(q.validity)} · ` +
      `consistency ${percent(q.consistency)} · timeliness ${q.timeliness === null ? 'n/a' : percent(q.timeliness)}`,
  ];
  const order = ['error', 'warning', 'info'];
  const issues = [...p.issues].sort(
    (a, b) => order.indexOf(a.severity) - order.indexOf(b.severity),
  );
  lines.push(
    issues.length === 0
      ? '  no issues'
      : `  ${issues.length} issue${issues.length === 1 ? '' : 's'}:`,
  );
  for (const issue of issues.slice(0, 5))
    lines.push(
      `    ${issue.severity}: ${issue.column === null ? '' : `${issue.column}: `}${issue.message}`,
    );
  if (issues.length > 5) lines.push(`    … and ${issues.length - 5} more`);
  return lines.join('\n');
}

/**
 * Profiles `data`; resolves with the profile, which draws itself as the summary when it
 * is a cell's last expression. `{ display: true }` shows it at once, wherever it is.
 *
 * ```ts
 * await lab.profile("data/penguins.csv");              // last expression: drawn inline
 * const train = await lab.profile(rows, { name: "train", label: "species", display: true });
 * ```
 */
export async function profile(
  data: ProfileInput,
  options: ProfileDataOptions = {},
): Promise<DatasetProfile> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `lab.profile: options must be an object, e.g. { name: "train" }; got ${describe(options)}`,
    );
  }
  if (options.name !== undefined && typeof options.name !== 'string')
    throw new TypeError('lab.profile: options.name must be a string');
  let path: string | undefined;
  if (typeof data === 'string') {
    if (data.trim() === '') throw new TypeError(`${USAGE}; got an empty string`);
    path = isAbsolute(data) ? data : resolve(process.cwd(), data);
  } else if (data === null || typeof data !== 'object') {
    throw new TypeError(`${USAGE}; got ${describe(data)}`);
  } else if (Array.isArray(data)) {
    const bad = data.findIndex(
      (row) => row === null || typeof row !== 'object' || Array.isArray(row),
    );
    if (bad !== -1)
      throw new TypeError(`${USAGE}; row ${bad} is ${describe(data[bad])}, not an object`);
  } else {
    const bad = Object.keys(data).find((k) => !Array.isArray((data as Record<string, unknown>)[k]));
    if (bad !== undefined)
      throw new TypeError(
        `${USAGE}; column "${bad}" is ${describe((data as Record<string, unknown>)[bad])}, not an array`,
      );
  }

  const common = {
    label: options.label,
    timestampColumn: options.timestampColumn,
    freshness: options.freshness,
  };
  let result: DatasetProfile;
  if (path !== undefined) {
    try {
      result = await profileFile(path, { ...common, source: options.name ?? (data as string) });
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(
        message.includes(path) || message.includes(data as string)
          ? `lab.profile: ${message}`
          : `lab.profile: cannot profile ${path}: ${message}`,
        { cause: error },
      );
    }
  } else {
    try {
      result = await profileRows(data as Record<string, unknown>[] | Record<string, unknown[]>, {
        ...common,
        source: options.name ?? 'in-memory data',
      });
    } catch (error) {
      throw new Error(`lab.profile: ${(error as Error).message}`, { cause: error });
    }
  }
  const bundle = () => ({
    [PROFILE_MIME]: JSON.parse(JSON.stringify(result)) as DatasetProfile,
    'text/plain': profileSummaryText(result),
  });
  // As a cell's last expression the profile draws itself (like a data frame in Jupyter);
  // non-enumerable, so JSON and the profile's own keys stay as they were.
  Object.defineProperty(result, MIME_BUNDLE, { value: bundle, enumerable: false });
  if (options.display === true) display.bundle(bundle());
  return result;
}
