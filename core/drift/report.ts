/**
 * Drift reports: a reference and a current data set (files any format the profiler reads,
 * or in-memory rows / columns) loaded side by side into one DuckDB, compared column by
 * column with the method chosen in ./choose.ts (or named by the user), statistics from
 * ./methods.ts.
 *
 *   load      both sides (and a seeded sample of each when `sample` is set)
 *   text      per text / boolean column and side: counts per value (one GROUP BY), which
 *             also tell categories from numbers written as text and from free text
 *   numeric   per numeric column and side: the non-missing values as one DOUBLE list (one
 *             vector, so one copy into JS), sorted in JS (./sort.ts); counts, distinct
 *             values and bins all come from the sorted values. DuckDB fetches the next
 *             column on its own threads while JS sorts and tests this one
 *   quality   target and prediction, when named (./quality.ts)
 *
 * Each column is read once per side; no pass over every column (counting distinct values
 * of a million-row column costs as much as fetching it).
 *
 * Missing = NULL, empty string, NaN and ±Infinity, as in the profiler. A column missing on
 * one side, all missing, in an empty data set, of a type no method compares (dates, lists,
 * mostly-unique text) or named with a method that cannot run on it is reported with
 * `skipped` and a message; it never stops the report. Bad options (unknown method or
 * column) are DriftErrors; unreadable files are the engine's DataErrors.
 */
import { duckdb } from '../engines';
import {
  type Engine,
  ident,
  loadFile,
  loadRows,
  textAsTimestamp,
  toColumns,
  withEngine,
  type EngineColumn,
} from '../quality/engine';
import {
  binCounts,
  categoricalDrift,
  defaultThreshold,
  methodKind,
  numericDrift,
  sturgesEdges,
  type MethodResult,
} from './methods';
import { chooseMethod, FEW_DISTINCT, METHOD_NAMES, parseMethod, type Choice } from './choose';
import { inferTask, predictionQuality, qualityChange } from './quality';
import { SortPool, Sorter } from './sort';
import {
  BINNED_MIN_VALUES,
  binnedWasserstein,
  columnStats,
  type BinnedWasserstein,
} from './binned';
import {
  DriftError,
  type ColumnDrift,
  type DriftBin,
  type DriftCompareAs,
  type DriftMethod,
  type DriftOptions,
  type DriftReport,
  type DriftSource,
  type SkipReason,
  type TargetDrift,
} from '../common/drift-types';

/** Tests on at least this many values per side get an effect-size note. */
export const LARGE_SAMPLE = 10_000;
/** Categorical charts show this many categories at most (the rest as "(other)"). */
const TOP_CATEGORIES = 20;
/** Text with more distinct values than this, and more than half its values distinct, is free text (names, ids), not categories. */
const TEXT_DISTINCT = 50;
/** Numeric values (rows x numeric columns) from which sorting moves to worker threads (starting one costs ~30 ms). */
const POOL_VALUES = 2_000_000;
/**
 * Fewer rows than this on either side give no verdict: with three rows a side not even
 * completely separated samples reach p < 0.05 in the KS test (p = 0.1), so a "no drift"
 * from them says nothing, and a "drift" from one row is noise.
 */
export const MIN_DRIFT_ROWS = 4;
export const DEFAULT_SHARE = 0.5;
export const DEFAULT_SEED = 0;

type Side = 'reference' | 'current';
type Storage = 'number' | 'text' | 'boolean' | 'temporal' | 'other';

interface SideColumn {
  storage: Storage;
  /** SQL: the value as DOUBLE, NULL when missing (or not a number). */
  num: string | null;
  /** SQL: the value as text, NULL when missing. */
  text: string;
}

interface LoadedSide {
  side: Side;
  table: string;
  source: string;
  rows: number;
  sampled?: number;
  columns: Map<string, SideColumn>;
}

const INT_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const FLOAT_TYPES = /^(FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const TEMPORAL_TYPES = /^(DATE|TIME|TIMESTAMP.*|TIME WITH TIME ZONE)$/;

function sideColumn(column: EngineColumn): SideColumn {
  const c = ident(column.name);
  if (INT_TYPES.test(column.sqlType) || FLOAT_TYPES.test(column.sqlType)) {
    const num = `CASE WHEN isfinite(CAST(${c} AS DOUBLE)) THEN CAST(${c} AS DOUBLE) END`;
    return { storage: 'number', num, text: `CAST(${num} AS VARCHAR)` };
  }
  if (column.sqlType === 'VARCHAR') {
    const parsed = `TRY_CAST(trim(${c}) AS DOUBLE)`;
    // Dates written as text (a datetime column to the profiler) compare as epoch seconds.
    return {
      storage: 'text',
      num: `CASE WHEN isfinite(${parsed}) THEN ${parsed} ELSE CAST(epoch(${textAsTimestamp(`trim(${c})`)}) AS DOUBLE) END`,
      text: `NULLIF(${c}, '')`,
    };
  }
  if (column.sqlType === 'BOOLEAN')
    return { storage: 'boolean', num: null, text: `CAST(${c} AS VARCHAR)` };
  if (TEMPORAL_TYPES.test(column.sqlType)) {
    return {
      storage: 'temporal',
      num:
        column.sqlType.startsWith('TIME') && !column.sqlType.startsWith('TIMESTAMP')
          ? null
          : `CAST(epoch(${c}) AS DOUBLE)`,
      text: `CAST(${c} AS VARCHAR)`,
    };
  }
  return { storage: 'other', num: null, text: `NULLIF(CAST(${c} AS VARCHAR), '')` };
}

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));

function sourceName(source: DriftSource, side: Side): string {
  return 'path' in source ? source.path : source.name || `${side} (in memory)`;
}

async function loadSide(
  engine: Engine,
  source: DriftSource,
  side: Side,
  sample: number | undefined,
  seed: number,
): Promise<LoadedSide> {
  const loaded: LoadedSide = {
    side,
    table: side,
    source: sourceName(source, side),
    rows: 0,
    columns: new Map(),
  };
  if ('path' in source) {
    await loadFile(engine, source.path, side);
  } else {
    // No columns at all ([] or {}): an empty data set, reported as such rather than refused.
    if (toColumns(source.data).names.length === 0) return loaded;
    await loadRows(engine, source.data, side);
  }
  const described = await engine.describe(side);
  for (const column of described) loaded.columns.set(column.name, sideColumn(column));
  loaded.rows = n(
    (await engine.all(`SELECT CAST(count(*) AS DOUBLE) AS n FROM ${ident(side)}`))[0].n,
  );
  if (sample !== undefined && loaded.rows > sample && described.length > 0) {
    // Ordered by a seeded hash of the whole row: the same rows whatever DuckDB's thread
    // scheduling (identical rows are interchangeable), unlike USING SAMPLE on several threads.
    const table = `${side}_sample`;
    const cols = described.map((c) => ident(c.name)).join(', ');
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE ${ident(table)} AS SELECT * FROM ${ident(side)} ORDER BY hash(${seed}, ${cols}) LIMIT ${sample}`,
    );
    loaded.table = table;
    loaded.sampled = sample;
  }
  return loaded;
}

/** Counts per value of one side: label -> value and count. */
type ValueCounts = Map<string, { value: number | string; count: number }>;

interface TextCounts {
  counts: ValueCounts;
  total: number;
  /** Every value parses as a finite number (numbers written as text). */
  numbers: boolean;
  /** Every value reads as a date or time (dates written as text: datetime to the profiler too). */
  dates: boolean;
  /** More than MAX_GROUPS distinct values: counts incomplete. */
  truncated: boolean;
}

/** Text columns with more distinct values than this are not compared as categories (unless forced). */
const MAX_GROUPS = 100_000;

async function textCounts(
  engine: Engine,
  table: string,
  expr: string,
  limit: boolean,
): Promise<TextCounts> {
  const rows =
    await engine.all(`SELECT v, CAST(count(*) AS DOUBLE) AS c, isfinite(TRY_CAST(trim(v) AS DOUBLE)) AS x,
    ${textAsTimestamp('v')} IS NOT NULL AS t
    FROM (SELECT ${expr} AS v FROM ${ident(table)}) WHERE v IS NOT NULL GROUP BY v${limit ? ` LIMIT ${MAX_GROUPS + 1}` : ''}`);
  const counts: ValueCounts = new Map();
  let total = 0;
  let numbers = true;
  let dates = rows.length > 0;
  for (const r of rows) {
    const value = String(r.v);
    counts.set(value, { value, count: n(r.c) });
    total += n(r.c);
    if (r.x !== true) numbers = false;
    if (r.t !== true) dates = false;
  }
  return {
    counts,
    total,
    numbers,
    dates: dates && !numbers,
    truncated: limit && rows.length > MAX_GROUPS,
  };
}

/** Counts per distinct value of a sorted sample. */
function runLengths(sorted: Float64Array): ValueCounts {
  const counts: ValueCounts = new Map();
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    counts.set(String(sorted[i]), { value: sorted[i], count: j - i });
    i = j;
  }
  return counts;
}

/** Distinct values of two sorted samples together, by merging them. */
function distinctSortedUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  let last = Number.NaN;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (x !== last) {
      d++;
      last = x;
    }
  }
  return d;
}

/** A column as both sides have it, after deciding its type. */
interface ColumnPlan {
  name: string;
  /** How the values are compared. */
  type: DriftCompareAs;
  /** The column holds dates and times (as the profiler says: DATE / TIMESTAMP, or text that reads as dates); reported as type datetime. */
  datetime?: boolean;
  skipped?: SkipReason;
  message?: string;
  /** Per side: SQL of the compared values (DOUBLE for numeric, text for categorical), NULL when missing. */
  expr: Partial<Record<Side, string>>;
  /** Categorical columns: counts per value of each side. */
  counts?: Record<Side, ValueCounts>;
}

async function planColumn(
  engine: Engine,
  name: string,
  ref: LoadedSide,
  cur: LoadedSide,
  forced: DriftCompareAs | undefined,
): Promise<ColumnPlan> {
  const sides = [ref, cur];
  const cols = sides.map((s) => s.columns.get(name));
  const present = cols.filter((c): c is SideColumn => c !== undefined);
  const plan: ColumnPlan = {
    name,
    type: forced ?? (present.every((c) => c.storage === 'number') ? 'numeric' : 'categorical'),
    expr: {},
  };
  if (!cols[0])
    return skip(
      plan,
      'missing-in-reference',
      `only in the current data set (${ref.source} has no column "${name}")`,
    );
  if (!cols[1])
    return skip(
      plan,
      'missing-in-current',
      `only in the reference data set (${cur.source} has no column "${name}")`,
    );
  if (ref.rows === 0 || cur.rows === 0) {
    const empty = sides
      .filter((s) => s.rows === 0)
      .map((s) => `the ${s.side} data set`)
      .join(' and ');
    return skip(plan, 'empty', `${empty} ${empty.includes(' and ') ? 'have' : 'has'} no rows`);
  }
  const few = sides.filter((s) => (s.sampled ?? s.rows) < MIN_DRIFT_ROWS);
  if (few.length) {
    const counts = few
      .map(
        (s) =>
          `the ${s.side} data set has ${s.sampled ?? s.rows} row${(s.sampled ?? s.rows) === 1 ? '' : 's'}`,
      )
      .join(' and ');
    return skip(
      plan,
      'empty',
      `not enough data: ${counts}; drift needs at least ${MIN_DRIFT_ROWS} rows on each side`,
    );
  }
  const storages = present.map((c) => c.storage);
  if (storages.includes('temporal')) plan.datetime = true;
  if (!forced && plan.datetime) {
    plan.type = 'numeric';
    return skip(plan, 'unsupported-type', datetimeMessage(name));
  }
  if (!forced && storages.includes('other')) {
    plan.type = 'categorical';
    return skip(
      plan,
      'unsupported-type',
      `nested or binary values are not compared (as in Evidently); ${setTypeHint(name, 'categorical')}`,
    );
  }
  if (forced === 'numeric' && cols.some((c) => c!.num === null)) {
    return skip(plan, 'unsupported-type', 'its values cannot be read as numbers');
  }
  // Text sides are counted per value first: that tells numbers written as text from categories.
  const text = new Map<Side, TextCounts>();
  if (forced !== 'numeric') {
    for (const [i, s] of sides.entries()) {
      if (cols[i]!.storage !== 'number')
        text.set(s.side, await textCounts(engine, s.table, cols[i]!.text, forced === undefined));
    }
  }
  if (!forced) {
    const numberLike = (t: TextCounts) => (t.numbers && !t.truncated) || t.total === 0;
    const numeric =
      sides.every((s, i) => cols[i]!.storage === 'number' || numberLike(text.get(s.side)!)) &&
      sides.some((s, i) => cols[i]!.storage === 'number' || text.get(s.side)!.total > 0);
    plan.type = numeric ? 'numeric' : 'categorical';
    const dates = (s: LoadedSide, i: number) =>
      cols[i]!.storage === 'text' && (text.get(s.side)!.dates || text.get(s.side)!.total === 0);
    if (!numeric && sides.every(dates) && sides.some((s) => text.get(s.side)!.total > 0)) {
      plan.datetime = true;
      plan.type = 'numeric';
      return skip(plan, 'unsupported-type', datetimeMessage(name));
    }
  } else if (
    forced === 'categorical' &&
    sides.every((s, i) => cols[i]!.storage === 'text' && text.get(s.side)!.dates)
  ) {
    plan.datetime = true;
  }
  sides.forEach((s, i) => {
    plan.expr[s.side] = plan.type === 'numeric' ? cols[i]!.num! : cols[i]!.text;
  });
  if (plan.type === 'numeric') return plan;
  for (const [i, s] of sides.entries()) {
    if (!text.has(s.side))
      text.set(s.side, await textCounts(engine, s.table, cols[i]!.text, forced === undefined));
  }
  plan.counts = { reference: text.get('reference')!.counts, current: text.get('current')!.counts };
  const empty = sides.filter((s) => text.get(s.side)!.total === 0).map((s) => s.side);
  if (empty.length)
    return skip(
      plan,
      'all-missing',
      `every value is missing in the ${empty.join(' and the ')} data set${empty.length > 1 ? 's' : ''}`,
    );
  if (!forced) {
    const truncated = sides.find((s) => text.get(s.side)!.truncated);
    if (truncated)
      return skip(
        plan,
        'unsupported-type',
        `text with more than ${MAX_GROUPS.toLocaleString('en-US')} distinct values in the ${truncated.side} data set is not compared; ${setTypeHint(name, 'categorical')}`,
      );
    const r = text.get('reference')!;
    if (r.counts.size > TEXT_DISTINCT && r.counts.size > r.total / 2) {
      return skip(
        plan,
        'unsupported-type',
        `text with ${r.counts.size.toLocaleString('en-US')} distinct values in ${r.total.toLocaleString('en-US')} (mostly unique, like names or ids) is not compared; ${setTypeHint(name, 'categorical')}`,
      );
    }
  }
  return plan;
}

/**
 * Where a user sets a column's type, in each place a report is made: the CLI flag, the
 * option of lab.drift (and of the labbook.compareDataForDrift command, which the Drift
 * panel's commands pass on). One sentence, so the panel, the CLI and the notebook agree.
 */
export function setTypeHint(
  column: string,
  type: DriftCompareAs,
  purpose = 'to compare it',
): string {
  const flag = `--column-type ${/^[\w.-]+$/.test(column) ? `${column}=${type}` : JSON.stringify(`${column}=${type}`)}`;
  return `${purpose}, set its type: \`${flag}\` with labbook drift, or the option \`columnTypes: { ${JSON.stringify(column)}: "${type}" }\` of lab.drift or the labbook.compareDataForDrift command`;
}

/**
 * Dates and times are not compared unless asked: a timestamp differs between two periods
 * by construction (2012 against 2015 always "drifts"), so comparing it by default would
 * flag every time-split comparison. Evidently leaves datetime columns out of data drift too.
 * Set numeric, they compare as epoch seconds with the numeric tests.
 */
function datetimeMessage(column: string): string {
  return `dates and times are not compared by default (as in Evidently: two periods differ in their dates by construction); ${setTypeHint(column, 'numeric', 'to compare it as epoch seconds')}`;
}

function skip(plan: ColumnPlan, reason: SkipReason, message: string): ColumnPlan {
  plan.skipped = reason;
  plan.message = message;
  return plan;
}

/** The non-missing values of one side as a DOUBLE list: one vector, so one copy into JS. */
async function numericValues(engine: Engine, table: string, expr: string): Promise<Float64Array> {
  const result = await engine.connection.run(
    `SELECT coalesce(list(v) FILTER (WHERE v IS NOT NULL), []::DOUBLE[]) AS v FROM (SELECT ${expr} AS v FROM ${ident(table)})`,
  );
  if (result.chunkCount === 0) return new Float64Array(0);
  const { DuckDBDoubleVector, DuckDBListVector } = duckdb();
  const list = result.getChunk(0).getColumnVector(0);
  if (!(list instanceof DuckDBListVector) || list.getEntryLength(0) === 0)
    return new Float64Array(0);
  const child = list.childVector;
  if (!(child instanceof DuckDBDoubleVector))
    throw new Error(`expected DOUBLE values, got ${child.type.toString()}`);
  const start = list.getEntryOffset(0);
  const end = start + list.getEntryLength(0);
  // The vector's values as a Float64Array (private in the typings, so checked at run time).
  // The bindings copy a vector's data into a JS buffer, so it is ours to sort in place.
  // getItem() per value is the slow fallback.
  const items = (child as unknown as { items?: unknown }).items;
  if (items instanceof Float64Array) return items.subarray(start, end);
  const out = new Float64Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = child.getItem(i) ?? Number.NaN;
  return out;
}

interface Settings {
  method?: DriftMethod;
  columnMethods: Record<string, DriftMethod>;
  threshold?: number;
  columnThresholds: Record<string, number>;
  datasetShare: number;
  sample?: number;
  seed: number;
}

function checkThreshold(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
    throw new DriftError(`${what} must be a number >= 0, not ${String(x)}`);
  return x;
}

function settingsOf(options: DriftOptions): Settings {
  const settings: Settings = {
    columnMethods: {},
    columnThresholds: {},
    datasetShare: options.datasetShare ?? DEFAULT_SHARE,
    seed: options.seed ?? DEFAULT_SEED,
  };
  if (options.method !== undefined) settings.method = parseMethod(options.method, 'method');
  for (const [column, method] of Object.entries(options.columnMethods ?? {}))
    settings.columnMethods[column] = parseMethod(method, `column "${column}"`);
  if (options.threshold !== undefined)
    settings.threshold = checkThreshold(options.threshold, 'threshold');
  for (const [column, t] of Object.entries(options.columnThresholds ?? {}))
    settings.columnThresholds[column] = checkThreshold(t, `threshold of column "${column}"`);
  if (!(settings.datasetShare > 0 && settings.datasetShare <= 1))
    throw new DriftError(`datasetShare must be in (0, 1], not ${String(options.datasetShare)}`);
  if (options.sample !== undefined) {
    if (!Number.isInteger(options.sample) || options.sample < 1)
      throw new DriftError(
        `sample must be a whole number of rows >= 1, not ${String(options.sample)}`,
      );
    settings.sample = options.sample;
  }
  if (!Number.isSafeInteger(settings.seed))
    throw new DriftError(`seed must be a whole number, not ${String(options.seed)}`);
  for (const [column, type] of Object.entries(options.columnTypes ?? {})) {
    if (type !== 'numeric' && type !== 'categorical')
      throw new DriftError(
        `type of column "${column}" must be numeric or categorical, not ${String(type)}`,
      );
  }
  return settings;
}

const fmt = (x: number | null): string => {
  if (x === null || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'infinite' : '-infinite';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
};

function verdict(kind: 'test' | 'distance', result: MethodResult, threshold: number): boolean {
  if (kind === 'test') return result.pValue !== null && result.pValue < threshold;
  return result.statistic >= threshold;
}

function resultMessage(
  method: DriftMethod,
  kind: 'test' | 'distance',
  result: MethodResult,
  threshold: number,
  drifted: boolean,
): string {
  const what =
    kind === 'test'
      ? `${METHOD_NAMES[method]} p-value ${fmt(result.pValue)} ${drifted ? '<' : '>='} ${threshold}`
      : `${METHOD_NAMES[method]} ${fmt(result.statistic)} ${drifted ? '>=' : '<'} ${threshold}`;
  const undefinedResult =
    kind === 'test'
      ? result.pValue === null || Number.isNaN(result.pValue)
      : Number.isNaN(result.statistic);
  if (undefinedResult)
    return `${METHOD_NAMES[method]} is undefined on these values (e.g. no spread on either side): not drifted`;
  return `${what}: ${drifted ? 'drifted' : 'no drift'}`;
}

function categoryBins(
  keys: string[],
  ref: Float64Array,
  cur: Float64Array,
  byValue: boolean,
): DriftBin[] {
  const order = keys.map((_, i) => i);
  if (!byValue)
    order.sort((a, b) => ref[b] + cur[b] - (ref[a] + cur[a]) || (keys[a] < keys[b] ? -1 : 1));
  const shown = order.length > TOP_CATEGORIES ? order.slice(0, TOP_CATEGORIES - 1) : order;
  const bins: DriftBin[] = (
    byValue && order.length > TOP_CATEGORIES ? [...shown].sort((a, b) => a - b) : shown
  ).map((i) => ({ category: keys[i], reference: ref[i], current: cur[i] }));
  if (order.length > TOP_CATEGORIES) {
    const rest = order.slice(TOP_CATEGORIES - 1);
    bins.push({
      category: '(other)',
      reference: rest.reduce((s, i) => s + ref[i], 0),
      current: rest.reduce((s, i) => s + cur[i], 0),
    });
  }
  return bins;
}

function numericBins(ref: Float64Array, cur: Float64Array): DriftBin[] {
  const edges = sturgesEdges(ref, cur);
  const rc = binCounts(ref, edges);
  const cc = binCounts(cur, edges);
  return Array.from(rc, (r, i) => ({
    start: edges[i],
    end: edges[i + 1],
    reference: r,
    current: cc[i],
  }));
}

/** Columns in the reference's order, then those only the current data set has. */
function columnNames(ref: LoadedSide, cur: LoadedSide, options: DriftOptions): string[] {
  const all = [...ref.columns.keys()];
  for (const name of cur.columns.keys()) if (!ref.columns.has(name)) all.push(name);
  const known = new Set(all);
  const bothEmpty = ref.columns.size === 0 && cur.columns.size === 0;
  const named: [string, string | undefined][] = [
    ...(options.columns ?? []).map((c): [string, string] => ['column', c]),
    ...Object.keys(options.columnMethods ?? {}).map((c): [string, string] => ['column method', c]),
    ...Object.keys(options.columnThresholds ?? {}).map((c): [string, string] => [
      'column threshold',
      c,
    ]),
    ...Object.keys(options.columnTypes ?? {}).map((c): [string, string] => ['column type', c]),
    ['target', options.target],
    ['prediction', options.prediction],
  ];
  for (const [what, name] of named) {
    if (name !== undefined && !known.has(name) && !bothEmpty) {
      throw new DriftError(
        `No column named "${name}" (${what}) in either data set; columns: ${all.join(', ')}`,
      );
    }
  }
  if (!options.columns) return all;
  const wanted = new Set([
    ...options.columns,
    ...[options.target, options.prediction].filter((c): c is string => c !== undefined),
  ]);
  return all.filter((name) => wanted.has(name));
}

function effectNote(
  effect: { method: DriftMethod; statistic: number; threshold: number },
  n1: number,
  n2: number,
): string {
  const small = effect.statistic < effect.threshold;
  return (
    ` On ${n1.toLocaleString('en-US')} and ${n2.toLocaleString('en-US')} values a test flags even negligible differences;` +
    ` the size of the shift (${METHOD_NAMES[effect.method]} ${fmt(effect.statistic)}) is ${small ? 'below' : 'at or above'} its usual threshold ${effect.threshold}${small ? ', so it is probably too small to matter' : ''}.`
  );
}

export async function driftReport(
  reference: DriftSource,
  current: DriftSource,
  options: DriftOptions = {},
): Promise<DriftReport> {
  const started = performance.now();
  const settings = settingsOf(options);
  const progress = options.onProgress ?? (() => undefined);
  return withEngine(async (engine) => {
    progress(0, `Reading ${sourceName(reference, 'reference')}`);
    const ref = await loadSide(engine, reference, 'reference', settings.sample, settings.seed);
    progress(0.1, `Reading ${sourceName(current, 'current')}`);
    const cur = await loadSide(engine, current, 'current', settings.sample, settings.seed);
    const names = columnNames(ref, cur, options);
    progress(0.2, 'Counting categories');
    const plans: ColumnPlan[] = [];
    for (const name of names)
      plans.push(await planColumn(engine, name, ref, cur, options.columnTypes?.[name]));
    const tables: Record<Side, string> = { reference: ref.table, current: cur.table };
    const size: Record<Side, number> = {
      reference: ref.sampled ?? ref.rows,
      current: cur.sampled ?? cur.rows,
    };

    // Big numeric columns under the normalised Wasserstein distance (the default above 1,000
    // reference values): from DuckDB histograms, without sorting (see binned.ts).
    const binned = new Map<string, BinnedWasserstein>();
    if (Math.min(size.reference, size.current) >= BINNED_MIN_VALUES) {
      const eligible = plans.filter(
        (p) =>
          !p.skipped &&
          p.type === 'numeric' &&
          [undefined, 'wasserstein'].includes(settings.columnMethods[p.name] ?? settings.method),
      );
      progress(0.25, `Ranges of ${eligible.length} numeric columns`);
      const [refStats, curStats] = await Promise.all(
        (['reference', 'current'] as Side[]).map((side) =>
          columnStats(
            engine,
            tables[side],
            eligible.map((p) => ({ name: p.name, expr: p.expr[side]! })),
          ),
        ),
      );
      for (const p of eligible) {
        progress(0.3, `Column ${p.name}: histograms`);
        const b = await binnedWasserstein(
          engine,
          tables,
          { reference: p.expr.reference!, current: p.expr.current! },
          refStats.get(p.name)!,
          curStats.get(p.name)!,
        );
        if (b) binned.set(p.name, b);
      }
    }
    const numericPlans = plans.filter(
      (p) => !p.skipped && p.type === 'numeric' && !binned.has(p.name),
    );
    // Big inputs: sorting in worker threads. DuckDB fetches (on its own threads) and a worker
    // sorts the next numeric column while this thread tests the current one.
    const pool =
      Math.max(size.reference, size.current) * numericPlans.length >= POOL_VALUES
        ? new SortPool()
        : undefined;
    const sorter = new Sorter();
    const sortValues = (values: Float64Array) =>
      pool ? pool.sort(values) : Promise.resolve(sorter.sort(values));
    const fetch = async (p: ColumnPlan): Promise<[Float64Array, Float64Array]> => {
      const [rv, cv] = await Promise.all([
        numericValues(engine, tables.reference, p.expr.reference!),
        numericValues(engine, tables.current, p.expr.current!),
      ]);
      return Promise.all([sortValues(rv), sortValues(cv)]);
    };
    const fetched = new Map<string, Promise<[Float64Array, Float64Array]>>();
    if (numericPlans.length) fetched.set(numericPlans[0].name, fetch(numericPlans[0]));
    let numericDone = 0;
    const columns: ColumnDrift[] = [];
    try {
      for (const plan of plans) {
        const override =
          settings.columnMethods[plan.name] !== undefined
            ? { method: settings.columnMethods[plan.name], by: 'column' as const }
            : settings.method !== undefined
              ? { method: settings.method, by: 'global' as const }
              : undefined;
        const column: ColumnDrift = {
          name: plan.name,
          type: plan.datetime ? 'datetime' : plan.type,
          method: 'ks',
          methodKind: 'test',
          statistic: null,
          pValue: null,
          threshold: 0,
          drifted: false,
          reason: '',
          message: '',
          referenceCount: 0,
          currentCount: 0,
          referenceMissing: 0,
          currentMissing: 0,
          bins: [],
        };
        columns.push(column);
        const apply = (choice: Choice) => {
          column.method = choice.method;
          column.methodKind = methodKind(choice.method);
          column.threshold =
            settings.columnThresholds[plan.name] ??
            settings.threshold ??
            defaultThreshold(choice.method);
          column.reason = choice.reason;
        };
        const skipColumn = (reason: SkipReason, message: string) => {
          // The method that would apply, so the row still says what a comparison would use.
          const placeholder = chooseMethod(
            {
              type: plan.type,
              referenceCount: size.reference,
              distinct: plan.type === 'numeric' ? FEW_DISTINCT + 1 : 3,
            },
            override,
          );
          apply(placeholder);
          column.skipped = reason;
          column.reason = `not compared (${reason})`;
          column.message = `Not compared: ${message}`;
        };
        if (plan.skipped) {
          skipColumn(plan.skipped, plan.message!);
          continue;
        }
        const histograms = binned.get(plan.name);
        if (histograms) {
          column.referenceCount = histograms.referenceCount;
          column.currentCount = histograms.currentCount;
          column.referenceMissing = size.reference - column.referenceCount;
          column.currentMissing = size.current - column.currentCount;
          const choice = chooseMethod(
            {
              type: 'numeric',
              referenceCount: column.referenceCount,
              distinct: Number.POSITIVE_INFINITY,
            },
            override,
          );
          apply(choice);
          column.reason += ` (from ${histograms.fineBins.toLocaleString('en-US')}-bin histograms: within ${histograms.errorBound.toPrecision(2)} of the exact value)`;
          column.statistic = histograms.result.statistic;
          column.pValue = null;
          column.drifted = verdict('distance', histograms.result, column.threshold);
          column.message = resultMessage(
            choice.method,
            'distance',
            histograms.result,
            column.threshold,
            column.drifted,
          );
          column.bins = histograms.bins;
          continue;
        }

        let sorted: [Float64Array, Float64Array] | undefined;
        let counts = plan.counts;
        if (plan.type === 'numeric') {
          const next = numericPlans[numericPlans.indexOf(plan) + 1];
          if (next) fetched.set(next.name, fetch(next));
          progress(
            0.3 + (0.65 * numericDone) / numericPlans.length,
            `Column ${plan.name} (${numericDone + 1} of ${numericPlans.length} numeric)`,
          );
          const [rv, cv] = await fetched.get(plan.name)!;
          fetched.delete(plan.name);
          numericDone++;
          sorted = [rv, cv];
        }
        const count = (s: 0 | 1) =>
          sorted
            ? sorted[s].length
            : [...counts![s ? 'current' : 'reference'].values()].reduce((t, v) => t + v.count, 0);
        const distinct = (s: 0 | 1) =>
          sorted
            ? distinctSortedUnion(sorted[s], new Float64Array(0))
            : counts![s ? 'current' : 'reference'].size;
        const distinctBoth = () =>
          sorted
            ? distinctSortedUnion(sorted[0], sorted[1])
            : new Set([...counts!.reference.keys(), ...counts!.current.keys()]).size;
        column.referenceCount = count(0);
        column.currentCount = count(1);
        column.referenceMissing = size.reference - column.referenceCount;
        column.currentMissing = size.current - column.currentCount;
        const missing = (['reference', 'current'] as Side[]).filter(
          (_, s) => count(s as 0 | 1) === 0,
        );
        if (missing.length) {
          skipColumn(
            'all-missing',
            `every value is missing in the ${missing.join(' and the ')} data set${missing.length > 1 ? 's' : ''}`,
          );
          continue;
        }
        const choice = chooseMethod(
          { type: plan.type, referenceCount: column.referenceCount, distinct: distinctBoth() },
          override,
        );
        apply(choice);
        if (plan.datetime && plan.type === 'numeric') column.reason += ' (dates as epoch seconds)';
        if (!choice.applicable) {
          column.skipped = 'method-not-applicable';
          column.message = `Not compared: ${METHOD_NAMES[choice.method]} runs on numeric data only and "${plan.name}" is categorical`;
          continue;
        }
        const kind = column.methodKind;
        let result: MethodResult;
        let effect: ColumnDrift['effectSize'];
        try {
          const large =
            kind === 'test' &&
            column.referenceCount >= LARGE_SAMPLE &&
            column.currentCount >= LARGE_SAMPLE;
          if (choice.asCategories) {
            if (sorted)
              counts = { reference: runLengths(sorted[0]), current: runLengths(sorted[1]) };
            const both = counts!;
            const keys = [...new Set([...both.reference.keys(), ...both.current.keys()])];
            const numeric = plan.type === 'numeric';
            // Sorted categories: Evidently's order, which its Z-test depends on.
            const value = (k: string) => (both.reference.get(k) ?? both.current.get(k))!.value;
            keys.sort((a, b) =>
              numeric ? (value(a) as number) - (value(b) as number) : a < b ? -1 : a > b ? 1 : 0,
            );
            const rc = Float64Array.from(keys, (k) => both.reference.get(k)?.count ?? 0);
            const cc = Float64Array.from(keys, (k) => both.current.get(k)?.count ?? 0);
            result = categoricalDrift(choice.method, rc, cc);
            if (large)
              effect = {
                method: 'jensenshannon',
                statistic: categoricalDrift('jensenshannon', rc, cc).statistic,
                threshold: defaultThreshold('jensenshannon'),
              };
            column.bins = categoryBins(keys, rc, cc, numeric);
          } else {
            const [rv, cv] = sorted!;
            result = numericDrift(choice.method, rv, cv);
            if (large)
              effect = {
                method: 'wasserstein',
                statistic: numericDrift('wasserstein', rv, cv).statistic,
                threshold: defaultThreshold('wasserstein'),
              };
            column.bins = numericBins(rv, cv);
          }
        } catch (error) {
          if (error instanceof DriftError) throw error;
          column.skipped = 'method-not-applicable';
          column.message = `Not compared: ${METHOD_NAMES[choice.method]} failed on this column: ${(error as Error).message}`;
          continue;
        }
        column.statistic = result.statistic;
        column.pValue = kind === 'test' ? result.pValue : null;
        column.drifted = verdict(kind, result, column.threshold);
        column.message = resultMessage(
          choice.method,
          kind,
          result,
          column.threshold,
          column.drifted,
        );
        const constant = (['reference', 'current'] as Side[]).filter(
          (_, s) => distinct(s as 0 | 1) === 1,
        );
        if (constant.length)
          column.message += ` (constant in the ${constant.join(' and the ')} data set${constant.length > 1 ? 's' : ''})`;
        if (effect) {
          column.effectSize = effect;
          column.message += `.${effectNote(effect, column.referenceCount, column.currentCount)}`;
        }
      }
    } finally {
      // A prefetch still running when a DriftError stops the report must end before the engine closes.
      await Promise.allSettled(fetched.values());
      await pool?.close();
    }

    const tested = columns.filter((c) => !c.skipped);
    const driftedColumns = tested.filter((c) => c.drifted).length;
    const share = tested.length ? driftedColumns / tested.length : 0;
    const report: DriftReport = {
      reference: {
        source: ref.source,
        rows: ref.rows,
        ...(ref.sampled !== undefined ? { sampled: ref.sampled } : {}),
      },
      current: {
        source: cur.source,
        rows: cur.rows,
        ...(cur.sampled !== undefined ? { sampled: cur.sampled } : {}),
      },
      dataset: {
        drifted: tested.length > 0 && share >= settings.datasetShare,
        share,
        driftedColumns,
        columns: tested.length,
        threshold: settings.datasetShare,
      },
      columns,
      options: {
        ...(settings.method !== undefined ? { method: settings.method } : {}),
        columnMethods: settings.columnMethods,
        ...(settings.threshold !== undefined ? { threshold: settings.threshold } : {}),
        datasetShare: settings.datasetShare,
        ...(settings.sample !== undefined ? { sample: settings.sample } : {}),
        seed: settings.seed,
      },
    };
    if (options.target !== undefined || options.prediction !== undefined) {
      progress(0.97, 'Target and prediction');
      report.target = await targetDrift(
        engine,
        ref,
        cur,
        columns,
        plans,
        options.target,
        options.prediction,
      );
    }
    report.seconds = (performance.now() - started) / 1000;
    progress(1, 'Done');
    return report;
  });
}

async function targetDrift(
  engine: Engine,
  ref: LoadedSide,
  cur: LoadedSide,
  columns: ColumnDrift[],
  plans: ColumnPlan[],
  target?: string,
  prediction?: string,
): Promise<TargetDrift> {
  const out: TargetDrift = {};
  const find = (name?: string) => columns.find((c) => c.name === name);
  if (target !== undefined) {
    out.target = target;
    out.targetDrift = find(target);
  }
  if (prediction !== undefined) {
    out.prediction = prediction;
    out.predictionDrift = find(prediction);
  }
  if (target === undefined || prediction === undefined) return out;
  const tp = plans.find((p) => p.name === target)!;
  const pp = plans.find((p) => p.name === prediction)!;
  const labelled = [ref, cur].flatMap((side) => {
    const t = tp.expr[side.side];
    const p = pp.expr[side.side];
    return t === undefined || p === undefined
      ? []
      : [{ side: side.side, table: side.table, target: t, prediction: p }];
  });
  const task = await inferTask(engine, labelled, tp.type === 'numeric');
  for (const side of labelled) {
    const quality = await predictionQuality(engine, side, task, pp.type === 'numeric');
    if (!quality) continue;
    if (side.side === 'reference') out.referenceQuality = quality;
    else out.currentQuality = quality;
  }
  if (out.referenceQuality && out.currentQuality) {
    const change = qualityChange(out.referenceQuality, out.currentQuality);
    if (change) out.change = change;
  }
  return out;
}
