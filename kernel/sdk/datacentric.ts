/**
 * Data-centric tools in notebooks (issue 21): `lab.findAnomalies`, `lab.findLabelIssues`,
 * `lab.suggestCleaningPlan`, `lab.clean` and `lab.augment`. Each takes a file path, rows
 * or columns; the finders draw a table of the top rows and a scatter of two features in the
 * cell's output; `clean` and `augment` with `{ run, name, from }` log the result as a new
 * data set version whose source records its lineage (`derived:<name>@<version>:<how>`) and
 * whose recipe (the plan or the parameters) is a run artifact, so it can be replayed.
 */
import { isAbsolute, resolve } from 'node:path';
import {
  applyCleaningPlan,
  augment as augmentRows,
  findAnomalies as findAnomaliesInRows,
  findLabelIssues as findLabelIssuesInRows,
  parseCleaningPlan,
  suggestCleaningPlan as suggestPlan,
  type AnomalyReport,
  type AugmentOptions,
  type AugmentResult,
  type CleaningPlan,
  type CleaningResult,
  type FindAnomaliesOptions,
  type FindLabelIssuesOptions,
  type LabelIssueReport,
} from '../../core/datacentric';
import { readDataFile } from '../../core/datacentric/data-files';
import { lineageArtifactName, lineageSource } from '../../core/datacentric/lineage';
import { profileRows } from '../../core/quality/profile';
import type { LoggedDataset } from './dataset';
import { display } from './display';
import type { Run } from './run';

export type {
  AnomalyReport,
  AugmentOptions,
  AugmentResult,
  CleaningPlan,
  CleaningResult,
  FindAnomaliesOptions,
  FindLabelIssuesOptions,
  LabelIssueReport,
};

/** A file path (CSV, TSV, JSON, NDJSON, Parquet, Arrow), rows, or an object of column arrays. */
export type DataInput = string | readonly object[] | Record<string, readonly unknown[]>;

type Rows = Record<string, unknown>[];

async function rowsOf(data: DataInput, method: string): Promise<Rows> {
  if (typeof data === 'string') {
    if (data.trim() === '')
      throw new TypeError(
        `${method}: data must be a file path, rows or columns; got an empty string`,
      );
    const path = isAbsolute(data) ? data : resolve(process.cwd(), data);
    try {
      return await readDataFile(path);
    } catch (error) {
      throw new Error(`${method}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (Array.isArray(data)) {
    const bad = data.findIndex((r) => r === null || typeof r !== 'object' || Array.isArray(r));
    if (bad !== -1) throw new TypeError(`${method}: row ${bad} is not an object of column values`);
    return data as Rows;
  }
  if (data === null || typeof data !== 'object')
    throw new TypeError(
      `${method}: data must be a file path, rows or columns; got ${data === null ? 'null' : typeof data}`,
    );
  const columns = data as Record<string, readonly unknown[]>;
  const names = Object.keys(columns);
  for (const n of names)
    if (!Array.isArray(columns[n])) throw new TypeError(`${method}: column "${n}" is not an array`);
  const length = names.length ? columns[names[0]].length : 0;
  if (names.some((n) => columns[n].length !== length))
    throw new TypeError(`${method}: columns have different lengths`);
  return Array.from({ length }, (_, i) => Object.fromEntries(names.map((n) => [n, columns[n][i]])));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function cell(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return escapeHtml(value === null || value === undefined ? '' : String(value));
}

function table(headers: string[], rows: unknown[][]): string {
  return (
    `<table class="labbook-table"><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('')}</tbody></table>`
  );
}

/** A vega-lite scatter of two columns, the flagged rows in their own colour. */
export function scatterSpec(
  rows: Rows,
  x: string,
  y: string,
  flagged: ReadonlySet<number>,
  title: string,
  flagName: string,
): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 360,
    height: 260,
    data: {
      values: rows.map((r, i) => ({
        x: r[x],
        y: r[y],
        row: i,
        kind: flagged.has(i) ? flagName : 'other',
      })),
    },
    mark: { type: 'point', filled: true, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: y, scale: { zero: false } },
      color: {
        field: 'kind',
        type: 'nominal',
        title: null,
        scale: { domain: [flagName, 'other'], range: ['#d62728', '#9ecae1'] },
      },
      tooltip: [{ field: 'row' }, { field: 'x', title: x }, { field: 'y', title: y }],
    },
  };
}

/** The two numeric features most often behind the flagged rows (robust-rule reasons), else the first two. */
function topFeatures(report: AnomalyReport): [string, string] | null {
  if (report.features.length < 2) return null;
  const counts = new Map(report.features.map((f) => [f, 0]));
  for (const r of report.ranked.slice(0, 20))
    for (const reason of r.reasons) counts.set(reason.column, counts.get(reason.column)! + 1);
  const sorted = [...report.features].sort(
    (a, b) =>
      counts.get(b)! - counts.get(a)! || report.features.indexOf(a) - report.features.indexOf(b),
  );
  return [sorted[0], sorted[1]];
}

interface Shown {
  /** Draw the table and scatter in the cell's output (default true). */
  display?: boolean;
}

/**
 * Scores each row with an Isolation Forest (scikit-learn's defaults, seeded) and checks each
 * numeric column with robust rules (IQR fences, modified z-score).
 *
 * ```ts
 * const a = await lab.findAnomalies("data/penguins.csv");
 * a.ranked.slice(0, 5); // most anomalous rows first, with the columns that look wrong
 * ```
 */
export async function findAnomalies(
  data: DataInput,
  options: FindAnomaliesOptions & Shown = {},
): Promise<AnomalyReport> {
  const rows = await rowsOf(data, 'lab.findAnomalies');
  let report: AnomalyReport;
  try {
    report = findAnomaliesInRows(rows, options);
  } catch (error) {
    throw new TypeError(`lab.${(error as Error).message}`, { cause: error });
  }
  if (options.display !== false) {
    const top = report.ranked.slice(0, 10);
    const html =
      `<p><b>${report.anomalous}</b> of ${report.rows} rows anomalous (score &gt; ${report.threshold}; Isolation Forest, ${report.trees} trees of ${report.samples} rows)</p>` +
      table(
        ['row', 'score', 'anomalous', ...report.features, 'why'],
        top.map((r) => [
          r.row,
          r.score,
          r.anomalous ? 'yes' : '',
          ...report.features.map((f) => rows[r.row][f]),
          r.reasons.map((x) => `${x.column} (${x.rule})`).join(', '),
        ]),
      );
    const pair = topFeatures(report);
    const bundle: Record<string, unknown> = {
      'text/html': html,
      'text/plain': `${report.anomalous} of ${report.rows} rows anomalous`,
    };
    display.bundle(bundle);
    if (pair) {
      const flagged = new Set(report.ranked.filter((r) => r.anomalous).map((r) => r.row));
      display.vegalite(scatterSpec(rows, pair[0], pair[1], flagged, 'Anomalies', 'anomalous'));
    }
  }
  return report;
}

/**
 * Finds rows whose label is likely wrong by confident learning: out-of-sample probabilities
 * from k-fold training (a logistic regression, or your `model`), the confident joint, and
 * each row's self-confidence; issues come lowest self-confidence first, with a suggested label.
 *
 * ```ts
 * const issues = await lab.findLabelIssues(rows, { label: "species" });
 * issues.issues[0]; // { row, label, suggested, selfConfidence, … }
 * ```
 */
export async function findLabelIssues(
  data: DataInput,
  options: FindLabelIssuesOptions & Shown,
): Promise<LabelIssueReport> {
  const rows = await rowsOf(data, 'lab.findLabelIssues');
  let report: LabelIssueReport;
  try {
    report = await findLabelIssuesInRows(rows, options);
  } catch (error) {
    throw new TypeError(`lab.${(error as Error).message}`, { cause: error });
  }
  if (options.display !== false) {
    const html =
      `<p><b>${report.issues.length}</b> of ${report.rows} rows likely mislabelled in "${escapeHtml(report.label)}" (out-of-sample accuracy ${(report.accuracy * 100).toFixed(1)}%, ${report.folds} folds)</p>` +
      table(
        ['row', 'label', 'suggested', 'self-confidence', ...report.features.slice(0, 4)],
        report.issues
          .slice(0, 15)
          .map((i) => [
            i.row,
            i.label,
            i.suggested,
            i.selfConfidence,
            ...report.features.slice(0, 4).map((f) => rows[i.row][f]),
          ]),
      );
    display.bundle({
      'text/html': html,
      'text/plain': `${report.issues.length} label issues in ${report.label}`,
    });
    const numeric = report.features.filter((f) => rows.some((r) => typeof r[f] === 'number'));
    if (numeric.length >= 2)
      display.vegalite(
        scatterSpec(
          rows,
          numeric[0],
          numeric[1],
          new Set(report.issues.map((i) => i.row)),
          'Label issues',
          'label issue',
        ),
      );
  }
  return report;
}

/**
 * Suggests a cleaning plan from the profile's issues, the anomalies and (with `label`) the
 * label issues; edit it, then `lab.clean(data, plan)`.
 */
export async function suggestCleaningPlan(
  data: DataInput,
  options: { label?: string; seed?: number } = {},
): Promise<CleaningPlan> {
  const rows = await rowsOf(data, 'lab.suggestCleaningPlan');
  const profile = await profileRows(rows, { source: 'data', label: options.label });
  let anomalies: AnomalyReport | undefined;
  try {
    anomalies = findAnomaliesInRows(rows, { seed: options.seed });
  } catch {
    anomalies = undefined; // no numeric column: nothing to say about outliers
  }
  const labelIssues =
    options.label === undefined
      ? undefined
      : await findLabelIssuesInRows(rows, { label: options.label, seed: options.seed });
  return suggestPlan(rows, { profile, anomalies, labelIssues });
}

/** Where to log a derived data set: the run, the new version's name and the version it came from. */
export interface DeriveOptions {
  run?: Run;
  /** Name of the new version (default: the parent's name). */
  name?: string;
  /** The parent version: what `run.logDataset` returned for the data, or "name@version". */
  from?: LoggedDataset | string;
  /** Role of the new version in the run (default "cleaned" or "augmented"). */
  role?: string;
}

function parent(
  from: DeriveOptions['from'],
  method: string,
): { name: string; version: number } | undefined {
  if (from === undefined) return undefined;
  if (typeof from === 'string') {
    const m = /^(.+)@(\d+)$/.exec(from);
    if (!m)
      throw new TypeError(
        `${method}: from must be a logged data set or "name@version", got ${JSON.stringify(from)}`,
      );
    return { name: m[1], version: Number(m[2]) };
  }
  if (
    from &&
    typeof from === 'object' &&
    typeof from.name === 'string' &&
    Number.isSafeInteger(from.version)
  )
    return { name: from.name, version: from.version };
  throw new TypeError(`${method}: from must be a logged data set or "name@version"`);
}

async function logDerived(
  method: string,
  rows: Rows,
  options: DeriveOptions,
  how: string,
  recipe: Record<string, unknown>,
  role: string,
): Promise<LoggedDataset | undefined> {
  if (!options.run) {
    if (options.name !== undefined || options.from !== undefined)
      throw new TypeError(`${method}: name and from need run, the run to log the new version with`);
    return undefined;
  }
  const from = parent(options.from, method);
  const name = options.name ?? from?.name;
  if (name === undefined)
    throw new TypeError(`${method}: with run, give name (the new version's data set) or from`);
  const logged = await options.run.logDataset(rows, {
    name,
    role: options.role ?? role,
    source: from ? lineageSource({ from, how }) : undefined,
  });
  options.run.logArtifact(
    lineageArtifactName(logged.fingerprint),
    JSON.stringify({ from: from ?? null, how, ...recipe }, null, 1),
    { mediaType: 'application/json' },
  );
  return logged;
}

/**
 * Applies a cleaning plan (JSON from `lab.suggestCleaningPlan`, the Data Quality panel or a
 * file); with `{ run, from }` the cleaned rows are logged as a new version whose lineage
 * points at `from` and whose plan is kept with the run.
 *
 * ```ts
 * const train = await run.logDataset("data/penguins.json", { name: "penguins", role: "train" });
 * const plan = await lab.suggestCleaningPlan("data/penguins.json", { label: "Species" });
 * const cleaned = await lab.clean("data/penguins.json", plan, { run, from: train });
 * cleaned.dataset?.version; // 2
 * ```
 */
export async function clean(
  data: DataInput,
  plan: CleaningPlan | unknown,
  options: DeriveOptions = {},
): Promise<CleaningResult & { plan: CleaningPlan; dataset?: LoggedDataset }> {
  const rows = await rowsOf(data, 'lab.clean');
  let parsed: CleaningPlan;
  let result: CleaningResult;
  try {
    parsed = parseCleaningPlan(plan);
    result = applyCleaningPlan(rows, parsed);
  } catch (error) {
    throw new TypeError(`lab.clean: ${(error as Error).message}`, { cause: error });
  }
  const dataset = await logDerived(
    'lab.clean',
    result.rows,
    options,
    'clean',
    { plan: parsed },
    'cleaned',
  );
  return { ...result, plan: parsed, ...(dataset ? { dataset } : {}) };
}

/**
 * Adds synthetic rows: SMOTE for minority classes (k = 5, as imbalanced-learn), Gaussian
 * jitter or mixup of numeric features; with `{ run, from }` the result is logged as a new
 * version with lineage.
 */
export async function augment(
  data: DataInput,
  options: AugmentOptions & DeriveOptions,
): Promise<AugmentResult & { dataset?: LoggedDataset }> {
  const rows = await rowsOf(data, 'lab.augment');
  let result: AugmentResult;
  try {
    result = augmentRows(rows, options);
  } catch (error) {
    throw new TypeError(`lab.${(error as Error).message}`, { cause: error });
  }
  const dataset = await logDerived(
    'lab.augment',
    result.rows,
    options,
    `augment-${result.method}`,
    {
      method: result.method,
      features: result.features,
      parameters: result.parameters,
      label: options.label ?? null,
    },
    'augmented',
  );
  return { ...result, ...(dataset ? { dataset } : {}) };
}
