/**
 * Checks of request params, shared by every handler of the workspace service. Params come
 * from another process (the extension), so they are checked on arrival, and a bad one is
 * refused with InvalidParams and a message that names the field and says what it must be.
 *
 * Two styles, one set of rules: the runs requests' checks (queries.ts, table.ts) return the
 * problem as a string, which `refuse` turns into the error (their tests read the string);
 * the other handlers take fields with the throwing checkers below.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';

export type Params = Record<string, unknown>;

/** Run ids are generated (hex); anything longer is not one of ours. */
export const MAX_RUN_ID_LENGTH = 200;
/** Data files come from the user's pickers and settings; a longer path is a mistake, not a file. */
const MAX_FILE_PATH_LENGTH = 4096;

export function invalidParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

/** Refuses params whose string-style check found a problem. */
export function refuse(problem: string | undefined): void {
  if (problem) throw invalidParams(problem);
}

export function isObject(value: unknown): value is Params {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `what`: how messages name it, e.g. `message` for a nested object. */
export function object(value: unknown, what = 'params'): Params {
  if (!isObject(value)) throw invalidParams(`${what} must be an object`);
  return value;
}

export interface TextRule {
  /** Longest accepted value, in characters. */
  max?: number;
  /** Names a nested field in messages, e.g. `message.` for `message.by`. */
  prefix?: string;
}

/** A non-empty (not only white space) string. */
export function text(
  p: Params,
  field: string,
  { max = 10_000, prefix = '' }: TextRule = {},
): string {
  const v = p[field];
  if (typeof v !== 'string' || v.trim() === '')
    throw invalidParams(`${prefix}${field} must be a non-empty string`);
  if (v.length > max) throw invalidParams(`${prefix}${field} must be at most ${max} characters`);
  return v;
}

/**
 * An optional string. `null` is refused unless `null` says otherwise: `keep` returns it (a
 * field the caller clears with null), `absent` reads it as a missing field.
 */
export function optionalText(
  p: Params,
  field: string,
  rule: TextRule & { null: 'keep' },
): string | null | undefined;
export function optionalText(
  p: Params,
  field: string,
  rule?: TextRule & { null?: 'refuse' | 'absent' },
): string | undefined;
export function optionalText(
  p: Params,
  field: string,
  {
    max = 100_000,
    prefix = '',
    null: nullIs = 'refuse',
  }: TextRule & { null?: 'refuse' | 'keep' | 'absent' } = {},
): string | null | undefined {
  const v = p[field];
  if (v === undefined) return undefined;
  if (v === null && nullIs === 'keep') return null;
  if (v === null && nullIs === 'absent') return undefined;
  if (typeof v !== 'string')
    throw invalidParams(`${prefix}${field} must be a string${nullIs === 'keep' ? ' or null' : ''}`);
  if (v.length > max) throw invalidParams(`${prefix}${field} must be at most ${max} characters`);
  return v;
}

/** `what` completes "must be …", e.g. `a share from 0 to 1`. */
export function optionalNumber(
  p: Params,
  field: string,
  check: (v: number) => boolean,
  what: string,
  prefix = '',
): number | undefined {
  const v = p[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !check(v))
    throw invalidParams(`${prefix}${field} must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

export function optionalBoolean(p: Params, field: string, prefix = ''): boolean | undefined {
  const v = p[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalidParams(`${prefix}${field} must be true or false`);
  return v;
}

/** A data file named in params, resolved against `cwd`: it must exist and be a file. */
export function dataFile(value: unknown, field: string, cwd: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidParams(`${field} must be a non-empty string`);
  if (value.length > MAX_FILE_PATH_LENGTH || value.includes('\0')) {
    throw invalidParams(
      `${field} must be a file path of at most ${MAX_FILE_PATH_LENGTH} characters`,
    );
  }
  const file = path.resolve(cwd, value);
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw invalidParams(`There is no file at ${file}`);
  }
  if (!stat.isFile()) throw invalidParams(`${file} is not a file`);
  return file;
}

// ---- string-style checks of the runs requests ----

export function checkRunId(value: unknown, what = 'runId'): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RUN_ID_LENGTH)
    return `${what} must be a non-empty string`;
  return undefined;
}

export function checkRunIdParams(p: unknown): string | undefined {
  return isObject(p) ? checkRunId(p.runId) : 'runId must be a non-empty string';
}

export function checkExperimentIdParams(p: unknown): string | undefined {
  if (!isObject(p) || !Number.isInteger(p.experimentId)) return 'experimentId must be an integer';
  return undefined;
}
