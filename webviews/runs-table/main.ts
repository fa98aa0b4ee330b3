/**
 * The runs table panel: one row per run with its attributes, params, metrics and tags,
 * filtered with the runs search language, sorted by clicking headers, grouped by a param,
 * with nested runs under their parent.
 *
 * Virtualized: only the rows in view (plus a few) are in the DOM, each ROW_HEIGHT tall,
 * inside a spacer as tall as every row; pages of PAGE_SIZE rows are asked from the host on
 * demand around the viewport and cached. The view state (filter, order, columns, grouping,
 * selection, scroll, expanded parents) survives the panel being hidden through setState.
 *
 * Every string from the store is set as text, never as HTML: names, params, tags and metric
 * keys come from notebooks and may hold markup.
 */
import { fromWireNumber, type WireNumber } from '../../core/common/wire-number';
import { formatDuration, formatMetric } from '../../core/common/format';
import {
  isToRunsTableView,
  searchKey,
  type FromRunsTableView,
  type MetricAggregate,
  type RunsTableAction,
  type RunsTablePage,
  type RunsTablePageQuery,
  type RunsTableRow,
} from './protocol';
import { el } from '../shared/dom';

declare function acquireVsCodeApi(): { postMessage(message: FromRunsTableView): void; setState(s: unknown): void; getState(): unknown };

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

const ROW_HEIGHT = 24;
const PAGE_SIZE = 200;
/** Rows rendered beyond each edge of the viewport. */
const OVERSCAN = 12;
const FETCH_DEBOUNCE_MS = 60;
const FILTER_DEBOUNCE_MS = 700;
const DEFAULT_PARAM_COLUMNS = 12;
const DEFAULT_METRIC_COLUMNS = 12;
const CHECK_WIDTH = 30;

// ---------------------------------------------------------------------------------------
// View state (saved with setState)

interface ViewState {
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

function freshState(): ViewState {
  return { v: 1, filter: '', sort: null, columns: null, aggregates: {}, widths: {}, groupBy: null, selected: [], expanded: [], scrollTop: 0, scrollLeft: 0 };
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads a saved state defensively: it may come from an older version of this panel. */
function restoreState(raw: unknown): ViewState {
  const s = freshState();
  if (!raw || typeof raw !== 'object') return s;
  const r = raw as Record<string, unknown>;
  if (typeof r.filter === 'string') s.filter = r.filter;
  const sort = r.sort as { column?: unknown; descending?: unknown } | null | undefined;
  if (sort && typeof sort.column === 'string' && typeof sort.descending === 'boolean') s.sort = { column: sort.column, descending: sort.descending };
  if (isStringArray(r.columns)) s.columns = r.columns;
  if (r.aggregates && typeof r.aggregates === 'object') {
    for (const [k, v] of Object.entries(r.aggregates)) if (v === 'latest' || v === 'min' || v === 'max') s.aggregates[k] = v;
  }
  if (r.widths && typeof r.widths === 'object') {
    for (const [k, v] of Object.entries(r.widths)) if (isFiniteNumber(v)) s.widths[k] = Math.max(40, Math.min(1000, v));
  }
  if (typeof r.groupBy === 'string') s.groupBy = r.groupBy;
  if (isStringArray(r.selected)) s.selected = r.selected;
  if (isStringArray(r.expanded)) s.expanded = r.expanded;
  if (isFiniteNumber(r.scrollTop)) s.scrollTop = Math.max(0, r.scrollTop);
  if (isFiniteNumber(r.scrollLeft)) s.scrollLeft = Math.max(0, r.scrollLeft);
  return s;
}

const state = restoreState(vscode.getState());
const selected = new Set(state.selected);
const expanded = new Set(state.expanded);
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function saveState(): void {
  clearTimeout(saveTimer);
  saveTimer = undefined;
  state.selected = [...selected];
  state.expanded = [...expanded];
  vscode.setState(state);
}

function saveStateSoon(): void {
  if (saveTimer === undefined) saveTimer = setTimeout(saveState, 150);
}

// ---------------------------------------------------------------------------------------
// Columns

type ColumnKind = 'attr' | 'param' | 'metric' | 'tag';

interface Column {
  id: string;
  kind: ColumnKind;
  key: string;
  label: string;
  /** The order-by expression, or null when the column cannot be sorted. */
  sortKey: string | null;
  width: number;
  numeric: boolean;
}

const ATTRIBUTE_COLUMNS: { key: string; label: string; sortKey: string | null; width: number }[] = [
  { key: 'status', label: 'Status', sortKey: 'attributes.status', width: 96 },
  { key: 'started', label: 'Started', sortKey: 'attributes.start_time', width: 150 },
  { key: 'duration', label: 'Duration', sortKey: null, width: 80 },
  { key: 'experiment', label: 'Experiment', sortKey: 'attributes.experiment', width: 140 },
];
const KIND_PREFIX: Record<ColumnKind, string> = { attr: 'attr:', param: 'param:', metric: 'metric:', tag: 'tag:' };
const NAME_COLUMN = 'attr:name';

function columnId(kind: ColumnKind, key: string): string {
  return KIND_PREFIX[kind] + key;
}

function parseColumnId(id: string): { kind: ColumnKind; key: string } | null {
  for (const kind of Object.keys(KIND_PREFIX) as ColumnKind[]) {
    if (id.startsWith(KIND_PREFIX[kind])) return { kind, key: id.slice(KIND_PREFIX[kind].length) };
  }
  return null;
}

function makeColumn(id: string): Column | null {
  const parsed = parseColumnId(id);
  if (!parsed) return null;
  const { kind, key } = parsed;
  const width = (w: number) => state.widths[id] ?? w;
  if (kind === 'attr') {
    if (key === 'name') return { id, kind, key, label: 'Run', sortKey: 'attributes.run_name', width: width(240), numeric: false };
    const a = ATTRIBUTE_COLUMNS.find((c) => c.key === key);
    return a ? { id, kind, key, label: a.label, sortKey: a.sortKey, width: width(a.width), numeric: key === 'duration' } : null;
  }
  // Wide enough for the key (and the sort arrow), within reason.
  const fit = (min: number) => width(Math.max(min, Math.min(220, 44 + key.length * 7.5)));
  if (kind === 'param') return { id, kind, key, label: key, sortKey: searchKey('params', key), width: fit(84), numeric: false };
  if (kind === 'tag') return { id, kind, key, label: key, sortKey: searchKey('tags', key), width: fit(100), numeric: false };
  return { id, kind, key, label: key, sortKey: searchKey('metrics', key), width: fit(96), numeric: true };
}

/** Every column the picker offers, in display order. */
function allColumnIds(): string[] {
  const attrs = ATTRIBUTE_COLUMNS.filter((a) => a.key !== 'experiment' || multipleExperiments).map((a) => columnId('attr', a.key));
  return [
    ...attrs,
    ...knownKeys.params.map((k) => columnId('param', k)),
    ...knownKeys.metrics.map((k) => columnId('metric', k)),
    ...knownKeys.tags.map((k) => columnId('tag', k)),
  ];
}

function defaultColumnIds(): string[] {
  const attrs = ATTRIBUTE_COLUMNS.filter((a) => a.key !== 'experiment' || multipleExperiments).map((a) => columnId('attr', a.key));
  return [
    ...attrs,
    ...knownKeys.params.slice(0, DEFAULT_PARAM_COLUMNS).map((k) => columnId('param', k)),
    ...knownKeys.metrics.slice(0, DEFAULT_METRIC_COLUMNS).map((k) => columnId('metric', k)),
  ];
}

/** The columns shown: the name first, then the chosen ones in the picker's order. */
function visibleColumns(): Column[] {
  const chosen = state.columns ?? defaultColumnIds();
  const chosenSet = new Set(chosen);
  const ordered = allColumnIds().filter((id) => chosenSet.has(id));
  // Chosen keys no run in the current result has still show (empty), after the others.
  for (const id of chosen) if (!ordered.includes(id)) ordered.push(id);
  return [NAME_COLUMN, ...ordered.filter((id) => id !== NAME_COLUMN)].map(makeColumn).filter((c): c is Column => c !== null);
}

function setColumnVisible(id: string, visible: boolean): void {
  const current = new Set(state.columns ?? defaultColumnIds());
  if (visible) current.add(id); else current.delete(id);
  state.columns = [...current];
  saveState();
  renderAll();
}

// ---------------------------------------------------------------------------------------
// Data: pages of top-level rows, children of expanded runs, and what the last page said

interface PendingRequest { generation: number; kind: 'page'; page: number }
interface PendingChildren { generation: number; kind: 'children'; runId: string }

let multipleExperiments = false;
let initialized = false;
/** Bumped when the query (filter, order, grouping) changes: answers to older ones are dropped. */
let generation = 0;
let nextRequestId = 1;
const pending = new Map<number, PendingRequest | PendingChildren>();
/** The newest request for each page / each parent's children: older answers are dropped. */
const latestPageRequest = new Map<number, number>();
const latestChildRequest = new Map<string, number>();
const pages = new Map<number, RunsTableRow[]>();
const children = new Map<string, RunsTableRow[]>();
/** Rows seen, by id (for the pinned state of selected runs). */
const rowsById = new Map<string, RunsTableRow>();
/** Index of each loaded top-level row. */
const topIndexById = new Map<string, number>();
let total = 0;
let haveTotal = false;
let groups: RunsTablePage['groups'];
let best: Record<string, WireNumber> = {};
let queryError: RunsTablePage['error'];
let failure: string | null = null;
const knownKeys = { params: [] as string[], metrics: [] as string[], tags: [] as string[] };
let restoreScrollPending = true;

function baseQuery(): Omit<RunsTablePageQuery, 'offset' | 'limit'> {
  const col = state.sort ? makeColumn(state.sort.column) : null;
  return {
    filter: state.filter.trim() || undefined,
    orderBy: col?.sortKey ? `${col.sortKey}${state.sort!.descending ? ' DESC' : ''}` : undefined,
    groupByParam: state.groupBy ?? undefined,
    topLevelOnly: true,
  };
}

function post(message: FromRunsTableView): void {
  vscode.postMessage(message);
}

function requestPage(page: number): void {
  const requestId = nextRequestId++;
  pending.set(requestId, { generation, kind: 'page', page });
  latestPageRequest.set(page, requestId);
  post({ type: 'query', requestId, query: { ...baseQuery(), offset: page * PAGE_SIZE, limit: PAGE_SIZE } });
  updateBusy();
}

function requestChildren(runId: string): void {
  const requestId = nextRequestId++;
  pending.set(requestId, { generation, kind: 'children', runId });
  latestChildRequest.set(runId, requestId);
  post({ type: 'query', requestId, query: { parentRunId: runId, offset: 0, limit: 1000 } });
  updateBusy();
}

/** The query changed: forget every row and start again from the top. */
function requery(): void {
  generation++;
  pending.clear();
  latestPageRequest.clear();
  pages.clear();
  topIndexById.clear();
  haveTotal = false;
  total = 0;
  groups = undefined;
  queryError = undefined;
  failure = null;
  scroller.scrollTop = 0;
  state.scrollTop = 0;
  saveState();
  requestPage(0);
  renderAll();
}

/** The store changed: ask again for the pages near the viewport, forget the rest. */
function refreshData(): void {
  const wanted = wantedPages();
  for (const page of [...pages.keys()]) {
    if (!wanted.has(page)) pages.delete(page);
  }
  if (!wanted.has(0) && pages.size === 0) wanted.add(0);
  for (const page of wanted) requestPage(page);
  for (const runId of expanded) requestChildren(runId);
}

function mergeKeys(columns: RunsTablePage['columns']): void {
  for (const kind of ['params', 'metrics', 'tags'] as const) {
    const set = new Set([...knownKeys[kind], ...columns[kind]]);
    knownKeys[kind] = [...set].sort();
  }
}

function onPage(requestId: number, page: RunsTablePage): void {
  const request = pending.get(requestId);
  pending.delete(requestId);
  updateBusy();
  if (!request || request.generation !== generation) return;
  for (const row of page.rows) rowsById.set(row.id, row);
  if (request.kind === 'children') {
    if (latestChildRequest.get(request.runId) !== requestId) return;
    latestChildRequest.delete(request.runId);
    children.set(request.runId, page.rows);
    mergeKeys(page.columns);
    renderAll();
    return;
  }
  if (latestPageRequest.get(request.page) !== requestId) return;
  latestPageRequest.delete(request.page);
  // Total, groups and best come from the newest answer: pages answered after a store change agree.
  total = page.total;
  haveTotal = true;
  groups = page.groups;
  best = page.best;
  queryError = page.error;
  failure = null;
  knownKeys.params = [...page.columns.params];
  knownKeys.metrics = [...page.columns.metrics];
  knownKeys.tags = [...page.columns.tags];
  for (const rows of children.values()) for (const row of rows) mergeKeys({ params: Object.keys(row.params), metrics: Object.keys(row.metrics), tags: Object.keys(row.tags) });
  const old = pages.get(request.page);
  const start = request.page * PAGE_SIZE;
  if (old) {
    for (const row of old) {
      const index = topIndexById.get(row.id);
      if (index !== undefined && index >= start && index < start + PAGE_SIZE) topIndexById.delete(row.id);
    }
  }
  pages.set(request.page, page.rows);
  page.rows.forEach((row, i) => topIndexById.set(row.id, start + i));
  // Expanded parents coming into view fetch their children once.
  for (const row of page.rows) if (expanded.has(row.id) && !children.has(row.id) && !latestChildRequest.has(row.id)) requestChildren(row.id);
  renderAll();
  if (restoreScrollPending) {
    restoreScrollPending = false;
    scroller.scrollTop = state.scrollTop;
    scroller.scrollLeft = state.scrollLeft;
    renderRows();
  }
  scheduleFetch(0);
}

function onQueryFailed(requestId: number, message: string): void {
  const request = pending.get(requestId);
  pending.delete(requestId);
  updateBusy();
  if (!request || request.generation !== generation) return;
  if (request.kind === 'page') latestPageRequest.delete(request.page);
  else latestChildRequest.delete(request.runId);
  failure = message;
  renderStatus();
}

// ---------------------------------------------------------------------------------------
// Layout: top-level rows with group headers and children inserted between them

type Item =
  | { kind: 'row'; row: RunsTableRow | undefined; topIndex: number; depth: 0 }
  | { kind: 'child'; row: RunsTableRow; depth: number }
  | { kind: 'loading'; depth: number }
  | { kind: 'group'; value: string | null; count: number };

interface Insert { at: number; items: Item[]; start: number; before: number }

let inserts: Insert[] = [];
let displayCount = 0;

function childItems(runId: string, depth: number, seen: Set<string>): Item[] {
  const rows = children.get(runId);
  if (!rows) return [{ kind: 'loading', depth }];
  const items: Item[] = [];
  for (const row of rows) {
    items.push({ kind: 'child', row, depth });
    if (expanded.has(row.id) && !seen.has(row.id)) {
      seen.add(row.id);
      items.push(...childItems(row.id, depth + 1, seen));
    }
  }
  return items;
}

function computeLayout(): void {
  const raw: { at: number; order: number; items: Item[] }[] = [];
  if (groups && haveTotal && !queryError) {
    let at = 0;
    for (const g of groups) {
      raw.push({ at, order: 1, items: [{ kind: 'group', value: g.value, count: g.count }] });
      at += g.count;
    }
  }
  for (const runId of expanded) {
    const index = topIndexById.get(runId);
    if (index === undefined || index >= total) continue;
    const row = pageRow(index);
    if (!row || row.id !== runId || row.childCount === 0) continue;
    raw.push({ at: index + 1, order: 0, items: childItems(runId, 1, new Set([runId])) });
  }
  raw.sort((a, b) => a.at - b.at || a.order - b.order);
  inserts = [];
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
  displayCount = (haveTotal ? total : 0) + before;
}

function pageRow(topIndex: number): RunsTableRow | undefined {
  return pages.get(Math.floor(topIndex / PAGE_SIZE))?.[topIndex % PAGE_SIZE];
}

/** The item at a display index. */
function itemAt(index: number): Item {
  let lo = 0;
  let hi = inserts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (inserts[mid].start <= index) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  let topIndex = index;
  if (found >= 0) {
    const ins = inserts[found];
    if (index < ins.start + ins.items.length) return ins.items[index - ins.start];
    topIndex = index - ins.before - ins.items.length;
  }
  return { kind: 'row', row: pageRow(topIndex), topIndex, depth: 0 };
}

/** The top-level row index shown at or just after a display index. */
function topIndexAt(index: number): number {
  for (let i = index; i < Math.min(displayCount, index + 2000); i++) {
    const item = itemAt(i);
    if (item.kind === 'row') return item.topIndex;
  }
  return Math.max(0, total - 1);
}

function visibleRange(): { first: number; last: number } {
  const height = scroller.clientHeight - header.offsetHeight;
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(displayCount - 1, Math.ceil((scroller.scrollTop + Math.max(height, 0)) / ROW_HEIGHT) + OVERSCAN);
  return { first, last };
}

function wantedPages(): Set<number> {
  const wanted = new Set<number>();
  if (!haveTotal) {
    wanted.add(Math.floor(Math.floor(state.scrollTop / ROW_HEIGHT) / PAGE_SIZE));
    return wanted;
  }
  if (total === 0) return wanted;
  const { first, last } = visibleRange();
  if (last < first) return wanted;
  const from = Math.floor(topIndexAt(first) / PAGE_SIZE);
  const to = Math.floor(Math.min(topIndexAt(last), total - 1) / PAGE_SIZE);
  for (let p = from; p <= to; p++) wanted.add(p);
  return wanted;
}

let fetchTimer: ReturnType<typeof setTimeout> | undefined;

function scheduleFetch(delay = FETCH_DEBOUNCE_MS): void {
  clearTimeout(fetchTimer);
  fetchTimer = setTimeout(() => {
    if (!initialized || !haveTotal) return;
    for (const page of wantedPages()) {
      if (!pages.has(page) && !latestPageRequest.has(page)) requestPage(page);
    }
  }, delay);
}

// ---------------------------------------------------------------------------------------
// DOM helpers

const SVG = 'http://www.w3.org/2000/svg';

function icon(name: 'pin' | 'chevron' | 'columns' | 'filter'): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  const d: Record<typeof name, string> = {
    pin: 'M9.6 1.6 14.4 6.4 13.6 7.2 12.7 6.9 10.1 9.5 10.6 12.5 9.8 13.3 7 10.5 3.1 14.4H1.6V12.9L5.5 9 2.7 6.2 3.5 5.4 6.5 5.9 9.1 3.3 8.8 2.4Z',
    chevron: 'M6 3.5 10.5 8 6 12.5',
    columns: 'M2 2.5h12v11H2zM6 2.5v11M10 2.5v11',
    filter: 'M1.5 3h13l-5 6v4.5l-3 1.5V9z',
  };
  path.setAttribute('d', d[name]);
  svg.append(path);
  return svg;
}

function button(label: string, className: string, onClick: () => void, title?: string): HTMLButtonElement {
  const b = el('button', { text: label, className, title });
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function formatStart(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Whole seconds past a minute, so that 119.6 s reads 2m 0s rather than 1m 60s. */
function roundedDuration(ms: number): number {
  return ms >= 60_000 ? Math.round(ms / 1000) * 1000 : ms;
}

function metricValue(row: RunsTableRow, key: string, aggregate: MetricAggregate): WireNumber | null {
  const m = row.metrics[key];
  if (!m) return null;
  return aggregate === 'latest' ? m.latest : m[aggregate];
}

// ---------------------------------------------------------------------------------------
// The page: toolbar, filter error, table (header + virtual body), status line

const filterInput = el('input', { className: 'filter-input', title: 'Filter runs with the search language; Enter applies' });
filterInput.type = 'text';
filterInput.spellcheck = false;
filterInput.placeholder = 'Filter: metrics.val_acc > 0.8 and params.lr = "0.01"';
filterInput.setAttribute('aria-label', 'Filter runs');
filterInput.value = state.filter;
const filterBox = el('div', { className: 'filter-box' }, icon('filter'), filterInput);
const groupSelect = el('select', { className: 'group-select', title: 'Group the runs by a parameter' });
groupSelect.setAttribute('aria-label', 'Group by parameter');
const columnsButton = el('button', { className: 'toolbar-button columns-button', title: 'Choose columns' }, icon('columns'), el('span', { text: 'Columns' }));
columnsButton.type = 'button';
const picker = el('div', { className: 'column-picker', title: '' });
picker.hidden = true;
const toolbar = el('div', { className: 'toolbar' }, filterBox, el('label', { className: 'group-label' }, el('span', { text: 'Group by' }), groupSelect), el('div', { className: 'picker-anchor' }, columnsButton, picker));
const errorBar = el('div', { className: 'filter-error' });
errorBar.setAttribute('role', 'alert');
errorBar.hidden = true;

const selectionInfo = el('span', { className: 'selection-info' });
const compareButton = button('Compare', 'action-button primary compare-button', () => {
  if (selected.size >= 2) post({ type: 'compare', runIds: [...selected] });
}, 'Compare the selected runs (two or more)');
const pinButton = button('Pin', 'action-button pin-button', () => runAction(pinAction()), 'Pin the selected runs to the top');
const tagButton = button('Tag…', 'action-button tag-button', () => runAction('tag'), 'Set a tag on the selected runs');
const deleteButton = button('Delete', 'action-button delete-button', () => runAction('delete'), 'Delete the selected runs');
const clearButton = button('Clear selection', 'link-button clear-button', () => { selected.clear(); saveState(); renderAll(); });
const countInfo = el('span', { className: 'count-info' });
const busy = el('div', { className: 'busy' });
const actionBar = el('div', { className: 'action-bar' }, selectionInfo, compareButton, pinButton, tagButton, deleteButton, clearButton, el('span', { className: 'spacer' }), countInfo);

const header = el('div', { className: 'thead', title: '' });
header.setAttribute('role', 'row');
const body = el('div', { className: 'tbody' });
const rowsLayer = el('div', { className: 'rows' });
const emptyMessage = el('div', { className: 'empty' });
body.append(rowsLayer);
const grid = el('div', { className: 'grid' }, header, body);
grid.setAttribute('role', 'grid');
const scroller = el('div', { className: 'scroller' }, grid, emptyMessage);
scroller.tabIndex = -1;

root.replaceChildren(el('div', { className: 'top' }, toolbar, errorBar, actionBar, busy), scroller);

function pinAction(): RunsTableAction {
  const rows = [...selected].map((id) => rowsById.get(id));
  return rows.length > 0 && rows.every((r) => r?.pinned) ? 'unpin' : 'pin';
}

function runAction(action: RunsTableAction): void {
  if (selected.size === 0) return;
  post({ type: 'runAction', action, runIds: [...selected] });
}

function updateBusy(): void {
  busy.classList.toggle('active', pending.size > 0);
}

function renderToolbar(): void {
  const n = selected.size;
  selectionInfo.textContent = n === 0 ? 'No runs selected' : `${n} selected`;
  compareButton.textContent = `Compare (${n})`;
  compareButton.disabled = n < 2;
  const pin = pinAction();
  pinButton.textContent = pin === 'unpin' ? 'Unpin' : 'Pin';
  pinButton.disabled = n === 0;
  tagButton.disabled = n === 0;
  deleteButton.disabled = n === 0;
  clearButton.hidden = n === 0;

  const options = ['', ...knownKeys.params];
  if (state.groupBy !== null && !options.includes(state.groupBy)) options.push(state.groupBy);
  const current = [...groupSelect.options].map((o) => o.value);
  if (current.length !== options.length || current.some((v, i) => v !== options[i])) {
    groupSelect.replaceChildren(...options.map((value) => {
      const option = el('option', { text: value === '' ? 'None' : value });
      option.value = value;
      return option;
    }));
  }
  groupSelect.value = state.groupBy ?? '';
}

function renderStatus(): void {
  countInfo.textContent = !haveTotal ? 'Loading…' : `${total.toLocaleString('en-US')} run${total === 1 ? '' : 's'}${groups ? ` in ${groups.length} group${groups.length === 1 ? '' : 's'}` : ''}`;
  const error = queryError;
  if (error) {
    const text = error.in === 'filter' ? state.filter : (baseQuery().orderBy ?? '');
    const position = Math.max(0, Math.min(error.position, text.length));
    // The service's message may end with its own copy of the text and a caret: show the first line only.
    const message = error.message.split('\n')[0].replace(/:\s*$/, '');
    const marked = text.slice(position, position + 1) || ' ';
    const snippet = el('pre', { className: 'error-snippet' },
      el('span', { text: text.slice(0, position) }),
      el('span', { className: 'error-mark', text: marked }),
      el('span', { text: text.slice(position + 1) }),
      '\n',
      el('span', { className: 'error-caret', text: `${' '.repeat(position)}^` }),
    );
    errorBar.replaceChildren(el('div', { className: 'error-message', text: `${error.in === 'filter' ? 'Filter' : 'Sort'}: ${message}` }), snippet);
    errorBar.dataset.position = String(error.position);
    errorBar.hidden = false;
  } else if (failure) {
    errorBar.replaceChildren(el('div', { className: 'error-message', text: `Could not load runs: ${failure}` }));
    delete errorBar.dataset.position;
    errorBar.hidden = false;
  } else {
    errorBar.hidden = true;
    errorBar.replaceChildren();
  }
  filterInput.classList.toggle('invalid', error?.in === 'filter');
  if (haveTotal && total === 0 && !error) {
    emptyMessage.textContent = state.filter.trim() ? 'No runs match the filter.' : 'No runs yet: run a notebook that logs runs.';
    emptyMessage.hidden = false;
  } else emptyMessage.hidden = true;
}

function gridTemplate(columns: Column[]): string {
  return [`${CHECK_WIDTH}px`, ...columns.map((c) => `${c.width}px`)].join(' ');
}

let columns: Column[] = [];

function loadedRows(): RunsTableRow[] {
  const rows: RunsTableRow[] = [];
  for (const page of pages.values()) rows.push(...page);
  for (const list of children.values()) rows.push(...list);
  return rows;
}

function renderHeader(): void {
  columns = visibleColumns();
  const template = gridTemplate(columns);
  grid.style.setProperty('--columns', template);
  grid.style.width = `${CHECK_WIDTH + columns.reduce((s, c) => s + c.width, 0)}px`;
  const all = el('input', { className: 'check', title: 'Select all loaded runs' });
  all.type = 'checkbox';
  all.setAttribute('aria-label', 'Select all loaded runs');
  const loaded = loadedRows();
  const count = loaded.filter((r) => selected.has(r.id)).length;
  all.checked = loaded.length > 0 && count === loaded.length;
  all.indeterminate = count > 0 && count < loaded.length;
  all.addEventListener('change', () => {
    if (all.checked) for (const r of loaded) selected.add(r.id);
    else for (const r of loaded) selected.delete(r.id);
    saveState();
    renderAll();
  });
  const cells: HTMLElement[] = [el('div', { className: 'th cell c-check' }, all)];
  for (const col of columns) {
    const aggregate = col.kind === 'metric' ? state.aggregates[col.key] ?? 'latest' : null;
    const label = el('span', { className: 'th-label', text: col.label });
    const th = el('div', { className: `th cell c-${col.kind}${col.id === NAME_COLUMN ? ' c-name' : ''}${col.numeric ? ' num' : ''}${col.sortKey ? ' sortable' : ''}`, title: headerTitle(col, aggregate) }, label);
    th.setAttribute('role', 'columnheader');
    th.dataset.column = col.id;
    if (col.kind !== 'attr') th.prepend(el('span', { className: 'th-kind', text: col.kind === 'param' ? 'P' : col.kind === 'metric' ? 'M' : 'T' }));
    if (aggregate && aggregate !== 'latest') th.append(el('span', { className: 'th-agg', text: aggregate }));
    if (state.sort?.column === col.id) {
      th.classList.add('sorted');
      th.setAttribute('aria-sort', state.sort.descending ? 'descending' : 'ascending');
      th.append(el('span', { className: 'sort-indicator', text: state.sort.descending ? '↓' : '↑' }));
    }
    if (col.sortKey) th.addEventListener('click', (e) => { if (!(e.target as HTMLElement).classList.contains('resizer')) toggleSort(col); });
    const resizer = el('span', { className: 'resizer' });
    resizer.addEventListener('pointerdown', (e) => startResize(e, col, th));
    resizer.addEventListener('click', (e) => e.stopPropagation());
    th.append(resizer);
    cells.push(th);
  }
  header.replaceChildren(...cells);
}

function headerTitle(col: Column, aggregate: MetricAggregate | null): string {
  const what = col.kind === 'attr' ? col.label : `${col.kind} ${col.key}${aggregate ? ` (${aggregate})` : ''}`;
  return col.sortKey ? `${what}: click to sort` : what;
}

function toggleSort(col: Column): void {
  const sort = state.sort;
  if (!sort || sort.column !== col.id) state.sort = { column: col.id, descending: false };
  else if (!sort.descending) state.sort = { column: col.id, descending: true };
  else state.sort = null;
  saveState();
  renderHeader();
  requery();
}

function startResize(e: PointerEvent, col: Column, th: HTMLElement): void {
  e.preventDefault();
  e.stopPropagation();
  const startX = e.clientX;
  const startWidth = th.getBoundingClientRect().width;
  const move = (m: PointerEvent) => {
    state.widths[col.id] = Math.max(40, Math.min(1000, Math.round(startWidth + m.clientX - startX)));
    col.width = state.widths[col.id];
    grid.style.setProperty('--columns', gridTemplate(columns));
    grid.style.width = `${CHECK_WIDTH + columns.reduce((s, c) => s + c.width, 0)}px`;
  };
  const up = () => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    saveState();
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
}

function statusCell(row: RunsTableRow): HTMLElement {
  return el('div', { className: 'cell c-status', title: row.status }, el('span', { className: `status-dot status-${row.status}` }), el('span', { text: row.status }));
}

function nameCell(row: RunsTableRow, depth: number): HTMLElement {
  const cell = el('div', { className: 'cell c-name' });
  cell.style.paddingLeft = `${4 + depth * 18}px`;
  if (row.childCount > 0) {
    const open = expanded.has(row.id);
    const toggle = el('button', { className: `expander${open ? ' open' : ''}`, title: `${open ? 'Hide' : 'Show'} ${row.childCount} nested run${row.childCount === 1 ? '' : 's'}` }, icon('chevron'));
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.addEventListener('click', (e) => { e.stopPropagation(); toggleExpanded(row.id); });
    cell.append(toggle);
  } else cell.append(el('span', { className: 'expander-space' }));
  if (row.pinned) {
    const pin = el('span', { className: 'pin', title: 'Pinned' }, icon('pin'));
    cell.append(pin);
  }
  const link = el('button', { className: 'run-link', text: row.name || row.id.slice(0, 8), title: `${row.name}\n${row.id}\nOpen run details` });
  link.type = 'button';
  link.addEventListener('click', (e) => { e.stopPropagation(); post({ type: 'openRun', runId: row.id }); });
  cell.append(link);
  if (row.childCount > 0) cell.append(el('span', { className: 'child-count', text: String(row.childCount), title: `${row.childCount} nested runs` }));
  return cell;
}

function valueCell(row: RunsTableRow, col: Column): HTMLElement {
  switch (col.kind) {
    case 'attr': {
      if (col.key === 'status') return statusCell(row);
      if (col.key === 'started') return el('div', { className: 'cell c-attr', text: formatStart(row.startTime), title: new Date(row.startTime).toString() });
      if (col.key === 'duration') {
        const end = row.endTime ?? (row.status === 'running' ? Date.now() : null);
        // A clock set differently from the notebook's can make a running run's age negative.
        const ms = end === null ? -1 : end - row.startTime;
        return el('div', { className: 'cell c-attr num', text: ms < 0 ? '—' : formatDuration(roundedDuration(ms)), title: row.status === 'running' ? 'Running' : undefined });
      }
      return el('div', { className: 'cell c-attr', text: row.experiment, title: row.experiment });
    }
    case 'param': {
      const v = row.params[col.key];
      return el('div', { className: `cell c-param${v === undefined ? ' missing' : ''}`, text: v ?? '—', title: v });
    }
    case 'tag': {
      const v = row.tags[col.key];
      return el('div', { className: `cell c-tag${v === undefined ? ' missing' : ''}`, text: v ?? '—', title: v });
    }
    case 'metric': {
      const aggregate = state.aggregates[col.key] ?? 'latest';
      const v = metricValue(row, col.key, aggregate);
      if (v === null) return el('div', { className: 'cell c-metric num missing', text: '—' });
      const n = fromWireNumber(v);
      const b = best[col.key];
      const isBest = b !== undefined && fromWireNumber(b) === n;
      const m = row.metrics[col.key];
      return el('div', { className: `cell c-metric num${isBest ? ' best' : ''}${Number.isFinite(n) ? '' : ' nonfinite'}`, text: formatMetric(n), title: `${col.key} ${aggregate}: ${String(n)}${m ? ` (step ${m.step})` : ''}${isBest ? ' · best' : ''}` });
    }
  }
}

function rowElement(item: Item, index: number): HTMLElement {
  const top = `${index * ROW_HEIGHT}px`;
  if (item.kind === 'group') {
    const label = el('span', { className: 'group-label-text' },
      el('span', { className: 'group-key', text: `${state.groupBy ?? ''} = ` }),
      el('span', { className: 'group-value', text: item.value ?? '(not logged)' }),
      el('span', { className: 'group-count', text: `${item.count.toLocaleString('en-US')} run${item.count === 1 ? '' : 's'}` }));
    const r = el('div', { className: 'tr group-row' }, label);
    r.dataset.groupValue = item.value ?? '';
    r.style.top = top;
    return r;
  }
  if (item.kind === 'loading' || (item.kind === 'row' && !item.row)) {
    const r = el('div', { className: 'tr placeholder' }, el('div', { className: 'cell c-check' }), ...columns.map(() => el('div', { className: 'cell' }, el('span', { className: 'bar' }))));
    if (item.kind === 'loading') r.style.setProperty('--depth', String(item.depth));
    r.style.top = top;
    return r;
  }
  const row = item.row!;
  const depth = item.depth;
  const isSelected = selected.has(row.id);
  const check = el('input', { className: 'check' });
  check.type = 'checkbox';
  check.checked = isSelected;
  check.setAttribute('aria-label', `Select ${row.name}`);
  check.addEventListener('change', () => {
    if (check.checked) selected.add(row.id); else selected.delete(row.id);
    saveState();
    renderAll();
  });
  const cells: HTMLElement[] = [el('div', { className: 'cell c-check' }, check)];
  for (const col of columns) cells.push(col.id === NAME_COLUMN ? nameCell(row, depth) : valueCell(row, col));
  const r = el('div', { className: `tr run-row${isSelected ? ' selected' : ''}${depth > 0 ? ' child' : ''}${row.pinned ? ' pinned' : ''}` }, ...cells);
  r.setAttribute('role', 'row');
  r.dataset.runId = row.id;
  r.style.top = top;
  r.addEventListener('dblclick', (e) => {
    if ((e.target as HTMLElement).closest('input, button')) return;
    post({ type: 'openRun', runId: row.id });
  });
  return r;
}

let lastRange = '';

function renderRows(force = false): void {
  const { first, last } = visibleRange();
  const key = `${first}:${last}`;
  if (!force && key === lastRange) return;
  lastRange = key;
  const nodes: HTMLElement[] = [];
  for (let i = first; i <= last; i++) nodes.push(rowElement(itemAt(i), i));
  rowsLayer.replaceChildren(...nodes);
}

function renderAll(): void {
  computeLayout();
  body.style.height = `${displayCount * ROW_HEIGHT}px`;
  renderToolbar();
  renderHeader();
  renderStatus();
  renderRows(true);
  if (!picker.hidden) renderPicker();
}

// ---------------------------------------------------------------------------------------
// Column picker

let pickerSearch = '';

function renderPicker(): void {
  const search = el('input', { className: 'picker-search' });
  search.type = 'text';
  search.placeholder = 'Find a column';
  search.value = pickerSearch;
  search.setAttribute('aria-label', 'Find a column');
  search.addEventListener('input', () => {
    pickerSearch = search.value;
    renderPickerList(list);
  });
  const list = el('div', { className: 'picker-list' });
  renderPickerList(list);
  const reset = button('Default columns', 'link-button', () => { state.columns = null; saveState(); renderAll(); });
  const none = button('Hide all', 'link-button', () => { state.columns = []; saveState(); renderAll(); });
  const every = button('Show all', 'link-button', () => { state.columns = allColumnIds(); saveState(); renderAll(); });
  picker.replaceChildren(search, list, el('div', { className: 'picker-footer' }, reset, every, none));
  if (document.activeElement === document.body) search.focus();
}

function renderPickerList(list: HTMLElement): void {
  const visible = new Set((state.columns ?? defaultColumnIds()));
  const needle = pickerSearch.trim().toLowerCase();
  const sections: [string, string[]][] = [
    ['Attributes', ATTRIBUTE_COLUMNS.filter((a) => a.key !== 'experiment' || multipleExperiments).map((a) => columnId('attr', a.key))],
    ['Metrics', knownKeys.metrics.map((k) => columnId('metric', k))],
    ['Parameters', knownKeys.params.map((k) => columnId('param', k))],
    ['Tags', knownKeys.tags.map((k) => columnId('tag', k))],
  ];
  const parts: HTMLElement[] = [];
  for (const [title, ids] of sections) {
    const cols = ids.map(makeColumn).filter((c): c is Column => c !== null && (!needle || c.label.toLowerCase().includes(needle)));
    if (cols.length === 0) continue;
    parts.push(el('div', { className: 'picker-section', text: title }));
    for (const col of cols) {
      const box = el('input', { className: 'check' });
      box.type = 'checkbox';
      box.checked = visible.has(col.id);
      box.dataset.column = col.id;
      box.addEventListener('change', () => setColumnVisible(col.id, box.checked));
      const item = el('label', { className: 'picker-item', title: col.label }, box, el('span', { className: 'picker-name', text: col.label }));
      if (col.kind === 'metric') {
        const agg = el('select', { className: 'agg-select', title: `Which value of ${col.key} the column shows` });
        agg.dataset.column = col.id;
        for (const a of ['latest', 'min', 'max'] as const) {
          const o = el('option', { text: a });
          o.value = a;
          agg.append(o);
        }
        agg.value = state.aggregates[col.key] ?? 'latest';
        agg.addEventListener('click', (e) => e.preventDefault());
        agg.addEventListener('change', () => {
          if (agg.value === 'latest') delete state.aggregates[col.key];
          else state.aggregates[col.key] = agg.value as MetricAggregate;
          saveState();
          renderAll();
        });
        item.append(agg);
      }
      parts.push(item);
    }
  }
  if (parts.length === 0) parts.push(el('div', { className: 'empty', text: knownKeys.params.length + knownKeys.metrics.length === 0 && !needle ? 'No runs loaded yet.' : 'No column matches.' }));
  list.replaceChildren(...parts);
}

function togglePicker(open = picker.hidden): void {
  picker.hidden = !open;
  columnsButton.classList.toggle('active', open);
  columnsButton.setAttribute('aria-expanded', String(open));
  if (open) renderPicker();
}

columnsButton.addEventListener('click', (e) => { e.stopPropagation(); togglePicker(); });
picker.addEventListener('click', (e) => e.stopPropagation());
document.addEventListener('click', () => { if (!picker.hidden) togglePicker(false); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !picker.hidden) togglePicker(false); });

// ---------------------------------------------------------------------------------------
// Events

function toggleExpanded(runId: string): void {
  if (expanded.has(runId)) expanded.delete(runId);
  else {
    expanded.add(runId);
    if (!children.has(runId) && !latestChildRequest.has(runId)) requestChildren(runId);
  }
  saveState();
  renderAll();
}

let filterTimer: ReturnType<typeof setTimeout> | undefined;

function applyFilter(): void {
  clearTimeout(filterTimer);
  if (filterInput.value === state.filter && haveTotal) return;
  state.filter = filterInput.value;
  if (initialized) requery();
}

filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') { e.preventDefault(); state.filter = filterInput.value; clearTimeout(filterTimer); if (initialized) requery(); }
  if (e.key === 'Escape' && filterInput.value !== state.filter) filterInput.value = state.filter;
});
filterInput.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, FILTER_DEBOUNCE_MS);
});

groupSelect.addEventListener('change', () => {
  state.groupBy = groupSelect.value === '' ? null : groupSelect.value;
  saveState();
  requery();
});

let frame = 0;
scroller.addEventListener('scroll', () => {
  if (!restoreScrollPending) {
    state.scrollTop = scroller.scrollTop;
    state.scrollLeft = scroller.scrollLeft;
    saveStateSoon();
  }
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderRows();
    scheduleFetch();
  });
}, { passive: true });

new ResizeObserver(() => { renderRows(); scheduleFetch(); }).observe(scroller);

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToRunsTableView(message)) return;
  switch (message.type) {
    case 'init': {
      const first = !initialized;
      initialized = true;
      multipleExperiments = message.multipleExperiments;
      document.title = message.title;
      // A filter the opener asked for (a command argument) wins over the one saved in state.
      if (message.filter !== undefined && message.filter !== state.filter) {
        state.filter = filterInput.value = message.filter;
        saveState();
        if (!first) requery();
      }
      if (first) {
        requestPage(0);
        for (const page of wantedPages()) if (page !== 0) requestPage(page);
        for (const runId of expanded) requestChildren(runId);
      } else refreshData();
      renderAll();
      return;
    }
    case 'page':
      onPage(message.requestId, message.page);
      return;
    case 'queryFailed':
      onQueryFailed(message.requestId, message.message);
      return;
    case 'refresh':
      if (initialized) refreshData();
      return;
    case 'actionDone':
      if (message.action === 'delete') {
        for (const id of message.runIds) selected.delete(id);
        saveState();
        renderAll();
      }
      return;
  }
});

renderAll();
post({ type: 'ready' });
