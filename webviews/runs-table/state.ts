/**
 * Everything the runs table knows, in one object: what the user chose (saved with setState,
 * so it survives the panel being hidden), the pages and nested runs the host has sent, and
 * the layout of the rows in between. The other modules read and change it; only the view
 * part is saved.
 */
import type { WireNumber } from '../../core/common/wire-number';
import type { MetricAggregate, RunsTablePage, RunsTablePageQuery, RunsTableRow } from './protocol';

/** A query without its page: the filter, order and grouping. */
export type BaseQuery = Omit<RunsTablePageQuery, 'offset' | 'limit'>;

/** What the table shows of one query's answers. */
export interface ShownResult {
  query: BaseQuery;
  pages: Map<number, RunsTableRow[]>;
  topIndexById: Map<string, number>;
  total: number;
  groups: RunsTablePage['groups'];
  best: Record<string, WireNumber>;
}

/** Height of every row, group header and placeholder: what makes the table virtual. */
export const ROW_HEIGHT = 24;
/** Top-level rows asked from the host at a time. */
export const PAGE_SIZE = 200;

/** What the user chose: the part saved with setState. */
export interface ViewState {
  v: 1;
  filter: string;
  sort: { column: string; descending: boolean } | null;
  /** Visible column ids; null: the defaults for whatever keys the runs have. */
  columns: string[] | null;
  aggregates: Record<string, MetricAggregate>;
  widths: Record<string, number>;
  groupBy: string | null;
  selected: string[];
  expanded: string[];
  scrollTop: number;
  scrollLeft: number;
}

export type ColumnKind = 'attr' | 'param' | 'metric' | 'tag';

export interface Column {
  id: string;
  kind: ColumnKind;
  key: string;
  label: string;
  /** The order-by expression, or null when the column cannot be sorted. */
  sortKey: string | null;
  width: number;
  numeric: boolean;
}

export interface PendingPage {
  generation: number;
  kind: 'page';
  page: number;
  query: BaseQuery;
  /** Asked with the last query that parsed because the view's does not: its answer keeps the error. */
  fallback: boolean;
}
export interface PendingChildren {
  generation: number;
  kind: 'children';
  runId: string;
}

/** What one display row shows: a run, a nested run, a placeholder for nested runs on their way, or a group header. */
export type Item =
  | { kind: 'row'; row: RunsTableRow | undefined; topIndex: number; depth: 0 }
  | { kind: 'child'; row: RunsTableRow; depth: number }
  | { kind: 'loading'; depth: number }
  | { kind: 'group'; value: string | null; count: number };

/** Display rows inserted before top-level row `at` (group headers, nested runs); `start` is the first one's display index. */
export interface Insert {
  at: number;
  items: Item[];
  start: number;
  before: number;
}

export interface RunsTableState {
  view: ViewState;
  selected: Set<string>;
  expanded: Set<string>;
  /** The host has sent `init`: queries may go out. */
  initialized: boolean;
  multipleExperiments: boolean;
  /** The scroll position saved in the view waits for the first page, which makes the table tall enough. */
  restoreScrollPending: boolean;
  data: {
    /** Bumped when the query (filter, order, grouping) changes: answers to older ones are dropped. */
    generation: number;
    nextRequestId: number;
    pending: Map<number, PendingPage | PendingChildren>;
    /** The newest request for each page / each parent's children: older answers are dropped. */
    latestPageRequest: Map<number, number>;
    latestChildRequest: Map<string, number>;
    pages: Map<number, RunsTableRow[]>;
    children: Map<string, RunsTableRow[]>;
    /** Rows seen, by id (for the pinned state of selected runs). */
    rowsById: Map<string, RunsTableRow>;
    /** Index of each loaded top-level row. */
    topIndexById: Map<string, number>;
    total: number;
    haveTotal: boolean;
    groups: RunsTablePage['groups'];
    best: Record<string, WireNumber>;
    queryError: RunsTablePage['error'];
    /** The query the pages, total, groups and best answer; null until one that parsed came back. */
    shownQuery: BaseQuery | null;
    /**
     * The last result whose query parsed, put aside when the query changed: while the view's
     * filter or order does not parse, the table shows this one (and the error) instead of
     * emptying, so typing a filter does not make rows and columns come and go.
     */
    kept: ShownResult | null;
    failure: string | null;
    /** Param, metric and tag keys of the runs, for the columns and the group-by list. */
    knownKeys: { params: string[]; metrics: string[]; tags: string[] };
  };
  layout: {
    inserts: Insert[];
    /** Display rows: top-level rows plus everything inserted. */
    displayCount: number;
  };
  /** The columns drawn now (widths change while a header is dragged). */
  columns: Column[];
  /** Search text of the column picker. */
  pickerSearch: string;
}

function freshView(): ViewState {
  return {
    v: 1,
    filter: '',
    sort: null,
    columns: null,
    aggregates: {},
    widths: {},
    groupBy: null,
    selected: [],
    expanded: [],
    scrollTop: 0,
    scrollLeft: 0,
  };
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads a saved view defensively: it may come from an older version of this panel. */
export function restoreView(raw: unknown): ViewState {
  const s = freshView();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.filter === 'string') s.filter = r.filter;
  const sort = r.sort as { column?: unknown; descending?: unknown } | null | undefined;
  if (sort && typeof sort.column === 'string' && typeof sort.descending === 'boolean')
    s.sort = { column: sort.column, descending: sort.descending };
  if (isStringArray(r.columns)) s.columns = r.columns;
  if (r.aggregates && typeof r.aggregates === 'object') {
    for (const [k, v] of Object.entries(r.aggregates))
      if (v === 'latest' || v === 'min' || v === 'max') s.aggregates[k] = v;
  }
  if (r.widths && typeof r.widths === 'object') {
    for (const [k, v] of Object.entries(r.widths))
      if (isFiniteNumber(v)) s.widths[k] = Math.max(40, Math.min(1000, v));
  }
  if (typeof r.groupBy === 'string') s.groupBy = r.groupBy;
  if (isStringArray(r.selected)) s.selected = r.selected;
  if (isStringArray(r.expanded)) s.expanded = r.expanded;
  if (isFiniteNumber(r.scrollTop)) s.scrollTop = Math.max(0, r.scrollTop);
  if (isFiniteNumber(r.scrollLeft)) s.scrollLeft = Math.max(0, r.scrollLeft);
  return s;
}

export function createState(saved: unknown): RunsTableState {
  const view = restoreView(saved);
  return {
    view,
    selected: new Set(view.selected),
    expanded: new Set(view.expanded),
    initialized: false,
    multipleExperiments: false,
    restoreScrollPending: true,
    data: {
      generation: 0,
      nextRequestId: 1,
      pending: new Map(),
      latestPageRequest: new Map(),
      latestChildRequest: new Map(),
      pages: new Map(),
      children: new Map(),
      rowsById: new Map(),
      topIndexById: new Map(),
      total: 0,
      haveTotal: false,
      groups: undefined,
      best: {},
      queryError: undefined,
      shownQuery: null,
      kept: null,
      failure: null,
      knownKeys: { params: [], metrics: [], tags: [] },
    },
    layout: { inserts: [], displayCount: 0 },
    columns: [],
    pickerSearch: '',
  };
}

/** Saving: at once after a choice, at most every 150 ms while scrolling. */
export interface StateSaver {
  save(): void;
  saveSoon(): void;
}

export function stateSaver(state: RunsTableState, setState: (view: ViewState) => void): StateSaver {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = (): void => {
    clearTimeout(timer);
    timer = undefined;
    state.view.selected = [...state.selected];
    state.view.expanded = [...state.expanded];
    setState(state.view);
  };
  return {
    save,
    saveSoon() {
      if (timer === undefined) timer = setTimeout(save, 150);
    },
  };
}
