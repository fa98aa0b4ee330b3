/**
 * The runs table's columns: the run's attributes, then one per param, metric and tag key the
 * runs have. A column's id (`param:lr`) is what the view saves; its sort key is the runs
 * search language's name for it, so sorting is the host's order-by.
 */
import { searchKey } from './protocol';
import type { Column, ColumnKind, RunsTableState } from './state';

const DEFAULT_PARAM_COLUMNS = 12;
const DEFAULT_METRIC_COLUMNS = 12;

const ATTRIBUTE_COLUMNS: { key: string; label: string; sortKey: string | null; width: number }[] = [
  { key: 'status', label: 'Status', sortKey: 'attributes.status', width: 96 },
  { key: 'started', label: 'Started', sortKey: 'attributes.start_time', width: 150 },
  { key: 'duration', label: 'Duration', sortKey: 'attributes.duration', width: 80 },
  { key: 'experiment', label: 'Experiment', sortKey: 'attributes.experiment', width: 140 },
];
const KIND_PREFIX: Record<ColumnKind, string> = {
  attr: 'attr:',
  param: 'param:',
  metric: 'metric:',
  tag: 'tag:',
};
export const NAME_COLUMN = 'attr:name';

function columnId(kind: ColumnKind, key: string): string {
  return KIND_PREFIX[kind] + key;
}

function parseColumnId(id: string): { kind: ColumnKind; key: string } | null {
  for (const kind of Object.keys(KIND_PREFIX) as ColumnKind[]) {
    if (id.startsWith(KIND_PREFIX[kind])) return { kind, key: id.slice(KIND_PREFIX[kind].length) };
  }
  return null;
}

export function makeColumn(state: RunsTableState, id: string): Column | null {
  const parsed = parseColumnId(id);
  if (!parsed) return null;
  const { kind, key } = parsed;
  const width = (w: number) => state.view.widths[id] ?? w;
  if (kind === 'attr') {
    if (key === 'name')
      return {
        id,
        kind,
        key,
        label: 'Run',
        sortKey: 'attributes.run_name',
        width: width(240),
        numeric: false,
      };
    const a = ATTRIBUTE_COLUMNS.find((c) => c.key === key);
    return a
      ? {
          id,
          kind,
          key,
          label: a.label,
          sortKey: a.sortKey,
          width: width(a.width),
          numeric: key === 'duration',
        }
      : null;
  }
  // Wide enough for the key (and the sort arrow), within reason.
  const fit = (min: number) => width(Math.max(min, Math.min(220, 44 + key.length * 7.5)));
  if (kind === 'param')
    return {
      id,
      kind,
      key,
      label: key,
      sortKey: searchKey('params', key),
      width: fit(84),
      numeric: false,
    };
  if (kind === 'tag')
    return {
      id,
      kind,
      key,
      label: key,
      sortKey: searchKey('tags', key),
      width: fit(100),
      numeric: false,
    };
  return {
    id,
    kind,
    key,
    label: key,
    sortKey: searchKey('metrics', key),
    width: fit(96),
    numeric: true,
  };
}

/** The experiment column only where the runs come from more than one. */
function attributeIds(state: RunsTableState): string[] {
  return ATTRIBUTE_COLUMNS.filter((a) => a.key !== 'experiment' || state.multipleExperiments).map(
    (a) => columnId('attr', a.key),
  );
}

/** Every column the picker offers, in display order. */
export function allColumnIds(state: RunsTableState): string[] {
  const keys = state.data.knownKeys;
  return [
    ...attributeIds(state),
    ...keys.params.map((k) => columnId('param', k)),
    ...keys.metrics.map((k) => columnId('metric', k)),
    ...keys.tags.map((k) => columnId('tag', k)),
  ];
}

export function defaultColumnIds(state: RunsTableState): string[] {
  const keys = state.data.knownKeys;
  return [
    ...attributeIds(state),
    ...keys.params.slice(0, DEFAULT_PARAM_COLUMNS).map((k) => columnId('param', k)),
    ...keys.metrics.slice(0, DEFAULT_METRIC_COLUMNS).map((k) => columnId('metric', k)),
  ];
}

/** The columns shown: the name first, then the chosen ones in the picker's order. */
export function visibleColumns(state: RunsTableState): Column[] {
  const chosen = state.view.columns ?? defaultColumnIds(state);
  const chosenSet = new Set(chosen);
  const ordered = allColumnIds(state).filter((id) => chosenSet.has(id));
  // Chosen keys no run in the current result has still show (empty), after the others.
  for (const id of chosen) if (!ordered.includes(id)) ordered.push(id);
  return [NAME_COLUMN, ...ordered.filter((id) => id !== NAME_COLUMN)]
    .map((id) => makeColumn(state, id))
    .filter((c): c is Column => c !== null);
}

/** Shows or hides a column, keeping the others as they are (the defaults, until the user chose). */
export function setColumnVisible(state: RunsTableState, id: string, visible: boolean): void {
  const current = new Set(state.view.columns ?? defaultColumnIds(state));
  if (visible) current.add(id);
  else current.delete(id);
  state.view.columns = [...current];
}

/** The column picker's sections, in the picker's order. */
export function pickerSections(state: RunsTableState): [string, string[]][] {
  const keys = state.data.knownKeys;
  return [
    ['Attributes', attributeIds(state)],
    ['Metrics', keys.metrics.map((k) => columnId('metric', k))],
    ['Parameters', keys.params.map((k) => columnId('param', k))],
    ['Tags', keys.tags.map((k) => columnId('tag', k))],
  ];
}
