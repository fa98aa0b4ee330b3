/**
 * The error of unusable input, in a module of its own so that the readers (./engine.ts,
 * ./arrow.ts) share it without importing each other.
 */

/** Unusable input (missing, empty or malformed file, unsupported format): exit code 2 in the CLI. */
export class DataError extends Error {
  override name = 'DataError';
}
