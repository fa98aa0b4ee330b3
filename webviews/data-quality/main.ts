/**
 * The Data Quality panel of one data file: the overall score and each quality dimension
 * with how it was computed, the data-set-level findings, the issues (filterable by
 * severity), a grid with a card and a small chart per column, and a detail view per column.
 *
 * Column names and values come from arbitrary files: every string is set as text, never as
 * HTML. Vega draws values as SVG text; the CSP has no 'unsafe-eval', so vega runs with its
 * expression interpreter.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import {
  isToDataQualityView,
  SEVERITIES,
  type ColumnProfile,
  type DatasetProfile,
  type FromDataQualityView,
  type QualityIssue,
  type RuleResult,
  type Severity,
  type ValidationResult,
} from './protocol';
import { actionLink, button, el, onActivate, section, table } from '../shared/dom';
import { busyState } from '../shared/busy';
import { columnNavigation } from '../shared/column-navigation';
import {
  bytes,
  count,
  percent,
  scoreGrade as grade,
  seconds,
  stat,
  valueText,
} from '../shared/format';
import { errorView, showLoading } from '../shared/notice';
import { pageCharts } from '../shared/vega';

declare function acquireVsCodeApi(): {
  postMessage(message: FromDataQualityView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

// ---- formatting ----

function scoreText(score: number): string {
  return String(Math.round(score * 100));
}

const SEVERITY_ICON: Record<Severity, string> = { error: '✖', warning: '▲', info: 'ℹ' };
const SEVERITY_LABEL: Record<Severity, string> = {
  error: 'Errors',
  warning: 'Warnings',
  info: 'Info',
};
const DIMENSIONS = ['completeness', 'uniqueness', 'validity', 'consistency', 'timeliness'] as const;
const DIMENSION_HELP: Record<(typeof DIMENSIONS)[number], string> = {
  completeness: 'Share of cells that are not missing.',
  uniqueness: 'Share of rows that are not duplicates of an earlier row.',
  validity: 'Share of values within the inferred types and ranges.',
  consistency: 'Columns hold one kind of value; identical rows agree on their label.',
  timeliness: 'Age of the newest timestamp against the configured freshness.',
};

// ---- state ----

interface UiState {
  /** Severities shown in the issues list. */
  severities: Severity[];
  /** The column whose detail view is open. */
  column: string | null;
}

const saved = (vscode.getState() as { ui?: Partial<UiState> } | null)?.ui;
const ui: UiState = {
  severities: Array.isArray(saved?.severities)
    ? SEVERITIES.filter((s) => saved.severities!.includes(s))
    : [...SEVERITIES],
  column: typeof saved?.column === 'string' ? saved.column : null,
};
function saveUi(): void {
  vscode.setState({ ui });
}

let current: { fileName: string; path: string; profile: DatasetProfile; live: boolean } | undefined;
const busy = busyState(root, {
  labelled: '.refresh',
  label: 'Profile again',
  busyLabel: 'Profiling…',
  disables: '.refresh, .validate',
});
const charts = pageCharts();
let observer: IntersectionObserver | undefined;

function finalizeCharts(): void {
  observer?.disconnect();
  observer = undefined;
  charts.finalizeAll();
}

// ---- charts ----

const CHART_CONFIG = {
  axis: {
    labelColor: '#9d9d9d',
    titleColor: '#9d9d9d',
    gridColor: 'rgba(128,128,128,0.2)',
    domainColor: '#888',
    tickColor: '#888',
    titleFontWeight: 'normal',
    labelFontSize: 10,
  },
  view: { stroke: 'transparent' },
};

/** Datetime histograms are in epoch milliseconds. */
function isTemporal(column: ColumnProfile): boolean {
  return column.type === 'datetime';
}

function histogramSpec(column: ColumnProfile, large: boolean): Record<string, unknown> {
  const temporal = isTemporal(column);
  const values = (column.histogram ?? []).map((b) => ({
    start: b.start,
    end: b.end,
    count: b.count,
  }));
  const fmt = temporal ? undefined : '~s';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: large ? 240 : 64,
    background: 'transparent',
    padding: large ? 5 : { left: 2, right: 2, top: 2, bottom: 0 },
    data: { values },
    mark: { type: 'bar', tooltip: true, color: '#3794ff', binSpacing: 1 },
    encoding: {
      x: {
        field: 'start',
        type: temporal ? 'temporal' : 'quantitative',
        bin: { binned: true },
        title: large ? column.name : null,
        scale: { zero: false, nice: false },
        axis: large
          ? { labelFlush: true, format: fmt, tickCount: 10 }
          : {
              labelFlush: true,
              tickCount: 3,
              format: fmt,
              title: null,
              grid: false,
              labelOverlap: true,
            },
      },
      x2: { field: 'end' },
      y: {
        field: 'count',
        type: 'quantitative',
        title: large ? 'rows' : null,
        axis: large ? { format: ',d', tickMinStep: 1 } : null,
      },
      tooltip: [
        {
          field: 'start',
          type: temporal ? 'temporal' : 'quantitative',
          title: 'from',
          ...(temporal ? {} : { format: ',.4~g' }),
        },
        {
          field: 'end',
          type: temporal ? 'temporal' : 'quantitative',
          title: 'to',
          ...(temporal ? {} : { format: ',.4~g' }),
        },
        { field: 'count', type: 'quantitative', title: 'rows', format: ',' },
      ],
    },
    config: CHART_CONFIG,
  };
}

function topValuesSpec(column: ColumnProfile, large: boolean): Record<string, unknown> {
  const top = column.top.slice(0, large ? 20 : 5);
  // One bar per value: texts that coincide (true and "true") get a suffix rather than merge.
  const seen = new Map<string, number>();
  const values = top.map((t) => {
    let label = valueText(t.value);
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    if (n > 1) label = `${label} (${n})`;
    return { label, count: t.count, share: column.count ? t.count / column.count : 0 };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: { step: large ? 18 : 11 },
    background: 'transparent',
    padding: large ? 5 : { left: 2, right: 2, top: 2, bottom: 2 },
    data: { values },
    mark: { type: 'bar', tooltip: true, color: '#b180d7', cornerRadiusEnd: 2 },
    encoding: {
      y: {
        field: 'label',
        type: 'nominal',
        sort: null,
        title: null,
        axis: {
          labelLimit: large ? 240 : 90,
          labelFontSize: large ? 11 : 9,
          ticks: false,
          domain: false,
          labelPadding: 3,
        },
      },
      x: {
        field: 'count',
        type: 'quantitative',
        title: large ? 'rows' : null,
        axis: large ? { format: ',d', tickCount: 6, tickMinStep: 1 } : null,
      },
      tooltip: [
        { field: 'label', type: 'nominal', title: 'value' },
        { field: 'count', type: 'quantitative', title: 'rows', format: ',' },
        { field: 'share', type: 'quantitative', title: 'share of non-missing', format: '.1%' },
      ],
    },
    config: CHART_CONFIG,
  };
}

function chartSpec(column: ColumnProfile, large: boolean): Record<string, unknown> | undefined {
  if (column.histogram && column.histogram.length > 0) return histogramSpec(column, large);
  if (column.top.length > 0) return topValuesSpec(column, large);
  return undefined;
}

/** Draws a card's chart when it scrolls into view: wide files have hundreds of columns. */
function drawWhenVisible(target: HTMLElement, spec: Record<string, unknown>): void {
  if (typeof IntersectionObserver === 'undefined') {
    queueMicrotask(() => void charts.draw(target, spec));
    return;
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer?.unobserve(entry.target);
        const pending = specs.get(entry.target);
        specs.delete(entry.target);
        if (pending) void charts.draw(entry.target as HTMLElement, pending);
      }
    },
    { rootMargin: '300px 0px' },
  );
  specs.set(target, spec);
  observer.observe(target);
}
const specs = new WeakMap<Element, Record<string, unknown>>();

// ---- overview ----

function header(
  fileName: string,
  filePath: string,
  profile: DatasetProfile,
  live: boolean,
): HTMLElement {
  const facts = [`${count(profile.rows)} rows × ${count(profile.columns.length)} columns`];
  if (profile.sizeBytes !== undefined) facts.push(bytes(profile.sizeBytes));
  if (profile.seconds !== undefined) facts.push(`profiled in ${seconds(profile.seconds)}`);
  const refresh = button(
    busy.label(),
    () => {
      if (busy.busy) return;
      vscode.postMessage({ type: 'refresh' });
    },
    { secondary: '', class: 'refresh', ...busy.attrs() },
  );
  const validate = button(
    'Validate Against Suite…',
    () => {
      if (busy.busy) return;
      vscode.postMessage({ type: 'validate' });
    },
    { class: 'validate', ...busy.attrs() },
  );
  // A logged data set version is shown as recorded: there is no file to profile again.
  const actions = live
    ? [
        validate,
        refresh,
        button('Open File', () => vscode.postMessage({ type: 'openFile' }), {
          secondary: '',
          class: 'open-file',
        }),
      ]
    : [];
  return el(
    'header',
    {},
    el(
      'div',
      {},
      el('div', { className: 'kicker', text: 'Data quality' }),
      el('h1', { className: 'file-name', text: fileName }),
      el(
        'div',
        { className: 'facts' },
        ...facts.map((f) => el('span', { className: 'fact', text: f })),
      ),
      el('div', { className: 'sub source', text: profile.source ?? filePath }),
    ),
    el('div', { className: 'actions' }, ...actions),
  );
}

// ---- validation against a suite ----

function ruleTarget(result: RuleResult): string {
  const column = (result.rule as { column?: unknown }).column;
  return typeof column === 'string' ? column : '(data set)';
}

function examplesText(result: RuleResult): string {
  if (result.examples.length === 0) return '';
  const shown = result.examples
    .slice(0, 5)
    .map(
      (e) =>
        `row ${e.row}: ${e.value === null || e.value === undefined ? '(missing)' : valueText(typeof e.value === 'object' ? JSON.stringify(e.value) : (e.value as string | number | boolean))}`,
    );
  return (
    shown.join(' · ') +
    (result.examples.length > 5 ? ` · … ${result.examples.length - 5} more` : '')
  );
}

function validationSection(validation: ValidationResult): HTMLElement {
  const failed = validation.rules.filter((r) => !r.passed);
  // Failing rules first: they are what the user came to see.
  const ordered = [...failed, ...validation.rules.filter((r) => r.passed)];
  const verdict = el('p', {
    className: `verdict ${validation.passed ? 'passed' : 'failed'}`,
    text: validation.passed
      ? `Suite "${validation.suite}": all ${validation.rules.length} rules pass on ${count(validation.rows)} rows.`
      : `Suite "${validation.suite}": ${failed.length} of ${validation.rules.length} rules fail on ${count(validation.rows)} rows.`,
  });
  const rows = ordered.map((r) => [
    el('span', {
      className: `rule-status ${r.passed ? 'pass' : 'fail'}`,
      text: r.passed ? '✔ pass' : '✖ fail',
    }),
    r.rule.kind,
    ruleTarget(r),
    r.message,
    r.unexpectedCount > 0 ? `${count(r.unexpectedCount)} (${percent(r.unexpectedShare)})` : '0',
    el('span', { className: 'examples', text: examplesText(r) }),
  ]);
  return section(
    'Validation',
    'validation-section',
    verdict,
    table(
      ['', 'Rule', 'Column', 'Result', 'Unexpected', 'Examples (row: value)'],
      rows,
      'rules',
      'The suite has no rules.',
    ),
  );
}

function scoreSection(profile: DatasetProfile): HTMLElement {
  const q = profile.quality;
  const big = el(
    'div',
    { className: `score-big ${grade(q.score)}` },
    el('span', { className: 'score-value', text: scoreText(q.score) }),
    el('span', { className: 'score-scale', text: '/100' }),
  );
  const summary = el(
    'div',
    { className: 'score-summary' },
    big,
    el('div', {
      className: 'score-caption',
      text: 'Overall quality: the weighted mean of the dimensions',
    }),
  );
  const rows = DIMENSIONS.map((name) => {
    const dim = q.dimensions?.[name];
    const score = name === 'timeliness' ? q.timeliness : q[name];
    const row = el('div', { className: `dimension dimension-${name}` });
    const label = el('div', {
      className: 'dimension-name',
      text: name[0].toUpperCase() + name.slice(1),
    });
    if (score === null) {
      row.classList.add('not-measured');
      row.append(
        label,
        el('div', { className: 'bar' }),
        el('div', { className: 'dimension-score', text: 'n/a' }),
        el('div', {
          className: 'dimension-explanation',
          text:
            dim?.explanation ?? 'Not measured: no timestamp column and freshness were configured.',
        }),
      );
      return row;
    }
    const fill = el('div', { className: `bar-fill ${grade(score)}` });
    fill.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
    const weight = dim ? ` · weight ${stat(dim.weight)}` : '';
    row.append(
      label,
      el('div', { className: 'bar', title: `${percent(score, 2)}${weight}` }, fill),
      el('div', { className: `dimension-score ${grade(score)}`, text: scoreText(score) }),
      el(
        'div',
        { className: 'dimension-explanation' },
        el('span', { text: dim?.explanation ?? DIMENSION_HELP[name] }),
        dim ? el('span', { className: 'weight', text: weight }) : '',
      ),
    );
    return row;
  });
  return section(
    'Quality score',
    'score-section',
    el(
      'div',
      { className: 'score-layout' },
      summary,
      el('div', { className: 'dimensions' }, ...rows),
    ),
  );
}

function datasetSection(profile: DatasetProfile): HTMLElement {
  const dl = el('dl', { className: 'dataset-facts' });
  const row = (term: string, className: string, ...value: (Node | string)[]) =>
    dl.append(el('dt', { text: term }), el('dd', { className }, ...value));
  const share = (n: number) => (profile.rows > 0 && n > 0 ? ` (${percent(n / profile.rows)})` : '');
  row(
    'Duplicate rows',
    'duplicate-rows',
    `${count(profile.duplicateRows)}${share(profile.duplicateRows)}`,
  );
  if (profile.emptyRows !== undefined)
    row('Empty rows', 'empty-rows', `${count(profile.emptyRows)}${share(profile.emptyRows)}`);
  if (profile.label)
    row(
      'Conflicting labels',
      'conflicting-labels',
      columnLink(profile.label.column),
      ` · ${count(profile.label.conflictingRows)} rows with identical features and different labels${share(profile.label.conflictingRows)}`,
    );
  const none = () => el('span', { className: 'empty', text: 'none' });
  if (profile.emptyColumns !== undefined) {
    row(
      'Empty columns',
      'empty-columns',
      ...(profile.emptyColumns.length ? [chips(profile.emptyColumns)] : [none()]),
    );
  }
  if (profile.duplicatedColumns !== undefined) {
    row(
      'Duplicated columns',
      'duplicated-columns',
      ...(profile.duplicatedColumns.length
        ? [
            el(
              'ul',
              { className: 'pairs' },
              ...profile.duplicatedColumns.map(([a, b]) =>
                el(
                  'li',
                  {},
                  columnLink(a),
                  el('span', { className: 'sep', text: ' = ' }),
                  columnLink(b),
                ),
              ),
            ),
          ]
        : [none()]),
    );
  }
  if (profile.correlatedPairs !== undefined) {
    row(
      'Correlated pairs (|r| ≥ 0.9)',
      'correlated-pairs',
      ...(profile.correlatedPairs.length
        ? [
            el(
              'ul',
              { className: 'pairs' },
              ...profile.correlatedPairs.map((p) =>
                el(
                  'li',
                  {},
                  columnLink(p.a),
                  el('span', { className: 'sep', text: ' ↔ ' }),
                  columnLink(p.b),
                  el('span', { className: 'sub', text: `  r = ${p.r.toFixed(3)}` }),
                ),
              ),
            ),
          ]
        : [none()]),
    );
  }
  return section('Data set', 'dataset-section', dl);
}

function chips(names: string[]): HTMLElement {
  return el('span', { className: 'chips' }, ...names.map((n) => columnLink(n)));
}

/** A column's name that opens its detail view (plain text when there is no such column). */
function columnLink(name: string): HTMLElement {
  if (!current?.profile.columns.some((c) => c.name === name))
    return el('span', { className: 'column-name', text: name });
  return actionLink(
    { className: 'link column-link', text: name, title: `Show column ${name}` },
    () => openColumn(name),
  );
}

function issueItem(issue: QualityIssue): HTMLElement {
  return el(
    'li',
    { className: `issue issue-${issue.severity}` },
    el('span', {
      className: `severity ${issue.severity}`,
      text: SEVERITY_ICON[issue.severity],
      title: issue.severity,
    }),
    issue.column === null
      ? el('span', { className: 'issue-column dataset', text: 'data set' })
      : el('span', { className: 'issue-column' }, columnLink(issue.column)),
    el('span', { className: 'issue-message', text: issue.message }),
    el('span', { className: 'issue-kind', text: issue.kind }),
  );
}

function issuesSection(profile: DatasetProfile): HTMLElement {
  const counts = Object.fromEntries(
    SEVERITIES.map((s) => [s, profile.issues.filter((i) => i.severity === s).length]),
  ) as Record<Severity, number>;
  const list = el('ul', { className: 'issues' });
  const empty = el('p', { className: 'empty issues-empty' });
  const fill = () => {
    const shown = profile.issues
      .filter((i) => ui.severities.includes(i.severity))
      .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity));
    list.replaceChildren(...shown.map(issueItem));
    empty.textContent =
      profile.issues.length === 0
        ? 'No issues found.'
        : shown.length === 0
          ? 'No issue of the chosen severities.'
          : '';
  };
  const filters = el(
    'div',
    { className: 'filters', title: 'Show issues of these severities' },
    ...SEVERITIES.map((s) => {
      const box = el('input');
      box.type = 'checkbox';
      box.id = `severity-${s}`;
      box.className = `severity-filter filter-${s}`;
      box.checked = ui.severities.includes(s);
      box.addEventListener('change', () => {
        ui.severities = SEVERITIES.filter((x) =>
          x === s ? box.checked : ui.severities.includes(x),
        );
        saveUi();
        fill();
      });
      const label = el(
        'label',
        { className: `filter ${s}` },
        box,
        el('span', { className: `severity ${s}`, text: SEVERITY_ICON[s] }),
        ` ${SEVERITY_LABEL[s]} (${counts[s]})`,
      );
      label.htmlFor = box.id;
      return label;
    }),
  );
  fill();
  return section(`Issues (${profile.issues.length})`, 'issues-section', filters, list, empty);
}

function typeBadge(column: ColumnProfile): HTMLElement {
  return el('span', { className: `type-badge type-${column.type}`, text: column.type });
}

function flags(column: ColumnProfile): string[] {
  const out: string[] = [];
  if (column.constant) out.push('constant');
  else if (column.almostConstant) out.push('almost constant');
  if (column.mixedTypes) out.push('mixed types');
  if (column.count === 0) out.push('empty');
  return out;
}

function worstSeverity(profile: DatasetProfile, column: string): Severity | undefined {
  const own = profile.issues
    .filter((i) => i.column === column)
    .map((i) => SEVERITIES.indexOf(i.severity));
  return own.length ? SEVERITIES[Math.min(...own)] : undefined;
}

function columnCard(profile: DatasetProfile, column: ColumnProfile): HTMLElement {
  const severity = worstSeverity(profile, column.name);
  const card = el('div', {
    className: `column-card${severity ? ` has-${severity}` : ''}`,
    title: `Show the details of ${column.name}`,
  });
  card.tabIndex = 0;
  card.setAttribute('role', 'button');
  card.dataset.column = column.name;
  const missingBar = el(
    'span',
    { className: 'mini-bar' },
    el('span', {
      className: `mini-fill ${column.missingShare >= 0.5 ? 'bad' : column.missingShare >= 0.05 ? 'poor' : 'good'}`,
    }),
  );
  (missingBar.firstChild as HTMLElement).style.width = `${Math.min(1, column.missingShare) * 100}%`;
  const chart = el('div', { className: 'card-chart' });
  const spec = chartSpec(column, false);
  if (spec) drawWhenVisible(chart, spec);
  else chart.append(el('p', { className: 'empty', text: 'no values' }));
  card.append(
    el(
      'div',
      { className: 'card-head' },
      severity
        ? el('span', {
            className: `severity ${severity}`,
            text: SEVERITY_ICON[severity],
            title: `has ${severity === 'info' ? 'info' : `${severity}s`}`,
          })
        : '',
      el('span', { className: 'card-name', text: column.name }),
      typeBadge(column),
    ),
    el(
      'div',
      { className: 'card-stats' },
      el(
        'span',
        { className: 'card-missing' },
        el('span', { className: 'label', text: 'missing ' }),
        el('span', { text: percent(column.missingShare) }),
        missingBar,
      ),
      el(
        'span',
        { className: 'card-distinct' },
        el('span', { className: 'label', text: 'distinct ' }),
        el('span', { text: count(column.distinct) }),
      ),
    ),
    el(
      'div',
      { className: 'card-flags' },
      ...flags(column).map((f) => el('span', { className: 'flag', text: f })),
    ),
    chart,
  );
  onActivate(card, () => openColumn(column.name));
  return card;
}

function columnsSection(profile: DatasetProfile): HTMLElement {
  const grid = el(
    'div',
    { className: 'column-grid' },
    ...profile.columns.map((c) => columnCard(profile, c)),
  );
  return section(
    `Columns (${profile.columns.length})`,
    'columns-section',
    profile.columns.length
      ? grid
      : el('p', { className: 'empty', text: 'The file has no columns.' }),
  );
}

function renderOverview(): void {
  if (!current) return;
  const { fileName, path, profile, live } = current;
  finalizeCharts();
  root.replaceChildren(
    header(fileName, path, profile, live),
    scoreSection(profile),
    ...(profile.validation ? [validationSection(profile.validation)] : []),
    issuesSection(profile),
    datasetSection(profile),
    columnsSection(profile),
  );
  document.title = `Data quality: ${fileName}`;
}

// ---- column detail ----

function detailView(profile: DatasetProfile, column: ColumnProfile): HTMLElement[] {
  const back = button('← All columns', () => closeColumn(), { secondary: '', class: 'back' });
  const head = el(
    'header',
    { className: 'detail-header' },
    el(
      'div',
      {},
      el(
        'div',
        { className: 'kicker' },
        'Data quality · ',
        el('span', { className: 'kicker-file', text: current?.fileName ?? '' }),
      ),
      el(
        'h1',
        {},
        el('span', { className: 'column-title', text: column.name }),
        ' ',
        typeBadge(column),
      ),
      el(
        'div',
        { className: 'card-flags' },
        ...flags(column).map((f) => el('span', { className: 'flag', text: f })),
      ),
    ),
    el('div', { className: 'actions' }, back),
  );

  const rows = profile.rows;
  const summary: [string, string][] = [
    ['Values (non-missing)', `${count(column.count)}${rows ? ` of ${count(rows)}` : ''}`],
    ['Missing', `${count(column.missing)} (${percent(column.missingShare)})`],
    [
      'Distinct',
      `${count(column.distinct)}${column.count ? ` (${percent(column.distinct / column.count)} of values)` : ''}`,
    ],
    ['Min', stat(column.min)],
    ['Max', stat(column.max)],
    ['Mean', stat(column.mean)],
    ['Std (n − 1)', stat(column.std)],
  ];
  if (column.zeros !== undefined) summary.push(['Zeros', count(column.zeros)]);
  if (column.negatives !== undefined) summary.push(['Negatives', count(column.negatives)]);
  if (column.outliers !== undefined)
    summary.push([
      'Outliers (1.5 IQR)',
      `${count(column.outliers)}${column.count ? ` (${percent(column.outliers / column.count)})` : ''}`,
    ]);
  summary.push([
    'Constant',
    column.constant ? 'yes' : column.almostConstant ? 'almost (top value ≥ 95%)' : 'no',
  ]);
  if (column.mixedTypes !== undefined)
    summary.push(['Mixed types', column.mixedTypes ? 'yes' : 'no']);
  if (column.invalid !== undefined)
    summary.push([
      'Invalid (not the inferred type)',
      `${count(column.invalid)}${column.count ? ` (${percent(column.invalid / column.count)})` : ''}`,
    ]);
  const stats = table(['statistic', 'value'], summary, 'column-stats', '');

  const parts: HTMLElement[] = [];
  const q = column.quantiles;
  parts.push(
    el(
      'div',
      {},
      el('h3', { text: 'Quantiles' }),
      q
        ? table(
            ['p5', 'p25', 'p50 (median)', 'p75', 'p95'],
            [[stat(q.p5), stat(q.p25), stat(q.p50), stat(q.p75), stat(q.p95)]],
            'quantiles',
            '',
          )
        : el('p', { className: 'empty', text: 'Not a numeric column.' }),
    ),
  );
  if (column.length) {
    parts.push(
      el(
        'div',
        {},
        el('h3', { text: 'String length' }),
        table(
          ['min', 'mean', 'max'],
          [[stat(column.length.min), stat(column.length.mean), stat(column.length.max)]],
          'lengths',
          '',
        ),
      ),
    );
  }
  if (column.missingByKind) {
    const m = column.missingByKind;
    parts.push(
      el(
        'div',
        {},
        el('h3', { text: 'Missing by kind' }),
        table(
          ['null', 'empty string', 'NaN', '±Infinity'],
          [[count(m.null), count(m.empty), count(m.nan), count(m.infinite)]],
          'missing-kinds',
          '',
        ),
      ),
    );
  }

  const topRows = column.top.map((t) => [
    valueText(t.value),
    count(t.count),
    column.count ? percent(t.count / column.count) : '–',
  ]);
  const top = el(
    'div',
    {},
    el('h3', { text: `Top values${column.top.length ? ` (${column.top.length})` : ''}` }),
    table(['value', 'rows', 'share'], topRows, 'top-values', 'No top values recorded.'),
  );

  const spec = chartSpec(column, true);
  const chartBody = el('div', { className: 'chart-body detail-chart' });
  const figure = el(
    'figure',
    { className: 'chart' },
    el('figcaption', { text: column.histogram?.length ? 'Distribution' : 'Most frequent values' }),
    chartBody,
  );
  if (spec) queueMicrotask(() => void charts.draw(chartBody, spec));
  else
    chartBody.append(
      el('p', { className: 'empty', text: 'Nothing to chart: the column has no values.' }),
    );

  const issues = profile.issues.filter((i) => i.column === column.name);
  const issuesPart = section(
    `Issues (${issues.length})`,
    'column-issues',
    issues.length
      ? el('ul', { className: 'issues' }, ...issues.map(issueItem))
      : el('p', { className: 'empty', text: 'No issues in this column.' }),
  );

  return [
    head,
    issuesPart,
    section(
      'Statistics',
      'column-detail',
      el('div', { className: 'pair' }, el('div', {}, stats), el('div', {}, ...parts)),
    ),
    section('Values', 'column-values', figure, top),
  ];
}

function renderColumn(name: string): boolean {
  const column = current?.profile.columns.find((c) => c.name === name);
  if (!current || !column) return false;
  finalizeCharts();
  root.replaceChildren(...detailView(current.profile, column));
  document.title = `Data quality: ${current.fileName} · ${name}`;
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

function showMessage(message: string): void {
  finalizeCharts();
  current = undefined;
  root.replaceChildren(errorView('Cannot show this profile', message));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToDataQualityView(message)) return;
  switch (message.type) {
    case 'profile':
      if (
        current &&
        JSON.stringify(current) ===
          JSON.stringify({
            fileName: message.fileName,
            path: message.path,
            profile: message.profile,
            live: message.live,
          })
      )
        return;
      current = {
        fileName: message.fileName,
        path: message.path,
        profile: message.profile,
        live: message.live,
      };
      render();
      return;
    case 'busy':
      busy.set(message.busy);
      return;
    case 'error':
      showMessage(message.message);
      return;
  }
});

saveUi();
showLoading(root, 'Loading the profile…');
vscode.postMessage({ type: 'ready' });
