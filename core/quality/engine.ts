/**
 * The data engine: one in-process DuckDB (in memory) per profile, which reads a file (CSV,
 * TSV, JSON array or newline-delimited JSON, Parquet) or an in-memory array of rows / a
 * column object into a table named by the caller, and turns DuckDB's errors into
 * `DataError`s that name the file and, where DuckDB says, the line. DuckDB itself loads on
 * the first `Engine.open` (core/engines.ts), so importing this module costs nothing.
 *
 * Arrow IPC (.arrow/.feather): DuckDB reads it only through its `arrow` extension, which
 * is downloaded at run time (impossible offline), so `apache-arrow` reads it (./arrow.ts)
 * and the columns go in as in-memory data.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../engines';
import { readArrowColumns } from './arrow';
import { DataError } from './data-error';

export { DataError };

export type DataFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'parquet' | 'arrow';

/** One row of DESCRIBE: column name and DuckDB type (e.g. BIGINT, DOUBLE, VARCHAR, JSON, DATE). */
export interface EngineColumn { name: string; sqlType: string }

/** Rows as objects, or columns as arrays of equal length. */
export type InMemoryData = Record<string, unknown>[] | Record<string, unknown[]>;

/** The table a data set is loaded into for the profile, suites and snapshots (one load serves all three). */
export const DATA_TABLE = 'data';

/** Quotes an SQL identifier. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Text as a timestamp, or NULL: ISO forms DuckDB casts, then the written-out dates real
 * data sets use ("Oct 11 2002" in movies.json, "06/12/1998", "11-Oct-02", "October 11, 2002").
 */
export function textAsTimestamp(text: string): string {
  return `coalesce(TRY_CAST(${text} AS TIMESTAMP), try_strptime(${text}, ['%b %d %Y', '%m/%d/%Y', '%d-%b-%y', '%B %d, %Y', '%d %b %Y']))`;
}

/** Quotes an SQL string literal. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class Engine {
  private constructor(private readonly instance: DuckDBInstance, readonly connection: DuckDBConnection) {}

  static async open(): Promise<Engine> {
    const instance = await duckdb().DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new Engine(instance, connection);
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /** Rows as plain JS values (BIGINT as bigint: cast to DOUBLE in SQL where a number is wanted). */
  async all(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  async describe(table: string): Promise<EngineColumn[]> {
    const rows = await this.all(`DESCRIBE ${ident(table)}`);
    return rows.map((r) => ({ name: String(r.column_name), sqlType: String(r.column_type) }));
  }

  close(): void {
    try { this.connection.closeSync(); } catch { /* already closed */ }
    try { this.instance.closeSync(); } catch { /* already closed */ }
  }
}

/** Runs `fn` with a fresh engine and always closes it. */
export async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await Engine.open();
  try {
    return await fn(engine);
  } finally {
    engine.close();
  }
}

function head(path: string, bytes = 4096): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The format of a file: by its magic bytes (Parquet, Arrow), then extension, then its first character. */
export function detectFormat(path: string): DataFormat {
  const start = head(path);
  if (start.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  if (start.subarray(0, 6).toString('latin1') === 'ARROW1' || start.subarray(0, 4).equals(Buffer.from([0xff, 0xff, 0xff, 0xff]))) return 'arrow';
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv': return 'csv';
    case '.tsv': case '.tab': return 'tsv';
    case '.ndjson': case '.jsonl': return 'ndjson';
    case '.json': {
      const text = start.toString('utf8').trimStart();
      return text.startsWith('[') ? 'json' : 'ndjson';
    }
    case '.parquet': case '.pq': return 'parquet';
    case '.arrow': case '.feather': case '.ipc': return 'arrow';
    default: break;
  }
  const text = start.toString('utf8').trimStart();
  if (text.startsWith('[')) return 'json';
  if (text.startsWith('{')) return 'ndjson';
  return text.split('\n')[0].includes('\t') ? 'tsv' : 'csv';
}

/** DuckDB's message, shortened and with the file named; keeps the line number when DuckDB gives one. */
export function dataErrorFrom(path: string, format: DataFormat, error: unknown): DataError {
  // Drop the echo of our own SQL ("LINE 1: CREATE …") and the list of possible fixes.
  const raw = (error instanceof Error ? error.message : String(error)).split(/\n\s*LINE \d+:/)[0];
  const line = /\bline:? (\d+)/.exec(raw)?.[1];
  const first = raw.split('\n').map((l) => l.trim()).filter(Boolean)[0] ?? raw;
  const kind = format === 'ndjson' || format === 'json' ? 'JSON' : format.toUpperCase();
  const what = kind === 'JSON' && /JSON/i.test(raw) ? 'invalid JSON'
    : /Expected Number of Columns|too many columns|fewer columns|more columns/i.test(raw) ? 'ragged row (a different number of fields than the header)'
      : /quote/i.test(raw) ? 'bad quoting' : 'could not be read';
  return new DataError(`${path}${line ? `:${line}` : ''}: ${kind} ${what}: ${first.replace(/^[A-Za-z ]+Error: /, '').slice(0, 300)}`);
}

/** The delimiter of a CSV file: the most frequent of , ; tab | in its first line, outside quotes. */
export function sniffDelimiter(path: string): string {
  const firstLine = head(path, 65536).toString('utf8').split(/\r?\n/)[0].replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = firstLine.split(d).length - 1;
    if (count > bestCount) { best = d; bestCount = count; }
  }
  return best;
}

/**
 * Checks a delimited text in JS, the way RFC 4180 reads it: every record has as many fields
 * as the header, and every quoted field is closed. Returns the first problem with its
 * (1-based) line, or null. DuckDB's sniffer reports ragged rows in small files without a
 * line; this names it.
 */
export function checkDelimited(text: string, delim: string): { line: number; message: string } | null {
  let line = 1;
  let fields = 1;
  let expected = -1;
  let recordLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  let atFieldStart = true;
  const endRecord = (): { line: number; message: string } | null => {
    if (expected < 0) expected = fields;
    else if (fields !== expected) return { line: recordLine, message: `line ${recordLine} has ${fields} field${fields === 1 ? '' : 's'}, the header has ${expected}` };
    return null;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else inQuotes = false;
      } else if (ch === '\n') line++;
      continue;
    }
    if (ch === '"' && atFieldStart) { inQuotes = true; quoteLine = line; atFieldStart = false; continue; }
    if (ch === delim) { fields++; atFieldStart = true; continue; }
    if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      const blank = fields === 1 && atFieldStart && (i === 0 || text[i - 1] === '\n' || text[i - 1] === '\r');
      if (!blank) {
        const problem = endRecord();
        if (problem) return problem;
      }
      line++;
      fields = 1;
      recordLine = line;
      atFieldStart = true;
      continue;
    }
    atFieldStart = false;
  }
  if (inQuotes) return { line: quoteLine, message: `the quoted field opened on line ${quoteLine} is never closed` };
  if (!atFieldStart || fields > 1) return endRecord();
  return null;
}

/** Text files up to this size are checked in JS before DuckDB reads them (bigger: on error). */
const CHECK_BYTES = 64 * 1024 * 1024;

/** JSON.parse of the whole text, to name the line of a syntax error DuckDB gives only as a byte offset in a record. */
function checkJsonFile(path: string): void {
  const text = readFileSync(path, 'utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const line = /line (\d+)/.exec(message)?.[1] ?? (position !== undefined ? String(text.slice(0, Number(position)).split('\n').length) : undefined)
      ?? String(text.split('\n').length);
    throw new DataError(`${path}:${line}: JSON invalid JSON (line ${line}): ${message}`);
  }
}

function checkCsvFile(path: string, format: DataFormat, delim: string): void {
  const text = readFileSync(path, 'utf8');
  const problem = checkDelimited(text, delim);
  if (problem) {
    const kind = format.toUpperCase();
    const what = problem.message.includes('quoted') ? 'bad quoting' : 'ragged row';
    throw new DataError(`${path}:${problem.line}: ${kind} ${what}: ${problem.message}`);
  }
}

/**
 * Reads a file into the table `table` (materialised, so several passes read memory, not
 * the file). Throws DataError for a missing, empty, malformed or unsupported file.
 */
export async function loadFile(engine: Engine, path: string, table: string, format?: DataFormat): Promise<DataFormat> {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new DataError(`${path} is a folder, not a data file`);
    size = st.size;
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${path}: no such file`);
  }
  if (size === 0 || head(path, 1024).toString('utf8').trim() === '') throw new DataError(`${path} is empty: no header and no rows`);
  const fmt = format ?? detectFormat(path);
  const file = literal(path);
  let source: string;
  switch (fmt) {
    case 'csv':
    case 'tsv': {
      const delim = fmt === 'tsv' ? '\t' : sniffDelimiter(path);
      if (size <= CHECK_BYTES) checkCsvFile(path, fmt, delim);
      source = `read_csv(${file}, auto_detect = true, strict_mode = true, header = true, delim = ${literal(delim)}, null_padding = false, ignore_errors = false)`;
      break;
    }
    case 'json':
      source = `read_json(${file}, format = 'array', sample_size = -1)`;
      break;
    case 'ndjson':
      source = `read_json(${file}, format = 'newline_delimited', sample_size = -1)`;
      break;
    case 'parquet':
      source = `read_parquet(${file})`;
      break;
    case 'arrow':
      await loadRows(engine, readArrowColumns(path), table);
      return fmt;
  }
  try {
    // Parquet is columnar and fast to scan: a view reads only the columns each pass needs.
    // Text formats are parsed once into a table.
    if (fmt === 'parquet') {
      await engine.run(`CREATE OR REPLACE VIEW ${ident(table)} AS SELECT * FROM ${source}`);
      await engine.all(`SELECT count(*) FROM ${ident(table)}`);
    } else {
      await engine.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT * FROM ${source}`);
    }
  } catch (error) {
    if ((fmt === 'csv' || fmt === 'tsv') && size > CHECK_BYTES) checkCsvFile(path, fmt, fmt === 'tsv' ? '\t' : sniffDelimiter(path));
    if (fmt === 'json' && size <= CHECK_BYTES) checkJsonFile(path);
    throw dataErrorFrom(path, fmt, error);
  }
  // JSON columns (values of different JSON types, e.g. numbers and strings in one column)
  // become VARCHAR holding the value's text ("1776", not "\"1776\""); the type mix is
  // recorded by the profile's mixed-types check on that text.
  const columns = await engine.describe(table);
  const json = columns.filter((c) => c.sqlType === 'JSON');
  if (json.length > 0) {
    const select = columns.map((c) => (c.sqlType === 'JSON'
      ? `CASE WHEN json_type(${ident(c.name)}) IN ('OBJECT', 'ARRAY') THEN CAST(${ident(c.name)} AS VARCHAR) ELSE json_extract_string(${ident(c.name)}, '$') END AS ${ident(c.name)}`
      : ident(c.name))).join(', ');
    await engine.run(`CREATE OR REPLACE TABLE ${ident(table)} AS SELECT ${select} FROM ${ident(table)}`);
  }
  return fmt;
}

type Kind = 'number' | 'boolean' | 'string' | 'date' | 'null';

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'date';
  return 'string';
}

function asText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Rows or a column object as columns of equal length. */
export function toColumns(data: InMemoryData): { names: string[]; columns: unknown[][]; rows: number } {
  if (Array.isArray(data)) {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const row of data) {
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new DataError('In-memory data: every row must be an object of column values');
      for (const key of Object.keys(row)) if (!seen.has(key)) { seen.add(key); names.push(key); }
    }
    return { names, columns: names.map((n) => data.map((row) => row[n])), rows: data.length };
  }
  if (data === null || typeof data !== 'object') throw new DataError('In-memory data must be an array of row objects or an object of column arrays');
  const names = Object.keys(data);
  const lengths = new Set(names.map((n) => {
    if (!Array.isArray(data[n])) throw new DataError(`In-memory data: column "${n}" is not an array`);
    return data[n].length;
  }));
  if (lengths.size > 1) throw new DataError(`In-memory data: columns have different lengths (${[...lengths].join(', ')})`);
  return { names, columns: names.map((n) => data[n]), rows: names.length ? data[names[0]].length : 0 };
}

/**
 * Loads in-memory data through DuckDB's appender. Column types follow the JS values:
 * all numbers → DOUBLE (NaN and ±Infinity kept, so they count as missing), all booleans →
 * BOOLEAN, all Dates → TIMESTAMP, anything else (strings, or a mix of kinds) → VARCHAR of
 * the values' text, where the profile's mixed-types check sees the mix.
 */
export async function loadRows(engine: Engine, data: InMemoryData, table: string): Promise<void> {
  const { names, columns } = toColumns(data);
  if (names.length === 0) throw new DataError('In-memory data is empty: no columns');
  const types = columns.map((values) => {
    const kinds = new Set(values.map(kindOf));
    kinds.delete('null');
    if (kinds.size === 1) {
      const [k] = kinds;
      if (k === 'number') return 'DOUBLE';
      if (k === 'boolean') return 'BOOLEAN';
      if (k === 'date') return 'TIMESTAMP';
    }
    return 'VARCHAR';
  });
  // Dates go in as ISO text and are cast afterwards (the appender does not convert text).
  await engine.run(`CREATE OR REPLACE TABLE ${ident(table)} (${names.map((n, i) => `${ident(n)} ${types[i] === 'TIMESTAMP' ? 'VARCHAR' : types[i]}`).join(', ')})`);
  const appender = await engine.connection.createAppender(table);
  try {
    const rows = columns[0].length;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < names.length; c++) {
        const v = columns[c][r];
        if (v === null || v === undefined) { appender.appendNull(); continue; }
        switch (types[c]) {
          case 'DOUBLE': appender.appendDouble(Number(v)); break;
          case 'BOOLEAN': appender.appendBoolean(v as boolean); break;
          case 'TIMESTAMP': {
            const ms = (v as Date).getTime();
            if (Number.isNaN(ms)) appender.appendNull();
            else appender.appendVarchar(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
            break;
          }
          default: appender.appendVarchar(asText(v));
        }
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  for (let c = 0; c < names.length; c++) {
    if (types[c] === 'TIMESTAMP') await engine.run(`ALTER TABLE ${ident(table)} ALTER ${ident(names[c])} TYPE TIMESTAMP`);
  }
}
