/**
 * The data profile notebook renderer (dist/webviews/renderers/profile.js, what
 * `lab.profile(data)` shows inline) in a real Chromium: loaded as an ES module under a
 * strict Content-Security-Policy the way a notebook output webview loads it, then asked to
 * render a profile, a hostile profile and malformed payloads.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, SCREENSHOTS } from './harness';
import { HOSTILE, moviesProfile } from './fixtures';
import type { DatasetProfile } from '../../core/quality/types';

const ROOT = join(__dirname, '..', '..', '..');
const RENDERERS = join(ROOT, 'dist', 'webviews', 'renderers');
const ORIGIN = 'https://labbook-notebook.test';
const MIME = 'application/vnd.labbook.profile+json';
const NONCE = 'cHJvZmlsZS1yZW5kZXJlci10ZXN0';

const THEME = `
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Ubuntu", sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: "Droid Sans Mono", monospace; --vscode-foreground: #cccccc;
  --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b;
  --vscode-input-background: #313131; --vscode-errorForeground: #f85149; --vscode-editorWarning-foreground: #cca700;
  --vscode-badge-background: #616161; --vscode-badge-foreground: #f8f8f8; --vscode-charts-red: #f14c4c;
  --vscode-charts-blue: #3794ff; --vscode-charts-yellow: #cca700; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185;
`;

const HTML = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${NONCE}' ${ORIGIN}/renderers/; style-src 'unsafe-inline'">
<style>:root { ${THEME} } body { background: var(--vscode-editor-background); margin: 0; padding: 8px 16px; }</style></head>
<body class="vscode-dark"><div id="output"></div>
<script nonce="${NONCE}" type="module">
  import { activate } from '${ORIGIN}/renderers/profile.js';
  const renderer = activate({ workspace: { isTrusted: true }, setState() {}, getState() { return undefined; } });
  let n = 0;
  window.__render = (payload, options = {}) => {
    const element = document.getElementById('output');
    const item = {
      id: 'item-' + (++n), mime: '${MIME}', metadata: {},
      json: () => { if (options.notJson) throw new SyntaxError('Unexpected token < in JSON'); return payload; },
      text: () => JSON.stringify(payload),
      data: () => new TextEncoder().encode(JSON.stringify(payload)),
      blob: () => new Blob([JSON.stringify(payload)]),
    };
    return renderer.renderOutputItem(item, element, new AbortController().signal);
  };
  window.__ready = true;
</script></body></html>`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.map': 'application/json' };

describe('data profile notebook renderer (browser)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];

  before(async () => {
    if (!existsSync(join(RENDERERS, 'profile.js')))
      throw new Error('dist/webviews/renderers/profile.js is missing: run npm run build');
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no browser at ${CHROMIUM}: apt-get install chromium (or set LABBOOK_CHROMIUM)`,
      );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    const context = await browser!.newContext({ viewport: { width: 1000, height: 900 } });
    page = await context.newPage();
    errors = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text()))
        errors.push(`console: ${m.text()}`);
    });
    await page.route(`${ORIGIN}/**`, async (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/index.html')
        return route.fulfill({ contentType: 'text/html', body: HTML });
      const file = normalize(
        join(RENDERERS, decodeURIComponent(url.pathname.replace(/^\/renderers\//, ''))),
      );
      if (
        !url.pathname.startsWith('/renderers/') ||
        !file.startsWith(RENDERERS) ||
        !existsSync(file)
      )
        return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({
        contentType: TYPES[extname(file)] ?? 'application/octet-stream',
        body: readFileSync(file),
      });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await page.waitForFunction('window.__ready === true');
  });
  afterEach(async () => {
    await page.context().close();
  });

  const render = (payload: unknown, options: { notJson?: boolean } = {}) =>
    page.evaluate(
      ([p, o]) =>
        (globalThis as unknown as { __render(p: unknown, o: unknown): unknown }).__render(p, o),
      [payload, options] as const,
    );

  it('shows rows × columns, the score with its dimensions, the first issues and the column table', async () => {
    const profile = moviesProfile();
    await render(profile);
    await page.waitForSelector('.lbp');
    assert.match(await page.locator('.lbp-facts').innerText(), /3,201 rows × 16 columns/);
    assert.equal(await page.locator('.lbp-source').innerText(), profile.source);
    assert.equal(
      await page.locator('.lbp-score-value').innerText(),
      String(Math.round(profile.quality.score * 100)),
    );
    const dims = await page.$$eval('.lbp-dim-name', (ns) => ns.map((n) => n.textContent));
    assert.deepEqual(dims, ['Completeness', 'Uniqueness', 'Validity', 'Consistency', 'Timeliness']);
    assert.equal(
      await page.locator('.lbp-dim-score-completeness').innerText(),
      String(Math.round(profile.quality.completeness * 100)),
    );
    assert.equal(await page.locator('.lbp-dim-score-timeliness').innerText(), 'n/a');
    // The uniqueness bar is as long as its score (SVG attributes, no inline style).
    const fill = await page.$$eval('.lbp-dims svg .lbp-fill', (ns) =>
      ns.map((n) => Number(n.getAttribute('width'))),
    );
    assert.equal(fill.length, 5);
    assert.ok(
      Math.abs(fill[1] - profile.quality.uniqueness * 200) < 0.01,
      `uniqueness bar ${fill[1]}`,
    );

    // Issues: worst first, at most 8, and a line for the rest.
    const shown = await page.locator('.lbp-issue').count();
    assert.equal(shown, Math.min(8, profile.issues.length));
    const severities = await page.$$eval('.lbp-issue', (ns) =>
      ns.map((n) => n.className.replace(/.*lbp-issue-/, '')),
    );
    const order = ['error', 'warning', 'info'];
    assert.deepEqual(
      severities,
      [...severities].sort((a, b) => order.indexOf(a) - order.indexOf(b)),
    );
    const firstExpected = [...profile.issues].sort(
      (a, b) => order.indexOf(a.severity) - order.indexOf(b.severity),
    )[0];
    assert.equal(
      await page.locator('.lbp-issue-message').first().innerText(),
      firstExpected.message,
    );
    if (profile.issues.length > 8)
      assert.match(
        await page.locator('.lbp-issues-block .lbp-more').innerText(),
        new RegExp(`and ${profile.issues.length - 8} more`),
      );

    // One row per column: name, type, missing share with its bar, distinct, mean or top value.
    const rows = page.locator('tr.lbp-column');
    assert.equal(await rows.count(), profile.columns.length);
    const names = await page.$$eval('td.lbp-col-name', (ns) => ns.map((n) => n.textContent));
    assert.deepEqual(
      names,
      profile.columns.map((c) => c.name),
    );
    const numeric = profile.columns.find(
      (c) => c.mean !== null && (c.type === 'numeric' || c.type === 'integer'),
    )!;
    const numericRow = page.locator('tr.lbp-column').nth(profile.columns.indexOf(numeric));
    assert.match(await numericRow.locator('.lbp-col-value').innerText(), /^mean /);
    assert.equal(await numericRow.locator('.lbp-type').innerText(), numeric.type);
    const missingBars = await page.$$eval('tr.lbp-column svg .lbp-fill', (ns) =>
      ns.map((n) => Number(n.getAttribute('width'))),
    );
    assert.equal(missingBars.length, profile.columns.length);
    profile.columns.forEach((c, i) =>
      assert.ok(Math.abs(missingBars[i] - Math.min(1, c.missingShare) * 48) < 0.01, c.name),
    );
    assert.deepEqual(errors, []);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({
      width: 1000,
      height: Math.ceil(await page.evaluate<number>('document.body.scrollHeight')) + 16,
    });
    await page.screenshot({ path: join(SCREENSHOTS, 'notebook-profile.png'), fullPage: true });
  });

  it('shows hostile column names, values and messages as text', async () => {
    const profile: DatasetProfile = moviesProfile({ hostile: true });
    profile.columns[0] = { ...profile.columns[0], name: HOSTILE.script };
    profile.columns[1] = { ...profile.columns[1], name: HOSTILE.svg };
    profile.issues.unshift({
      severity: 'error',
      column: HOSTILE.img,
      kind: 'missing',
      message: HOSTILE.link,
    });
    await render(profile);
    await page.waitForSelector('.lbp');
    const names = await page.$$eval('td.lbp-col-name', (ns) => ns.map((n) => n.textContent));
    assert.equal(names[0], HOSTILE.script);
    assert.equal(names[1], HOSTILE.svg);
    assert.ok(names.includes(`Distributor ${HOSTILE.img}`));
    assert.equal(await page.locator('.lbp-issue-column').first().innerText(), HOSTILE.img);
    assert.equal(await page.locator('.lbp-issue-message').first().innerText(), HOSTILE.link);
    assert.equal(await page.locator('.lbp-source').innerText(), profile.source);
    assert.equal(
      await page.locator('.lbp img, .lbp script, .lbp a, .lbp svg svg').count(),
      0,
      'no element came from the data',
    );
    assert.equal(
      await page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    assert.deepEqual(errors, []);
  });

  it('shows a clear message for a malformed payload', async () => {
    await render({ rows: 'many', columns: [] });
    assert.match(
      await page.locator('.lbp-error').innerText(),
      /Cannot show the data profile: the output is not a Labbook data set profile/,
    );
    const broken = moviesProfile();
    (broken.columns[2] as unknown as Record<string, unknown>).missingShare = '7%';
    await render(broken);
    assert.match(await page.locator('.lbp-error').innerText(), /not a Labbook data set profile/);
    await render([1, 2, 3]);
    assert.match(await page.locator('.lbp-error').innerText(), /not a Labbook data set profile/);
    await render(null, { notJson: true });
    assert.match(
      await page.locator('.lbp-error').innerText(),
      /the output is not JSON \(Unexpected token/,
    );
    assert.equal(await page.locator('.lbp').count(), 0);
    // A good payload afterwards replaces the message.
    await render(moviesProfile());
    assert.equal(await page.locator('.lbp-error').count(), 0);
    assert.equal(await page.locator('.lbp').count(), 1);
    assert.deepEqual(errors, []);
  });

  it('says so when there are no issues', async () => {
    const clean = moviesProfile();
    clean.issues = [];
    await render(clean);
    assert.equal(
      await page.locator('.lbp-issues-block .lbp-empty').innerText(),
      'No issues found.',
    );
    assert.deepEqual(errors, []);
  });
});
