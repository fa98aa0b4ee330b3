/**
 * PostgreSQL behind the synchronous store API that SQLite's Store offers: SyncRunStore for
 * runs and metrics (forwarded to a PostgresRunStore in the worker thread) and `sql`, the
 * SqlAccess the domain stores (registry, data sets, deployments, prediction logs) are
 * written against, on one session connection of the worker.
 *
 * The domain stores' transactions keep SQLite's meaning: BEGIN IMMEDIATE there takes the
 * one write lock before reading, so "read the next version number, insert it" cannot race.
 * Here every domain transaction takes one transaction-scoped advisory lock first, which
 * serialises domain writers across all machines the same way; the runs store's own
 * transactions lock rows in a fixed order instead (core/store/postgres/store.ts).
 */
import { redactedUrl } from '../sql';
import { postgresArtifactRoot, type OpenPostgresOptions } from '../store';
import type {
  Artifact,
  EndStatus,
  Experiment,
  LogArtifactOptions,
  MetricPoint,
  MetricRange,
  MetricValue,
  NewRun,
  PurgeResult,
  Run,
  RunFilter,
  RunKeys,
  RunListOptions,
  SqlAccess,
  SyncRunStore,
} from '../../types';
import { ArtifactFiles, type ArtifactData } from '../../artifacts';
import { StoreError } from '../../errors';
import { SyncBridge } from './bridge';
import type { RunStoreMethod, SqlResult } from './protocol';

/** The advisory lock every domain write transaction holds (an arbitrary, fixed key). */
const DOMAIN_WRITE_LOCK = 0x1abb00c;

class SessionSql implements SqlAccess {
  readonly dialect = 'postgres';
  private depth = 0;

  constructor(private readonly bridge: SyncBridge) {}

  private query(sql: string, args: unknown[]): SqlResult {
    return this.bridge.call({ kind: 'sql', sql, args }) as SqlResult;
  }

  run(sql: string, ...args: unknown[]): { changes: number; lastInsertRowid: number | bigint } {
    const { rowCount } = this.query(sql, args);
    return {
      changes: rowCount,
      get lastInsertRowid(): never {
        throw new StoreError(
          'INVALID_ARGUMENT',
          'PostgreSQL has no last insert rowid: the statement must say RETURNING id',
        );
      },
    };
  }

  get<T>(sql: string, ...args: unknown[]): T | undefined {
    return this.query(sql, args).rows[0] as T | undefined;
  }

  all<T>(sql: string, ...args: unknown[]): T[] {
    return this.query(sql, args).rows as T[];
  }

  transaction<T>(fn: () => T, options: { waitMs?: number } = {}): T {
    const outer = this.depth === 0;
    const savepoint = `labbook_${this.depth}`;
    if (outer) {
      this.query('BEGIN', []);
      try {
        if (options.waitMs !== undefined) {
          // SQLSTATE 55P03 when it runs out, which isBusy() counts as "retry later".
          this.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(options.waitMs))}`, []);
        }
        this.query('SELECT pg_advisory_xact_lock(?)', [DOMAIN_WRITE_LOCK]);
      } catch (error) {
        this.rollback();
        throw error;
      }
    } else {
      this.query(`SAVEPOINT ${savepoint}`, []);
    }
    this.depth += 1;
    let result: T;
    try {
      result = fn();
      if (result instanceof Promise) {
        throw new StoreError('INVALID_ARGUMENT', 'a store transaction cannot be async');
      }
    } catch (error) {
      this.depth -= 1;
      if (outer) this.rollback();
      else this.query(`ROLLBACK TO SAVEPOINT ${savepoint}`, []);
      throw error;
    }
    this.depth -= 1;
    if (outer) {
      this.query('NOTIFY labbook_changes', []);
      this.query('COMMIT', []);
    } else {
      this.query(`RELEASE SAVEPOINT ${savepoint}`, []);
    }
    return result;
  }

  private rollback(): void {
    try {
      this.query('ROLLBACK', []);
    } catch {
      // The connection is gone, and the server rolled back with it.
    }
  }
}

export class PostgresSyncStore implements SyncRunStore {
  readonly backend = 'postgres';
  readonly location: string;
  /** The URL as given, password included: what opens this store again. */
  readonly address: string;
  readonly sql: SqlAccess;
  /** Where this connection writes new artifacts. */
  readonly artifactsDir: string;
  private readonly bridge: SyncBridge;
  private open = true;

  private constructor(url: string, options: OpenPostgresOptions) {
    this.location = redactedUrl(url);
    this.address = url;
    this.artifactsDir = postgresArtifactRoot(options);
    const env: Record<string, string | undefined> = { ...(options.env ?? process.env) };
    this.bridge = new SyncBridge(this.location, {
      url,
      options: {
        artifactRoot: options.artifactRoot,
        detectKilledRuns: options.detectKilledRuns,
        cwd: options.cwd ?? process.cwd(),
        env,
      },
    });
    this.sql = new SessionSql(this.bridge);
  }

  /** Connects and migrates (refusing a newer schema) before returning, as Store.open does. */
  static open(url: string, options: OpenPostgresOptions = {}): PostgresSyncStore {
    const store = new PostgresSyncStore(url, options);
    try {
      store.call('listExperiments', []);
    } catch (error) {
      store.close();
      throw error;
    }
    return store;
  }

  /** The file holding an artifact's content: under the root it was recorded at, else this connection's. */
  artifactPath(sha256: string): string {
    const recorded = this.sql.get<{ root: string | null }>(
      'SELECT root FROM artifacts WHERE sha256 = ? LIMIT 1',
      sha256,
    );
    return new ArtifactFiles(recorded?.root ?? this.artifactsDir).pathOf(sha256);
  }

  get isOpen(): boolean {
    return this.open;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.bridge.close();
  }

  private call(method: RunStoreMethod, args: unknown[]): unknown {
    return this.bridge.call({ kind: 'runs', method, args });
  }

  getOrCreateExperiment(name: string): Experiment {
    return this.call('getOrCreateExperiment', [name]) as Experiment;
  }
  getExperiment(nameOrId: string | number): Experiment | undefined {
    return this.call('getExperiment', [nameOrId]) as Experiment | undefined;
  }
  listExperiments(): Experiment[] {
    return this.call('listExperiments', []) as Experiment[];
  }
  setKeyMetric(experiment: string | number, key: string | null, higherIsBetter?: boolean): void {
    this.call('setKeyMetric', [experiment, key, higherIsBetter]);
  }
  createRun(run: NewRun): Run {
    return this.call('createRun', [run]) as Run;
  }
  getRun(id: string): Run | undefined {
    return this.call('getRun', [id]) as Run | undefined;
  }
  listRuns(filter?: RunListOptions): Run[] {
    return this.call('listRuns', [filter]) as Run[];
  }
  countRuns(filter?: RunFilter): number {
    return this.call('countRuns', [filter]) as number;
  }
  runIdsWithPrefix(prefix: string, limit?: number): string[] {
    return this.call('runIdsWithPrefix', [prefix, limit]) as string[];
  }
  renameRun(id: string, name: string): void {
    this.call('renameRun', [id, name]);
  }
  endRun(
    id: string,
    status: EndStatus,
    options?: { error?: string | null; endTime?: number },
  ): void {
    this.call('endRun', [id, status, options]);
  }
  heartbeat(id: string, at?: number): void {
    this.call('heartbeat', [id, at]);
  }
  deleteRun(id: string): void {
    this.call('deleteRun', [id]);
  }
  restoreRun(id: string): void {
    this.call('restoreRun', [id]);
  }
  purgeRuns(ids: readonly string[]): PurgeResult {
    return this.call('purgeRuns', [ids]) as PurgeResult;
  }
  markKilledRuns(now?: number): string[] {
    return this.call('markKilledRuns', [now]) as string[];
  }
  logParams(runId: string, params: Record<string, string>): void {
    this.call('logParams', [runId, params]);
  }
  getParams(runId: string): Record<string, string> {
    return this.call('getParams', [runId]) as Record<string, string>;
  }
  setTags(runId: string, tags: Record<string, string>): void {
    this.call('setTags', [runId, tags]);
  }
  getTags(runId: string): Record<string, string> {
    return this.call('getTags', [runId]) as Record<string, string>;
  }
  deleteTags(runId: string, keys: readonly string[]): void {
    this.call('deleteTags', [runId, keys]);
  }
  insertMetricPoints(points: readonly MetricPoint[]): void {
    this.call('insertMetricPoints', [points]);
  }
  metricHistory(runId: string, key: string): MetricValue[] {
    return this.call('metricHistory', [runId, key]) as MetricValue[];
  }
  latestMetrics(runId: string): Record<string, MetricValue> {
    return this.call('latestMetrics', [runId]) as Record<string, MetricValue>;
  }
  paramsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>> {
    return this.call('paramsOfRuns', [runIds]) as Map<string, Record<string, string>>;
  }
  tagsOfRuns(runIds: readonly string[]): Map<string, Record<string, string>> {
    return this.call('tagsOfRuns', [runIds]) as Map<string, Record<string, string>>;
  }
  latestMetricsOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricValue>> {
    return this.call('latestMetricsOfRuns', [runIds]) as Map<string, Record<string, MetricValue>>;
  }
  metricRangesOfRuns(runIds: readonly string[]): Map<string, Record<string, MetricRange>> {
    return this.call('metricRangesOfRuns', [runIds]) as Map<string, Record<string, MetricRange>>;
  }
  childCounts(runIds: readonly string[]): Map<string, number> {
    return this.call('childCounts', [runIds]) as Map<string, number>;
  }
  runKeys(filter?: RunFilter, kinds?: readonly (keyof RunKeys)[]): RunKeys {
    return this.call('runKeys', [filter, kinds]) as RunKeys;
  }
  latestMetricRanges(filter?: RunFilter): Record<string, MetricRange> {
    return this.call('latestMetricRanges', [filter]) as Record<string, MetricRange>;
  }
  paramValueCounts(filter: RunFilter, key: string): { value: string | null; count: number }[] {
    return this.call('paramValueCounts', [filter, key]) as {
      value: string | null;
      count: number;
    }[];
  }
  logArtifact(
    runId: string,
    name: string,
    data: ArtifactData,
    options?: LogArtifactOptions,
  ): Artifact {
    return this.call('logArtifact', [runId, name, data, options]) as Artifact;
  }
  listArtifacts(runId: string): Artifact[] {
    return this.call('listArtifacts', [runId]) as Artifact[];
  }
  readArtifact(runId: string, name: string): Buffer {
    const bytes = this.call('readArtifact', [runId, name]) as Uint8Array;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
