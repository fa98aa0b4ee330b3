/**
 * The Drift panel of two data files: the data set verdict (drifted or not, the share of
 * drifted columns against its threshold), the target and prediction with the model's
 * quality on both sides when the report has them, a sortable table of columns with a small
 * overlaid distribution each, and a detail view per column with both distributions drawn
 * by vega-lite (as shares, overlaid or side by side).
 *
 * Column names and categories come from arbitrary files: every string is set as text,
 * never as HTML. Vega draws them as SVG text; the CSP has no 'unsafe-eval', so vega runs
 * with its expression interpreter.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  binLabel,
  binShares,
  distributionSvg,
  driftNumber,
  driftReportFromWire,
  isToDriftView,
  METHOD_NAMES,
  verdictOf,
  VERDICT_TEXT,
  type ColumnDrift,
  type DriftFiles,
  type DriftReport,
  type FromDriftView,
  type PredictionQuality,
  type Side,
} from './protocol';
import { actionLink, button, el, onActivate, section, table } from '../shared/dom';
import { busyState } from '../shared/busy';
import { columnNavigation } from '../shared/column-navigation';
import { chartConfig } from '../shared/charts';
import { count, percent, seconds } from '../shared/format';
import { errorView, showLoading } from '../shared/notice';
import { pageCharts } from '../shared/vega';

declare function acquireVsCodeApi(): {
  postMessage(message: FromDriftView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

// ---- formatting ----

const num = driftNumber;

function methodName(column: ColumnDrift): string {
  return METHOD_NAMES[column.method] ?? column.method;
}

/** The rule the column's verdict follows, in words. */
function ruleText(column: ColumnDrift): string {
  return column.methodKind === 'test'
    ? `drift when p-value < ${num(column.threshold)}`
    : `drift when score ≥ ${num(column.threshold)}`;
}

function verdictChip(column: ColumnDrift): HTMLElement {
  const v = verdictOf(column);
  return el('span', {
    className: `verdict-chip ${v}`,
    text: VERDICT_TEXT[v],
    title: column.message,
  });
}

function typeBadge(column: ColumnDrift): HTMLElement {
  return el('span', { className: `type-badge type-${column.type}`, text: column.type });
}

// ---- state ----

type SortKey = 'name' | 'type' | 'method' | 'statistic' | 'pValue' | 'threshold' | 'verdict';
type Layout = 'overlay' | 'side';
const SORT_KEYS: readonly SortKey[] = [
  'name',
  'type',
  'method',
  'statistic',
  'pValue',
  'threshold',
  'verdict',
];

interface UiState {
  /** Column table order; null keeps the report's order. */
  sort: { key: SortKey; dir: 'asc' | 'desc' } | null;
  /** The column whose detail view is open. */
  column: string | null;
  /** How the detail chart draws the two distributions. */
  layout: Layout;
}

const saved = (vscode.getState() as { ui?: Partial<UiState> } | null)?.ui;
const ui: UiState = {
  sort:
    saved?.sort &&
    SORT_KEYS.includes(saved.sort.key) &&
    (saved.sort.dir === 'asc' || saved.sort.dir === 'desc')
      ? { key: saved.sort.key, dir: saved.sort.dir }
      : null,
  column: typeof saved?.column === 'string' ? saved.column : null,
  layout: saved?.layout === 'side' ? 'side' : 'overlay',
};
function saveUi(): void {
  vscode.setState({ ui });
}

let current: { files: DriftFiles; report: DriftReport } | undefined;
/** The last report message as it came, to skip redrawing an identical one. */
let lastReport = '';
const busy = busyState(root, {
  labelled: '.refresh',
  label: 'Compare again',
  busyLabel: 'Comparing…',
  disables: '.refresh',
});
const charts = pageCharts();
const finalizeCharts = (): void => charts.finalizeAll();

// ---- header ----

function sideLine(side: Side, files: DriftFiles, report: DriftReport): HTMLElement {
  const info = report[side];
  const link = actionLink(
    { className: `link open-${side}`, text: files[side].path, title: `Open ${info.source}` },
    () => vscode.postMessage({ type: 'openFile', side }),
  );
  const rows = `${count(info.rows)} rows${info.sampled !== undefined ? `, sampled to ${count(info.sampled)}` : ''}`;
  return el(
    'div',
    { className: `side-line ${side}` },
    el('span', { className: `side-swatch ${side}` }),
    el('span', { className: 'side-label', text: side === 'reference' ? 'Reference' : 'Current' }),
    link,
    el('span', { className: 'sub', text: ` · ${rows}` }),
  );
}

function header(files: DriftFiles, report: DriftReport | undefined): HTMLElement {
  const refresh = button(
    busy.label(),
    () => {
      if (!busy.busy) vscode.postMessage({ type: 'refresh' });
    },
    { class: 'refresh', ...busy.attrs() },
  );
  const title = el(
    'h1',
    { className: 'title' },
    el('span', { className: 'current-name', text: files.current.fileName }),
    el('span', { className: 'vs', text: ' vs ' }),
    el('span', { className: 'reference-name', text: files.reference.fileName }),
  );
  const lines: Node[] = [];
  if (report) {
    lines.push(sideLine('reference', files, report), sideLine('current', files, report));
    const skipped = report.columns.filter((c) => c.skipped).length;
    const facts = [
      `${count(report.dataset.columns)} column${report.dataset.columns === 1 ? '' : 's'} tested`,
    ];
    if (skipped) facts.push(`${count(skipped)} skipped`);
    if (report.options?.method)
      facts.push(
        `method ${METHOD_NAMES[report.options.method] ?? report.options.method} for every column`,
      );
    if (report.seconds !== undefined) facts.push(`compared in ${seconds(report.seconds)}`);
    lines.push(
      el(
        'div',
        { className: 'facts' },
        ...facts.map((f) => el('span', { className: 'fact', text: f })),
      ),
    );
  }
  return el(
    'header',
    {},
    el(
      'div',
      { className: 'heading' },
      el('div', { className: 'kicker', text: 'Data drift' }),
      title,
      ...lines,
    ),
    el('div', { className: 'actions' }, refresh),
  );
}

// ---- verdict ----

function verdictSection(report: DriftReport): HTMLElement {
  const d = report.dataset;
  const skipped = report.columns.filter((c) => c.skipped).length;
  const state = d.drifted ? 'drifted' : 'stable';
  const bar = el(
    'div',
    {
      className: 'share-bar',
      title: `${percent(d.share)} of tested columns drifted; the data set drifts at ${percent(d.threshold)}`,
    },
    el('span', { className: `share-fill ${state}` }),
    el('span', { className: 'share-threshold' }),
  );
  (bar.firstChild as HTMLElement).style.width = `${Math.max(0, Math.min(1, d.share)) * 100}%`;
  (bar.lastChild as HTMLElement).style.left = `${Math.max(0, Math.min(1, d.threshold)) * 100}%`;
  const explanation =
    d.columns === 0
      ? 'No column could be tested, so the data set cannot be said to drift.'
      : `${count(d.driftedColumns)} of ${count(d.columns)} tested columns drifted (${percent(d.share)}), ${d.drifted ? 'at or above' : 'below'} the threshold of ${percent(d.threshold)}.`;
  const counts = el(
    'div',
    { className: 'verdict-counts' },
    el(
      'span',
      { className: 'count drifted' },
      el('strong', { text: count(d.driftedColumns) }),
      ' drifted',
    ),
    el(
      'span',
      { className: 'count stable' },
      el('strong', { text: count(d.columns - d.driftedColumns) }),
      ' not drifted',
    ),
    el('span', { className: 'count skipped' }, el('strong', { text: count(skipped) }), ' skipped'),
  );
  return el(
    'section',
    { className: `verdict ${state}` },
    el('div', { className: 'verdict-icon', text: d.drifted ? '▲' : '✓' }),
    el(
      'div',
      { className: 'verdict-body' },
      el('div', {
        className: 'verdict-text',
        text: d.drifted ? 'Data set drift detected' : 'No data set drift',
      }),
      el('div', { className: 'verdict-detail', text: explanation }),
      el(
        'div',
        { className: 'share-row' },
        bar,
        el('span', {
          className: 'share-value',
          text: `${percent(d.share)} drifted · threshold ${percent(d.threshold)}`,
        }),
      ),
      counts,
    ),
  );
}

// ---- target and prediction ----

const QUALITY_METRICS: Record<
  PredictionQuality['kind'],
  { key: string; label: string; higherIsBetter: boolean }[]
> = {
  classification: [
    { key: 'accuracy', label: 'Accuracy', higherIsBetter: true },
    { key: 'precision', label: 'Precision (macro)', higherIsBetter: true },
    { key: 'recall', label: 'Recall (macro)', higherIsBetter: true },
    { key: 'f1', label: 'F1 (macro)', higherIsBetter: true },
  ],
  regression: [
    { key: 'mae', label: 'MAE', higherIsBetter: false },
    { key: 'rmse', label: 'RMSE', higherIsBetter: false },
    { key: 'mape', label: 'MAPE', higherIsBetter: false },
    { key: 'r2', label: 'R²', higherIsBetter: true },
  ],
};

function metricOf(q: PredictionQuality | undefined, key: string): number | null | undefined {
  return q ? (q as unknown as Record<string, number | null>)[key] : undefined;
}

function changeCell(change: number | null | undefined, higherIsBetter: boolean): HTMLElement {
  if (change === null || change === undefined || !Number.isFinite(change))
    return el('span', { className: 'change none', text: '–' });
  const better = change === 0 ? 'same' : change > 0 === higherIsBetter ? 'better' : 'worse';
  const sign = change > 0 ? '+' : change < 0 ? '−' : '±';
  return el('span', { className: `change ${better}`, text: `${sign}${num(Math.abs(change))}` });
}

function columnRef(
  label: string,
  name: string | undefined,
  drift: ColumnDrift | undefined,
): HTMLElement[] {
  if (name === undefined) return [];
  const found = drift ?? current?.report.columns.find((c) => c.name === name);
  const dd = el('dd', { className: `target-${label.toLowerCase()}` }, columnLink(name));
  if (found) {
    dd.append(
      ' ',
      verdictChip(found),
      el('span', {
        className: 'sub',
        text: found.skipped
          ? ` ${found.message}`
          : `  ${methodName(found)} · ${found.methodKind === 'test' ? `p-value ${num(found.pValue)}` : `score ${num(found.statistic)}`}`,
      }),
    );
  }
  return [el('dt', { text: label }), dd];
}

function targetSection(report: DriftReport): HTMLElement | undefined {
  const t = report.target;
  if (!t || (t.target === undefined && t.prediction === undefined)) return undefined;
  const dl = el(
    'dl',
    { className: 'target-facts' },
    ...columnRef('Target', t.target, t.targetDrift),
    ...columnRef('Prediction', t.prediction, t.predictionDrift),
  );
  const content: Node[] = [dl];
  const kind = t.referenceQuality?.kind ?? t.currentQuality?.kind;
  if (kind) {
    const metrics = QUALITY_METRICS[kind];
    const rows = metrics.map((m) => {
      const ref = metricOf(t.referenceQuality, m.key);
      const cur = metricOf(t.currentQuality, m.key);
      const change =
        t.change?.[m.key] ??
        (typeof ref === 'number' && typeof cur === 'number' ? cur - ref : null);
      return [m.label, num(ref), num(cur), changeCell(change, m.higherIsBetter)];
    });
    rows.push([
      'Rows with both',
      t.referenceQuality ? count(t.referenceQuality.rows) : '–',
      t.currentQuality ? count(t.currentQuality.rows) : '–',
      el('span', { className: 'change none', text: '' }),
    ]);
    content.push(
      el('h3', { text: `Model quality (${kind})` }),
      table(['metric', 'reference', 'current', 'change'], rows, 'quality-table'),
    );
  } else {
    content.push(
      el('p', {
        className: 'empty',
        text: 'Model quality needs both the target and the prediction column on a side.',
      }),
    );
  }
  return section('Target and prediction', 'target-section', ...content);
}

// ---- columns table ----

const HEADERS: { key: SortKey | null; label: string; className: string; title?: string }[] = [
  { key: 'name', label: 'Column', className: 'col-name' },
  { key: 'type', label: 'Type', className: 'col-type' },
  { key: 'method', label: 'Method', className: 'col-method' },
  {
    key: 'statistic',
    label: 'Statistic',
    className: 'col-statistic num',
    title: 'The test statistic, or the distance',
  },
  {
    key: 'pValue',
    label: 'p-value',
    className: 'col-pvalue num',
    title: 'Tests only; distances have none',
  },
  {
    key: 'threshold',
    label: 'Threshold',
    className: 'col-threshold num',
    title: 'p-value bound for tests, score bound for distances',
  },
  { key: 'verdict', label: 'Drift', className: 'col-verdict' },
  {
    key: null,
    label: 'Distribution',
    className: 'col-dist',
    title: 'Reference (grey) and current (blue), as shares of each side',
  },
];

const VERDICT_RANK = { drifted: 0, stable: 1, skipped: 2 } as const;

function sortValue(c: ColumnDrift, key: SortKey): string | number | null {
  switch (key) {
    case 'name':
      return c.name;
    case 'type':
      return c.type;
    case 'method':
      return c.skipped ? null : methodName(c);
    case 'statistic':
      return c.skipped ? null : c.statistic;
    case 'pValue':
      return c.skipped ? null : c.pValue;
    case 'threshold':
      return c.skipped ? null : c.threshold;
    case 'verdict':
      return VERDICT_RANK[verdictOf(c)];
  }
}

function sorted(columns: readonly ColumnDrift[]): ColumnDrift[] {
  const sort = ui.sort;
  if (!sort) return [...columns];
  const factor = sort.dir === 'asc' ? 1 : -1;
  return columns
    .map((c, i) => ({ c, i }))
    .sort((a, b) => {
      const va = sortValue(a.c, sort.key);
      const vb = sortValue(b.c, sort.key);
      // Missing values last in both directions; ties keep the report's order.
      if (va === null || vb === null) return va === vb ? a.i - b.i : va === null ? 1 : -1;
      const cmp =
        typeof va === 'string' && typeof vb === 'string'
          ? va.localeCompare(vb, undefined, { numeric: true, sensitivity: 'base' })
          : (va as number) - (vb as number);
      return cmp !== 0 ? cmp * factor : a.i - b.i;
    })
    .map((x) => x.c);
}

function columnRow(c: ColumnDrift): HTMLElement {
  const row = el('tr', {
    className: `column-row ${verdictOf(c)}`,
    title: `Show the distributions of ${c.name}`,
  });
  row.dataset.column = c.name;
  row.tabIndex = 0;
  const name = el(
    'td',
    { className: 'col-name' },
    el('span', { className: 'column-name', text: c.name }),
  );
  const cells: HTMLElement[] = [name, el('td', { className: 'col-type' }, typeBadge(c))];
  if (c.skipped) {
    cells.push(el('td', { className: 'col-method empty', text: '–' }));
    const message = el('td', {
      className: 'col-skip skip-message',
      text: c.message,
      title: c.reason,
    });
    message.colSpan = 3;
    cells.push(message);
  } else {
    cells.push(
      el('td', { className: 'col-method', text: methodName(c), title: c.reason }),
      el('td', { className: 'col-statistic num', text: num(c.statistic) }),
      el('td', { className: 'col-pvalue num', text: num(c.pValue) }),
      el('td', {
        className: 'col-threshold num',
        text: `${c.methodKind === 'test' ? 'p < ' : '≥ '}${num(c.threshold)}`,
        title: ruleText(c),
      }),
    );
  }
  cells.push(el('td', { className: 'col-verdict' }, verdictChip(c)));
  cells.push(
    el(
      'td',
      { className: 'col-dist' },
      c.bins.length
        ? distributionSvg(c, 120, 26, 'dp')
        : el('span', { className: 'empty', text: 'no values' }),
    ),
  );
  row.append(...cells);
  onActivate(row, () => openColumn(c.name));
  return row;
}

function columnsSection(report: DriftReport): HTMLElement {
  const body = el('tbody');
  const heads = HEADERS.map((h) => {
    const th = el('th', { className: h.className, title: h.title });
    if (!h.key) {
      th.textContent = h.label;
      return th;
    }
    const key = h.key;
    const active = ui.sort?.key === key;
    th.setAttribute(
      'aria-sort',
      active ? (ui.sort!.dir === 'asc' ? 'ascending' : 'descending') : 'none',
    );
    const b = el(
      'button',
      { className: `sort${active ? ' active' : ''}`, title: `Sort by ${h.label.toLowerCase()}` },
      el('span', { text: h.label }),
      el('span', {
        className: 'sort-arrow',
        text: active ? (ui.sort!.dir === 'asc' ? '▲' : '▼') : '',
      }),
    );
    b.type = 'button';
    b.dataset.sort = key;
    b.addEventListener('click', () => {
      ui.sort =
        ui.sort?.key === key
          ? { key, dir: ui.sort.dir === 'asc' ? 'desc' : 'asc' }
          : { key, dir: 'asc' };
      saveUi();
      const scrollY = window.scrollY;
      const fresh = columnsSection(report);
      root.querySelector('.columns-section')?.replaceWith(fresh);
      fresh
        .querySelector<HTMLButtonElement>(`button.sort[data-sort="${key}"]`)
        ?.focus({ preventScroll: true });
      window.scrollTo(0, scrollY);
    });
    th.append(b);
    return th;
  });
  body.append(...sorted(report.columns).map(columnRow));
  const legend = el(
    'p',
    { className: 'legend' },
    el('span', { className: 'side-swatch reference' }),
    ' reference ',
    el('span', { className: 'side-swatch current' }),
    ' current · shares of each side’s values; click a column for its distributions',
  );
  return section(
    `Columns (${count(report.columns.length)})`,
    'columns-section',
    report.columns.length
      ? el(
          'div',
          { className: 'table-wrap' },
          el(
            'table',
            { className: 'grid columns-table' },
            el('thead', {}, el('tr', {}, ...heads)),
            body,
          ),
        )
      : el('p', { className: 'empty', text: 'The files have no columns to compare.' }),
    legend,
  );
}

function renderOverview(): void {
  if (!current) return;
  const { files, report } = current;
  finalizeCharts();
  const parts: HTMLElement[] = [header(files, report), verdictSection(report)];
  const target = targetSection(report);
  if (target) parts.push(target);
  parts.push(columnsSection(report));
  root.replaceChildren(...parts);
  document.title = `Drift: ${files.current.fileName} vs ${files.reference.fileName}`;
}

/** A column's name that opens its detail view (plain text when there is no such column). */
function columnLink(name: string): HTMLElement {
  if (!current?.report.columns.some((c) => c.name === name))
    return el('span', { className: 'column-name', text: name });
  return actionLink(
    { className: 'link column-link column-name', text: name, title: `Show column ${name}` },
    () => openColumn(name),
  );
}

// ---- column detail ----

const SIDE_COLORS = { domain: ['reference', 'current'], range: ['#8b8b8b', '#3794ff'] };

/** Both sides' distributions as shares, one bar per bin and side. */
function distributionSpec(column: ColumnDrift, layout: Layout): Record<string, unknown> {
  const numeric = column.type === 'numeric' && column.bins.every((b) => b.category === undefined);
  const shares = binShares(column.bins);
  // Labels are made unique (two categories may read the same once shown), in the report's order.
  const seen = new Map<string, number>();
  const labels = column.bins.map((b) => {
    let label = binLabel(b, (n) => num(n));
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    if (n > 1) label = `${label} (${n})`;
    return label;
  });
  const values = column.bins.flatMap((b, i) =>
    (['reference', 'current'] as const).map((side) => ({
      label: labels[i],
      start: b.start ?? null,
      end: b.end ?? null,
      side,
      share: shares[i][side],
      count: b[side],
    })),
  );
  const tooltip = [
    { field: 'label', type: 'nominal', title: numeric ? 'bin' : 'category' },
    { field: 'side', type: 'nominal', title: 'side' },
    { field: 'share', type: 'quantitative', title: 'share', format: '.1%' },
    { field: 'count', type: 'quantitative', title: 'values', format: ',' },
  ];
  const y = {
    field: 'share',
    type: 'quantitative',
    title: 'share of values',
    stack: null,
    axis: { format: '.0%', tickCount: 6 },
  };
  const color = { field: 'side', type: 'nominal', scale: SIDE_COLORS, sort: SIDE_COLORS.domain };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 260,
    background: 'transparent',
    padding: 5,
    data: { values },
    config: chartConfig(),
  };
  if (numeric && layout === 'overlay') {
    return {
      ...base,
      mark: { type: 'bar', tooltip: true, binSpacing: 1, opacity: 0.6 },
      encoding: {
        x: {
          field: 'start',
          type: 'quantitative',
          bin: { binned: true },
          title: column.name,
          scale: { zero: false, nice: false },
          axis: { format: '~s', tickCount: 10, labelFlush: true },
        },
        x2: { field: 'end' },
        y,
        color,
        order: { field: 'side', sort: 'descending' },
        tooltip,
      },
    };
  }
  const x = {
    field: 'label',
    type: 'nominal',
    sort: labels,
    title: numeric ? column.name : null,
    axis: {
      labelAngle: numeric || labels.length > 8 ? -40 : 0,
      labelLimit: 160,
      labelOverlap: false,
    },
  };
  if (layout === 'side') {
    return {
      ...base,
      mark: { type: 'bar', tooltip: true, cornerRadiusEnd: 1 },
      encoding: { x, xOffset: { field: 'side', sort: SIDE_COLORS.domain }, y, color, tooltip },
    };
  }
  return {
    ...base,
    mark: { type: 'bar', tooltip: true, opacity: 0.6 },
    encoding: { x, y, color, tooltip },
  };
}

function layoutToggle(column: ColumnDrift, chart: HTMLElement): HTMLElement {
  const group = el('div', {
    className: 'layout-toggle',
    title: 'How to draw the two distributions',
  });
  group.setAttribute('role', 'radiogroup');
  const options: [Layout, string][] = [
    ['overlay', 'Overlaid'],
    ['side', 'Side by side'],
  ];
  const buttons = options.map(([layout, label]) => {
    const b = el('button', {
      className: `layout layout-${layout}${ui.layout === layout ? ' active' : ''}`,
      text: label,
    });
    b.type = 'button';
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', String(ui.layout === layout));
    b.addEventListener('click', () => {
      if (ui.layout === layout) return;
      ui.layout = layout;
      saveUi();
      for (const other of buttons) {
        const on = other === b;
        other.classList.toggle('active', on);
        other.setAttribute('aria-checked', String(on));
      }
      finalizeCharts();
      chart.replaceChildren();
      void charts.draw(chart, distributionSpec(column, layout));
    });
    return b;
  });
  group.append(...buttons);
  return group;
}

function detailView(files: DriftFiles, column: ColumnDrift): HTMLElement[] {
  const back = button('← All columns', () => closeColumn(), { secondary: '', class: 'back' });
  const head = el(
    'header',
    { className: 'detail-header' },
    el(
      'div',
      { className: 'heading' },
      el(
        'div',
        { className: 'kicker' },
        'Data drift · ',
        el('span', {
          className: 'kicker-file',
          text: `${files.current.fileName} vs ${files.reference.fileName}`,
        }),
      ),
      el(
        'h1',
        {},
        el('span', { className: 'column-title', text: column.name }),
        ' ',
        typeBadge(column),
        ' ',
        verdictChip(column),
      ),
    ),
    el('div', { className: 'actions' }, back),
  );

  const v = verdictOf(column);
  const message = el('p', { className: `column-message ${v}`, text: column.message });
  const facts: [string, string][] = column.skipped
    ? [
        ['Skipped', column.skipped.replace(/-/g, ' ')],
        ['Why', column.reason],
      ]
    : [
        [
          'Method',
          `${methodName(column)} (${column.methodKind === 'test' ? 'statistical test' : 'distance'})`,
        ],
        ['Why this method', column.reason],
        [column.methodKind === 'test' ? 'Statistic' : 'Score', num(column.statistic)],
        ['p-value', column.methodKind === 'test' ? num(column.pValue) : '– (a distance has none)'],
        ['Threshold', `${num(column.threshold)}: ${ruleText(column)}`],
      ];
  const dl = el('dl', { className: 'column-facts' });
  for (const [term, value] of facts) dl.append(el('dt', { text: term }), el('dd', { text: value }));
  const sides = table(
    ['', 'values', 'missing'],
    [
      ['Reference', count(column.referenceCount), count(column.referenceMissing)],
      ['Current', count(column.currentCount), count(column.currentMissing)],
    ],
    'side-counts',
  );

  const parts: HTMLElement[] = [
    head,
    section(
      'Verdict',
      'column-verdict',
      message,
      el('div', { className: 'pair' }, dl, el('div', {}, el('h3', { text: 'Values used' }), sides)),
    ),
  ];

  const chart = el('div', { className: 'chart-body detail-chart' });
  if (column.bins.length === 0) {
    parts.push(
      section(
        'Distributions',
        'column-distribution',
        el('p', {
          className: 'empty',
          text: 'No distribution to show: the column has no values on either side, or was not binned.',
        }),
      ),
    );
    return parts;
  }
  const shares = binShares(column.bins);
  const bins = table(
    [
      column.type === 'numeric' ? 'bin' : 'category',
      'reference',
      'current',
      'reference share',
      'current share',
    ],
    column.bins.map((b, i) => [
      binLabel(b, (n) => num(n)),
      count(b.reference),
      count(b.current),
      percent(shares[i].reference),
      percent(shares[i].current),
    ]),
    'bins-table',
  );
  const figure = el(
    'figure',
    { className: 'chart' },
    el(
      'figcaption',
      {},
      el('span', { text: 'Reference and current, as shares of each side’s values' }),
      layoutToggle(column, chart),
    ),
    chart,
  );
  queueMicrotask(() => void charts.draw(chart, distributionSpec(column, ui.layout)));
  parts.push(
    section(
      'Distributions',
      'column-distribution',
      figure,
      el('h3', { text: `Bins (${count(column.bins.length)})` }),
      bins,
    ),
  );
  return parts;
}

function renderColumn(name: string): boolean {
  const column = current?.report.columns.find((c) => c.name === name);
  if (!current || !column) return false;
  finalizeCharts();
  root.replaceChildren(...detailView(current.files, column));
  document.title = `Drift: ${current.files.current.fileName} · ${name}`;
  return true;
}

const navigation = columnNavigation({
  ui,
  saveUi,
  hasContent: () => current !== undefined,
  renderOverview,
  renderColumn,
});
const openColumn = (name: string): void => navigation.open(name);
const closeColumn = (): void => navigation.close();
const render = (): void => navigation.render();

function showError(files: DriftFiles, message: string): void {
  finalizeCharts();
  current = undefined;
  root.replaceChildren(
    header(files, undefined),
    errorView('Cannot compare these files', message, 'h2'),
  );
  document.title = `Drift: ${files.current.fileName} vs ${files.reference.fileName}`;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToDriftView(message)) return;
  switch (message.type) {
    case 'report':
      {
        const text = JSON.stringify({ files: message.files, report: message.report });
        if (current && text === lastReport) return;
        lastReport = text;
      }
      current = { files: message.files, report: driftReportFromWire(message.report) };
      render();
      return;
    case 'busy':
      busy.set(message.busy);
      return;
    case 'error':
      showError(message.files, message.message);
      return;
    case 'showColumn':
      if (current?.report.columns.some((c) => c.name === message.column))
        openColumn(message.column);
      return;
  }
});

saveUi();
showLoading(root, 'Loading the drift report…');
vscode.postMessage({ type: 'ready' });
