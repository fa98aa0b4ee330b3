/**
 * Self-contained static HTML reports (`labbook profile --html`, `labbook drift --html`): no
 * scripts and no external resources, under a CSP that allows only inline styles, so a report
 * can be attached to a CI run or mailed and opened anywhere. Every text from data goes
 * through escapeHtml.
 */

export function escapeHtml(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

const BASE_CSS =
  'body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:8px 0 24px}\n' +
  'td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}.n{text-align:right;font-variant-numeric:tabular-nums}';

/** The page around a report's body: `title` is escaped here; `css` and `body` are the caller's (already escaped) markup. */
export function htmlPage(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
${BASE_CSS}
${css}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}
