/**
 * Validation suites (in the spirit of Great Expectations and TFDV schemas): a list of rules
 * inferred from a reference data set, edited by hand, saved as `.labbook/suites/NAME.json`
 * (suite-io.ts), and checked against a new batch of the same data.
 *
 * ## The suite file
 *
 * ```json
 * {
 *   "name": "cars",
 *   "formatVersion": 1,
 *   "createdAt": "2026-01-01T00:00:00.000Z",
 *   "reference": { "source": "data/cars.json", "rows": 406 },
 *   "rules": [
 *     { "id": "row-count", "kind": "row-count", "min": 203, "max": 812 },
 *     { "id": "column-present:Horsepower", "kind": "column-present", "column": "Horsepower" },
 *     { "id": "column-type:Horsepower", "kind": "column-type", "column": "Horsepower", "type": "integer" },
 *     { "id": "missing:Horsepower", "kind": "missing", "column": "Horsepower", "maxShare": 0.0248 },
 *     { "id": "range:Horsepower", "kind": "range", "column": "Horsepower", "min": 46, "max": 230 },
 *     { "id": "in-set:Origin", "kind": "in-set", "column": "Origin", "values": ["Europe", "Japan", "USA"] },
 *     { "id": "unique:id", "kind": "unique", "column": "id" }
 *   ]
 * }
 * ```
 *
 * Every rule has a unique `id` (any non-empty text; inferred ids are `kind:column`), a
 * `kind`, and an optional `description`. Kinds and their parameters:
 *
 * | kind | parameters | a row is unexpected when… / the rule fails when… |
 * | --- | --- | --- |
 * | `row-count` | `min?`, `max?` (integers) | the batch has fewer than `min` or more than `max` rows |
 * | `column-present` | `column` | the column is not in the batch |
 * | `column-type` | `column`, `type`: `integer`, `numeric`, `boolean`, `datetime` or `string` | its value is not missing and is not of that type (`"12"` is an integer, `"12.5"` is not; a number is not a `string`) |
 * | `missing` | `column`, `maxShare` (0..1) | its value is missing (null, empty string, NaN, ±Infinity); fails when the share of such rows exceeds `maxShare` |
 * | `range` | `column`, `min?`, `max?` (numbers) | its value is a finite number below `min` or above `max` |
 * | `in-set` | `column`, `values` (strings, numbers or booleans) | its value is not missing and not one of `values` (numbers against a numeric column compare as numbers, anything else as text: `true` matches `"true"`) |
 * | `unique` | `column` | its value is not missing and appeared in an earlier row (the first occurrence is expected, later ones are not, as pandas' `duplicated()`) |
 *
 * Row-level rules (`column-type`, `range`, `in-set`, `unique`) take an optional
 * `maxUnexpectedShare` (default 0): the rule still passes when at most that share of the
 * rows is unexpected. Shares are of all the rows of the batch. A rule on a column the batch
 * does not have fails, with every row unexpected.
 *
 * ## Results
 *
 * `validate` computes every rule in SQL over the batch loaded into DuckDB (core/quality/
 * engine.ts): per rule `{ rule, passed, unexpectedCount, unexpectedShare, examples,
 * message }`, where `examples` are up to 20 `{ row, value }` of unexpected rows in file
 * order, `row` being 1-based over the data rows (the header of a CSV file is not a row).
 */
import {
  DATA_TABLE,
  DataError,
  ident,
  literal,
  loadFile,
  textAsTimestamp,
  loadRows,
  withEngine,
  type Engine,
} from './engine';
import type { EngineColumn, InMemoryData, SqlEngine } from './sql-engine';

export const SUITE_FORMAT_VERSION = 1;
/** Examples of unexpected values kept per rule. */
export const MAX_EXAMPLES = 20;

export type SuiteValueType = 'integer' | 'numeric' | 'boolean' | 'datetime' | 'string';
export const SUITE_VALUE_TYPES: readonly SuiteValueType[] = [
  'integer',
  'numeric',
  'boolean',
  'datetime',
  'string',
];

interface RuleBase {
  /** Unique within the suite; inferred rules use `kind:column` (or `row-count`). */
  id: string;
  /** What the rule is for, in the user's words (kept as written). */
  description?: string;
}

interface RowLevel {
  /** The rule passes while at most this share (0..1) of the rows is unexpected. Default 0. */
  maxUnexpectedShare?: number;
}

export interface RowCountRule extends RuleBase {
  kind: 'row-count';
  min?: number;
  max?: number;
}
export interface ColumnPresentRule extends RuleBase {
  kind: 'column-present';
  column: string;
}
export interface ColumnTypeRule extends RuleBase, RowLevel {
  kind: 'column-type';
  column: string;
  type: SuiteValueType;
}
export interface MissingRule extends RuleBase {
  kind: 'missing';
  column: string;
  maxShare: number;
}
export interface RangeRule extends RuleBase, RowLevel {
  kind: 'range';
  column: string;
  min?: number;
  max?: number;
}
export interface InSetRule extends RuleBase, RowLevel {
  kind: 'in-set';
  column: string;
  values: (string | number | boolean)[];
}
export interface UniqueRule extends RuleBase, RowLevel {
  kind: 'unique';
  column: string;
}

export type SuiteRule =
  | RowCountRule
  | ColumnPresentRule
  | ColumnTypeRule
  | MissingRule
  | RangeRule
  | InSetRule
  | UniqueRule;
export type SuiteRuleKind = SuiteRule['kind'];
export const SUITE_RULE_KINDS: readonly SuiteRuleKind[] = [
  'row-count',
  'column-present',
  'column-type',
  'missing',
  'range',
  'in-set',
  'unique',
];

export interface Suite {
  name: string;
  /** Version of this file format (1). */
  formatVersion: number;
  description?: string;
  /** ISO time the suite was inferred. */
  createdAt?: string;
  /** What it was inferred from. */
  reference?: { source?: string; rows?: number; fingerprint?: string };
  rules: SuiteRule[];
}

export interface UnexpectedExample {
  /** 1-based data row (file order; a CSV header is not a row). */
  row: number;
  value: unknown;
}

export interface RuleResult {
  rule: SuiteRule;
  passed: boolean;
  unexpectedCount: number;
  /** unexpectedCount / rows of the batch (0 for an empty batch). */
  unexpectedShare: number;
  examples: UnexpectedExample[];
  /** The outcome in plain words, with the numbers. */
  message: string;
}

export interface ValidationResult {
  suite: string;
  /** File path, or absent for in-memory data. */
  source?: string;
  rows: number;
  passed: boolean;
  failedRules: number;
  rules: RuleResult[];
}

export type SuiteErrorCode = 'INVALID' | 'NOT_FOUND' | 'UNREADABLE';

/** A malformed or unknown suite, or data that cannot be read: exit code 2 in the CLI. */
export class SuiteError extends Error {
  override name = 'SuiteError';
  constructor(
    readonly code: SuiteErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a suite is inferred from or validated against: a file path, rows, or a column object. */
export type DataSource = string | InMemoryData;

export interface InferSuiteOptions {
  name: string;
  /** Added to the observed missing share to give each column's allowed share. Default 0.01. */
  nullTolerance?: number;
  /** Widens each numeric range by this fraction of its width on both sides. Default 0. */
  rangeMargin?: number;
  /** String columns with at most this many distinct values get an `in-set` rule. Default 20. */
  maxDomainSize?: number;
  /** …and only when distinct values are at most this share of the non-missing values. Default 0.5. */
  maxDomainShare?: number;
  /** Row-count bounds as factors of the reference's rows; null for no rule. Default [0.5, 2]. */
  rowCountFactors?: [number, number] | null;
  /** Infer `unique` rules for integer and string columns without missing values whose values are all distinct. Default true. */
  unique?: boolean;
}

// ---- SQL helpers over one DuckDB table ----

const TABLE = DATA_TABLE;

type Family = 'integer' | 'float' | 'decimal' | 'boolean' | 'datetime' | 'string' | 'other';

function familyOf(sqlType: string): Family {
  const t = sqlType.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|INT\d*)$/.test(
      t,
    )
  )
    return 'integer';
  if (t === 'FLOAT' || t === 'DOUBLE' || t === 'REAL') return 'float';
  if (t.startsWith('DECIMAL') || t.startsWith('NUMERIC')) return 'decimal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE' || t.startsWith('TIMESTAMP') || t === 'TIME') return 'datetime';
  if (t === 'VARCHAR' || t === 'JSON' || t.startsWith('ENUM')) return 'string';
  return 'other';
}

/** SQL that is true when the column's value is missing: null, empty string, NaN or ±Infinity. */
function missingSql(col: EngineColumn): string {
  const c = ident(col.name);
  switch (familyOf(col.sqlType)) {
    case 'float':
      return `(${c} IS NULL OR isnan(${c}) OR isinf(${c}))`;
    case 'string':
      return `(${c} IS NULL OR CAST(${c} AS VARCHAR) = '')`;
    default:
      return `(${c} IS NULL)`;
  }
}

function textSql(col: EngineColumn): string {
  return `CAST(${ident(col.name)} AS VARCHAR)`;
}

/** The value as DOUBLE (NULL when it is not a number). */
function numberSql(col: EngineColumn): string {
  const f = familyOf(col.sqlType);
  if (f === 'integer' || f === 'float' || f === 'decimal')
    return `CAST(${ident(col.name)} AS DOUBLE)`;
  if (f === 'string') return `TRY_CAST(trim(${textSql(col)}) AS DOUBLE)`;
  return 'CAST(NULL AS DOUBLE)';
}

/** SQL that is true when a non-missing value is of the type. */
function typeOkSql(col: EngineColumn, type: SuiteValueType): string {
  const f = familyOf(col.sqlType);
  const text = textSql(col);
  switch (type) {
    case 'string':
      return f === 'string' ? 'TRUE' : 'FALSE';
    case 'numeric':
      if (f === 'integer' || f === 'float' || f === 'decimal') return 'TRUE';
      return f === 'string' ? `(TRY_CAST(trim(${text}) AS DOUBLE) IS NOT NULL)` : 'FALSE';
    case 'integer': {
      if (f === 'integer') return 'TRUE';
      if (f === 'float' || f === 'decimal')
        return `(${ident(col.name)} = round(${ident(col.name)}))`;
      if (f !== 'string') return 'FALSE';
      const n = `TRY_CAST(trim(${text}) AS DOUBLE)`;
      return `(${n} IS NOT NULL AND isfinite(${n}) AND ${n} = round(${n}))`;
    }
    case 'boolean':
      if (f === 'boolean') return 'TRUE';
      return f === 'string' ? `(lower(trim(${text})) IN ('true', 'false'))` : 'FALSE';
    case 'datetime':
      if (f === 'datetime') return 'TRUE';
      return f === 'string' ? `(${textAsTimestamp(`trim(${text})`)} IS NOT NULL)` : 'FALSE';
  }
}

function numberLiteral(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function valueText(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

/** JS values of DuckDB results in JSON-friendly form. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object') {
    try {
      return JSON.parse(
        JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
      );
    } catch {
      return String(value);
    }
  }
  return value;
}

async function one(engine: SqlEngine, sql: string): Promise<Record<string, unknown>> {
  const rows = await engine.all(sql);
  return rows[0] ?? {};
}

function num(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return NaN;
  return Number(value);
}

/** Loads a source into the table `data`; DataErrors become SuiteErrors naming the source. */
async function loadBatch(engine: Engine, source: DataSource): Promise<void> {
  try {
    if (typeof source === 'string') await loadFile(engine, source, TABLE);
    else await loadRows(engine, source, TABLE);
  } catch (error) {
    if (error instanceof DataError)
      throw new SuiteError(
        /no such file/.test(error.message) ? 'NOT_FOUND' : 'UNREADABLE',
        error.message,
        { cause: error },
      );
    throw error;
  }
}

/** Loads a source as a table with row numbers; its columns. */
async function load(engine: Engine, source: DataSource): Promise<EngineColumn[]> {
  await loadBatch(engine, source);
  return rowTable(engine);
}

/** The loaded table `data` as a table with row numbers (materialised if the engine left a view); its columns. */
async function rowTable(engine: SqlEngine): Promise<EngineColumn[]> {
  // Row numbers come from the table's rowid (insertion order = file order); the engine may
  // leave a file as a view (Parquet), so materialise it first.
  const kind = await engine.all(
    `SELECT table_type FROM information_schema.tables WHERE table_name = ${literal(TABLE)}`,
  );
  if (kind.some((k) => String(k.table_type).toUpperCase() === 'VIEW')) {
    await engine.run(`CREATE TABLE ${ident(`${TABLE}_rows`)} AS SELECT * FROM ${ident(TABLE)}`);
    await engine.run(`DROP VIEW ${ident(TABLE)}`);
    await engine.run(`ALTER TABLE ${ident(`${TABLE}_rows`)} RENAME TO ${ident(TABLE)}`);
  }
  return engine.describe(TABLE);
}

// ---- inference ----

function checkFraction(field: string, value: unknown, fallback: number, max = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new SuiteError(
      'INVALID',
      `inferSuite: ${field} must be a number from 0 to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The suite's value type of a column, or null for types rules do not describe (lists, structs). */
async function inferType(engine: SqlEngine, col: EngineColumn): Promise<SuiteValueType | null> {
  const f = familyOf(col.sqlType);
  switch (f) {
    case 'integer':
      return 'integer';
    case 'decimal':
      return 'numeric';
    case 'float': {
      // In-memory numbers all arrive as DOUBLE: whole numbers throughout make an integer column.
      const c = ident(col.name);
      const r = await one(
        engine,
        `SELECT count(*) FILTER (WHERE NOT ${missingSql(col)}) AS n,
        count(*) FILTER (WHERE NOT ${missingSql(col)} AND ${c} <> round(${c})) AS fractional FROM ${ident(TABLE)}`,
      );
      return num(r.n) > 0 && num(r.fractional) === 0 ? 'integer' : 'numeric';
    }
    case 'boolean':
      return 'boolean';
    case 'datetime':
      return 'datetime';
    case 'string':
      return 'string';
    default:
      return null;
  }
}

function roundShare(x: number): number {
  // Generous rounding up, so the reference itself always passes.
  return Math.min(1, Math.ceil(x * 1e6) / 1e6);
}

async function inferOnTable(
  engine: SqlEngine,
  columns: EngineColumn[],
  options: InferSuiteOptions,
  reference: Suite['reference'],
): Promise<Suite> {
  if (!options || typeof options !== 'object')
    throw new SuiteError('INVALID', 'inferSuite: options { name } are required');
  const name = validateSuiteName(options.name);
  const nullTolerance = checkFraction('nullTolerance', options.nullTolerance, 0.01);
  const rangeMargin = checkFraction('rangeMargin', options.rangeMargin, 0, Number.MAX_VALUE);
  const maxDomainShare = checkFraction('maxDomainShare', options.maxDomainShare, 0.5);
  const maxDomainSize = options.maxDomainSize ?? 20;
  if (!Number.isSafeInteger(maxDomainSize) || maxDomainSize < 0)
    throw new SuiteError(
      'INVALID',
      `inferSuite: maxDomainSize must be a whole number >= 0, got ${JSON.stringify(options.maxDomainSize)}`,
    );
  const factors = options.rowCountFactors === undefined ? [0.5, 2] : options.rowCountFactors;
  if (
    factors !== null &&
    (!Array.isArray(factors) ||
      factors.length !== 2 ||
      factors.some((f) => typeof f !== 'number' || !Number.isFinite(f) || f < 0) ||
      factors[0] > factors[1])
  ) {
    throw new SuiteError(
      'INVALID',
      `inferSuite: rowCountFactors must be [low, high] with 0 <= low <= high, or null, got ${JSON.stringify(options.rowCountFactors)}`,
    );
  }

  const rows = num((await one(engine, `SELECT count(*) AS n FROM ${ident(TABLE)}`)).n);
  const rules: SuiteRule[] = [];
  if (factors)
    rules.push({
      id: 'row-count',
      kind: 'row-count',
      min: Math.floor(rows * factors[0]),
      max: Math.ceil(rows * factors[1]),
    });
  for (const col of columns) {
    const c = ident(col.name);
    const type = await inferType(engine, col);
    rules.push({ id: `column-present:${col.name}`, kind: 'column-present', column: col.name });
    if (type)
      rules.push({ id: `column-type:${col.name}`, kind: 'column-type', column: col.name, type });
    const stats = await one(
      engine,
      `SELECT count(*) FILTER (WHERE ${missingSql(col)}) AS missing,
      count(DISTINCT ${c}) FILTER (WHERE NOT ${missingSql(col)}) AS distinct_values
      ${type === 'integer' || type === 'numeric' ? `, min(${numberSql(col)}) FILTER (WHERE NOT ${missingSql(col)}) AS lo, max(${numberSql(col)}) FILTER (WHERE NOT ${missingSql(col)}) AS hi` : ''}
      FROM ${ident(TABLE)}`,
    );
    const missing = num(stats.missing);
    const present = rows - missing;
    const distinct = num(stats.distinct_values);
    const observedShare = rows === 0 ? 0 : missing / rows;
    rules.push({
      id: `missing:${col.name}`,
      kind: 'missing',
      column: col.name,
      maxShare: roundShare(observedShare + nullTolerance),
    });
    if ((type === 'integer' || type === 'numeric') && present > 0) {
      let lo = num(stats.lo);
      let hi = num(stats.hi);
      if (Number.isFinite(lo) && Number.isFinite(hi)) {
        const margin = (hi - lo) * rangeMargin;
        lo -= margin;
        hi += margin;
        if (type === 'integer') {
          lo = Math.floor(lo);
          hi = Math.ceil(hi);
        }
        rules.push({ id: `range:${col.name}`, kind: 'range', column: col.name, min: lo, max: hi });
      }
    }
    if (
      type === 'string' &&
      present > 0 &&
      distinct <= maxDomainSize &&
      distinct <= present * maxDomainShare
    ) {
      const values = (
        await engine.all(
          `SELECT DISTINCT ${textSql(col)} AS v FROM ${ident(TABLE)} WHERE NOT ${missingSql(col)} ORDER BY v`,
        )
      ).map((r) => String(r.v));
      rules.push({ id: `in-set:${col.name}`, kind: 'in-set', column: col.name, values });
    }
    if (
      options.unique !== false &&
      (type === 'integer' || type === 'string') &&
      rows > 1 &&
      missing === 0 &&
      distinct === rows
    ) {
      rules.push({ id: `unique:${col.name}`, kind: 'unique', column: col.name });
    }
  }
  return {
    name,
    formatVersion: SUITE_FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    reference,
    rules,
  };
}

/**
 * Infers a suite from a reference data set: row-count bounds, and per column presence,
 * type, allowed missing share (observed + `nullTolerance`), numeric range (observed, widened
 * by `rangeMargin`), category domain (low-cardinality strings) and uniqueness.
 */
export async function inferSuite(source: DataSource, options: InferSuiteOptions): Promise<Suite> {
  validateSuiteName(options?.name);
  return withEngine(async (engine) => {
    const columns = await load(engine, source);
    const rows = num((await one(engine, `SELECT count(*) AS n FROM ${ident(TABLE)}`)).n);
    return inferOnTable(engine, columns, options, {
      ...(typeof source === 'string' ? { source } : {}),
      rows,
    });
  });
}

// ---- validation ----

function share(count: number, rows: number): number {
  return rows === 0 ? 0 : count / rows;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;
}

/** The SQL condition of an unexpected row, for the row-level rules and `missing`. */
function unexpectedSql(rule: SuiteRule, col: EngineColumn): string {
  const miss = missingSql(col);
  switch (rule.kind) {
    case 'missing':
      return miss;
    case 'column-type':
      return `(NOT ${miss} AND NOT ${typeOkSql(col, rule.type)})`;
    case 'range': {
      const n = numberSql(col);
      const bounds: string[] = [];
      if (rule.min !== undefined) bounds.push(`${n} < ${numberLiteral(rule.min)}`);
      if (rule.max !== undefined) bounds.push(`${n} > ${numberLiteral(rule.max)}`);
      if (bounds.length === 0) return 'FALSE';
      return `(NOT ${miss} AND ${n} IS NOT NULL AND isfinite(${n}) AND (${bounds.join(' OR ')}))`;
    }
    case 'in-set': {
      if (rule.values.length === 0) return `(NOT ${miss})`;
      const f = familyOf(col.sqlType);
      if (
        (f === 'integer' || f === 'float' || f === 'decimal') &&
        rule.values.every((v) => typeof v === 'number')
      ) {
        // Numbers against a numeric column compare as numbers (3 matches 3.0).
        return `(NOT ${miss} AND ${numberSql(col)} NOT IN (${rule.values.map((v) => numberLiteral(v)).join(', ')}))`;
      }
      return `(NOT ${miss} AND ${textSql(col)} NOT IN (${rule.values.map((v) => literal(valueText(v))).join(', ')}))`;
    }
    default:
      throw new Error(`unexpectedSql: ${rule.kind}`);
  }
}

async function unexpectedRows(
  engine: SqlEngine,
  rule: SuiteRule,
  col: EngineColumn,
): Promise<{ count: number; examples: UnexpectedExample[] }> {
  const c = ident(col.name);
  let from: string;
  if (rule.kind === 'unique') {
    from = `(SELECT rowid AS r, ${c} AS v FROM (SELECT rowid, ${c}, ${missingSql(col)} AS m,
      row_number() OVER (PARTITION BY ${c} ORDER BY rowid) AS k FROM ${ident(TABLE)}) WHERE NOT m AND k > 1)`;
  } else {
    from = `(SELECT rowid AS r, ${c} AS v FROM ${ident(TABLE)} WHERE ${unexpectedSql(rule, col)})`;
  }
  const count = num((await one(engine, `SELECT count(*) AS n FROM ${from}`)).n);
  const examples =
    count === 0
      ? []
      : (await engine.all(`SELECT r, v FROM ${from} ORDER BY r LIMIT ${MAX_EXAMPLES}`)).map(
          (row) => ({ row: num(row.r) + 1, value: plain(row.v) }),
        );
  return { count, examples };
}

function describeRule(rule: SuiteRule): string {
  switch (rule.kind) {
    case 'row-count':
      return `rows between ${rule.min ?? '-∞'} and ${rule.max ?? '∞'}`;
    case 'column-present':
      return `column "${rule.column}" present`;
    case 'column-type':
      return `"${rule.column}" is ${rule.type}`;
    case 'missing':
      return `"${rule.column}" missing at most ${percent(rule.maxShare)}`;
    case 'range':
      return `"${rule.column}" within [${rule.min ?? '-∞'}, ${rule.max ?? '∞'}]`;
    case 'in-set': {
      const shown = rule.values
        .slice(0, 8)
        .map((v) => JSON.stringify(v))
        .join(', ');
      return `"${rule.column}" in {${shown}${rule.values.length > 8 ? `, … ${rule.values.length - 8} more` : ''}}`;
    }
    case 'unique':
      return `"${rule.column}" unique`;
  }
}

export { describeRule };

async function validateOnTable(
  engine: SqlEngine,
  columns: EngineColumn[],
  suite: Suite,
): Promise<Omit<ValidationResult, 'source'>> {
  const rows = num((await one(engine, `SELECT count(*) AS n FROM ${ident(TABLE)}`)).n);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const results: RuleResult[] = [];
  for (const rule of suite.rules) {
    if (rule.kind === 'row-count') {
      const passed =
        (rule.min === undefined || rows >= rule.min) &&
        (rule.max === undefined || rows <= rule.max);
      results.push({
        rule,
        passed,
        unexpectedCount: 0,
        unexpectedShare: 0,
        examples: [],
        message: `${rows} rows; expected ${describeRule(rule).replace(/^rows /, '')}`,
      });
      continue;
    }
    const col = byName.get(rule.column);
    if (!col) {
      results.push({
        rule,
        passed: false,
        unexpectedCount: rows,
        unexpectedShare: rows === 0 ? 0 : 1,
        examples: [],
        message: `column "${rule.column}" is not in the data (columns: ${columns.map((c) => c.name).join(', ')})`,
      });
      continue;
    }
    if (rule.kind === 'column-present') {
      results.push({
        rule,
        passed: true,
        unexpectedCount: 0,
        unexpectedShare: 0,
        examples: [],
        message: `column "${rule.column}" is present`,
      });
      continue;
    }
    const { count, examples } = await unexpectedRows(engine, rule, col);
    const s = share(count, rows);
    const allowed = rule.kind === 'missing' ? rule.maxShare : (rule.maxUnexpectedShare ?? 0);
    const passed = s <= allowed + 1e-12;
    const what =
      rule.kind === 'missing' ? 'missing' : rule.kind === 'unique' ? 'duplicated' : 'unexpected';
    results.push({
      rule,
      passed,
      unexpectedCount: count,
      unexpectedShare: s,
      examples,
      message: `${count} of ${rows} rows ${what} (${percent(s)}; allowed ${percent(allowed)}): ${describeRule(rule)}`,
    });
  }
  const failedRules = results.filter((r) => !r.passed).length;
  return { suite: suite.name, rows, passed: failedRules === 0, failedRules, rules: results };
}

/**
 * Checks a batch (file path, rows or column object) against a suite. The suite is
 * validated first (a malformed one throws SuiteError naming the field).
 */
export async function validate(
  source: DataSource,
  suite: Suite | unknown,
): Promise<ValidationResult> {
  const checked = parseSuite(suite);
  return withEngine(async (engine) => {
    await loadBatch(engine, source);
    return validateLoaded(engine, source, checked);
  });
}

/**
 * Checks `source`, already loaded into the table `data` of `engine` (by loadFile or
 * loadRows), against a parsed suite, as `validate` does. A Parquet view becomes a table.
 */
export async function validateLoaded(
  engine: SqlEngine,
  source: DataSource,
  suite: Suite,
): Promise<ValidationResult> {
  const columns = await rowTable(engine);
  const result = await validateOnTable(engine, columns, suite);
  return typeof source === 'string'
    ? {
        suite: result.suite,
        source,
        rows: result.rows,
        passed: result.passed,
        failedRules: result.failedRules,
        rules: result.rules,
      }
    : result;
}

// ---- the suite's JSON ----

export const MAX_SUITE_NAME_LENGTH = 200;

/** A suite name: non-empty, no surrounding white space, no control characters, no "/" or "\\". */
export function validateSuiteName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw new SuiteError(
      'INVALID',
      `suite name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  if (name !== name.trim())
    throw new SuiteError(
      'INVALID',
      `suite name ${JSON.stringify(name)} starts or ends with white space`,
    );
  if (name.length > MAX_SUITE_NAME_LENGTH)
    throw new SuiteError(
      'INVALID',
      `suite name is ${name.length} characters long; the limit is ${MAX_SUITE_NAME_LENGTH}`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new SuiteError(
      'INVALID',
      `suite name ${JSON.stringify(name)} contains a control character`,
    );
  if (/[/\\]/.test(name) || name === '.' || name === '..')
    throw new SuiteError(
      'INVALID',
      `suite name ${JSON.stringify(name)} must not contain "/" or "\\" or be "." or ".."`,
    );
  return name;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FIELDS: Record<SuiteRuleKind, { required: string[]; optional: string[] }> = {
  'row-count': { required: [], optional: ['min', 'max'] },
  'column-present': { required: ['column'], optional: [] },
  'column-type': { required: ['column', 'type'], optional: ['maxUnexpectedShare'] },
  missing: { required: ['column', 'maxShare'], optional: [] },
  range: { required: ['column'], optional: ['min', 'max', 'maxUnexpectedShare'] },
  'in-set': { required: ['column', 'values'], optional: ['maxUnexpectedShare'] },
  unique: { required: ['column'], optional: ['maxUnexpectedShare'] },
};

function parseRule(value: unknown, at: string, where: string): SuiteRule {
  const bad = (field: string, problem: string) =>
    new SuiteError('INVALID', `${where}: ${at}${field ? `.${field}` : ''} ${problem}`);
  if (!isPlainObject(value))
    throw bad(
      '',
      `must be an object such as { "id": "range:age", "kind": "range", "column": "age", "min": 0 }, got ${describe(value)}`,
    );
  if (
    typeof value.kind !== 'string' ||
    !(SUITE_RULE_KINDS as readonly string[]).includes(value.kind)
  ) {
    throw bad('kind', `must be one of ${SUITE_RULE_KINDS.join(', ')}, got ${describe(value.kind)}`);
  }
  const kind = value.kind as SuiteRuleKind;
  if (typeof value.id !== 'string' || value.id.trim() === '')
    throw bad('id', `must be a non-empty string, got ${describe(value.id)}`);
  const fields = FIELDS[kind];
  for (const key of Object.keys(value)) {
    if (
      key !== 'id' &&
      key !== 'kind' &&
      key !== 'description' &&
      !fields.required.includes(key) &&
      !fields.optional.includes(key)
    ) {
      throw bad(
        key,
        `is not a field of a "${kind}" rule (its fields: ${['id', 'kind', 'description', ...fields.required, ...fields.optional].join(', ')})`,
      );
    }
  }
  for (const key of fields.required)
    if (value[key] === undefined) throw bad(key, `is required for a "${kind}" rule`);
  if (value.description !== undefined && typeof value.description !== 'string')
    throw bad('description', `must be a string, got ${describe(value.description)}`);
  if (value.column !== undefined && (typeof value.column !== 'string' || value.column === ''))
    throw bad('column', `must be a non-empty column name, got ${describe(value.column)}`);
  const finite = (key: string, opts: { integer?: boolean; min?: number; max?: number } = {}) => {
    const v = value[key];
    if (v === undefined) return;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (opts.integer && !Number.isSafeInteger(v)) ||
      (opts.min !== undefined && v < opts.min) ||
      (opts.max !== undefined && v > opts.max)
    ) {
      const range =
        opts.min !== undefined && opts.max !== undefined
          ? ` from ${opts.min} to ${opts.max}`
          : opts.min !== undefined
            ? ` >= ${opts.min}`
            : '';
      throw bad(
        key,
        `must be a${opts.integer ? ' whole' : ' finite'} number${range}, got ${describe(v)}`,
      );
    }
  };
  finite('maxUnexpectedShare', { min: 0, max: 1 });
  switch (kind) {
    case 'row-count':
      finite('min', { integer: true, min: 0 });
      finite('max', { integer: true, min: 0 });
      if (typeof value.min === 'number' && typeof value.max === 'number' && value.min > value.max)
        throw bad('min', `(${value.min}) is greater than max (${value.max})`);
      break;
    case 'column-type':
      if (
        typeof value.type !== 'string' ||
        !(SUITE_VALUE_TYPES as readonly string[]).includes(value.type)
      ) {
        throw bad(
          'type',
          `must be one of ${SUITE_VALUE_TYPES.join(', ')}, got ${describe(value.type)}`,
        );
      }
      break;
    case 'missing':
      finite('maxShare', { min: 0, max: 1 });
      break;
    case 'range':
      finite('min');
      finite('max');
      if (typeof value.min === 'number' && typeof value.max === 'number' && value.min > value.max)
        throw bad('min', `(${value.min}) is greater than max (${value.max})`);
      break;
    case 'in-set':
      if (!Array.isArray(value.values))
        throw bad(
          'values',
          `must be an array of strings, numbers or booleans, got ${describe(value.values)}`,
        );
      value.values.forEach((v, i) => {
        if (!(
          typeof v === 'string' ||
          typeof v === 'boolean' ||
          (typeof v === 'number' && Number.isFinite(v))
        )) {
          throw bad(
            `values[${i}]`,
            `must be a string, a finite number or a boolean, got ${describe(v)}`,
          );
        }
      });
      break;
    default:
      break;
  }
  return { ...value } as unknown as SuiteRule;
}

/**
 * Checks a suite's JSON (parsed) and returns it typed. `where` names the file in errors.
 * Every problem names its field, e.g. `rules[3].maxShare must be a finite number from 0 to 1`.
 */
export function parseSuite(value: unknown, where = 'suite'): Suite {
  if (!isPlainObject(value))
    throw new SuiteError(
      'INVALID',
      `${where}: must be an object with "name" and "rules", got ${describe(value)}`,
    );
  const known = new Set([
    'name',
    'formatVersion',
    'createdAt',
    'reference',
    'rules',
    'description',
  ]);
  for (const key of Object.keys(value)) {
    if (!known.has(key))
      throw new SuiteError(
        'INVALID',
        `${where}: ${key} is not a suite field (fields: ${[...known].join(', ')})`,
      );
  }
  let name: string;
  try {
    name = validateSuiteName(value.name);
  } catch (error) {
    throw new SuiteError('INVALID', `${where}: name: ${(error as Error).message}`);
  }
  const formatVersion =
    value.formatVersion === undefined ? SUITE_FORMAT_VERSION : value.formatVersion;
  if (
    typeof formatVersion !== 'number' ||
    !Number.isSafeInteger(formatVersion) ||
    formatVersion < 1
  ) {
    throw new SuiteError(
      'INVALID',
      `${where}: formatVersion must be a whole number >= 1, got ${describe(value.formatVersion)}`,
    );
  }
  if (formatVersion > SUITE_FORMAT_VERSION) {
    throw new SuiteError(
      'INVALID',
      `${where}: formatVersion ${formatVersion} is newer than this Labbook understands (${SUITE_FORMAT_VERSION}); upgrade Labbook`,
    );
  }
  if (value.createdAt !== undefined && typeof value.createdAt !== 'string')
    throw new SuiteError(
      'INVALID',
      `${where}: createdAt must be a string, got ${describe(value.createdAt)}`,
    );
  if (value.reference !== undefined && !isPlainObject(value.reference))
    throw new SuiteError(
      'INVALID',
      `${where}: reference must be an object, got ${describe(value.reference)}`,
    );
  if (!Array.isArray(value.rules))
    throw new SuiteError(
      'INVALID',
      `${where}: rules must be an array of rules, got ${describe(value.rules)}`,
    );
  const ids = new Set<string>();
  const rules = value.rules.map((rule, i) => {
    const parsed = parseRule(rule, `rules[${i}]`, where);
    if (ids.has(parsed.id))
      throw new SuiteError(
        'INVALID',
        `${where}: rules[${i}].id ${JSON.stringify(parsed.id)} is used by an earlier rule; ids must be unique`,
      );
    ids.add(parsed.id);
    return parsed;
  });
  const suite: Suite = { name, formatVersion, rules };
  if (value.description !== undefined) {
    if (typeof value.description !== 'string')
      throw new SuiteError(
        'INVALID',
        `${where}: description must be a string, got ${describe(value.description)}`,
      );
    suite.description = value.description;
  }
  if (value.createdAt !== undefined) suite.createdAt = value.createdAt;
  if (value.reference !== undefined) suite.reference = value.reference;
  return suite;
}
