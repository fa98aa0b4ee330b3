/**
 * A RunFilter as the WHERE clause over `runs r JOIN experiments e`, the same on every SQL
 * backend but for how a list of ids is bound (SQLite: `IN (?, ?, …)`, PostgreSQL: one
 * array). The search's conditions come compiled by the caller, who fixes its `now`.
 */
import type { RunFilter } from '../types';
import type { CompiledSearch } from './search';

/** `column` is one of `values`, as the backend binds a list. */
export type InList = (
  column: string,
  values: readonly number[],
) => { sql: string; args: unknown[] };

export function runWhere(
  filter: RunFilter,
  search: CompiledSearch | undefined,
  inList: InList,
): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (filter.experiment !== undefined) {
    where.push(typeof filter.experiment === 'number' ? 'e.id = ?' : 'e.name = ?');
    args.push(filter.experiment);
  }
  if (filter.experimentIds && filter.experimentIds.length > 0) {
    const list = inList('r.experiment_id', filter.experimentIds);
    where.push(list.sql);
    args.push(...list.args);
  }
  if (filter.user !== undefined) {
    where.push('r.user_name = ?');
    args.push(filter.user);
  }
  if (filter.status !== undefined) {
    where.push('r.status = ?');
    args.push(filter.status);
  }
  if (filter.deletedOnly) where.push('r.deleted_at IS NOT NULL');
  else if (!filter.includeDeleted) where.push('r.deleted_at IS NULL');
  if (filter.parentRunId !== undefined) {
    where.push('r.parent_run_id = ?');
    args.push(filter.parentRunId);
  } else if (filter.topLevelOnly) where.push('r.parent_run_id IS NULL');
  if (search) {
    where.push(...search.where);
    args.push(...search.args);
  }
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', args };
}
