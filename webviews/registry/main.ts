/**
 * The registry panel of one model: versions side by side (stage, aliases, source run, the
 * run's metrics with the best marked), the lineage of the selected version, the stage
 * history with each transition's gate verdicts, and an editor for the promotion gates.
 *
 * Every string from the store (model and run names, aliases, reasons, gate texts) is set
 * as text, never as HTML. The page keeps one container per section and refills them, so a
 * refresh while the user edits the gates keeps focus, scroll position and unsaved edits.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { higherIsBetterByName } from '../../core/common/comparison';
import { formatMetric } from '../../core/common/format';
import { fromWireNumber, type WireNumber } from '../../core/common/wire-number';
import type { GateResult, ModelTransition, ModelVersionItem } from '../../core/service/protocol';
import {
  HOLDOUT_METRICS,
  isHoldoutMetric,
  isToRegistryView,
  type FromRegistryView,
  type GatesConfig,
  type HoldoutMetric,
  type ModelDetails,
  type StageGates,
  type VersionLineage,
} from './protocol';
import { actionLink, el, onActivate } from '../shared/dom';
import { chartError, errorView, noticeLine, showLoading, showNotice } from '../shared/notice';
import { noTestsLine, testsSection as modelTestsSection } from '../shared/model-tests';
import { embedChart } from '../shared/vega';
import type { Result } from 'vega-embed';

declare function acquireVsCodeApi(): {
  postMessage(message: FromRegistryView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

// ---- DOM helpers (text only) ----

function button(
  label: string,
  onClick: () => void,
  attrs: Record<string, string> = {},
): HTMLElement {
  const node = document.createElement('vscode-button');
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.textContent = label;
  node.addEventListener('click', (event) => {
    event.stopPropagation();
    onClick();
  });
  return node;
}

/** The version rows are clickable (they select the version): a link in a row acts alone. */
function link(
  text: string,
  title: string,
  onClick: () => void,
  className = 'link',
): HTMLAnchorElement {
  const a = actionLink({ text, title, className }, onClick);
  a.addEventListener('click', (event) => event.stopPropagation());
  return a;
}

function stageBadge(stage: string): HTMLElement {
  return el('span', {
    className: `stage stage-${stage.toLowerCase().replace(/[^a-z]/g, '')}`,
    text: stage,
  });
}

function aliasChip(alias: string): HTMLElement {
  return el('span', { className: 'alias', text: `@${alias}`, title: alias });
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-11-24 09:01`, local time. */
function when(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function metricText(value: WireNumber | number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return formatMetric(typeof value === 'number' ? value : fromWireNumber(value));
}

function gateItem(gate: GateResult): HTMLElement {
  const item = el(
    'li',
    { className: gate.passed ? 'gate passed' : 'gate failed' },
    el('span', { className: 'mark', text: gate.passed ? '✓' : '✗' }),
    el('span', { className: 'gate-text', text: gate.gate }),
    el('span', {
      className: 'gate-numbers',
      text: `${gate.actual === null ? 'not computed' : metricText(gate.actual)} (needs ${gate.expected})`,
    }),
  );
  if (!gate.passed && gate.message)
    item.append(el('div', { className: 'gate-message', text: gate.message }));
  item.setAttribute('aria-label', `${gate.passed ? 'passed' : 'failed'}: ${gate.gate}`);
  return item;
}

// ---- state ----

interface UiState {
  selected: number | null;
}

const saved = (vscode.getState() as { ui?: Partial<UiState> } | null)?.ui;
const ui: UiState = { selected: Number.isInteger(saved?.selected) ? saved!.selected! : null };
let details: ModelDetails | undefined;
let lineage: VersionLineage | undefined;

function saveUi(): void {
  vscode.setState({ ui });
}

const header = el('header');
const notice = noticeLine();
const versionsSection = el('section', { className: 'versions-section' });
const lineageSection = el('section', { className: 'lineage-section' });
const testsSection = el('section', { className: 'tests-section' });
let testsChart: Result | undefined;
const historySection = el('section', { className: 'history-section' });
const gatesSection = el('section', { className: 'gates-section' });

// ---- header ----

function renderHeader(d: ModelDetails): void {
  const m = d.model;
  const summary = el('div', { className: 'summary' });
  summary.append(
    el(
      'span',
      { className: 'summary-item' },
      el('span', { className: 'label', text: 'Production ' }),
      m.production !== null
        ? el('span', { className: 'stage stage-production', text: `v${m.production}` })
        : el('span', { text: '–' }),
    ),
  );
  summary.append(
    el(
      'span',
      { className: 'summary-item' },
      el('span', { className: 'label', text: 'Staging ' }),
      el('span', { text: m.staging !== null ? `v${m.staging}` : '–' }),
    ),
  );
  const aliases = Object.entries(m.aliases);
  if (aliases.length) {
    summary.append(
      el(
        'span',
        { className: 'summary-item' },
        el('span', { className: 'label', text: 'Aliases ' }),
        ...aliases.map(([a, v]) =>
          el('span', { className: 'alias', text: `@${a} → v${v}`, title: a }),
        ),
      ),
    );
  }
  header.replaceChildren(
    el(
      'div',
      {},
      el(
        'h1',
        {},
        el('span', { className: 'model-name', text: m.name }),
        el('span', {
          className: 'version-count',
          text: ` ${d.versions.length} version${d.versions.length === 1 ? '' : 's'}`,
        }),
      ),
      m.description
        ? el('p', { className: 'subtitle description', text: m.description })
        : el('span'),
      summary,
    ),
  );
  document.title = `Model: ${m.name}`;
}

// ---- versions table ----

/** Metric columns: those the gates test first, then common validation metrics, then the rest; at most 8. */
function metricColumns(d: ModelDetails): string[] {
  const keys = new Set(d.versions.flatMap((v) => Object.keys(v.metrics)));
  const ordered: string[] = [];
  const add = (k: string) => {
    if (keys.has(k) && !ordered.includes(k)) ordered.push(k);
  };
  for (const c of [...(d.gates?.production?.metrics ?? []), ...(d.gates?.staging?.metrics ?? [])]) {
    const m = /metrics\.(`[^`]+`|[\w.-]+)/.exec(c);
    if (m) add(m[1].replace(/^`|`$/g, ''));
  }
  for (const k of [
    'val_acc',
    'val_accuracy',
    'val_loss',
    'test_accuracy',
    'accuracy',
    'acc',
    'f1_macro',
    'loss',
    'rmse',
    'mae',
  ])
    add(k);
  for (const k of [...keys].sort()) add(k);
  return ordered.slice(0, 8);
}

/** Indexes of the versions with the best value of `key` (only when two or more have one). */
function bestOf(versions: ModelVersionItem[], key: string): Set<number> {
  const higher = higherIsBetterByName(key);
  const values = versions.map((v) =>
    v.metrics[key] === undefined ? NaN : fromWireNumber(v.metrics[key]),
  );
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return new Set();
  const best = higher ? Math.max(...finite) : Math.min(...finite);
  return new Set(values.flatMap((v, i) => (v === best ? [i] : [])));
}

function renderVersions(d: ModelDetails): void {
  const versions = [...d.versions].sort((a, b) => b.version - a.version);
  const metrics = metricColumns(d);
  const bests = new Map(metrics.map((k) => [k, bestOf(versions, k)]));
  const head = el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['Version', 'Stage', 'Aliases', 'Source run', 'Created'].map((h) => el('th', { text: h })),
      ...metrics.map((k) =>
        el(
          'th',
          {
            className: 'metric-col',
            title: `${k}: ${higherIsBetterByName(k) ? 'higher' : 'lower'} is better`,
          },
          el('span', { text: k }),
          el('span', { className: 'direction', text: higherIsBetterByName(k) ? ' ↑' : ' ↓' }),
        ),
      ),
      el('th', { text: '' }),
    ),
  );
  const body = el(
    'tbody',
    {},
    ...versions.map((v, i) => {
      const row = el('tr', {
        className: `version-row${v.version === ui.selected ? ' selected' : ''}`,
      });
      row.dataset.version = String(v.version);
      row.tabIndex = 0;
      row.setAttribute('aria-selected', String(v.version === ui.selected));
      onActivate(row, () => select(v.version));
      const run = el(
        'td',
        { className: 'run' },
        link(
          v.runName,
          `Open run ${v.runId}`,
          () => vscode.postMessage({ type: 'openRun', runId: v.runId }),
          'link run-link',
        ),
        el('div', {
          className: 'sub',
          text: `${v.experiment} · ${v.runId.slice(0, 8)}`,
          title: v.runId,
        }),
      );
      row.append(
        el('td', { className: 'version', text: `v${v.version}` }),
        el('td', {}, stageBadge(v.stage)),
        el('td', { className: 'aliases' }, ...v.aliases.map(aliasChip)),
        run,
        el(
          'td',
          { className: 'created' },
          el('div', { text: when(v.createdAt) }),
          el('div', { className: 'sub', text: v.createdBy }),
        ),
        ...metrics.map((k) => {
          const value = v.metrics[k];
          const best = bests.get(k)!.has(i);
          const cell = el('td', {
            className: `metric${best ? ' best' : ''}`,
            text: metricText(value),
          });
          if (best)
            cell.prepend(
              el('span', { className: 'best-mark', text: '★ ', title: 'best of the versions' }),
            );
          return cell;
        }),
        el(
          'td',
          { className: 'row-actions' },
          button('Promote…', () => vscode.postMessage({ type: 'promote', version: v.version }), {
            class: 'promote',
          }),
          button('Set Alias…', () => vscode.postMessage({ type: 'setAlias', version: v.version }), {
            secondary: '',
            class: 'set-alias',
          }),
          button(
            'Model Card',
            () => vscode.postMessage({ type: 'modelCard', version: v.version }),
            { secondary: '', class: 'model-card' },
          ),
        ),
      );
      return row;
    }),
  );
  versionsSection.replaceChildren(
    el('h2', { text: 'Versions' }),
    versions.length
      ? el(
          'div',
          { className: 'table-wrap' },
          el('table', { className: 'grid versions' }, head, body),
        )
      : el('p', { className: 'empty', text: 'No versions.' }),
  );
}

function select(version: number): void {
  if (ui.selected === version && lineage?.version === version) return;
  ui.selected = version;
  saveUi();
  for (const row of versionsSection.querySelectorAll<HTMLElement>('tr.version-row')) {
    const on = row.dataset.version === String(version);
    row.classList.toggle('selected', on);
    row.setAttribute('aria-selected', String(on));
  }
  lineage = undefined;
  renderLineage();
  vscode.postMessage({ type: 'selectVersion', version });
}

// ---- lineage ----

function step(kind: string, title: string, ...content: Node[]): HTMLElement {
  return el(
    'li',
    { className: `step step-${kind}` },
    el('div', { className: 'step-title', text: title }),
    ...content,
  );
}

function renderLineage(): void {
  const v = details?.versions.find((x) => x.version === ui.selected);
  if (!details || !v) {
    lineageSection.replaceChildren();
    return;
  }
  const heading = el('h2', { text: `Lineage of v${v.version}` });
  const l = lineage && lineage.version === v.version ? lineage : undefined;
  const chain = el(
    'ol',
    { className: 'lineage' },
    step(
      'version',
      'Version',
      el(
        'div',
        { className: 'step-main' },
        el('span', { text: `${details.model.name} v${v.version} ` }),
        stageBadge(v.stage),
      ),
      el('div', {
        className: 'sub',
        text: `${v.artifactPath || '(artifacts root)'} · ${v.signature?.task ?? 'model'}`,
      }),
    ),
    step(
      'run',
      'Run',
      el(
        'div',
        { className: 'step-main' },
        link(
          l?.runName ?? v.runName,
          `Open run ${v.runId}`,
          () => vscode.postMessage({ type: 'openRun', runId: v.runId }),
          'link run-link',
        ),
      ),
      el('div', {
        className: 'sub',
        text: `${l?.experiment ?? v.experiment} · ${v.runId.slice(0, 8)}`,
        title: v.runId,
      }),
    ),
    step(
      'notebook',
      'Notebook snapshot',
      !l
        ? el('div', { className: 'sub', text: 'Loading…' })
        : l.hasSource
          ? el(
              'div',
              {},
              el('div', {
                className: 'step-main',
                text: l.sourceNotebook ? l.sourceNotebook.split(/[\\/]/).pop()! : 'captured cells',
                title: l.sourceNotebook ?? '',
              }),
              button(
                'Reopen Source',
                () => vscode.postMessage({ type: 'reopenSource', runId: v.runId }),
                { secondary: '', class: 'reopen-source' },
              ),
            )
          : el('div', {
              className: 'sub',
              text: 'not captured (run not started from a Labbook notebook)',
            }),
    ),
    step(
      'data',
      'Data sets',
      !l
        ? el('div', { className: 'sub', text: 'Loading…' })
        : l.datasets.length
          ? el(
              'ul',
              { className: 'datasets' },
              ...l.datasets.map((ds) =>
                el(
                  'li',
                  {},
                  el('span', { className: 'step-main', text: ds.name }),
                  el('span', {
                    className: 'sub',
                    text: ` ${ds.role} · ${ds.rows === null ? '? rows' : `${ds.rows} rows`} · ${ds.fingerprint.slice(0, 12)}`,
                    title: ds.fingerprint,
                  }),
                ),
              ),
            )
          : el('div', { className: 'sub', text: 'none recorded' }),
    ),
    step(
      'git',
      'Git commit',
      !l
        ? el('div', { className: 'sub', text: 'Loading…' })
        : l.gitCommit
          ? el(
              'div',
              {},
              el('code', {
                className: 'step-main',
                text: l.gitCommit.slice(0, 12),
                title: l.gitCommit,
              }),
              l.gitDirty
                ? el('span', { className: 'dirty', text: ' + uncommitted changes' })
                : el('span'),
            )
          : el('div', { className: 'sub', text: 'not in a git repository' }),
    ),
  );
  const parts: Node[] = [heading, chain];
  if (l?.problem) parts.push(el('p', { className: 'error', text: l.problem }));
  lineageSection.replaceChildren(...parts);
  renderTests(v.version, l);
}

/** The selected version's model test report, below its lineage (the card has the same section). */
function renderTests(version: number, l: VersionLineage | undefined): void {
  testsChart?.finalize();
  testsChart = undefined;
  if (!l) {
    testsSection.replaceChildren();
    return;
  }
  if (!l.tests) {
    testsSection.replaceChildren(el('h2', { text: `Model tests of v${version}` }), noTestsLine());
    return;
  }
  const { node, chart } = modelTestsSection(l.tests);
  // The shared section brings its own heading; name the version in it.
  const h2 = node.querySelector('h2');
  if (h2) h2.textContent = `Model tests of v${version}`;
  testsSection.replaceChildren(...node.childNodes);
  if (chart)
    queueMicrotask(() => {
      if (!chart.target.isConnected) return;
      embedChart(chart.target, chart.spec).then(
        (r) => {
          testsChart = r;
        },
        (error: unknown) => chartError(chart.target, error),
      );
    });
}

// ---- history ----

function transitionText(t: ModelTransition): string {
  switch (t.kind) {
    case 'registered':
      return `v${t.version} registered`;
    case 'alias-set':
      return `@${t.alias ?? '?'} → v${t.version}`;
    case 'alias-removed':
      return `@${t.alias ?? '?'} removed from v${t.version}`;
    default:
      return `v${t.version}: ${t.from ?? 'None'} → ${t.to ?? 'None'}`;
  }
}

function renderHistory(d: ModelDetails): void {
  const entries = [...d.history].sort((a, b) => b.at - a.at || b.id - a.id);
  const list = el(
    'ol',
    { className: 'history' },
    ...entries.map((t) => {
      const head = el(
        'div',
        { className: 'transition-head' },
        el('span', { className: 'when', text: when(t.at) }),
        el('span', { className: 'what', text: transitionText(t) }),
        t.kind === 'stage' && t.to ? stageBadge(t.to) : el('span'),
        t.forced
          ? el('span', {
              className: 'forced',
              text: 'gates overridden',
              title: 'Promoted with --force / Override despite failing gates',
            })
          : el('span'),
        el('span', { className: 'by', text: `by ${t.by}` }),
      );
      const item = el(
        'li',
        { className: `transition kind-${t.kind}${t.forced ? ' is-forced' : ''}` },
        head,
      );
      if (t.reason)
        item.append(
          el(
            'div',
            { className: 'reason' },
            el('span', { className: 'label', text: 'Reason: ' }),
            el('span', { className: 'reason-text', text: t.reason }),
          ),
        );
      if (t.gates && t.gates.length)
        item.append(el('ul', { className: 'gates' }, ...t.gates.map(gateItem)));
      return item;
    }),
  );
  historySection.replaceChildren(
    el('h2', { text: 'History' }),
    entries.length ? list : el('p', { className: 'empty', text: 'No transitions yet.' }),
  );
}

// ---- gates editor ----

interface StageDraft {
  metrics: string[];
  notWorse: boolean;
  metric: HoldoutMetric;
  tolerance: string;
}

type Draft = Record<'production' | 'staging', StageDraft>;

let draft: Draft | undefined;
let dirty = false;
/** Shown beside Save until the next edit ("Saved." survives the refresh that follows a save). */
let gatesStatus = '';

function stageDraft(
  g: StageGates | undefined,
  task: 'classification' | 'regression' | undefined,
): StageDraft {
  const n = g?.notWorseThanProduction;
  return {
    metrics: [...(g?.metrics ?? [])],
    notWorse: !!n,
    metric: n?.metric ?? (task === 'regression' ? 'rmse' : 'accuracy'),
    tolerance: n ? String(n.tolerance) : '0.01',
  };
}

function draftFrom(d: ModelDetails): Draft {
  const task = d.versions.find((v) => v.signature)?.signature?.task;
  return {
    production: stageDraft(d.gates?.production, task),
    staging: stageDraft(d.gates?.staging, task),
  };
}

/** The config to save, or the problem with the form. */
function gatesFromDraft(dr: Draft): GatesConfig | string {
  const out: GatesConfig = {};
  for (const stage of ['production', 'staging'] as const) {
    const s = dr[stage];
    const metrics = s.metrics.map((m) => m.trim()).filter(Boolean);
    const gates: StageGates = {};
    if (metrics.length) gates.metrics = metrics;
    if (s.notWorse) {
      const tolerance = Number(s.tolerance);
      if (s.tolerance.trim() === '' || !Number.isFinite(tolerance) || tolerance < 0)
        return `${stage === 'production' ? 'Production' : 'Staging'}: the tolerance must be a number ≥ 0 (it is "${s.tolerance}")`;
      gates.notWorseThanProduction = { metric: s.metric, tolerance };
    }
    if (gates.metrics || gates.notWorseThanProduction) out[stage] = gates;
  }
  return out;
}

function markDirty(): void {
  dirty = true;
  const status = gatesSection.querySelector('.gates-status');
  if (status) status.textContent = 'Unsaved changes';
}

function stageEditor(stage: 'production' | 'staging', s: StageDraft): HTMLElement {
  const title = stage === 'production' ? 'Production' : 'Staging';
  const list = el('ol', { className: 'conditions' });
  const renderList = () => {
    list.replaceChildren(
      ...s.metrics.map((text, i) => {
        const input = el('input', { className: 'text condition' });
        input.type = 'text';
        input.value = text;
        input.placeholder = 'metrics.val_acc >= 0.9';
        input.spellcheck = false;
        input.setAttribute('aria-label', `${title} condition ${i + 1}`);
        input.addEventListener('input', () => {
          s.metrics[i] = input.value;
          markDirty();
        });
        const remove = button(
          'Remove',
          () => {
            s.metrics.splice(i, 1);
            markDirty();
            renderList();
          },
          { secondary: '', class: 'remove-condition', title: 'Remove this condition' },
        );
        return el('li', {}, input, remove);
      }),
    );
    if (s.metrics.length === 0)
      list.append(el('li', { className: 'empty', text: 'No metric conditions.' }));
  };
  renderList();
  const add = button(
    'Add Condition',
    () => {
      s.metrics.push('');
      markDirty();
      renderList();
      list.querySelector<HTMLInputElement>('li:last-child input')?.focus();
    },
    { secondary: '', class: 'add-condition' },
  );

  const checkbox = el('input', { className: 'not-worse' });
  checkbox.type = 'checkbox';
  checkbox.id = `${stage}-not-worse`;
  checkbox.checked = s.notWorse;
  const checkLabel = el('label', {
    text: 'Not worse than the Production version on the holdout set',
  });
  checkLabel.htmlFor = checkbox.id;
  const metric = el('select', { className: 'select holdout-metric' });
  metric.id = `${stage}-holdout-metric`;
  for (const m of HOLDOUT_METRICS) {
    const option = el('option', { text: m });
    option.value = m;
    metric.append(option);
  }
  metric.value = s.metric;
  const tolerance = el('input', { className: 'text tolerance' });
  tolerance.type = 'number';
  tolerance.id = `${stage}-tolerance`;
  tolerance.min = '0';
  tolerance.step = '0.001';
  tolerance.value = s.tolerance;
  const setEnabled = () => {
    metric.disabled = tolerance.disabled = !s.notWorse;
  };
  setEnabled();
  checkbox.addEventListener('change', () => {
    s.notWorse = checkbox.checked;
    setEnabled();
    markDirty();
  });
  metric.addEventListener('change', () => {
    if (isHoldoutMetric(metric.value)) s.metric = metric.value;
    markDirty();
  });
  tolerance.addEventListener('input', () => {
    s.tolerance = tolerance.value;
    markDirty();
  });
  const metricLabel = el('label', { text: 'metric' });
  metricLabel.htmlFor = metric.id;
  const toleranceLabel = el('label', { text: 'tolerance' });
  toleranceLabel.htmlFor = tolerance.id;

  const fieldset = el(
    'fieldset',
    { className: `stage-gates gates-${stage}` },
    el('legend', { text: `Promotion to ${title}` }),
    el('div', {
      className: 'field-title',
      text: 'Metric conditions on the source run (the runs search language)',
    }),
    list,
    el('div', { className: 'actions' }, add),
    el('div', { className: 'not-worse-row' }, checkbox, checkLabel),
    el(
      'div',
      { className: 'controls' },
      el('span', { className: 'control' }, metricLabel, metric),
      el('span', { className: 'control' }, toleranceLabel, tolerance),
    ),
  );
  return fieldset;
}

function renderGates(d: ModelDetails, force = false): void {
  if (dirty && !force && draft) {
    // Unsaved edits stay; only the file location may change.
    const where = gatesSection.querySelector('.gates-path');
    if (where) where.textContent = d.gatesPath;
    return;
  }
  draft = draftFrom(d);
  dirty = false;
  const error = el('p', { className: 'error gates-error' });
  error.setAttribute('role', 'alert');
  const status = el('span', {
    className: 'gates-status',
    text: gatesStatus || (d.gates ? '' : 'No gates yet: promotions are not checked.'),
  });
  gatesStatus = '';
  const dr = draft;
  gatesSection.replaceChildren(
    el('h2', { text: 'Promotion gates' }),
    el(
      'p',
      { className: 'sub' },
      el('span', { text: 'Stored in ' }),
      el('code', { className: 'gates-path', text: d.gatesPath }),
    ),
    el(
      'div',
      { className: 'gates-editor' },
      stageEditor('production', dr.production),
      stageEditor('staging', dr.staging),
    ),
    error,
    el(
      'div',
      { className: 'actions' },
      button(
        'Save Gates',
        () => {
          const gates = gatesFromDraft(dr);
          if (typeof gates === 'string') {
            error.textContent = gates;
            return;
          }
          error.textContent = '';
          status.textContent = 'Saving…';
          vscode.postMessage({ type: 'saveGates', gates });
        },
        { class: 'save-gates' },
      ),
      button(
        'Revert',
        () => {
          if (details) renderGates(details, true);
        },
        { secondary: '', class: 'revert-gates' },
      ),
      status,
    ),
  );
}

// ---- page ----

function render(d: ModelDetails): void {
  const first = !details;
  details = d;
  if (ui.selected === null || !d.versions.some((v) => v.version === ui.selected)) {
    const production = d.versions.find((v) => v.stage === 'Production');
    ui.selected =
      (production ?? [...d.versions].sort((a, b) => b.version - a.version)[0])?.version ?? null;
    saveUi();
  }
  renderHeader(d);
  renderVersions(d);
  renderLineage();
  renderHistory(d);
  renderGates(d);
  if (first)
    root.replaceChildren(
      header,
      notice,
      versionsSection,
      lineageSection,
      testsSection,
      historySection,
      gatesSection,
    );
  if (ui.selected !== null && (first || lineage?.version !== ui.selected))
    vscode.postMessage({ type: 'selectVersion', version: ui.selected });
}

function showMessage(message: string): void {
  details = undefined;
  lineage = undefined;
  draft = undefined;
  dirty = false;
  root.replaceChildren(errorView('Cannot show this model', message));
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToRegistryView(message)) return;
  switch (message.type) {
    case 'model':
      render(message.details);
      return;
    case 'lineage':
      if (message.lineage.version !== ui.selected) return;
      lineage = message.lineage;
      renderLineage();
      return;
    case 'error':
      showMessage(message.message);
      return;
    case 'gatesSaved': {
      dirty = false;
      gatesStatus = 'Saved.';
      const status = gatesSection.querySelector('.gates-status');
      if (status) status.textContent = gatesStatus;
      gatesSection.querySelector('.gates-error')!.textContent = '';
      return;
    }
    case 'gatesError': {
      const error = gatesSection.querySelector('.gates-error');
      if (error) error.textContent = message.message;
      const status = gatesSection.querySelector('.gates-status');
      if (status) status.textContent = 'Not saved';
      return;
    }
    case 'notice':
      showNotice(message.message);
      return;
  }
});

saveUi();
showLoading(root, 'Loading model…');
vscode.postMessage({ type: 'ready' });
