/**
 * SQLite's spelling of a runs search (core/store/sql/search.ts compiles it). SQLite compares
 * text in byte order already (BINARY collation), stores NaN as NULL and sorts NULL smallest,
 * so most of the dialect is the plain SQL; LIKE is the one real difference.
 */
import type { RunSearch } from '../types';
import {
  compileRunSearch as compile,
  type CompiledSearch,
  type SearchDialect,
} from '../sql/search';

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

export const SQLITE_SEARCH: SearchDialect = {
  metricsTable: 'latest_metrics',
  nowPlaceholder: '?',
  metricValue: (alias) => `${alias}.value`,
  byteOrder: (expression) => expression,
  like(column, comparator, pattern, args) {
    if (comparator === 'LIKE') {
      args.push(likeToGlob(pattern));
      return `${column} GLOB ?`;
    }
    args.push(pattern);
    return `${column} LIKE ?`;
  },
  // SQLite's own place for NULL (smallest) is the one wanted: nothing to add.
  attributeNulls: () => '',
};

/** A RunFilter's search as SQLite. */
export function compileRunSearch(search: RunSearch): CompiledSearch {
  return compile(SQLITE_SEARCH, search);
}
