/**
 * Rows as numbers for the data-centric tools: which columns are numeric features, the
 * row-major matrix of them (missing values as NaN), and the encoded design matrix of a
 * model (standardized numbers, one-hot categories). Missing means what the profile says:
 * null, undefined, empty string, NaN and ±Infinity.
 */
export type Row = Record<string, unknown>;

/** A row-major matrix of numbers. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function isMissing(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === '' ||
    (typeof value === 'number' && !Number.isFinite(value))
  );
}

/** A value as a finite number, or NaN (numbers, bigints and numeric text such as "3.5"). */
export function asNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : NaN;
  }
  return NaN;
}

/** Every column name of the rows, in first-seen order. */
export function columnNames(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const row of rows)
    for (const key of Object.keys(row))
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
  return names;
}

/** Columns whose non-missing values are all JS numbers (at least one). */
export function numericColumns(rows: readonly Row[], exclude: readonly string[] = []): string[] {
  return columnNames(rows).filter((name) => {
    if (exclude.includes(name)) return false;
    let seen = false;
    for (const row of rows) {
      const v = row[name];
      if (isMissing(v)) continue;
      if (typeof v !== 'number' && typeof v !== 'bigint') return false;
      seen = true;
    }
    return seen;
  });
}

/** Text or boolean columns with 2..maxLevels distinct values: the categories a model can one-hot. */
export function categoricalColumns(
  rows: readonly Row[],
  exclude: readonly string[] = [],
  maxLevels = 20,
): string[] {
  return columnNames(rows).filter((name) => {
    if (exclude.includes(name)) return false;
    const levels = new Set<string>();
    for (const row of rows) {
      const v = row[name];
      if (isMissing(v)) continue;
      if (typeof v !== 'string' && typeof v !== 'boolean') return false;
      levels.add(String(v));
      if (levels.size > maxLevels) return false;
    }
    return levels.size >= 2;
  });
}

/** Checks that `features` name columns of the rows; the default is every numeric column. */
export function resolveFeatures(
  rows: readonly Row[],
  features: unknown,
  method: string,
  exclude: readonly string[] = [],
): string[] {
  if (features === undefined) return numericColumns(rows, exclude);
  if (!Array.isArray(features) || features.some((f) => typeof f !== 'string'))
    throw new TypeError(
      `${method}: features must be an array of column names, got ${JSON.stringify(features)}`,
    );
  const names = new Set(columnNames(rows));
  for (const f of features as string[])
    if (!names.has(f))
      throw new TypeError(
        `${method}: features: no column ${JSON.stringify(f)} in the data (columns: ${[...names].join(', ')})`,
      );
  return features as string[];
}

/** The numeric features of each row (NaN where missing or not a number). */
export function numericMatrix(rows: readonly Row[], features: readonly string[]): Matrix {
  const cols = features.length;
  const data = new Float64Array(rows.length * cols);
  for (let r = 0; r < rows.length; r++)
    for (let c = 0; c < cols; c++) data[r * cols + c] = asNumber(rows[r][features[c]]);
  return { rows: rows.length, cols, data };
}

/** Per column median of the non-NaN values (NaN when a column has none). */
export function columnMedians(m: Matrix): Float64Array {
  const out = new Float64Array(m.cols);
  const values = new Float64Array(m.rows);
  for (let c = 0; c < m.cols; c++) {
    let n = 0;
    for (let r = 0; r < m.rows; r++) {
      const v = m.data[r * m.cols + c];
      if (!Number.isNaN(v)) values[n++] = v;
    }
    out[c] = n === 0 ? NaN : quantileSorted(values.subarray(0, n).sort(), 0.5);
  }
  return out;
}

/** Linear-interpolation quantile of sorted values (numpy's default, pandas' `quantile`). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** The matrix with each NaN replaced by its column's value in `fill`. */
export function fillMissing(m: Matrix, fill: Float64Array): Matrix {
  const data = new Float64Array(m.data);
  for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) data[i] = fill[i % m.cols] || 0;
  return { rows: m.rows, cols: m.cols, data };
}

/** How a model sees the rows: standardized numeric columns and one-hot categories. */
export interface Encoding {
  numeric: { name: string; mean: number; std: number }[];
  categorical: { name: string; levels: string[] }[];
  width: number;
}

export function fitEncoding(
  rows: readonly Row[],
  numeric: readonly string[],
  categorical: readonly string[],
): Encoding {
  const num = numeric.map((name) => {
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (const row of rows) {
      const v = asNumber(row[name]);
      if (Number.isNaN(v)) continue;
      n++;
      sum += v;
      sq += v * v;
    }
    const mean = n ? sum / n : 0;
    const variance = n ? Math.max(sq / n - mean * mean, 0) : 0;
    return { name, mean, std: Math.sqrt(variance) || 1 };
  });
  const cat = categorical.map((name) => {
    const levels = new Set<string>();
    for (const row of rows) if (!isMissing(row[name])) levels.add(String(row[name]));
    return { name, levels: [...levels].sort() };
  });
  return {
    numeric: num,
    categorical: cat,
    width: num.length + cat.reduce((s, c) => s + c.levels.length, 0),
  };
}

/** Encodes rows: a missing number becomes the mean (0 after standardizing), a missing category all zeros. */
export function encodeRows(rows: readonly Row[], enc: Encoding): Matrix {
  const data = new Float64Array(rows.length * enc.width);
  const index = enc.categorical.map((c) => new Map(c.levels.map((l, i) => [l, i])));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let o = r * enc.width;
    for (const f of enc.numeric) {
      const v = asNumber(row[f.name]);
      data[o++] = Number.isNaN(v) ? 0 : (v - f.mean) / f.std;
    }
    enc.categorical.forEach((c, i) => {
      const v = row[c.name];
      if (!isMissing(v)) {
        const at = index[i].get(String(v));
        if (at !== undefined) data[o + at] = 1;
      }
      o += c.levels.length;
    });
  }
  return { rows: rows.length, cols: enc.width, data };
}
