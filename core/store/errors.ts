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
  | 'PARAM_CONFLICT';

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
 * failure worth retrying with the same data (SQLite's SQLITE_BUSY and its extended codes).
 */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
