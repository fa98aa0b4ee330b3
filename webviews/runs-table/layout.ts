/**
 * Where each display row of the runs table comes from: top-level rows in the host's order,
 * with group headers and the nested runs of expanded parents inserted between them. The
 * inserts are sorted by position, so the item at any display index is a binary search away
 * and the virtual table never builds a list as long as every run.
 */
import { PAGE_SIZE, ROW_HEIGHT, type Insert, type Item, type RunsTableState } from './state';
import type { RunsTableRow } from './protocol';

/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 12;

export function pageRow(state: RunsTableState, topIndex: number): RunsTableRow | undefined {
  return state.data.pages.get(Math.floor(topIndex / PAGE_SIZE))?.[topIndex % PAGE_SIZE];
}

function childItems(
  state: RunsTableState,
  runId: string,
  depth: number,
  seen: Set<string>,
): Item[] {
  const rows = state.data.children.get(runId);
  if (!rows) return [{ kind: 'loading', depth }];
  const items: Item[] = [];
  for (const row of rows) {
    items.push({ kind: 'child', row, depth });
    if (state.expanded.has(row.id) && !seen.has(row.id)) {
      seen.add(row.id);
      items.push(...childItems(state, row.id, depth + 1, seen));
    }
  }
  return items;
}

export function computeLayout(state: RunsTableState): void {
  // Groups belong to the result shown, which is the last one that parsed while the view's does not.
  const { groups, haveTotal, topIndexById, total } = state.data;
  const raw: { at: number; order: number; items: Item[] }[] = [];
  if (groups && haveTotal) {
    let at = 0;
    for (const g of groups) {
      raw.push({ at, order: 1, items: [{ kind: 'group', value: g.value, count: g.count }] });
      at += g.count;
    }
  }
  for (const runId of state.expanded) {
    const index = topIndexById.get(runId);
    if (index === undefined || index >= total) continue;
    const row = pageRow(state, index);
    if (!row || row.id !== runId || row.childCount === 0) continue;
    raw.push({ at: index + 1, order: 0, items: childItems(state, runId, 1, new Set([runId])) });
  }
  raw.sort((a, b) => a.at - b.at || a.order - b.order);
  const inserts: Insert[] = [];
  let before = 0;
  for (const r of raw) {
    const last = inserts[inserts.length - 1];
    if (last && last.at === r.at) {
      last.items.push(...r.items);
      before += r.items.length;
      continue;
    }
    inserts.push({ at: r.at, items: [...r.items], start: r.at + before, before });
    before += r.items.length;
  }
  state.layout.inserts = inserts;
  state.layout.displayCount = (haveTotal ? total : 0) + before;
}

/** The item at a display index. */
export function itemAt(state: RunsTableState, index: number): Item {
  const { inserts } = state.layout;
  let lo = 0;
  let hi = inserts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (inserts[mid].start <= index) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  let topIndex = index;
  if (found >= 0) {
    const ins = inserts[found];
    if (index < ins.start + ins.items.length) return ins.items[index - ins.start];
    topIndex = index - ins.before - ins.items.length;
  }
  return { kind: 'row', row: pageRow(state, topIndex), topIndex, depth: 0 };
}

/** The top-level row index shown at or just after a display index. */
export function topIndexAt(state: RunsTableState, index: number): number {
  for (let i = index; i < Math.min(state.layout.displayCount, index + 2000); i++) {
    const item = itemAt(state, i);
    if (item.kind === 'row') return item.topIndex;
  }
  return Math.max(0, state.data.total - 1);
}

export interface DisplayRange {
  first: number;
  last: number;
}

/** The display rows to draw for a viewport `height` px tall (below the header) scrolled to `scrollTop`. */
export function visibleRange(
  state: RunsTableState,
  scrollTop: number,
  height: number,
): DisplayRange {
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(
    state.layout.displayCount - 1,
    Math.ceil((scrollTop + Math.max(height, 0)) / ROW_HEIGHT) + OVERSCAN,
  );
  return { first, last };
}
