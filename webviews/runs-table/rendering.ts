/**
 * The runs table page: the toolbar (filter, group by, columns), the filter error, the
 * selection's actions, and the table itself, a sticky header over a virtual body as tall as
 * every row in which only the rows in view are drawn. Reads the state; what needs the host
 * (a new query, nested runs) goes out through the hooks.
 */
import { el } from '../shared/dom';
import { button, icon, rowElement, type RowHooks } from './cells';
import { NAME_COLUMN, visibleColumns } from './columns';
import { computeLayout, itemAt, visibleRange, type DisplayRange } from './layout';
import { columnPicker } from './picker';
import type { FromRunsTableView, MetricAggregate, RunsTableAction, RunsTableRow } from './protocol';
import {
  ROW_HEIGHT,
  type BaseQuery,
  type Column,
  type RunsTableState,
  type StateSaver,
} from './state';

const FILTER_DEBOUNCE_MS = 700;
const CHECK_WIDTH = 30;

export interface TableHooks {
  post(message: FromRunsTableView): void;
  saver: StateSaver;
  /** The filter, order or grouping changed: ask again from the top. */
  requery(): void;
  toggleExpanded(runId: string): void;
  /** The viewport moved or changed size: ask for the pages now in view. */
  scrolled(): void;
  /** The current query's order-by, for placing a sort error. */
  baseQuery(): BaseQuery;
}

export interface TablePage {
  renderAll(): void;
  renderRows(force?: boolean): void;
  renderStatus(): void;
  /** Shows the busy bar while any request is out. */
  updateBusy(): void;
  range(): DisplayRange;
  /** Sets the filter box (a filter the opener asked for). */
  setFilter(filter: string): void;
  scrollToTop(): void;
  /** Back where the saved view was scrolled, once the first page made the table tall enough. */
  restoreScroll(): void;
}

function gridTemplate(columns: Column[]): string {
  return [`${CHECK_WIDTH}px`, ...columns.map((c) => `${c.width}px`)].join(' ');
}

function headerTitle(col: Column, aggregate: MetricAggregate | null): string {
  const what =
    col.kind === 'attr' ? col.label : `${col.kind} ${col.key}${aggregate ? ` (${aggregate})` : ''}`;
  return col.sortKey ? `${what}: click to sort` : what;
}

export function tablePage(root: HTMLElement, state: RunsTableState, hooks: TableHooks): TablePage {
  const { view, selected, data } = state;
  const post = hooks.post;
  const changed = (): void => {
    hooks.saver.save();
    renderAll();
  };

  const filterInput = el('input', {
    className: 'filter-input',
    title: 'Filter runs with the search language; Enter applies',
  });
  filterInput.type = 'text';
  filterInput.spellcheck = false;
  filterInput.placeholder = 'Filter: metrics.val_acc > 0.8 and params.lr = "0.01"';
  filterInput.setAttribute('aria-label', 'Filter runs');
  filterInput.value = view.filter;
  const filterBox = el('div', { className: 'filter-box' }, icon('filter'), filterInput);
  const groupSelect = el('select', {
    className: 'group-select',
    title: 'Group the runs by a parameter',
  });
  groupSelect.setAttribute('aria-label', 'Group by parameter');
  const picker = columnPicker(state, changed);
  const toolbar = el(
    'div',
    { className: 'toolbar' },
    filterBox,
    el('label', { className: 'group-label' }, el('span', { text: 'Group by' }), groupSelect),
    picker.anchor,
  );
  // Under the filter box, drawn over the action bar rather than pushing the table down: a
  // filter typed into an error and out again leaves the rows where they are.
  const errorBar = el('div', { className: 'filter-error' });
  errorBar.id = 'filter-error';
  errorBar.setAttribute('role', 'alert');
  errorBar.hidden = true;
  filterBox.append(errorBar);

  const pinAction = (): RunsTableAction => {
    const rows = [...selected].map((id) => data.rowsById.get(id));
    return rows.length > 0 && rows.every((r) => r?.pinned) ? 'unpin' : 'pin';
  };
  const runAction = (action: RunsTableAction): void => {
    if (selected.size === 0) return;
    post({ type: 'runAction', action, runIds: [...selected] });
  };

  const selectionInfo = el('span', { className: 'selection-info' });
  const compareButton = button(
    'Compare',
    'action-button primary compare-button',
    () => {
      if (selected.size >= 2) post({ type: 'compare', runIds: [...selected] });
    },
    'Compare the selected runs (two or more)',
  );
  const pinButton = button(
    'Pin',
    'action-button pin-button',
    () => runAction(pinAction()),
    'Pin the selected runs to the top',
  );
  const tagButton = button(
    'Tag…',
    'action-button tag-button',
    () => runAction('tag'),
    'Set a tag on the selected runs',
  );
  const deleteButton = button(
    'Delete',
    'action-button delete-button',
    () => runAction('delete'),
    'Delete the selected runs',
  );
  const clearButton = button('Clear selection', 'link-button clear-button', () => {
    selected.clear();
    changed();
  });
  const countInfo = el('span', { className: 'count-info' });
  const busy = el('div', { className: 'busy' });
  const actionBar = el(
    'div',
    { className: 'action-bar' },
    selectionInfo,
    compareButton,
    pinButton,
    tagButton,
    deleteButton,
    clearButton,
    el('span', { className: 'spacer' }),
    countInfo,
  );

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

  root.replaceChildren(el('div', { className: 'top' }, toolbar, actionBar, busy), scroller);

  const rowHooks: RowHooks = {
    openRun: (runId) => post({ type: 'openRun', runId }),
    toggleExpanded: (runId) => hooks.toggleExpanded(runId),
    setSelected(runId, on) {
      if (on) selected.add(runId);
      else selected.delete(runId);
      changed();
    },
  };

  const range = (): DisplayRange =>
    visibleRange(state, scroller.scrollTop, scroller.clientHeight - header.offsetHeight);

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

    const options = ['', ...data.knownKeys.params];
    if (view.groupBy !== null && !options.includes(view.groupBy)) options.push(view.groupBy);
    const current = [...groupSelect.options].map((o) => o.value);
    if (current.length !== options.length || current.some((v, i) => v !== options[i])) {
      groupSelect.replaceChildren(
        ...options.map((value) => {
          const option = el('option', { text: value === '' ? 'None' : value });
          option.value = value;
          return option;
        }),
      );
    }
    groupSelect.value = view.groupBy ?? '';
  }

  function renderStatus(): void {
    const { total, groups } = data;
    countInfo.textContent = !data.haveTotal
      ? 'Loading…'
      : `${total.toLocaleString('en-US')} run${total === 1 ? '' : 's'}${groups ? ` in ${groups.length} group${groups.length === 1 ? '' : 's'}` : ''}`;
    const error = data.queryError;
    if (error) {
      const text = error.in === 'filter' ? view.filter : (hooks.baseQuery().orderBy ?? '');
      const position = Math.max(0, Math.min(error.position, text.length));
      // The service's message may end with its own copy of the text and a caret: show the first line only.
      const message = error.message.split('\n')[0].replace(/:\s*$/, '');
      // The mark is the caret (one line less over the table); past the end it marks a space.
      const marked = text.slice(position, position + 1) || ' ';
      const snippet = el(
        'pre',
        { className: 'error-snippet' },
        el('span', { text: text.slice(0, position) }),
        el('span', { className: 'error-mark', text: marked }),
        el('span', { text: text.slice(position + 1) }),
      );
      errorBar.replaceChildren(
        el('div', {
          className: 'error-message',
          text: `${error.in === 'filter' ? 'Filter' : 'Sort'}: ${message}`,
        }),
        snippet,
      );
      errorBar.dataset.position = String(error.position);
      errorBar.hidden = false;
    } else if (data.failure) {
      errorBar.replaceChildren(
        el('div', { className: 'error-message', text: `Could not load runs: ${data.failure}` }),
      );
      delete errorBar.dataset.position;
      errorBar.hidden = false;
    } else {
      errorBar.hidden = true;
      errorBar.replaceChildren();
    }
    filterInput.classList.toggle('invalid', error?.in === 'filter');
    if (error?.in === 'filter') filterInput.setAttribute('aria-invalid', 'true');
    else filterInput.removeAttribute('aria-invalid');
    if (errorBar.hidden) filterInput.removeAttribute('aria-describedby');
    else filterInput.setAttribute('aria-describedby', errorBar.id);
    if (data.haveTotal && total === 0 && !error) {
      emptyMessage.textContent = view.filter.trim()
        ? 'No runs match the filter.'
        : 'No runs yet: run a notebook that logs runs.';
      emptyMessage.hidden = false;
    } else emptyMessage.hidden = true;
  }

  function loadedRows(): RunsTableRow[] {
    const rows: RunsTableRow[] = [];
    for (const page of data.pages.values()) rows.push(...page);
    for (const list of data.children.values()) rows.push(...list);
    return rows;
  }

  function sizeGrid(): void {
    grid.style.setProperty('--columns', gridTemplate(state.columns));
    grid.style.width = `${CHECK_WIDTH + state.columns.reduce((s, c) => s + c.width, 0)}px`;
  }

  function renderHeader(): void {
    state.columns = visibleColumns(state);
    sizeGrid();
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
      changed();
    });
    const cells: HTMLElement[] = [el('div', { className: 'th cell c-check' }, all)];
    for (const col of state.columns) {
      const aggregate = col.kind === 'metric' ? (view.aggregates[col.key] ?? 'latest') : null;
      const label = el('span', { className: 'th-label', text: col.label });
      const th = el(
        'div',
        {
          className: `th cell c-${col.kind}${col.id === NAME_COLUMN ? ' c-name' : ''}${col.numeric ? ' num' : ''}${col.sortKey ? ' sortable' : ''}`,
          title: headerTitle(col, aggregate),
        },
        label,
      );
      th.setAttribute('role', 'columnheader');
      th.dataset.column = col.id;
      if (col.kind !== 'attr')
        th.prepend(
          el('span', {
            className: 'th-kind',
            text: col.kind === 'param' ? 'P' : col.kind === 'metric' ? 'M' : 'T',
          }),
        );
      if (aggregate && aggregate !== 'latest')
        th.append(el('span', { className: 'th-agg', text: aggregate }));
      if (view.sort?.column === col.id) {
        th.classList.add('sorted');
        th.setAttribute('aria-sort', view.sort.descending ? 'descending' : 'ascending');
        th.append(
          el('span', { className: 'sort-indicator', text: view.sort.descending ? '↓' : '↑' }),
        );
      }
      if (col.sortKey)
        th.addEventListener('click', (e) => {
          if (!(e.target as HTMLElement).classList.contains('resizer')) toggleSort(col);
        });
      const resizer = el('span', { className: 'resizer' });
      resizer.addEventListener('pointerdown', (e) => startResize(e, col, th));
      resizer.addEventListener('click', (e) => e.stopPropagation());
      th.append(resizer);
      cells.push(th);
    }
    header.replaceChildren(...cells);
  }

  /** Ascending, descending, then the host's order again. */
  function toggleSort(col: Column): void {
    const sort = view.sort;
    if (!sort || sort.column !== col.id) view.sort = { column: col.id, descending: false };
    else if (!sort.descending) view.sort = { column: col.id, descending: true };
    else view.sort = null;
    hooks.saver.save();
    renderHeader();
    hooks.requery();
  }

  function startResize(e: PointerEvent, col: Column, th: HTMLElement): void {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const startWidth = th.getBoundingClientRect().width;
    const move = (m: PointerEvent) => {
      view.widths[col.id] = Math.max(
        40,
        Math.min(1000, Math.round(startWidth + m.clientX - startX)),
      );
      col.width = view.widths[col.id];
      sizeGrid();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      hooks.saver.save();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  let lastRange = '';

  function renderRows(force = false): void {
    const { first, last } = range();
    const key = `${first}:${last}`;
    if (!force && key === lastRange) return;
    lastRange = key;
    const nodes: HTMLElement[] = [];
    for (let i = first; i <= last; i++)
      nodes.push(rowElement(state, itemAt(state, i), i, rowHooks));
    rowsLayer.replaceChildren(...nodes);
  }

  function renderAll(): void {
    computeLayout(state);
    body.style.height = `${state.layout.displayCount * ROW_HEIGHT}px`;
    renderToolbar();
    renderHeader();
    renderStatus();
    renderRows(true);
    if (picker.open) picker.render();
  }

  // ---- events ----

  let filterTimer: ReturnType<typeof setTimeout> | undefined;

  function applyFilter(): void {
    clearTimeout(filterTimer);
    if (filterInput.value === view.filter && data.haveTotal) return;
    view.filter = filterInput.value;
    if (state.initialized) hooks.requery();
  }

  filterInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      view.filter = filterInput.value;
      clearTimeout(filterTimer);
      if (state.initialized) hooks.requery();
    }
    if (e.key === 'Escape' && filterInput.value !== view.filter) filterInput.value = view.filter;
  });
  filterInput.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, FILTER_DEBOUNCE_MS);
  });

  groupSelect.addEventListener('change', () => {
    view.groupBy = groupSelect.value === '' ? null : groupSelect.value;
    hooks.saver.save();
    hooks.requery();
  });

  let frame = 0;
  scroller.addEventListener(
    'scroll',
    () => {
      if (!state.restoreScrollPending) {
        view.scrollTop = scroller.scrollTop;
        view.scrollLeft = scroller.scrollLeft;
        hooks.saver.saveSoon();
      }
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        renderRows();
        hooks.scrolled();
      });
    },
    { passive: true },
  );

  new ResizeObserver(() => {
    renderRows();
    hooks.scrolled();
  }).observe(scroller);

  return {
    renderAll,
    renderRows,
    renderStatus,
    updateBusy: () => busy.classList.toggle('active', data.pending.size > 0),
    range,
    setFilter(filter) {
      view.filter = filterInput.value = filter;
    },
    scrollToTop() {
      scroller.scrollTop = 0;
      view.scrollTop = 0;
    },
    restoreScroll() {
      state.restoreScrollPending = false;
      scroller.scrollTop = view.scrollTop;
      scroller.scrollLeft = view.scrollLeft;
      renderRows();
    },
  };
}
