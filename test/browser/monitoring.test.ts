/**
 * The Deployment Monitor panel in a real Chromium: the header with the status chip, URL
 * and split, the KPI tiles, the per-variant table, the three live vega-lite charts under the
 * strict CSP (fed new data in place on each poll), the drift section, the alerts of a
 * degraded canary, the buttons' messages to the host, and hostile strings shown as text.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE, penguinsMonitoring, type MonitoringFixtureOptions } from './fixtures';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

async function openMonitor(
  options: MonitoringFixtureOptions = {},
  viewport = { width: 1280, height: 1500 },
): Promise<WebviewPage> {
  const view = await openWebview('monitoring', { viewport });
  await view.waitForMessage(isType('ready'));
  const snapshot = penguinsMonitoring(options);
  await view.post({ type: 'snapshot', name: snapshot.deployment.name, snapshot });
  await view.page.waitForSelector('.tiles');
  return view;
}

async function chartsDrawn(view: WebviewPage): Promise<void> {
  await view.page.waitForFunction(
    "document.querySelectorAll('.chart svg.marks').length === 3",
    undefined,
    { timeout: 20_000 },
  );
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

describe('deployment monitor panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('shows a healthy canary: header, KPI tiles, variants, live charts and the drift of recent inputs', async () => {
    view = await openMonitor();
    const page = view.page;
    assert.equal(await page.locator('h1.title').innerText(), 'penguins');
    assert.equal(await page.locator('.chip').innerText(), 'HEALTHY');
    assert.match((await page.locator('.chip').getAttribute('class')) ?? '', /chip-healthy/);
    const facts = await page.locator('header .facts').innerText();
    assert.equal(
      await page.locator('header .url-line code').innerText(),
      'http://127.0.0.1:8501/v1/models/penguins',
    );
    assert.match(facts, /canary · v2 90% \/ v3 10%/);

    assert.match(await page.locator('.tile-rps .tile-value').innerText(), /^\d+\.\d+$/);
    assert.equal(await page.locator('.tile-p50 .tile-value').innerText(), '3.20 ms');
    assert.equal(await page.locator('.tile-p95 .tile-value').innerText(), '8.10 ms');
    assert.equal(await page.locator('.tile-p99 .tile-value').innerText(), '13.7 ms');
    assert.equal(await page.locator('.tile-errors .tile-value').innerText(), '0.4%');
    assert.equal(await page.locator('.tile.bad').count(), 0);
    assert.match(await page.locator('.tile-codes').innerText(), /200 1,843\s+422 7/);

    const rows = page.locator('table.variants tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /primary\s+v2\s+90%\s+[\d,]+\s+137\s+95\.3%/);
    assert.match(await rows.nth(1).innerText(), /candidate\s+v3\s+10%\s+[\d,]+\s+43\s+95%/);

    assert.match(await page.locator('.alerts-section').innerText(), /Alerts \(0\)\s+No alerts/);
    assert.match(
      await page.locator('.drift-section').innerText(),
      /penguins-train v1[^]*500 recent inputs compared[^]*No data set drift: 0 of 4 columns drifted/,
    );

    await chartsDrawn(view);
    // Requests and latency: one line per variant; the latency chart also draws its threshold.
    assert.equal(await page.locator('.chart-requests svg g.mark-line.role-mark path').count(), 2);
    assert.equal(await page.locator('.chart-latency svg g.mark-line.role-mark path').count(), 2);
    assert.match(
      await page.locator('.chart-errors .chart-note').innerText(),
      /180 labelled predictions · 0 drifts detected/,
    );
    await view.screenshot('monitoring-healthy');
    assert.deepEqual(pageErrors(view), []);
  });

  it('shows a degraded canary: the chip, the alerts, the red tiles, the ADWIN detection and the drifted columns', async () => {
    view = await openMonitor({ degraded: true });
    const page = view.page;
    assert.equal(await page.locator('.chip').innerText(), 'DEGRADED');
    const alerts = page.locator('.alerts li');
    assert.equal(await alerts.count(), 5);
    assert.match(await alerts.nth(0).innerText(), /error-rate\s+error rate 7\.9%/);
    assert.equal(await page.locator('.alerts li.alert-error').count(), 2);
    assert.equal(await page.locator('.tile-p95.bad').count(), 1);
    assert.equal(await page.locator('.tile-errors.bad').count(), 1);
    assert.match(await page.locator('.tile-codes').innerText(), /500 139/);
    assert.equal(await page.locator('table.variants td.quality.bad').count(), 1);
    assert.match(
      await page.locator('.drift-section').innerText(),
      /Data drift: 2 of 4 columns drifted[^]*Beak Length \(mm\) K-S test 0\.2114 · p 2\.000e-5/,
    );
    await chartsDrawn(view);
    assert.match(
      await page.locator('.chart-errors .chart-note').innerText(),
      /240 labelled predictions · 1 drift detected/,
    );
    // The detection is a red rule on the error chart.
    assert.equal(await page.locator('.chart-errors svg g.mark-rule.role-mark line').count(), 1);
    await view.screenshot('monitoring-degraded');
    assert.deepEqual(pageErrors(view), []);
  });

  it('feeds each new snapshot to the charts in place, without drawing them again', async () => {
    view = await openMonitor();
    const page = view.page;
    await chartsDrawn(view);
    await page.evaluate("document.querySelector('.chart-requests svg').dataset.first = 'yes'");
    const later = penguinsMonitoring({ now: Date.UTC(2026, 10, 24, 14, 30, 30), degraded: true });
    await view.post({ type: 'snapshot', name: 'penguins', snapshot: later });
    await page.waitForSelector('.chip-degraded');
    await page.waitForFunction(
      "document.querySelectorAll('.chart-errors svg g.mark-rule.role-mark line').length === 1",
    );
    assert.equal(
      await page.locator('.chart-requests svg[data-first="yes"]').count(),
      1,
      'the same chart, new data',
    );
    assert.deepEqual(pageErrors(view), []);
  });

  it("posts the buttons' actions to the host, and disables the candidate actions when there is none", async () => {
    view = await openMonitor();
    const page = view.page;
    await page.locator('vscode-button', { hasText: 'Roll Back' }).click();
    assert.deepEqual(await view.waitForMessage(isType('action')), {
      type: 'action',
      action: 'rollback',
    });
    const single = penguinsMonitoring();
    single.split = { strategy: 'single', primary: 2, candidate: null, weight: 0 };
    single.variants = single.variants.slice(0, 1);
    await view.post({ type: 'snapshot', name: 'penguins', snapshot: single });
    await page.waitForFunction(
      "/v2$/.test(document.querySelector('header .split')?.textContent ?? '')",
    );
    assert.equal(
      await page.locator('vscode-button[disabled]', { hasText: 'Roll Back' }).count(),
      1,
    );
    assert.equal(
      await page.locator('vscode-button[disabled]', { hasText: 'Promote Candidate' }).count(),
      1,
    );
    assert.equal(
      await page.locator('vscode-button:not([disabled])', { hasText: 'Stop…' }).count(),
      1,
    );
    await view.post({
      type: 'error',
      name: 'penguins',
      message: 'Cannot read the monitoring of penguins: the service stopped',
    });
    await page.waitForSelector('.banner');
    assert.match(await page.locator('.banner').innerText(), /the service stopped/);
  });

  it('shows hostile names and alerts as text', async () => {
    view = await openMonitor({ hostile: true, degraded: true });
    const page = view.page;
    assert.equal(await page.locator('h1.title').innerText(), `penguins ${HOSTILE.img}`);
    assert.match(
      await page.locator('.drifted-columns').innerText(),
      /Beak Length \(mm\) <script>window\.__xss=2<\/script>/,
    );
    assert.match(
      await page.locator('.alerts').innerText(),
      /<svg onload="window\.__xss=3"><\/svg>/,
    );
    await chartsDrawn(view);
    assert.equal(await page.locator('main img, main script, main svg[onload]').count(), 0);
    assert.equal(await page.evaluate('window.__xss'), undefined);
    await view.screenshot('monitoring-hostile');
    assert.deepEqual(pageErrors(view), []);
  });
});
