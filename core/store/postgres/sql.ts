/**
 * The connection pool and the few helpers every PostgreSQL statement goes through.
 * Statements are written with `?` placeholders, as on SQLite, so conditions built in
 * pieces (searches, filters) compose; `numbered` turns them into `$1, $2, …` at the end.
 */
import pg from 'pg';

/**
 * bigint (COUNT(*), identities, steps) and numeric arrive as strings by default; every
 * value Labbook keeps there is a safe integer, so they are read as numbers. Set per pool,
 * not on pg's global `types`, so another user of `pg` in the process is unaffected.
 */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** How long a connection attempt may take before it fails with the server's address. */
const CONNECT_TIMEOUT_MS = 10_000;

export function createPool(url: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle client losing its connection (a server restart) must not crash the process;
  // the next query gets a fresh connection and reports the problem itself.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * One connection of its own (not pooled), with the same number parsing: for a session
 * whose transactions span several requests (core/store/postgres/sync).
 */
export function createClient(url: string): pg.Client {
  return new pg.Client({
    connectionString: url,
    types,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
}

/** `?` placeholders numbered `$1…$n`, left alone inside quoted literals and identifiers. */
export function numbered(sql: string): string {
  let n = 0;
  let out = '';
  let quote: string | null = null;
  for (const c of sql) {
    if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') out += `$${++n}`;
    else out += c;
  }
  return out;
}

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export async function all<T>(db: Queryable, sql: string, args: unknown[] = []): Promise<T[]> {
  return (await db.query(numbered(sql), args)).rows as T[];
}

export async function one<T>(
  db: Queryable,
  sql: string,
  args: unknown[] = [],
): Promise<T | undefined> {
  return (await all<T>(db, sql, args))[0];
}

export async function run(db: Queryable, sql: string, args: unknown[] = []): Promise<number> {
  return (await db.query(numbered(sql), args)).rowCount ?? 0;
}

/** The channel every write notifies (on commit), for live views (RunStore.watch). */
export const CHANGES_CHANNEL = 'labbook_changes';

/** Tells watchers that something changed (outside a transaction: at once). */
export async function notify(db: Queryable): Promise<void> {
  await db.query(`NOTIFY ${CHANGES_CHANNEL}`);
}

/** A single-statement write outside a transaction, then the notification of it. */
export async function write(db: Queryable, sql: string, args: unknown[] = []): Promise<number> {
  const changes = await run(db, sql, args);
  if (changes > 0) await notify(db);
  return changes;
}

/**
 * Runs `fn` in one transaction on one pooled connection; rolls back on a throw. Every
 * transaction here writes, so each one notifies watchers; PostgreSQL delivers the
 * notification only if the transaction commits, and folds repeats into one.
 */
export async function transaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query(`NOTIFY ${CHANGES_CHANNEL}`);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The URL with its password replaced, for messages and `store.location`. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
