/**
 * Notebook renderer for `application/vnd.labbook.profile+json` (what `lab.profile(data)`
 * emits): the Data Quality panel's summary inline: rows × columns, the score with a bar
 * per quality dimension, the first issues, and a compact column table with a small bar
 * for each column's missing share. Runs in the notebook's output webview, bundled as one
 * small ES module (no vega: the bars are SVG rectangles).
 *
 * The payload comes from a kernel: it is checked at runtime (the Data Quality panel's own
 * check), and every string, column names included, is set as text, never as HTML.
 */
import { isDatasetProfile, SEVERITIES } from '../data-quality/protocol';
import type {
  ColumnProfile,
  DatasetProfile,
  QualityIssue,
  Severity,
} from '../../core/quality/types';
import { bytes, count, percent, scoreGrade, stat, valueText } from '../shared/format';
import { el } from '../shared/dom';
import { jsonRenderer } from '../shared/json-renderer';
import { svgElement, svgImage } from '../shared/svg';

const STYLE_ID = 'labbook-profile-style';
const MAX_ISSUES = 8;
const MAX_COLUMNS = 50;
const DIMENSIONS = ['completeness', 'uniqueness', 'validity', 'consistency', 'timeliness'] as const;
const SEVERITY_ICON: Record<Severity, string> = { error: '✖', warning: '▲', info: 'ℹ' };

const CSS = `
.lbp { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #ccc); padding: 6px 2px 8px; max-width: 1100px; }
.lbp-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.lbp-source { font-weight: 600; font-size: 1.1em; word-break: break-all; }
.lbp-facts { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbp-top { display: flex; gap: 22px; align-items: center; margin: 8px 0 4px; flex-wrap: wrap; }
.lbp-score { display: flex; flex-direction: column; align-items: center; min-width: 96px; padding: 6px 8px; border: 1px solid var(--vscode-panel-border, #2b2b2b); border-radius: 6px; }
.lbp-score-value { font-size: 36px; font-weight: 700; line-height: 1; font-variant-numeric: tabular-nums; }
.lbp-score-scale { font-size: 0.85em; color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbp-dims { display: grid; grid-template-columns: max-content 200px 3em; gap: 3px 10px; align-items: center; }
.lbp-dim-name { font-weight: 600; }
.lbp-dim-score { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.lbp-na { color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbp-good { color: var(--vscode-charts-green, #89d185); fill: var(--vscode-charts-green, #89d185); }
.lbp-fair { color: var(--vscode-charts-yellow, #cca700); fill: var(--vscode-charts-yellow, #cca700); }
.lbp-poor { color: var(--vscode-charts-orange, #d18616); fill: var(--vscode-charts-orange, #d18616); }
.lbp-bad { color: var(--vscode-charts-red, #f14c4c); fill: var(--vscode-charts-red, #f14c4c); }
.lbp-track { fill: var(--vscode-input-background, #313131); }
.lbp h3 { font-size: 1em; font-weight: 600; margin: 10px 0 4px; }
.lbp-issues { list-style: none; margin: 0; padding: 0; }
.lbp-issue { display: grid; grid-template-columns: 18px minmax(80px, 190px) 1fr; gap: 8px; padding: 1px 0; align-items: baseline; }
.lbp-issue-column { font-family: var(--vscode-editor-font-family, monospace); word-break: break-all; }
.lbp-issue-column.lbp-dataset { font-family: inherit; font-style: italic; color: var(--vscode-descriptionForeground, #9d9d9d); }
.lbp-issue-message { word-break: break-word; }
.lbp-sev { font-weight: 700; text-align: center; }
.lbp-sev-error { color: var(--vscode-errorForeground, #f85149); }
.lbp-sev-warning { color: var(--vscode-editorWarning-foreground, #cca700); }
.lbp-sev-info { color: var(--vscode-charts-blue, #3794ff); }
.lbp-more, .lbp-empty { color: var(--vscode-descriptionForeground, #9d9d9d); font-style: italic; margin: 2px 0; }
.lbp-table-wrap { overflow-x: auto; }
.lbp-columns { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.lbp-columns th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground, #9d9d9d); border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); padding: 2px 10px 2px 0; white-space: nowrap; }
.lbp-columns td { padding: 2px 10px 2px 0; border-bottom: 1px solid var(--vscode-panel-border, #2b2b2b); vertical-align: middle; text-align: left; }
.lbp-columns td.lbp-num { text-align: right; }
.lbp-col-name { font-family: var(--vscode-editor-font-family, monospace); max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lbp-col-value { max-width: 260px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lbp-type { font-size: 0.85em; padding: 0 5px; border-radius: 8px; background: var(--vscode-badge-background, #616161); color: var(--vscode-badge-foreground, #f8f8f8); }
.lbp-missing { display: inline-flex; align-items: center; gap: 6px; }
.lbp-missing-text { min-width: 3.2em; text-align: right; }
.lbp-error { color: var(--vscode-errorForeground, #f14c4c); font-family: var(--vscode-editor-font-family, monospace); white-space: pre-wrap; }
`;

// ---- formatting ----

function grade(score: number): string {
  return `lbp-${scoreGrade(score)}`;
}

function missingGrade(share: number): string {
  return share >= 0.5 ? 'lbp-bad' : share >= 0.05 ? 'lbp-poor' : 'lbp-good';
}

/** A horizontal bar as SVG rectangles (attributes, not inline styles: fine under any CSP). */
function bar(
  share: number,
  width: number,
  height: number,
  className: string,
  label: string,
): SVGSVGElement {
  const svg = svgImage(width, height, 'lbp-bar', label);
  const track = svgElement('rect', {
    class: 'lbp-track',
    width: String(width),
    height: String(height),
    rx: String(height / 2),
  });
  const w = Number.isFinite(share) ? Math.max(0, Math.min(1, share)) * width : 0;
  const fill = svgElement('rect', {
    class: `lbp-fill ${className}`,
    width: w.toFixed(2),
    height: String(height),
    rx: String(height / 2),
  });
  svg.append(track, fill);
  return svg;
}

// ---- sections ----

function header(p: DatasetProfile): HTMLElement {
  const facts = [`${count(p.rows)} rows × ${count(p.columns.length)} columns`];
  if (p.sizeBytes !== undefined) facts.push(bytes(p.sizeBytes));
  if (p.duplicateRows > 0)
    facts.push(`${count(p.duplicateRows)} duplicate row${p.duplicateRows === 1 ? '' : 's'}`);
  if (p.seconds !== undefined) facts.push(`profiled in ${p.seconds.toFixed(2)} s`);
  return el(
    'div',
    { className: 'lbp-head' },
    el('span', { className: 'lbp-source', text: p.source ?? 'Data profile' }),
    el('span', { className: 'lbp-facts', text: facts.join(' · ') }),
  );
}

function scoreBlock(p: DatasetProfile): HTMLElement {
  const q = p.quality;
  const score = el(
    'div',
    { className: 'lbp-score', title: 'Weighted quality score' },
    el('span', {
      className: `lbp-score-value ${grade(q.score)}`,
      text: String(Math.round(q.score * 100)),
    }),
    el('span', { className: 'lbp-score-scale', text: 'quality / 100' }),
  );
  const dims = el('div', { className: 'lbp-dims' });
  for (const name of DIMENSIONS) {
    const value = q[name];
    const explanation = q.dimensions?.[name]?.explanation;
    const label = name[0].toUpperCase() + name.slice(1);
    const row = [
      el('span', {
        className: `lbp-dim-name lbp-dim-${name}${value === null ? ' lbp-na' : ''}`,
        text: label,
        title: explanation,
      }),
      value === null
        ? bar(0, 200, 8, '', `${label}: not measured`)
        : bar(value, 200, 8, grade(value), `${label}: ${Math.round(value * 100)} / 100`),
      el('span', {
        className: `lbp-dim-score lbp-dim-score-${name}${value === null ? ' lbp-na' : ''}`,
        text: value === null ? 'n/a' : String(Math.round(value * 100)),
      }),
    ];
    dims.append(...row);
  }
  return el('div', { className: 'lbp-top' }, score, dims);
}

function issueItem(issue: QualityIssue): HTMLElement {
  return el(
    'li',
    { className: `lbp-issue lbp-issue-${issue.severity}`, title: issue.kind },
    el('span', {
      className: `lbp-sev lbp-sev-${issue.severity}`,
      text: SEVERITY_ICON[issue.severity],
      title: issue.severity,
    }),
    issue.column === null
      ? el('span', { className: 'lbp-issue-column lbp-dataset', text: 'data set' })
      : el('span', { className: 'lbp-issue-column', text: issue.column }),
    el('span', { className: 'lbp-issue-message', text: issue.message }),
  );
}

function issuesBlock(p: DatasetProfile): HTMLElement {
  const sorted = [...p.issues].sort(
    (a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
  );
  const counts = SEVERITIES.map((s) => [s, sorted.filter((i) => i.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s === 'info' ? 'info' : `${s}${n === 1 ? '' : 's'}`}`);
  const block = el(
    'div',
    { className: 'lbp-issues-block' },
    el('h3', { text: sorted.length === 0 ? 'Issues' : `Issues (${counts.join(', ')})` }),
  );
  if (sorted.length === 0) {
    block.append(el('p', { className: 'lbp-empty', text: 'No issues found.' }));
    return block;
  }
  block.append(
    el('ul', { className: 'lbp-issues' }, ...sorted.slice(0, MAX_ISSUES).map(issueItem)),
  );
  if (sorted.length > MAX_ISSUES) {
    block.append(
      el('p', {
        className: 'lbp-more',
        text: `… and ${sorted.length - MAX_ISSUES} more (open the file with “Labbook: Profile Data” for all of them)`,
      }),
    );
  }
  return block;
}

/** Mean for numbers, else the most frequent value with its count. */
function summaryValue(c: ColumnProfile): string {
  if (c.mean !== null && (c.type === 'numeric' || c.type === 'integer'))
    return `mean ${stat(c.mean)}`;
  const top = c.top[0];
  if (!top) return '–';
  return `${valueText(top.value)} (${count(top.count)})`;
}

function columnRow(c: ColumnProfile): HTMLElement {
  const missing = el(
    'span',
    { className: 'lbp-missing' },
    bar(
      c.missingShare,
      48,
      6,
      missingGrade(c.missingShare),
      `${percent(c.missingShare)} missing (${count(c.missing)})`,
    ),
    el('span', { className: 'lbp-missing-text', text: percent(c.missingShare) }),
  );
  const value = summaryValue(c);
  const row = el(
    'tr',
    { className: 'lbp-column' },
    el('td', { className: 'lbp-col-name', text: c.name, title: c.name }),
    el('td', {}, el('span', { className: `lbp-type lbp-type-${c.type}`, text: c.type })),
    el('td', {}, missing),
    el('td', { className: 'lbp-num lbp-col-distinct', text: count(c.distinct) }),
    el('td', { className: 'lbp-col-value', text: value, title: value }),
  );
  row.dataset.column = c.name;
  return row;
}

function columnsBlock(p: DatasetProfile): HTMLElement {
  const block = el(
    'div',
    { className: 'lbp-columns-block' },
    el('h3', { text: `Columns (${count(p.columns.length)})` }),
  );
  if (p.columns.length === 0) {
    block.append(el('p', { className: 'lbp-empty', text: 'No columns.' }));
    return block;
  }
  const headers = ['Column', 'Type', 'Missing', 'Distinct', 'Mean / top value'];
  block.append(
    el(
      'div',
      { className: 'lbp-table-wrap' },
      el(
        'table',
        { className: 'lbp-columns' },
        el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))),
        el('tbody', {}, ...p.columns.slice(0, MAX_COLUMNS).map(columnRow)),
      ),
    ),
  );
  if (p.columns.length > MAX_COLUMNS)
    block.append(
      el('p', {
        className: 'lbp-more',
        text: `… and ${count(p.columns.length - MAX_COLUMNS)} more columns`,
      }),
    );
  return block;
}

/** The whole summary; exported for tests. */
export function renderProfile(p: DatasetProfile): HTMLElement {
  return el('div', { className: 'lbp' }, header(p), scoreBlock(p), issuesBlock(p), columnsBlock(p));
}

export const activate = jsonRenderer({
  styleId: STYLE_ID,
  css: CSS,
  errorClass: 'lbp-error',
  what: 'the data profile',
  expected:
    'a Labbook data set profile (expected rows, columns, quality and issues as lab.profile() emits them)',
  isValid: isDatasetProfile,
  render: renderProfile,
});
