/**
 * The backend matrix of the store contract: one suite, run against every store backend.
 *
 * SQLite always runs. PostgreSQL runs against LABBOOK_TEST_POSTGRES (a server URL, any
 * database on it), else against a local server at DEFAULT_TEST_POSTGRES if one answers.
 * Each test run creates its own database (labbook_test_<pid>_<time>) and drops it after;
 * each test gets a fresh schema inside it. When no server answers the PostgreSQL half is
 * skipped with a message, except under CI=true or with LABBOOK_TEST_POSTGRES set, where
 * it fails: CI must never pass on SQLite alone.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import {
  openRunStore,
  openStore,
  type OpenStore,
  type RunStore,
  type StoreLocation,
} from '../../core/store';
import { makeTempDir, removeDir } from '../unit/temp';

export const DEFAULT_TEST_POSTGRES = 'postgres://labbook:labbook@127.0.0.1:5432/labbook_dev';

export interface BackendContext {
  readonly name: 'sqlite' | 'postgres';
  /** Opens the test's store (a second call opens a second connection to the same data). */
  /** `artifactRoot`: where this connection writes new artifacts (default: the backend's own). */
  open(options?: { detectKilledRuns?: boolean; artifactRoot?: string }): Promise<RunStore>;
  /**
   * Opens the test's store with the synchronous API and every domain's store (what the SDK,
   * the registry and serving use); closed after the test.
   */
  openSync(options?: { detectKilledRuns?: boolean; artifactRoot?: string }): OpenStore;
  /** Reads and writes the schema version underneath the store (SQLite user_version, labbook_schema). */
  schemaVersion(): Promise<number>;
  setSchemaVersion(version: number): Promise<void>;
  /** Where the store is, as a CLI or LABBOOK_STORE would name it. */
  readonly location: StoreLocation;
  /** A folder for this test's files (artifacts, SQLite database). */
  readonly dir: string;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function query(url: string, sql: string, args: unknown[] = []): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, args)).rows;
  } finally {
    await client.end();
  }
}

async function answers(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Defines `suite` once per backend, as `<title> [sqlite]` and `<title> [postgres]`; each test gets a fresh store. */
export function forEachBackend(
  title: string,
  suite: (backend: () => BackendContext) => void,
): void {
  defineForEachBackend(title, suite, { setUp: beforeEach, tearDown: afterEach });
}

/**
 * The same, with one store for the whole suite: for suites whose tests build on each other
 * (train, then register, then promote).
 */
export function forEachBackendShared(
  title: string,
  suite: (backend: () => BackendContext) => void,
  options: { timeoutMs?: number } = {},
): void {
  defineForEachBackend(title, suite, { setUp: before, tearDown: after, ...options });
}

function defineForEachBackend(
  title: string,
  suite: (backend: () => BackendContext) => void,
  hooks: { setUp: Mocha.HookFunction; tearDown: Mocha.HookFunction; timeoutMs?: number },
): void {
  const { setUp, tearDown } = hooks;
  describe(`${title} [sqlite]`, function () {
    if (hooks.timeoutMs) this.timeout(hooks.timeoutMs);
    let context: BackendContext;
    const opened: RunStore[] = [];
    const openedSync: OpenStore[] = [];
    setUp(() => {
      const dir = makeTempDir();
      const path = join(dir, '.labbook', 'labbook.db');
      context = {
        name: 'sqlite',
        dir,
        location: { backend: 'sqlite', path },
        open: async (options = {}) => {
          const store = await openRunStore({ path, cwd: dir, ...options });
          opened.push(store);
          return store;
        },
        openSync: (options = {}) => {
          const store = openStore({ path, cwd: dir, ...options });
          openedSync.push(store);
          return store;
        },
        schemaVersion: async () => {
          const db = new Database(path, { readonly: true });
          try {
            return db.pragma('user_version', { simple: true }) as number;
          } finally {
            db.close();
          }
        },
        setSchemaVersion: async (version) => {
          const db = new Database(path);
          try {
            db.pragma(`user_version = ${version}`);
          } finally {
            db.close();
          }
        },
      };
    });
    // The suite's own hooks before the store closes: its after() may still use it.
    suite(() => context);
    tearDown(async () => {
      if (!context) return; // the backend was skipped
      for (const store of opened.splice(0)) await store.close();
      for (const store of openedSync.splice(0)) store.close();
      removeDir(context.dir);
    });
  });

  describe(`${title} [postgres]`, function () {
    this.timeout(hooks.timeoutMs ?? 60_000);
    const explicit = process.env.LABBOOK_TEST_POSTGRES;
    const serverUrl = explicit || DEFAULT_TEST_POSTGRES;
    const database = `labbook_test_${process.pid}_${Date.now()}`;
    const admin = () => new pg.Client({ connectionString: serverUrl });
    let databaseUrl = '';
    let schemas = 0;
    let context: BackendContext;
    const opened: RunStore[] = [];
    const openedSync: OpenStore[] = [];

    before(async function () {
      const problem = await answers(serverUrl);
      if (problem) {
        const message = `PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':***@')} does not answer: ${problem}`;
        if (explicit || process.env.CI === 'true')
          throw new Error(
            `${message}. The store contract must run on PostgreSQL here (CI or LABBOOK_TEST_POSTGRES).`,
          );
        console.warn(
          `  skipping the PostgreSQL half of "${title}": ${message}; set LABBOOK_TEST_POSTGRES to run it`,
        );
        this.skip();
      }
      const client = admin();
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${database}`);
      } finally {
        await client.end();
      }
      databaseUrl = withDatabase(serverUrl, database);
    });

    setUp(async () => {
      const schema = `t${++schemas}`;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
      } finally {
        await client.end();
      }
      const url = withSchema(databaseUrl, schema);
      const dir = makeTempDir();
      context = {
        name: 'postgres',
        dir,
        location: { backend: 'postgres', url },
        open: async (options = {}) => {
          const store = await openRunStore({
            path: url,
            cwd: dir,
            artifactRoot: join(dir, 'artifacts'),
            ...options,
          });
          opened.push(store);
          return store;
        },
        openSync: (options = {}) => {
          const store = openStore({
            path: url,
            cwd: dir,
            artifactRoot: join(dir, 'artifacts'),
            ...options,
          });
          openedSync.push(store);
          return store;
        },
        schemaVersion: async () => {
          const rows = await query(url, 'SELECT version FROM labbook_schema');
          return (rows[0] as { version: number }).version;
        },
        setSchemaVersion: async (version) => {
          await query(url, 'UPDATE labbook_schema SET version = $1', [version]);
        },
      };
    });
    suite(() => context);
    tearDown(async () => {
      if (!context) return; // the backend was skipped
      for (const store of opened.splice(0)) await store.close();
      for (const store of openedSync.splice(0)) store.close();
      removeDir(context.dir);
    });
    // Registered after tearDown: the stores close before their database is dropped.
    after(async () => {
      if (!databaseUrl) return;
      const client = admin();
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    });
  });
}
