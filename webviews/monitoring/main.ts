/**
 * The Deployment Monitor panel: one deployment's health as the workspace service measures
 * it (core/serve/monitor.ts), refreshed every few seconds while the panel is visible.
 *
 * Header (name, status chip, URL, traffic split), the alerts, KPI tiles (requests/s,
 * latency percentiles, error rate, responses by status code), a table per variant (version,
 * traffic share, predictions, labelled, live accuracy or MAE), live vega-lite charts
 * (requests and p95 latency over time per variant, the running error of labelled
 * predictions with ADWIN's detections marked) and the data drift of recent inputs against
 * the training data.
 *
 * Names come from users and their data: every string is set as text, never as HTML. Vega
 * draws them as SVG text; the CSP has no 'unsafe-eval', so vega runs with its interpreter.
 * Charts are embedded once and then fed new data, so they do not flicker on each poll.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Result } from 'vega-embed';
import {
  describeSplit,
  type MonitoringSnapshot,
  type TrafficSplit,
  type Variant,
} from '../../core/common/serve-types';
import { METHOD_NAMES } from '../drift/protocol';
import { button, el } from '../shared/dom';
import { chartConfig } from '../shared/charts';
import { count, percent, stat } from '../shared/format';
import { chartError, errorBanner } from '../shared/notice';
import { embedChart } from '../shared/vega';
import { isToMonitoringView, type FromMonitoringView, type MonitorAction } from './protocol';

declare function acquireVsCodeApi(): {
  postMessage(message: FromMonitoringView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

const VARIANT_COLORS = { domain: ['primary', 'candidate'], range: ['#3794ff', '#f58518'] };

// ---- formatting ----

function ms(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  if (v >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ms`;
}

function rate(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function clock(t: number): string {
  return new Date(t).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

function windowText(windowMs: number): string {
  const s = Math.round(windowMs / 1000);
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

/** Share of traffic a variant answers under this split (shadow: the candidate scores, never answers). */
function trafficShare(split: TrafficSplit, variant: Variant): string {
  if (split.candidate === null) return variant === 'primary' ? '100%' : '–';
  switch (split.strategy) {
    case 'shadow':
      return variant === 'primary' ? '100%' : 'shadow';
    case 'bluegreen':
      return (variant === 'candidate') === split.weight >= 100 ? '100% (live)' : '0% (idle)';
    case 'single':
      return variant === 'primary' ? '100%' : '–';
    default:
      return `${variant === 'candidate' ? split.weight : 100 - split.weight}%`;
  }
}

// ---- charts ----

type ChartKey = 'requests' | 'latency' | 'errors';

interface ChartData {
  [dataset: string]: Record<string, unknown>[];
}

function chartData(s: MonitoringSnapshot): Record<ChartKey, ChartData> {
  const perSecond = s.bucketMs / 1000;
  const traffic = s.traffic.map((p) => ({
    t: p.t,
    variant: p.variant,
    rps: p.predictions / perSecond,
    predictions: p.predictions,
    shadow: p.shadow,
    p95: p.p95,
  }));
  return {
    requests: { traffic },
    // The threshold line only when the latencies come near it: far above, it would flatten them.
    latency: {
      traffic: traffic.filter((p) => p.p95 !== null),
      threshold: thresholdNear(s) ? [{ y: s.thresholds.p95LatencyMs }] : [],
    },
    errors: {
      errors: s.detector.errors.map((e) => ({ i: e.i, mean: e.mean })),
      detections: s.detector.detections.map((i) => ({ i })),
    },
  };
}

function thresholdNear(s: MonitoringSnapshot): boolean {
  const max = Math.max(0, ...s.traffic.map((p) => p.p95 ?? 0));
  return max >= s.thresholds.p95LatencyMs * 0.4;
}

function base(height: number): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height,
    background: 'transparent',
    padding: 5,
    config: chartConfig(),
  };
}

const TIME_X = {
  field: 't',
  type: 'temporal',
  title: null,
  axis: { format: '%H:%M:%S', labelAngle: 0, tickCount: 6 },
};
const VARIANT_COLOR = {
  field: 'variant',
  type: 'nominal',
  scale: VARIANT_COLORS,
  sort: VARIANT_COLORS.domain,
};

function chartSpec(key: ChartKey, data: ChartData): Record<string, unknown> {
  if (key === 'requests') {
    return {
      ...base(180),
      datasets: data,
      data: { name: 'traffic' },
      mark: { type: 'line', point: { size: 24 }, tooltip: true },
      encoding: {
        x: TIME_X,
        y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
        color: VARIANT_COLOR,
        tooltip: [
          { field: 't', type: 'temporal', format: '%H:%M:%S', title: 'from' },
          { field: 'variant', type: 'nominal' },
          { field: 'predictions', type: 'quantitative', title: 'predictions' },
          { field: 'rps', type: 'quantitative', format: '.2f', title: 'requests/s' },
        ],
      },
    };
  }
  if (key === 'latency') {
    return {
      ...base(180),
      datasets: data,
      layer: [
        {
          data: { name: 'traffic' },
          mark: { type: 'line', point: { size: 24 }, tooltip: true },
          encoding: {
            x: TIME_X,
            y: { field: 'p95', type: 'quantitative', title: 'p95 latency (ms)' },
            color: VARIANT_COLOR,
            tooltip: [
              { field: 't', type: 'temporal', format: '%H:%M:%S', title: 'from' },
              { field: 'variant', type: 'nominal' },
              { field: 'p95', type: 'quantitative', format: '.1f', title: 'p95 (ms)' },
            ],
          },
        },
        {
          data: { name: 'threshold' },
          mark: { type: 'rule', color: '#f14c4c', strokeDash: [4, 4], opacity: 0.7 },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
      ],
    };
  }
  return {
    ...base(180),
    datasets: data,
    layer: [
      {
        data: { name: 'detections' },
        mark: { type: 'rule', color: '#f14c4c', strokeWidth: 2 },
        encoding: {
          x: { field: 'i', type: 'quantitative' },
          tooltip: [{ field: 'i', type: 'quantitative', title: 'drift detected at label' }],
        },
      },
      {
        data: { name: 'errors' },
        mark: { type: 'line', color: '#cca700', tooltip: true },
        encoding: {
          x: { field: 'i', type: 'quantitative', title: 'labelled predictions (oldest first)' },
          y: {
            field: 'mean',
            type: 'quantitative',
            title: 'running error rate',
            axis: { format: '.0%' },
            scale: { domain: [0, 1] },
          },
        },
      },
    ],
  };
}

interface Chart {
  key: ChartKey;
  figure: HTMLElement;
  body: HTMLElement;
  caption: HTMLElement;
  result?: Result;
  pending: Promise<void>;
}

const charts = new Map<ChartKey, Chart>();

const CHART_TITLES: Record<ChartKey, string> = {
  requests: 'Requests over time, per variant',
  latency: 'Latency p95 over time, per variant',
  errors: 'Running error of labelled predictions (ADWIN detections in red)',
};

function chartFor(key: ChartKey): Chart {
  let chart = charts.get(key);
  if (!chart) {
    const body = el('div', { className: 'chart-body' });
    const caption = el('p', { className: 'chart-note' });
    const figure = el(
      'figure',
      { className: `chart chart-${key}` },
      el('figcaption', { text: CHART_TITLES[key] }),
      body,
      caption,
    );
    chart = { key, figure, body, caption, pending: Promise.resolve() };
    charts.set(key, chart);
  }
  return chart;
}

/** Draws the chart the first time, then only swaps its data (no re-embed, no flicker). */
function updateChart(chart: Chart, data: ChartData): void {
  chart.pending = chart.pending.then(async () => {
    try {
      if (!chart.result) {
        chart.result = await embedChart(chart.body, chartSpec(chart.key, data));
        return;
      }
      const view = chart.result.view;
      for (const [name, values] of Object.entries(data)) view.data(name, values);
      await view.runAsync();
    } catch (error) {
      chart.result?.finalize();
      chart.result = undefined;
      chartError(chart.body, error);
    }
  });
}

// ---- sections ----

function post(action: MonitorAction): void {
  vscode.postMessage({ type: 'action', action });
}

function chip(status: MonitoringSnapshot['status']): HTMLElement {
  return el('span', { className: `chip chip-${status}`, text: status, title: `status: ${status}` });
}

function header(s: MonitoringSnapshot): HTMLElement {
  const d = s.deployment;
  const urlLine = el(
    'div',
    { className: 'url-line' },
    el('span', { className: 'label', text: 'URL ' }),
    el('code', { className: 'url', text: s.url }),
  );
  const facts = el(
    'div',
    { className: 'facts' },
    el('span', {
      className: 'fact split',
      text: `${s.split.strategy} · ${describeSplit(s.split)}`,
    }),
    el('span', { className: 'fact', text: `model ${d.modelName}` }),
    el('span', {
      className: 'fact updated',
      text: `updated ${clock(s.at)} · last ${windowText(s.windowMs)}`,
    }),
  );
  const hasCandidate = s.split.candidate !== null && d.status === 'running';
  const running = d.status === 'running';
  const off = (on: boolean): Record<string, string> =>
    on ? { secondary: '' } : { secondary: '', disabled: '' };
  const actions = el(
    'div',
    { className: 'actions' },
    button(
      'Shift Traffic…',
      () => post('shift'),
      off(hasCandidate && ['canary', 'ab', 'bluegreen'].includes(s.split.strategy)),
    ),
    button('Promote Candidate', () => post('promote'), off(hasCandidate)),
    button('Roll Back', () => post('rollback'), off(hasCandidate)),
    button('Copy Token', () => post('copyToken'), off(true)),
    button('Stop…', () => post('stop'), off(running)),
    button('Refresh', () => post('refresh'), off(true)),
  );
  return el(
    'header',
    {},
    el(
      'div',
      { className: 'heading' },
      el('div', { className: 'kicker', text: 'Deployment monitor' }),
      el(
        'div',
        { className: 'title-line' },
        el('h1', { className: 'title', text: d.name }),
        chip(s.status),
      ),
      urlLine,
      facts,
    ),
    actions,
  );
}

function alertsSection(s: MonitoringSnapshot): HTMLElement {
  const items = s.alerts.map((a) =>
    el(
      'li',
      { className: `alert alert-${a.severity}` },
      el('span', { className: 'alert-icon', text: a.severity === 'error' ? '✖' : '⚠' }),
      el('span', { className: 'alert-kind', text: a.kind }),
      el('span', { className: 'alert-message', text: a.message }),
    ),
  );
  const body = items.length
    ? el('ul', { className: 'alerts' }, ...items)
    : el('p', {
        className: 'empty ok',
        text:
          s.status === 'stopped'
            ? 'The deployment is stopped.'
            : 'No alerts: every threshold holds.',
      });
  return el(
    'section',
    { className: 'alerts-section' },
    el('h2', { text: `Alerts (${s.alerts.length})` }),
    body,
  );
}

function tile(
  label: string,
  value: string,
  detail: string,
  bad = false,
  className = '',
): HTMLElement {
  return el(
    'div',
    { className: `tile${bad ? ' bad' : ''} ${className}`.trim() },
    el('div', { className: 'tile-label', text: label }),
    el('div', { className: 'tile-value', text: value }),
    el('div', { className: 'tile-detail', text: detail }),
  );
}

function kpis(s: MonitoringSnapshot): HTMLElement {
  const t = s.thresholds;
  const codes = Object.entries(s.responsesByCode).sort(([a], [b]) => a.localeCompare(b));
  const total = codes.reduce((n, [, c]) => n + c, 0);
  const codeList = el(
    'div',
    { className: 'codes' },
    ...(codes.length
      ? codes.map(([code, n]) =>
          el(
            'span',
            {
              className: `code code-${code[0]}xx`,
              title: `${count(n)} responses with status ${code}`,
            },
            el('strong', { text: code }),
            ` ${count(n)}`,
          ),
        )
      : [el('span', { className: 'empty', text: 'none yet' })]),
  );
  const p95Bad = s.latency.p95 !== null && s.latency.p95 > t.p95LatencyMs;
  const errBad = s.errorRate !== null && s.errorRate > t.errorRate;
  return el(
    'div',
    { className: 'tiles' },
    tile(
      'Requests/s',
      rate(s.requestsPerSecond),
      `over the last ${windowText(s.windowMs)}`,
      false,
      'tile-rps',
    ),
    tile('Latency p50', ms(s.latency.p50), 'median', false, 'tile-p50'),
    tile('Latency p95', ms(s.latency.p95), `threshold ${ms(t.p95LatencyMs)}`, p95Bad, 'tile-p95'),
    tile('Latency p99', ms(s.latency.p99), 'slowest 1%', false, 'tile-p99'),
    tile(
      'Error rate',
      s.errorRate === null ? '–' : percent(s.errorRate),
      `threshold ${percent(t.errorRate)}`,
      errBad,
      'tile-errors',
    ),
    el(
      'div',
      { className: 'tile tile-codes' },
      el('div', { className: 'tile-label', text: 'Responses by code' }),
      codeList,
      el('div', { className: 'tile-detail', text: `${count(total)} since the server started` }),
    ),
  );
}

function variantsSection(s: MonitoringSnapshot): HTMLElement {
  const t = s.thresholds;
  const rows = s.variants.map((v) => {
    const quality =
      v.accuracy !== null ? percent(v.accuracy) : v.mae !== null ? `MAE ${stat(v.mae)}` : '–';
    const judged = v.labelled >= t.minFeedback;
    const low = v.accuracy !== null && judged && v.accuracy < t.minAccuracy;
    const qualityCell = el('td', { className: `quality${low ? ' bad' : ''}`, text: quality });
    if (v.accuracy !== null && !judged)
      qualityCell.append(
        el('span', { className: 'sub', text: ` (${v.labelled} of ${t.minFeedback} labels)` }),
      );
    return el(
      'tr',
      { className: `variant-row variant-${v.variant}` },
      el(
        'td',
        {},
        el('span', { className: `swatch ${v.variant}` }),
        el('span', { text: v.variant }),
      ),
      el('td', { text: `v${v.version}` }),
      el('td', { text: trafficShare(s.split, v.variant) }),
      el('td', { className: 'num', text: count(v.predictions) }),
      el('td', { className: 'num', text: count(v.labelled) }),
      qualityCell,
    );
  });
  const table =
    rows.length === 0
      ? el('p', { className: 'empty', text: 'No variant has answered yet.' })
      : el(
          'div',
          { className: 'table-wrap' },
          el(
            'table',
            { className: 'grid variants' },
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...[
                  'variant',
                  'version',
                  'traffic',
                  'predictions',
                  'labelled',
                  'live accuracy / MAE',
                ].map((h) => el('th', { text: h })),
              ),
            ),
            el('tbody', {}, ...rows),
          ),
        );
  return el(
    'section',
    { className: 'variants-section' },
    el('h2', { text: 'Variants' }),
    table,
    el('p', {
      className: 'hint',
      text: `Live quality joins feedback (POST ${s.url}:feedback with the prediction's id and the true label) to predictions; judged after ${t.minFeedback} labels, alert below ${percent(t.minAccuracy)}.`,
    }),
  );
}

function driftSection(s: MonitoringSnapshot): HTMLElement {
  const d = s.drift;
  const parts: Node[] = [];
  const facts = el(
    'div',
    { className: 'facts' },
    el(
      'span',
      { className: 'fact' },
      el('span', { className: 'label', text: 'Reference ' }),
      el('span', { className: 'reference', text: d.reference ?? '—' }),
    ),
    el('span', {
      className: 'fact',
      text: `${count(d.rows)} recent input${d.rows === 1 ? '' : 's'} compared`,
    }),
  );
  parts.push(facts);
  if (d.message) parts.push(el('p', { className: 'empty drift-message', text: d.message }));
  const report = d.report;
  if (report) {
    const drifted = report.columns.filter((c) => c.drifted && !c.skipped);
    parts.push(
      el('p', {
        className: `verdict ${report.dataset.drifted ? 'drifted' : 'stable'}`,
        text: `${report.dataset.drifted ? 'Data drift' : 'No data set drift'}: ${report.dataset.driftedColumns} of ${report.dataset.columns} columns drifted (${percent(report.dataset.share)}, threshold ${percent(report.dataset.threshold)})`,
      }),
    );
    if (drifted.length) {
      parts.push(
        el(
          'ul',
          { className: 'drifted-columns' },
          ...drifted.map((c) =>
            el(
              'li',
              {},
              el('span', { className: 'column-name', text: c.name }),
              el('span', {
                className: 'sub',
                text: ` ${METHOD_NAMES[c.method] ?? c.method} ${stat(c.statistic)}${c.pValue !== null ? ` · p ${stat(c.pValue)}` : ''} (threshold ${stat(c.threshold)})`,
              }),
            ),
          ),
        ),
      );
    }
  }
  return el(
    'section',
    { className: 'drift-section' },
    el('h2', { text: 'Data drift of recent inputs' }),
    ...parts,
  );
}

// ---- the page ----

let current: MonitoringSnapshot | undefined;
let lastError: string | undefined;

function render(s: MonitoringSnapshot): void {
  current = s;
  const data = chartData(s);
  const chartGrid = el('div', { className: 'charts' });
  for (const key of ['requests', 'latency', 'errors'] as ChartKey[]) {
    const chart = chartFor(key);
    chartGrid.append(chart.figure);
    if (key === 'errors') {
      chart.caption.textContent =
        s.detector.values === 0
          ? 'No labelled predictions yet: send feedback to see the error stream.'
          : `${count(s.detector.values)} labelled predictions · ${s.detector.detections.length} drift${s.detector.detections.length === 1 ? '' : 's'} detected`;
    } else {
      chart.caption.textContent =
        s.traffic.length === 0
          ? `No predictions in the last ${windowText(s.windowMs)}.`
          : key === 'latency'
            ? `Threshold ${ms(s.thresholds.p95LatencyMs)}${thresholdNear(s) ? ' (dashed red)' : ', far above every bucket'}.`
            : '';
    }
  }
  const parts: Node[] = [header(s)];
  if (lastError) parts.push(errorBanner(lastError));
  if (s.status === 'down') parts.push(errorBanner(`The server at ${s.url} does not answer.`));
  parts.push(
    alertsSection(s),
    kpis(s),
    variantsSection(s),
    el('section', { className: 'charts-section' }, el('h2', { text: 'Live' }), chartGrid),
    driftSection(s),
  );
  root.replaceChildren(...parts);
  root.className = `status-${s.status} strategy-${s.split.strategy}`;
  document.title = `Monitor: ${s.deployment.name}`;
  for (const key of ['requests', 'latency', 'errors'] as ChartKey[])
    updateChart(chartFor(key), data[key]);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToMonitoringView(message)) return;
  vscode.setState({ name: message.name });
  if (message.type === 'snapshot') {
    lastError = undefined;
    render(message.snapshot);
  } else {
    lastError = message.message;
    if (current) render(current);
    else root.replaceChildren(errorBanner(message.message));
  }
});

vscode.postMessage({ type: 'ready' });
