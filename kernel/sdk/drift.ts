/**
 * Drift in notebooks: `await lab.drift(reference, current)` compares two data sets column by
 * column (the same report as the Drift panel and `labbook drift --json`) and shows it in the
 * cell's output; `await run.logDrift(…)` stores a report with a run (artifact, metrics, tag).
 *
 * The report engine (DuckDB, the statistics) is loaded on first use (core/engines.ts), so
 * `import * as lab from "labbook"` stays cheap.
 */
import { isAbsolute, resolve } from 'node:path';
import { driftEngine } from '../../core/engines';
import { validateArtifactName } from '../../core/store';
import {
  DriftError,
  type DriftOptions,
  type DriftReport,
  type DriftSource,
} from '../../core/common/drift-types';
import { driftReportToWire, type WireDriftReport } from '../../core/common/drift-wire';
import { display } from './display';
import type { Run } from './run';

export type { DriftReport };

/** The kernel's rich-result hook (kernel/executor.ts MIME_BUNDLE); a registered symbol, so no import of the kernel. */
const MIME_BUNDLE = Symbol.for('labbook.mimeBundle');

/** Labbook's own MIME type for a drift report (a `DriftReport` as JSON), drawn by Labbook's notebook renderer. */
export const DRIFT_MIME = 'application/vnd.labbook.drift+json';

/**
 * One side of {@link drift}: a file path (CSV, TSV, JSON, NDJSON, Parquet), rows (any objects:
 * a typed `interface Penguin` array works), or columns.
 */
export type DriftInput = string | readonly object[] | Record<string, readonly unknown[]>;

/** Options of {@link drift}: the report's options (see `labbook drift --help`) plus names and display. */
export interface DriftDataOptions extends Omit<DriftOptions, 'onProgress'> {
  /** Name shown for in-memory reference data (default "reference"); a file's path is its name. */
  referenceName?: string;
  /** Name shown for in-memory current data (default "current"); a file's path is its name. */
  currentName?: string;
  /** Show the report in the cell's output now, even when it is not the last expression (default false: it draws itself as a last expression). */
  display?: boolean;
}

/** Options of `run.logDrift(report, options)`. */
export interface LogDriftOptions {
  /** Stored as the artifact `drift/<name>.json` and the tag `labbook.drift.<name>`; default "drift". */
  name?: string;
}

/** `run.logDrift({ reference, current, ...options })`: computes the report, then logs it. */
export interface LogDriftSpec extends DriftDataOptions, LogDriftOptions {
  reference: DriftInput;
  current: DriftInput;
}

function describe(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  return typeof data;
}

/** One side as the report engine takes it, with the input checked the way lab.profile checks it. */
function toSource(
  method: string,
  side: 'reference' | 'current',
  data: unknown,
  name: string | undefined,
): DriftSource {
  const usage = `${method}: ${side} must be a file path, an array of row objects or an object of column arrays`;
  if (typeof data === 'string') {
    if (data.trim() === '') throw new TypeError(`${usage}; got an empty string`);
    return { path: isAbsolute(data) ? data : resolve(process.cwd(), data) };
  }
  if (data === null || typeof data !== 'object')
    throw new TypeError(`${usage}; got ${describe(data)}`);
  if (Array.isArray(data)) {
    const bad = data.findIndex(
      (row) => row === null || typeof row !== 'object' || Array.isArray(row),
    );
    if (bad !== -1)
      throw new TypeError(`${usage}; row ${bad} is ${describe(data[bad])}, not an object`);
  } else {
    const bad = Object.keys(data).find((k) => !Array.isArray((data as Record<string, unknown>)[k]));
    if (bad !== undefined)
      throw new TypeError(
        `${usage}; column "${bad}" is ${describe((data as Record<string, unknown>)[bad])}, not an array`,
      );
  }
  return {
    data: data as Record<string, unknown>[] | Record<string, unknown[]>,
    name: name ?? side,
  };
}

function checkOptionsObject(method: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(
      `${method}: options must be an object, e.g. { method: "psi" }; got ${describe(options)}`,
    );
  }
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function formatNumber(value: number | null): string {
  if (value === null) return '–';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'n/a' : value > 0 ? 'inf' : '-inf';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** The text/plain fallback: a few lines a terminal or a plain Jupyter front end shows. */
export function driftSummaryText(report: DriftReport): string {
  const d = report.dataset;
  const side = (s: DriftReport['reference']) =>
    `${s.source} (${s.rows.toLocaleString('en-US')} rows${s.sampled === undefined ? '' : `, ${s.sampled.toLocaleString('en-US')} sampled`})`;
  const lines = [
    `Drift: ${side(report.reference)} → ${side(report.current)}`,
    `  ${d.drifted ? 'data set drifted' : 'no data set drift'}: ${d.driftedColumns} of ${d.columns} column${d.columns === 1 ? '' : 's'} drifted ` +
      `(${percent(d.share)}; drift at ${percent(d.threshold)})`,
  ];
  // Drifted columns first: they are what the reader is looking for.
  const tested = report.columns.filter((c) => c.skipped === undefined);
  const ordered = [...tested.filter((c) => c.drifted), ...tested.filter((c) => !c.drifted)];
  for (const c of ordered.slice(0, 8)) {
    const score =
      c.pValue === null
        ? `${c.method} ${formatNumber(c.statistic)}`
        : `${c.method} p=${formatNumber(c.pValue)}`;
    lines.push(
      `    ${c.drifted ? 'drift' : 'ok   '}  ${c.name}: ${score} (threshold ${formatNumber(c.threshold)})`,
    );
  }
  if (ordered.length > 8) lines.push(`    … and ${ordered.length - 8} more`);
  const skipped = report.columns.filter((c) => c.skipped !== undefined);
  if (skipped.length > 0)
    lines.push(`  skipped: ${skipped.map((c) => `${c.name} (${c.message})`).join('; ')}`);
  return lines.join('\n');
}

/** Makes the report draw itself as a cell's last expression; non-enumerable, so its JSON stays as it was. */
function attachBundle(report: DriftReport): () => Record<string, unknown> {
  const bundle = () => ({
    // As on every wire, an infinite statistic travels as "Infinity" (core/common/drift-wire.ts).
    [DRIFT_MIME]: JSON.parse(JSON.stringify(driftReportToWire(report))) as WireDriftReport,
    'text/plain': driftSummaryText(report),
  });
  Object.defineProperty(report, MIME_BUNDLE, {
    value: bundle,
    enumerable: false,
    configurable: true,
  });
  return bundle;
}

async function computeReport(
  method: string,
  reference: unknown,
  current: unknown,
  options: DriftDataOptions,
): Promise<DriftReport> {
  checkOptionsObject(method, options);
  for (const key of ['referenceName', 'currentName'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string')
      throw new TypeError(`${method}: options.${key} must be a string`);
  }
  const ref = toSource(method, 'reference', reference, options.referenceName);
  const cur = toSource(method, 'current', current, options.currentName);
  // What the report takes: everything but our own options (display, names) and progress.
  const { referenceName: _r, currentName: _c, display: _d, ...rest } = options;
  const reportOptions = { ...rest } as DriftOptions & { onProgress?: unknown; name?: unknown };
  delete reportOptions.onProgress;
  delete reportOptions.name;
  const { driftReport } = driftEngine();
  try {
    return await driftReport(ref, cur, reportOptions);
  } catch (error) {
    // Bad options or unusable data stay a DriftError, so callers can tell them from bugs.
    const Wrapped = (error as Error)?.name === 'DriftError' ? DriftError : Error;
    throw new Wrapped(`${method}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/**
 * Compares `current` with `reference` column by column; resolves with the report, which draws
 * itself (per-column drift, distributions, the data set verdict) when it is a cell's last
 * expression. `{ display: true }` shows it at once, wherever it is.
 *
 * ```ts
 * await lab.drift("data/train.csv", "data/this-week.csv");                   // last expression: drawn inline
 * const report = await lab.drift(trainRows, liveRows, { method: "psi", display: true });
 * report.dataset.drifted;
 * ```
 */
export async function drift(
  reference: DriftInput,
  current: DriftInput,
  options: DriftDataOptions = {},
): Promise<DriftReport> {
  const report = await computeReport('lab.drift', reference, current, options);
  const bundle = attachBundle(report);
  if (options.display === true) display.bundle(bundle());
  return report;
}

/** A computed report rather than a spec: the report's own fields are there. */
function isReport(value: unknown): value is DriftReport {
  const v = value as Partial<DriftReport> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    !!v.dataset &&
    typeof v.dataset === 'object' &&
    typeof v.dataset.share === 'number' &&
    Array.isArray(v.columns)
  );
}

function checkName(name: unknown): string {
  if (name === undefined) return 'drift';
  if (typeof name !== 'string' || name.trim() === '')
    throw new TypeError(
      `logDrift: name must be a non-empty string such as "weekly", got ${describe(name)}`,
    );
  try {
    validateArtifactName(`drift/${name}.json`);
  } catch (error) {
    throw new TypeError(
      `logDrift: name ${JSON.stringify(name)} cannot name an artifact: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return name;
}

/** @internal The body of Run.logDrift. */
export async function logDriftForRun(
  run: Run,
  first: DriftReport | LogDriftSpec,
  options?: LogDriftOptions,
): Promise<DriftReport> {
  if (first === null || typeof first !== 'object' || Array.isArray(first)) {
    throw new TypeError(
      `logDrift: expected a drift report (from lab.drift) or { reference, current, ...options }; got ${describe(first)}`,
    );
  }
  let report: DriftReport;
  let name: string;
  if (isReport(first)) {
    if (options !== undefined) checkOptionsObject('logDrift', options);
    name = checkName(options?.name);
    report = first;
  } else {
    if (options !== undefined)
      throw new TypeError(
        'logDrift: with { reference, current, … } put every option in that object, e.g. { reference, current, name: "weekly" }',
      );
    const spec = first as Partial<LogDriftSpec>;
    if (spec.reference === undefined || spec.current === undefined) {
      throw new TypeError(
        'logDrift: expected a drift report (from lab.drift) or { reference, current, ...options }; reference and current are required',
      );
    }
    // Check the name before the (possibly long) comparison, not after.
    name = checkName(spec.name);
    const { reference, current, name: _n, ...rest } = spec as LogDriftSpec;
    report = await computeReport('logDrift', reference, current, rest);
    attachBundle(report);
  }
  run.logArtifact(`drift/${name}.json`, `${JSON.stringify(driftReportToWire(report), null, 2)}\n`, {
    mediaType: 'application/json',
  });
  // Metrics step up with each call, so a run that checks drift repeatedly gets a series.
  run.logMetrics({
    'drift.share': report.dataset.share,
    'drift.drifted_columns': report.dataset.driftedColumns,
  });
  run.setTag(`labbook.drift.${name}`, report.dataset.drifted ? 'drifted' : 'ok');
  return report;
}
