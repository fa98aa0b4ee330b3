/**
 * PostgreSQL's spelling of a runs search (core/store/sql/search.ts compiles it), so a search
 * means the same as on SQLite. Placeholders stay `?`, numbered by the store (see sql.ts)
 * when the statement is complete, so conditions compose as on SQLite.
 *
 * Differences handled here: LIKE is already case-sensitive on PostgreSQL (no GLOB), with
 * escaping switched off so a backslash is an ordinary character as on SQLite; NaN, stored as
 * 'NaN' rather than NULL, is turned back into NULL before any comparison or sort, so a NaN
 * metric never matches and sorts last, as on SQLite and in MLflow; text sorts in byte order
 * (COLLATE "C", SQLite's BINARY) whatever the database's collation; and a missing attribute
 * sorts smallest, as on SQLite, where PostgreSQL's default is the reverse.
 */
import type { RunSearch } from '../types';
import {
  compileRunSearch as compile,
  type CompiledSearch,
  type SearchDialect,
} from '../sql/search';

export const POSTGRES_SEARCH: SearchDialect = {
  metricsTable: 'metric_series',
  nowPlaceholder: '?::double precision',
  metricValue: (alias) => `NULLIF(${alias}.value, 'NaN'::double precision)`,
  byteOrder: (expression) => `${expression} COLLATE "C"`,
  like(column, comparator, pattern, args) {
    args.push(pattern);
    return `${column} ${comparator} ? ESCAPE ''`;
  },
  attributeNulls: (descending) => (descending ? ' NULLS LAST' : ' NULLS FIRST'),
};

/** A RunFilter's search as PostgreSQL; `now` is fixed by the caller so one query sees one. */
export function compilePostgresRunSearch(search: RunSearch, now: number): CompiledSearch {
  return compile(POSTGRES_SEARCH, search, now);
}
