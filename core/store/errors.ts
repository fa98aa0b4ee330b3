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
  constructor(readonly code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
