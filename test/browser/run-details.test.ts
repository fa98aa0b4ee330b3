/**
 * The run details panel in a real Chromium: hostile strings from notebooks render as text.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { hostileRunDetails, HOSTILE } from './fixtures';

describe('run details panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('asks for its data once loaded, then shows markup from the store as text', async () => {
    view = await openWebview('run-details');
    await view.waitForMessage((m) => (m as { type?: string }).type === 'ready');
    await view.post({ type: 'details', details: hostileRunDetails() });
    await view.page.waitForSelector('table');
    const text = await view.page.locator('body').innerText();
    assert.ok(text.includes(HOSTILE.img), 'the img markup is shown literally');
    assert.equal(
      await view.page.locator('img[src="x"]').count(),
      0,
      'no <img> element was created from a string',
    );
    assert.equal(
      await view.page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    assert.deepEqual(
      view.errors.filter((e) => !/vega|WebGL/i.test(e)),
      [],
    );
  });

  // Issue 14, item 5: a metric with one point labelled its step axis "0.000000" and its value axis "0.910000".
  it('labels a single-point chart with whole steps and unpadded values', async () => {
    view = await openWebview('run-details');
    await view.waitForMessage((m) => (m as { type?: string }).type === 'ready');
    const details = hostileRunDetails();
    const point = { step: 0, value: 0.91, timestamp: details.startTime };
    await view.post({
      type: 'details',
      details: {
        ...details,
        latestMetrics: { val_acc: point },
        metricHistory: { val_acc: [point] },
      },
    });
    await view.page.waitForSelector('[aria-label^="X-axis"] text');
    const labels = await view.page
      .locator('[aria-label^="X-axis"] text')
      .evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
    assert.ok(labels.length > 0, 'the step axis has labels');
    for (const label of labels)
      if (label !== 'step')
        assert.match(label, /^-?\d[\d,]*$/, `step label "${label}" is a whole number`);
    // The value axis of the same chart read "0.910000": no padding zeros on a one-value domain.
    const values = await view.page
      .locator('[aria-label^="Y-axis"] text')
      .evaluateAll((nodes) => nodes.map((n) => n.textContent ?? ''));
    const ticks = values.filter((v) => v !== 'val_acc');
    assert.ok(ticks.length > 0, 'the value axis has labels');
    for (const label of ticks)
      assert.doesNotMatch(label, /\.\d*0$/, `value label "${label}" has no trailing zeros`);
    assert.ok(
      ticks.includes('0.91'),
      `the value 0.91 is labelled as such (labels: ${ticks.join(', ')})`,
    );
    await view.page.screenshot({
      path: 'test-output/screenshots/run-details-single-point.png',
      fullPage: true,
    });
  });
  // Issue 14, item 5: a sweep parent's panel sat blank, titled by its id, until the service
  // answered. The host's first message (`loading`) now draws the header with the run's name.
  it('shows the run name and a loading state before the details arrive', async () => {
    view = await openWebview('run-details');
    await view.waitForMessage((m) => (m as { type?: string }).type === 'ready');
    const runId = '1fb38a40c0ffee0123456789abcdef01';
    await view.post({ type: 'loading', runId, name: 'sweep-3 <b>x</b>' });
    await view.page.waitForSelector('h1');
    assert.equal(await view.page.locator('h1').innerText(), 'sweep-3 <b>x</b>');
    assert.equal(await view.page.locator('h1 b').count(), 0, 'the name is text, not markup');
    const text = await view.page.locator('body').innerText();
    assert.ok(text.includes(runId), 'the run id is shown');
    assert.match(text, /Loading metrics/);
    await view.page.screenshot({
      path: 'test-output/screenshots/run-details-loading.png',
      fullPage: true,
    });
    // The details replace the loading state; a late `loading` does not hide them.
    await view.post({ type: 'details', details: hostileRunDetails() });
    await view.page.waitForSelector('table');
    await view.post({ type: 'loading', runId, name: 'sweep-3 <b>x</b>' });
    await view.page.waitForTimeout(200);
    assert.equal((await view.page.locator('table').count()) > 0, true, 'details still shown');
    assert.doesNotMatch(await view.page.locator('body').innerText(), /Loading metrics/);
  });

  // The integration suite sometimes waited 30 s for this chart under load: the host sends the
  // details again on every change of the store, and each one drew the page, the chart
  // included, from nothing. A refresh with the same history now keeps the chart it has.
  it('keeps its chart, drawn or drawing, when the same details arrive again (store changes)', async () => {
    view = await openWebview('run-details');
    await view.waitForMessage((m) => (m as { type?: string }).type === 'ready');
    const details = hostileRunDetails();
    assert.ok(Object.keys(details.metricHistory).length > 0, 'the fixture has a metric history');
    // Refreshes faster than vega draws: the chart must still appear while they go on.
    let drawn = false;
    const deadline = Date.now() + 20_000;
    while (!drawn && Date.now() < deadline) {
      await view.post({ type: 'details', details });
      drawn = (await view.page.locator('.chart svg.marks').count()) > 0;
    }
    assert.ok(drawn, 'the chart was drawn while the same details kept arriving');
    // Evaluated in the page (strings: this file is checked without the DOM's types).
    const SVG = "document.querySelector('.chart svg.marks')";
    await view.page.evaluate(`${SVG}.__first = true`);
    for (let i = 0; i < 3; i++) await view.post({ type: 'details', details });
    await view.page.waitForTimeout(300);
    assert.equal(
      await view.page.evaluate(`${SVG}?.__first === true`),
      true,
      'the chart drawn first is the one shown',
    );
    // A changed history is drawn anew.
    const [metric, points] = Object.entries(details.metricHistory)[0];
    const more = [...points, { ...points[points.length - 1], step: points.length + 10 }];
    await view.post({
      type: 'details',
      details: { ...details, metricHistory: { ...details.metricHistory, [metric]: more } },
    });
    await view.page.waitForFunction(`${SVG} !== null && ${SVG}.__first === undefined`);
  });
});
