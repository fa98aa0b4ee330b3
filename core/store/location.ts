/**
 * Where the store lives. One rule for every entry point (kernel, CLI, service) so they
 * all find the same file: explicit option > LABBOOK_STORE > <cwd>/.labbook/labbook.db.
 */
import { dirname, join, resolve } from 'node:path';

export const STORE_ENV_VAR = 'LABBOOK_STORE';
export const DEFAULT_STORE_DIR = '.labbook';
export const DEFAULT_STORE_FILE = 'labbook.db';

export interface LocationOptions {
  /** Explicit database file; wins over everything. */
  path?: string;
  /** Folder the default location is relative to; default process.cwd(). */
  cwd?: string;
  /** Environment to read LABBOOK_STORE from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Absolute path of the SQLite database file. */
export function resolveStorePath(options: LocationOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  if (options.path) return resolve(cwd, options.path);
  const fromEnv = (options.env ?? process.env)[STORE_ENV_VAR];
  if (fromEnv) return resolve(cwd, fromEnv);
  return join(cwd, DEFAULT_STORE_DIR, DEFAULT_STORE_FILE);
}

/** Artifacts sit next to the database so that moving the folder moves both. */
export function artifactsDirFor(databasePath: string): string {
  return join(dirname(databasePath), 'artifacts');
}
