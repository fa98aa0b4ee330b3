/** Bytes on disk per metric point of a SQLite store, shared by the logging and store benchmarks. */
import Database from 'better-sqlite3';

/** Bytes of the given tables (the points and their series) in the file, from SQLite's page accounting, per point. */
export function bytesPerPoint(path: string, tables: string[], points: number): number {
  const db = new Database(path, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db
      .prepare(
        `SELECT COUNT(*) AS n FROM dbstat WHERE name IN (${tables.map(() => '?').join(', ')})`,
      )
      .get(...tables) as { n: number };
    return (pages.n * pageSize) / points;
  } finally {
    db.close();
  }
}
