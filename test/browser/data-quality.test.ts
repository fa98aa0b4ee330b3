/**
 * The Data Quality panel in a real Chromium: the score and its dimensions with how each was
 * computed, the issues and their severity filter, the column grid with a chart per column
 * (drawn under the strict CSP), the column detail view, and hostile strings from a file.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE, moviesProfile } from './fixtures';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

async function openProfile(
  options: {
    hostile?: boolean;
    state?: unknown;
    viewport?: { width: number; height: number };
  } = {},
): Promise<WebviewPage> {
  const view = await openWebview('data-quality', {
    viewport: options.viewport ?? { width: 1280, height: 1500 },
    state: options.state,
  });
  await view.waitForMessage(isType('ready'));
  await view.post({
    type: 'profile',
    fileName: 'movies.json',
    path: 'data/movies.json',
    profile: moviesProfile({ hostile: options.hostile }),
    live: true,
  });
  return view;
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

describe('data quality panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('renders the header, the score, each dimension with its explanation and the data set findings', async () => {
    view = await openProfile();
    const page = view.page;
    await page.waitForSelector('.score-value');
    assert.equal(await page.locator('h1.file-name').innerText(), 'movies.json');
    const facts = await page.locator('.facts').innerText();
    assert.match(facts, /3,201 rows × 16 columns/);
    assert.match(facts, /1\.3 MB/);
    assert.match(facts, /profiled in 0\.41 s/);

    const profile = moviesProfile();
    assert.equal(
      await page.locator('.score-value').innerText(),
      String(Math.round(profile.quality.score * 100)),
    );
    assert.match((await page.locator('.score-big').getAttribute('class')) ?? '', /\bfair\b/);
    const names = await page.$$eval('.dimension-name', (ns) => ns.map((n) => n.textContent));
    assert.deepEqual(names, [
      'Completeness',
      'Uniqueness',
      'Validity',
      'Consistency',
      'Timeliness',
    ]);
    assert.match(
      await page.locator('.dimension-completeness .dimension-explanation').innerText(),
      /1 − missing cells \/ all cells = 1 − 9212 \/ 51216/,
    );
    assert.equal(
      await page.locator('.dimension-completeness .dimension-score').innerText(),
      String(Math.round(profile.quality.completeness * 100)),
    );
    assert.match(
      await page.locator('.dimension-consistency .dimension-explanation').innerText(),
      /mixed types/,
    );
    assert.equal(await page.locator('.dimension-timeliness .dimension-score').innerText(), 'n/a');
    assert.match(
      await page.locator('.dimension-timeliness .dimension-explanation').innerText(),
      /Not measured/,
    );
    // The bar is as long as the score.
    const width = await page.$eval(
      '.dimension-uniqueness .bar-fill',
      (n) => (n as unknown as { style: { width: string } }).style.width,
    );
    assert.equal(width, '100%');

    assert.match(await page.locator('dd.duplicate-rows').innerText(), /^0$/);
    assert.match(
      await page.locator('dd.correlated-pairs').innerText(),
      /US Gross ↔ Worldwide Gross\s+r = 0\.939/,
    );
    assert.equal(await page.locator('dd.empty-columns').innerText(), 'none');
    assert.deepEqual(pageErrors(view), []);
  });

  it('lists the issues worst first and filters them by severity', async () => {
    view = await openProfile();
    const page = view.page;
    await page.waitForSelector('.issues .issue');
    assert.equal(await page.locator('.issues-section h2').innerText(), 'Issues (9)');
    const severities = await page.$$eval('.issues-section .issue', (is) =>
      is.map((i) => i.className.replace('issue issue-', '')),
    );
    assert.deepEqual(severities, [
      'error',
      'error',
      'warning',
      'warning',
      'warning',
      'warning',
      'info',
      'info',
      'info',
    ]);
    const first = await page.locator('.issues-section .issue').first().innerText();
    assert.match(first, /US DVD Sales/);
    assert.match(first, /82\.4% of the values are missing/);
    assert.match(
      await page.locator('.issues-section').innerText(),
      /data set\s+US Gross and Worldwide Gross are highly correlated/,
    );
    assert.match(await page.locator('label.filter.error').innerText(), /Errors \(2\)/);

    await page.locator('#severity-info').uncheck();
    await page.locator('#severity-warning').uncheck();
    assert.equal(await page.locator('.issues-section .issue').count(), 2);
    await page.locator('#severity-error').uncheck();
    assert.equal(await page.locator('.issues-section .issue').count(), 0);
    assert.equal(
      await page.locator('.issues-empty').innerText(),
      'No issue of the chosen severities.',
    );
    await page.locator('#severity-warning').check();
    assert.equal(await page.locator('.issues-section .issue').count(), 4);
    // The filter is kept in the webview state (the panel is restored when shown again).
    const state = await page.evaluate<{
      ui: { severities: string[] };
    }>('window.__labbookState()');
    assert.deepEqual(state.ui.severities, ['warning']);
    assert.deepEqual(pageErrors(view), []);
  });

  it('draws a card with a chart per column: histograms for numbers, top values for categories', async () => {
    view = await openProfile();
    const page = view.page;
    assert.equal(await page.locator('.column-card').count(), 16);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('.column-card .card-chart svg.marks').length >= 8,
      undefined,
      { timeout: 20_000 },
    );
    const card = (name: string) => page.locator(`.column-card[data-column="${name}"]`);
    assert.equal(await card('US Gross').locator('.type-badge').innerText(), 'integer');
    assert.match(
      await card('US Gross').locator('.card-stats').innerText(),
      /missing\s+0\.2%[\s\S]*distinct\s+3,161/,
    );
    assert.match(
      await card('US DVD Sales').locator('.card-missing').innerText(),
      /^missing\s+82\.4%$/,
    );
    assert.match((await card('US DVD Sales').getAttribute('class')) ?? '', /has-error/);
    assert.match(await card('Title').locator('.card-flags').innerText(), /mixed types/);
    // A histogram: 20 bars; top values: one bar each (at most 5 on a card), labelled with the value.
    assert.equal(await card('US Gross').locator('svg.marks .mark-rect path').count(), 20);
    await card('MPAA Rating').scrollIntoViewIfNeeded();
    await page.waitForSelector('.column-card[data-column="MPAA Rating"] svg.marks .mark-rect path');
    assert.equal(await card('MPAA Rating').locator('svg.marks .mark-rect path').count(), 5);
    const labels = await card('MPAA Rating').locator('.role-axis-label text').allTextContents();
    assert.deepEqual(labels, ['R', 'PG-13', 'PG', 'G', 'Not Rated']);
    await page.evaluate('window.scrollTo(0, 0)');
    await view.screenshot('data-quality');
    await page.evaluate(
      'document.querySelector(".columns-section").scrollIntoView({ block: "start" })',
    );
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('.column-card .card-chart svg.marks').length === 16,
      undefined,
      { timeout: 20_000 },
    );
    await view.screenshot('data-quality-columns');
    assert.deepEqual(pageErrors(view), []);
  });

  it('opens the detail view of a column from its card and from an issue, and goes back', async () => {
    view = await openProfile();
    const page = view.page;
    await page.locator('.column-card[data-column="IMDB Votes"]').click();
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'IMDB Votes');
    const stats = await page.locator('table.column-stats').innerText();
    for (const re of [
      /Values \(non-missing\)\s+2,988 of 3,201/,
      /Missing\s+213 \(6\.7%\)/,
      /Min\s+18/,
      /Max\s+519,541/,
      /Mean\s+29,908\.67/,
      /Std \(n − 1\)\s+44,937\.58/,
      /Invalid \(not the inferred type\)\s+0/,
      /Zeros\s+0/,
      /Negatives\s+0/,
      /Outliers \(1\.5 IQR\)\s+240 \(8%\)/,
    ])
      assert.match(stats, re);
    assert.match(
      await page.locator('table.quantiles').innerText(),
      /619\s+4,928\s+15,106\s+35,435\s+113,366/,
    );
    assert.match(await page.locator('table.missing-kinds').innerText(), /213\s+0\s+0\s+0/);
    assert.equal(await page.locator('.detail-chart svg.marks .mark-rect path').count(), 20);
    assert.match(
      await page.locator('.column-issues').innerText(),
      /240 values \(8\.0%\) lie outside/,
    );
    const state = await page.evaluate<{ ui: { column: string } }>('window.__labbookState()');
    assert.equal(state.ui.column, 'IMDB Votes');
    await view.screenshot('data-quality-column');

    await page.locator('.back').click();
    await page.waitForSelector('.column-grid');
    // From an issue's column link: a text column with length stats and a top values table.
    await page.locator('.issues-section .column-link', { hasText: 'Director' }).click();
    await page.waitForSelector('.detail-chart svg.marks');
    assert.equal(await page.locator('.column-title').innerText(), 'Director');
    assert.match(await page.locator('table.lengths').innerText(), /6\s+13\.7\s+26/);
    assert.equal(await page.locator('table.top-values tbody tr').count(), 5);
    assert.match(
      await page.locator('table.top-values').innerText(),
      /Steven Spielberg\s+24\s+1\.3%/,
    );
    assert.match(await page.locator('.column-detail').innerText(), /Not a numeric column/);
    await view.screenshot('data-quality-column-text');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.column-grid');
    assert.deepEqual(pageErrors(view), []);
  });

  it('restores the open column from the webview state, and shows a profile that updates', async () => {
    view = await openProfile({ state: { ui: { column: 'Release Date', severities: ['error'] } } });
    const page = view.page;
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'Release Date');
    assert.match(await page.locator('table.column-stats').innerText(), /Min\s+1915-02-08/);
    await page.locator('.back').click();
    assert.equal(await page.locator('.issues-section .issue').count(), 2);
    // Profile again: busy, then the new profile.
    await page.locator('.refresh').click();
    await view.waitForMessage(isType('refresh'));
    await view.post({ type: 'busy', busy: true });
    assert.equal(await page.locator('.refresh').innerText(), 'Profiling…');
    const changed = moviesProfile();
    changed.rows = 3300;
    await view.post({ type: 'busy', busy: false });
    await view.post({
      type: 'profile',
      fileName: 'movies.json',
      path: 'data/movies.json',
      profile: changed,
      live: true,
    });
    await page.waitForFunction(() =>
      /3,300 rows/.test(
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } };
          }
        ).document.querySelector('.facts').textContent,
      ),
    );
    await page.locator('.open-file').click();
    await view.waitForMessage(isType('openFile'));
    // A message that is not a profile is ignored; an error replaces the view.
    await view.post({
      type: 'profile',
      fileName: 'x',
      path: 'x',
      profile: { rows: 'many' },
      live: true,
    });
    assert.equal(await page.locator('.column-card').count(), 16);
    await view.post({ type: 'error', message: `movies.json: line 3: unexpected ${HOSTILE.img}` });
    await page.waitForSelector('.message .error');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(pageErrors(view), []);
  });

  it('asks for a suite, then shows the rule results failing first with examples; a logged version has no file actions', async () => {
    view = await openProfile();
    const page = view.page;
    await page.locator('.validate').click();
    await view.waitForMessage(isType('validate'));
    const validated = moviesProfile();
    validated.quality.validity = 0.9;
    validated.validation = {
      suite: `movies ${HOSTILE.img}`,
      rows: 3201,
      passed: false,
      failedRules: 1,
      rules: [
        {
          rule: { id: 'row-count', kind: 'row-count', min: 1000 },
          passed: true,
          unexpectedCount: 0,
          unexpectedShare: 0,
          examples: [],
          message: '3201 rows; expected at least 1000',
        },
        {
          rule: { id: 'range:IMDB Rating', kind: 'range', column: 'IMDB Rating', min: 1, max: 10 },
          passed: false,
          unexpectedCount: 3,
          unexpectedShare: 3 / 3201,
          examples: [
            { row: 7, value: 11.5 },
            { row: 42, value: HOSTILE.script },
            { row: 99, value: null },
          ],
          message: '3 values outside [1, 10]',
        },
      ],
    };
    await view.post({
      type: 'profile',
      fileName: 'movies.json',
      path: 'data/movies.json',
      profile: validated,
      live: true,
    });
    await page.waitForSelector('.validation-section table.rules');
    assert.equal(
      await page.locator('.validation-section .verdict').innerText(),
      `Suite "movies ${HOSTILE.img}": 1 of 2 rules fail on 3,201 rows.`,
    );
    const rows = await page.locator('.validation-section tbody tr').allInnerTexts();
    assert.match(
      rows[0],
      /✖ fail\s+range\s+IMDB Rating\s+3 values outside \[1, 10\]\s+3 \(<0\.1%\)/,
    );
    assert.ok(
      rows[0].includes(`row 42: ${HOSTILE.script}`) && rows[0].includes('row 99: (missing)'),
      rows[0],
    );
    assert.match(rows[1], /✔ pass\s+row-count\s+\(data set\)/);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await view.screenshot('data-quality-validation');
    // A logged data set version is shown as recorded: no Profile again, Validate or Open File.
    await view.post({
      type: 'profile',
      fileName: 'movies v2',
      path: 'Logged data set movies, version 2',
      profile: moviesProfile(),
      live: false,
    });
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } | null };
          }
        ).document.querySelector('.file-name')?.textContent === 'movies v2',
    );
    assert.equal(await page.locator('.refresh, .validate, .open-file').count(), 0);
    assert.deepEqual(pageErrors(view), []);
  });

  it('shows hostile column names, values, issues and paths as text', async () => {
    view = await openProfile({ hostile: true });
    const page = view.page;
    const name = `Distributor ${HOSTILE.img}`;
    await page.waitForSelector('.column-card .card-chart svg.marks');
    const text = await page.locator('body').innerText();
    for (const s of [
      name,
      `7.2% missing; e.g. ${HOSTILE.img}`,
      `/work/examples/data/${HOSTILE.img}/movies.json`,
    ])
      assert.ok(text.includes(s), `shown literally: ${s}`);
    const card = page.locator('.column-card').nth(8);
    assert.equal(await card.locator('.card-name').innerText(), name);
    await card.scrollIntoViewIfNeeded();
    await page.waitForSelector('.column-card:nth-child(9) svg.marks .role-axis-label text');
    const labels = await card.locator('.role-axis-label text').allTextContents();
    assert.ok(
      labels.some((l) => l.startsWith('<script>')),
      labels.join('|'),
    );
    await card.click();
    await page.waitForSelector('.detail-chart svg.marks');
    assert.equal(await page.locator('.column-title').innerText(), name);
    const top = await page.locator('table.top-values').innerText();
    assert.ok(top.includes(HOSTILE.script) && top.includes(HOSTILE.svg), top);
    assert.equal(
      await page.locator('img[src="x"]').count(),
      0,
      'no <img> element was created from a string',
    );
    assert.equal(await page.locator('main script, main svg[onload]').count(), 0);
    assert.equal(
      await page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    await view.screenshot('data-quality-hostile');
    assert.deepEqual(pageErrors(view), []);
  });
});
