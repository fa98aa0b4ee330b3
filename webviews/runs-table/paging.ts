/**
 * Asking the host for rows: pages of PAGE_SIZE top-level runs around the viewport, and the
 * nested runs of each expanded parent. Every request has an id and the query's generation,
 * so answers to a query that has since changed, and older answers for the same page, are
 * dropped rather than shown over newer ones.
 */
import { makeColumn } from './columns';
import { topIndexAt, type DisplayRange } from './layout';
import type { FromRunsTableView, RunsTablePage } from './protocol';
import { PAGE_SIZE, ROW_HEIGHT, type BaseQuery, type RunsTableState } from './state';

/** Scrolling fast asks only for where it stops. */
const FETCH_DEBOUNCE_MS = 60;

export interface PagingHooks {
  post(message: FromRunsTableView): void;
  /** The display rows in view now. */
  range(): DisplayRange;
  /** A request went out or came back (the busy bar). */
  pendingChanged(): void;
}

export interface Paging {
  /** The query without its page: the view's filter, order and grouping. */
  baseQuery(): BaseQuery;
  requestPage(page: number): void;
  requestChildren(runId: string): void;
  /**
   * The query changed: forgets every row (the caller asks for the first page again), keeping
   * the last result that parsed aside in case the new query does not.
   */
  forget(): void;
  /** The store changed: asks again for the pages near the viewport, forgets the rest. */
  refresh(): void;
  wantedPages(): Set<number>;
  /** Asks for the pages in view that are neither loaded nor asked for. */
  scheduleFetch(delay?: number): void;
  /** Takes an answer in; says what it was, or null when it was dropped. */
  onPage(requestId: number, page: RunsTablePage): 'page' | 'children' | null;
  /** Takes a failed query in; false when it was dropped. */
  onQueryFailed(requestId: number, message: string): boolean;
}

export function createPaging(state: RunsTableState, hooks: PagingHooks): Paging {
  const data = state.data;
  let fetchTimer: ReturnType<typeof setTimeout> | undefined;

  const baseQuery = (): BaseQuery => {
    const col = state.view.sort ? makeColumn(state, state.view.sort.column) : null;
    return {
      filter: state.view.filter.trim() || undefined,
      orderBy: col?.sortKey
        ? `${col.sortKey}${state.view.sort!.descending ? ' DESC' : ''}`
        : undefined,
      groupByParam: state.view.groupBy ?? undefined,
      topLevelOnly: true,
    };
  };

  const requestPage = (page: number): void => {
    const requestId = data.nextRequestId++;
    // While the view's query does not parse, scrolling and store changes page the result shown.
    const fallback = data.queryError !== undefined && data.shownQuery !== null;
    const query = fallback && data.shownQuery ? data.shownQuery : baseQuery();
    data.pending.set(requestId, {
      generation: data.generation,
      kind: 'page',
      page,
      query,
      fallback,
    });
    data.latestPageRequest.set(page, requestId);
    hooks.post({
      type: 'query',
      requestId,
      query: { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE },
    });
    hooks.pendingChanged();
  };

  const requestChildren = (runId: string): void => {
    const requestId = data.nextRequestId++;
    data.pending.set(requestId, { generation: data.generation, kind: 'children', runId });
    data.latestChildRequest.set(runId, requestId);
    hooks.post({ type: 'query', requestId, query: { parentRunId: runId, offset: 0, limit: 1000 } });
    hooks.pendingChanged();
  };

  const wantedPages = (): Set<number> => {
    const wanted = new Set<number>();
    if (!data.haveTotal) {
      wanted.add(Math.floor(Math.floor(state.view.scrollTop / ROW_HEIGHT) / PAGE_SIZE));
      return wanted;
    }
    if (data.total === 0) return wanted;
    const { first, last } = hooks.range();
    if (last < first) return wanted;
    const from = Math.floor(topIndexAt(state, first) / PAGE_SIZE);
    const to = Math.floor(Math.min(topIndexAt(state, last), data.total - 1) / PAGE_SIZE);
    for (let p = from; p <= to; p++) wanted.add(p);
    return wanted;
  };

  const mergeKeys = (columns: RunsTablePage['columns']): void => {
    for (const kind of ['params', 'metrics', 'tags'] as const) {
      const set = new Set([...data.knownKeys[kind], ...columns[kind]]);
      data.knownKeys[kind] = [...set].sort();
    }
  };

  /** The view's query does not parse: the error, over the last result that did (if any). */
  const showKept = (error: NonNullable<RunsTablePage['error']>): void => {
    data.queryError = error;
    data.haveTotal = true;
    const kept = data.kept;
    if (!kept || data.shownQuery) return;
    data.pages = kept.pages;
    data.topIndexById = kept.topIndexById;
    data.total = kept.total;
    data.groups = kept.groups;
    data.best = kept.best;
    data.shownQuery = kept.query;
  };

  return {
    baseQuery,
    requestPage,
    requestChildren,
    wantedPages,

    forget() {
      // Only a result that parsed is kept; one still loading leaves the older one kept.
      if (data.haveTotal && data.shownQuery)
        data.kept = {
          query: data.shownQuery,
          pages: data.pages,
          topIndexById: data.topIndexById,
          total: data.total,
          groups: data.groups,
          best: data.best,
        };
      data.generation++;
      data.pending.clear();
      data.latestPageRequest.clear();
      data.pages = new Map();
      data.topIndexById = new Map();
      data.shownQuery = null;
      data.haveTotal = false;
      data.total = 0;
      data.groups = undefined;
      data.queryError = undefined;
      data.failure = null;
    },

    refresh() {
      const wanted = wantedPages();
      for (const page of [...data.pages.keys()]) {
        if (!wanted.has(page)) data.pages.delete(page);
      }
      if (!wanted.has(0) && data.pages.size === 0) wanted.add(0);
      for (const page of wanted) requestPage(page);
      for (const runId of state.expanded) requestChildren(runId);
    },

    scheduleFetch(delay = FETCH_DEBOUNCE_MS) {
      clearTimeout(fetchTimer);
      fetchTimer = setTimeout(() => {
        if (!state.initialized || !data.haveTotal) return;
        for (const page of wantedPages()) {
          if (!data.pages.has(page) && !data.latestPageRequest.has(page)) requestPage(page);
        }
      }, delay);
    },

    onPage(requestId, page) {
      const request = data.pending.get(requestId);
      data.pending.delete(requestId);
      hooks.pendingChanged();
      if (!request || request.generation !== data.generation) return null;
      for (const row of page.rows) data.rowsById.set(row.id, row);
      if (request.kind === 'children') {
        if (data.latestChildRequest.get(request.runId) !== requestId) return null;
        data.latestChildRequest.delete(request.runId);
        data.children.set(request.runId, page.rows);
        mergeKeys(page.columns);
        return 'children';
      }
      if (data.latestPageRequest.get(request.page) !== requestId) return null;
      data.latestPageRequest.delete(request.page);
      data.failure = null;
      if (page.error) {
        showKept(page.error);
        return 'page';
      }
      if (!request.fallback) {
        data.queryError = undefined;
        data.shownQuery = request.query;
        data.kept = null;
      }
      // Total, groups and best come from the newest answer: pages answered after a store change agree.
      data.total = page.total;
      data.haveTotal = true;
      data.groups = page.groups;
      data.best = page.best;
      data.knownKeys.params = [...page.columns.params];
      data.knownKeys.metrics = [...page.columns.metrics];
      data.knownKeys.tags = [...page.columns.tags];
      for (const rows of data.children.values())
        for (const row of rows)
          mergeKeys({
            params: Object.keys(row.params),
            metrics: Object.keys(row.metrics),
            tags: Object.keys(row.tags),
          });
      const old = data.pages.get(request.page);
      const start = request.page * PAGE_SIZE;
      if (old) {
        for (const row of old) {
          const index = data.topIndexById.get(row.id);
          if (index !== undefined && index >= start && index < start + PAGE_SIZE)
            data.topIndexById.delete(row.id);
        }
      }
      data.pages.set(request.page, page.rows);
      page.rows.forEach((row, i) => data.topIndexById.set(row.id, start + i));
      // Expanded parents coming into view fetch their children once.
      for (const row of page.rows)
        if (
          state.expanded.has(row.id) &&
          !data.children.has(row.id) &&
          !data.latestChildRequest.has(row.id)
        )
          requestChildren(row.id);
      return 'page';
    },

    onQueryFailed(requestId, message) {
      const request = data.pending.get(requestId);
      data.pending.delete(requestId);
      hooks.pendingChanged();
      if (!request || request.generation !== data.generation) return false;
      if (request.kind === 'page') data.latestPageRequest.delete(request.page);
      else data.latestChildRequest.delete(request.runId);
      data.failure = message;
      return true;
    },
  };
}
