/**
 * The SQLite implementation of SyncRunStore. This folder is the only place that talks to
 * better-sqlite3; everything above it sees the SyncRunStore interface.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type ArtifactData,
  ArtifactFiles,
  guessMediaType,
  validateArtifactName,
} from './artifacts';
import { deletedRunError, StoreError } from './errors';
import { isWriterGone } from './liveness';
import {
  ARTIFACTS_ENV_VAR,
  artifactsDirFor,
  type LocationOptions,
  resolveStorePath,
} from './location';
import {
  applyMigrations,
  inspectDatabaseFile,
  isNotADatabase,
  newerSchemaError,
  notADatabaseError,
} from './migrations';
import { SCHEMA_VERSION } from './schema';
import { compileRunSearch } from './sqlite/search';
import {
  checkEndStatus,
  checkExperimentName,
  checkPoint,
  checkRunName,
  INSERT_RUN,
  isLater,
  newRunValues,
  noExperimentError,
  noRunError,
  paramConflictError,
  purgeRefusedError,
  RUN_COLUMNS,
  toArtifact,
  toExperiment,
  toRun,
  type ArtifactRow,
  type ExperimentRow,
  type RunRow,
} from './sql/run-rows';
import { hasSearchConditions, keysSql, latestRangesSql, type KeyScanSql } from './sql/column-keys';
import { andWhere, PINNED_CONDITION, splitPinnedPage, type Slice } from './sql/pinned-first';
import { runWhere } from './sql/run-filter';
import {
  PINNED_TAG,
  type Artifact,
  type EndStatus,
  type Experiment,
  type LogArtifactOptions,
  type MetricPoint,
  type MetricRange,
  type MetricValue,
  type NewRun,
  type PurgeResult,
  type Run,
  type RunFilter,
  type RunKeys,
  type RunListOptions,
  type SyncRunStore,
  type SqlAccess,
} from './types';

export interface OpenStoreOptions extends LocationOptions {
  /** Open without writing: no migration, no WAL switch, no killed-run detection. */
  readonly?: boolean;
  /** How long a writer waits for another writer's lock; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Where new artifacts are written (a shared folder for a team); default
   * `LABBOOK_ARTIFACTS`, else `artifacts/` beside the database. Each artifact records its
   * root, so reads find content written under another root.
   */
  artifactRoot?: string;
  /** Mark runs whose process is gone as killed while opening; default true (read-write only). */
  detectKilledRuns?: boolean;
  /**
   * The caller only reads (listing, showing): where the file or its folder cannot be
   * written it opens read-only instead of failing (killed runs are then not marked), and an
   * empty file is refused rather than turned into a store.
   */
  forReading?: boolean;
}

/**
 * Creates the store's own folder (`.labbook/`) when its parent exists, and nothing more:
 * a mistyped path must fail naming itself, not leave a tree of folders behind.
 */
function ensureStoreFolder(location: string): void {
  const folder = dirname(location);
  if (existsSync(folder)) return;
  const parent = dirname(folder);
  if (!existsSync(parent)) {
    throw new StoreError(
      'NOT_FOUND',
      `cannot create the store ${location}: the folder ${parent} does not exist (a mistyped path?); create it first`,
    );
  }
  mkdirSync(folder);
}

/** SQLite's answer when it may not write the file or the files beside it (-wal, -shm). */
function isSqliteNoWriteAccess(error: unknown): boolean {
  return /^SQLITE_(READONLY|CANTOPEN)/.test(
    String((error as { code?: unknown } | null)?.code ?? ''),
  );
}

/** Whether this process may write the file and create files beside it (the WAL, -shm). */
function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

interface MetricRow {
  step: number;
  timestamp: number;
  value: number | null;
}

interface SeriesRow extends MetricRow {
  id: number;
  min: number | null;
  max: number | null;
  points: number;
}

/** A metric series while a batch is written: its latest point, range and count so far. */
interface SeriesSummary extends Omit<SeriesRow, 'value'> {
  value: number;
}

/** SQLite cannot hold NaN and stores NULL instead; the value column is never NULL otherwise. */
function toMetricValue(row: MetricRow): MetricValue {
  return { step: row.step, timestamp: row.timestamp, value: row.value === null ? NaN : row.value };
}

function isForeignKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** At most this many bound values per `IN (...)` list (SQLite allows 32766; stay well below). */
const IN_CHUNK = 500;

/** Whether a path is a regular file that starts with SQLite's header. */
function isSqliteFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const header = Buffer.alloc(16);
      return (
        readSync(fd, header, 0, 16, 0) === 16 && header.toString('latin1') === 'SQLite format 3\0'
      );
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const placeholders = (n: number) => new Array<string>(n).fill('?').join(', ');

/** A GLOB pattern matching strings that start with `prefix` literally. */
function globPrefix(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/** SQLite reads 9e999 as +Infinity: this keeps finite values (NULL, i.e. NaN, never passes). */
const FINITE_VALUE = 'value > -9e999 AND value < 9e999';
const KEY_SCAN: KeyScanSql = {
  join: 'CROSS JOIN',
  finite: FINITE_VALUE,
  orderKey: 'key',
  probeEnd: '',
};

export class Store implements SyncRunStore {
  readonly backend = 'sqlite';
  /** The file's path: what opens it again (see OpenStore). */
  get address(): string {
    return this.location;
  }
  readonly location: string;
  /** Where new artifacts are written. */
  readonly artifactsDir: string;
  /** The root beside the database: artifacts recorded without one live here. */
  private readonly defaultArtifactsDir: string;
  private readonly roots = new Map<string, ArtifactFiles>();
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private readonly files: ArtifactFiles;
  private readonly statements = new Map<string, Database.Statement>();
  private insertMetricsTransaction?: (points: readonly MetricPoint[]) => void;
  private closed = false;

  /** Opens (creating and migrating when needed) the store at the resolved location. */
  static open(options: OpenStoreOptions = {}): Store {
    return new Store(options);
  }

  private constructor(options: OpenStoreOptions) {
    this.location = resolveStorePath(options);
    this.defaultArtifactsDir = artifactsDirFor(this.location);
    const root = options.artifactRoot?.trim() || process.env[ARTIFACTS_ENV_VAR]?.trim();
    this.artifactsDir = root ? resolve(root) : this.defaultArtifactsDir;
    if (
      options.forReading &&
      existsSync(this.location) &&
      statSync(this.location).isFile() &&
      statSync(this.location).size === 0
    ) {
      throw new StoreError(
        'NOT_A_DATABASE',
        `${this.location} is an empty file, not a Labbook store`,
      );
    }
    this.readonly =
      options.readonly ??
      (options.forReading === true && existsSync(this.location) && !canWrite(this.location));
    this.files = new ArtifactFiles(this.artifactsDir);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.db = this.readonly ? this.openReadonly(busyTimeoutMs) : this.openReadWrite(busyTimeoutMs);
    if (!this.readonly && (options.detectKilledRuns ?? true)) this.markKilledRuns();
  }

  private openReadonly(busyTimeoutMs: number): Database.Database {
    const { exists, version } = inspectDatabaseFile(this.location);
    if (!exists) throw new StoreError('NOT_FOUND', `no Labbook store at ${this.location}`);
    if (version < SCHEMA_VERSION) {
      throw new StoreError(
        'READONLY',
        `${this.location} has schema ${version}, older than this Labbook's ${SCHEMA_VERSION}; open it read-write once to upgrade it`,
      );
    }
    const db = new Database(this.location, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    try {
      db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
      return db;
    } catch (error) {
      db.close();
      // A WAL database can be read only where SQLite may create its -shm file beside it;
      // in a read-only folder, read a copy of the file (and its WAL) instead.
      if (!isSqliteNoWriteAccess(error) || canWrite(this.location)) throw error;
      return this.openSnapshotCopy(busyTimeoutMs);
    }
  }

  /** Folder of the copy read in place of a store in a read-only folder; removed on close. */
  private snapshotDir: string | null = null;

  private openSnapshotCopy(busyTimeoutMs: number): Database.Database {
    const dir = mkdtempSync(join(tmpdir(), 'labbook-readonly-'));
    this.snapshotDir = dir;
    const copy = join(dir, basename(this.location));
    copyFileSync(this.location, copy);
    if (existsSync(`${this.location}-wal`)) copyFileSync(`${this.location}-wal`, `${copy}-wal`);
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return db;
  }

  private openReadWrite(busyTimeoutMs: number): Database.Database {
    // Refuses foreign and newer files before the read-write open, which could checkpoint on close.
    inspectDatabaseFile(this.location);
    ensureStoreFolder(this.location);
    let db: Database.Database | undefined;
    try {
      db = new Database(this.location);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      // Re-check on this connection: another process may have upgraded the file meanwhile.
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw newerSchemaError(this.location, version);
      // From here on the connection writes.
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL loses no committed data on a process crash, only on power loss,
      // and spares an fsync per transaction.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      applyMigrations(db, this.location);
      return db;
    } catch (error) {
      db?.close();
      if (isNotADatabase(error))
        throw notADatabaseError(this.location, (error as Error).message, error);
      const code = String((error as { code?: unknown }).code ?? '');
      if (isSqliteNoWriteAccess(error) || code === 'EACCES' || code === 'EROFS') {
        throw new StoreError(
          'READONLY',
          `${this.location} cannot be written (a read-only file or folder?): ${(error as Error).message}. Recording runs needs write access; reading works with read-only access`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
    if (this.snapshotDir) rmSync(this.snapshotDir, { recursive: true, force: true });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** The journal mode in effect ('wal' for a read-write store on a normal file system). */
  get journalMode(): string {
    return this.db.pragma('journal_mode', { simple: true }) as string;
  }

  /**
   * A number that changes whenever another connection (a kernel, the CLI) commits to the
   * file; polling it is how a reader notices outside writes. This connection's own
   * writes do not change it (SQLite's PRAGMA data_version).
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Queries with IN lists and searches vary in shape: keep the cache bounded.
      if (this.statements.size >= 2000) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** See SqlAccess: for core/registry, whose tables live in this file (migration 2). */
  readonly sql: SqlAccess = {
    dialect: 'sqlite',
    run: (sql, ...args) => this.stmt(sql).run(...args),
    get: <T>(sql: string, ...args: unknown[]) => this.stmt(sql).get(...args) as T | undefined,
    all: <T>(sql: string, ...args: unknown[]) => this.stmt(sql).all(...args) as T[],
    transaction: <T>(fn: () => T, options?: { waitMs?: number }): T => {
      if (options?.waitMs === undefined) return this.db.transaction(fn).immediate();
      const before = this.db.pragma('busy_timeout', { simple: true }) as number;
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.waitMs))}`);
      try {
        return this.db.transaction(fn).immediate();
      } finally {
        this.db.pragma(`busy_timeout = ${before}`);
      }
    },
  };

  private requireRun(id: string): void {
    if (!this.stmt('SELECT 1 FROM runs WHERE id = ?').get(id)) {
      throw noRunError(id, this.location);
    }
  }

  /** Exists and is not soft-deleted: MLflow refuses writes to a deleted run until it is restored. */
  private requireLiveRun(id: string): void {
    const row = this.stmt('SELECT deleted_at FROM runs WHERE id = ?').get(id) as
      { deleted_at: number | null } | undefined;
    if (!row) throw noRunError(id, this.location);
    if (row.deleted_at !== null) throw deletedRunError([id]);
  }

  // ---- experiments ----

  getOrCreateExperiment(name: string): Experiment {
    checkExperimentName(name);
    this.stmt(
      'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    ).run(name, Date.now());
    return this.getExperiment(name)!;
  }

  getExperiment(nameOrId: string | number): Experiment | undefined {
    const row =
      typeof nameOrId === 'number'
        ? this.stmt('SELECT * FROM experiments WHERE id = ?').get(nameOrId)
        : this.stmt('SELECT * FROM experiments WHERE name = ?').get(nameOrId);
    return row ? toExperiment(row as ExperimentRow) : undefined;
  }

  listExperiments(): Experiment[] {
    return (this.stmt('SELECT * FROM experiments ORDER BY name').all() as ExperimentRow[]).map(
      toExperiment,
    );
  }

  setKeyMetric(experiment: string | number, key: string | null, higherIsBetter?: boolean): void {
    const found = this.getExperiment(experiment);
    if (!found) throw noExperimentError(experiment, this.location);
    const direction = key === null || higherIsBetter === undefined ? null : higherIsBetter ? 1 : 0;
    this.stmt(
      'UPDATE experiments SET key_metric = ?, key_metric_higher_is_better = ? WHERE id = ?',
    ).run(key, direction, found.id);
  }

  // ---- runs ----

  createRun(run: NewRun): Run {
    const id = run.id ?? randomUUID().replace(/-/g, '');
    const startTime = run.startTime ?? Date.now();
    this.db
      .transaction(() => {
        const experiment = this.getOrCreateExperiment(run.experiment);
        const name =
          run.name ?? `${run.namePrefix ?? 'run'}-${this.countRunsEver(experiment.id) + 1}`;
        this.stmt(INSERT_RUN).run(
          ...newRunValues(run, {
            id,
            experimentId: experiment.id,
            name,
            startTime,
            user: run.user ?? null,
          }),
        );
      })
      .immediate();
    return this.getRun(id)!;
  }

  /** Runs of the experiment, deleted ones included: default names never repeat. */
  private countRunsEver(experimentId: number): number {
    return (
      this.stmt('SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?').get(experimentId) as {
        n: number;
      }
    ).n;
  }

  getRun(id: string): Run | undefined {
    const row = this.stmt(
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
    ).get(id);
    return row ? toRun(row as RunRow) : undefined;
  }

  /** The WHERE conditions (over `runs r JOIN experiments e`) and their arguments for a filter. */
  private runWhere(filter: RunFilter): { sql: string; args: unknown[] } {
    const search = filter.search && compileRunSearch(filter.search);
    return runWhere(filter, search, (column, values) => ({
      sql: `${column} IN (${placeholders(values.length)})`,
      args: [...values],
    }));
  }

  /** The ids of the runs a filter matches, as a subquery. */
  private matchingIds(filter: RunFilter): { sql: string; args: unknown[] } {
    const where = this.runWhere(filter);
    return {
      sql: `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}`,
      args: where.args,
    };
  }

  listRuns(options: RunListOptions = {}): Run[] {
    // One `now` for the search's conditions and its order: one duration per running run.
    const filter = options.search
      ? { ...options, search: { now: Date.now(), ...options.search } }
      : options;
    const where = this.runWhere(filter);
    const order: string[] = [];
    const orderArgs: unknown[] = [];
    if (filter.groupByParam !== undefined) {
      order.push(
        '(SELECT gp.value FROM params gp WHERE gp.run_id = r.id AND gp.key = ?) ASC NULLS LAST',
      );
      orderArgs.push(filter.groupByParam);
    }
    if (filter.search) {
      const search = compileRunSearch(filter.search);
      order.push(...search.orderBy);
      orderArgs.push(...search.orderArgs);
    }
    const direction = filter.startTimeAscending ? 'ASC' : 'DESC';
    order.push(`r.start_time ${direction}`, `r.rowid ${direction}`);
    const read = (extra: string, extraArgs: unknown[], slice: Slice | undefined): Run[] => {
      const conditions = andWhere(where.sql, extra);
      const paging = slice ? 'LIMIT ? OFFSET ?' : '';
      const pagingArgs = slice ? [slice.limit ?? -1, slice.offset] : [];
      const sql = `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
        ${conditions} ORDER BY ${order.join(', ')} ${paging}`;
      const rows = this.stmt(sql).all(...where.args, ...extraArgs, ...orderArgs, ...pagingArgs);
      return (rows as RunRow[]).map(toRun);
    };
    const paged = filter.limit !== undefined || filter.offset !== undefined;
    const whole: Slice | undefined = paged
      ? { offset: filter.offset ?? 0, limit: filter.limit }
      : undefined;
    if (!filter.pinnedFirst) return read('', [], whole);
    const pinnedCount = (
      this.stmt(
        `SELECT COUNT(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id
        ${andWhere(where.sql, PINNED_CONDITION)}`,
      ).get(...where.args, PINNED_TAG) as { n: number }
    ).n;
    const page = splitPinnedPage(whole?.offset ?? 0, whole?.limit, pinnedCount);
    return [
      ...(page.pinned ? read(PINNED_CONDITION, [PINNED_TAG], page.pinned) : []),
      ...(page.unpinned ? read(`NOT ${PINNED_CONDITION}`, [PINNED_TAG], page.unpinned) : []),
    ];
  }

  countRuns(filter: RunFilter = {}): number {
    const where = this.runWhere(filter);
    const row = this.stmt(
      `SELECT COUNT(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}`,
    ).get(...where.args) as { n: number };
    return row.n;
  }

  runIdsWithPrefix(prefix: string, limit = 10): string[] {
    if (typeof prefix !== 'string' || prefix === '') return [];
    const rows = this.stmt('SELECT id FROM runs WHERE id GLOB ? ORDER BY id LIMIT ?').all(
      globPrefix(prefix),
      limit,
    ) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }

  renameRun(id: string, name: string): void {
    checkRunName(name);
    const result = this.stmt('UPDATE runs SET name = ? WHERE id = ?').run(name, id);
    if (result.changes === 0) this.requireRun(id);
  }

  endRun(
    id: string,
    status: EndStatus,
    options: { error?: string | null; endTime?: number } = {},
  ): void {
    checkEndStatus(status);
    const endTime = options.endTime ?? Date.now();
    const result = this.stmt(
      'UPDATE runs SET status = ?, end_time = ?, error = ?, heartbeat_at = ? WHERE id = ?',
    ).run(status, endTime, options.error ?? null, endTime, id);
    if (result.changes === 0) throw noRunError(id, this.location);
  }

  heartbeat(id: string, at: number = Date.now()): void {
    this.stmt(
      `UPDATE runs SET heartbeat_at = ?,
        end_time = CASE status WHEN 'killed' THEN NULL ELSE end_time END,
        error = CASE status WHEN 'killed' THEN NULL ELSE error END,
        status = CASE status WHEN 'killed' THEN 'running' ELSE status END
      WHERE id = ?`,
    ).run(at, id);
  }

  deleteRun(id: string): void {
    const result = this.stmt(
      'UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
    ).run(Date.now(), id);
    if (result.changes === 0) this.requireRun(id);
  }

  restoreRun(id: string): void {
    const result = this.stmt(
      'UPDATE runs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
    ).run(id);
    if (result.changes === 0) this.requireRun(id);
  }

  purgeRuns(ids: readonly string[]): PurgeResult {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return { purged: 0, artifactBytesFreed: 0 };
    const blobs = new Set<string>();
    this.db
      .transaction(() => {
        const found = new Map<string, number | null>();
        for (const part of chunks(unique)) {
          const rows = this.stmt(
            `SELECT id, deleted_at FROM runs WHERE id IN (${placeholders(part.length)})`,
          ).all(...part) as Array<{ id: string; deleted_at: number | null }>;
          for (const row of rows) found.set(row.id, row.deleted_at);
        }
        const missing = unique.filter((id) => !found.has(id));
        const live = unique.filter((id) => found.has(id) && found.get(id) === null);
        if (missing.length || live.length) throw purgeRefusedError(live, missing);
        // Registered model versions are never deleted, so neither is the run that produced them.
        const producers: string[] = [];
        for (const part of chunks(unique)) {
          const rows = this.stmt(
            `SELECT name, version, run_id FROM model_versions WHERE run_id IN (${placeholders(part.length)})
          ORDER BY name, version`,
          ).all(...part) as Array<{ name: string; version: number; run_id: string }>;
          producers.push(
            ...rows.map((r) => `${r.run_id} (model ${JSON.stringify(r.name)} v${r.version})`),
          );
        }
        if (producers.length) {
          throw new StoreError(
            'INVALID_ARGUMENT',
            `purge refused; nothing was purged. These runs produced registered model versions, which are kept: ${producers.join(', ')}`,
          );
        }
        for (const part of chunks(unique)) {
          const list = placeholders(part.length);
          for (const row of this.stmt(
            // A shared root's content may be another team's store's too: only the store's own root is freed.
            `SELECT DISTINCT sha256 FROM artifacts WHERE run_id IN (${list}) AND root IS NULL`,
          ).all(...part) as Array<{ sha256: string }>) {
            blobs.add(row.sha256);
          }
          this.stmt(`UPDATE runs SET parent_run_id = NULL WHERE parent_run_id IN (${list})`).run(
            ...part,
          );
          // Explicit rather than relying on ON DELETE CASCADE, which needs foreign_keys on this connection.
          this.stmt(
            `DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE run_id IN (${list}))`,
          ).run(...part);
          for (const table of ['metric_series', 'params', 'tags', 'artifacts']) {
            this.stmt(`DELETE FROM ${table} WHERE run_id IN (${list})`).run(...part);
          }
          this.stmt(`DELETE FROM runs WHERE id IN (${list})`).run(...part);
        }
      })
      .immediate();
    // After the commit: a failure here leaves an unreferenced file behind, never a row without its file.
    const unreferenced = [...blobs].filter(
      (sha256) => !this.stmt('SELECT 1 FROM artifacts WHERE sha256 = ? LIMIT 1').get(sha256),
    );
    const usedElsewhere = this.artifactsUsedByOtherStores(unreferenced);
    let artifactBytesFreed = 0;
    for (const sha256 of unreferenced) {
      if (usedElsewhere.has(sha256)) continue;
      const path = this.filesAt(this.defaultArtifactsDir).pathOf(sha256);
      try {
        const size = statSync(path).size;
        rmSync(path);
        artifactBytesFreed += size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return { purged: unique.length, artifactBytesFreed };
  }

  /**
   * Of these blobs, the ones another store still references. Every store file in this
   * store's folder shares its artifact root (the location rule puts it beside the
   * database), so a purge here must not delete what a sibling store points to.
   */
  private artifactsUsedByOtherStores(sha256s: readonly string[]): Set<string> {
    const used = new Set<string>();
    if (sha256s.length === 0) return used;
    const folder = dirname(this.location);
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (path === this.location || !isSqliteFile(path)) continue;
      let other: Database.Database | undefined;
      try {
        other = new Database(path, { readonly: true, fileMustExist: true });
        other.pragma('busy_timeout = 5000');
        const hasArtifacts = other
          .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'artifacts'")
          .get();
        if (!hasArtifacts) continue;
        for (const part of chunks(sha256s)) {
          const rows = other
            .prepare(
              `SELECT DISTINCT sha256 FROM artifacts WHERE sha256 IN (${placeholders(part.length)})`,
            )
            .all(...part) as Array<{ sha256: string }>;
          for (const row of rows) used.add(row.sha256);
        }
      } catch (error) {
        // A store we cannot read may still reference anything: keep every blob.
        process.emitWarning(
          `labbook: kept artifacts on purge because ${path} could not be read: ${(error as Error).message}`,
        );
        return new Set(sha256s);
      } finally {
        other?.close();
      }
    }
    return used;
  }

  markKilledRuns(now: number = Date.now()): string[] {
    const running = this.stmt(
      `SELECT id, pid, host, heartbeat_at AS heartbeatAt, start_time AS startTime
      FROM runs WHERE status = 'running'`,
    ).all() as Array<{
      id: string;
      pid: number | null;
      host: string | null;
      heartbeatAt: number | null;
      startTime: number;
    }>;
    const killed: string[] = [];
    for (const run of running) {
      if (!isWriterGone(run, now)) continue;
      const who = `process ${run.pid ?? '?'} on ${run.host ?? 'an unknown host'}`;
      // The last heartbeat is the last moment the run was known to be alive.
      const result = this.stmt(
        `UPDATE runs SET status = 'killed', end_time = COALESCE(heartbeat_at, start_time), error = ?
        WHERE id = ? AND status = 'running'`,
      ).run(`${who} ended without ending the run`, run.id);
      if (result.changes > 0) killed.push(run.id);
    }
    return killed;
  }

  // ---- params and tags ----

  logParams(runId: string, params: Record<string, string>): void {
    this.db
      .transaction(() => {
        this.requireLiveRun(runId);
        const existing = this.stmt('SELECT value FROM params WHERE run_id = ? AND key = ?');
        const insert = this.stmt('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)');
        for (const [key, value] of Object.entries(params)) {
          const row = existing.get(runId, key) as { value: string } | undefined;
          if (!row) insert.run(runId, key, value);
          else if (row.value !== value) throw paramConflictError(runId, key, row.value, value);
        }
      })
      .immediate();
  }

  getParams(runId: string): Record<string, string> {
    const rows = this.stmt('SELECT key, value FROM params WHERE run_id = ? ORDER BY key').all(
      runId,
    ) as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  setTags(runId: string, tags: Record<string, string>): void {
    this.db
      .transaction(() => {
        this.requireLiveRun(runId);
        const upsert = this.stmt(
          'INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value',
        );
        for (const [key, value] of Object.entries(tags)) upsert.run(runId, key, value);
      })
      .immediate();
  }

  getTags(runId: string): Record<string, string> {
    const rows = this.stmt('SELECT key, value FROM tags WHERE run_id = ? ORDER BY key').all(
      runId,
    ) as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  deleteTags(runId: string, keys: readonly string[]): void {
    this.db
      .transaction(() => {
        this.requireLiveRun(runId);
        const remove = this.stmt('DELETE FROM tags WHERE run_id = ? AND key = ?');
        for (const key of keys) remove.run(runId, key);
      })
      .immediate();
  }

  // ---- many runs at once ----

  /** Runs `sql` (with one `IN (%s)` for the ids) over the ids in chunks and concatenates the rows. */
  private allForIds<T>(sql: string, runIds: readonly string[], extraArgs: unknown[] = []): T[] {
    const rows: T[] = [];
    for (const part of chunks([...new Set(runIds)])) {
      rows.push(
        ...(this.stmt(sql.replace('%s', placeholders(part.length))).all(
          ...part,
          ...extraArgs,
        ) as T[]),
      );
    }
    return rows;
  }

  private keyValuesOfRuns(
    table: 'params' | 'tags',
    runIds: readonly string[],
  ): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    const rows = this.allForIds<{ run_id: string; key: string; value: string }>(
      `SELECT run_id, key, value FROM ${table} WHERE run_id IN (%s) ORDER BY run_id, key`,
      runIds,
    );
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = row.value;
    }
    return out;
  }

  paramsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>> {
    return this.keyValuesOfRuns('params', runIds);
  }

  tagsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>> {
    return this.keyValuesOfRuns('tags', runIds);
  }

  latestMetricsOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricValue>> {
    const out = new Map<string, Record<string, MetricValue>>();
    const rows = this.allForIds<MetricRow & { run_id: string; key: string }>(
      'SELECT run_id, key, step, timestamp, value FROM latest_metrics WHERE run_id IN (%s) ORDER BY run_id, key',
      runIds,
    );
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = toMetricValue(row);
    }
    return out;
  }

  metricRangesOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricRange>> {
    const out = new Map<string, Record<string, MetricRange>>();
    // Ranges leave NaN (stored as NULL) out; an all-NaN series has a NULL range.
    const rows = this.allForIds<{
      run_id: string;
      key: string;
      min: number | null;
      max: number | null;
    }>('SELECT run_id, key, min, max FROM metric_series WHERE run_id IN (%s)', runIds);
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = { min: row.min, max: row.max };
    }
    return out;
  }

  childCounts(runIds: readonly string[]): Map<string, number> {
    const rows = this.allForIds<{ parent: string; n: number }>(
      `SELECT parent_run_id AS parent, COUNT(*) AS n FROM runs
        WHERE parent_run_id IN (%s) AND deleted_at IS NULL GROUP BY parent_run_id`,
      runIds,
    );
    return new Map(rows.map((r) => [r.parent, r.n]));
  }

  runKeys(
    filter: RunFilter = {},
    kinds: readonly (keyof RunKeys)[] = ['params', 'metrics', 'tags'],
  ): RunKeys {
    const byIndex = !hasSearchConditions(filter);
    const where = byIndex ? this.runWhere(filter) : undefined;
    const ids = byIndex ? undefined : this.matchingIds(filter);
    const keysOf = (kind: keyof RunKeys) => {
      if (!kinds.includes(kind)) return [];
      const table = kind === 'metrics' ? 'metric_series' : kind;
      const rows = where
        ? this.stmt(keysSql(KEY_SCAN, table, where.sql)).all(...where.args)
        : this.stmt(
            `SELECT DISTINCT key FROM ${table} WHERE run_id IN (${ids!.sql}) ORDER BY key`,
          ).all(...ids!.args);
      return (rows as Array<{ key: string }>).map((r) => r.key);
    };
    return { params: keysOf('params'), metrics: keysOf('metrics'), tags: keysOf('tags') };
  }

  latestMetricRanges(filter: RunFilter = {}): Record<string, MetricRange> {
    type Row = { key: string; min: number | null; max: number | null };
    let rows: Row[];
    if (!hasSearchConditions(filter)) {
      const where = this.runWhere(filter);
      rows = this.stmt(latestRangesSql(KEY_SCAN, where.sql)).all(
        ...where.args,
        ...where.args,
        ...where.args,
      ) as Row[];
    } else {
      const ids = this.matchingIds(filter);
      rows = this.stmt(
        `SELECT key, MIN(CASE WHEN ${FINITE_VALUE} THEN value END) AS min,
          MAX(CASE WHEN ${FINITE_VALUE} THEN value END) AS max
        FROM latest_metrics WHERE run_id IN (${ids.sql}) GROUP BY key ORDER BY key`,
      ).all(...ids.args) as Row[];
    }
    return Object.fromEntries(rows.map((r) => [r.key, { min: r.min, max: r.max }]));
  }

  paramValueCounts(filter: RunFilter, key: string): { value: string | null; count: number }[] {
    const where = this.runWhere(filter);
    return this.stmt(
      `SELECT (SELECT gp.value FROM params gp WHERE gp.run_id = r.id AND gp.key = ?) AS value, COUNT(*) AS count
      FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}
      GROUP BY 1 ORDER BY 1 ASC NULLS LAST`,
    ).all(key, ...where.args) as { value: string | null; count: number }[];
  }

  // ---- metrics ----

  insertMetricPoints(points: readonly MetricPoint[]): void {
    if (points.length === 0) return;
    this.insertMetricsTransaction ??= this.prepareInsertMetrics();
    try {
      this.insertMetricsTransaction(points);
    } catch (error) {
      if (isForeignKeyError(error)) {
        const runIds = [...new Set(points.map((p) => p.runId))];
        const missing = runIds.filter((id) => !this.getRun(id));
        throw new StoreError(
          'NOT_FOUND',
          `metric points refer to runs that do not exist in ${this.location}: ${missing.join(', ')}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private prepareInsertMetrics(): (points: readonly MetricPoint[]) => void {
    const findSeries = this.db.prepare(
      'SELECT id, step, timestamp, value, min, max, points FROM metric_series WHERE run_id = ? AND key = ?',
    );
    const createSeries = this.db.prepare(
      'INSERT INTO metric_series (run_id, key, step, timestamp, value, points) VALUES (?, ?, ?, ?, ?, 0) RETURNING id',
    );
    const insertPoint = this.db.prepare(
      'INSERT INTO metric_points (series_id, step, seq, timestamp, value) VALUES (?, ?, ?, ?, ?)',
    );
    const runState = this.db.prepare('SELECT deleted_at FROM runs WHERE id = ?');
    const updateSeries = this.db.prepare(
      'UPDATE metric_series SET step = ?, timestamp = ?, value = ?, min = ?, max = ?, points = ? WHERE id = ?',
    );
    const transaction = this.db.transaction((points: readonly MetricPoint[]) => {
      // The series of this batch, read once each: the summary is written once per series, not per point.
      const batch = new Map<string, Map<string, SeriesSummary>>();
      for (const point of points) {
        checkPoint(point);
        let byKey = batch.get(point.runId);
        if (!byKey) batch.set(point.runId, (byKey = new Map()));
        let series = byKey.get(point.key);
        if (!series) {
          const row = findSeries.get(point.runId, point.key) as SeriesRow | undefined;
          series = row
            ? { ...row, value: row.value ?? NaN }
            : {
                id: (
                  createSeries.get(
                    point.runId,
                    point.key,
                    point.step,
                    point.timestamp,
                    point.value,
                  ) as { id: number }
                ).id,
                step: point.step,
                timestamp: point.timestamp,
                value: point.value,
                min: null,
                max: null,
                points: 0,
              };
          byKey.set(point.key, series);
        }
        insertPoint.run(series.id, point.step, series.points++, point.timestamp, point.value);
        // NaN is stored as NULL and, as MIN/MAX over the points would, left out of the range.
        if (!Number.isNaN(point.value)) {
          series.min = series.min === null ? point.value : Math.min(series.min, point.value);
          series.max = series.max === null ? point.value : Math.max(series.max, point.value);
        }
        if (isLater(point, series)) {
          series.step = point.step;
          series.timestamp = point.timestamp;
          series.value = point.value;
        }
      }
      const now = Date.now();
      for (const runId of batch.keys()) {
        const row = runState.get(runId) as { deleted_at: number | null } | undefined;
        // A missing run fails the point inserts' foreign key, reported as NOT_FOUND below.
        if (row && row.deleted_at !== null) throw deletedRunError([runId]);
      }
      for (const [runId, byKey] of batch) {
        for (const x of byKey.values())
          updateSeries.run(x.step, x.timestamp, x.value, x.min, x.max, x.points, x.id);
        this.heartbeat(runId, now);
      }
    });
    return (points) => transaction.immediate(points);
  }

  /** In the order logged within a step (repeated steps are all kept). */
  metricHistory(runId: string, key: string): MetricValue[] {
    const rows = this.stmt(
      `SELECT step, timestamp, value FROM metric_points
      WHERE series_id = (SELECT id FROM metric_series WHERE run_id = ? AND key = ?)
      ORDER BY step, seq`,
    ).all(runId, key) as MetricRow[];
    return rows.map(toMetricValue);
  }

  latestMetrics(runId: string): Record<string, MetricValue> {
    const rows = this.stmt(
      'SELECT key, step, timestamp, value FROM latest_metrics WHERE run_id = ? ORDER BY key',
    ).all(runId) as Array<MetricRow & { key: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, toMetricValue(r)]));
  }

  // ---- artifacts ----

  logArtifact(
    runId: string,
    name: string,
    data: ArtifactData,
    options: LogArtifactOptions = {},
  ): Artifact {
    validateArtifactName(name);
    this.requireRun(runId);
    const blob = this.files.putData(name, data);
    const mediaType = options.mediaType ?? guessMediaType(name, data);
    this.stmt(
      `INSERT INTO artifacts (run_id, name, sha256, size, media_type, created_at, root) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
        media_type = excluded.media_type, created_at = excluded.created_at, root = excluded.root`,
    ).run(
      runId,
      name,
      blob.sha256,
      blob.size,
      mediaType,
      Date.now(),
      this.artifactsDir === this.defaultArtifactsDir ? null : this.artifactsDir,
    );
    return this.getArtifact(runId, name)!;
  }

  getArtifact(runId: string, name: string): Artifact | undefined {
    const row = this.stmt('SELECT * FROM artifacts WHERE run_id = ? AND name = ?').get(runId, name);
    return row ? toArtifact(row as ArtifactRow, this.defaultArtifactsDir) : undefined;
  }

  listArtifacts(runId: string): Artifact[] {
    return (
      this.stmt('SELECT * FROM artifacts WHERE run_id = ? ORDER BY name').all(
        runId,
      ) as ArtifactRow[]
    ).map((row) => toArtifact(row, this.defaultArtifactsDir));
  }

  readArtifact(runId: string, name: string): Buffer {
    const artifact = this.getArtifact(runId, name);
    if (!artifact)
      throw new StoreError('NOT_FOUND', `run ${runId} has no artifact ${JSON.stringify(name)}`);
    return this.filesAt(artifact.root).read(artifact.sha256);
  }

  /** The content-addressed files under an artifact root (one object per root). */
  private filesAt(root: string): ArtifactFiles {
    if (root === this.artifactsDir) return this.files;
    let found = this.roots.get(root);
    if (!found) this.roots.set(root, (found = new ArtifactFiles(root)));
    return found;
  }

  /**
   * The file holding an artifact's content (content-addressed, shared between runs): under
   * the root an artifact with this content was recorded at, else under the root new
   * artifacts are written to.
   */
  artifactPath(sha256: string): string {
    const recorded = this.stmt('SELECT root FROM artifacts WHERE sha256 = ? LIMIT 1').get(
      sha256,
    ) as { root: string | null } | undefined;
    if (!recorded) return this.files.pathOf(sha256);
    return this.filesAt(recorded.root ?? this.defaultArtifactsDir).pathOf(sha256);
  }
}
