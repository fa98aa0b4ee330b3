/**
 * Turns a parsed search (core/search/parse.ts) into SQL over the store's schema, so a search
 * runs in the database (indexes on params, tags and latest metrics) instead of loading every
 * run. One compiler serves every backend: what differs between them (how LIKE is spelled,
 * where NaN lives, where a missing value sorts, casts) is a small SearchDialect each backend
 * supplies (core/store/sqlite/search.ts, core/store/postgres/search.ts). Values always travel
 * as bound `?` parameters; the parser knows no SQL.
 */
import type { Clause, OrderKey } from '../../search/parse';
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
    default:
      args.push(clause.value);
      return `${column} ${clause.comparator} ?`;
  }
}

function lowerCase(value: Clause['value']): Clause['value'] {
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
 * Parses nothing itself: give it parseFilter / parseOrderBy results. `now` (ms since the
 * epoch) is the one moment a running run's duration is measured at, in the filter and the
 * order alike, so one search sees one consistent duration per run.
 */
export function compileSearch(
  dialect: SearchDialect,
  clauses: readonly Clause[],
  order: readonly OrderKey[] = [],
  now: number = Date.now(),
): CompiledSearch {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const clause of clauses) {
    if (clause.entity === 'attributes') {
      // MLflow spells statuses in capitals ("FINISHED"); Labbook stores them in lower case.
      const normalized =
        clause.key === 'status' ? { ...clause, value: lowerCase(clause.value) } : clause;
      const column = attributeColumn(dialect, clause.key, now, args);
      where.push(comparison(dialect, column, normalized, args));
      continue;
    }
    const [table, alias] = entityTable(dialect, clause.entity);
    args.push(clause.key);
    const value = entityValue(dialect, clause.entity, alias);
    where.push(
      `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_id = r.id AND ${alias}.key = ? AND ${comparison(dialect, value, clause, args)})`,
    );
  }
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
  return compileSearch(dialect, search.clauses, search.order, search.now ?? now);
}
