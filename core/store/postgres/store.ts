/**
 * The PostgreSQL implementation of RunStore (runs, params, tags, metrics, artifacts), over a
 * `pg` connection pool. Same semantics as the SQLite store (core/store/store.ts); the
 * contract suite (test/unit/store-contract.test.ts) runs against both.
 *
 * Concurrency: every transaction that writes to runs locks their `runs` rows first, in run
 * id order (`FOR NO KEY UPDATE`, which foreign-key checks do not wait for), and metric
 * series after that in (run id, key) order. With one global order no two writers can wait
 * for each other in a cycle, so concurrent writers never deadlock; writers of one run
 * queue behind each other for the length of a batch. Batches travel as arrays
 * (`unnest`), one statement per table and batch, not per point.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import {
  type ArtifactData,
  ArtifactFiles,
  guessMediaType,
  validateArtifactName,
} from '../artifacts';
import { deletedRunError, StoreError } from '../errors';
import { isWriterGone } from '../liveness';
import { ARTIFACTS_ENV_VAR, DEFAULT_STORE_DIR } from '../location';
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
  type RunStore,
} from '../types';
import { migratePostgres, postgresSchemaVersion } from './migrations';
import type { CompiledSearch } from '../sql/search';
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
} from '../sql/run-rows';
import { hasSearchConditions, keysSql, latestRangesSql, type KeyScanSql } from '../sql/column-keys';
import { andWhere, PINNED_CONDITION, splitPinnedPage, type Slice } from '../sql/pinned-first';
import { runWhere } from '../sql/run-filter';
import { compilePostgresRunSearch } from './search';
import {
  all,
  CHANGES_CHANNEL,
  createPool,
  one,
  redactedUrl,
  notify,
  run,
  transaction,
  write,
  type Queryable,
} from './sql';

export interface OpenPostgresOptions {
  /**
   * Where new artifacts are written (a shared folder for a team); default LABBOOK_ARTIFACTS,
   * else `<cwd>/.labbook/artifacts`. Each artifact records its root, so reads find content
   * written by another machine under another root.
   */
  artifactRoot?: string;
  /** Mark runs whose writer is gone as killed while opening; default true. */
  detectKilledRuns?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Where a connection writes new artifacts: the option, else LABBOOK_ARTIFACTS, else `<cwd>/.labbook/artifacts`. */
export function postgresArtifactRoot(options: OpenPostgresOptions): string {
  const env = options.env ?? process.env;
  return resolve(
    options.cwd ?? process.cwd(),
    options.artifactRoot?.trim() ||
      env[ARTIFACTS_ENV_VAR]?.trim() ||
      join(DEFAULT_STORE_DIR, 'artifacts'),
  );
}

interface SeriesRow {
  id: number;
  run_id: string;
  key: string;
  step: number;
  timestamp: number;
  value: number;
  min: number | null;
  max: number | null;
  points: number;
}

/** Rows per INSERT … SELECT FROM unnest(…): bounded so one statement's arrays stay small. */
const BATCH_ROWS = 20_000;
/** Finite: NaN (greater than every number on PostgreSQL) and ±Infinity left out. */
const FINITE_VALUE =
  "value > '-Infinity'::double precision AND value < 'Infinity'::double precision";
const KEY_SCAN: KeyScanSql = {
  join: 'JOIN',
  finite: FINITE_VALUE,
  orderKey: 'key COLLATE "C"',
  probeEnd: 'OFFSET 0',
};

/** PostgreSQL text cannot hold NUL; SQLite's can. Refuse clearly instead of a driver error. */
function checkText(what: string, value: string): string {
  if (value.includes('\u0000'))
    throw new StoreError(
      'INVALID_ARGUMENT',
      `${what} contains a NUL character, which PostgreSQL cannot store`,
    );
  return value;
}

export class PostgresRunStore implements RunStore {
  readonly backend = 'postgres' as const;
  readonly location: string;
  /** Where new artifacts are written. */
  readonly artifactsDir: string;
  /** The content-addressed files under each artifact root (one object per root). */
  private readonly roots = new Map<string, ArtifactFiles>();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    location: string,
    artifactsDir: string,
  ) {
    this.location = location;
    this.artifactsDir = artifactsDir;
  }

  private filesAt(root: string): ArtifactFiles {
    let found = this.roots.get(root);
    if (!found) this.roots.set(root, (found = new ArtifactFiles(root)));
    return found;
  }

  /** Connects, migrates (refusing a newer schema, writing nothing) and marks killed runs. */
  static async open(url: string, options: OpenPostgresOptions = {}): Promise<PostgresRunStore> {
    const artifactsDir = postgresArtifactRoot(options);
    const location = redactedUrl(url);
    const pool = createPool(url);
    try {
      await migratePostgres(pool, location);
    } catch (error) {
      await pool.end();
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        'NOT_FOUND',
        `cannot open the PostgreSQL store ${location}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const store = new PostgresRunStore(pool, location, artifactsDir);
    if (options.detectKilledRuns ?? true) await store.markKilledRuns();
    return store;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watchers]) await stop();
    await this.pool.end();
  }

  private readonly watchers = new Set<() => Promise<void>>();

  /** LISTEN on a connection of its own: every write transaction notifies on commit. */
  async watch(onChange: () => void): Promise<() => Promise<void>> {
    const client = await this.pool.connect();
    const listener = (message: { channel: string }) => {
      if (message.channel === CHANGES_CHANNEL) onChange();
    };
    client.on('notification', listener);
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      this.watchers.delete(stop);
      client.off('notification', listener);
      await client.query(`UNLISTEN ${CHANGES_CHANNEL}`).catch(() => undefined);
      client.release();
    };
    this.watchers.add(stop);
    return stop;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  schemaVersion(): Promise<number | null> {
    return postgresSchemaVersion(this.pool);
  }

  /**
   * Locks the runs' rows in id order (the first lock of every writing transaction) and
   * checks that each exists and, unless `allowDeleted`, is not soft-deleted.
   */
  private async lockRuns(
    client: Queryable,
    runIds: readonly string[],
    allowDeleted = false,
  ): Promise<void> {
    const ids = [...new Set(runIds)].sort();
    const rows = await all<{ id: string; deleted_at: number | null }>(
      client,
      'SELECT id, deleted_at FROM runs WHERE id = ANY(?::text[]) ORDER BY id FOR NO KEY UPDATE',
      [ids],
    );
    const found = new Map(rows.map((r) => [r.id, r.deleted_at]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      throw new StoreError(
        'NOT_FOUND',
        missing.length === 1
          ? noRunError(missing[0], this.location).message
          : `metric points refer to runs that do not exist in ${this.location}: ${missing.join(', ')}`,
      );
    }
    if (allowDeleted) return;
    const deleted = ids.filter((id) => found.get(id) !== null);
    if (deleted.length) throw deletedRunError(deleted);
  }

  private async requireRun(db: Queryable, id: string): Promise<void> {
    if (!(await one(db, 'SELECT 1 FROM runs WHERE id = ?', [id])))
      throw noRunError(id, this.location);
  }

  // ---- experiments ----

  async getOrCreateExperiment(name: string): Promise<Experiment> {
    checkExperimentName(name);
    await write(
      this.pool,
      'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      [checkText('experiment name', name), Date.now()],
    );
    return (await this.getExperiment(name))!;
  }

  async getExperiment(nameOrId: string | number): Promise<Experiment | undefined> {
    const row =
      typeof nameOrId === 'number'
        ? await one<ExperimentRow>(this.pool, 'SELECT * FROM experiments WHERE id = ?', [nameOrId])
        : await one<ExperimentRow>(this.pool, 'SELECT * FROM experiments WHERE name = ?', [
            nameOrId,
          ]);
    return row ? toExperiment(row) : undefined;
  }

  async listExperiments(): Promise<Experiment[]> {
    // COLLATE "C": byte order, as SQLite's default BINARY collation sorts.
    return (
      await all<ExperimentRow>(this.pool, 'SELECT * FROM experiments ORDER BY name COLLATE "C"')
    ).map(toExperiment);
  }

  async setKeyMetric(
    experiment: string | number,
    key: string | null,
    higherIsBetter?: boolean,
  ): Promise<void> {
    const found = await this.getExperiment(experiment);
    if (!found) throw noExperimentError(experiment, this.location);
    const direction = key === null || higherIsBetter === undefined ? null : higherIsBetter ? 1 : 0;
    await write(
      this.pool,
      'UPDATE experiments SET key_metric = ?, key_metric_higher_is_better = ? WHERE id = ?',
      [key, direction, found.id],
    );
  }

  // ---- runs ----

  async createRun(newRun: NewRun): Promise<Run> {
    const id = newRun.id ?? randomUUID().replace(/-/g, '');
    const startTime = newRun.startTime ?? Date.now();
    const experiment = await this.getOrCreateExperiment(newRun.experiment);
    await transaction(this.pool, async (client) => {
      // The experiment's row lock makes "count, then insert" atomic between processes, as
      // SQLite's BEGIN IMMEDIATE does: two runs started at once never get the same name.
      await one(client, 'SELECT id FROM experiments WHERE id = ? FOR UPDATE', [experiment.id]);
      let name = newRun.name;
      if (name === undefined) {
        const count = await one<{ n: number }>(
          client,
          'SELECT COUNT(*) AS n FROM runs WHERE experiment_id = ?',
          [experiment.id],
        );
        name = `${newRun.namePrefix ?? 'run'}-${(count?.n ?? 0) + 1}`;
      }
      await run(
        client,
        INSERT_RUN,
        newRunValues(newRun, {
          id,
          experimentId: experiment.id,
          name: checkText('run name', name),
          startTime,
          user: newRun.user == null ? null : checkText('user', newRun.user),
        }),
      );
    });
    return (await this.getRun(id))!;
  }

  async getRun(id: string): Promise<Run | undefined> {
    const row = await one<RunRow>(
      this.pool,
      `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
      [id],
    );
    return row ? toRun(row) : undefined;
  }

  /** The WHERE conditions (over `runs r JOIN experiments e`) and their arguments. */
  private runWhere(
    filter: RunFilter,
    search = this.search(filter),
  ): { sql: string; args: unknown[] } {
    return runWhere(filter, search, (column, values) => ({
      sql: `${column} = ANY(?::bigint[])`,
      args: [values],
    }));
  }

  /** The filter's search in PostgreSQL's dialect, one `now` for the whole statement. */
  private search(filter: RunFilter, now = Date.now()): CompiledSearch | undefined {
    return filter.search && compilePostgresRunSearch(filter.search, now);
  }

  private matchingIds(filter: RunFilter): { sql: string; args: unknown[] } {
    const where = this.runWhere(filter);
    return {
      sql: `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}`,
      args: where.args,
    };
  }

  async listRuns(filter: RunListOptions = {}): Promise<Run[]> {
    const search = this.search(filter);
    const where = this.runWhere(filter, search);
    const order: string[] = [];
    const orderArgs: unknown[] = [];
    if (filter.groupByParam !== undefined) {
      order.push(
        '(SELECT gp.value FROM params gp WHERE gp.run_id = r.id AND gp.key = ?) COLLATE "C" ASC NULLS LAST',
      );
      orderArgs.push(filter.groupByParam);
    }
    order.push(...(search?.orderBy ?? []));
    orderArgs.push(...(search?.orderArgs ?? []));
    const direction = filter.startTimeAscending ? 'ASC' : 'DESC';
    order.push(`r.start_time ${direction}`, `r.seq ${direction}`);
    const read = async (extra: string, extraArgs: unknown[], slice: Slice | undefined) => {
      const paging = slice ? 'LIMIT ? OFFSET ?' : '';
      const pagingArgs = slice ? [slice.limit ?? null, slice.offset] : [];
      const rows = await all<RunRow>(
        this.pool,
        `SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id
        ${andWhere(where.sql, extra)} ORDER BY ${order.join(', ')} ${paging}`,
        [...where.args, ...extraArgs, ...orderArgs, ...pagingArgs],
      );
      return rows.map(toRun);
    };
    const paged = filter.limit !== undefined || filter.offset !== undefined;
    const whole: Slice | undefined = paged
      ? { offset: filter.offset ?? 0, limit: filter.limit }
      : undefined;
    if (!filter.pinnedFirst) return read('', [], whole);
    const counted = await one<{ n: number }>(
      this.pool,
      `SELECT COUNT(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id
      ${andWhere(where.sql, PINNED_CONDITION)}`,
      [...where.args, PINNED_TAG],
    );
    const page = splitPinnedPage(whole?.offset ?? 0, whole?.limit, counted?.n ?? 0);
    return [
      ...(page.pinned ? await read(PINNED_CONDITION, [PINNED_TAG], page.pinned) : []),
      ...(page.unpinned ? await read(`NOT ${PINNED_CONDITION}`, [PINNED_TAG], page.unpinned) : []),
    ];
  }

  async countRuns(filter: RunFilter = {}): Promise<number> {
    const where = this.runWhere(filter);
    const row = await one<{ n: number }>(
      this.pool,
      `SELECT COUNT(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}`,
      where.args,
    );
    return row?.n ?? 0;
  }

  async runIdsWithPrefix(prefix: string, limit = 10): Promise<string[]> {
    if (typeof prefix !== 'string' || prefix === '') return [];
    const rows = await all<{ id: string }>(
      this.pool,
      'SELECT id FROM runs WHERE left(id, length(?::text)) = ? ORDER BY id COLLATE "C" LIMIT ?',
      [prefix, prefix, limit],
    );
    return rows.map((r) => r.id);
  }

  async renameRun(id: string, name: string): Promise<void> {
    checkRunName(name);
    const changes = await write(this.pool, 'UPDATE runs SET name = ? WHERE id = ?', [
      checkText('run name', name),
      id,
    ]);
    if (changes === 0) await this.requireRun(this.pool, id);
  }

  async endRun(
    id: string,
    status: EndStatus,
    options: { error?: string | null; endTime?: number } = {},
  ): Promise<void> {
    checkEndStatus(status);
    const endTime = options.endTime ?? Date.now();
    const changes = await write(
      this.pool,
      'UPDATE runs SET status = ?, end_time = ?, error = ?, heartbeat_at = ? WHERE id = ?',
      [status, endTime, options.error ?? null, endTime, id],
    );
    if (changes === 0) throw noRunError(id, this.location);
  }

  async heartbeat(id: string, at: number = Date.now()): Promise<void> {
    await this.heartbeatOn(this.pool, [id], at);
    await notify(this.pool);
  }

  private async heartbeatOn(db: Queryable, ids: readonly string[], at: number): Promise<void> {
    await run(
      db,
      `UPDATE runs SET heartbeat_at = ?,
        end_time = CASE status WHEN 'killed' THEN NULL ELSE end_time END,
        error = CASE status WHEN 'killed' THEN NULL ELSE error END,
        status = CASE status WHEN 'killed' THEN 'running' ELSE status END
      WHERE id = ANY(?::text[])`,
      [at, [...ids]],
    );
  }

  async deleteRun(id: string): Promise<void> {
    const changes = await write(
      this.pool,
      'UPDATE runs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
      [Date.now(), id],
    );
    if (changes === 0) await this.requireRun(this.pool, id);
  }

  async restoreRun(id: string): Promise<void> {
    const changes = await write(
      this.pool,
      'UPDATE runs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
      [id],
    );
    if (changes === 0) await this.requireRun(this.pool, id);
  }

  /**
   * As on SQLite, in one transaction, refusing unknown, live and model-producing runs.
   * Artifact files are kept: the artifact root may be shared with other stores (SQLite
   * files beside it, other databases), which this database cannot see, so reclaiming files
   * is left to a collector that can (artifactBytesFreed is 0).
   */
  async purgeRuns(ids: readonly string[]): Promise<PurgeResult> {
    const unique = [...new Set(ids)].sort();
    if (unique.length === 0) return { purged: 0, artifactBytesFreed: 0 };
    await transaction(this.pool, async (client) => {
      const rows = await all<{ id: string; deleted_at: number | null }>(
        client,
        'SELECT id, deleted_at FROM runs WHERE id = ANY(?::text[]) ORDER BY id FOR UPDATE',
        [unique],
      );
      const found = new Map(rows.map((r) => [r.id, r.deleted_at]));
      const missing = unique.filter((id) => !found.has(id));
      const live = unique.filter((id) => found.has(id) && found.get(id) === null);
      if (missing.length || live.length) throw purgeRefusedError(live, missing);
      const producers = await all<{ name: string; version: number; run_id: string }>(
        client,
        'SELECT name, version, run_id FROM model_versions WHERE run_id = ANY(?::text[]) ORDER BY name, version',
        [unique],
      );
      if (producers.length) {
        throw new StoreError(
          'INVALID_ARGUMENT',
          `purge refused; nothing was purged. These runs produced registered model versions, which are kept: ${producers
            .map((r) => `${r.run_id} (model ${JSON.stringify(r.name)} v${r.version})`)
            .join(', ')}`,
        );
      }
      await run(
        client,
        'UPDATE runs SET parent_run_id = NULL WHERE parent_run_id = ANY(?::text[])',
        [unique],
      );
      await run(
        client,
        'DELETE FROM metric_points WHERE series_id IN (SELECT id FROM metric_series WHERE run_id = ANY(?::text[]))',
        [unique],
      );
      for (const table of ['metric_series', 'params', 'tags', 'artifacts', 'run_inputs'])
        await run(client, `DELETE FROM ${table} WHERE run_id = ANY(?::text[])`, [unique]);
      await run(client, 'DELETE FROM runs WHERE id = ANY(?::text[])', [unique]);
    });
    return { purged: unique.length, artifactBytesFreed: 0 };
  }

  async markKilledRuns(now: number = Date.now()): Promise<string[]> {
    const running = await all<{
      id: string;
      pid: number | null;
      host: string | null;
      heartbeatAt: number | null;
      startTime: number;
    }>(
      this.pool,
      `SELECT id, pid, host, heartbeat_at AS "heartbeatAt", start_time AS "startTime"
      FROM runs WHERE status = 'running' ORDER BY id`,
    );
    const killed: string[] = [];
    for (const r of running) {
      if (!isWriterGone(r, now)) continue;
      const who = `process ${r.pid ?? '?'} on ${r.host ?? 'an unknown host'}`;
      const changes = await write(
        this.pool,
        `UPDATE runs SET status = 'killed', end_time = COALESCE(heartbeat_at, start_time), error = ?
        WHERE id = ? AND status = 'running' AND heartbeat_at IS NOT DISTINCT FROM ?`,
        [`${who} ended without ending the run`, r.id, r.heartbeatAt],
      );
      if (changes > 0) killed.push(r.id);
    }
    return killed;
  }

  // ---- params and tags ----

  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    const entries = Object.entries(params);
    for (const [key, value] of entries) {
      checkText(`param ${JSON.stringify(key)}`, key);
      checkText(`param ${JSON.stringify(key)}'s value`, value);
    }
    await transaction(this.pool, async (client) => {
      await this.lockRuns(client, [runId]);
      if (entries.length === 0) return;
      const keys = entries.map(([k]) => k);
      const values = entries.map(([, v]) => v);
      await run(
        client,
        `INSERT INTO params (run_id, key, value)
        SELECT ?, k, v FROM unnest(?::text[], ?::text[]) AS u(k, v) ORDER BY k ON CONFLICT (run_id, key) DO NOTHING`,
        [runId, keys, values],
      );
      const stored = await all<{ key: string; value: string }>(
        client,
        'SELECT key, value FROM params WHERE run_id = ? AND key = ANY(?::text[])',
        [runId, keys],
      );
      const byKey = new Map(stored.map((r) => [r.key, r.value]));
      for (const [key, value] of entries) {
        const existing = byKey.get(key);
        if (existing !== value) throw paramConflictError(runId, key, existing, value);
      }
    });
  }

  async getParams(runId: string): Promise<Record<string, string>> {
    return this.keyValues('params', runId);
  }

  private async keyValues(
    table: 'params' | 'tags',
    runId: string,
  ): Promise<Record<string, string>> {
    const rows = await all<{ key: string; value: string }>(
      this.pool,
      `SELECT key, value FROM ${table} WHERE run_id = ? ORDER BY key COLLATE "C"`,
      [runId],
    );
    const out: Record<string, string> = {};
    for (const r of rows) out[r.key] = r.value;
    return out;
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    const entries = Object.entries(tags);
    for (const [key, value] of entries) {
      checkText(`tag ${JSON.stringify(key)}`, key);
      checkText(`tag ${JSON.stringify(key)}'s value`, value);
    }
    await transaction(this.pool, async (client) => {
      await this.lockRuns(client, [runId]);
      if (entries.length === 0) return;
      await run(
        client,
        `INSERT INTO tags (run_id, key, value)
        SELECT ?, k, v FROM unnest(?::text[], ?::text[]) AS u(k, v) ORDER BY k
        ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
        [runId, entries.map(([k]) => k), entries.map(([, v]) => v)],
      );
    });
  }

  async getTags(runId: string): Promise<Record<string, string>> {
    return this.keyValues('tags', runId);
  }

  async deleteTags(runId: string, keys: readonly string[]): Promise<void> {
    await transaction(this.pool, async (client) => {
      await this.lockRuns(client, [runId]);
      await run(client, 'DELETE FROM tags WHERE run_id = ? AND key = ANY(?::text[])', [
        runId,
        [...keys],
      ]);
    });
  }

  // ---- many runs at once ----

  private async keyValuesOfRuns(
    table: 'params' | 'tags',
    runIds: readonly string[],
  ): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    const rows = await all<{ run_id: string; key: string; value: string }>(
      this.pool,
      `SELECT run_id, key, value FROM ${table} WHERE run_id = ANY(?::text[]) ORDER BY run_id, key COLLATE "C"`,
      [[...new Set(runIds)]],
    );
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = row.value;
    }
    return out;
  }

  paramsOfRuns(runIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
    return this.keyValuesOfRuns('params', runIds);
  }

  tagsOfRuns(runIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
    return this.keyValuesOfRuns('tags', runIds);
  }

  async latestMetricsOfRuns(
    runIds: readonly string[],
  ): Promise<Map<string, Record<string, MetricValue>>> {
    const out = new Map<string, Record<string, MetricValue>>();
    const rows = await all<SeriesRow>(
      this.pool,
      'SELECT run_id, key, step, timestamp, value FROM metric_series WHERE run_id = ANY(?::text[]) ORDER BY run_id, key COLLATE "C"',
      [[...new Set(runIds)]],
    );
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = { step: row.step, timestamp: row.timestamp, value: row.value };
    }
    return out;
  }

  async metricRangesOfRuns(
    runIds: readonly string[],
  ): Promise<Map<string, Record<string, MetricRange>>> {
    const out = new Map<string, Record<string, MetricRange>>();
    const rows = await all<SeriesRow>(
      this.pool,
      'SELECT run_id, key, min, max FROM metric_series WHERE run_id = ANY(?::text[])',
      [[...new Set(runIds)]],
    );
    for (const row of rows) {
      let record = out.get(row.run_id);
      if (!record) out.set(row.run_id, (record = {}));
      record[row.key] = { min: row.min, max: row.max };
    }
    return out;
  }

  async childCounts(runIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await all<{ parent: string; n: number }>(
      this.pool,
      `SELECT parent_run_id AS parent, COUNT(*) AS n FROM runs
        WHERE parent_run_id = ANY(?::text[]) AND deleted_at IS NULL GROUP BY parent_run_id`,
      [[...new Set(runIds)]],
    );
    return new Map(rows.map((r) => [r.parent, r.n]));
  }

  async runKeys(
    filter: RunFilter = {},
    kinds: readonly (keyof RunKeys)[] = ['params', 'metrics', 'tags'],
  ): Promise<RunKeys> {
    const byIndex = !hasSearchConditions(filter);
    const where = this.runWhere(filter);
    const ids = this.matchingIds(filter);
    const keysOf = async (kind: keyof RunKeys) => {
      if (!kinds.includes(kind)) return [];
      const table = kind === 'metrics' ? 'metric_series' : kind;
      const rows = byIndex
        ? await all<{ key: string }>(this.pool, keysSql(KEY_SCAN, table, where.sql), where.args)
        : await all<{ key: string }>(
            this.pool,
            `SELECT DISTINCT key COLLATE "C" AS key FROM ${table} WHERE run_id IN (${ids.sql}) ORDER BY 1`,
            ids.args,
          );
      return rows.map((r) => r.key);
    };
    return {
      params: await keysOf('params'),
      metrics: await keysOf('metrics'),
      tags: await keysOf('tags'),
    };
  }

  async latestMetricRanges(filter: RunFilter = {}): Promise<Record<string, MetricRange>> {
    type Row = { key: string; min: number | null; max: number | null };
    let rows: Row[];
    if (!hasSearchConditions(filter)) {
      const where = this.runWhere(filter);
      rows = await all<Row>(this.pool, latestRangesSql(KEY_SCAN, where.sql), [
        ...where.args,
        ...where.args,
        ...where.args,
      ]);
    } else {
      const ids = this.matchingIds(filter);
      rows = await all<Row>(
        this.pool,
        `SELECT key, MIN(CASE WHEN ${FINITE_VALUE} THEN value END) AS min,
          MAX(CASE WHEN ${FINITE_VALUE} THEN value END) AS max
        FROM metric_series WHERE run_id IN (${ids.sql}) GROUP BY key ORDER BY key COLLATE "C"`,
        ids.args,
      );
    }
    return Object.fromEntries(rows.map((r) => [r.key, { min: r.min, max: r.max }]));
  }

  async paramValueCounts(
    filter: RunFilter,
    key: string,
  ): Promise<{ value: string | null; count: number }[]> {
    const where = this.runWhere(filter);
    return all<{ value: string | null; count: number }>(
      this.pool,
      `SELECT (SELECT gp.value COLLATE "C" FROM params gp WHERE gp.run_id = r.id AND gp.key = ?) AS value, COUNT(*) AS count
      FROM runs r JOIN experiments e ON e.id = r.experiment_id ${where.sql}
      GROUP BY 1 ORDER BY 1 ASC NULLS LAST`,
      [key, ...where.args],
    );
  }

  // ---- metrics ----

  async insertMetricPoints(points: readonly MetricPoint[]): Promise<void> {
    if (points.length === 0) return;
    for (const point of points) {
      checkPoint(point);
      checkText('metric key', point.key);
    }
    await transaction(this.pool, async (client) => {
      await this.lockRuns(
        client,
        points.map((p) => p.runId),
      );
      // Series in (run id, key) order: created, then locked, in that one order.
      const firstOf = new Map<string, MetricPoint>();
      for (const p of points) {
        const id = `${p.runId}\u0000${p.key}`;
        if (!firstOf.has(id)) firstOf.set(id, p);
      }
      const firsts = [...firstOf.values()].sort((a, b) =>
        a.runId === b.runId
          ? a.key < b.key
            ? -1
            : a.key > b.key
              ? 1
              : 0
          : a.runId < b.runId
            ? -1
            : 1,
      );
      const seriesArgs = [
        firsts.map((p) => p.runId),
        firsts.map((p) => p.key),
        firsts.map((p) => p.step),
        firsts.map((p) => p.timestamp),
        firsts.map((p) => p.value),
      ];
      await run(
        client,
        `INSERT INTO metric_series (run_id, key, step, timestamp, value, points)
        SELECT r, k, s, t, v, 0 FROM unnest(?::text[], ?::text[], ?::bigint[], ?::float8[], ?::float8[]) AS u(r, k, s, t, v)
        ON CONFLICT (run_id, key) DO NOTHING`,
        seriesArgs,
      );
      const rows = await all<SeriesRow>(
        client,
        `SELECT s.id, s.run_id, s.key, s.step, s.timestamp, s.value, s.min, s.max, s.points
        FROM metric_series s JOIN unnest(?::text[], ?::text[]) AS u(r, k) ON s.run_id = u.r AND s.key = u.k
        ORDER BY s.run_id, s.key FOR UPDATE OF s`,
        [seriesArgs[0], seriesArgs[1]],
      );
      const series = new Map(rows.map((r) => [`${r.run_id}\u0000${r.key}`, r]));
      const ids: number[] = [];
      const steps: number[] = [];
      const seqs: number[] = [];
      const times: number[] = [];
      const values: number[] = [];
      for (const p of points) {
        const s = series.get(`${p.runId}\u0000${p.key}`)!;
        ids.push(s.id);
        steps.push(p.step);
        seqs.push(s.points++);
        times.push(p.timestamp);
        values.push(p.value);
        if (!Number.isNaN(p.value)) {
          s.min = s.min === null ? p.value : Math.min(s.min, p.value);
          s.max = s.max === null ? p.value : Math.max(s.max, p.value);
        }
        if (isLater(p, s)) {
          s.step = p.step;
          s.timestamp = p.timestamp;
          s.value = p.value;
        }
      }
      for (let i = 0; i < ids.length; i += BATCH_ROWS) {
        const end = i + BATCH_ROWS;
        await run(
          client,
          `INSERT INTO metric_points (series_id, step, seq, timestamp, value)
          SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::float8[], ?::float8[])`,
          [
            ids.slice(i, end),
            steps.slice(i, end),
            seqs.slice(i, end),
            times.slice(i, end),
            values.slice(i, end),
          ],
        );
      }
      const changed = [...series.values()];
      await run(
        client,
        `UPDATE metric_series s SET step = u.step, timestamp = u.ts, value = u.value, min = u.lo, max = u.hi, points = u.n
        FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::float8[], ?::float8[], ?::float8[], ?::bigint[])
          AS u(id, step, ts, value, lo, hi, n)
        WHERE s.id = u.id`,
        [
          changed.map((s) => s.id),
          changed.map((s) => s.step),
          changed.map((s) => s.timestamp),
          changed.map((s) => s.value),
          changed.map((s) => s.min),
          changed.map((s) => s.max),
          changed.map((s) => s.points),
        ],
      );
      await this.heartbeatOn(client, [...new Set(points.map((p) => p.runId))].sort(), Date.now());
    });
  }

  async metricHistory(runId: string, key: string): Promise<MetricValue[]> {
    return all<MetricValue>(
      this.pool,
      `SELECT p.step, p.timestamp, p.value FROM metric_points p
      WHERE p.series_id = (SELECT id FROM metric_series WHERE run_id = ? AND key = ?)
      ORDER BY p.step, p.seq`,
      [runId, key],
    );
  }

  async latestMetrics(runId: string): Promise<Record<string, MetricValue>> {
    const rows = await all<SeriesRow>(
      this.pool,
      'SELECT key, step, timestamp, value FROM metric_series WHERE run_id = ? ORDER BY key COLLATE "C"',
      [runId],
    );
    return Object.fromEntries(
      rows.map((r) => [r.key, { step: r.step, timestamp: r.timestamp, value: r.value }]),
    );
  }

  // ---- artifacts ----

  async logArtifact(
    runId: string,
    name: string,
    data: ArtifactData,
    options: LogArtifactOptions = {},
  ): Promise<Artifact> {
    validateArtifactName(name);
    await this.requireRun(this.pool, runId);
    const blob = this.filesAt(this.artifactsDir).putData(name, data);
    const mediaType = options.mediaType ?? guessMediaType(name, data);
    await transaction(this.pool, async (client) => {
      await this.lockRuns(client, [runId]);
      await run(
        client,
        // The root is always recorded: a database shared by machines has no "beside the
        // database" folder that every reader would agree on.
        `INSERT INTO artifacts (run_id, name, sha256, size, media_type, created_at, root) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
          media_type = excluded.media_type, created_at = excluded.created_at, root = excluded.root`,
        [runId, name, blob.sha256, blob.size, mediaType, Date.now(), this.artifactsDir],
      );
    });
    return (await this.getArtifact(runId, name))!;
  }

  async getArtifact(runId: string, name: string): Promise<Artifact | undefined> {
    const row = await one<ArtifactRow>(
      this.pool,
      'SELECT * FROM artifacts WHERE run_id = ? AND name = ?',
      [runId, name],
    );
    return row ? toArtifact(row, this.artifactsDir) : undefined;
  }

  async listArtifacts(runId: string): Promise<Artifact[]> {
    return (
      await all<ArtifactRow>(
        this.pool,
        'SELECT * FROM artifacts WHERE run_id = ? ORDER BY name COLLATE "C"',
        [runId],
      )
    ).map((row) => toArtifact(row, this.artifactsDir));
  }

  async readArtifact(runId: string, name: string): Promise<Buffer> {
    const artifact = await this.getArtifact(runId, name);
    if (!artifact)
      throw new StoreError('NOT_FOUND', `run ${runId} has no artifact ${JSON.stringify(name)}`);
    return this.filesAt(artifact.root).read(artifact.sha256);
  }
}
