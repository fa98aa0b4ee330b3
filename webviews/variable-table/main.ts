/**
 * The variable table panel: a notebook variable that is an array of row objects, as a
 * virtual table. Only the rows in view (and a few beyond each edge) are in the DOM, and
 * only the pages in view are asked of the host, so 100,000 rows scroll as smoothly as 100.
 *
 * Every cell is set as text (values come from the notebook's data and may hold markup).
 */
import { el } from '../shared/dom';
import { count } from '../shared/format';
import { errorBanner } from '../shared/notice';
import {
  isToVariableTableView,
  MAX_TABLE_ROWS,
  PAGE_ROWS,
  type FromVariableTableView,
  type ToVariableTableView,
} from './protocol';

declare function acquireVsCodeApi(): {
  postMessage(message: FromVariableTableView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

/** Pixels per row (CSS `.vt-row` has the same height). */
const ROW_HEIGHT = 24;
/** Rows drawn beyond each edge of the viewport. */
const OVERSCAN = 10;
/** Pages kept in memory; farther ones are dropped and asked for again when scrolled back to. */
const MAX_PAGES = 60;

type Table = Extract<ToVariableTableView, { type: 'table' }>;

let table: Table | undefined;
let shownRows = 0;
const pages = new Map<number, string[][]>();
const requested = new Set<number>();
const drawn = new Map<number, HTMLElement>();
let scroller: HTMLElement | undefined;
let body: HTMLElement | undefined;
let frame = 0;

function saved(): { name?: string; scrollTop?: number } {
  const s = vscode.getState() as { name?: unknown; scrollTop?: unknown } | undefined;
  return {
    name: typeof s?.name === 'string' ? s.name : undefined,
    scrollTop: typeof s?.scrollTop === 'number' ? s.scrollTop : undefined,
  };
}

function columnsTemplate(columns: number): string {
  return `64px repeat(${columns}, minmax(110px, 240px))`;
}

function rowElement(index: number, template: string): HTMLElement {
  const page = pages.get(Math.floor(index / PAGE_ROWS));
  const values = page?.[index % PAGE_ROWS];
  const row = el('div', { className: values ? 'vt-row' : 'vt-row loading' });
  row.style.gridTemplateColumns = template;
  row.style.top = `${index * ROW_HEIGHT}px`;
  row.dataset.index = String(index);
  row.append(el('span', { className: 'vt-cell vt-index', text: String(index) }));
  for (let c = 0; c < table!.columns.length; c++) {
    const text = values ? (values[c] ?? '') : '…';
    row.append(
      el('span', { className: 'vt-cell', text, title: text.length > 30 ? text : undefined }),
    );
  }
  return row;
}

function askFor(page: number): void {
  if (!table || pages.has(page) || requested.has(page)) return;
  requested.add(page);
  const offset = page * PAGE_ROWS;
  vscode.postMessage({
    type: 'rows',
    version: table.version,
    offset,
    limit: Math.min(PAGE_ROWS, shownRows - offset),
  });
}

function evictFarPages(center: number): void {
  if (pages.size <= MAX_PAGES) return;
  const far = [...pages.keys()].sort((a, b) => Math.abs(b - center) - Math.abs(a - center));
  for (const page of far.slice(0, pages.size - MAX_PAGES)) pages.delete(page);
}

/** Draws the rows in view: adds the missing ones, removes those scrolled away. */
function draw(): void {
  frame = 0;
  if (!table || !scroller || !body) return;
  const top = scroller.scrollTop;
  const height = scroller.clientHeight;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(shownRows, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
  for (const [index, row] of drawn) {
    if (index < first || index >= last) {
      row.remove();
      drawn.delete(index);
    }
  }
  const template = columnsTemplate(table.columns.length);
  for (let index = first; index < last; index++) {
    if (drawn.has(index)) continue;
    const row = rowElement(index, template);
    body.append(row);
    drawn.set(index, row);
  }
  for (let page = Math.floor(first / PAGE_ROWS); page * PAGE_ROWS < last; page++) askFor(page);
  evictFarPages(Math.floor(first / PAGE_ROWS));
  vscode.setState({ name: table.name, scrollTop: top });
}

function schedule(): void {
  if (!frame) frame = requestAnimationFrame(draw);
}

function showTable(message: Table): void {
  const previous = table;
  const keepScroll =
    previous?.name === message.name
      ? scroller?.scrollTop
      : saved().name === message.name
        ? saved().scrollTop
        : undefined;
  table = message;
  shownRows = Math.min(message.total, MAX_TABLE_ROWS);
  pages.clear();
  requested.clear();
  drawn.clear();
  const template = columnsTemplate(message.columns.length);
  const head = el(
    'div',
    { className: 'vt-row vt-head' },
    el('span', { className: 'vt-cell vt-index', text: '#' }),
  );
  head.style.gridTemplateColumns = template;
  for (const column of message.columns)
    head.append(el('span', { className: 'vt-cell', text: column, title: column }));
  body = el('div', { className: 'vt-body' });
  body.style.height = `${shownRows * ROW_HEIGHT}px`;
  scroller = el('div', { className: 'vt-scroller' }, head, body);
  scroller.tabIndex = 0;
  scroller.setAttribute('role', 'grid');
  scroller.setAttribute('aria-rowcount', String(shownRows));
  scroller.addEventListener('scroll', schedule, { passive: true });
  const cut =
    message.total > shownRows
      ? el('p', {
          className: 'notice',
          text: `Showing the first ${count(shownRows)} of ${count(message.total)} rows.`,
        })
      : '';
  const facts = `${count(message.total)} rows × ${count(message.columns.length)} columns · ${message.notebook}`;
  root.replaceChildren(
    el(
      'header',
      {},
      el(
        'div',
        { className: 'heading' },
        el('div', { className: 'kicker', text: 'Notebook variable' }),
        el('h1', { text: message.name }),
        el('div', { className: 'facts', text: facts }),
      ),
    ),
    cut,
    message.total === 0 ? el('p', { className: 'empty', text: 'The array is empty.' }) : scroller,
  );
  if (keepScroll) scroller.scrollTop = keepScroll;
  draw();
}

function showPage(message: Extract<ToVariableTableView, { type: 'page' }>): void {
  if (!table || message.version !== table.version || message.offset % PAGE_ROWS !== 0) return;
  const page = message.offset / PAGE_ROWS;
  requested.delete(page);
  pages.set(page, message.rows);
  // Redraw the placeholder rows of this page.
  for (const [index, row] of drawn) {
    if (Math.floor(index / PAGE_ROWS) === page) {
      row.remove();
      drawn.delete(index);
    }
  }
  schedule();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToVariableTableView(message)) return;
  switch (message.type) {
    case 'table':
      showTable(message);
      return;
    case 'page':
      showPage(message);
      return;
    case 'error':
      table = undefined;
      root.replaceChildren(errorBanner(message.message));
      return;
  }
});

vscode.postMessage({ type: 'ready' });
