/**
 * A page of runs with the pinned ones first, as two ordered reads instead of one sort by
 * "is pinned": the unpinned runs then come straight off the start-time index, so the first
 * page of 100,000 runs reads about 100 rows, not all of them. This is the paging arithmetic
 * both backends share; each runs the two reads in its own SQL.
 */

/** A slice of one of the two orders (LIMIT/OFFSET); `limit` undefined: to the end. */
export interface Slice {
  offset: number;
  limit: number | undefined;
}

/** Where a page [offset, offset + limit) falls, given how many matching runs are pinned. */
export function splitPinnedPage(
  offset: number,
  limit: number | undefined,
  pinnedCount: number,
): { pinned?: Slice; unpinned?: Slice } {
  const end = limit === undefined ? Infinity : offset + limit;
  const out: { pinned?: Slice; unpinned?: Slice } = {};
  if (offset < pinnedCount && end > offset) {
    const take = Math.min(end, pinnedCount) - offset;
    out.pinned = { offset, limit: take };
  }
  if (end > pinnedCount) {
    const from = Math.max(0, offset - pinnedCount);
    out.unpinned = {
      offset: from,
      limit: limit === undefined ? undefined : end - Math.max(offset, pinnedCount),
    };
  }
  return out;
}

/**
 * The condition (over `runs r`) that a run is pinned; bind the pinned tag's key. As a list
 * from the tags' key index, so that counting and excluding pinned runs probe no tag per run.
 */
export const PINNED_CONDITION =
  "r.id IN (SELECT pt.run_id FROM tags pt WHERE pt.key = ? AND pt.value = 'true')";

/** A WHERE clause (possibly empty) with one more condition. */
export function andWhere(where: string, condition: string): string {
  if (!condition) return where;
  return where ? `${where} AND ${condition}` : `WHERE ${condition}`;
}
