/**
 * Turns a parsed search (core/search/parse.ts) into SQL over the SQLite schema, so a search
 * runs in SQLite (indexes on params, tags and latest metrics) instead of loading every run.
 * Values always travel as bound parameters. Another backend compiles the same RunSearch
 * its own way; the parser knows no SQL.
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
  // The one `?` is the search's "now" (bound first, see attributeColumn). A run that stopped
  // without an end time (a crash) has no duration, as the table shows it.
  duration: `(CASE WHEN r.end_time IS NOT NULL THEN r.end_time - r.start_time
    WHEN r.status = 'running' THEN ? - r.start_time END)`,
};

/** The attribute's SQL expression, with the arguments it binds itself pushed onto `args`. */
function attributeColumn(key: string, now: number, args: unknown[]): string {
  if (key === 'duration') args.push(now);
  return ATTRIBUTE_COLUMNS[key];
}

/**
 * MLflow's LIKE is case-sensitive, SQLite's is not: LIKE becomes GLOB (% to *, _ to ?,
 * GLOB's own wildcards escaped in brackets). ILIKE stays SQLite's LIKE.
 */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}

function comparison(column: string, clause: Clause, args: unknown[]): string {
  switch (clause.comparator) {
    case 'LIKE':
      args.push(likeToGlob(String(clause.value)));
      return `${column} GLOB ?`;
    case 'ILIKE':
      args.push(String(clause.value));
      return `${column} LIKE ?`;
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

/**
 * Parses nothing itself: give it parseFilter / parseOrderBy results. `now` (ms since the
 * epoch) is the one moment a running run's duration is measured at, in the filter and the
 * order alike, so one search sees one consistent duration per run.
 */
export function compileSearch(
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
      where.push(comparison(attributeColumn(clause.key, now, args), normalized, args));
      continue;
    }
    const [table, alias] =
      clause.entity === 'metrics'
        ? ['latest_metrics', 'm']
        : clause.entity === 'params'
          ? ['params', 'p']
          : ['tags', 't'];
    args.push(clause.key);
    const condition = `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_id = r.id AND ${alias}.key = ? AND `;
    where.push(`${condition}${comparison(`${alias}.value`, clause, args)})`);
  }
  const orderBy: string[] = [];
  const orderArgs: unknown[] = [];
  for (const key of order) {
    const direction = key.descending ? 'DESC' : 'ASC';
    if (key.entity === 'attributes') {
      // Runs without a duration sort last either way, like a missing metric.
      orderBy.push(
        `${attributeColumn(key.key, now, orderArgs)} ${direction}${key.key === 'duration' ? ' NULLS LAST' : ''}`,
      );
      continue;
    }
    const table = key.entity === 'metrics' ? 'latest_metrics' : key.entity;
    orderArgs.push(key.key);
    // Runs without the key (or with NaN) sort last either way, as MLflow does.
    orderBy.push(
      `(SELECT x.value FROM ${table} x WHERE x.run_id = r.id AND x.key = ?) ${direction} NULLS LAST`,
    );
  }
  return { where, args, orderBy, orderArgs };
}

/** A RunFilter's search as SQL. */
export function compileRunSearch(search: RunSearch): CompiledSearch {
  return compileSearch(search.clauses, search.order, search.now);
}
