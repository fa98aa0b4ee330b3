/**
 * Notebook renderer for `application/vnd.labbook.drift+json` (what `lab.drift(reference,
 * current)` emits): the Drift panel's summary inline: the data set verdict with the share
 * of drifted columns against its threshold, the target and prediction with the model's
 * quality on both sides when present, and a column table with both distributions as small
 * overlaid bars. Runs in the notebook's output webview, bundled as one small ES module (no
 * vega: the bars are SVG rectangles).
 *
 * The payload comes from a kernel: it is checked at runtime (the Drift panel's own check),
 * and every string, column names and categories included, is set as text, never as HTML.
 */
import {
  distributionSvg,
  driftNumber,
  driftReportFromWire,
  isDriftReport,
  METHOD_NAMES,
  verdictOf,
  VERDICT_TEXT,
  type ColumnDrift,
  type DriftReport,
  type PredictionQuality,
} from '../drift/protocol';
import { count, percent } from '../shared/format';
import { el } from '../shared/dom';
import { jsonRenderer } from '../shared/json-renderer';
import { svgElement, svgImage } from '../shared/svg';

const STYLE_ID = 'labbook-drift-style';
const MAX_COLUMNS = 60;

const CSS = `
.lbd { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #ccc); padding: 6px 2px 8px; max-width: 1100px; }
.lbd-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.lbd-source { font-weight: 600; font-size: 1.1em; word-break: break-all; }
.lbd-vs { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbd-facts { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbd-verdict { display: flex; gap: 12px; align-items: center; margin: 8px 0 4px; padding: 8px 12px; border: 1px solid var(--vscode-panel-border, #2b2b2b); border-left-width: 4px; border-radius: 6px; flex-wrap: wrap; }
.lbd-verdict.lbd-drifted { border-left-color: var(--vscode-charts-red, #f14c4c); }
.lbd-verdict.lbd-stable { border-left-color: var(--vscode-charts-green, #89d185); }
.lbd-verdict-text { font-size: 1.25em; font-weight: 700; }
.lbd-drifted .lbd-verdict-text { color: var(--vscode-charts-red, #f14c4c); }
.lbd-stable .lbd-verdict-text { color: var(--vscode-charts-green, #89d185); }
.lbd-verdict-detail { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbd-track { fill: var(--vscode-input-background, #313131); }
.lbd-fill-drifted { fill: var(--vscode-charts-red, #f14c4c); }
.lbd-fill-stable { fill: var(--vscode-charts-green, #89d185); }
.lbd-mark { fill: var(--vscode-foreground, #ccc); }
.lbd h3 { font-size: 1em; font-weight: 600; margin: 10px 0 4px; }
.lbd-target { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
.lbd-target dt { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbd-target dd { margin: 0; }
.lbd-table-wrap { overflow-x: auto; }
.lbd-table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.lbd-table th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground, #9d9d9d); border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); padding: 2px 12px 2px 0; white-space: nowrap; }
.lbd-table td { padding: 2px 12px 2px 0; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); vertical-align: middle; text-align: left; }
.lbd-table .lbd-num { text-align: right; white-space: nowrap; }
.lbd-col-name { font-family: var(--vscode-editor-font-family, monospace); max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lbd-skip { color: var(--vscode-descriptionForeground, #9d9d9d); font-style: italic; max-width: 420px; }
.lbd-type { font-size: 0.85em; padding: 0 5px; border-radius: 8px; background: var(--vscode-badge-background, #616161); color: var(--vscode-badge-foreground, #f8f8f8); }
.lbd-chip { font-size: 0.85em; padding: 0 6px; border-radius: 8px; font-weight: 600; white-space: nowrap; }
.lbd-chip-drifted { color: var(--vscode-charts-red, #f14c4c); border: 1px solid var(--vscode-charts-red, #f14c4c); }
.lbd-chip-stable { color: var(--vscode-charts-green, #89d185); border: 1px solid var(--vscode-charts-green, #89d185); }
.lbd-chip-skipped { color: var(--vscode-descriptionForeground, #9d9d9d); border: 1px dashed var(--vscode-descriptionForeground, #9d9d9d); font-weight: 400; }
.lbd-dist { display: block; }
.lbd-reference { fill: #8b8b8b; opacity: 0.75; }
.lbd-current { fill: var(--vscode-charts-blue, #3794ff); opacity: 0.85; }
.lbd-axis { stroke: var(--vscode-panel-border, #2b2b2b); stroke-width: 1; }
.lbd-better { color: var(--vscode-charts-green, #89d185); }
.lbd-worse { color: var(--vscode-charts-red, #f14c4c); }
.lbd-more, .lbd-empty, .lbd-legend { color: var(--vscode-descriptionForeground, #9d9d9d); font-style: italic; margin: 4px 0 2px; }
.lbd-error { color: var(--vscode-errorForeground, #f14c4c); font-family: var(--vscode-editor-font-family, monospace); white-space: pre-wrap; }
`;

const num = driftNumber;

function baseName(source: string): string {
  const parts = source.split(/[\\/]/);
  return parts[parts.length - 1] || source;
}

/** The share of drifted columns as a bar, with a tick at the threshold (SVG attributes, no inline style). */
function shareBar(
  share: number,
  threshold: number,
  drifted: boolean,
  label: string,
): SVGSVGElement {
  const width = 200;
  const height = 14;
  const svg = svgImage(width, height, 'lbd-share', label);
  const rect = (x: number, y: number, w: number, h: number, className: string) => {
    const r = svgElement('rect');
    r.setAttribute('x', x.toFixed(2));
    r.setAttribute('y', String(y));
    r.setAttribute('width', Math.max(0, w).toFixed(2));
    r.setAttribute('height', String(h));
    if (className !== 'lbd-mark') r.setAttribute('rx', String(h / 2));
    r.setAttribute('class', className);
    return r;
  };
  const clamp = (v: number) => (Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0);
  svg.append(
    rect(0, 3, width, 8, 'lbd-track'),
    rect(0, 3, clamp(share) * width, 8, drifted ? 'lbd-fill-drifted' : 'lbd-fill-stable'),
    rect(Math.min(width - 2, clamp(threshold) * width - 1), 0, 2, height, 'lbd-mark'),
  );
  return svg;
}

function chip(c: ColumnDrift): HTMLElement {
  const v = verdictOf(c);
  return el('span', {
    className: `lbd-chip lbd-chip-${v}`,
    text: VERDICT_TEXT[v],
    title: c.message,
  });
}

function header(r: DriftReport): HTMLElement {
  const facts = [`${count(r.current.rows)} vs ${count(r.reference.rows)} rows`];
  if (r.current.sampled !== undefined || r.reference.sampled !== undefined)
    facts.push(
      `sampled to ${count(r.current.sampled ?? r.current.rows)} / ${count(r.reference.sampled ?? r.reference.rows)}`,
    );
  if (r.seconds !== undefined) facts.push(`compared in ${r.seconds.toFixed(2)} s`);
  return el(
    'div',
    { className: 'lbd-head' },
    el('span', {
      className: 'lbd-source lbd-current-source',
      text: baseName(r.current.source),
      title: r.current.source,
    }),
    el('span', { className: 'lbd-vs', text: 'vs' }),
    el('span', {
      className: 'lbd-source lbd-reference-source',
      text: baseName(r.reference.source),
      title: r.reference.source,
    }),
    el('span', { className: 'lbd-facts', text: facts.join(' · ') }),
  );
}

function verdictBlock(r: DriftReport): HTMLElement {
  const d = r.dataset;
  const skipped = r.columns.filter((c) => c.skipped).length;
  const detail = `${count(d.driftedColumns)} of ${count(d.columns)} columns drifted (${percent(d.share)}; threshold ${percent(d.threshold)})${skipped ? ` · ${count(skipped)} skipped` : ''}`;
  return el(
    'div',
    { className: `lbd-verdict ${d.drifted ? 'lbd-drifted' : 'lbd-stable'}` },
    el('span', {
      className: 'lbd-verdict-text',
      text: d.drifted ? '▲ Data set drift detected' : '✓ No data set drift',
    }),
    shareBar(
      d.share,
      d.threshold,
      d.drifted,
      `${percent(d.share)} of tested columns drifted; threshold ${percent(d.threshold)}`,
    ),
    el('span', { className: 'lbd-verdict-detail', text: detail }),
  );
}

const METRICS: Record<PredictionQuality['kind'], [string, string, boolean][]> = {
  classification: [
    ['accuracy', 'accuracy', true],
    ['f1', 'F1', true],
  ],
  regression: [
    ['mae', 'MAE', false],
    ['rmse', 'RMSE', false],
    ['r2', 'R²', true],
  ],
};

function targetBlock(r: DriftReport): HTMLElement | undefined {
  const t = r.target;
  if (!t || (t.target === undefined && t.prediction === undefined)) return undefined;
  const dl = el('dl', { className: 'lbd-target' });
  const sideRow = (label: string, name: string | undefined, drift: ColumnDrift | undefined) => {
    if (name === undefined) return;
    const found = drift ?? r.columns.find((c) => c.name === name);
    dl.append(
      el('dt', { text: label }),
      el(
        'dd',
        { className: `lbd-target-${label.toLowerCase()}` },
        el('span', { className: 'lbd-col-name', text: name }),
        ' ',
        ...(found ? [chip(found)] : []),
      ),
    );
  };
  sideRow('Target', t.target, t.targetDrift);
  sideRow('Prediction', t.prediction, t.predictionDrift);
  const kind = t.referenceQuality?.kind ?? t.currentQuality?.kind;
  if (kind) {
    const parts: (Node | string)[] = [];
    for (const [key, label, higherIsBetter] of METRICS[kind]) {
      const ref = t.referenceQuality
        ? (t.referenceQuality as unknown as Record<string, number | null>)[key]
        : undefined;
      const cur = t.currentQuality
        ? (t.currentQuality as unknown as Record<string, number | null>)[key]
        : undefined;
      const change =
        t.change?.[key] ?? (typeof ref === 'number' && typeof cur === 'number' ? cur - ref : null);
      if (parts.length) parts.push(' · ');
      parts.push(`${label} ${num(ref)} → ${num(cur)}`);
      if (typeof change === 'number' && Number.isFinite(change) && change !== 0) {
        parts.push(
          ' ',
          el('span', {
            className: change > 0 === higherIsBetter ? 'lbd-better' : 'lbd-worse',
            text: `(${change > 0 ? '+' : '−'}${num(Math.abs(change))})`,
          }),
        );
      }
    }
    dl.append(el('dt', { text: 'Quality' }), el('dd', { className: 'lbd-quality' }, ...parts));
  }
  return el(
    'div',
    { className: 'lbd-target-block' },
    el('h3', { text: 'Target and prediction' }),
    dl,
  );
}

function columnRow(c: ColumnDrift): HTMLElement {
  const cells: HTMLElement[] = [
    el('td', { className: 'lbd-col-name', text: c.name, title: c.name }),
    el('td', {}, el('span', { className: `lbd-type lbd-type-${c.type}`, text: c.type })),
  ];
  if (c.skipped) {
    const message = el('td', { className: 'lbd-skip', text: c.message, title: c.reason });
    message.colSpan = 3;
    cells.push(message);
  } else {
    cells.push(
      el('td', {
        className: 'lbd-method',
        text: METHOD_NAMES[c.method] ?? c.method,
        title: c.reason,
      }),
      el('td', { className: 'lbd-num lbd-stat', text: num(c.statistic) }),
      el('td', { className: 'lbd-num lbd-p', text: c.methodKind === 'test' ? num(c.pValue) : '–' }),
    );
  }
  cells.push(el('td', {}, chip(c)));
  cells.push(
    el(
      'td',
      { className: 'lbd-bars' },
      c.bins.length
        ? distributionSvg(c, 110, 22, 'lbd')
        : el('span', { className: 'lbd-empty', text: '–' }),
    ),
  );
  const row = el('tr', { className: `lbd-column lbd-${verdictOf(c)}` }, ...cells);
  row.dataset.column = c.name;
  return row;
}

function columnsBlock(r: DriftReport): HTMLElement {
  const block = el(
    'div',
    { className: 'lbd-columns-block' },
    el('h3', { text: `Columns (${count(r.columns.length)})` }),
  );
  if (r.columns.length === 0) {
    block.append(el('p', { className: 'lbd-empty', text: 'No columns to compare.' }));
    return block;
  }
  // Drifted columns first, then the rest, each in the report's order.
  const rank = { drifted: 0, stable: 1, skipped: 2 } as const;
  const ordered = r.columns
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank[verdictOf(a.c)] - rank[verdictOf(b.c)] || a.i - b.i)
    .map((x) => x.c);
  const headers = ['Column', 'Type', 'Method', 'Statistic', 'p-value', 'Drift', 'Distribution'];
  block.append(
    el(
      'div',
      { className: 'lbd-table-wrap' },
      el(
        'table',
        { className: 'lbd-table' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...headers.map((h, i) =>
              el('th', { text: h, className: i === 3 || i === 4 ? 'lbd-num' : '' }),
            ),
          ),
        ),
        el('tbody', {}, ...ordered.slice(0, MAX_COLUMNS).map(columnRow)),
      ),
    ),
  );
  if (r.columns.length > MAX_COLUMNS)
    block.append(
      el('p', {
        className: 'lbd-more',
        text: `… and ${count(r.columns.length - MAX_COLUMNS)} more columns`,
      }),
    );
  block.append(
    el('p', {
      className: 'lbd-legend',
      text: 'Distribution: reference in grey, current in blue, as shares of each side. “Labbook: Compare Data for Drift…” opens the full report.',
    }),
  );
  return block;
}

/** The whole summary; exported for tests. */
export function renderDrift(r: DriftReport): HTMLElement {
  const target = targetBlock(r);
  return el(
    'div',
    { className: 'lbd' },
    header(r),
    verdictBlock(r),
    ...(target ? [target] : []),
    columnsBlock(r),
  );
}

export const activate = jsonRenderer({
  styleId: STYLE_ID,
  css: CSS,
  errorClass: 'lbd-error',
  what: 'the drift report',
  expected:
    'a Labbook drift report (expected reference, current, dataset and columns as lab.drift() emits them)',
  isValid: isDriftReport,
  // The kernel sends the report as core/common/drift-wire.ts puts it (Infinity as "Infinity").
  render: (report) => renderDrift(driftReportFromWire(report)),
});
