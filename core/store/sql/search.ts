/**
 * Turns a parsed search (core/search/parse.ts) into SQL over the store's schema, so a search
 * runs in the database (indexes on params, tags and latest metrics) instead of loading every
 * run. One compiler serves every backend: what differs between them (how LIKE is spelled,
 * where NaN lives, where a missing value sorts, casts) is a small SearchDialect each backend
 * supplies (core/store/sqlite/search.ts, core/store/postgres/search.ts). Values always travel
 * as bound `?` parameters; the parser knows no SQL.
 *
 * A clause on a param, tag, metric or data set is an EXISTS over that run's rows, so it is
 * never NULL and NOT / OR mean what they say on the set of runs: `NOT params.x = "a"` is
 * every run that does not have x = "a", runs without x included. An attribute compared
 * with a missing value (a running run's end time) is NULL in SQL; NOT treats it as false.
 */
import type { Aggregate, Clause, OrderKey, SearchCondition } from '../../search/parse';
import { DATASET_FIELDS } from '../../search/parse';
import type { RunSearch } from '../types';

export interface CompiledSearch {
  /** Conditions on `runs r` (joined with `experiments e`), ANDed; empty for none. */
  where: string[];
  args: unknown[];
  /** ORDER BY terms, most significant first; the caller appends its default order. */
  orderBy: string[];
  orderArgs: unknown[];
}

/** What one backend spells its own way; everything else is the same SQL on every backend. */
export interface SearchDialect {
  /** The table of each run's latest value per metric key (run_id, key, value). */
  readonly metricsTable: string;
  /** The placeholder of the search's "now" in the duration's arithmetic (a cast where needed). */
  readonly nowPlaceholder: string;
  /** A latest metric's value as compared and sorted: NaN must read as NULL (never matches, sorts last). */
  metricValue(alias: string): string;
  /**
   * A text value sorted in byte order, as SQLite's BINARY collation does, whatever the
   * database's own collation. (The parser allows only =, !=, LIKE and IN on text, which no
   * collation changes.)
   */
  byteOrder(expression: string): string;
  /** MLflow's LIKE (case-sensitive) or ILIKE, `%` and `_` the only wildcards, no escape character. */
  like(column: string, comparator: 'LIKE' | 'ILIKE', pattern: string, args: unknown[]): string;
  /** Where a missing attribute (a run's user, its end time) sorts: SQLite's place, smallest. */
  attributeNulls(descending: boolean): string;
}

/** Attributes whose values are text (the others are numbers: times and the duration). */
const TEXT_ATTRIBUTES = new Set(['run_id', 'run_name', 'status', 'experiment', 'user']);

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.id',
  run_name: 'r.name',
  status: 'r.status',
  experiment: 'e.name',
  user: 'r.user_name',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

/** The attribute's SQL expression, with the arguments it binds itself pushed onto `args`. */
function attributeColumn(
  dialect: SearchDialect,
  key: string,
  now: number,
  args: unknown[],
): string {
  if (key === 'duration') {
    // The one placeholder is the search's "now". A run that stopped without an end time (a
    // crash) has no duration, as the table shows it.
    args.push(now);
    return `(CASE WHEN r.end_time IS NOT NULL THEN r.end_time - r.start_time
    WHEN r.status = 'running' THEN ${dialect.nowPlaceholder} - r.start_time END)`;
  }
  return ATTRIBUTE_COLUMNS[key];
}

/** Whether an entity's key holds text (params, tags, the text attributes), sorted in byte order. */
function isText(entity: Clause['entity'], key: string): boolean {
  return entity === 'attributes' ? TEXT_ATTRIBUTES.has(key) : entity !== 'metrics';
}

function comparison(
  dialect: SearchDialect,
  column: string,
  clause: Clause,
  args: unknown[],
): string {
  switch (clause.comparator) {
    case 'LIKE':
    case 'ILIKE':
      return dialect.like(column, clause.comparator, String(clause.value), args);
    case 'IN':
    case 'NOT IN': {
      const values = clause.value as (string | number)[];
      args.push(...values.map(String));
      return `${column} ${clause.comparator} (${values.map(() => '?').join(', ')})`;
    }
    case 'IS NULL':
    case 'IS NOT NULL':
      throw new Error(`${clause.comparator} is compiled as the key's absence, not a comparison`);
    default:
      args.push(clause.value);
      return `${column} ${clause.comparator} ?`;
  }
}

function lowerCase(value: Clause['value']): Clause['value'] {
  if (value === null) return value;
  return Array.isArray(value)
    ? value.map((v) => String(v).toLowerCase())
    : String(value).toLowerCase();
}

/** The table and alias of an entity's key/value rows. */
function entityTable(dialect: SearchDialect, entity: Clause['entity']): [string, string] {
  if (entity === 'metrics') return [dialect.metricsTable, 'm'];
  return entity === 'params' ? ['params', 'p'] : ['tags', 't'];
}

/** A key/value row's value as compared: a metric's NaN read as NULL. */
function entityValue(dialect: SearchDialect, entity: Clause['entity'], alias: string): string {
  return entity === 'metrics' ? dialect.metricValue(alias) : `${alias}.value`;
}

/**
 * An aggregate of a metric's history, over the series row `alias`: min, max and the point
 * count are kept per series by the store (NaN left out of the range, counted as a point);
 * the mean reads the points, NaN left out.
 */
function aggregateValue(dialect: SearchDialect, aggregate: Aggregate, alias: string): string {
  switch (aggregate) {
    case 'min':
      return `${alias}.min`;
    case 'max':
      return `${alias}.max`;
    case 'count':
      return `${alias}.points`;
    case 'mean':
      return `(SELECT AVG(${dialect.metricValue('pt')}) FROM metric_points pt WHERE pt.series_id = ${alias}.id)`;
  }
}

const DATASET_COLUMNS = { name: 'd.name', role: 'ri.role', fingerprint: 'd.fingerprint' };

/**
 * Clauses on the data sets a run used, all holding for one and the same input (as MLflow
 * reads `datasets.name = "x" AND datasets.context = "train"`: x used for training).
 */
function datasetsSql(dialect: SearchDialect, clauses: readonly Clause[], args: unknown[]): string {
  const conditions = clauses.map((clause) =>
    comparison(dialect, DATASET_COLUMNS[DATASET_FIELDS[clause.key]], clause, args),
  );
  return `EXISTS (SELECT 1 FROM run_inputs ri JOIN datasets d ON d.id = ri.dataset_id WHERE ri.run_id = r.id AND ${conditions.join(' AND ')})`;
}

/**
 * The items of an AND as conditions, in order, its data set clauses joined into one at
 * the place of the first (one input meets them all).
 */
function andSql(
  dialect: SearchDialect,
  items: readonly SearchCondition[],
  now: number,
  args: unknown[],
): string[] {
  const datasets = items.flatMap((item) =>
    item.kind === 'clause' && item.clause.entity === 'datasets' ? [item.clause] : [],
  );
  const out: string[] = [];
  let joinedDatasets = false;
  for (const item of items) {
    if (item.kind === 'clause' && item.clause.entity === 'datasets') {
      if (!joinedDatasets) out.push(datasetsSql(dialect, datasets, args));
      joinedDatasets = true;
    } else out.push(conditionSql(dialect, item, now, args));
  }
  return out;
}

/** One clause as a condition on the run `r`, its arguments pushed onto `args` in order. */
function clauseSql(dialect: SearchDialect, clause: Clause, now: number, args: unknown[]): string {
  if (clause.entity === 'attributes') {
    // MLflow spells statuses in capitals ("FINISHED"); Labbook stores them in lower case.
    const normalized =
      clause.key === 'status' ? { ...clause, value: lowerCase(clause.value) } : clause;
    const column = attributeColumn(dialect, clause.key, now, args);
    return comparison(dialect, column, normalized, args);
  }
  if (clause.entity === 'datasets') return datasetsSql(dialect, [clause], args);
  if (clause.aggregate) {
    args.push(clause.key);
    const value = aggregateValue(dialect, clause.aggregate, 's');
    return `EXISTS (SELECT 1 FROM metric_series s WHERE s.run_id = r.id AND s.key = ? AND ${comparison(dialect, value, clause, args)})`;
  }
  const [table, alias] = entityTable(dialect, clause.entity);
  args.push(clause.key);
  const has = `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_id = r.id AND ${alias}.key = ?`;
  if (clause.comparator === 'IS NULL') return `NOT ${has})`;
  if (clause.comparator === 'IS NOT NULL') return `${has})`;
  const value = entityValue(dialect, clause.entity, alias);
  return `${has} AND ${comparison(dialect, value, clause, args)})`;
}

/** A condition tree as SQL; AND binds tighter than OR in SQL too, but every group is bracketed. */
function conditionSql(
  dialect: SearchDialect,
  condition: SearchCondition,
  now: number,
  args: unknown[],
): string {
  switch (condition.kind) {
    case 'clause':
      return clauseSql(dialect, condition.clause, now, args);
    case 'not':
      // IS NOT TRUE: a comparison with a missing attribute (NULL) counts as false, so its NOT holds.
      return `(${conditionSql(dialect, condition.item, now, args)}) IS NOT TRUE`;
    case 'and':
      return `(${andSql(dialect, condition.items, now, args).join(' AND ')})`;
    case 'or':
      return `(${condition.items.map((item) => conditionSql(dialect, item, now, args)).join(' OR ')})`;
  }
}

/**
 * Parses nothing itself: give it parseSearch / parseFilter / parseOrderBy results (a list of
 * clauses is their AND). `now` (ms since the epoch) is the one moment a running run's
 * duration is measured at, in the filter and the order alike, so one search sees one
 * consistent duration per run.
 */
export function compileSearch(
  dialect: SearchDialect,
  filter: readonly Clause[] | SearchCondition | null,
  order: readonly OrderKey[] = [],
  now: number = Date.now(),
): CompiledSearch {
  const where: string[] = [];
  const args: unknown[] = [];
  const conditions: SearchCondition[] =
    filter === null
      ? []
      : Array.isArray(filter)
        ? filter.map((clause) => ({ kind: 'clause', clause, position: clause.position }))
        : (filter as SearchCondition).kind === 'and'
          ? (filter as { items: SearchCondition[] }).items
          : [filter as SearchCondition];
  // A top-level AND stays a list of conditions, as the caller joins them.
  where.push(...andSql(dialect, conditions, now, args));
  const orderBy: string[] = [];
  const orderArgs: unknown[] = [];
  for (const key of order) {
    const direction = key.descending ? 'DESC' : 'ASC';
    if (key.entity === 'attributes') {
      // Runs without a duration sort last either way, like a missing metric.
      const nulls = key.key === 'duration' ? ' NULLS LAST' : dialect.attributeNulls(key.descending);
      const column = attributeColumn(dialect, key.key, now, orderArgs);
      const sorted = isText('attributes', key.key) ? dialect.byteOrder(column) : column;
      orderBy.push(`${sorted} ${direction}${nulls}`);
      continue;
    }
    if (key.aggregate) {
      orderArgs.push(key.key);
      orderBy.push(
        `(SELECT ${aggregateValue(dialect, key.aggregate, 'x')} FROM metric_series x WHERE x.run_id = r.id AND x.key = ?) ${direction} NULLS LAST`,
      );
      continue;
    }
    const [table] = entityTable(dialect, key.entity);
    orderArgs.push(key.key);
    // Runs without the key (or with NaN) sort last either way, as MLflow does.
    const value = entityValue(dialect, key.entity, 'x');
    const sorted = isText(key.entity, key.key) ? dialect.byteOrder(value) : value;
    orderBy.push(
      `(SELECT ${sorted} FROM ${table} x WHERE x.run_id = r.id AND x.key = ?) ${direction} NULLS LAST`,
    );
  }
  return { where, args, orderBy, orderArgs };
}

/** A RunFilter's search as SQL; `now` is the default moment when the search fixes none. */
export function compileRunSearch(
  dialect: SearchDialect,
  search: RunSearch,
  now: number = Date.now(),
): CompiledSearch {
  const compiled = compileSearch(dialect, search.clauses ?? [], search.order, search.now ?? now);
  if (search.condition) {
    const extra = compileSearch(dialect, search.condition, [], search.now ?? now);
    compiled.where.push(...extra.where);
    compiled.args.push(...extra.args);
  }
  return compiled;
}
