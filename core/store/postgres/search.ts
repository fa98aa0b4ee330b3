/**
 * Runs searches (a parsed RunSearch, core/search/parse.ts) compiled to PostgreSQL: the same
 * clauses and order as the SQLite compiler (core/store/sqlite/search.ts), in PostgreSQL's dialect. Placeholders are `?`, numbered by the store
 * (see sql.ts) when the statement is complete, so conditions compose as on SQLite.
 *
 * Dialect differences handled here: LIKE is already case-sensitive on PostgreSQL (no GLOB),
 * with escaping switched off so a backslash is an ordinary character as on SQLite; and NaN,
 * stored as 'NaN' rather than NULL, is turned back into NULL before any comparison or sort,
 * so a NaN metric never matches and sorts last, as on SQLite and in MLflow.
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

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'r.id',
  run_name: 'r.name',
  status: 'r.status',
  experiment: 'e.name',
  user: 'r.user_name',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  duration: `(CASE WHEN r.end_time IS NOT NULL THEN r.end_time - r.start_time
    WHEN r.status = 'running' THEN ?::double precision - r.start_time END)`,
};

function attributeColumn(key: string, now: number, args: unknown[]): string {
  if (key === 'duration') args.push(now);
  return ATTRIBUTE_COLUMNS[key];
}

function comparison(column: string, clause: Clause, args: unknown[]): string {
  switch (clause.comparator) {
    case 'LIKE':
    case 'ILIKE':
      args.push(String(clause.value));
      return `${column} ${clause.comparator} ? ESCAPE ''`;
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

/** A metric value with NaN read as NULL (SQLite's storage of NaN). */
const metricValue = (alias: string) => `NULLIF(${alias}.value, 'NaN'::double precision)`;

/** The PostgreSQL twin of core/store/sqlite/search.ts compileSearch. */
export function compilePostgresSearch(
  clauses: readonly Clause[],
  order: readonly OrderKey[] = [],
  now: number = Date.now(),
): CompiledSearch {
  const where: string[] = [];
  const args: unknown[] = [];
  for (const clause of clauses) {
    if (clause.entity === 'attributes') {
      const normalized =
        clause.key === 'status' ? { ...clause, value: lowerCase(clause.value) } : clause;
      where.push(comparison(attributeColumn(clause.key, now, args), normalized, args));
      continue;
    }
    const [table, alias] =
      clause.entity === 'metrics'
        ? ['metric_series', 'm']
        : clause.entity === 'params'
          ? ['params', 'p']
          : ['tags', 't'];
    args.push(clause.key);
    const value = clause.entity === 'metrics' ? metricValue(alias) : `${alias}.value`;
    where.push(
      `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_id = r.id AND ${alias}.key = ? AND ${comparison(value, clause, args)})`,
    );
  }
  const orderBy: string[] = [];
  const orderArgs: unknown[] = [];
  for (const key of order) {
    const direction = key.descending ? 'DESC' : 'ASC';
    if (key.entity === 'attributes') {
      // SQLite's placement of a missing value (a run's user, its end time): smallest, so
      // first ascending and last descending; PostgreSQL's default is the reverse. Duration
      // sorts last either way, on both.
      const nulls =
        key.key === 'duration' ? 'NULLS LAST' : key.descending ? 'NULLS LAST' : 'NULLS FIRST';
      orderBy.push(`${attributeColumn(key.key, now, orderArgs)} ${direction} ${nulls}`);
      continue;
    }
    const table = key.entity === 'metrics' ? 'metric_series' : key.entity;
    const value = key.entity === 'metrics' ? metricValue('x') : 'x.value';
    orderArgs.push(key.key);
    orderBy.push(
      `(SELECT ${value} FROM ${table} x WHERE x.run_id = r.id AND x.key = ?) ${direction} NULLS LAST`,
    );
  }
  return { where, args, orderBy, orderArgs };
}

/** A RunFilter's search as PostgreSQL; `now` is fixed by the caller so one query sees one. */
export function compilePostgresRunSearch(search: RunSearch, now: number): CompiledSearch {
  return compilePostgresSearch(search.clauses, search.order, search.now ?? now);
}
