/**
 * The HTML every Labbook panel starts from: a strict Content-Security-Policy (scripts only
 * by a fresh nonce, nothing remote), the panel's built script and stylesheet from
 * `dist/webviews/<panel>/`, and a `#root` the script fills. One place, so no panel drifts.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export interface PanelHtmlOptions {
  /** Folder under dist/webviews, e.g. `compare`. */
  panel: string;
  title: string;
  /** Shown in #root until the script draws (plain text). */
  loading?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function panelHtml(
  webview: vscode.Webview,
  webviewRoot: vscode.Uri,
  options: PanelHtmlOptions,
): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, options.panel, 'main.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, options.panel, 'main.css'));
  // Styles allow 'unsafe-inline' because vega and the virtualized table set inline styles; scripts never run inline.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'unsafe-inline'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  const loading = options.loading ? `<p class="empty">${escapeHtml(options.loading)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${escapeHtml(options.title)}</title>
</head>
<body>
<main id="root">${loading}</main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
