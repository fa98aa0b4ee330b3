/**
 * The run details panel: params, tags, latest metrics, artifacts and a chart of each
 * metric's history, the run's note, the source cells captured at its start, its git state
 * and environment. Every string from the store is set as text, never as HTML: run names,
 * params, tags, notes and code come from notebooks and may hold markup. The note is
 * markdown, shown as its text (not rendered), which is safe by construction.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import type { TopLevelSpec } from 'vega-lite';
import { fromWireNumber, type WireNumber } from '../../core/common/wire-number';
import {
  isToRunDetailsView,
  type FromRunDetailsView,
  type RunDetails,
  type RunHeading,
} from './protocol';
import { el } from '../shared/dom';
import { embedChart } from '../shared/vega';
import type { Result } from 'vega-embed';

type SourceCell = NonNullable<RunDetails['sourceSnapshot']>[number];

declare function acquireVsCodeApi(): {
  postMessage(message: FromRunDetailsView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

function custom(tag: string, attrs: Record<string, string>, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatValue(value: WireNumber): string {
  const n = fromWireNumber(value);
  if (!Number.isFinite(n)) return String(n);
  return Number.isInteger(n) ? String(n) : n.toPrecision(6).replace(/\.?0+$/, '');
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 ** 2) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 ** 2).toFixed(1)} MiB`;
}

function duration(d: RunDetails): string {
  const end = d.endTime ?? Date.now();
  const s = (end - d.startTime) / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function table(headers: string[], rows: string[][], empty: string): HTMLElement {
  if (rows.length === 0) return el('p', { text: empty, className: 'empty' });
  const thead = el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h }))));
  const tbody = el(
    'tbody',
    {},
    ...rows.map((r) => el('tr', {}, ...r.map((c) => el('td', { text: c })))),
  );
  return el('table', {}, thead, tbody);
}

function section(title: string, ...content: Node[]): HTMLElement {
  return el('section', {}, el('h2', { text: title }), ...content);
}

function chartSpec(key: string, points: { step: number; value: WireNumber }[]): TopLevelSpec {
  // Non-finite values cannot be drawn; they are counted in the caption instead.
  const values = points
    .map((p) => ({ step: p.step, value: fromWireNumber(p.value) }))
    .filter((p) => Number.isFinite(p.value));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    width: 'container',
    height: 160,
    background: 'transparent',
    data: { values },
    mark: { type: 'line', point: values.length <= 60, tooltip: true },
    encoding: {
      // Steps are whole numbers: integer labels, no ticks between steps (one point gave "0.000000").
      x: {
        field: 'step',
        type: 'quantitative',
        title: 'step',
        axis: { format: 'd', tickMinStep: 1 },
      },
      // "~r": rounded to 6 significant digits, trailing zeros trimmed. Vega's own format takes
      // its precision from the tick step, which a single value (no span) makes tiny: "0.910000".
      y: {
        field: 'value',
        type: 'quantitative',
        title: key,
        scale: { zero: false },
        axis: { format: '~r' },
      },
    },
    config: {
      axis: {
        labelColor: '#999',
        titleColor: '#999',
        gridColor: 'rgba(128,128,128,0.2)',
        domainColor: '#888',
        tickColor: '#888',
      },
      view: { stroke: 'transparent' },
      line: { color: '#3794ff' },
      point: { color: '#3794ff' },
    },
  };
}

/**
 * The charts drawn (or being drawn), by metric, with the history each shows. The host sends
 * the details again whenever the store changes (anything written by any run); the page is
 * redrawn, and a chart whose history did not change is moved into it as it is. Redrawing
 * it each time started vega again from nothing, and under load, with the store changing
 * more often than vega took to draw, a chart was never seen drawn.
 */
interface ShownChart {
  history: string;
  figure: HTMLElement;
  drawn?: Promise<Result>;
}
const charts = new Map<string, ShownChart>();

async function renderCharts(container: HTMLElement, details: RunDetails): Promise<void> {
  const kept = new Set<string>();
  for (const [key, points] of Object.entries(details.metricHistory)) {
    // A newer page took over while this one waited for a chart: it places the rest.
    if (!container.isConnected) return;
    kept.add(key);
    const history = JSON.stringify(points);
    const existing = charts.get(key);
    if (existing && existing.history === history) {
      container.append(existing.figure);
      continue;
    }
    if (existing) forgetChart(key);
    const nonFinite = points.filter((p) => !Number.isFinite(fromWireNumber(p.value))).length;
    const target = el('div', { className: 'chart-body' });
    const caption = `${key} (${points.length} point${points.length === 1 ? '' : 's'}${nonFinite ? `, ${nonFinite} NaN/Infinity not drawn` : ''})`;
    const figure = el(
      'figure',
      { className: 'chart' },
      el('figcaption', { text: caption }),
      target,
    );
    container.append(figure);
    const entry: ShownChart = { history, figure };
    charts.set(key, entry);
    entry.drawn = embedChart(target, chartSpec(key, points), { tooltip: true });
    await entry.drawn;
  }
  for (const key of [...charts.keys()]) if (!kept.has(key)) forgetChart(key);
}

/** Drops a chart and ends its vega view (timers, listeners) once it is drawn. */
function forgetChart(key: string): void {
  const entry = charts.get(key);
  charts.delete(key);
  entry?.drawn?.then(
    (r) => r.finalize(),
    () => undefined,
  );
}

function button(label: string, message: FromRunDetailsView, title?: string): HTMLElement {
  const b = custom('vscode-button', title ? { secondary: '', title } : { secondary: '' }, label);
  b.addEventListener('click', () => vscode.postMessage(message));
  return b;
}

function factList(facts: [string, string][]): HTMLElement {
  return el('dl', {}, ...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
}

function noteSection(note: string | null | undefined): HTMLElement {
  if (!note || note.trim() === '')
    return section('Note', el('p', { text: 'No note.', className: 'empty' }));
  // Markdown shown as text: nothing in a note can become markup.
  return section('Note', el('div', { className: 'note', text: note }));
}

const CELL_NUMBERS =
  'Cells are numbered by position in the notebook, markdown cells included (as VS Code shows "Cell 3 of 8"); [n] is the execution count shown beside a cell';

function sourceSection(cells: SourceCell[] | null | undefined): HTMLElement {
  if (!cells || cells.length === 0) {
    return section(
      'Source',
      el('p', {
        text: 'No source captured (the run was not started from a notebook kernel).',
        className: 'empty',
      }),
    );
  }
  const list = el('div', { className: 'source-cells' });
  for (const cell of cells) {
    // One numbering everywhere (CLI, kernel errors, VS Code's "Cell 3 of 8"): the position
    // among all cells; the execution count comes second, as what ran when.
    const ran =
      cell.executionCount === null || cell.executionCount === undefined
        ? 'not run'
        : `ran as [${cell.executionCount}]`;
    const where =
      typeof cell.index === 'number' ? `cell ${cell.index + 1}` : 'cell (position unknown)';
    const code = el('code', { text: cell.source });
    list.append(
      el(
        'figure',
        { className: 'source-cell' },
        el(
          'figcaption',
          { title: CELL_NUMBERS },
          el('span', { text: where }),
          el('span', { className: 'exec-count', text: ` · ${ran}` }),
        ),
        el('pre', {}, code),
      ),
    );
  }
  const summary = el('p', {
    className: 'hint',
    text: `${cells.length} cell${cells.length === 1 ? '' : 's'} had run in the kernel when the run started, in execution order. ${CELL_NUMBERS}.`,
  });
  return section('Source', summary, list);
}

function gitSection(details: RunDetails): HTMLElement {
  const dirty = details.gitDirty === null ? 'unknown' : details.gitDirty ? 'yes' : 'no';
  const facts = factList([
    ['Commit', details.gitCommit ?? '— (not in a git repository)'],
    ['Uncommitted changes', details.gitCommit ? dirty : '—'],
  ]);
  const parts: Node[] = [facts];
  if (details.gitDiffSummary)
    parts.push(el('pre', { className: 'diff-summary', text: details.gitDiffSummary }));
  else if (details.gitDirty)
    parts.push(el('p', { className: 'empty', text: 'No summary of the changes was recorded.' }));
  return section('Git', ...parts);
}

function environmentSection(environment: unknown): HTMLElement | undefined {
  if (!environment || typeof environment !== 'object') return undefined;
  const env = environment as {
    node?: unknown;
    platform?: unknown;
    arch?: unknown;
    packages?: unknown;
  };
  const text = (v: unknown) =>
    typeof v === 'string' ? v : v === undefined || v === null ? '—' : JSON.stringify(v);
  const facts = factList([
    ['Node.js', text(env.node)],
    [
      'Platform',
      env.arch === undefined ? text(env.platform) : `${text(env.platform)} (${text(env.arch)})`,
    ],
  ]);
  const packages =
    env.packages && typeof env.packages === 'object'
      ? Object.entries(env.packages as Record<string, unknown>)
      : [];
  const rows = packages.map(([name, version]) => [
    name,
    typeof version === 'string' ? version : 'not found',
  ]);
  return section(
    'Environment',
    facts,
    table(['package', 'version'], rows, 'No package versions recorded.'),
  );
}

function render(details: RunDetails): void {
  const header = el(
    'header',
    {},
    el('h1', { text: details.name }),
    custom('vscode-badge', { class: `status status-${details.status}` }, details.status),
  );
  if (details.pinned) header.append(custom('vscode-badge', { class: 'pinned' }, 'pinned'));
  const facts: [string, string][] = [
    ['Experiment', details.experiment],
    ['Run ID', details.id],
  ];
  if (details.parentRunId) facts.push(['Parent run', details.parentRunId]);
  facts.push(
    ['Started', new Date(details.startTime).toLocaleString()],
    ['Started by', details.user ?? '—'],
    [
      'Duration',
      details.endTime === null && details.status === 'running'
        ? `${duration(details)} (running)`
        : duration(details),
    ],
    [
      'Notebook',
      details.sourceNotebook
        ? `${details.sourceNotebook}${details.sourceCell !== null ? `, cell ${Number(details.sourceCell) + 1 || details.sourceCell}` : ''}`
        : '—',
    ],
    [
      'Git commit',
      details.gitCommit
        ? `${details.gitCommit.slice(0, 12)}${details.gitDirty ? ' (uncommitted changes)' : ''}`
        : '—',
    ],
  );
  const dl = factList(facts);
  const actions = el('div', { className: 'actions' }, button('Copy ID', { type: 'copyRunId' }));
  if (details.sourceNotebook) actions.append(button('Open Notebook', { type: 'revealNotebook' }));
  if (details.sourceSnapshot && details.sourceSnapshot.length > 0) {
    actions.append(
      button(
        'Reopen Run Source',
        { type: 'reopenSource' },
        'Open the cells as they were when the run started, as a notebook',
      ),
    );
  }
  const parts: Node[] = [header, dl, actions];
  if (details.error) parts.push(el('pre', { className: 'error', text: details.error }));
  const metrics = Object.entries(details.latestMetrics).map(([k, m]) => [
    k,
    formatValue(m.value),
    String(m.step),
    String(details.metricHistoryPoints?.[k] ?? details.metricHistory[k]?.length ?? 0),
  ]);
  const charts = el('div', { className: 'charts' });
  parts.push(
    noteSection(details.note),
    section(
      'Metrics',
      table(['metric', 'latest', 'step', 'points'], metrics, 'No metrics logged.'),
      charts,
    ),
    section(
      'Parameters',
      table(['parameter', 'value'], Object.entries(details.params), 'No parameters logged.'),
    ),
    section('Tags', table(['tag', 'value'], Object.entries(details.tags), 'No tags.')),
    section(
      'Artifacts',
      table(
        ['name', 'size', 'SHA-256'],
        details.artifacts.map((a) => [a.name, formatBytes(a.size), a.sha256.slice(0, 16)]),
        'No artifacts.',
      ),
    ),
    sourceSection(details.sourceSnapshot),
    gitSection(details),
  );
  const environment = environmentSection(details.environment);
  if (environment) parts.push(environment);
  root.replaceChildren(...parts);
  document.title = details.name;
  void renderCharts(charts, details).catch((error: Error) =>
    charts.append(el('p', { className: 'error', text: `Chart failed: ${error.message}` })),
  );
}

/** The header while the service reads the run: its name (or id), and what is coming. */
function renderLoading(heading: RunHeading): void {
  const title = heading.name ?? `Run ${heading.runId.slice(0, 8)}`;
  root.replaceChildren(
    el('header', {}, el('h1', { text: title })),
    factList([['Run ID', heading.runId]]),
    el('p', { className: 'empty loading', text: 'Loading metrics, parameters and artifacts…' }),
  );
  document.title = title;
}

let shown = false;

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToRunDetailsView(message)) return;
  if (message.type === 'loading') {
    // A late `loading` (the webview said ready again) never hides details already drawn.
    if (!shown) renderLoading(message);
  } else if (message.type === 'details') {
    shown = true;
    vscode.setState({ runId: message.details.id });
    render(message.details);
  } else {
    root.replaceChildren(
      el('p', { className: 'empty', text: `Run ${message.runId} no longer exists.` }),
    );
  }
});

vscode.postMessage({ type: 'ready' });
