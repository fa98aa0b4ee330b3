/**
 * The model card of one version (Mitchell et al. 2019): model details, intended use and
 * limitations (edited here, stored by the service), training data, metrics of the run and
 * of the holdout set overall and per slice of a chosen column (a table and a bar chart with
 * the overall value as a rule, so unequal performance across groups shows), and caveats.
 *
 * Every string from the store is set as text, never as HTML. Vega draws slice values as
 * SVG text; the CSP has no 'unsafe-eval', so vega runs with its expression interpreter.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Result } from 'vega-embed';
import { formatMetric } from '../../core/common/format';
import type { HoldoutMetric } from '../../core/registry/types';
import {
  isToModelCardView,
  MAX_FIELD_CHARS,
  type FromModelCardView,
  type ModelCard,
} from './protocol';
import { actionLink, button, el, section, table } from '../shared/dom';
import { chartError, errorView, noticeLine, showLoading, showNotice } from '../shared/notice';
import { embedChart } from '../shared/vega';
import { noTestsLine, testsSection } from '../shared/model-tests';

declare function acquireVsCodeApi(): {
  postMessage(message: FromModelCardView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function when(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function num(v: number | string | undefined | null): string {
  if (v === undefined || v === null) return '–';
  return typeof v === 'number' ? formatMetric(v) : v;
}

const LOWER_IS_BETTER: ReadonlySet<string> = new Set<HoldoutMetric>(['rmse', 'mae']);

/** A slice is flagged when it is this much worse than overall (absolute for accuracy/F1, relative for errors). */
function isMuchWorse(metric: string, value: number, overall: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(overall)) return false;
  return LOWER_IS_BETTER.has(metric)
    ? value > overall * 1.1 && value - overall > 1e-9
    : overall - value > 0.05;
}

// ---- state ----

interface UiState {
  sliceMetric: string | null;
}

const savedUi = (vscode.getState() as { ui?: Partial<UiState> } | null)?.ui;
const ui: UiState = {
  sliceMetric: typeof savedUi?.sliceMetric === 'string' ? savedUi.sliceMetric : null,
};
function saveUi(): void {
  vscode.setState({ ui });
}

let current:
  { card: ModelCard; markdown: string; columns: string[]; sliceColumn: string | null } | undefined;
/** Unsaved edits of the human-written fields, kept across refreshes of the same card. */
const edits: { intendedUse?: string; limitations?: string } = {};
let chart: Result | undefined;
/** The robustness chart of the model tests section; drawn apart from the slice chart. */
let testsChart: Result | undefined;
/** Shown beside Save until the next edit ("Saved." survives the refresh that follows a save). */
let saveStatus = '';

// ---- sections ----

function detailsSection(card: ModelCard): HTMLElement {
  const d = card.details;
  const dl = el('dl');
  const row = (term: string, ...value: (Node | string)[]) =>
    dl.append(el('dt', { text: term }), el('dd', {}, ...value));
  row(
    'Description',
    d.description
      ? el('span', { className: 'prose', text: d.description })
      : el('span', { className: 'empty', text: 'none' }),
  );
  row(
    'Version',
    `v${card.version} · ${card.stage}${card.aliases.length ? ` · ${card.aliases.map((a) => `@${a}`).join(' ')}` : ''}`,
  );
  row('Created', `${when(d.createdAt)} by ${d.createdBy}`);
  const run = actionLink(
    { className: 'link run-link', text: d.runName, title: `Open run ${d.runId}` },
    () => vscode.postMessage({ type: 'openRun', runId: d.runId }),
  );
  row(
    'Source run',
    run,
    el('span', { className: 'sub', text: ` ${d.experiment} · ${d.runId.slice(0, 8)}` }),
  );
  row(
    'Git commit',
    d.gitCommit
      ? el('code', { text: d.gitCommit.slice(0, 12), title: d.gitCommit })
      : el('span', { className: 'empty', text: 'unknown' }),
  );
  row('Framework', d.framework);
  const s = d.signature;
  if (s) {
    row('Task', s.task);
    row(
      'Input',
      `${JSON.stringify(s.inputShape)} · ${s.features.map((f) => `${f.name} (${f.dtype})`).join(', ') || 'features not named'}`,
    );
    row(
      'Output',
      `${JSON.stringify(s.outputShape)}${s.labels?.length ? ` · classes: ${s.labels.join(', ')}` : ''}`,
    );
  } else {
    row('Signature', el('span', { className: 'empty', text: 'not recorded' }));
  }
  return section('Model details', 'details-section', dl);
}

function usageSection(card: ModelCard): HTMLElement {
  const field = (
    id: 'intended-use' | 'limitations',
    label: string,
    value: string,
    placeholder: string,
    onInput: (v: string) => void,
  ) => {
    const area = el('textarea', { className: 'textarea' });
    area.id = id;
    area.value = value;
    area.rows = 4;
    area.maxLength = MAX_FIELD_CHARS;
    area.placeholder = placeholder;
    area.addEventListener('input', () => {
      onInput(area.value);
      status.textContent = 'Unsaved changes';
    });
    const caption = el('label', { text: label });
    caption.htmlFor = id;
    return el('div', { className: 'field' }, caption, area);
  };
  const status = el('span', { className: 'save-status' });
  const error = el('p', { className: 'error save-error' });
  error.setAttribute('role', 'alert');
  const intended = field(
    'intended-use',
    'Intended use',
    edits.intendedUse ?? card.intendedUse ?? '',
    'Who should use this model, for what, on which data…',
    (v) => {
      edits.intendedUse = v;
    },
  );
  const limitations = field(
    'limitations',
    'Limitations',
    edits.limitations ?? card.limitations ?? '',
    'Where it should not be used, known failure modes…',
    (v) => {
      edits.limitations = v;
    },
  );
  status.textContent =
    edits.intendedUse !== undefined || edits.limitations !== undefined
      ? 'Unsaved changes'
      : saveStatus;
  saveStatus = '';
  const save = button(
    'Save',
    () => {
      const text = (id: string) =>
        (document.getElementById(id) as HTMLTextAreaElement).value.trim();
      error.textContent = '';
      status.textContent = 'Saving…';
      vscode.postMessage({
        type: 'save',
        intendedUse: text('intended-use') || null,
        limitations: text('limitations') || null,
      });
    },
    { class: 'save-card' },
  );
  return section(
    'Intended use & limitations',
    'usage-section',
    intended,
    limitations,
    error,
    el('div', { className: 'actions' }, save, status),
  );
}

function trainingSection(card: ModelCard): HTMLElement {
  const params = Object.entries(card.trainingData.params).sort(([a], [b]) => a.localeCompare(b));
  const datasets = card.trainingData.datasets;
  return section(
    'Training data',
    'training-section',
    el(
      'div',
      { className: 'pair' },
      el(
        'div',
        {},
        el('h3', { text: 'Training configuration (run params)' }),
        table(
          ['param', 'value'],
          params.map(([k, v]) => [k, v]),
          'params',
          'The run logged no params.',
        ),
      ),
      el(
        'div',
        {},
        el('h3', { text: 'Data sets' }),
        table(
          ['name', 'role', 'rows', 'fingerprint'],
          datasets.map((ds) => [
            ds.name,
            ds.role,
            ds.rows === null ? '–' : String(ds.rows),
            el('code', { text: ds.fingerprint.slice(0, 16), title: ds.fingerprint }),
          ]),
          'datasets',
          'No data sets recorded with the run.',
        ),
      ),
    ),
  );
}

function metricsSection(
  card: ModelCard,
  columns: string[],
  sliceColumn: string | null,
): HTMLElement {
  const run = Object.entries(card.metrics.run).sort(([a], [b]) => a.localeCompare(b));
  const runPart = el(
    'div',
    {},
    el('h3', { text: 'Source run (latest values)' }),
    table(
      ['metric', 'value'],
      run.map(([k, v]) => [k, num(v)]),
      'run-metrics',
      'The run logged no metrics.',
    ),
  );
  const h = card.metrics.holdout;
  const holdoutPart = el('div', {}, el('h3', { text: 'Holdout set' }));
  const parts: Node[] = [el('div', { className: 'pair' }, runPart, holdoutPart)];
  if (!h) {
    holdoutPart.append(
      el('p', {
        className: 'empty',
        text: 'No holdout set was stored with this version: nothing to evaluate or slice.',
      }),
    );
    return section('Metrics', 'metrics-section', ...parts);
  }
  const metricKeys = Object.keys(h.metrics) as HoldoutMetric[];
  holdoutPart.append(
    el('p', { className: 'sub', text: `${h.rows} rows` }),
    table(
      ['metric', 'overall'],
      metricKeys.map((k) => [k, num(h.metrics[k])]),
      'holdout-metrics',
      'No holdout metrics.',
    ),
  );

  // Slices: column and metric choosers, the table and the chart.
  const columnSelect = el('select', { className: 'select' });
  columnSelect.id = 'slice-column';
  const none = el('option', { text: '(no slices)' });
  none.value = '';
  columnSelect.append(
    none,
    ...columns.map((c) => {
      const o = el('option', { text: c });
      o.value = c;
      return o;
    }),
  );
  columnSelect.value = sliceColumn ?? '';
  columnSelect.addEventListener('change', () =>
    vscode.postMessage({ type: 'selectSlice', column: columnSelect.value || null }),
  );
  const columnLabel = el('label', { text: 'Slice by' });
  columnLabel.htmlFor = columnSelect.id;
  const controls = el(
    'div',
    { className: 'controls' },
    el('span', { className: 'control' }, columnLabel, columnSelect),
  );
  parts.push(el('h3', { text: 'By slice' }), controls);
  const slices = h.slices;
  if (!slices || columns.length === 0) {
    parts.push(
      el('p', {
        className: 'empty',
        text:
          columns.length === 0
            ? 'The holdout set has no column besides the features and the label to slice by.'
            : 'Choose a column to see the metrics per group.',
      }),
    );
    return section('Metrics', 'metrics-section', ...parts);
  }
  const sliceKeys = [
    ...new Set(slices.groups.flatMap((g) => Object.keys(g.metrics))),
  ] as HoldoutMetric[];
  const metric =
    ui.sliceMetric && sliceKeys.includes(ui.sliceMetric as HoldoutMetric)
      ? (ui.sliceMetric as HoldoutMetric)
      : sliceKeys[0];
  if (metric && sliceKeys.length > 1) {
    const metricSelect = el('select', { className: 'select' });
    metricSelect.id = 'slice-metric';
    for (const k of sliceKeys) {
      const o = el('option', { text: k });
      o.value = k;
      metricSelect.append(o);
    }
    metricSelect.value = metric;
    metricSelect.addEventListener('change', () => {
      ui.sliceMetric = metricSelect.value;
      saveUi();
      render();
    });
    const metricLabel = el('label', { text: 'Chart' });
    metricLabel.htmlFor = metricSelect.id;
    controls.append(el('span', { className: 'control' }, metricLabel, metricSelect));
  }
  const overall = metric ? h.metrics[metric] : undefined;
  const rows = slices.groups.map((g) => {
    const value = metric ? g.metrics[metric] : undefined;
    const worse =
      metric !== undefined &&
      value !== undefined &&
      overall !== undefined &&
      isMuchWorse(metric, value, overall);
    const tr = el(
      'tr',
      { className: worse ? 'worse' : '' },
      el(
        'td',
        { className: 'slice-value' },
        worse
          ? el('span', {
              className: 'warn',
              text: '⚠ ',
              title: `much worse than overall on ${metric}`,
            })
          : '',
        el('span', { text: g.value }),
      ),
      el('td', { text: String(g.rows) }),
      ...sliceKeys.map((k) => el('td', { className: 'num', text: num(g.metrics[k]) })),
    );
    return tr;
  });
  const sliceTable = el(
    'div',
    { className: 'table-wrap' },
    el(
      'table',
      { className: 'grid slices' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { text: slices.column }),
          el('th', { text: 'rows' }),
          ...sliceKeys.map((k) => el('th', { text: k })),
        ),
      ),
      el('tbody', {}, ...rows),
      el(
        'tfoot',
        {},
        el(
          'tr',
          {},
          el('th', { text: 'overall' }),
          el('th', { text: String(h.rows) }),
          ...sliceKeys.map((k) => el('th', { className: 'num', text: num(h.metrics[k]) })),
        ),
      ),
    ),
  );
  parts.push(sliceTable);
  if (metric) {
    const target = el('div', { className: 'chart-body' });
    parts.push(
      el(
        'figure',
        { className: 'chart' },
        el('figcaption', { text: `${metric} by ${slices.column}` }),
        target,
      ),
    );
    const data = slices.groups
      .map((g) => ({ group: g.value, value: g.metrics[metric], rows: g.rows }))
      .filter(
        (d): d is { group: string; value: number; rows: number } =>
          typeof d.value === 'number' && Number.isFinite(d.value),
      )
      .map((d) => ({
        ...d,
        flag:
          overall !== undefined && isMuchWorse(metric, d.value, overall)
            ? 'much worse than overall'
            : 'ok',
      }));
    queueMicrotask(() => void draw(target, sliceSpec(slices.column, metric, data, overall)));
  }
  return section('Metrics', 'metrics-section', ...parts);
}

/** Bars per slice value, the overall value as a dashed rule. Field names are our own; values are data. */
function sliceSpec(
  column: string,
  metric: string,
  values: { group: string; value: number; rows: number; flag: string }[],
  overall: number | undefined,
): Record<string, unknown> {
  const layers: unknown[] = [
    {
      mark: { type: 'bar', tooltip: true, cornerRadiusEnd: 2 },
      encoding: {
        x: {
          field: 'group',
          type: 'nominal',
          title: column,
          sort: null,
          scale: { paddingInner: 0.35, paddingOuter: 0.2 },
          axis: { labelAngle: 0, labelLimit: 160 },
        },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: true } },
        color: {
          field: 'flag',
          type: 'nominal',
          scale: { domain: ['ok', 'much worse than overall'], range: ['#3794ff', '#f14c4c'] },
          legend: { title: null, orient: 'bottom' },
        },
        tooltip: [
          { field: 'group', type: 'nominal', title: column },
          { field: 'value', type: 'quantitative', title: metric, format: '.4~f' },
          { field: 'rows', type: 'quantitative', title: 'rows' },
        ],
      },
    },
  ];
  if (overall !== undefined && Number.isFinite(overall)) {
    layers.push(
      // One datum each: without their own data these layers would draw once per slice.
      {
        data: { values: [{}] },
        mark: { type: 'rule', color: '#cccccc', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { y: { datum: overall } },
      },
      {
        data: { values: [{}] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, color: '#cccccc' },
        encoding: {
          y: { datum: overall },
          x: { value: 'width' },
          text: { value: `overall ${formatMetric(overall)}` },
        },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 220,
    background: 'transparent',
    data: { values },
    layer: layers,
    config: {
      axis: {
        labelColor: '#9d9d9d',
        titleColor: '#9d9d9d',
        gridColor: 'rgba(128,128,128,0.2)',
        domainColor: '#888',
        tickColor: '#888',
        titleFontWeight: 'normal',
      },
      legend: { labelColor: '#bbbbbb' },
      view: { stroke: 'transparent' },
    },
  };
}

async function draw(target: HTMLElement, spec: Record<string, unknown>): Promise<void> {
  chart?.finalize();
  chart = undefined;
  if (!target.isConnected) return;
  try {
    chart = await embedChart(target, spec);
  } catch (error) {
    chartError(target, error);
  }
}

function modelTests(card: ModelCard): HTMLElement {
  testsChart?.finalize();
  testsChart = undefined;
  if (!card.tests) return section('Model tests', 'tests-section', noTestsLine());
  const { node, chart: spec } = testsSection(card.tests);
  if (spec)
    queueMicrotask(() => {
      if (!spec.target.isConnected) return;
      embedChart(spec.target, spec.spec).then(
        (r) => {
          testsChart = r;
        },
        (error: unknown) => chartError(spec.target, error),
      );
    });
  return node;
}

function caveatsSection(card: ModelCard): HTMLElement {
  return section(
    'Caveats',
    'caveats-section',
    card.caveats.length
      ? el(
          'ul',
          { className: 'caveats' },
          ...card.caveats.map((c) =>
            el('li', {}, el('span', { className: 'warn', text: '⚠ ' }), el('span', { text: c })),
          ),
        )
      : el('p', { className: 'empty', text: 'None generated.' }),
  );
}

function fileName(card: ModelCard): string {
  return `${card.name.replace(/[^\w.-]+/g, '_')}-v${card.version}-model-card.md`;
}

function render(): void {
  if (!current) return;
  const { card, markdown, columns, sliceColumn } = current;
  const scrollY = window.scrollY;
  const stage = el('span', {
    className: `stage stage-${card.stage.toLowerCase().replace(/[^a-z]/g, '')}`,
    text: card.stage,
  });
  const header = el(
    'header',
    {},
    el(
      'div',
      {},
      el('div', { className: 'kicker', text: 'Model card' }),
      el(
        'h1',
        {},
        el('span', { className: 'model-name', text: card.name }),
        el('span', { className: 'version', text: ` v${card.version}` }),
      ),
      el(
        'div',
        { className: 'badges' },
        stage,
        ...card.aliases.map((a) => el('span', { className: 'alias', text: `@${a}` })),
      ),
    ),
    el(
      'div',
      { className: 'actions' },
      button('Copy Markdown', () => vscode.postMessage({ type: 'copyMarkdown', markdown }), {
        secondary: '',
        class: 'copy-markdown',
      }),
      button(
        'Export Markdown…',
        () => vscode.postMessage({ type: 'exportMarkdown', markdown, fileName: fileName(card) }),
        { class: 'export-markdown' },
      ),
    ),
  );
  root.replaceChildren(
    header,
    noticeLine(),
    detailsSection(card),
    usageSection(card),
    trainingSection(card),
    metricsSection(card, columns, sliceColumn),
    modelTests(card),
    caveatsSection(card),
  );
  document.title = `Model card: ${card.name} v${card.version}`;
  window.scrollTo(0, scrollY);
}

function showMessage(message: string): void {
  chart?.finalize();
  chart = undefined;
  testsChart?.finalize();
  testsChart = undefined;
  current = undefined;
  root.replaceChildren(errorView('Cannot show this model card', message));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToModelCardView(message)) return;
  switch (message.type) {
    case 'card':
      if (
        current &&
        (current.card.name !== message.card.name || current.card.version !== message.card.version)
      ) {
        delete edits.intendedUse;
        delete edits.limitations;
      }
      // The store changes many times a second while a run trains: redraw only when the card did.
      if (
        current &&
        JSON.stringify(current) ===
          JSON.stringify({
            card: message.card,
            markdown: message.markdown,
            columns: message.columns,
            sliceColumn: message.sliceColumn,
          })
      )
        return;
      current = {
        card: message.card,
        markdown: message.markdown,
        columns: message.columns,
        sliceColumn: message.sliceColumn,
      };
      render();
      return;
    case 'saved': {
      delete edits.intendedUse;
      delete edits.limitations;
      saveStatus = 'Saved.';
      const status = root.querySelector('.save-status');
      if (status) status.textContent = saveStatus;
      return;
    }
    case 'saveError': {
      const error = root.querySelector('.save-error');
      if (error) error.textContent = message.message;
      const status = root.querySelector('.save-status');
      if (status) status.textContent = 'Not saved';
      return;
    }
    case 'error':
      showMessage(message.message);
      return;
    case 'notice':
      showNotice(message.message);
      return;
  }
});

saveUi();
showLoading(root, 'Loading model card…');
vscode.postMessage({ type: 'ready' });
