/**
 * The runs table's columns (the keys of params, tags and metrics among the matching runs)
 * and each metric column's range, read without visiting every matching run: the distinct
 * keys come off a key index one at a time (a loose index scan, written as a recursive
 * query), and for each key the index is walked only until a matching run turns up, or, for
 * a range, the first and last finite value of a matching run. With no search this is about
 * a row per key, where a scan of 100,000 runs took seconds. A selective search can make a
 * key's walk long (few runs match), so the stores use this only without one.
 */

import type { RunFilter } from '../types';

/** Whether the filter has search conditions (which can make a key's index walk long). */
export function hasSearchConditions(filter: RunFilter): boolean {
  const search = filter.search;
  return (search?.clauses?.length ?? 0) > 0 || Boolean(search?.condition);
}

/** Tables whose (key, run_id) index the loose scan walks. */
export type KeyedTable = 'params' | 'tags' | 'metric_series';

export interface KeyScanSql {
  /** How this backend joins so the key index drives (SQLite: CROSS JOIN fixes the order). */
  join: 'CROSS JOIN' | 'JOIN';
  /** Finite values only, over alias `s`. */
  finite: string;
  /** How keys are ordered (PostgreSQL: COLLATE "C", SQLite's byte order). */
  orderKey: string;
  /**
   * Ends the EXISTS probe so it stays a probe per key: PostgreSQL otherwise turns it into
   * a semi-join over every row (`OFFSET 0` keeps it a subplan); SQLite probes as written.
   */
  probeEnd: 'OFFSET 0' | '';
}

const distinctKeys = (table: KeyedTable) =>
  `WITH RECURSIVE k(key) AS (
    SELECT MIN(key) FROM ${table}
    UNION ALL SELECT (SELECT MIN(key) FROM ${table} WHERE key > k.key) FROM k WHERE k.key IS NOT NULL
  )`;

/** `… runs r JOIN experiments e` from alias `x` of `table`, so `where` (over r and e) applies. */
const runsOf = (sql: KeyScanSql, table: KeyedTable, where: string) =>
  `FROM ${table} x ${sql.join} runs r ON r.id = x.run_id ${sql.join} experiments e ON e.id = r.experiment_id
    ${where ? `${where} AND` : 'WHERE'} x.key = k.key`;

/** Keys of `table` that at least one matching run has; bind the filter's arguments once. */
export function keysSql(sql: KeyScanSql, table: KeyedTable, where: string): string {
  return `${distinctKeys(table)}
    SELECT key FROM k WHERE key IS NOT NULL AND EXISTS (SELECT 1 ${runsOf(sql, table, where)} ${sql.probeEnd})
    ORDER BY ${sql.orderKey}`;
}

/**
 * Per metric key among the matching runs, the lowest and highest finite latest value (null
 * when a key has none). Bind the filter's arguments three times (min, max, exists).
 */
export function latestRangesSql(sql: KeyScanSql, where: string): string {
  const finite = sql.finite.replaceAll('value', 'x.value');
  const end = (direction: 'ASC' | 'DESC') =>
    `(SELECT x.value ${runsOf(sql, 'metric_series', where)} AND ${finite}
      ORDER BY x.value ${direction} LIMIT 1)`;
  return `${distinctKeys('metric_series')}
    SELECT key, ${end('ASC')} AS min, ${end('DESC')} AS max FROM k
    WHERE key IS NOT NULL AND EXISTS (SELECT 1 ${runsOf(sql, 'metric_series', where)} ${sql.probeEnd})
    ORDER BY ${sql.orderKey}`;
}
