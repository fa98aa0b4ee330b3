/**
 * The compare panel in a real Chromium: charts render under the strict CSP (no eval), the
 * params diff, smoothing and x axis controls, export messages, and hostile strings from
 * notebooks shown as text.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE, penguinsComparison, sweepComparison } from './fixtures';

// Functions passed to page.waitForFunction run in the browser; this file compiles without DOM types.
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  querySelector(selector: string): PageElement | null;
  scrollIntoView(options?: unknown): void;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
};

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

async function openWithComparison(
  data = penguinsComparison(),
  options: Parameters<typeof openWebview>[1] = {},
): Promise<WebviewPage> {
  const view = await openWebview('compare', options);
  await view.waitForMessage(isType('ready'));
  await view.post({ type: 'comparison', data, keyMetric: 'val_acc' });
  await chartsDrawn(view);
  return view;
}

/** Waits until every chart container holds a drawn SVG. */
async function chartsDrawn(view: WebviewPage): Promise<void> {
  await view.page.waitForFunction(
    () => {
      const bodies = [...document.querySelectorAll('.chart-body')];
      return (
        bodies.length > 0 &&
        bodies.every((b) =>
          b.querySelector(
            '.vega-embed svg .mark-line, .vega-embed svg .mark-symbol, .vega-embed svg .mark-text',
          ),
        )
      );
    },
    undefined,
    { timeout: 20_000 },
  );
}

function historyPaths(view: WebviewPage, metric: string): Promise<string[]> {
  return view.page.$$eval(`figure[data-metric="${metric}"] .mark-line path`, (paths) =>
    paths.map((p) => p.getAttribute('d') ?? ''),
  );
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

describe('compare panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('draws the params diff, the metrics with the best marked and every chart', async () => {
    view = await openWithComparison();
    const page = view.page;
    // Four history charts, the parallel coordinates and the scatter.
    assert.equal(await page.locator('.history-section .vega-embed svg').count(), 4);
    assert.equal(await page.locator('.parallel-section .vega-embed svg').count(), 1);
    assert.equal(await page.locator('.scatter-section .vega-embed svg').count(), 1);

    const differing = await page.$$eval('table.params tbody.differing tr.differs th.key', (ths) =>
      ths.map((t) => t.textContent),
    );
    assert.deepEqual(differing, ['epochs', 'hidden_units', 'lr', 'optimizer']);
    assert.equal(
      await page.locator('table.params tbody.identical').isHidden(),
      true,
      'identical params start collapsed',
    );
    const toggle = page.locator('.toggle-identical');
    assert.equal((await toggle.textContent())?.trim(), 'Show 3 identical');
    await toggle.click();
    assert.equal(await page.locator('table.params tbody.identical').isVisible(), true);
    assert.equal((await toggle.textContent())?.trim(), 'Hide 3 identical');
    assert.equal(
      (await view.page.evaluate<{ ui: { showIdentical: boolean } }>('window.__labbookState()')).ui
        .showIdentical,
      true,
      'the toggle is kept in the webview state',
    );

    // val_loss is lower-is-better: the best cell is the minimum, with the arrow pointing down.
    const valLoss = page.locator('table.metrics tr', {
      has: page.locator('th.key', { hasText: 'val_loss' }),
    });
    assert.match((await valLoss.locator('th.key').textContent()) ?? '', /↓/);
    assert.equal(await valLoss.locator('td.best').count(), 1);
    assert.ok((await page.locator('table.metrics td.best .best-mark').count()) >= 4);

    // Run names appear in the legends of the charts (vega text).
    const legendText = await page.$$eval('.history-section .role-legend text', (ts) =>
      ts.map((t) => t.textContent).join('|'),
    );
    assert.ok(legendText.includes('baseline'), legendText);
    // The NaN and Infinity of the fast-lr run are left out and said so.
    assert.match(
      (await page.locator('figure[data-metric="val_loss"] figcaption').textContent()) ?? '',
      /2 NaN\/Infinity points not drawn/,
    );

    await view.screenshot('compare');
    await page.locator('.parallel-section').scrollIntoViewIfNeeded();
    await page.evaluate(() =>
      document.querySelector('.parallel-section')!.scrollIntoView({ block: 'start' }),
    );
    await view.screenshot('compare-parallel');
    assert.deepEqual(pageErrors(view), []);
  });

  it('redraws the histories when smoothing or the x axis changes, keeping the choice in the state', async () => {
    view = await openWithComparison();
    const page = view.page;
    const before = await historyPaths(view, 'loss');
    assert.equal(before.length, 8, 'raw and smoothed line per run (default smoothing 0.6)');

    await page.locator('#smoothing').fill('0.95');
    await page.waitForFunction(
      (old) => {
        const d = [...document.querySelectorAll('figure[data-metric="loss"] .mark-line path')]
          .map((p) => p.getAttribute('d'))
          .join();
        return d !== old;
      },
      before.join(),
      { timeout: 10_000 },
    );
    const after = await historyPaths(view, 'loss');
    assert.notDeepEqual(after, before);
    assert.equal(await page.locator('.slider-value').textContent(), '0.95');

    await page.locator('#smoothing').fill('0');
    await page.waitForFunction(
      () => document.querySelectorAll('figure[data-metric="loss"] .mark-line path').length === 4,
      undefined,
      { timeout: 10_000 },
    );

    await page.selectOption('#x-axis', 'relativeTime');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure[data-metric="loss"] .role-axis-title text')].some(
          (t) => t.textContent === 'time since run start (s)',
        ),
      undefined,
      { timeout: 10_000 },
    );
    await page.selectOption('#x-axis', 'wallTime');
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure[data-metric="loss"] .role-axis-title text')].some(
          (t) => t.textContent === 'wall time',
        ),
      undefined,
      { timeout: 10_000 },
    );

    const state = await page.evaluate<{ ui: { xAxis: string; smoothing: number } }>(
      'window.__labbookState()',
    );
    assert.equal(state.ui.xAxis, 'wallTime');
    assert.equal(state.ui.smoothing, 0);
    assert.deepEqual(pageErrors(view), []);
  });

  it('keeps the chosen metric, x axis and smoothing when the host sends fresh data', async () => {
    view = await openWithComparison(penguinsComparison(), {
      state: { ui: { xAxis: 'relativeTime', smoothing: 0.3 } },
    });
    const page = view.page;
    assert.equal(await page.locator('#x-axis').inputValue(), 'relativeTime');
    assert.equal(await page.locator('#smoothing').inputValue(), '0.3');
    assert.equal(
      await page.locator('#parallel-metric').inputValue(),
      'val_acc',
      'the key metric is the default',
    );
    await page.selectOption('#parallel-metric', 'loss');
    await page.selectOption('#scatter-param', 'epochs');

    await chartsDrawn(view);
    await page.evaluate('window.scrollTo(0, 1200)');
    const scrolled = await page.evaluate<number>('window.scrollY');

    // Mark the drawn charts, to wait for their replacements below.
    await page.evaluate(() => {
      for (const body of document.querySelectorAll('.chart-body'))
        body.setAttribute('data-old', '');
    });
    const fresh = penguinsComparison();
    fresh.histories.loss[fresh.comparison.runs[3].id].push({
      step: 50,
      timestamp: Date.UTC(2026, 10, 24, 10),
      value: 0.05,
    });
    await view.post({ type: 'comparison', data: fresh, keyMetric: 'val_acc' });
    await page.waitForFunction(
      () => document.querySelectorAll('.chart-body[data-old]').length === 0,
    );
    await chartsDrawn(view);
    assert.equal(
      await page.evaluate('window.scrollY'),
      scrolled,
      'a refresh keeps the scroll position',
    );
    assert.equal(await page.locator('#parallel-metric').inputValue(), 'loss');
    assert.equal(await page.locator('#scatter-param').inputValue(), 'epochs');
    assert.equal(await page.locator('#x-axis').inputValue(), 'relativeTime');
    assert.deepEqual(pageErrors(view), []);
  });

  it("defaults parallel coordinates to the sweep's metric, else a held-out score, not loss", async () => {
    // Runs that logged loss, val_acc and val_loss (no `acc`): `loss` sorts first.
    const data = penguinsComparison();
    data.comparison.metrics = data.comparison.metrics.filter((m) => m.key !== 'acc');
    delete data.histories.acc;
    view = await openWebview('compare');
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'comparison', data, keyMetric: null });
    await chartsDrawn(view);
    const page = view.page;
    assert.equal(await page.locator('#parallel-metric').inputValue(), 'val_acc');
    assert.equal(await page.locator('#scatter-metric').inputValue(), 'val_acc');
    await page.locator('.parallel-section').scrollIntoViewIfNeeded();
    await view.screenshot('compare-parallel-default-metric');
    await view.close();

    // The host names the sweep's metric when the runs are its trials.
    view = await openWebview('compare');
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'comparison', data, keyMetric: 'val_loss' });
    await chartsDrawn(view);
    assert.equal(await view.page.locator('#parallel-metric').inputValue(), 'val_loss');
    assert.deepEqual(pageErrors(view), []);
  });

  it("draws a sweep's optimisation history: a point per trial with a value, the best so far as a step line", async () => {
    view = await openWebview('compare');
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'comparison', data: sweepComparison(), keyMetric: 'val_loss' });
    await chartsDrawn(view);
    const page = view.page;
    const section = page.locator('.optimisation-section');
    assert.equal(await section.locator('.vega-embed svg').count(), 1);
    // Six trials have a finite value (trial 5 failed without one, trial 6 is NaN).
    assert.equal(await section.locator('.mark-symbol.role-mark path').count(), 6);
    assert.equal(await section.locator('.mark-line path').count(), 1, 'one best-so-far line');
    assert.equal(
      await section.locator('.mark-rule.role-mark line').count(),
      2,
      'a rule for the failed trial and the NaN one',
    );
    assert.match(
      (await section.locator('.note').textContent()) ?? '',
      /8 trials of the sweep, minimising val_loss\. .* 2 without a finite value not drawn\./,
    );
    // The table below the chart: trial order, states and the hand-checked best so far.
    const rows = await section.locator('table.optimisation tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent),
        best: tr.getAttribute('data-best'),
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.cells[0]),
      ['1', '2', '3', '4', '5', '6', '7', '8'],
    );
    assert.deepEqual(
      rows.map((r) => r.cells[2]),
      ['finished', 'finished', 'pruned', 'finished', 'failed', 'finished', 'finished', 'finished'],
    );
    assert.deepEqual(
      rows.map((r) => Number(r.best)),
      [0.62, 0.62, 0.62, 0.48, 0.48, 0.48, 0.48, 0.39],
    );
    // The chart's y axis and legend say what is drawn (vega text).
    const texts = await section
      .locator('svg text')
      .evaluateAll((ts) => ts.map((t) => t.textContent).join('|'));
    assert.ok(texts.includes('val_loss (lower is better)'), texts);
    assert.ok(texts.includes('pruned') && texts.includes('finished'), texts);
    await page.evaluate(() =>
      document.querySelector('.optimisation-section')!.scrollIntoView({ block: 'start' }),
    );
    await view.screenshot('compare-optimisation-history');
    assert.deepEqual(pageErrors(view), []);
  });

  it("draws no optimisation history for runs that are not one sweep's trials", async () => {
    view = await openWithComparison();
    assert.equal(await view.page.locator('.optimisation-section').count(), 0);
    assert.equal(await view.page.locator('.parallel-section .vega-embed svg').count(), 1);
  });

  it('posts the markdown table and the CSV for the host to copy and save', async () => {
    view = await openWithComparison(penguinsComparison(), {
      answer: (m) =>
        isType('copyMarkdown')(m)
          ? { type: 'notice', message: 'Copied the comparison as a Markdown table.' }
          : undefined,
    });
    const page = view.page;
    await page.locator('.copy-markdown').click();
    const md = await view.waitForMessage<{ markdown: string }>(isType('copyMarkdown'));
    assert.match(md.markdown, /^\| \| baseline \(/);
    assert.match(md.markdown, /params\.lr ≠/);
    await page.waitForFunction(() =>
      document.getElementById('notice')?.textContent?.includes('Copied'),
    );

    await page.locator('.export-csv').click();
    const csv = await view.waitForMessage<{ csv: string; fileName: string }>(isType('exportCsv'));
    assert.match(csv.fileName, /^compare-[0-9a-f]{8}-.*\.csv$/);
    const lines = csv.csv.split('\r\n');
    assert.ok(lines[0].startsWith('run_id,name,experiment,status,params.batch_size'), lines[0]);
    assert.equal(lines.length, 6, 'header, 4 runs, final line break');
    assert.ok(lines[1].includes(',baseline,penguins,finished,'), lines[1]);
  });

  it('opens a run from its column header', async () => {
    view = await openWithComparison();
    const data = penguinsComparison();
    await view.page.locator('table.params thead .run-link').nth(1).click();
    const m = await view.waitForMessage<{ runId: string }>(isType('openRun'));
    assert.equal(m.runId, data.comparison.runs[1].id);
  });

  it('shows names, param keys and values from notebooks as text, in tables, legends and tooltips', async () => {
    view = await openWithComparison(penguinsComparison({ hostile: true }));
    const page = view.page;
    await page.locator('.toggle-identical').click();
    const text = await page.locator('body').innerText();
    assert.ok(text.includes(HOSTILE.img), 'the img markup is shown literally');
    assert.ok(text.includes(HOSTILE.script));
    assert.ok(text.includes(HOSTILE.link));
    assert.equal(
      await page.locator('img[src="x"]').count(),
      0,
      'no <img> element was created from a string',
    );
    assert.equal(await page.locator('main script, main svg[onload]').count(), 0);

    // The scatter's tooltip names the run (vega-tooltip escapes it).
    await page.selectOption('#scatter-param', HOSTILE.img);
    await chartsDrawn(view);
    const point = page.locator('.scatter-section .mark-symbol path').first();
    await point.hover({ force: true });
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5000 });
    const tooltip = await page.locator('#vg-tooltip-element').innerText();
    assert.ok(
      tooltip.includes(HOSTILE.img) ||
        tooltip.includes(HOSTILE.script) ||
        tooltip.includes('baseline'),
      tooltip,
    );
    assert.equal(
      await page
        .locator('#vg-tooltip-element img, #vg-tooltip-element script, #vg-tooltip-element svg')
        .count(),
      0,
    );

    await view.screenshot('compare-hostile');
    assert.equal(
      await page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    assert.deepEqual(pageErrors(view), []);
  });

  it('says why when there is nothing to compare', async () => {
    view = await openWebview('compare');
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'error', message: `No run with id "deadbeef" ${HOSTILE.img}` });
    await view.page.waitForSelector('.message .error');
    assert.equal(
      await view.page.locator('.message .error').textContent(),
      `No run with id "deadbeef" ${HOSTILE.img}`,
    );
    assert.equal(await view.page.locator('img[src="x"]').count(), 0);
    // Malformed messages are ignored.
    await view.post({ type: 'comparison', data: { comparison: { runs: 'x' } }, keyMetric: null });
    await view.post({ type: 'comparison' });
    assert.equal(await view.page.locator('.message .error').count(), 1);
    assert.deepEqual(pageErrors(view), []);
  });
});
