/**
 * The column picker: a popup under the Columns button listing every attribute, metric,
 * param and tag column with a checkbox (and, for metrics, which value the column shows),
 * searchable by name. Closes on a click outside or Escape.
 */
import { el } from '../shared/dom';
import { button, icon } from './cells';
import {
  allColumnIds,
  makeColumn,
  pickerSections,
  setColumnVisible,
  defaultColumnIds,
} from './columns';
import type { MetricAggregate } from './protocol';
import type { Column, RunsTableState } from './state';

export interface ColumnPicker {
  /** The Columns button and the popup, side by side in the toolbar. */
  anchor: HTMLElement;
  readonly open: boolean;
  render(): void;
}

/** `changed` saves the view and redraws the table after a choice. */
export function columnPicker(state: RunsTableState, changed: () => void): ColumnPicker {
  const columnsButton = el(
    'button',
    { className: 'toolbar-button columns-button', title: 'Choose columns' },
    icon('columns'),
    el('span', { text: 'Columns' }),
  );
  columnsButton.type = 'button';
  const picker = el('div', { className: 'column-picker', title: '' });
  picker.hidden = true;

  const renderList = (list: HTMLElement): void => {
    const visible = new Set(state.view.columns ?? defaultColumnIds(state));
    const needle = state.pickerSearch.trim().toLowerCase();
    const keys = state.data.knownKeys;
    const parts: HTMLElement[] = [];
    for (const [title, ids] of pickerSections(state)) {
      const cols = ids
        .map((id) => makeColumn(state, id))
        .filter(
          (c): c is Column => c !== null && (!needle || c.label.toLowerCase().includes(needle)),
        );
      if (cols.length === 0) continue;
      parts.push(el('div', { className: 'picker-section', text: title }));
      for (const col of cols) {
        const box = el('input', { className: 'check' });
        box.type = 'checkbox';
        box.checked = visible.has(col.id);
        box.dataset.column = col.id;
        box.addEventListener('change', () => {
          setColumnVisible(state, col.id, box.checked);
          changed();
        });
        const item = el(
          'label',
          { className: 'picker-item', title: col.label },
          box,
          el('span', { className: 'picker-name', text: col.label }),
        );
        if (col.kind === 'metric') {
          const agg = el('select', {
            className: 'agg-select',
            title: `Which value of ${col.key} the column shows`,
          });
          agg.dataset.column = col.id;
          for (const a of ['latest', 'min', 'max'] as const) {
            const o = el('option', { text: a });
            o.value = a;
            agg.append(o);
          }
          agg.value = state.view.aggregates[col.key] ?? 'latest';
          agg.addEventListener('click', (e) => e.preventDefault());
          agg.addEventListener('change', () => {
            if (agg.value === 'latest') delete state.view.aggregates[col.key];
            else state.view.aggregates[col.key] = agg.value as MetricAggregate;
            changed();
          });
          item.append(agg);
        }
        parts.push(item);
      }
    }
    if (parts.length === 0)
      parts.push(
        el('div', {
          className: 'empty',
          text:
            keys.params.length + keys.metrics.length === 0 && !needle
              ? 'No runs loaded yet.'
              : 'No column matches.',
        }),
      );
    list.replaceChildren(...parts);
  };

  const render = (): void => {
    const search = el('input', { className: 'picker-search' });
    search.type = 'text';
    search.placeholder = 'Find a column';
    search.value = state.pickerSearch;
    search.setAttribute('aria-label', 'Find a column');
    search.addEventListener('input', () => {
      state.pickerSearch = search.value;
      renderList(list);
    });
    const list = el('div', { className: 'picker-list' });
    renderList(list);
    const reset = button('Default columns', 'link-button', () => {
      state.view.columns = null;
      changed();
    });
    const none = button('Hide all', 'link-button', () => {
      state.view.columns = [];
      changed();
    });
    const every = button('Show all', 'link-button', () => {
      state.view.columns = allColumnIds(state);
      changed();
    });
    picker.replaceChildren(
      search,
      list,
      el('div', { className: 'picker-footer' }, reset, every, none),
    );
    if (document.activeElement === document.body) search.focus();
  };

  const toggle = (open = picker.hidden): void => {
    picker.hidden = !open;
    columnsButton.classList.toggle('active', open);
    columnsButton.setAttribute('aria-expanded', String(open));
    if (open) render();
  };

  columnsButton.addEventListener('click', (e) => {
    e.stopPropagation();
    toggle();
  });
  picker.addEventListener('click', (e) => e.stopPropagation());
  document.addEventListener('click', () => {
    if (!picker.hidden) toggle(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !picker.hidden) toggle(false);
  });

  return {
    anchor: el('div', { className: 'picker-anchor' }, columnsButton, picker),
    get open() {
      return !picker.hidden;
    },
    render,
  };
}
