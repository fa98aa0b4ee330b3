/**
 * The PostgreSQL side of a copy. The source is read in one REPEATABLE READ READ ONLY
 * transaction (one snapshot for every table) through a cursor, so a 1,000,000-row table
 * streams in batches without being held whole and without an ORDER BY (whose text
 * collation would differ from SQLite's anyway; the checksum does not need an order). The
 * target is written with COPY FROM STDIN (pg-copy-streams), the bulk path PostgreSQL
 * offers, in one transaction; COPY writes ids into identity columns as given (even
 * GENERATED ALWAYS ones), and commit moves each identity past the highest copied id.
 */
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ARTIFACTS_ENV_VAR, DEFAULT_STORE_DIR } from '../location';
import { migratePostgres, postgresSchemaVersion } from './migrations';
import { CHANGES_CHANNEL, createPool, redactedUrl } from './sql';
import { SCHEMA_VERSION } from '../schema';
import { schemaMismatch, type CopySource, type CopyTarget } from '../copy/endpoint';
import { checkColumns, COPY_TABLES, CopyError, quoted, type ColumnKind } from '../copy/tables';

export interface PostgresSideOptions {
  /** For the default artifact root, as PostgresRunStore.open computes it. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Where a PostgreSQL store's artifacts recorded without a root live, for this process. */
export function postgresDefaultArtifactRoot(options: PostgresSideOptions): string {
  const env = options.env ?? process.env;
  return resolve(
    options.cwd ?? process.cwd(),
    env[ARTIFACTS_ENV_VAR]?.trim() || `${DEFAULT_STORE_DIR}/artifacts`,
  );
}

async function columnsOf(db: pg.Pool | pg.PoolClient): Promise<Map<string, Set<string>>> {
  const rows = (
    await db.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'labbook_schema'`,
    )
  ).rows;
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    if (!out.has(row.table_name)) out.set(row.table_name, new Set());
    out.get(row.table_name)!.add(row.column_name);
  }
  return out;
}

async function connect(url: string, side: 'FROM' | 'TO'): Promise<pg.Pool> {
  const pool = createPool(url);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    throw new CopyError(
      `${side}: cannot connect to the PostgreSQL store ${redactedUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return pool;
}

export async function openPostgresSource(
  url: string,
  options: PostgresSideOptions = {},
): Promise<CopySource> {
  const where = redactedUrl(url);
  const pool = await connect(url, 'FROM');
  let client: pg.PoolClient | undefined;
  try {
    const version = await postgresSchemaVersion(pool);
    if (version === null)
      throw new CopyError(`FROM ${where} is not a Labbook store (no labbook_schema table)`);
    if (version !== SCHEMA_VERSION)
      throw schemaMismatch(
        'FROM',
        where,
        version,
        'open it once with this Labbook (e.g. `labbook runs --store FROM`) to upgrade it',
      );
    client = await pool.connect();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    checkColumns(`FROM ${where}`, await columnsOf(client));
  } catch (error) {
    client?.release();
    await pool.end();
    throw error;
  }
  const reader = client;
  return {
    where,
    defaultArtifactRoot: postgresDefaultArtifactRoot(options),
    count: async (table) =>
      Number(
        (await reader.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoted(table.name)}`))
          .rows[0].n,
      ),
    async *batches(table, size) {
      const columns = table.columns.map((c) => quoted(c.name)).join(', ');
      await reader.query(
        `DECLARE labbook_copy NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoted(table.name)}`,
      );
      try {
        for (;;) {
          const { rows } = await reader.query<unknown[]>({
            text: `FETCH FORWARD ${size} FROM labbook_copy`,
            rowMode: 'array',
          });
          if (rows.length === 0) break;
          yield rows;
          if (rows.length < size) break;
        }
      } finally {
        await reader.query('CLOSE labbook_copy');
      }
    },
    close: async () => {
      await reader.query('COMMIT').catch(() => undefined);
      reader.release();
      await pool.end();
    },
  };
}

/** A value in COPY's text format: `\N` is NULL; backslash, tab, newline and CR escaped. */
function copyValue(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return kind === 'metric' ? 'NaN' : '\\N';
  // String() gives NaN, Infinity and -Infinity as PostgreSQL's float input spells them, and
  // the shortest text that reads back as the same double.
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

export async function openPostgresTarget(
  url: string,
  options: PostgresSideOptions = {},
): Promise<CopyTarget> {
  const where = redactedUrl(url);
  const pool = await connect(url, 'TO');
  try {
    const version = await postgresSchemaVersion(pool);
    if (version !== null && version !== 0 && version !== SCHEMA_VERSION)
      throw schemaMismatch(
        'TO',
        where,
        version,
        'open it once with this Labbook to upgrade it, or copy into an empty database',
      );
    // Refuses a database of someone else's tables; creates the schema in an empty one.
    await migratePostgres(pool, where);
    checkColumns(`TO ${where}`, await columnsOf(pool));
  } catch (error) {
    await pool.end();
    throw error;
  }
  let client: pg.PoolClient | undefined;
  const writer = () => {
    if (!client) throw new Error('copy target written before begin()');
    return client;
  };
  return {
    where,
    defaultArtifactRoot: postgresDefaultArtifactRoot(options),
    count: async (table) =>
      Number(
        (await pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoted(table.name)}`)).rows[0]
          .n,
      ),
    begin: async () => {
      client = await pool.connect();
      await client.query('BEGIN');
    },
    write: async (table, rows) => {
      if (rows.length === 0) return;
      const kinds = table.columns.map((c) => c.kind);
      const lines: string[] = new Array(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r];
        let line = copyValue(row[0], kinds[0]);
        for (let i = 1; i < kinds.length; i++) line += `\t${copyValue(row[i], kinds[i])}`;
        lines[r] = line;
      }
      const columns = table.columns.map((c) => quoted(c.name)).join(', ');
      const stream = writer().query(copyFrom(`COPY ${quoted(table.name)} (${columns}) FROM STDIN`));
      await pipeline(Readable.from([`${lines.join('\n')}\n`]), stream);
    },
    setReferences: async (table, column, pairs) => {
      if (pairs.length === 0) return;
      await writer().query(
        `UPDATE ${quoted(table.name)} AS t SET ${quoted(column)} = u.reference
        FROM unnest($1::text[], $2::text[]) AS u(key, reference) WHERE t.${quoted(table.key!)} = u.key`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
    },
    commit: async () => {
      const db = writer();
      for (const table of COPY_TABLES) {
        if (!table.identity) continue;
        // The next id is one past the highest copied one (1 on an empty table).
        await db.query(
          `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX(${quoted(table.identity)}) FROM ${quoted(table.name)}), 0) + 1, false)`,
          [table.name, table.identity],
        );
      }
      await db.query(`NOTIFY ${CHANGES_CHANNEL}`);
      await db.query('COMMIT');
    },
    rollback: async () => {
      await client?.query('ROLLBACK').catch(() => undefined);
    },
    close: async () => {
      client?.release();
      client = undefined;
      await pool.end();
    },
  };
}
