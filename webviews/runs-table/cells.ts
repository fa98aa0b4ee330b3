/**
 * One display row of the runs table as DOM: a run with a checkbox and a cell per column, a
 * group header, or a placeholder while its page is on the way. Every value from the store
 * goes in as text.
 */
import { formatDuration, formatMetric } from '../../core/common/format';
import { fromWireNumber, type WireNumber } from '../../core/common/wire-number';
import { el } from '../shared/dom';
import { svgElement } from '../shared/svg';
import { NAME_COLUMN } from './columns';
import type { MetricAggregate, RunsTableRow } from './protocol';
import { ROW_HEIGHT, type Column, type Item, type RunsTableState } from './state';

export function icon(name: 'pin' | 'chevron' | 'columns' | 'filter'): SVGSVGElement {
  const d: Record<typeof name, string> = {
    pin: 'M9.6 1.6 14.4 6.4 13.6 7.2 12.7 6.9 10.1 9.5 10.6 12.5 9.8 13.3 7 10.5 3.1 14.4H1.6V12.9L5.5 9 2.7 6.2 3.5 5.4 6.5 5.9 9.1 3.3 8.8 2.4Z',
    chevron: 'M6 3.5 10.5 8 6 12.5',
    columns: 'M2 2.5h12v11H2zM6 2.5v11M10 2.5v11',
    filter: 'M1.5 3h13l-5 6v4.5l-3 1.5V9z',
  };
  const svg = svgElement('svg', {
    viewBox: '0 0 16 16',
    class: `icon icon-${name}`,
    'aria-hidden': 'true',
  });
  svg.append(svgElement('path', { d: d[name] }));
  return svg;
}

/** A native `<button>`, drawn by this panel's stylesheet in the toolbar's compact size. */
export function button(
  label: string,
  className: string,
  onClick: () => void,
  title?: string,
): HTMLButtonElement {
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

function metricValue(
  row: RunsTableRow,
  key: string,
  aggregate: MetricAggregate,
): WireNumber | null {
  const m = row.metrics[key];
  if (!m) return null;
  return aggregate === 'latest' ? m.latest : m[aggregate];
}

/** What a row does when clicked. */
export interface RowHooks {
  openRun(runId: string): void;
  toggleExpanded(runId: string): void;
  setSelected(runId: string, selected: boolean): void;
}

function statusCell(row: RunsTableRow): HTMLElement {
  return el(
    'div',
    { className: 'cell c-status', title: row.status },
    el('span', { className: `status-dot status-${row.status}` }),
    el('span', { text: row.status }),
  );
}

function nameCell(
  state: RunsTableState,
  row: RunsTableRow,
  depth: number,
  hooks: RowHooks,
): HTMLElement {
  const cell = el('div', { className: 'cell c-name' });
  cell.style.paddingLeft = `${4 + depth * 18}px`;
  if (row.childCount > 0) {
    const open = state.expanded.has(row.id);
    const toggle = el(
      'button',
      {
        className: `expander${open ? ' open' : ''}`,
        title: `${open ? 'Hide' : 'Show'} ${row.childCount} nested run${row.childCount === 1 ? '' : 's'}`,
      },
      icon('chevron'),
    );
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', String(open));
    toggle.addEventListener('click', (e) => {
      e.stopPropagation();
      hooks.toggleExpanded(row.id);
    });
    cell.append(toggle);
  } else cell.append(el('span', { className: 'expander-space' }));
  if (row.pinned) {
    const pin = el('span', { className: 'pin', title: 'Pinned' }, icon('pin'));
    cell.append(pin);
  }
  const link = el('button', {
    className: 'run-link',
    text: row.name || row.id.slice(0, 8),
    title: `${row.name}\n${row.id}\nOpen run details`,
  });
  link.type = 'button';
  link.addEventListener('click', (e) => {
    e.stopPropagation();
    hooks.openRun(row.id);
  });
  cell.append(link);
  if (row.childCount > 0)
    cell.append(
      el('span', {
        className: 'child-count',
        text: String(row.childCount),
        title: `${row.childCount} nested runs`,
      }),
    );
  return cell;
}

function valueCell(state: RunsTableState, row: RunsTableRow, col: Column): HTMLElement {
  switch (col.kind) {
    case 'attr': {
      if (col.key === 'status') return statusCell(row);
      if (col.key === 'started')
        return el('div', {
          className: 'cell c-attr',
          text: formatStart(row.startTime),
          title: new Date(row.startTime).toString(),
        });
      if (col.key === 'duration') {
        const end = row.endTime ?? (row.status === 'running' ? Date.now() : null);
        // A clock set differently from the notebook's can make a running run's age negative.
        const ms = end === null ? -1 : end - row.startTime;
        return el('div', {
          className: 'cell c-attr num',
          text: ms < 0 ? '—' : formatDuration(roundedDuration(ms)),
          title: row.status === 'running' ? 'Running' : undefined,
        });
      }
      return el('div', { className: 'cell c-attr', text: row.experiment, title: row.experiment });
    }
    case 'param': {
      const v = row.params[col.key];
      return el('div', {
        className: `cell c-param${v === undefined ? ' missing' : ''}`,
        text: v ?? '—',
        title: v,
      });
    }
    case 'tag': {
      const v = row.tags[col.key];
      return el('div', {
        className: `cell c-tag${v === undefined ? ' missing' : ''}`,
        text: v ?? '—',
        title: v,
      });
    }
    case 'metric': {
      const aggregate = state.view.aggregates[col.key] ?? 'latest';
      const v = metricValue(row, col.key, aggregate);
      if (v === null) return el('div', { className: 'cell c-metric num missing', text: '—' });
      const n = fromWireNumber(v);
      const b = state.data.best[col.key];
      const isBest = b !== undefined && fromWireNumber(b) === n;
      const m = row.metrics[col.key];
      return el('div', {
        className: `cell c-metric num${isBest ? ' best' : ''}${Number.isFinite(n) ? '' : ' nonfinite'}`,
        text: formatMetric(n),
        title: `${col.key} ${aggregate}: ${String(n)}${m ? ` (step ${m.step})` : ''}${isBest ? ' · best' : ''}`,
      });
    }
  }
}

/** The display row at `index`, placed at its offset in the virtual body. */
export function rowElement(
  state: RunsTableState,
  item: Item,
  index: number,
  hooks: RowHooks,
): HTMLElement {
  const top = `${index * ROW_HEIGHT}px`;
  if (item.kind === 'group') {
    const label = el(
      'span',
      { className: 'group-label-text' },
      el('span', { className: 'group-key', text: `${state.view.groupBy ?? ''} = ` }),
      el('span', { className: 'group-value', text: item.value ?? '(not logged)' }),
      el('span', {
        className: 'group-count',
        text: `${item.count.toLocaleString('en-US')} run${item.count === 1 ? '' : 's'}`,
      }),
    );
    const r = el('div', { className: 'tr group-row' }, label);
    r.dataset.groupValue = item.value ?? '';
    r.style.top = top;
    return r;
  }
  if (item.kind === 'loading' || (item.kind === 'row' && !item.row)) {
    const r = el(
      'div',
      { className: 'tr placeholder' },
      el('div', { className: 'cell c-check' }),
      ...state.columns.map(() =>
        el('div', { className: 'cell' }, el('span', { className: 'bar' })),
      ),
    );
    if (item.kind === 'loading') r.style.setProperty('--depth', String(item.depth));
    r.style.top = top;
    return r;
  }
  const row = item.row!;
  const depth = item.depth;
  const isSelected = state.selected.has(row.id);
  const check = el('input', { className: 'check' });
  check.type = 'checkbox';
  check.checked = isSelected;
  check.setAttribute('aria-label', `Select ${row.name}`);
  check.addEventListener('change', () => hooks.setSelected(row.id, check.checked));
  const cells: HTMLElement[] = [el('div', { className: 'cell c-check' }, check)];
  for (const col of state.columns)
    cells.push(
      col.id === NAME_COLUMN ? nameCell(state, row, depth, hooks) : valueCell(state, row, col),
    );
  const r = el(
    'div',
    {
      className: `tr run-row${isSelected ? ' selected' : ''}${depth > 0 ? ' child' : ''}${row.pinned ? ' pinned' : ''}`,
    },
    ...cells,
  );
  r.setAttribute('role', 'row');
  r.dataset.runId = row.id;
  r.style.top = top;
  r.addEventListener('dblclick', (e) => {
    if ((e.target as HTMLElement).closest('input, button')) return;
    hooks.openRun(row.id);
  });
  return r;
}
