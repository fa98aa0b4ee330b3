/**
 * Data files in and out of the data-centric tools: a file (CSV, TSV, JSON, NDJSON,
 * Parquet, Arrow) read through the data engine into rows, and rows written back as CSV,
 * JSON or Parquet through DuckDB's COPY, so quoting and types follow one well-kept writer.
 */
import { extname } from 'node:path';
import { DATA_TABLE, ident, literal, loadFile, loadRows, withEngine } from '../quality/engine';
import type { Row } from './features';

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** The rows of a data file, BIGINT as numbers and dates as ISO text. */
export async function readDataFile(path: string): Promise<Row[]> {
  return withEngine(async (engine) => {
    await loadFile(engine, path, DATA_TABLE);
    const rows = await engine.all(`SELECT * FROM ${ident(DATA_TABLE)}`);
    for (const row of rows) for (const k of Object.keys(row)) row[k] = plain(row[k]);
    return rows;
  });
}

const WRITE_FORMATS: Record<string, string> = {
  '.csv': 'FORMAT csv, HEADER true',
  '.tsv': "FORMAT csv, HEADER true, DELIMITER '\t'",
  '.json': 'FORMAT json, ARRAY true',
  '.ndjson': 'FORMAT json',
  '.parquet': 'FORMAT parquet',
};

/** Writes rows to `path`, the format from its extension (.csv, .tsv, .json, .ndjson, .parquet). */
export async function writeDataFile(path: string, rows: readonly Row[]): Promise<void> {
  const options = WRITE_FORMATS[extname(path).toLowerCase()];
  if (!options)
    throw new TypeError(
      `${path}: cannot write this kind of file; use one of ${Object.keys(WRITE_FORMATS).join(', ')}`,
    );
  if (rows.length === 0) throw new TypeError(`${path}: no rows to write`);
  await withEngine(async (engine) => {
    await loadRows(engine, rows as Record<string, unknown>[], 'out');
    await engine.run(`COPY ${ident('out')} TO ${literal(path)} (${options})`);
  });
}
