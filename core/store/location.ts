/**
 * Where the store lives. One rule for every entry point (kernel, CLI, service) so they
 * all find the same file: explicit option > LABBOOK_STORE > <cwd>/.labbook/labbook.db.
 * The editor's setting `labbook.storePath` is read by `workspaceStorePath`, on top of the
 * same default.
 *
 * The extension host imports this file at run time: it must stay plain Node (path, os),
 * with no import of the store itself (better-sqlite3 is native).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { StoreError } from './errors';

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

/** A `postgres://` or `postgresql://` URL names a PostgreSQL database, not a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** Where the store lives, by backend: a SQLite file path or a PostgreSQL URL. */
export type StoreLocation =
  { backend: 'sqlite'; path: string } | { backend: 'postgres'; url: string };

/** The same rule as resolveStorePath, a PostgreSQL URL allowed wherever a path is. */
export function resolveStoreLocation(options: LocationOptions = {}): StoreLocation {
  const cwd = options.cwd ?? process.cwd();
  const named = options.path || (options.env ?? process.env)[STORE_ENV_VAR];
  if (named && isPostgresUrl(named)) return { backend: 'postgres', url: named.trim() };
  return { backend: 'sqlite', path: named ? resolve(cwd, named) : defaultStorePath(cwd) };
}

/**
 * Absolute path of the SQLite database file. A PostgreSQL URL is refused by name: the
 * callers of this function (the SDK's runs, the registry, deployments) are SQLite-only
 * for now; openRunStore (core/store/open.ts) is the backend-neutral way in.
 */
export function resolveStorePath(options: LocationOptions = {}): string {
  const location = resolveStoreLocation(options);
  if (location.backend === 'postgres') {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `${location.url.replace(/:[^:@/]*@/, ':***@')} is a PostgreSQL store; this command works on SQLite files only so far ("labbook runs" works on PostgreSQL; see core/store/postgres)`,
    );
  }
  return location.path;
}

/** A location for messages and logs: a URL's password replaced by `***`. */
export function displayedStore(location: string): string {
  return isPostgresUrl(location) ? location.replace(/(:\/\/[^:@/]*:)[^@/]*@/, '$1***@') : location;
}

/** The location as the user named it: the file's path or the server's URL. */
export function storeName(location: StoreLocation): string {
  return location.backend === 'postgres' ? location.url : location.path;
}

/** A store location made absolute: a file path against `cwd`; a URL as it is. */
export function absoluteStore(location: string, cwd: string = process.cwd()): string {
  return isPostgresUrl(location) ? location.trim() : resolve(cwd, location);
}

/** Whether there is a store there yet: a SQLite file exists; a server is always there (it is checked on opening). */
export function storeExists(location: string): boolean {
  return isPostgresUrl(location) || existsSync(location);
}

/**
 * The folder of the files that belong with a store (validation suites, promotion gates,
 * running deployments' state): beside a SQLite file; for a PostgreSQL store, `.labbook/`
 * in the working folder, since a server has no folder of its own.
 */
export function storeFilesDir(location: string, cwd: string = process.cwd()): string {
  return isPostgresUrl(location) ? join(cwd, DEFAULT_STORE_DIR) : dirname(location);
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
  if (isPostgresUrl(value)) return value;
  let p = value.replace(/\$\{workspaceFolder\}/g, folderPath ?? '');
  if (p === '~' || p.startsWith('~/')) p = join(homedir(), p.slice(1));
  if (isAbsolute(p)) return p;
  return resolve(folderPath ?? fallbackDir(), p);
}

/** Artifacts sit next to the database so that moving the folder moves both. */
export function artifactsDirFor(databasePath: string): string {
  return join(dirname(databasePath), 'artifacts');
}
