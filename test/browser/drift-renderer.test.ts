/**
 * The drift notebook renderer (dist/webviews/renderers/drift.js, what `lab.drift(reference,
 * current)` shows inline) in a real Chromium: loaded as an ES module under a strict
 * Content-Security-Policy the way a notebook output webview loads it, then asked to render
 * a report, a hostile report and malformed payloads.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, SCREENSHOTS } from './harness';
import { carsOriginDrift, HOSTILE, seattleDrift } from './fixtures';

const ROOT = join(__dirname, '..', '..', '..');
const RENDERERS = join(ROOT, 'dist', 'webviews', 'renderers');
const ORIGIN = 'https://labbook-notebook.test';
const MIME = 'application/vnd.labbook.drift+json';
const NONCE = 'ZHJpZnQtcmVuZGVyZXItdGVzdA';

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
  import { activate } from '${ORIGIN}/renderers/drift.js';
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

describe('drift notebook renderer (browser)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let page: Page;
  let errors: string[];

  before(async () => {
    if (!existsSync(join(RENDERERS, 'drift.js')))
      throw new Error('dist/webviews/renderers/drift.js is missing: run npm run build');
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

  it('shows the verdict with the share against its threshold, the target and prediction, and a row with small bars per column', async () => {
    const report = seattleDrift();
    await render(report);
    await page.waitForSelector('.lbd');
    assert.equal(await page.locator('.lbd-current-source').innerText(), 'seattle-2015.csv');
    assert.equal(await page.locator('.lbd-reference-source').innerText(), 'seattle-2012.csv');
    assert.match(
      await page.locator('.lbd-facts').innerText(),
      /365 vs 366 rows · compared in 0\.18 s/,
    );
    assert.match((await page.locator('.lbd-verdict').getAttribute('class')) ?? '', /lbd-drifted/);
    assert.equal(await page.locator('.lbd-verdict-text').innerText(), '▲ Data set drift detected');
    assert.equal(
      await page.locator('.lbd-verdict-detail').innerText(),
      '4 of 7 columns drifted (57.1%; threshold 50%) · 1 skipped',
    );
    // The share bar is as long as the share, with the threshold's tick at half.
    const share = await page.$eval('svg.lbd-share .lbd-fill-drifted', (n) =>
      Number(n.getAttribute('width')),
    );
    assert.ok(Math.abs(share - (4 / 7) * 200) < 0.01, `share bar ${share}`);
    const tick = await page.$eval('svg.lbd-share .lbd-mark', (n) => Number(n.getAttribute('x')));
    assert.equal(tick, 99);

    assert.match(await page.locator('dd.lbd-target-target').innerText(), /weather\s+Drift/);
    assert.match(
      await page.locator('dd.lbd-target-prediction').innerText(),
      /predicted_weather\s+Drift/,
    );
    assert.equal(
      await page.locator('dd.lbd-quality').innerText(),
      'accuracy 0.847 → 0.7123 (−0.1347) · F1 0.6604 → 0.4811 (−0.1793)',
    );
    assert.equal(await page.locator('dd.lbd-quality .lbd-worse').count(), 2);

    // Drifted columns first, then the others, then the skipped one, each in the report's order.
    const names = await page.$$eval('td.lbd-col-name', (ns) => ns.map((n) => n.textContent));
    assert.deepEqual(names, [
      'temp_max',
      'temp_min',
      'weather',
      'predicted_weather',
      'precipitation',
      'wind',
      'station',
      'date',
    ]);
    const row = (name: string) => page.locator(`tr.lbd-column[data-column="${name}"]`);
    assert.match(
      await row('temp_max').innerText(),
      /temp_max\s+numeric\s+K-S test\s+0\.1525\s+0\.0003157\s+Drift/,
    );
    assert.match(await row('wind').innerText(), /No drift/);
    assert.match(
      await row('date').locator('td.lbd-skip').innerText(),
      /^Skipped: date holds dates/,
    );
    assert.match(await row('date').innerText(), /Skipped/);
    // Small bars: one reference and one current rectangle per bin, as shares of each side.
    assert.equal(await row('temp_max').locator('svg.lbd-dist rect.lbd-reference').count(), 11);
    assert.equal(await row('temp_max').locator('svg.lbd-dist rect.lbd-current').count(), 11);
    const weather = await row('weather')
      .locator('svg.lbd-dist rect.lbd-current')
      .evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    // sun (162 of 365) is the tallest current bar; snow (0) has none.
    assert.equal(weather.indexOf(Math.max(...weather)), 1);
    assert.equal(weather[3], 0);
    assert.equal(await row('date').locator('svg').count(), 0);
    assert.deepEqual(errors, []);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({
      width: 1000,
      height: Math.ceil(await page.evaluate<number>('document.body.scrollHeight')) + 16,
    });
    await page.screenshot({ path: join(SCREENSHOTS, 'drift-notebook.png'), fullPage: true });
  });

  it('says so when the data set did not drift, and leaves out what the report does not have', async () => {
    const report = seattleDrift();
    for (const c of report.columns) c.drifted = false;
    report.dataset = { ...report.dataset, drifted: false, driftedColumns: 0, share: 0 };
    delete report.target;
    delete report.seconds;
    await render(report);
    await page.waitForSelector('.lbd');
    assert.match((await page.locator('.lbd-verdict').getAttribute('class')) ?? '', /lbd-stable/);
    assert.equal(await page.locator('.lbd-verdict-text').innerText(), '✓ No data set drift');
    assert.equal(await page.locator('.lbd-target-block').count(), 0);
    assert.equal(await page.locator('.lbd-facts').innerText(), '365 vs 366 rows');
    assert.deepEqual(errors, []);
  });

  it('shows hostile column names, categories and sources as text', async () => {
    const report = seattleDrift({ hostile: true });
    report.columns[1] = { ...report.columns[1], name: HOSTILE.script };
    report.columns[2] = { ...report.columns[2], name: HOSTILE.svg, message: HOSTILE.link };
    await render(report);
    await page.waitForSelector('.lbd');
    const names = await page.$$eval('td.lbd-col-name', (ns) => ns.map((n) => n.textContent));
    assert.ok(names.includes(HOSTILE.script), names.join(' | '));
    assert.ok(names.includes(HOSTILE.svg));
    assert.ok(names.includes(`station ${HOSTILE.img}`));
    assert.equal(
      await page.locator('.lbd-current-source').getAttribute('title'),
      report.current.source,
    );
    assert.equal(
      await page.locator('.lbd img, .lbd script, .lbd a, .lbd svg svg').count(),
      0,
      'no element came from the data',
    );
    assert.equal(
      await page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    await page.screenshot({
      path: join(SCREENSHOTS, 'drift-notebook-hostile.png'),
      fullPage: true,
    });
    assert.deepEqual(errors, []);
  });

  it('shows a clear message for a malformed payload', async () => {
    await render({ columns: 'many' });
    assert.match(
      await page.locator('.lbd-error').innerText(),
      /Cannot show the drift report: the output is not a Labbook drift report/,
    );
    const broken = seattleDrift();
    (broken.columns[2] as unknown as Record<string, unknown>).bins = [
      { start: 'cold', end: 1, reference: 1, current: 2 },
    ];
    await render(broken);
    assert.match(await page.locator('.lbd-error').innerText(), /not a Labbook drift report/);
    const badMethod = seattleDrift();
    (badMethod.columns[3] as unknown as Record<string, unknown>).method = 'magic';
    await render(badMethod);
    assert.match(await page.locator('.lbd-error').innerText(), /not a Labbook drift report/);
    await render(null, { notJson: true });
    assert.match(
      await page.locator('.lbd-error').innerText(),
      /the output is not JSON \(Unexpected token/,
    );
    assert.equal(await page.locator('.lbd').count(), 0);
    // A good payload afterwards replaces the message.
    await render(seattleDrift());
    assert.equal(await page.locator('.lbd-error').count(), 0);
    assert.equal(await page.locator('.lbd').count(), 1);
    assert.deepEqual(errors, []);
  });
  // Issue 14, item 5: the kernel's JSON made an infinite chi-square statistic null ("–").
  it('shows an infinite statistic as ∞ with p 0, and a datetime column as datetime', async () => {
    await render(await carsOriginDrift());
    await page.waitForSelector('.lbd');
    const row = (name: string) =>
      page.locator('tr', { has: page.locator(`td.lbd-col-name[title="${name}"]`) });
    assert.equal(await row('Origin').locator('.lbd-stat').innerText(), '∞');
    assert.equal(await row('Origin').locator('.lbd-p').innerText(), '0');
    assert.equal(await row('Year').locator('.lbd-type').innerText(), 'datetime');
    assert.match(await row('Year').locator('.lbd-skip').innerText(), /--column-type Year=numeric/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({
      path: join(SCREENSHOTS, 'drift-renderer-infinite-statistic.png'),
      fullPage: true,
    });
    assert.deepEqual(errors, []);
  });
});
