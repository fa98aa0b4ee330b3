/**
 * The compare panel: two or more runs side by side. A params diff (differing rows first,
 * identical ones behind a toggle), the latest metrics with the best marked, overlaid metric
 * histories (x axis and smoothing chosen here), parallel coordinates and a param/metric
 * scatter, plus Markdown and CSV export.
 *
 * Every string from the store is set as text, never as HTML; in the charts vega draws
 * names as SVG text, and its tooltip handler escapes what it shows. The CSP has no
 * 'unsafe-eval': vega evaluates its expressions with vega-interpreter.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Result } from 'vega-embed';
import { comparisonMarkdown, defaultMetric } from '../../core/common/comparison';
import { comparisonCsv } from '../../core/common/comparison-csv';
import { formatMetric } from '../../core/common/format';
import { fromWireNumber } from '../../core/common/wire-number';
import {
  historyRows,
  historySpec,
  isXAxis,
  MAX_SMOOTHING,
  MISSING,
  optimisationHistorySpec,
  parallelData,
  parallelSpec,
  runSeries,
  scatterData,
  scatterSpec,
  sweepHistory,
  X_AXIS_TITLES,
  type ChartSpec,
  type RunSeries,
  type XAxis,
} from './charts';
import { isToCompareView, type FromCompareView, type RunComparisonData } from './protocol';
import { actionLink, button, el, section } from '../shared/dom';
import { chartError, errorView, noticeLine, showLoading, showNotice } from '../shared/notice';
import { embedChart } from '../shared/vega';

declare function acquireVsCodeApi(): {
  postMessage(message: FromCompareView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

/** What the user chose; kept across refreshes and in the webview state (panel hidden and shown again). */
interface UiState {
  xAxis: XAxis;
  smoothing: number;
  /** With many metrics, the one whose history is drawn. */
  historyMetric: string | null;
  parallelMetric: string | null;
  scatterParam: string | null;
  scatterMetric: string | null;
  showIdentical: boolean;
}

/** Up to this many metrics get a history chart each; more get a selector. */
const MAX_HISTORY_CHARTS = 6;

function restoreUi(): UiState {
  const saved = (vscode.getState() as { ui?: Partial<UiState> } | null)?.ui ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  const smoothing =
    typeof saved.smoothing === 'number' && saved.smoothing >= 0 && saved.smoothing <= MAX_SMOOTHING
      ? saved.smoothing
      : 0.6;
  return {
    xAxis: isXAxis(saved.xAxis) ? saved.xAxis : 'step',
    smoothing,
    historyMetric: text(saved.historyMetric),
    parallelMetric: text(saved.parallelMetric),
    scatterParam: text(saved.scatterParam),
    scatterMetric: text(saved.scatterMetric),
    showIdentical: saved.showIdentical === true,
  };
}

const ui = restoreUi();
let current:
  | { data: RunComparisonData; keyMetric: string | null; runs: RunSeries[]; json: string }
  | undefined;

function saveUi(): void {
  vscode.setState({ ui });
}

// ---- DOM helpers (text only) ----

function select(
  id: string,
  label: string,
  options: { value: string; text: string }[],
  value: string,
  onChange: (v: string) => void,
): HTMLElement {
  const node = el('select', { className: 'select' });
  node.id = id;
  for (const o of options) {
    const option = el('option', { text: o.text });
    option.value = o.value;
    node.append(option);
  }
  node.value = value;
  node.addEventListener('change', () => onChange(node.value));
  const caption = el('label', { text: label });
  caption.htmlFor = id;
  return el('span', { className: 'control' }, caption, node);
}

function swatch(color: string): HTMLElement {
  const node = el('span', { className: 'swatch' });
  node.style.setProperty('--run-color', color);
  node.setAttribute('aria-hidden', 'true');
  return node;
}

function runHeader(
  run: RunComparisonData['comparison']['runs'][number],
  series: RunSeries,
): HTMLElement {
  const link = actionLink(
    { className: 'run-link', text: run.name, title: `Open run ${run.id}` },
    () => vscode.postMessage({ type: 'openRun', runId: run.id }),
  );
  return el(
    'th',
    { className: 'run-col' },
    el('div', { className: 'run-head' }, swatch(series.color), link),
    el('div', { className: 'run-id', text: run.id.slice(0, 8), title: run.id }),
  );
}

// ---- tables ----

function paramsTable(data: RunComparisonData, runs: RunSeries[]): HTMLElement {
  const c = data.comparison;
  if (c.params.length === 0)
    return el('p', { className: 'empty', text: 'No run logged any parameters.' });
  const head = el(
    'thead',
    {},
    el('tr', {}, el('th', { text: 'parameter' }), ...c.runs.map((r, i) => runHeader(r, runs[i]))),
  );
  const row = (p: (typeof c.params)[number]) =>
    el(
      'tr',
      { className: p.differs ? 'differs' : 'same' },
      el('th', { className: 'key', text: p.key, title: p.key }),
      ...p.values.map((v) =>
        el('td', { text: v ?? MISSING, className: v === null ? 'missing' : '' }),
      ),
    );
  const differing = c.params.filter((p) => p.differs);
  const identical = c.params.filter((p) => !p.differs);
  const differingBody = el('tbody', { className: 'differing' }, ...differing.map(row));
  const identicalBody = el('tbody', { className: 'identical' }, ...identical.map(row));
  identicalBody.hidden = !ui.showIdentical;
  const table = el('table', { className: 'grid params' }, head, differingBody, identicalBody);
  const parts: Node[] = [];
  if (differing.length === 0)
    parts.push(
      el('p', {
        className: 'empty',
        text: `All ${identical.length} parameters are the same in every run.`,
      }),
    );
  parts.push(el('div', { className: 'table-wrap' }, table));
  if (identical.length > 0) {
    const label = () => `${ui.showIdentical ? 'Hide' : 'Show'} ${identical.length} identical`;
    const toggle = button(
      label(),
      () => {
        ui.showIdentical = !ui.showIdentical;
        identicalBody.hidden = !ui.showIdentical;
        toggle.textContent = label();
        toggle.setAttribute('aria-expanded', String(ui.showIdentical));
        saveUi();
      },
      { secondary: '', class: 'toggle-identical', 'aria-expanded': String(ui.showIdentical) },
    );
    parts.push(el('div', { className: 'actions' }, toggle));
  }
  return el('div', {}, ...parts);
}

function metricsTable(data: RunComparisonData, runs: RunSeries[]): HTMLElement {
  const c = data.comparison;
  if (c.metrics.length === 0)
    return el('p', { className: 'empty', text: 'No run logged any metrics.' });
  const head = el(
    'thead',
    {},
    el('tr', {}, el('th', { text: 'metric' }), ...c.runs.map((r, i) => runHeader(r, runs[i]))),
  );
  const body = el(
    'tbody',
    {},
    ...c.metrics.map((m) => {
      const direction = m.higherIsBetter ? '↑' : '↓';
      const key = el(
        'th',
        { className: 'key', title: `${m.key}: ${m.higherIsBetter ? 'higher' : 'lower'} is better` },
        el('span', { text: m.key }),
        el('span', { className: 'direction', text: ` ${direction}` }),
      );
      return el(
        'tr',
        {},
        key,
        ...m.values.map((v, i) => {
          if (v === null) return el('td', { className: 'missing', text: MISSING });
          const best = m.best.includes(i);
          const cell = el('td', {
            className: best ? 'best' : '',
            text: formatMetric(fromWireNumber(v)),
            title: String(v),
          });
          if (best) {
            cell.prepend(
              el('span', {
                className: 'best-mark',
                text: '★ ',
                title: `best (${m.higherIsBetter ? 'highest' : 'lowest'})`,
              }),
            );
            cell.setAttribute('aria-label', `${formatMetric(fromWireNumber(v))}, best`);
          }
          return cell;
        }),
      );
    }),
  );
  return el(
    'div',
    { className: 'table-wrap' },
    el('table', { className: 'grid metrics' }, head, body),
  );
}

// ---- charts ----

const views = new Map<HTMLElement, Result>();

/** Heights of the drawn charts by `data-chart`, so a redraw keeps the page's layout (and scroll position) steady. */
const chartHeights = new Map<string, number>();

function chartBody(key: string): HTMLElement {
  const target = el('div', { className: 'chart-body' });
  target.dataset.chart = key;
  const height = chartHeights.get(key);
  if (height) target.style.minHeight = `${height}px`;
  return target;
}

function rememberHeights(): void {
  for (const body of root.querySelectorAll<HTMLElement>('.chart-body[data-chart]')) {
    if (body.offsetHeight > 0) chartHeights.set(body.dataset.chart!, body.offsetHeight);
  }
}

async function draw(target: HTMLElement, spec: ChartSpec): Promise<void> {
  views.get(target)?.finalize();
  views.delete(target);
  try {
    const result = await embedChart(target, spec);
    views.set(target, result);
    target.style.minHeight = '';
  } catch (error) {
    chartError(target, error, 'Chart failed');
  }
}

function finalizeAll(): void {
  for (const view of views.values()) view.finalize();
  views.clear();
}

let historyGrid: HTMLElement | undefined;
let parallelTarget: HTMLElement | undefined;
let scatterTarget: HTMLElement | undefined;

function historyMetrics(data: RunComparisonData): string[] {
  const keys = new Set([
    ...data.comparison.metrics.map((m) => m.key),
    ...Object.keys(data.histories),
  ]);
  return [...keys].filter(
    (k) =>
      data.histories[k] && Object.values(data.histories[k]).some((points) => points.length > 0),
  );
}

function renderHistory(): void {
  if (!current || !historyGrid) return;
  const { data, runs } = current;
  const keys = historyMetrics(data);
  const shown =
    keys.length > MAX_HISTORY_CHARTS
      ? [ui.historyMetric && keys.includes(ui.historyMetric) ? ui.historyMetric : keys[0]]
      : keys;
  rememberHeights();
  for (const target of historyGrid.querySelectorAll<HTMLElement>('.chart-body'))
    views.get(target)?.finalize();
  historyGrid.replaceChildren();
  for (const key of shown) {
    const { rows, dropped } = historyRows(
      data.histories[key],
      runs,
      ui.xAxis,
      ui.smoothing,
      data.startTimes,
    );
    const target = chartBody(`history:${key}`);
    const caption = el('figcaption', {}, el('span', { className: 'metric-name', text: key }));
    if (dropped > 0)
      caption.append(
        el('span', {
          className: 'note',
          text: ` ${dropped} NaN/Infinity point${dropped === 1 ? '' : 's'} not drawn`,
        }),
      );
    const figure = el('figure', { className: 'chart' }, caption, target);
    figure.dataset.metric = key;
    historyGrid.append(figure);
    void draw(target, historySpec(key, rows, runs, ui.xAxis, ui.smoothing));
  }
}

function renderParallel(): void {
  if (!current || !parallelTarget) return;
  const { data, runs } = current;
  const metric = chosenMetric(ui.parallelMetric);
  if (!metric) {
    parallelTarget.replaceChildren(el('p', { className: 'empty', text: 'No metrics to compare.' }));
    return;
  }
  const pc = parallelData(data.comparison, runs, metric);
  const note = data.comparison.params.some((p) => p.differs)
    ? []
    : [
        el('p', {
          className: 'empty',
          text: 'No parameter differs between these runs: only the metric axis is drawn.',
        }),
      ];
  rememberHeights();
  const target = chartBody('parallel');
  parallelTarget.replaceChildren(...note, target);
  void draw(target, parallelSpec(metric, pc));
}

/** The sweep's best value over its trials, with the same numbers as a table below the chart. */
function optimisationSection(
  data: RunComparisonData,
): { node: HTMLElement; draw: () => void } | null {
  const history = sweepHistory(data);
  if (!history) return null;
  const { metric, goal, points } = history;
  const target = chartBody('optimisation');
  const undrawn = points.filter((p) => p.value === null || !Number.isFinite(p.value)).length;
  const parts: Node[] = [
    el('p', {
      className: 'note',
      text: `${points.length} trial${points.length === 1 ? '' : 's'} of the sweep, ${goal === 'minimize' ? 'minimising' : 'maximising'} ${metric}. Pruned, failed and running trials do not count towards the best.${undrawn > 0 ? ` ${undrawn} without a finite value not drawn.` : ''}`,
    }),
    target,
  ];
  const cellOf = (v: number | null) =>
    v === null
      ? el('td', { className: 'missing', text: MISSING })
      : el('td', { text: formatMetric(v) });
  const rows = points.map((p) => {
    const row = el(
      'tr',
      { className: `trial-${p.state}${p.improved ? ' improved' : ''}` },
      el('td', { text: p.number === null ? `#${p.order}` : String(p.number) }),
      el('td', { className: 'run-name', text: p.name, title: p.runId }),
      el('td', { className: `status status-${p.state}`, text: p.state }),
      cellOf(p.value),
      cellOf(p.best),
    );
    row.dataset.best = p.best === null ? '' : String(p.best);
    return row;
  });
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['trial', 'run', 'state', metric, 'best so far'].map((t) => el('th', { text: t })),
    ),
  );
  const table = el('table', { className: 'grid optimisation' }, head, el('tbody', {}, ...rows));
  const details = el('details', { className: 'optimisation-table' });
  details.append(
    el('summary', { text: 'Trials as a table' }),
    el('div', { className: 'table-wrap' }, table),
  );
  parts.push(details);
  return {
    node: el('div', { className: 'chart wide' }, ...parts),
    // Drawn once in the page: a 'container' width needs the target laid out.
    draw: () => void draw(target, optimisationHistorySpec(metric, goal, points)),
  };
}

function renderScatter(): void {
  if (!current || !scatterTarget) return;
  const { data, runs } = current;
  const param = chosenParam(ui.scatterParam);
  const metric = chosenMetric(ui.scatterMetric);
  if (!param || !metric) {
    scatterTarget.replaceChildren(
      el('p', { className: 'empty', text: 'A scatter needs a parameter and a metric.' }),
    );
    return;
  }
  const sd = scatterData(data.comparison, runs, param, metric);
  rememberHeights();
  const target = chartBody('scatter');
  const missing = data.comparison.runs.length - sd.rows.length;
  const note =
    missing > 0
      ? [
          el('p', {
            className: 'note',
            text: `${missing} run${missing === 1 ? '' : 's'} without this parameter or a finite value of the metric not drawn.`,
          }),
        ]
      : [];
  scatterTarget.replaceChildren(target, ...note);
  void draw(target, scatterSpec(param, metric, sd, runs));
}

/**
 * The chosen metric if it still exists, else the key metric the host named (the sweep's or
 * the experiment's), else the most telling common one (defaultMetric), else the first.
 */
function chosenMetric(choice: string | null): string | null {
  if (!current) return null;
  const keys = current.data.comparison.metrics.map((m) => m.key);
  if (choice && keys.includes(choice)) return choice;
  return defaultMetric(keys, current.keyMetric);
}

/** The chosen param if it still exists, else the first that differs (numeric ones first), else the first. */
function chosenParam(choice: string | null): string | null {
  if (!current) return null;
  const params = current.data.comparison.params;
  if (choice && params.some((p) => p.key === choice)) return choice;
  const differing = params.filter((p) => p.differs);
  const numeric = differing.find((p) =>
    p.values.every((v) => v !== null && v.trim() !== '' && Number.isFinite(Number(v))),
  );
  return (numeric ?? differing[0] ?? params[0])?.key ?? null;
}

// ---- the page ----

let smoothingTimer: ReturnType<typeof setTimeout> | undefined;

function historyControls(data: RunComparisonData): HTMLElement {
  const controls = el('div', { className: 'controls' });
  const keys = historyMetrics(data);
  if (keys.length > MAX_HISTORY_CHARTS) {
    const value = ui.historyMetric && keys.includes(ui.historyMetric) ? ui.historyMetric : keys[0];
    controls.append(
      select(
        'history-metric',
        'Metric',
        keys.map((k) => ({ value: k, text: k })),
        value,
        (v) => {
          ui.historyMetric = v;
          saveUi();
          renderHistory();
        },
      ),
    );
  }
  controls.append(
    select(
      'x-axis',
      'X axis',
      (Object.keys(X_AXIS_TITLES) as XAxis[]).map((k) => ({
        value: k,
        text: k === 'step' ? 'Step' : k === 'wallTime' ? 'Wall time' : 'Relative time',
      })),
      ui.xAxis,
      (v) => {
        if (!isXAxis(v)) return;
        ui.xAxis = v;
        saveUi();
        renderHistory();
      },
    ),
  );
  const slider = el('input', { className: 'slider' });
  slider.type = 'range';
  slider.id = 'smoothing';
  slider.min = '0';
  slider.max = String(MAX_SMOOTHING);
  slider.step = '0.01';
  slider.value = String(ui.smoothing);
  const output = el('output', { className: 'slider-value', text: ui.smoothing.toFixed(2) });
  output.htmlFor.add('smoothing');
  slider.addEventListener('input', () => {
    const v = Number(slider.value);
    if (!Number.isFinite(v)) return;
    ui.smoothing = Math.min(Math.max(v, 0), MAX_SMOOTHING);
    output.textContent = ui.smoothing.toFixed(2);
    saveUi();
    // Dragging fires many events: redraw once the slider rests for a moment.
    clearTimeout(smoothingTimer);
    smoothingTimer = setTimeout(renderHistory, 60);
  });
  const caption = el('label', { text: 'Smoothing' });
  caption.htmlFor = 'smoothing';
  controls.append(el('span', { className: 'control' }, caption, slider, output));
  return controls;
}

function render(data: RunComparisonData, keyMetric: string | null): void {
  const json = JSON.stringify(data);
  if (current && current.json === json && current.keyMetric === keyMetric) return; // store changed elsewhere: nothing to redraw
  // A refresh (new points while a run trains) redraws in place: same heights, same scroll position.
  rememberHeights();
  const scrollY = window.scrollY;
  finalizeAll();
  const c = data.comparison;
  const runs = runSeries(c.runs);
  current = { data, keyMetric, runs, json };

  const experiments = [...new Set(c.runs.map((r) => r.experiment))];
  const header = el(
    'header',
    {},
    el(
      'div',
      {},
      el('h1', { text: `Comparing ${c.runs.length} runs` }),
      el('p', {
        className: 'subtitle',
        text: `${experiments.length === 1 ? 'Experiment' : 'Experiments'}: ${experiments.join(', ')}`,
      }),
    ),
    el(
      'div',
      { className: 'actions' },
      button(
        'Copy as Markdown',
        () => vscode.postMessage({ type: 'copyMarkdown', markdown: comparisonMarkdown(c) }),
        { class: 'copy-markdown', secondary: '' },
      ),
      button(
        'Export CSV…',
        () =>
          vscode.postMessage({
            type: 'exportCsv',
            csv: comparisonCsv(c),
            fileName: csvFileName(c.runs.map((r) => r.id)),
          }),
        { class: 'export-csv', secondary: '' },
      ),
    ),
  );

  const legend = el(
    'ul',
    { className: 'legend' },
    ...c.runs.map((r, i) =>
      el(
        'li',
        { title: `${r.name} (${r.id}), ${r.status}` },
        swatch(runs[i].color),
        el('span', { className: 'run-name', text: r.name }),
        el('span', { className: 'run-id', text: ` ${r.id.slice(0, 8)}` }),
        el('span', { className: `status status-${r.status}`, text: r.status }),
      ),
    ),
  );

  historyGrid = el('div', { className: 'charts' });
  const historyParts: Node[] =
    historyMetrics(data).length > 0
      ? [historyControls(data), historyGrid]
      : [el('p', { className: 'empty', text: 'No metric history to draw.' })];

  parallelTarget = el('div', { className: 'chart wide' });
  scatterTarget = el('div', { className: 'chart wide' });
  const metricOptions = c.metrics.map((m) => ({ value: m.key, text: m.key }));
  const paramOptions = c.params.map((p) => ({
    value: p.key,
    text: p.differs ? `${p.key} (differs)` : p.key,
  }));

  const parallelControls = metricOptions.length
    ? el(
        'div',
        { className: 'controls' },
        select(
          'parallel-metric',
          'Metric',
          metricOptions,
          chosenMetric(ui.parallelMetric) ?? '',
          (v) => {
            ui.parallelMetric = v;
            saveUi();
            renderParallel();
          },
        ),
      )
    : el('div');
  const scatterControls =
    metricOptions.length && paramOptions.length
      ? el(
          'div',
          { className: 'controls' },
          select(
            'scatter-param',
            'Parameter',
            paramOptions,
            chosenParam(ui.scatterParam) ?? '',
            (v) => {
              ui.scatterParam = v;
              saveUi();
              renderScatter();
            },
          ),
          select(
            'scatter-metric',
            'Metric',
            metricOptions,
            chosenMetric(ui.scatterMetric) ?? '',
            (v) => {
              ui.scatterMetric = v;
              saveUi();
              renderScatter();
            },
          ),
        )
      : el('div');

  const optimisation = optimisationSection(data);
  root.replaceChildren(
    header,
    noticeLine(),
    legend,
    section('Parameters', 'params-section', paramsTable(data, runs)),
    section('Metrics', 'metrics-section', metricsTable(data, runs)),
    section('Metric history', 'history-section', ...historyParts),
    section('Parallel coordinates', 'parallel-section', parallelControls, parallelTarget),
    ...(optimisation
      ? [section('Optimisation history', 'optimisation-section', optimisation.node)]
      : []),
    section('Parameter vs metric', 'scatter-section', scatterControls, scatterTarget),
  );
  document.title = `Compare ${c.runs.length} runs`;
  renderHistory();
  renderParallel();
  optimisation?.draw();
  renderScatter();
  window.scrollTo(0, scrollY);
}

function csvFileName(ids: string[]): string {
  return `compare-${ids
    .slice(0, 4)
    .map((id) => id.slice(0, 8))
    .join('-')}${ids.length > 4 ? `-and-${ids.length - 4}-more` : ''}.csv`;
}

function showMessage(message: string): void {
  finalizeAll();
  chartHeights.clear();
  current = undefined;
  historyGrid = parallelTarget = scatterTarget = undefined;
  root.replaceChildren(errorView('Cannot compare these runs', message));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToCompareView(message)) return;
  switch (message.type) {
    case 'comparison':
      render(message.data, message.keyMetric);
      return;
    case 'error':
      showMessage(message.message);
      return;
    case 'notice':
      showNotice(message.message);
      return;
  }
});

saveUi();
showLoading(root, 'Loading comparison…');
vscode.postMessage({ type: 'ready' });
