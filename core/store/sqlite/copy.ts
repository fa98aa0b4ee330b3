/**
 * The SQLite side of a copy. The source is read on a read-only connection inside one
 * read transaction (in WAL mode a snapshot: a kernel logging meanwhile does not tear the
 * copy). The target is written in one transaction of prepared single-row inserts, the
 * fastest way into SQLite (no statement parsing per row, one fsync at the end).
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { artifactsDirFor } from '../location';
import { applyMigrations, inspectDatabaseFile } from '../migrations';
import { SCHEMA_VERSION } from '../schema';
import { schemaMismatch, type CopySource, type CopyTarget } from '../copy/endpoint';
import { checkColumns, CopyError, quoted, type CopyTable } from '../copy/tables';

function columnsOf(db: Database.Database): Map<string, Set<string>> {
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all() as string[];
  return new Map(
    tables.map((table) => [
      table,
      new Set((db.pragma(`table_info(${quoted(table)})`) as { name: string }[]).map((c) => c.name)),
    ]),
  );
}

const selectList = (table: CopyTable) =>
  table.columns.map((c) => (c.sqlite ? `${c.sqlite} AS ${quoted(c.name)}` : quoted(c.name)));

export function openSqliteSource(path: string): CopySource {
  const { exists, version } = inspectDatabaseFile(path);
  if (!exists) throw new CopyError(`no Labbook store at ${path}`);
  if (version !== SCHEMA_VERSION) {
    throw schemaMismatch(
      'FROM',
      path,
      version,
      'open it once with this Labbook (e.g. `labbook runs --store FROM`) to upgrade it',
    );
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    checkColumns(`FROM ${path}`, columnsOf(db));
  } catch (error) {
    db.close();
    throw error;
  }
  // The snapshot starts at the first read and holds until close.
  db.exec('BEGIN');
  return {
    where: path,
    defaultArtifactRoot: artifactsDirFor(path),
    count: async (table) =>
      db
        .prepare(`SELECT COUNT(*) FROM ${quoted(table.name)}`)
        .pluck()
        .get() as number,
    async *batches(table, size) {
      const rows = db
        .prepare(`SELECT ${selectList(table).join(', ')} FROM ${quoted(table.name)}`)
        .raw()
        .iterate() as IterableIterator<unknown[]>;
      let batch: unknown[][] = [];
      for (const row of rows) {
        batch.push(row);
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    },
    close: async () => {
      if (db.inTransaction) db.exec('COMMIT');
      db.close();
    },
  };
}

export function openSqliteTarget(path: string): CopyTarget {
  const { exists, version } = inspectDatabaseFile(path);
  if (exists && version !== 0 && version !== SCHEMA_VERSION) {
    throw schemaMismatch(
      'TO',
      path,
      version,
      'open it once with this Labbook to upgrade it, or copy into a new file',
    );
  }
  const folder = dirname(path);
  if (!existsSync(folder)) {
    if (!existsSync(dirname(folder)))
      throw new CopyError(
        `TO ${path}: the folder ${dirname(folder)} does not exist (a mistyped path?); create it first`,
      );
    mkdirSync(folder);
  }
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 5000');
    if (version === 0 && columnsOf(db).size > 0)
      throw new CopyError(
        `TO ${path} holds tables but no Labbook schema: it is not a Labbook store`,
      );
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, path);
    checkColumns(`TO ${path}`, columnsOf(db));
  } catch (error) {
    db.close();
    throw error;
  }
  const inserts = new Map<string, Database.Statement>();
  const insertOf = (table: CopyTable) => {
    let insert = inserts.get(table.name);
    if (!insert) {
      const names = table.columns.map((c) => quoted(c.sqlite ?? c.name));
      insert = db.prepare(
        `INSERT INTO ${quoted(table.name)} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
      );
      inserts.set(table.name, insert);
    }
    return insert;
  };
  return {
    where: path,
    defaultArtifactRoot: artifactsDirFor(path),
    count: async (table) =>
      db
        .prepare(`SELECT COUNT(*) FROM ${quoted(table.name)}`)
        .pluck()
        .get() as number,
    begin: async () => {
      db.exec('BEGIN IMMEDIATE');
    },
    write: async (table, rows) => {
      const insert = insertOf(table);
      for (const row of rows) insert.run(row);
    },
    setReferences: async (table, column, pairs) => {
      const update = db.prepare(
        `UPDATE ${quoted(table.name)} SET ${quoted(column)} = ? WHERE ${quoted(table.key!)} = ?`,
      );
      for (const [key, reference] of pairs) update.run(reference, key);
    },
    commit: async () => {
      db.exec('COMMIT');
    },
    rollback: async () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    },
    close: async () => {
      db.close();
    },
  };
}
