/**
 * Forward-only migration of a PostgreSQL database. A database from a newer Labbook is
 * refused before anything is written (the version is read first, outside any DDL); a
 * database holding other tables but no Labbook schema is refused too, rather than mixed
 * into. Concurrent openers serialise on an advisory lock, so two processes starting on an
 * empty database apply each migration once.
 */
import type pg from 'pg';
import { StoreError } from '../errors';
import { SCHEMA_VERSION } from '../schema';
import { PG_MIGRATIONS } from './schema';
import { one, run, transaction } from './sql';

/** Any 64-bit number unique to Labbook's migrations (pg_advisory_xact_lock's key). */
const MIGRATION_LOCK = 7_108_421_017;

async function readVersion(db: pg.Pool | pg.PoolClient): Promise<number | null> {
  const table = await one<{ exists: string | null }>(
    db,
    "SELECT to_regclass('labbook_schema')::text AS exists",
  );
  if (!table?.exists) return null;
  const row = await one<{ version: number }>(db, 'SELECT version FROM labbook_schema');
  return row?.version ?? 0;
}

function newerSchema(location: string, version: number): StoreError {
  return new StoreError(
    'NEWER_SCHEMA',
    `${location} was written by a newer Labbook (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
      'Upgrade Labbook; the database was not modified.',
  );
}

/** Brings the database to SCHEMA_VERSION; returns the version it had before. */
export async function migratePostgres(pool: pg.Pool, location: string): Promise<number> {
  const before = await readVersion(pool);
  if (before !== null && before > SCHEMA_VERSION) throw newerSchema(location, before);
  if (before === SCHEMA_VERSION) return before;
  if (before === null) {
    const foreign = await one<{ name: string }>(
      pool,
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('runs', 'experiments') LIMIT 1",
    );
    if (foreign) {
      throw new StoreError(
        'NOT_A_DATABASE',
        `${location} has a table "${foreign.name}" but no Labbook schema: it is not a Labbook store. Point LABBOOK_STORE at an empty database or one created by Labbook`,
      );
    }
  }
  return transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS labbook_schema (version integer NOT NULL)');
    let version = await readVersion(client);
    if (version === null || version === 0) {
      const empty = await one<{ n: number }>(client, 'SELECT COUNT(*) AS n FROM labbook_schema');
      if (!empty?.n) await run(client, 'INSERT INTO labbook_schema (version) VALUES (0)');
      version = 0;
    }
    // Another process may have migrated while this one waited for the lock.
    if (version > SCHEMA_VERSION) throw newerSchema(location, version);
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= version) continue;
      await client.query(migration.sql);
      await run(client, 'UPDATE labbook_schema SET version = ?', [migration.version]);
    }
    return version;
  });
}

/** The schema version of the database (null when Labbook never wrote to it). */
export function postgresSchemaVersion(pool: pg.Pool): Promise<number | null> {
  return readVersion(pool);
}
