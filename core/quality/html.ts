/**
 * A self-contained static HTML report of a profile (no scripts, no external resources):
 * score and dimensions with their explanations, issues, and one row per column with a
 * small inline SVG histogram. Every text from the data is HTML-escaped.
 */
import type { ColumnProfile, DatasetProfile } from './types';
import { escapeHtml, htmlPage } from '../html-report';

export { escapeHtml };

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function num(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return escapeHtml(v);
  return escapeHtml(Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));
}

function sparkline(c: ColumnProfile): string {
  const bars = c.histogram?.map((b) => b.count) ?? c.top.map((t) => t.count);
  if (!bars.length) return '';
  const max = Math.max(...bars, 1);
  const w = 120;
  const h = 28;
  const bw = w / bars.length;
  const rects = bars
    .map((v, i) => {
      const bh = Math.max(v > 0 ? 1 : 0, (v / max) * h);
      return `<rect x="${(i * bw).toFixed(2)}" y="${(h - bh).toFixed(2)}" width="${Math.max(bw - 1, 0.5).toFixed(2)}" height="${bh.toFixed(2)}"/>`;
    })
    .join('');
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="distribution">${rects}</svg>`;
}

export function profileHtml(p: DatasetProfile): string {
  const q = p.quality;
  const dims = q.dimensions
    ? Object.entries(q.dimensions).filter(([k]) => k !== 'timeliness' || q.timeliness !== null)
    : [];
  const title = `Data profile: ${p.source ?? 'data'}`;
  const columns = p.columns
    .map(
      (c) => `<tr>
<td><b>${escapeHtml(c.name)}</b>${c.mixedTypes ? ' <span class="tag">mixed types</span>' : ''}${c.constant ? ' <span class="tag">constant</span>' : ''}</td>
<td>${escapeHtml(c.type)}</td><td class="n">${c.count}</td><td class="n">${c.missing} (${pct(c.missingShare)})</td><td class="n">${c.distinct}</td>
<td class="n">${num(c.min)}</td><td class="n">${num(c.max)}</td><td class="n">${num(c.mean)}</td><td class="n">${num(c.std)}</td>
<td>${c.quantiles ? `${num(c.quantiles.p5)} / ${num(c.quantiles.p25)} / ${num(c.quantiles.p50)} / ${num(c.quantiles.p75)} / ${num(c.quantiles.p95)}` : '–'}</td>
<td>${c.top
        .slice(0, 3)
        .map((t) => `${escapeHtml(t.value)} (${t.count})`)
        .join(', ')}</td>
<td>${sparkline(c)}</td></tr>`,
    )
    .join('\n');
  return htmlPage(
    title,
    '.score{font-size:32px;font-weight:600}.error{color:#b00020}.warning{color:#a15c00}.info{color:#555}\n.tag{background:#eee;border-radius:3px;padding:0 4px;font-size:12px}svg rect{fill:#4a78c2}',
    `<p>${p.rows} rows × ${p.columns.length} columns · ${p.duplicateRows} duplicate rows${p.sizeBytes !== undefined ? ` · ${(p.sizeBytes / 1024).toFixed(0)} KiB` : ''}</p>
<p class="score">Quality ${(100 * q.score).toFixed(1)} / 100</p>
<table><tr><th>Dimension</th><th>Score</th><th>Weight</th><th>How</th></tr>
${dims.map(([k, d]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${pct(d.score)}</td><td class="n">${d.weight.toFixed(2)}</td><td>${escapeHtml(d.explanation)}</td></tr>`).join('\n')}
</table>
<h2>Issues (${p.issues.length})</h2>
<ul>${p.issues.map((i) => `<li class="${escapeHtml(i.severity)}"><b>${escapeHtml(i.severity)}</b> ${escapeHtml(i.message)}</li>`).join('\n')}</ul>
<h2>Columns</h2>
<table><tr><th>Column</th><th>Type</th><th>Count</th><th>Missing</th><th>Distinct</th><th>Min</th><th>Max</th><th>Mean</th><th>Std</th><th>p5 / p25 / p50 / p75 / p95</th><th>Top</th><th>Distribution</th></tr>
${columns}
</table>
`,
  );
}
