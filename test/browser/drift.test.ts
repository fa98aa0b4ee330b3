/**
 * The Drift panel in a real Chromium: the data set verdict, the target and prediction with
 * the model's quality, the sortable column table (skipped columns with their message), the
 * detail view of a column with both distributions drawn by vega-lite under the strict CSP,
 * the webview state, errors from the host, and hostile strings from a file.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { carsOriginDrift, HOSTILE, seattleDrift } from './fixtures';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

const FILES = {
  reference: { fileName: 'seattle-2012.csv', path: 'data/seattle-2012.csv' },
  current: { fileName: 'seattle-2015.csv', path: 'data/seattle-2015.csv' },
};

async function openDrift(
  options: {
    hostile?: boolean;
    state?: unknown;
    viewport?: { width: number; height: number };
  } = {},
): Promise<WebviewPage> {
  const view = await openWebview('drift', {
    viewport: options.viewport ?? { width: 1280, height: 1100 },
    state: options.state,
  });
  await view.waitForMessage(isType('ready'));
  await view.post({
    type: 'report',
    files: FILES,
    report: seattleDrift({ hostile: options.hostile }),
  });
  return view;
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

async function columnOrder(view: WebviewPage): Promise<string[]> {
  return view.page.$$eval('tr.column-row', (rows) =>
    rows.map((r) => (r as unknown as { dataset: { column: string } }).dataset.column),
  );
}

describe('drift panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('shows the data set verdict, both files, the target and prediction, and a row per column', async () => {
    view = await openDrift();
    const page = view.page;
    await page.waitForSelector('.verdict');
    assert.equal(
      await page.locator('h1.title').innerText(),
      'seattle-2015.csv vs seattle-2012.csv',
    );
    assert.match(
      await page.locator('.side-line.reference').innerText(),
      /Reference\s*data\/seattle-2012\.csv\s*· 366 rows/,
    );
    assert.match(
      await page.locator('.side-line.current').innerText(),
      /Current\s*data\/seattle-2015\.csv\s*· 365 rows/,
    );
    assert.match(
      await page.locator('.facts').innerText(),
      /7 columns tested\s*·?\s*1 skipped\s*·?\s*compared in 0\.18 s/,
    );

    assert.match((await page.locator('.verdict').getAttribute('class')) ?? '', /\bdrifted\b/);
    assert.equal(await page.locator('.verdict-text').innerText(), 'Data set drift detected');
    assert.equal(
      await page.locator('.verdict-detail').innerText(),
      '4 of 7 tested columns drifted (57.1%), at or above the threshold of 50%.',
    );
    assert.match(
      await page.locator('.verdict-counts').innerText(),
      /4 drifted\s+3 not drifted\s+1 skipped/,
    );
    const fill = await page.$eval(
      '.share-fill',
      (n) => (n as unknown as { style: { width: string } }).style.width,
    );
    assert.match(fill, /^57\.14/);

    // Target and prediction: both drifted; quality fell on every metric.
    assert.match(
      await page.locator('dd.target-target').innerText(),
      /weather\s+Drift\s+chi-square · p-value 3\.18e-109/,
    );
    assert.match(
      await page.locator('dd.target-prediction').innerText(),
      /predicted_weather\s+Drift/,
    );
    const quality = await page.locator('table.quality-table').innerText();
    assert.match(quality, /Accuracy\s+0\.847\s+0\.7123\s+−0\.1347/);
    assert.match(quality, /F1 \(macro\)\s+0\.6604\s+0\.4811\s+−0\.1793/);
    assert.equal(await page.locator('table.quality-table .change.worse').count(), 4);

    // Columns in the report's order; skipped `date` shows its message across the statistic cells.
    assert.deepEqual(await columnOrder(view), [
      'date',
      'precipitation',
      'temp_max',
      'temp_min',
      'wind',
      'weather',
      'station',
      'predicted_weather',
    ]);
    const row = (name: string) => page.locator(`tr.column-row[data-column="${name}"]`);
    assert.match(
      await row('temp_max').innerText(),
      /temp_max\s+numeric\s+K-S test\s+0\.1525\s+0\.0003157\s+p < 0.05\s+Drift/,
    );
    assert.match(
      await row('wind').innerText(),
      /wind\s+numeric\s+K-S test\s+0\.0762\s+0\.2175\s+p < 0\.05\s+No drift/,
    );
    assert.match(
      await row('date').innerText(),
      /date\s+categorical\s+–\s+Skipped: date holds dates[^]*instead\.\s+Skipped\s+no values$/,
    );
    assert.equal(await row('date').locator('td.skip-message').getAttribute('colspan'), '3');
    // A small overlaid distribution per column: one reference and one current bar per bin.
    assert.equal(await row('temp_max').locator('svg.dp-dist rect.dp-reference').count(), 11);
    assert.equal(await row('weather').locator('svg.dp-dist rect.dp-current').count(), 5);
    assert.equal(await row('date').locator('svg').count(), 0);
    await view.screenshot('drift');
    assert.deepEqual(pageErrors(view), []);
  });

  it('sorts the columns by clicking a header, skipped columns last, and keeps the order in the webview state', async () => {
    view = await openDrift();
    const page = view.page;
    await page.waitForSelector('tr.column-row');
    await page.locator('button.sort[data-sort="pValue"]').click();
    assert.deepEqual(await columnOrder(view), [
      'weather',
      'predicted_weather',
      'temp_max',
      'temp_min',
      'precipitation',
      'wind',
      'station',
      'date',
    ]);
    assert.equal(
      await page.locator('th:has(button[data-sort="pValue"])').getAttribute('aria-sort'),
      'ascending',
    );
    await page.locator('button.sort[data-sort="pValue"]').click();
    assert.deepEqual(await columnOrder(view), [
      'station',
      'wind',
      'precipitation',
      'temp_min',
      'temp_max',
      'predicted_weather',
      'weather',
      'date',
    ]);
    assert.equal(
      await page.locator('th:has(button[data-sort="pValue"])').getAttribute('aria-sort'),
      'descending',
    );
    assert.equal(
      await page.locator('button.sort[data-sort="pValue"] .sort-arrow').innerText(),
      '▼',
    );

    await page.locator('button.sort[data-sort="verdict"]').click();
    const byVerdict = await columnOrder(view);
    assert.deepEqual(byVerdict.slice(0, 4), [
      'temp_max',
      'temp_min',
      'weather',
      'predicted_weather',
    ]);
    assert.equal(byVerdict[7], 'date');
    await page.locator('button.sort[data-sort="name"]').click();
    assert.deepEqual(await columnOrder(view), [
      'date',
      'precipitation',
      'predicted_weather',
      'station',
      'temp_max',
      'temp_min',
      'weather',
      'wind',
    ]);
    const state = await page.evaluate<{ ui: { sort: unknown } }>('window.__labbookState()');
    assert.deepEqual(state.ui.sort, { key: 'name', dir: 'asc' });
    await view.screenshot('drift-sorted');
    assert.deepEqual(pageErrors(view), []);
  });

  it('opens a column: its verdict, method and why, both distributions drawn overlaid or side by side, and goes back', async () => {
    view = await openDrift();
    const page = view.page;
    await page.locator('tr.column-row[data-column="temp_max"]').click();
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'temp_max');
    assert.equal(await page.locator('h1 .verdict-chip').innerText(), 'Drift');
    assert.match(
      await page.locator('.column-message').innerText(),
      /The distributions differ: K-S p-value 0\.000316 < 0\.05/,
    );
    const facts = await page.locator('dl.column-facts').innerText();
    for (const re of [
      /Method\s+K-S test \(statistical test\)/,
      /Why this method\s+reference has 366 rows \(<= 1000\) and 57 distinct values/,
      /Statistic\s+0\.1525/,
      /p-value\s+0\.0003157/,
      /Threshold\s+0\.05: drift when p-value < 0\.05/,
    ])
      assert.match(facts, re);
    assert.match(
      await page.locator('table.side-counts').innerText(),
      /Reference\s+366\s+0\s+Current\s+365\s+0/,
    );
    // Overlaid: one mark per bin and side (11 bins × 2), drawn by vega as SVG.
    assert.equal(await page.locator('.detail-chart svg.marks .mark-rect path').count(), 22);
    assert.deepEqual(
      await page.locator('.detail-chart .role-legend-label text').allTextContents(),
      ['reference', 'current'],
    );
    assert.equal(await page.locator('table.bins-table tbody tr').count(), 11);
    assert.match(
      await page.locator('table.bins-table tbody tr').last().innerText(),
      /31\.72 – 35\s+5\s+12\s+1\.4%\s+3\.3%/,
    );
    const state = await page.evaluate<{
      ui: { column: string; layout: string };
    }>('window.__labbookState()');
    assert.equal(state.ui.column, 'temp_max');
    await view.screenshot('drift-detail');

    await page.locator('button.layout-side').click();
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('.detail-chart svg.marks .mark-rect path').length === 22,
      undefined,
      { timeout: 20_000 },
    );
    assert.equal(await page.locator('button.layout-side').getAttribute('aria-checked'), 'true');
    assert.equal(
      (await page.evaluate<{ ui: { layout: string } }>('window.__labbookState()')).ui.layout,
      'side',
    );
    await view.screenshot('drift-detail-side');

    await page.locator('.back').click();
    await page.waitForSelector('tr.column-row');
    // A categorical column from the target section's link: one bar per category and side.
    await page.locator('dd.target-target .column-link').click();
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'weather');
    assert.equal(await page.locator('.detail-chart svg.marks .mark-rect path').count(), 10);
    const labels = await page.locator('.detail-chart .role-axis-label text').allTextContents();
    for (const c of ['rain', 'sun', 'drizzle', 'snow', 'fog'])
      assert.ok(labels.includes(c), `axis labels ${labels.join(', ')}`);
    await view.screenshot('drift-detail-categorical');
    await page.keyboard.press('Escape');
    await page.waitForSelector('tr.column-row');

    // A skipped column has no chart, and says why.
    await page.locator('tr.column-row[data-column="date"]').click();
    assert.match(await page.locator('.column-message').innerText(), /^Skipped: date holds dates/);
    assert.match(await page.locator('.column-distribution').innerText(), /No distribution to show/);
    assert.deepEqual(pageErrors(view), []);
  });

  it('restores the open column, the order and the layout from the webview state', async () => {
    view = await openDrift({
      state: { ui: { column: 'wind', sort: { key: 'statistic', dir: 'desc' }, layout: 'side' } },
    });
    const page = view.page;
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'wind');
    assert.equal(await page.locator('button.layout-side').getAttribute('aria-checked'), 'true');
    await page.locator('.back').click();
    await page.waitForSelector('tr.column-row');
    assert.deepEqual((await columnOrder(view)).slice(0, 2), ['weather', 'predicted_weather']);
    assert.equal(
      await page.locator('th:has(button[data-sort="statistic"])').getAttribute('aria-sort'),
      'descending',
    );
    // The host can open a column (what the integration test asks for); an unknown one is ignored.
    await view.post({ type: 'showColumn', column: 'no such column' });
    await view.post({ type: 'showColumn', column: 'weather' });
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), 'weather');
    await page.keyboard.press('Escape');
    await page.waitForSelector('tr.column-row');
    // A state from another version (unknown keys, bad values) is ignored.
    await view.close();
    view = await openDrift({
      state: { ui: { column: 42, sort: { key: 'nope', dir: 'up' }, layout: 'stacked' } },
    });
    await view.page.waitForSelector('tr.column-row');
    assert.deepEqual((await columnOrder(view))[0], 'date');
    assert.deepEqual(pageErrors(view), []);
  });

  it('shows hostile column names and categories as text, never as markup', async () => {
    view = await openDrift({ hostile: true });
    const page = view.page;
    await page.waitForSelector('tr.column-row');
    const name = `station ${HOSTILE.img}`;
    const names = await page.$$eval('tr.column-row td.col-name', (cells) =>
      cells.map((c) => c.textContent),
    );
    assert.ok(names.includes(name), `names: ${names.join(' | ')}`);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    await view.screenshot('drift-hostile');

    await page.locator('tr.column-row').filter({ hasText: 'station' }).click();
    await page.waitForSelector('.detail-chart svg.marks .mark-rect path', { timeout: 20_000 });
    assert.equal(await page.locator('.column-title').innerText(), name);
    assert.match(
      await page.locator('table.bins-table').innerText(),
      /<script>window\.__xss=2<\/script>/,
    );
    const labels = await page.locator('.detail-chart .role-axis-label text').allTextContents();
    assert.ok(
      labels.some((l) => l.includes('<script>')),
      `axis labels ${labels.join(', ')}`,
    );
    assert.equal(await page.locator('main img, main script, main svg[onload]').count(), 0);
    assert.equal(await page.evaluate('window.__xss'), undefined);
    await view.screenshot('drift-hostile-detail');
    assert.deepEqual(pageErrors(view), []);
  });

  it('asks the host to compare again and open the files, shows a failure in place, and refuses malformed reports', async () => {
    view = await openDrift();
    const page = view.page;
    await page.waitForSelector('.verdict');
    await page.locator('.refresh').click();
    await view.waitForMessage(isType('refresh'));
    await view.post({ type: 'busy', busy: true });
    assert.equal(await page.locator('.refresh').innerText(), 'Comparing…');
    assert.equal(await page.locator('.refresh').getAttribute('disabled'), '');
    await page.locator('a.open-reference').click();
    const open = await view.waitForMessage<Message>(isType('openFile'));
    assert.deepEqual(open, { type: 'openFile', side: 'reference' });

    const message = `Cannot compare seattle-2015.csv with seattle-2012.csv: DriftError: the target column "weather ${HOSTILE.img}" is not in seattle-2012.csv`;
    await view.post({ type: 'error', files: FILES, message });
    await page.waitForSelector('.message .error');
    assert.equal(await page.locator('.message .error').innerText(), message);
    assert.equal(await page.locator('.message h2').innerText(), 'Cannot compare these files');
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('.refresh').count(), 1);
    await view.post({ type: 'busy', busy: false });
    await view.screenshot('drift-error');

    // A report with a wrong field is not drawn (the error stays on screen).
    const bad = seattleDrift() as unknown as { columns: Record<string, unknown>[] };
    bad.columns[1].statistic = 'high';
    await view.post({ type: 'report', files: FILES, report: bad });
    await view.post({ type: 'report', files: FILES, report: { ...seattleDrift(), dataset: null } });
    await page.waitForTimeout(100);
    assert.equal(await page.locator('.verdict').count(), 0);
    assert.equal(await page.locator('.message .error').count(), 1);
    // And a good report replaces the error.
    await view.post({ type: 'report', files: FILES, report: seattleDrift() });
    await page.waitForSelector('.verdict');
    assert.deepEqual(pageErrors(view), []);
  });

  it('says so when no column drifted, and fits a narrow panel', async () => {
    view = await openWebview('drift', { viewport: { width: 640, height: 900 } });
    await view.waitForMessage(isType('ready'));
    const report = seattleDrift();
    for (const c of report.columns) c.drifted = false;
    report.dataset = { ...report.dataset, drifted: false, driftedColumns: 0, share: 0 };
    delete report.target;
    await view.post({ type: 'report', files: FILES, report });
    const page = view.page;
    await page.waitForSelector('.verdict');
    assert.match((await page.locator('.verdict').getAttribute('class')) ?? '', /\bstable\b/);
    assert.equal(await page.locator('.verdict-text').innerText(), 'No data set drift');
    assert.match(
      await page.locator('.verdict-detail').innerText(),
      /0 of 7 tested columns drifted \(0%\), below the threshold of 50%/,
    );
    assert.equal(await page.locator('.target-section').count(), 0);
    // The verdict column stays in view (type, method and the small charts give way).
    const chip = await page
      .locator('tr.column-row[data-column="wind"] .verdict-chip')
      .boundingBox();
    assert.ok(
      chip && chip.x + chip.width <= 640,
      `the verdict is off screen: ${JSON.stringify(chip)}`,
    );
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await view.screenshot('drift-stable-narrow');
    assert.deepEqual(pageErrors(view), []);
  });
  // Issue 14, item 5: an infinite chi-square statistic showed as "–" beside p-value 0 (JSON
  // made it null), and the date column was typed categorical where Data Quality says datetime.
  it('shows an infinite statistic as ∞ with p 0, and a datetime column as datetime with where to set its type', async () => {
    view = await openWebview('drift', { viewport: { width: 1280, height: 1000 } });
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'report', files: FILES, report: await carsOriginDrift() });
    const row = (name: string) => view!.page.locator(`tr.column-row[data-column="${name}"]`);
    await row('Origin').waitFor();
    assert.equal(await row('Origin').locator('.col-statistic').innerText(), '∞');
    assert.equal(await row('Origin').locator('.col-pvalue').innerText(), '0');
    assert.match(await row('Origin').locator('.verdict-chip').innerText(), /Drift/);
    assert.equal(await row('Year').locator('.type-badge').innerText(), 'datetime');
    assert.match(
      await row('Year').locator('.skip-message').innerText(),
      /`--column-type Year=numeric` with labbook drift, or the option `columnTypes: \{ "Year": "numeric" \}`/,
    );
    await view.page.screenshot({
      path: 'test-output/screenshots/drift-infinite-statistic.png',
      fullPage: true,
    });
    await row('Origin').click();
    await view.page.waitForSelector('.column-message');
    const detail = await view.page.locator('body').innerText();
    assert.match(detail, /Statistic\s+∞/);
    assert.match(detail, /p-value\s+0/);
    assert.deepEqual(pageErrors(view), []);
  });
});
