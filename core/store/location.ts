/**
 * Where the store lives. One rule for every entry point (kernel, CLI, service) so they
 * all find the same file: explicit option > LABBOOK_STORE > <cwd>/.labbook/labbook.db.
 * The editor's setting `labbook.storePath` is read by `workspaceStorePath`, on top of the
 * same default.
 *
 * The extension host imports this file at run time: it must stay plain Node (path, os),
 * with no import of the store itself (better-sqlite3 is native).
 */
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const STORE_ENV_VAR = 'LABBOOK_STORE';
/** An artifact root for every store opened (a shared folder for a team), over the default beside the database. */
export const ARTIFACTS_ENV_VAR = 'LABBOOK_ARTIFACTS';
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
  return defaultStorePath(cwd);
}

/** `<folder>/.labbook/labbook.db`. */
export function defaultStorePath(folder: string): string {
  return join(folder, DEFAULT_STORE_DIR, DEFAULT_STORE_FILE);
}

/**
 * The store of a workspace folder in the editor: setting `labbook.storePath`
 * (`${workspaceFolder}` and a leading `~` expanded; relative paths against the folder,
 * else against `fallbackDir`), else `<folder>/.labbook/labbook.db`. Undefined when there
 * is neither a setting nor a folder, so that the kernel applies `resolveStorePath` in its
 * own working folder. LABBOOK_STORE is not read here (the editor never did); a kernel
 * started without a path still honours it.
 */
export function workspaceStorePath(
  folderPath: string | undefined,
  setting: string | undefined,
  fallbackDir: () => string,
): string | undefined {
  const value = setting?.trim();
  if (!value) return folderPath ? defaultStorePath(folderPath) : undefined;
  let p = value.replace(/\$\{workspaceFolder\}/g, folderPath ?? '');
  if (p === '~' || p.startsWith('~/')) p = join(homedir(), p.slice(1));
  if (isAbsolute(p)) return p;
  return resolve(folderPath ?? fallbackDir(), p);
}

/** Artifacts sit next to the database so that moving the folder moves both. */
export function artifactsDirFor(databasePath: string): string {
  return join(dirname(databasePath), 'artifacts');
}
