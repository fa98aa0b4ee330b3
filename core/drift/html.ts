/**
 * A self-contained static HTML page of a drift report (no scripts, no external resources,
 * a CSP that forbids both): the verdict, one row per column with the method, statistic,
 * threshold and message, and an inline SVG of both distributions as shares of each side
 * (reference grey, current blue) on the same bins. Every text from the data is escaped.
 */
import { escapeHtml, htmlPage } from '../html-report';
import { METHOD_NAMES } from './choose';
import type { ColumnDrift, DriftReport, PredictionQuality } from '../common/drift-types';

const W = 240;
const H = 56;

function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)) return escapeHtml(v.toExponential(2));
  return escapeHtml(String(Number(v.toPrecision(4))));
}

function chart(c: ColumnDrift): string {
  if (!c.bins.length) return '';
  const refTotal = c.bins.reduce((s, b) => s + b.reference, 0) || 1;
  const curTotal = c.bins.reduce((s, b) => s + b.current, 0) || 1;
  const shares = c.bins.map((b) => [b.reference / refTotal, b.current / curTotal]);
  const max = Math.max(...shares.flat(), 1e-12);
  const slot = W / c.bins.length;
  const bar = Math.max(slot / 2 - 0.5, 0.5);
  const rects = c.bins
    .map((b, i) => {
      const label =
        b.category !== undefined ? b.category : `${num(b.start ?? null)} to ${num(b.end ?? null)}`;
      return shares[i]
        .map((share, side) => {
          const h = share > 0 ? Math.max(1, (share / max) * H) : 0;
          const x = i * slot + side * (bar + 0.5);
          return `<rect class="${side ? 'cur' : 'ref'}" x="${x.toFixed(2)}" y="${(H - h).toFixed(2)}" width="${bar.toFixed(2)}" height="${h.toFixed(2)}"><title>${escapeHtml(label)}: ${side ? 'current' : 'reference'} ${(100 * share).toFixed(1)}% (${side ? b.current : b.reference})</title></rect>`;
        })
        .join('');
    })
    .join('');
  return `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="reference and current distributions">${rects}</svg>`;
}

function quality(q: PredictionQuality | undefined): string {
  if (!q) return '–';
  const entries = Object.entries(q).filter(([k]) => k !== 'kind');
  return entries
    .map(([k, v]) => `${escapeHtml(k)} ${typeof v === 'number' ? num(v) : '–'}`)
    .join(' · ');
}

export function driftHtml(r: DriftReport): string {
  const d = r.dataset;
  const title = `Drift report: ${r.current.source} against ${r.reference.source}`;
  const side = (s: DriftReport['reference']) =>
    `${escapeHtml(s.source)} (${s.rows} rows${s.sampled !== undefined ? `, sample of ${s.sampled}` : ''})`;
  const rows = r.columns
    .map(
      (c) => `<tr class="${c.skipped ? 'skipped' : c.drifted ? 'drifted' : 'ok'}">
<td><b>${escapeHtml(c.name)}</b><br><span class="dim">${escapeHtml(c.type)}</span></td>
<td>${escapeHtml(METHOD_NAMES[c.method] ?? c.method)}<br><span class="dim">${escapeHtml(c.reason)}</span></td>
<td class="n">${num(c.statistic)}</td><td class="n">${num(c.pValue)}</td><td class="n">${num(c.threshold)}</td>
<td>${c.skipped ? `skipped (${escapeHtml(c.skipped)})` : c.drifted ? '<b>drifted</b>' : 'no drift'}</td>
<td>${escapeHtml(c.message)}</td>
<td>${chart(c)}</td></tr>`,
    )
    .join('\n');
  const t = r.target;
  const target = t
    ? `<h2>Target and prediction</h2>
<table><tr><th></th><th>Column</th><th>Drift</th></tr>
${t.target !== undefined ? `<tr><td>target</td><td>${escapeHtml(t.target)}</td><td>${escapeHtml(t.targetDrift?.message ?? '–')}</td></tr>` : ''}
${t.prediction !== undefined ? `<tr><td>prediction</td><td>${escapeHtml(t.prediction)}</td><td>${escapeHtml(t.predictionDrift?.message ?? '–')}</td></tr>` : ''}
</table>
<table><tr><th>Quality</th><th></th></tr>
<tr><td>reference</td><td>${quality(t.referenceQuality)}</td></tr>
<tr><td>current</td><td>${quality(t.currentQuality)}</td></tr>
${
  t.change
    ? `<tr><td>change</td><td>${Object.entries(t.change)
        .map(([k, v]) => `${escapeHtml(k)} ${v === null ? '–' : `${v >= 0 ? '+' : ''}${num(v)}`}`)
        .join(' · ')}</td></tr>`
    : ''
}
</table>`
    : '';
  return htmlPage(
    title,
    '.verdict{font-size:24px;font-weight:600}.bad{color:#b00020}.good{color:#1b7a3a}.dim{color:#666;font-size:12px}\ntr.drifted td:first-child{border-left:4px solid #b00020}tr.skipped{color:#777}\nrect.ref{fill:#9aa0a6}rect.cur{fill:#4a78c2}.key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}',
    `<p>Reference: ${side(r.reference)}<br>Current: ${side(r.current)}${r.seconds !== undefined ? `<br><span class="dim">computed in ${r.seconds.toFixed(2)} s</span>` : ''}</p>
<p class="verdict ${d.drifted ? 'bad' : 'good'}">${d.drifted ? 'Data set drifted' : 'No data set drift'}: ${d.driftedColumns} of ${d.columns} columns drifted (${(100 * d.share).toFixed(1)}%, threshold ${(100 * d.threshold).toFixed(0)}%)</p>
<p class="key">Distributions as shares of each side:<span style="background:#9aa0a6"></span>reference<span style="background:#4a78c2"></span>current</p>
<table><tr><th>Column</th><th>Method</th><th>Statistic</th><th>p-value</th><th>Threshold</th><th>Verdict</th><th>Details</th><th>Distributions</th></tr>
${rows}
</table>
${target}
`,
  );
}
