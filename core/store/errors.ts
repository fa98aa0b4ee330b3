/**
 * The one error type the store throws for conditions a user can act on (wrong file,
 * newer schema, unknown run, bad artifact name). `code` lets callers (CLI, service)
 * branch without parsing messages.
 */
export type StoreErrorCode =
  | 'NEWER_SCHEMA'
  | 'NOT_A_DATABASE'
  | 'NOT_FOUND'
  | 'READONLY'
  | 'INVALID_ARGUMENT'
  | 'INVALID_ARTIFACT_NAME'
  | 'PARAM_CONFLICT'
  | 'RUN_DELETED'
  /** A study's trial was claimed by another worker (or its lease lapsed): the result is refused. */
  | 'LEASE_LOST';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Whether a store error is another writer holding the lock past the busy timeout: the one
 * failure worth retrying with the same data (SQLite's SQLITE_BUSY and its extended codes;
 * PostgreSQL's lock_not_available).
 */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code === LOCK_NOT_AVAILABLE)
  );
}

/** PostgreSQL's SQLSTATE when a lock is not granted within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/** Writing to a soft-deleted run is refused, as MLflow refuses writes to a deleted run. */
export function deletedRunError(ids: readonly string[]): StoreError {
  return new StoreError(
    'RUN_DELETED',
    `run${ids.length > 1 ? 's' : ''} ${ids.join(', ')} ${ids.length > 1 ? 'are' : 'is'} deleted; restore ${ids.length > 1 ? 'them' : 'it'} (labbook runs restore) before logging to ${ids.length > 1 ? 'them' : 'it'}`,
  );
}
