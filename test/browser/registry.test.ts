/**
 * The model registry panel in a real Chromium: versions with their stages, aliases and
 * metrics (best marked), the lineage of the selected version, the stage history with gate
 * verdicts, the gates editor posting what was edited, and hostile strings shown as text.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE, penguinsModel } from './fixtures';
import type { ModelDetails } from '../../core/service/protocol';
import type { VersionLineage } from '../../webviews/registry/protocol';
import type { ModelCardTests } from '../../core/registry/types';
import { formatMetric } from '../../core/common/format';
import { penguinsTestReport } from './model-tests-report';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

function lineageOf(details: ModelDetails, version: number, hostile = false): VersionLineage {
  const v = details.versions.find((x) => x.version === version)!;
  return {
    version,
    runId: v.runId,
    runName: v.runName,
    experiment: v.experiment,
    hasSource: true,
    sourceNotebook: '/work/examples/penguins.ipynb',
    gitCommit: 'd'.repeat(40),
    gitDirty: version === 3,
    datasets: [
      {
        name: hostile ? `penguins.csv ${HOSTILE.img}` : 'penguins.csv',
        role: 'training',
        fingerprint: 'e'.repeat(64),
        rows: 276,
      },
    ],
    problem: null,
  };
}

/** Opens the panel and answers `selectVersion` with the lineage, as the host does. */
async function openRegistry(
  details = penguinsModel(),
  hostile = false,
  tests: ModelCardTests | null = null,
): Promise<WebviewPage> {
  const view = await openWebview('registry', {
    viewport: { width: 1280, height: 1000 },
    answer: (m) =>
      isType('selectVersion')(m)
        ? {
            type: 'lineage',
            lineage: {
              ...lineageOf(details, (m as { version: number }).version, hostile),
              tests,
            },
          }
        : undefined,
  });
  await view.waitForMessage(isType('ready'));
  await view.post({ type: 'model', details });
  await view.page.waitForSelector('table.versions tbody tr');
  await view.page.waitForSelector('.lineage .step-git code');
  return view;
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

describe('model registry panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('shows the versions with stages, aliases and metrics, the lineage, the history and the gates', async () => {
    view = await openRegistry();
    const page = view.page;
    const rows = await page.$$eval('table.versions tbody tr', (trs) =>
      trs.map((tr) =>
        [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent?.trim()),
      ),
    );
    assert.deepEqual(rows, [
      ['v3', 'Production', '@champion'],
      ['v2', 'Archived', ''],
      ['v1', 'None', '@baseline'],
    ]);
    // val_acc (the gates' metric) comes first and v3 is best at it; val_loss is lower-is-better.
    const headers = await page.$$eval('table.versions thead th.metric-col', (ths) =>
      ths.map((t) => t.textContent),
    );
    assert.deepEqual(headers.slice(0, 2), ['val_acc ↑', 'val_loss ↓']);
    const bestCells = await page.$$eval(
      'table.versions tr[data-version="3"] td.best',
      (tds) => tds.length,
    );
    assert.equal(bestCells, 4);
    assert.equal(
      await page.locator('table.versions tr[data-version="1"] td.metric').nth(1).textContent(),
      'NaN',
    );

    // The Production version is selected, its lineage shown.
    assert.equal(await page.locator('tr.version-row.selected').getAttribute('data-version'), '3');
    assert.match(
      (await page.locator('.lineage').innerText()).replace(/\s+/g, ' '),
      /Version penguins-classifier v3 Production.*Run dense-24.*penguins\.ipynb.*Data sets penguins\.csv.*Git commit dddddddddddd \+ uncommitted changes/i,
    );

    // History: newest first, the forced promotion flagged with its failing gate and numbers.
    const heads = await page.$$eval('.history .transition .what', (ws) =>
      ws.map((w) => w.textContent),
    );
    assert.deepEqual(heads.slice(0, 4), [
      '@champion → v3',
      'v2: Production → Archived',
      'v3: Staging → Production',
      'v3: None → Staging',
    ]);
    const forced = page.locator('.transition.is-forced');
    assert.equal(await forced.count(), 1);
    assert.match(await forced.innerText(), /gates overridden/);
    assert.match(await forced.innerText(), /Reason: Demo on Friday/);
    assert.equal(await forced.locator('.gate.failed').count(), 1);
    assert.match(
      await forced.locator('.gate.failed').innerText(),
      /✗\s*metrics\.val_acc >= 0\.95\s*0\.9418 \(needs >= 0\.95\)/,
    );
    assert.equal(await page.locator('.history .gate.passed').count(), 4);

    // Gates editor filled from the config.
    assert.equal(
      await page.locator('.gates-production input.condition').inputValue(),
      'metrics.val_acc >= 0.95',
    );
    assert.equal(await page.locator('#production-not-worse').isChecked(), true);
    assert.equal(await page.locator('#production-holdout-metric').inputValue(), 'accuracy');
    assert.equal(await page.locator('#production-tolerance').inputValue(), '0.01');
    assert.equal(await page.locator('#staging-not-worse').isChecked(), false);
    assert.equal(await page.locator('#staging-tolerance').isDisabled(), true);

    await view.screenshot('registry');
    await page.evaluate(
      'document.querySelector(".history-section").scrollIntoView({ block: "start" })',
    );
    await view.screenshot('registry-history');
    assert.deepEqual(pageErrors(view), []);
  });

  it('selects a version for its lineage and posts the version actions', async () => {
    view = await openRegistry();
    const page = view.page;
    await page.locator('tr.version-row[data-version="2"] td.version').click();
    const selected = await view.waitForMessage<{ version: number }>(
      (m) => isType('selectVersion')(m) && (m as { version: number }).version === 2,
    );
    assert.equal(selected.version, 2);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } | null };
          }
        ).document.querySelector('.lineage-section h2')?.textContent === 'Lineage of v2',
    );
    await page.locator('.lineage .reopen-source').click();
    assert.equal(
      (await view.waitForMessage<{ runId: string }>(isType('reopenSource'))).runId,
      penguinsModel().versions[1].runId,
    );

    await page.locator('tr[data-version="1"] .promote').click();
    assert.equal((await view.waitForMessage<{ version: number }>(isType('promote'))).version, 1);
    await page.locator('tr[data-version="3"] .set-alias').click();
    assert.equal((await view.waitForMessage<{ version: number }>(isType('setAlias'))).version, 3);
    await page.locator('tr[data-version="2"] .model-card').click();
    assert.equal((await view.waitForMessage<{ version: number }>(isType('modelCard'))).version, 2);
    await page.locator('tr[data-version="3"] .run-link').click();
    assert.equal(
      (await view.waitForMessage<{ runId: string }>(isType('openRun'))).runId,
      penguinsModel().versions[0].runId,
    );
    assert.equal(
      (await page.evaluate<{ ui: { selected: number } }>('window.__labbookState()')).ui.selected,
      2,
      'the selection is kept in the webview state',
    );
    assert.deepEqual(pageErrors(view), []);
  });

  it("posts the edited gates, shows the service's refusal inline and keeps unsaved edits across refreshes", async () => {
    view = await openRegistry();
    const page = view.page;
    await page.locator('.gates-staging .add-condition').click();
    await page.locator('.gates-staging input.condition').nth(1).fill('metrics.val_loss <= 0.2');
    await page.locator('#staging-not-worse').check();
    await page.selectOption('#staging-holdout-metric', 'f1_macro');
    await page.locator('#staging-tolerance').fill('0.02');
    await page.locator('.gates-production .remove-condition').click();

    // A refresh from the store does not throw the edits away.
    await view.post({ type: 'model', details: penguinsModel() });
    assert.equal(
      await page.locator('.gates-staging input.condition').nth(1).inputValue(),
      'metrics.val_loss <= 0.2',
    );

    await page.locator('.save-gates').click();
    const saved = await view.waitForMessage<{ gates: unknown }>(isType('saveGates'));
    assert.deepEqual(saved.gates, {
      production: { notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 } },
      staging: {
        metrics: ['metrics.val_acc >= 0.9', 'metrics.val_loss <= 0.2'],
        notWorseThanProduction: { metric: 'f1_macro', tolerance: 0.02 },
      },
    });

    await view.post({
      type: 'gatesError',
      message: `Production gate 1: unexpected "=>" at 16 ${HOSTILE.img}`,
    });
    await page.waitForSelector('.gates-error:not(:empty)');
    assert.equal(
      await page.locator('.gates-error').textContent(),
      `Production gate 1: unexpected "=>" at 16 ${HOSTILE.img}`,
    );
    assert.equal(await page.locator('img[src="x"]').count(), 0);

    // A bad tolerance is caught before anything is posted.
    const before = view.fromView.filter(isType('saveGates')).length;
    await page.locator('#staging-tolerance').fill('-1');
    await page.locator('.save-gates').click();
    await page.waitForFunction(() =>
      /tolerance must be a number/.test(
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } | null };
          }
        ).document.querySelector('.gates-error')?.textContent ?? '',
      ),
    );
    assert.equal(view.fromView.filter(isType('saveGates')).length, before);
    assert.deepEqual(pageErrors(view), []);
  });

  it('shows hostile names, aliases, reasons and descriptions as text', async () => {
    view = await openRegistry(penguinsModel({ hostile: true }), true);
    const page = view.page;
    const text = await page.locator('body').innerText();
    for (const s of [HOSTILE.img, HOSTILE.svg, HOSTILE.script, HOSTILE.link])
      assert.ok(text.includes(s), `shown literally: ${s}`);
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
    await view.screenshot('registry-hostile');
    assert.deepEqual(pageErrors(view), []);
  });

  it('says why when the model cannot be shown, and ignores malformed messages', async () => {
    view = await openWebview('registry');
    await view.waitForMessage(isType('ready'));
    await view.post({ type: 'model', details: { model: { name: 'x' }, versions: 'nope' } });
    await view.post({
      type: 'error',
      message: `There is no registered model named "${HOSTILE.img}"`,
    });
    await view.page.waitForSelector('.message .error');
    assert.equal(
      await view.page.locator('.message .error').textContent(),
      `There is no registered model named "${HOSTILE.img}"`,
    );
    assert.equal(await view.page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(pageErrors(view), []);
  });

  it("shows the selected version's model test report below its lineage, or how to make one", async () => {
    view = await openRegistry();
    const page = view.page;
    assert.match(
      await page.locator('.tests-section').innerText(),
      /No model test report[\s\S]*labbook test-model NAME\/VERSION --data FILE --label COL/,
    );
    await view.close();
    const { tests } = await penguinsTestReport();
    view = await openRegistry(penguinsModel(), false, tests);
    await view.page.waitForSelector('.tests-section .robustness-chart svg.marks .mark-line path', {
      timeout: 20_000,
    });
    const section = view.page.locator('.tests-section');
    assert.match(await section.locator('h2').innerText(), /^Model tests of v\d+$/);
    assert.match(
      await section.locator('.tests-summary').innerText(),
      new RegExp(`accuracy ${formatMetric(tests.quality)} on 68 rows`),
    );
    assert.equal(
      await section.locator('table.robustness tbody tr').count(),
      tests.robustness.length,
    );
    assert.equal(await section.locator('.fairness').count(), tests.fairness.length);
    assert.equal(
      await section.locator('.four-fifths.violated').count(),
      tests.fairness.filter((f) => f.fourFifthsViolated).length,
    );
    assert.equal(await section.locator('.importance-row').count(), tests.importance.length);
    await view.page.evaluate(
      'document.querySelector(".tests-section").scrollIntoView({ block: "start" })',
    );
    await view.screenshot('registry-tests');
    assert.deepEqual(pageErrors(view), []);
  });
});
