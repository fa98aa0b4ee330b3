/**
 * Schema version checks and forward-only migration. The order of operations matters:
 * a database from a newer Labbook must be refused before anything could write to it
 * (switching to WAL, a migration, even a checkpoint when a read-write connection closes),
 * so the version is read from the file header and through a read-only connection first.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { StoreError } from './errors';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';

const HEADER_MAGIC = 'SQLite format 3\0';
const HEADER_SIZE = 100;
/** Offset of the big-endian "user version" in the SQLite file header. */
const USER_VERSION_OFFSET = 60;

export interface FileInspection {
  /** False when the file is missing or empty: SQLite will create a fresh database. */
  exists: boolean;
  /** user_version of an existing database, 0 otherwise. */
  version: number;
}

export function newerSchemaError(path: string, version: number): StoreError {
  return new StoreError(
    'NEWER_SCHEMA',
    `${path} was written by a newer Labbook (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
      'Upgrade Labbook; the file was not modified.',
  );
}

export function notADatabaseError(path: string, why: string, cause?: unknown): StoreError {
  return new StoreError(
    'NOT_A_DATABASE',
    `${path} is not a Labbook store: ${why}. Point labbook.storePath (or LABBOOK_STORE) at a .db file ` +
      'created by Labbook, or at a path that does not exist yet.',
    { cause },
  );
}

/** SQLite errors that mean "this file is not (or no longer) a database". */
export function isNotADatabase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  const fd = openSync(path, 'r');
  try {
    let read = 0;
    while (read < HEADER_SIZE) {
      const n = readSync(fd, header, read, HEADER_SIZE - read, read);
      if (n === 0) break;
      read += n;
    }
    return header.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the schema version of `path` without writing anything, and refuses files that
 * are not SQLite databases or come from a newer schema.
 */
export function inspectDatabaseFile(path: string): FileInspection {
  if (!existsSync(path)) return { exists: false, version: 0 };
  const stat = statSync(path);
  if (stat.isDirectory()) throw notADatabaseError(path, 'it is a folder');
  if (stat.size === 0) return { exists: false, version: 0 };
  const header = readHeader(path);
  if (
    header.length < HEADER_SIZE ||
    header.toString('latin1', 0, HEADER_MAGIC.length) !== HEADER_MAGIC
  ) {
    throw notADatabaseError(path, 'the file does not start with a SQLite header');
  }
  const headerVersion = header.readInt32BE(USER_VERSION_OFFSET);
  if (headerVersion > SCHEMA_VERSION) throw newerSchemaError(path, headerVersion);

  // The header can lag behind a WAL file that has not been checkpointed yet; a read-only
  // connection sees the committed state and never checkpoints on close.
  let version = headerVersion;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    version = db.pragma('user_version', { simple: true }) as number;
  } catch (error) {
    if (isNotADatabase(error)) throw notADatabaseError(path, (error as Error).message, error);
    // A read-only WAL open can fail where -shm cannot be created; the header is then
    // the best information available, and the read-write open will report real problems.
  } finally {
    db?.close();
  }
  if (version > SCHEMA_VERSION) throw newerSchemaError(path, version);
  return { exists: true, version };
}

/**
 * Applies every migration newer than the database, one transaction each. BEGIN IMMEDIATE
 * plus a re-read of the version makes two processes opening a fresh store at once safe:
 * the second waits (busy_timeout) and then finds nothing left to do.
 */
export function applyMigrations(db: Database.Database, path: string): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw newerSchemaError(path, version);
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    version = db.pragma('user_version', { simple: true }) as number;
  }
  return version;
}
