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
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdb } from '../engines';
import { readArrowColumns } from './arrow';
import { DataError } from './data-error';
import type { EngineColumn, InMemoryData, SqlEngine } from './sql-engine';

export { DataError };

export type DataFormat = 'csv' | 'tsv' | 'json' | 'ndjson' | 'parquet' | 'arrow';

export type { EngineColumn, InMemoryData, SqlEngine };

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

/** A header name that repeats, and the names DuckDB gave its copies (it reads a second "a" as "a_1"). */
export interface RenamedColumns {
  name: string;
  columns: string[];
}

export class Engine implements SqlEngine {
  /** Per loaded table: header names DuckDB renamed, so the profile can say so. */
  readonly renamedColumns = new Map<string, RenamedColumns[]>();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

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
    return reader.getRowObjectsJS();
  }

  async describe(table: string): Promise<EngineColumn[]> {
    const rows = await this.all(`DESCRIBE ${ident(table)}`);
    return rows.map((r) => ({ name: String(r.column_name), sqlType: String(r.column_type) }));
  }

  close(): void {
    try {
      this.connection.closeSync();
    } catch {
      /* already closed */
    }
    try {
      this.instance.closeSync();
    } catch {
      /* already closed */
    }
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
  if (
    start.subarray(0, 6).toString('latin1') === 'ARROW1' ||
    start.subarray(0, 4).equals(Buffer.from([0xff, 0xff, 0xff, 0xff]))
  )
    return 'arrow';
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv':
      return 'csv';
    case '.tsv':
    case '.tab':
      return 'tsv';
    case '.ndjson':
    case '.jsonl':
      return 'ndjson';
    case '.json': {
      const text = start.toString('utf8').trimStart();
      return text.startsWith('[') ? 'json' : 'ndjson';
    }
    case '.parquet':
    case '.pq':
      return 'parquet';
    case '.arrow':
    case '.feather':
    case '.ipc':
      return 'arrow';
    default:
      break;
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
  const first =
    raw
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)[0] ?? raw;
  const kind = format === 'ndjson' || format === 'json' ? 'JSON' : format.toUpperCase();
  const what =
    kind === 'JSON' && /JSON/i.test(raw)
      ? 'invalid JSON'
      : /Expected Number of Columns|too many columns|fewer columns|more columns/i.test(raw)
        ? 'ragged row (a different number of fields than the header)'
        : /quote/i.test(raw)
          ? 'bad quoting'
          : 'could not be read';
  return new DataError(
    `${path}${line ? `:${line}` : ''}: ${kind} ${what}: ${first.replace(/^[A-Za-z ]+Error: /, '').slice(0, 300)}`,
  );
}

/** The delimiter of a CSV file: the most frequent of , ; tab | in its first line, outside quotes. */
export function sniffDelimiter(path: string): string {
  const firstLine = head(path, 65536)
    .toString('utf8')
    .split(/\r?\n/)[0]
    .replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = firstLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

type DelimitedProblem = { line: number; message: string };

/**
 * Checks a delimited text in JS, the way RFC 4180 reads it: every record has as many fields
 * as the header, and every quoted field is closed. Fed in pieces, so a file of any size is
 * checked without holding it in one string (V8 refuses strings over 512 MB, the size of
 * file where DuckDB's own errors stop naming lines).
 */
export class DelimitedChecker {
  private line = 1;
  private fields = 1;
  private expected = -1;
  private recordLine = 1;
  private inQuotes = false;
  private quoteLine = 0;
  private atFieldStart = true;
  /** The character before the next one, '' at the start of the text. */
  private prev = '';
  /** A last '"' or '\r' waits for the next piece: what it means depends on the character after it. */
  private carry = '';
  private problem: DelimitedProblem | null = null;

  constructor(private readonly delim: string) {}

  private endRecord(): DelimitedProblem | null {
    if (this.expected < 0) this.expected = this.fields;
    else if (this.fields !== this.expected) {
      return {
        line: this.recordLine,
        message: `line ${this.recordLine} has ${this.fields} field${this.fields === 1 ? '' : 's'}, the header has ${this.expected}`,
      };
    }
    return null;
  }

  /** Checks the next piece of the text (`last`: the end of it); the first problem, or null so far. */
  feed(piece: string, last: boolean): DelimitedProblem | null {
    if (this.problem) return this.problem;
    const text = this.carry + piece;
    this.carry = '';
    const delim = this.delim;
    for (let i = 0; i < text.length; this.prev = text[i], i++) {
      const ch = text[i];
      if (!last && i === text.length - 1 && (ch === '"' || ch === '\r')) {
        this.carry = ch;
        break;
      }
      if (this.inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') i++;
          else this.inQuotes = false;
        } else if (ch === '\n') this.line++;
        continue;
      }
      if (ch === '"' && this.atFieldStart) {
        this.inQuotes = true;
        this.quoteLine = this.line;
        this.atFieldStart = false;
        continue;
      }
      if (ch === delim) {
        this.fields++;
        this.atFieldStart = true;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        const blank =
          this.fields === 1 &&
          this.atFieldStart &&
          (this.prev === '' || this.prev === '\n' || this.prev === '\r');
        if (ch === '\r' && text[i + 1] === '\n') i++;
        if (!blank) {
          const problem = this.endRecord();
          if (problem) return (this.problem = problem);
        }
        this.line++;
        this.fields = 1;
        this.recordLine = this.line;
        this.atFieldStart = true;
        continue;
      }
      this.atFieldStart = false;
    }
    if (!last) return null;
    if (this.inQuotes)
      return (this.problem = {
        line: this.quoteLine,
        message: `the quoted field opened on line ${this.quoteLine} is never closed`,
      });
    if (!this.atFieldStart || this.fields > 1) return (this.problem = this.endRecord());
    return null;
  }
}

/** The first problem of a whole delimited text (see DelimitedChecker), with its (1-based) line, or null. */
export function checkDelimited(text: string, delim: string): DelimitedProblem | null {
  return new DelimitedChecker(delim).feed(text, true);
}

/**
 * Limits of the checks in JS before and after DuckDB reads a file; an object so that tests
 * can lower them.
 * - checkBytes: text files up to this size are checked before DuckDB reads them (bigger:
 *   only once DuckDB has refused them).
 * - maxJsonDepth: DuckDB's JSON reader recurses per level of nesting: at 5,000 levels
 *   (a 30 KB file) it took 5 GB and crashed the process. Real data nests a few levels.
 */
export const dataFileLimits = { checkBytes: 64 * 1024 * 1024, maxJsonDepth: 100 };

const CHUNK_BYTES = 1024 * 1024;

/** Calls `fn` with the file's bytes, a chunk at a time (the buffer is reused), until it returns false. */
function eachChunk(path: string, fn: (chunk: Buffer, offset: number) => boolean | void): void {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    let offset = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK_BYTES, offset);
      if (n === 0) return;
      if (fn(buffer.subarray(0, n), offset) === false) return;
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** The file as text, a piece at a time (UTF-8 sequences split between chunks stay whole). */
function eachText(path: string, fn: (text: string, last: boolean) => boolean | void): void {
  const decoder = new StringDecoder('utf8');
  let stopped = false;
  eachChunk(path, (chunk) => {
    if (fn(decoder.write(chunk), false) === false) stopped = true;
    return !stopped;
  });
  if (!stopped) fn(decoder.end(), true);
}

/**
 * Refuses JSON nested deeper than dataFileLimits.maxJsonDepth, by a scan of the bytes for
 * brackets outside strings (UTF-8 never puts an ASCII byte inside a multi-byte character),
 * before DuckDB, which would crash on it, reads the file.
 */
export function checkJsonDepth(path: string, max = dataFileLimits.maxJsonDepth): void {
  let depth = 0;
  let deepest = 0;
  let line = 1;
  let overLine = 0;
  let inString = false;
  let escaped = false;
  eachChunk(path, (chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x0a) line++;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        depth++;
        if (depth > deepest) deepest = depth;
        if (depth > max && overLine === 0) overLine = line;
      } else if ((b === 0x5d || b === 0x7d) && depth > 0) {
        depth--;
        // The rest of the file is not needed once the deep record is closed.
        if (overLine && depth === 0) return false;
      }
    }
    return true;
  });
  if (overLine) {
    throw new DataError(
      `${path}:${overLine}: JSON nested more than ${max} levels deep (${deepest} levels from line ${overLine}); ` +
        'it is not read, as deeper nesting crashes the data engine: flatten the data or store the deep part as text',
    );
  }
}

/** Index of the first byte of `b` that does not belong to a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= b.length) return i;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= need; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}

const countNewlines = (b: Uint8Array, end: number): number => {
  let n = 0;
  for (let i = 0; i < end; i++) if (b[i] === 0x0a) n++;
  return n;
};

/** Where a file first stops being UTF-8: the byte offset and its line, or null when it is UTF-8 throughout. */
export function findInvalidUtf8(path: string): { offset: number; line: number } | null {
  let found: { offset: number; line: number } | null = null;
  let line = 1;
  let carry: Buffer = Buffer.alloc(0);
  let base = 0;
  eachChunk(path, (chunk) => {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    // A character split at the chunk's end waits for the rest of it.
    let end = bytes.length;
    let k = end - 1;
    while (k > end - 4 && k >= 0 && (bytes[k] & 0xc0) === 0x80) k--;
    if (k >= 0 && bytes[k] >= 0xc0) {
      const length = bytes[k] >= 0xf0 ? 4 : bytes[k] >= 0xe0 ? 3 : 2;
      if (end - k < length) end = k;
    }
    const body = bytes.subarray(0, end);
    if (!isUtf8(body)) {
      const at = firstInvalidUtf8(body);
      found = { offset: base + at, line: line + countNewlines(body, at) };
      return false;
    }
    line += countNewlines(body, body.length);
    base += end;
    carry = Buffer.from(bytes.subarray(end));
    return true;
  });
  if (!found && carry.length) found = { offset: base, line };
  return found;
}

function checkUtf8(path: string): void {
  const bad = findInvalidUtf8(path);
  if (bad) {
    throw new DataError(
      `${path}:${bad.line}: not UTF-8 at byte ${bad.offset} (line ${bad.line}); convert it with iconv -f latin1 -t utf8 ` +
        '(if it is Latin-1; -f cp1252 for Windows text) and read the converted file',
    );
  }
}

/** JSON.parse of the whole text, to name the line of a syntax error DuckDB gives only as a byte offset in a record. */
function checkJsonFile(path: string): void {
  const text = readFileSync(path, 'utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    const line =
      /line (\d+)/.exec(message)?.[1] ??
      (position !== undefined
        ? String(text.slice(0, Number(position)).split('\n').length)
        : undefined) ??
      String(text.split('\n').length);
    throw new DataError(`${path}:${line}: ${jsonProblem(message, text, position)}`);
  }
}

/**
 * V8's JSON.parse message without its offsets ("... in JSON at position 39 (line 4 column 9)"),
 * which mean nothing to the person holding the file, with the column of the line instead.
 */
function jsonProblem(message: string, text?: string, position?: string): string {
  let column = /column (\d+)/.exec(message)?.[1];
  if (column === undefined && text !== undefined && position !== undefined) {
    column = String(Number(position) - text.lastIndexOf('\n', Number(position) - 1));
  }
  const what = message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s*in JSON at position \d+/, '')
    .replace(/^Unexpected end of JSON input$/, 'the text ends before the JSON does');
  return `invalid JSON${column !== undefined ? ` at column ${column}` : ''}: ${what}`;
}

/**
 * JSON.parse of each line of newline-delimited JSON, streamed: DuckDB names the line after
 * the one that holds the error.
 */
function checkNdjsonFile(path: string): void {
  let line = 0;
  let rest = '';
  let problem: { line: number; message: string } | null = null;
  const check = (text: string): boolean => {
    line++;
    if (text.trim() === '') return true;
    try {
      JSON.parse(text);
      return true;
    } catch (error) {
      problem = { line, message: (error as Error).message };
      return false;
    }
  };
  eachText(path, (text, last) => {
    const lines = (rest + text).split('\n');
    rest = last ? '' : lines.pop()!;
    for (const l of lines) if (!check(l)) return false;
    return true;
  });
  if (problem) {
    const { line: at, message } = problem;
    throw new DataError(`${path}:${at}: ${jsonProblem(message)}`);
  }
}

function checkCsvFile(path: string, format: DataFormat, delim: string): void {
  const checker = new DelimitedChecker(delim);
  let problem: DelimitedProblem | null = null;
  eachText(path, (text, last) => {
    problem = checker.feed(text, last);
    return problem === null;
  });
  if (problem) {
    const { line, message } = problem as DelimitedProblem;
    const kind = format.toUpperCase();
    const what = message.includes('quoted') ? 'bad quoting' : 'ragged row';
    throw new DataError(`${path}:${line}: ${kind} ${what}: ${message}`);
  }
}

/** The names of a delimited file's header record, as written (quotes removed). */
export function headerNames(path: string, delim: string): string[] {
  const text = head(path, 1024 * 1024)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
      continue;
    }
    if (ch === delim) {
      fields.push(field);
      field = '';
      atStart = true;
      continue;
    }
    if (ch === '\n' || ch === '\r') break;
    field += ch;
    atStart = false;
  }
  fields.push(field);
  return fields;
}

/** Header names that repeat (as DuckDB compares names: ignoring case) with the names the copies were read as. */
function renamedHeaderColumns(header: string[], loaded: EngineColumn[]): RenamedColumns[] {
  if (header.length !== loaded.length) return [];
  const groups = new Map<string, number[]>();
  header.forEach((name, i) => {
    const key = name.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()]
    .filter((at) => at.length > 1 && at.some((i) => loaded[i].name !== header[i]))
    .map((at) => ({ name: header[at[0]], columns: at.map((i) => loaded[i].name) }));
}

/**
 * Reads a file into the table `table` (materialised, so several passes read memory, not
 * the file). Throws DataError for a missing, empty, malformed or unsupported file.
 */
export async function loadFile(
  engine: Engine,
  path: string,
  table: string,
  format?: DataFormat,
): Promise<DataFormat> {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new DataError(`${path} is a folder, not a data file`);
    size = st.size;
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${path}: no such file`);
  }
  if (size === 0 || head(path, 1024).toString('utf8').trim() === '')
    throw new DataError(`${path} is empty: no header and no rows`);
  const fmt = format ?? detectFormat(path);
  const file = literal(path);
  let source: string;
  switch (fmt) {
    case 'csv':
    case 'tsv': {
      const delim = fmt === 'tsv' ? '\t' : sniffDelimiter(path);
      if (size <= dataFileLimits.checkBytes) checkCsvFile(path, fmt, delim);
      source = `read_csv(${file}, auto_detect = true, strict_mode = true, header = true, delim = ${literal(delim)}, null_padding = false, ignore_errors = false)`;
      break;
    }
    case 'json':
      checkJsonDepth(path);
      source = `read_json(${file}, format = 'array', sample_size = -1)`;
      break;
    case 'ndjson':
      checkJsonDepth(path);
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
    // DuckDB's own words for these were wrong: "bad quoting" for Latin-1 text, the line
    // after an NDJSON error, no line at all in big CSV files.
    if (fmt !== 'parquet') checkUtf8(path);
    if ((fmt === 'csv' || fmt === 'tsv') && size > dataFileLimits.checkBytes)
      checkCsvFile(path, fmt, fmt === 'tsv' ? '\t' : sniffDelimiter(path));
    if (fmt === 'json' && size <= dataFileLimits.checkBytes) checkJsonFile(path);
    if (fmt === 'ndjson') checkNdjsonFile(path);
    throw dataErrorFrom(path, fmt, error);
  }
  if (fmt === 'csv' || fmt === 'tsv') {
    const renamed = renamedHeaderColumns(
      headerNames(path, fmt === 'tsv' ? '\t' : sniffDelimiter(path)),
      await engine.describe(table),
    );
    if (renamed.length) engine.renamedColumns.set(table, renamed);
    else engine.renamedColumns.delete(table);
  }
  // JSON columns (values of different JSON types, e.g. numbers and strings in one column)
  // become VARCHAR holding the value's text ("1776", not "\"1776\""); the type mix is
  // recorded by the profile's mixed-types check on that text.
  const columns = await engine.describe(table);
  const json = columns.filter((c) => c.sqlType === 'JSON');
  if (json.length > 0) {
    const select = columns
      .map((c) =>
        c.sqlType === 'JSON'
          ? `CASE WHEN json_type(${ident(c.name)}) IN ('OBJECT', 'ARRAY') THEN CAST(${ident(c.name)} AS VARCHAR) ELSE json_extract_string(${ident(c.name)}, '$') END AS ${ident(c.name)}`
          : ident(c.name),
      )
      .join(', ');
    await engine.run(
      `CREATE OR REPLACE TABLE ${ident(table)} AS SELECT ${select} FROM ${ident(table)}`,
    );
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
export function toColumns(data: InMemoryData): {
  names: string[];
  columns: unknown[][];
  rows: number;
} {
  if (Array.isArray(data)) {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const row of data) {
      if (row === null || typeof row !== 'object' || Array.isArray(row))
        throw new DataError('In-memory data: every row must be an object of column values');
      for (const key of Object.keys(row))
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
    }
    return { names, columns: names.map((n) => data.map((row) => row[n])), rows: data.length };
  }
  if (data === null || typeof data !== 'object')
    throw new DataError(
      'In-memory data must be an array of row objects or an object of column arrays',
    );
  const names = Object.keys(data);
  const lengths = new Set(
    names.map((n) => {
      if (!Array.isArray(data[n]))
        throw new DataError(`In-memory data: column "${n}" is not an array`);
      return data[n].length;
    }),
  );
  if (lengths.size > 1)
    throw new DataError(
      `In-memory data: columns have different lengths (${[...lengths].join(', ')})`,
    );
  return {
    names,
    columns: names.map((n) => data[n]),
    rows: names.length ? data[names[0]].length : 0,
  };
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
  await engine.run(
    `CREATE OR REPLACE TABLE ${ident(table)} (${names.map((n, i) => `${ident(n)} ${types[i] === 'TIMESTAMP' ? 'VARCHAR' : types[i]}`).join(', ')})`,
  );
  const appender = await engine.connection.createAppender(table);
  try {
    const rows = columns[0].length;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < names.length; c++) {
        const v = columns[c][r];
        if (v === null || v === undefined) {
          appender.appendNull();
          continue;
        }
        switch (types[c]) {
          case 'DOUBLE':
            appender.appendDouble(Number(v));
            break;
          case 'BOOLEAN':
            appender.appendBoolean(v as boolean);
            break;
          case 'TIMESTAMP': {
            const ms = (v as Date).getTime();
            if (Number.isNaN(ms)) appender.appendNull();
            else
              appender.appendVarchar(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
            break;
          }
          default:
            appender.appendVarchar(asText(v));
        }
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  for (let c = 0; c < names.length; c++) {
    if (types[c] === 'TIMESTAMP')
      await engine.run(`ALTER TABLE ${ident(table)} ALTER ${ident(names[c])} TYPE TIMESTAMP`);
  }
}
