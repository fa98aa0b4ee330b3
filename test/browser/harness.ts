/**
 * Loads a built webview panel (dist/webviews/<panel>/main.js) in a real Chromium, the way
 * VS Code does: a strict Content-Security-Policy with a script nonce, `acquireVsCodeApi`,
 * host messages through `window.postMessage`, and the theme's CSS variables. Lets panel
 * tests and screenshots run in seconds, without a whole editor around them.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..', '..');
const WEBVIEWS = join(ROOT, 'dist', 'webviews');
const ORIGIN = 'https://labbook-webview.test';
export const CHROMIUM = process.env.LABBOOK_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** The few theme variables our panels read, with VS Code's Dark Modern values. */
const THEME = `
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Ubuntu", sans-serif;
  --vscode-font-size: 13px; --vscode-font-weight: normal;
  --vscode-editor-font-family: "Droid Sans Mono", monospace; --vscode-editor-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-disabledForeground: #6e7681;
  --vscode-editor-background: #1f1f1f; --vscode-editor-foreground: #cccccc;
  --vscode-panel-border: #2b2b2b; --vscode-widget-border: #313131; --vscode-focusBorder: #0078d4;
  --vscode-list-hoverBackground: #2a2d2e; --vscode-list-activeSelectionBackground: #04395e;
  --vscode-list-inactiveSelectionBackground: #37373d; --vscode-list-activeSelectionForeground: #ffffff;
  --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c;
  --vscode-inputValidation-errorBackground: #5a1d1d; --vscode-inputValidation-errorBorder: #be1100;
  --vscode-errorForeground: #f85149; --vscode-editorWarning-foreground: #cca700;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1;
  --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8;
  --vscode-checkbox-background: #313131; --vscode-checkbox-border: #3c3c3c;
  --vscode-dropdown-background: #313131; --vscode-dropdown-border: #3c3c3c; --vscode-dropdown-foreground: #cccccc;
  --vscode-textLink-foreground: #4daafc; --vscode-textPreformat-foreground: #d0d0d0;
  --vscode-textCodeBlock-background: #2b2b2b; --vscode-editorWidget-background: #202020;
  --vscode-sideBar-background: #181818; --vscode-scrollbarSlider-background: #79797966;
  --vscode-charts-red: #f14c4c; --vscode-charts-blue: #3794ff; --vscode-charts-yellow: #cca700;
  --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7;
  --vscode-testing-iconPassed: #73c991; --vscode-testing-iconFailed: #f14c4c;
  --vscode-diffEditor-insertedTextBackground: #9ccc2c33; --vscode-diffEditor-removedTextBackground: #ff000033;
  --vscode-editorGutter-modifiedBackground: #0078d4;
`;

export interface WebviewPage {
  page: Page;
  /** Every message the panel posted to the host, in order. */
  readonly fromView: unknown[];
  /** Posts a message from the host to the panel. */
  post(message: unknown): Promise<void>;
  /** Resolves with the first message from the panel that matches (waits up to timeoutMs). */
  waitForMessage<T = unknown>(match: (m: unknown) => boolean, timeoutMs?: number): Promise<T>;
  /** Errors the page threw or logged, and CSP violations: a panel test expects none. */
  readonly errors: string[];
  /** Saves test-output/screenshots/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  viewport?: { width: number; height: number };
  /** What `getState()` returns at start (a panel restored after being hidden). */
  state?: unknown;
  /** Answers requests the panel posts, as the host would; return undefined to not answer. */
  answer?: (message: unknown) => unknown;
}

let browser: Browser | undefined;

/** Runs in the page (no DOM types on this side of the wire). */
function postToWindow(message: unknown): void {
  (globalThis as unknown as { postMessage(m: unknown, targetOrigin: string): void }).postMessage(
    message,
    '*',
  );
}

async function sharedBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: apt-get install chromium (or set LABBOOK_CHROMIUM)`,
    );
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  return browser;
}

/** Closes the shared browser; call from a root `after` hook. */
export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.ttf': 'font/ttf',
};

export async function openWebview(panel: string, options: OpenOptions = {}): Promise<WebviewPage> {
  if (!existsSync(join(WEBVIEWS, panel, 'main.js')))
    throw new Error(`dist/webviews/${panel}/main.js is missing: run npm run build`);
  const context = await (
    await sharedBrowser()
  ).newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const fromView: unknown[] = [];
  const errors: string[] = [];
  const waiters: { match: (m: unknown) => boolean; resolve: (m: unknown) => void }[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });

  await page.exposeFunction('__labbookToHost', async (message: unknown) => {
    fromView.push(message);
    for (const waiter of [...waiters]) {
      if (!waiter.match(message)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
    const reply = options.answer?.(message);
    if (reply !== undefined) await page.evaluate(postToWindow, reply);
  });

  const nonce = 'bGFiYm9vay10ZXN0LW5vbmNl';
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${ORIGIN} 'unsafe-inline'`,
    `img-src ${ORIGIN} data:`,
    `font-src ${ORIGIN}`,
  ].join('; ');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<link rel="stylesheet" href="${ORIGIN}/${panel}/main.css"></head>
<body class="vscode-dark" data-vscode-theme-kind="vscode-dark"><main id="root"></main>
<script nonce="${nonce}">
  (() => {
    let state = ${JSON.stringify(options.state ?? null).replace(/</g, '\\u003c')};
    window.__labbookState = () => state;
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__labbookToHost(m),
      getState: () => state,
      setState: (s) => { state = s; return s; },
    });
  })();
</script>
<script nonce="${nonce}" src="${ORIGIN}/${panel}/main.js"></script></body></html>`;

  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html')
      return route.fulfill({ contentType: 'text/html', body: html });
    const file = normalize(join(WEBVIEWS, decodeURIComponent(url.pathname)));
    if (!file.startsWith(WEBVIEWS) || !existsSync(file))
      return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({
      contentType: TYPES[extname(file)] ?? 'application/octet-stream',
      body: readFileSync(file),
    });
  });
  // VS Code sets the theme variables on <html>; an init script does the same before any panel code.
  await page.addInitScript(
    `document.addEventListener('DOMContentLoaded', () => document.documentElement.setAttribute('style', ${JSON.stringify(THEME)}));`,
  );
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) errors.push(`csp: ${m.text()}`);
  });
  await page.goto(`${ORIGIN}/index.html`);

  return {
    page,
    fromView,
    errors,
    post: (message) => page.evaluate(postToWindow, message),
    waitForMessage: <T>(match: (m: unknown) => boolean, timeoutMs = 10_000) => {
      const seen = fromView.find(match);
      if (seen !== undefined) return Promise.resolve(seen as T);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `the ${panel} panel sent no matching message within ${timeoutMs} ms; it sent ${JSON.stringify(fromView).slice(0, 500)}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as T);
          },
        });
      });
    },
    screenshot: async (name) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const file = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    close: () => context.close(),
  };
}
