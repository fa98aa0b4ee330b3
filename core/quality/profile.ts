/**
 * Profiles of data sets, computed in SQL by DuckDB over every row (no sampling):
 *
 *   load     the file (or in-memory rows) into a table
 *   pass 1   per column: missing by kind, non-missing count, text lengths, how many text
 *            values parse as numbers / timestamps, empty rows          (one query)
 *   pass 2   numeric columns: min, max, mean, sample std, exact quantiles (quantile_cont,
 *            the linear interpolation of pandas' describe), zeros, negatives, pairwise
 *            Pearson r                                                   (one query)
 *   pass 3   per column: exact distinct count and top 10 values      (one GROUP BY each)
 *   pass 4   histograms (20 equal-width bins) and IQR outliers        (one query)
 *   pass 5   duplicate rows (GROUP BY every column), duplicated columns, label conflicts
 *
 * Missing = SQL NULL, empty string (text), NaN and ±Infinity (floating point). pandas
 * counts NaN/None as missing but not empty strings; the tests compare our `missing` with
 * pandas' isna().sum() + (== '').sum() and our `distinct` with nunique() minus the empty
 * string when present.
 *
 * Types: BOOLEAN → boolean; DATE/TIMESTAMP (or text whose every value reads as a date:
 * see textAsTimestamp) → datetime; integer SQL types, or numbers that are all whole → integer; other
 * numbers (or text whose every value parses as a number) → numeric; other text →
 * categorical when it has few distinct values (<= 50 and at most half the non-missing
 * values, or under 5% of them), else text.
 */
import { statSync } from 'node:fs';
import {
  DATA_TABLE,
  DataError,
  ident,
  literal,
  loadFile,
  textAsTimestamp,
  loadRows,
  withEngine,
  type DataFormat,
  type Engine,
  type EngineColumn,
  type InMemoryData,
} from './engine';
import { computeQuality } from './dimensions';
import { findIssues } from './issues';
import type { ColumnProfile, ColumnType, DatasetProfile, HistogramBin } from './types';

export interface ProfileOptions {
  /** Label column: identical feature rows with different labels lower consistency. */
  label?: string;
  /** Timestamp column for timeliness (with `freshness`). */
  timestampColumn?: string;
  /** Milliseconds: the newest timestamp must be at most this old for timeliness 1 (0 at twice). */
  freshness?: number;
  /** "Now" for timeliness, epoch milliseconds (default Date.now()). */
  now?: number;
  /** Force a file format instead of detecting it. */
  format?: DataFormat;
  /** Name recorded as `source` (default: the file path, or "in-memory data"). */
  source?: string;
  /** Top values per column (default 10). */
  topK?: number;
  /** Histogram bins for numeric columns (default 20). */
  bins?: number;
  /** Called with a short message before each pass (for a progress line). */
  onProgress?: (message: string) => void;
}

const TABLE = DATA_TABLE;
const INT_TYPES =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/;
const FLOAT_TYPES = /^(FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const TEMPORAL_TYPES = /^(DATE|TIME|TIMESTAMP.*|TIME WITH TIME ZONE)$/;
/** Numeric columns beyond this many are not paired for correlations (pairs grow quadratically). */
const MAX_CORRELATED_COLUMNS = 40;

type Storage = 'int' | 'float' | 'bool' | 'temporal' | 'string' | 'other';

interface ColumnPlan {
  name: string;
  sqlType: string;
  storage: Storage;
  /** SQL: the raw column. */
  col: string;
  /** SQL predicate: the value is missing. */
  missing: string;
  /** SQL: the value as text, NULL when missing (for string-like columns). */
  text: string;
  /** SQL: the value as DOUBLE, NULL when missing or not a number (numeric columns). */
  num: string | null;
  numericFromText: boolean;
  type: ColumnType;
}

function storageOf(sqlType: string): Storage {
  if (INT_TYPES.test(sqlType)) return 'int';
  if (FLOAT_TYPES.test(sqlType)) return 'float';
  if (sqlType === 'BOOLEAN') return 'bool';
  if (TEMPORAL_TYPES.test(sqlType)) return 'temporal';
  if (sqlType === 'VARCHAR') return 'string';
  return 'other';
}

function plan(column: EngineColumn): ColumnPlan {
  const col = ident(column.name);
  const storage = storageOf(column.sqlType);
  let missing: string;
  let text: string;
  let num: string | null = null;
  switch (storage) {
    case 'float':
      missing = `(${col} IS NULL OR isnan(CAST(${col} AS DOUBLE)) OR isinf(CAST(${col} AS DOUBLE)))`;
      num = `CASE WHEN ${missing} THEN NULL ELSE CAST(${col} AS DOUBLE) END`;
      text = `CAST(${num} AS VARCHAR)`;
      break;
    case 'int':
      missing = `(${col} IS NULL)`;
      num = `CAST(${col} AS DOUBLE)`;
      text = `CAST(${col} AS VARCHAR)`;
      break;
    case 'string':
      missing = `(${col} IS NULL OR ${col} = '')`;
      text = `CASE WHEN ${col} = '' THEN NULL ELSE ${col} END`;
      break;
    case 'other':
      missing = `(${col} IS NULL OR CAST(${col} AS VARCHAR) = '')`;
      text = `NULLIF(CAST(${col} AS VARCHAR), '')`;
      break;
    default:
      missing = `(${col} IS NULL)`;
      text = `CAST(${col} AS VARCHAR)`;
  }
  const type: ColumnType =
    storage === 'int'
      ? 'integer'
      : storage === 'float'
        ? 'numeric'
        : storage === 'bool'
          ? 'boolean'
          : storage === 'temporal'
            ? 'datetime'
            : 'text';
  return {
    name: column.name,
    sqlType: column.sqlType,
    storage,
    col,
    missing,
    text,
    num,
    numericFromText: false,
    type,
  };
}

const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));
const nOrNull = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));
const finiteOrNull = (x: unknown): number | null => {
  const v = nOrNull(x);
  return v === null || !Number.isFinite(v) ? null : v;
};

/** Profiles a file: CSV, TSV, JSON (array or newline-delimited) or Parquet. */
export async function profileFile(
  path: string,
  options: ProfileOptions = {},
): Promise<DatasetProfile> {
  const started = performance.now();
  return withEngine(async (engine) => {
    options.onProgress?.(`Reading ${path}`);
    await loadFile(engine, path, TABLE, options.format);
    return profileLoaded(engine, path, options, started);
  });
}

/** Profiles in-memory data: an array of row objects or an object of column arrays. */
export async function profileRows(
  data: InMemoryData,
  options: ProfileOptions = {},
): Promise<DatasetProfile> {
  const started = performance.now();
  return withEngine(async (engine) => {
    await loadRows(engine, data, TABLE);
    return profileLoaded(engine, data, options, started);
  });
}

/**
 * Profiles `source` once it is loaded into the table `data` of `engine` (by loadFile or
 * loadRows), with its size and the seconds since `started` (performance.now(), before
 * the load), as profileFile and profileRows do.
 */
export async function profileLoaded(
  engine: Engine,
  source: string | InMemoryData,
  options: ProfileOptions,
  started: number,
): Promise<DatasetProfile> {
  if (typeof source === 'string') {
    const profile = await profileTable(engine, { ...options, source: options.source ?? source });
    profile.sizeBytes = statSync(source).size;
    profile.seconds = (performance.now() - started) / 1000;
    return profile;
  }
  const profile = await profileTable(engine, {
    ...options,
    source: options.source ?? 'in-memory data',
  });
  const size = await engine.all(
    `SELECT CAST(sum(estimated_size) AS DOUBLE) AS s FROM duckdb_tables() WHERE table_name = ${literal(TABLE)}`,
  );
  const bytes = nOrNull(size[0]?.s);
  if (bytes !== null) profile.sizeBytes = bytes;
  profile.seconds = (performance.now() - started) / 1000;
  return profile;
}

/** Profiles the table `data` already loaded into `engine`. */
export async function profileTable(
  engine: Engine,
  options: ProfileOptions = {},
): Promise<DatasetProfile> {
  const topK = options.topK ?? 10;
  const bins = options.bins ?? 20;
  const described = await engine.describe(TABLE);
  const plans = described.map(plan);
  const T = ident(TABLE);
  for (const name of [options.label, options.timestampColumn]) {
    if (name !== undefined && !plans.some((p) => p.name === name)) {
      throw new DataError(
        `No column named "${name}" (columns: ${plans.map((p) => p.name).join(', ')})`,
      );
    }
  }

  // Pass 1 (every row, one query): counts, missing by kind, empty rows, correlations.
  options.onProgress?.('Counting values and missing cells');
  const s1: string[] = ['CAST(count(*) AS DOUBLE) AS rows'];
  s1.push(
    plans.length
      ? `CAST(count(*) FILTER (WHERE ${plans.map((p) => p.missing).join(' AND ')}) AS DOUBLE) AS empty_rows`
      : '0 AS empty_rows',
  );
  plans.forEach((p, i) => {
    s1.push(`CAST(count(*) FILTER (WHERE ${p.col} IS NULL) AS DOUBLE) AS c${i}_null`);
    s1.push(`CAST(count(*) FILTER (WHERE NOT ${p.missing}) AS DOUBLE) AS c${i}_count`);
    if (p.storage === 'float') {
      s1.push(
        `CAST(count(*) FILTER (WHERE isnan(CAST(${p.col} AS DOUBLE))) AS DOUBLE) AS c${i}_nan`,
      );
      s1.push(
        `CAST(count(*) FILTER (WHERE isinf(CAST(${p.col} AS DOUBLE))) AS DOUBLE) AS c${i}_inf`,
      );
    }
    if (p.storage === 'string' || p.storage === 'other') {
      s1.push(
        `CAST(count(*) FILTER (WHERE ${p.col} IS NOT NULL AND CAST(${p.col} AS VARCHAR) = '') AS DOUBLE) AS c${i}_empty`,
      );
    }
  });
  // Pearson r of numeric columns over the rows where both have a value (as pandas' corr()).
  const paired = plans.filter((p) => p.num !== null).slice(0, MAX_CORRELATED_COLUMNS);
  for (let a = 0; a < paired.length; a++) {
    for (let b = a + 1; b < paired.length; b++)
      s1.push(`corr(${paired[a].num}, ${paired[b].num}) AS r_${a}_${b}`);
  }
  const r1 = (await engine.all(`SELECT ${s1.join(', ')} FROM ${T}`))[0];
  const rows = n(r1.rows);

  // Pass 2 (per column): its distinct values with their counts, in a small table G from
  // which every other statistic is computed exactly (few distinct values: fast).
  const columns: ColumnProfile[] = [];
  for (const [i, p] of plans.entries()) {
    options.onProgress?.(`Column ${i + 1} of ${plans.length}: ${p.name}`);
    const count = n(r1[`c${i}_count`]);
    const value =
      p.storage === 'bool' || p.storage === 'temporal'
        ? p.col
        : p.storage === 'int' || p.storage === 'float'
          ? p.num!
          : p.text;
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE g AS SELECT ${value} AS v, count(*) AS c FROM ${T} WHERE NOT ${p.missing} GROUP BY 1`,
    );
    // Dates and times as DuckDB writes them (as min and max), e.g. 2001-01-01 00:01:00.
    const shown = p.storage === 'temporal' ? 'CAST(v AS VARCHAR)' : 'v';
    const topRows = await engine.all(
      `SELECT ${shown} AS v, CAST(c AS DOUBLE) AS c FROM g ORDER BY g.c DESC, g.v LIMIT ${topK}`,
    );
    const top = topRows.map((r) => ({ value: topValue(r.v), count: n(r.c) }));
    const profile: ColumnProfile = {
      name: p.name,
      type: p.type,
      count,
      missing: rows - count,
      missingShare: rows ? (rows - count) / rows : 0,
      distinct: 0,
      min: null,
      max: null,
      mean: null,
      std: null,
      quantiles: null,
      top,
      constant: false,
      almostConstant: count > 0 && top.length > 0 && top[0].count / count >= 0.95,
      missingByKind: {
        null: n(r1[`c${i}_null`]),
        empty: n(r1[`c${i}_empty`]),
        nan: n(r1[`c${i}_nan`]),
        infinite: n(r1[`c${i}_inf`]),
      },
      mixedTypes: false,
      invalid: 0,
    };
    let numeric = p.storage === 'int' || p.storage === 'float';
    if (p.storage === 'string' || p.storage === 'other') {
      const parsed = 'TRY_CAST(trim(v) AS DOUBLE)';
      const t = (
        await engine.all(`SELECT CAST(count(*) AS DOUBLE) AS d,
          CAST(coalesce(sum(c) FILTER (WHERE ${parsed} IS NOT NULL), 0) AS DOUBLE) AS numparse,
          CAST(coalesce(sum(c) FILTER (WHERE ${textAsTimestamp('v')} IS NOT NULL), 0) AS DOUBLE) AS tsparse,
          CAST(min(length(v)) AS DOUBLE) AS lmin, CAST(max(length(v)) AS DOUBLE) AS lmax,
          sum(CAST(length(v) AS DOUBLE) * c) / sum(c) AS lmean, min(v) AS smin, max(v) AS smax FROM g`)
      )[0];
      profile.distinct = n(t.d);
      const numparse = n(t.numparse);
      if (count > 0) profile.length = { min: n(t.lmin), max: n(t.lmax), mean: n(t.lmean) };
      if (count > 0 && numparse === count) {
        // Numbers written as text: a numeric column.
        numeric = true;
        await engine.run(
          `CREATE OR REPLACE TEMP TABLE g AS SELECT ${parsed} AS v, sum(c) AS c FROM g WHERE isfinite(${parsed}) GROUP BY 1`,
        );
      } else if (count > 0 && n(t.tsparse) === count) {
        p.type = 'datetime';
        const ts = (
          await engine.all(
            `SELECT CAST(min(${textAsTimestamp('v')}) AS VARCHAR) AS lo, CAST(max(${textAsTimestamp('v')}) AS VARCHAR) AS hi FROM g`,
          )
        )[0];
        profile.min = (ts.lo as string | null) ?? null;
        profile.max = (ts.hi as string | null) ?? null;
      } else {
        const d = profile.distinct;
        p.type =
          count > 0 && ((d <= 50 && d <= count / 2) || d / count < 0.05) ? 'categorical' : 'text';
        profile.min = (t.smin as string | null) ?? null;
        profile.max = (t.smax as string | null) ?? null;
        profile.mixedTypes = numparse > 0 && numparse < count;
        // The minority kind of a mixed column does not fit the column's type.
        profile.invalid = profile.mixedTypes ? Math.min(numparse, count - numparse) : 0;
      }
    } else {
      const t = (
        await engine.all(
          `SELECT CAST(count(*) AS DOUBLE) AS d${p.storage === 'temporal' ? ', CAST(min(v) AS VARCHAR) AS lo, CAST(max(v) AS VARCHAR) AS hi' : ''} FROM g`,
        )
      )[0];
      profile.distinct = n(t.d);
      if (p.storage === 'temporal') {
        profile.min = (t.lo as string | null) ?? null;
        profile.max = (t.hi as string | null) ?? null;
      }
    }
    if (numeric) {
      const stats = await numericStats(engine, bins);
      if (stats) {
        Object.assign(profile, stats.profile);
        if (
          p.storage === 'float' ||
          p.numericFromText ||
          p.storage === 'string' ||
          p.storage === 'other'
        )
          p.type = stats.integral ? 'integer' : 'numeric';
      }
    }
    profile.type = p.type;
    profile.constant = profile.distinct === 1;
    columns.push(profile);
  }
  await engine.run('DROP TABLE IF EXISTS g');

  // Correlated numeric pairs.
  const correlatedPairs: { a: string; b: string; r: number }[] = [];
  for (let a = 0; a < paired.length; a++) {
    for (let b = a + 1; b < paired.length; b++) {
      const r = finiteOrNull(r1[`r_${a}_${b}`]);
      if (r !== null && Math.abs(r) >= 0.9)
        correlatedPairs.push({ a: paired[a].name, b: paired[b].name, r });
    }
  }

  // Pass 3: duplicate rows, as pandas' duplicated(): every repeat of an earlier row.
  options.onProgress?.('Looking for duplicate rows');
  let duplicateRows = 0;
  if (plans.length && rows > 0) {
    // Rows are grouped by a 64-bit hash of all their values first (fast), then only rows
    // whose hash repeats are grouped by their values, so the count stays exact.
    const cols = plans.map((p) => p.col).join(', ');
    const r5 =
      await engine.all(`WITH repeated AS (SELECT hash(${cols}) AS h FROM ${T} GROUP BY 1 HAVING count(*) > 1)
      SELECT CAST(coalesce(sum(c - 1), 0) AS DOUBLE) AS d FROM (SELECT count(*) AS c FROM ${T} WHERE hash(${cols}) IN (SELECT h FROM repeated) GROUP BY ${cols} HAVING count(*) > 1)`);
    duplicateRows = n(r5[0].d);
  }

  const emptyColumns = rows > 0 ? columns.filter((c) => c.count === 0).map((c) => c.name) : [];
  const duplicatedColumns = await findDuplicatedColumns(engine, plans, columns);

  let conflictingRows: number | null = null;
  if (options.label !== undefined) {
    const label = plans.find((p) => p.name === options.label)!;
    const features = plans.filter((p) => p !== label);
    if (features.length) {
      const r = await engine.all(
        `SELECT CAST(coalesce(sum(c), 0) AS DOUBLE) AS c FROM (SELECT count(*) AS c FROM ${T} GROUP BY ${features.map((f) => f.col).join(', ')} HAVING count(DISTINCT ${label.col}) > 1)`,
      );
      conflictingRows = n(r[0].c);
    } else {
      conflictingRows = 0;
    }
  }

  let newest: number | null = null;
  if (options.timestampColumn !== undefined) {
    const p = plans.find((c) => c.name === options.timestampColumn)!;
    const ts =
      p.storage === 'temporal'
        ? `CAST(${p.col} AS TIMESTAMP)`
        : p.num !== null
          ? `to_timestamp(${p.num} / 1000)`
          : textAsTimestamp(p.text);
    const r = await engine.all(`SELECT CAST(epoch_ms(max(${ts})) AS DOUBLE) AS t FROM ${T}`);
    newest = nOrNull(r[0].t);
  }

  const profile: DatasetProfile = {
    source: options.source,
    rows,
    columns,
    duplicateRows,
    emptyRows: n(r1.empty_rows),
    emptyColumns,
    duplicatedColumns,
    correlatedPairs,
    ...(options.label !== undefined
      ? { label: { column: options.label, conflictingRows: conflictingRows ?? 0 } }
      : {}),
    quality: {
      score: 0,
      completeness: 0,
      uniqueness: 0,
      validity: 0,
      consistency: 0,
      timeliness: null,
    },
    issues: [],
  };
  profile.quality = computeQuality(profile, {
    conflictingRows,
    label: options.label,
    timestampColumn: options.timestampColumn,
    newest,
    freshness: options.freshness,
    now: options.now,
  });
  profile.issues = findIssues(profile, {
    conflictingRows,
    label: options.label,
    newest,
    freshness: options.freshness,
    now: options.now,
    timestampColumn: options.timestampColumn,
    renamedColumns: engine.renamedColumns.get(TABLE),
  });
  return profile;
}

function topValue(v: unknown): string | number | boolean {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** Pairs of columns holding the same value in every row (candidates: same type, counts and distinct counts). */
async function findDuplicatedColumns(
  engine: Engine,
  plans: ColumnPlan[],
  columns: ColumnProfile[],
): Promise<[string, string][]> {
  const candidates: [number, number][] = [];
  for (let a = 0; a < plans.length; a++) {
    for (let b = a + 1; b < plans.length; b++) {
      const ca = columns[a];
      const cb = columns[b];
      if (
        ca.count === 0 ||
        ca.count !== cb.count ||
        ca.distinct !== cb.distinct ||
        ca.missing !== cb.missing
      )
        continue;
      const bothNumeric = plans[a].num !== null && plans[b].num !== null;
      if (!bothNumeric && plans[a].sqlType !== plans[b].sqlType) continue;
      candidates.push([a, b]);
    }
  }
  if (!candidates.length) return [];
  const expr = (p: ColumnPlan) => (p.num !== null ? p.num : p.storage === 'bool' ? p.col : p.text);
  const select = candidates
    .slice(0, 200)
    .map(
      ([a, b], k) =>
        `CAST(count(*) FILTER (WHERE ${expr(plans[a])} IS DISTINCT FROM ${expr(plans[b])}) AS DOUBLE) AS d${k}`,
    );
  const r = (await engine.all(`SELECT ${select.join(', ')} FROM ${ident(TABLE)}`))[0];
  return candidates
    .slice(0, 200)
    .filter((_, k) => n(r[`d${k}`]) === 0)
    .map(([a, b]) => [plans[a].name, plans[b].name]);
}

/**
 * Statistics of the numeric value table g(v DOUBLE, c count), exact: quantiles interpolate
 * linearly between the sorted values at (n - 1) q, as pandas' describe() and DuckDB's
 * quantile_cont; std is the sample standard deviation (n - 1) in two passes like numpy.
 */
async function numericStats(
  engine: Engine,
  bins: number,
): Promise<{ profile: Partial<ColumnProfile>; integral: boolean } | null> {
  const m = (
    await engine.all(`SELECT CAST(sum(c) AS DOUBLE) AS n, min(v) AS lo, max(v) AS hi, sum(v * c) / sum(c) AS mean,
      CAST(coalesce(sum(c) FILTER (WHERE v = 0), 0) AS DOUBLE) AS zeros, CAST(coalesce(sum(c) FILTER (WHERE v < 0), 0) AS DOUBLE) AS neg,
      CAST(count(*) FILTER (WHERE v <> floor(v)) AS DOUBLE) AS fractions FROM g`)
  )[0];
  const count = n(m.n);
  if (count === 0) return null;
  const min = Number(m.lo);
  const max = Number(m.hi);
  const mean = Number(m.mean);
  const probabilities = [0.05, 0.25, 0.5, 0.75, 0.95];
  const positions = probabilities.map((q) => {
    const h = (count - 1) * q;
    const lo = Math.floor(h);
    return { lo, hi: Math.min(lo + 1, count - 1), frac: h - lo };
  });
  const picks = positions.flatMap((pos, k) => [
    `min(v) FILTER (WHERE e > ${pos.lo}) AS a${k}`,
    `min(v) FILTER (WHERE e > ${pos.hi}) AS b${k}`,
  ]);
  const w = (
    await engine.all(`WITH w AS (SELECT v, c, sum(c) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS e FROM g)
      SELECT sum(c * (v - (${mean})) * (v - (${mean}))) AS ss, ${picks.join(', ')} FROM w`)
  )[0];
  const quantile = (k: number): number => {
    const a = Number(w[`a${k}`]);
    const b = Number(w[`b${k}`]);
    return positions[k].frac === 0 ? a : a + (b - a) * positions[k].frac;
  };
  const [p5, p25, p50, p75, p95] = probabilities.map((_, k) => quantile(k));
  const std = count >= 2 ? Math.sqrt(Number(w.ss) / (count - 1)) : null;
  const iqr = p75 - p25;
  const lowFence = p25 - 1.5 * iqr;
  const highFence = p75 + 1.5 * iqr;
  const out = (
    await engine.all(
      `SELECT CAST(coalesce(sum(c) FILTER (WHERE v < ${lowFence} OR v > ${highFence}), 0) AS DOUBLE) AS o FROM g`,
    )
  )[0];
  let histogram: HistogramBin[];
  const width = (max - min) / bins;
  if (width === 0 || !Number.isFinite(width)) {
    histogram = [{ start: min, end: max, count }];
  } else {
    const counts = new Array<number>(bins).fill(0);
    const hb = await engine.all(
      `SELECT least(CAST(floor((v - (${min})) / ${width}) AS INTEGER), ${bins - 1}) AS b, CAST(sum(c) AS DOUBLE) AS c FROM g GROUP BY 1`,
    );
    for (const r of hb) counts[Math.max(0, Number(r.b))] += n(r.c);
    histogram = counts.map((c, b) => ({
      start: min + b * width,
      end: b === bins - 1 ? max : min + (b + 1) * width,
      count: c,
    }));
  }
  return {
    integral: n(m.fractions) === 0,
    profile: {
      min,
      max,
      mean,
      std,
      quantiles: { p5, p25, p50, p75, p95 },
      zeros: n(m.zeros),
      negatives: n(m.neg),
      outliers: n(out.o),
      histogram,
    },
  };
}
