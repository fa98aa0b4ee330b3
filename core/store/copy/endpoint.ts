/**
 * What `labbook store copy` needs of each side, whatever the backend: a source read in one
 * consistent snapshot, table by table in batches, and a target written in one transaction
 * (a copy that fails half-way leaves the target as empty as it was).
 */
import { StoreError } from '../errors';
import { SCHEMA_VERSION } from '../schema';
import { CopyError, type CopyTable } from './tables';

export interface CopySource {
  /** Where it is, for messages (a PostgreSQL password replaced). */
  readonly where: string;
  /** The folder an artifact recorded without a root lives in, for this store. */
  readonly defaultArtifactRoot: string;
  count(table: CopyTable): Promise<number>;
  /** Every row of the table, as values in `table.columns` order, `size` rows at a time. */
  batches(table: CopyTable, size: number): AsyncIterable<unknown[][]>;
  close(): Promise<void>;
}

export interface CopyTarget {
  readonly where: string;
  readonly defaultArtifactRoot: string;
  /** Rows per table already there (before begin). */
  count(table: CopyTable): Promise<number>;
  begin(): Promise<void>;
  /** Rows in `table.columns` order; self-referencing columns arrive as null. */
  write(table: CopyTable, rows: readonly (readonly unknown[])[]): Promise<void>;
  /** Sets `column` of the row with key `pairs[i][0]` to `pairs[i][1]`. */
  setReferences(
    table: CopyTable,
    column: string,
    pairs: readonly (readonly [string, string])[],
  ): Promise<void>;
  /** Moves identities past the copied ids (PostgreSQL), then commits. */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** A side whose schema differs from this Labbook's: refused before anything is written. */
export function schemaMismatch(
  side: 'FROM' | 'TO',
  where: string,
  version: number,
  hint: string,
): CopyError {
  return new CopyError(
    `${side} ${where} has schema ${version}, this Labbook copies schema ${SCHEMA_VERSION}: ${hint}; nothing was copied`,
  );
}

/** A StoreError (newer schema, not a database) keeps its message, prefixed with the side. */
export function onSide<T>(side: 'FROM' | 'TO', open: () => Promise<T>): Promise<T> {
  return open().catch((error: unknown) => {
    if (error instanceof StoreError || error instanceof CopyError)
      throw new CopyError(`${side}: ${error.message}`, { cause: error });
    throw error;
  });
}
