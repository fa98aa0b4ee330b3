/**
 * What code that only queries loaded data needs of the data engine (engine.ts `Engine`),
 * apart from DuckDB's own types: the SDK's declarations, which every notebook that imports
 * `labbook` type-checks against, reach this module (the SDK's `Suite`, `validateLoaded`)
 * and would otherwise load all of `@duckdb/node-api`'s declarations (about 160 files) into
 * the checker of every cell.
 */

/** One row of DESCRIBE: column name and DuckDB type (e.g. BIGINT, DOUBLE, VARCHAR, JSON, DATE). */
export interface EngineColumn {
  name: string;
  sqlType: string;
}

/** Rows as objects, or columns as arrays of equal length. */
export type InMemoryData = Record<string, unknown>[] | Record<string, unknown[]>;

/** An engine with data loaded: runs SQL over its tables. */
export interface SqlEngine {
  run(sql: string): Promise<void>;
  /** Rows as plain JS values (BIGINT as bigint: cast to DOUBLE in SQL where a number is wanted). */
  all(sql: string): Promise<Record<string, unknown>[]>;
  describe(table: string): Promise<EngineColumn[]>;
}
