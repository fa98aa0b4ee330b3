/**
 * The model card panel in a real Chromium: its sections, the per-slice table and chart
 * (drawn under the strict CSP), editing the intended use, export and copy, hostile strings.
 */
import * as assert from 'node:assert/strict';
import { formatMetric } from '../../core/common/format';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE, penguinsModelCard } from './fixtures';
import { penguinsTestReport } from './model-tests-report';
import type { ModelCardTests } from '../../core/registry/types';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;
const COLUMNS = [
  'bill_length_mm',
  'bill_depth_mm',
  'flipper_length_mm',
  'body_mass_g',
  'island',
  'sex',
];

async function openCard(hostile = false): Promise<WebviewPage> {
  const view = await openWebview('model-card', {
    viewport: { width: 1100, height: 1400 },
    // The host answers a slice choice with the card sliced by that column.
    answer: (m) => {
      if (!isType('selectSlice')(m)) return undefined;
      const column = (m as { column: string | null }).column;
      return {
        type: 'card',
        ...penguinsModelCard({ hostile, sliceColumn: column }),
        columns: COLUMNS,
        sliceColumn: column,
      };
    },
  });
  await view.waitForMessage(isType('ready'));
  await view.post({
    type: 'card',
    ...penguinsModelCard({ hostile }),
    columns: COLUMNS,
    sliceColumn: 'island',
  });
  await view.page.waitForSelector('.chart-body svg.marks .mark-rect path', { timeout: 20_000 });
  return view;
}

function pageErrors(view: WebviewPage): string[] {
  return view.errors.filter((e) => !/WebGL/i.test(e));
}

describe('model card panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('renders every section and the slice chart with the worse island flagged', async () => {
    view = await openCard();
    const page = view.page;
    const sections = await page.$$eval('section h2', (hs) => hs.map((h) => h.textContent));
    assert.deepEqual(sections, [
      'Model details',
      'Intended use & limitations',
      'Training data',
      'Metrics',
      'Model tests',
      'Caveats',
    ]);
    assert.match(
      await page.locator('.tests-section .no-tests').innerText(),
      /labbook test-model NAME\/VERSION --data FILE --label COL/,
    );
    assert.match(
      await page.locator('.details-section').innerText(),
      /classes: Adelie, Chinstrap, Gentoo/,
    );
    assert.equal(
      await page.locator('#intended-use').inputValue(),
      'Teaching examples of multi-class classification on tabular data.',
    );
    assert.equal(await page.locator('#limitations').inputValue(), '');
    assert.equal(await page.locator('table.params tbody tr').count(), 5);
    assert.match(
      await page.locator('table.datasets').innerText(),
      /penguins\.csv\s+training\s+276/,
    );
    assert.match(await page.locator('table.run-metrics').innerText(), /lr_final\s+NaN/);

    // Slices by island: three groups, Torgersen flagged; the chart draws a bar per island and the overall rule.
    assert.equal(await page.locator('#slice-column').inputValue(), 'island');
    assert.equal(await page.locator('table.slices tbody tr').count(), 3);
    assert.equal(await page.locator('table.slices tr.worse').count(), 1);
    assert.match(await page.locator('table.slices tr.worse').innerText(), /Torgersen/);
    assert.equal(await page.locator('.chart-body svg.marks .mark-rect path').count(), 3);
    assert.equal(await page.locator('.chart-body svg.marks .mark-rule.role-mark line').count(), 1);
    const axis = await page.$$eval('.chart-body .role-axis-label text', (ts) =>
      ts.map((t) => t.textContent),
    );
    assert.ok(axis.includes('Torgersen'), axis.join('|'));
    assert.equal(await page.locator('.caveats li').count(), 2);

    await view.screenshot('model-card');
    await page.evaluate(
      'document.querySelector(".metrics-section").scrollIntoView({ block: "start" })',
    );
    await view.screenshot('model-card-slices');
    assert.deepEqual(pageErrors(view), []);
  });

  it('asks for another slice column and redraws', async () => {
    view = await openCard();
    const page = view.page;
    await page.selectOption('#slice-column', 'sex');
    assert.equal(
      (await view.waitForMessage<{ column: string }>(isType('selectSlice'))).column,
      'sex',
    );
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('.chart-body svg.marks .mark-rect path').length === 2,
    );
    assert.equal(await page.locator('table.slices tbody tr').count(), 2);
    await page.selectOption('#slice-column', '');
    await page.waitForSelector('.metrics-section .chart', { state: 'detached' });
    assert.deepEqual(pageErrors(view), []);
  });

  it('posts the edited intended use and limitations, and the markdown to export and copy', async () => {
    view = await openCard();
    const page = view.page;
    await page
      .locator('#intended-use')
      .fill('Classifying penguins in the Palmer archipelago data set only.');
    await page.locator('#limitations').fill('Torgersen island is under-represented.');
    // A refresh keeps the unsaved edits.
    await view.post({ type: 'card', ...penguinsModelCard(), columns: COLUMNS, sliceColumn: 'sex' });
    assert.equal(
      await page.locator('#limitations').inputValue(),
      'Torgersen island is under-represented.',
    );
    await page.locator('.save-card').click();
    const save = await view.waitForMessage<{ intendedUse: string; limitations: string }>(
      isType('save'),
    );
    assert.equal(save.intendedUse, 'Classifying penguins in the Palmer archipelago data set only.');
    assert.equal(save.limitations, 'Torgersen island is under-represented.');
    await view.post({ type: 'saved' });
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string } | null };
          }
        ).document.querySelector('.save-status')?.textContent === 'Saved.',
    );

    await page.locator('.export-markdown').click();
    const exported = await view.waitForMessage<{ markdown: string; fileName: string }>(
      isType('exportMarkdown'),
    );
    assert.match(exported.markdown, /^# Model card: penguins-classifier v3/);
    assert.equal(exported.fileName, 'penguins-classifier-v3-model-card.md');
    await page.locator('.copy-markdown').click();
    assert.match(
      (await view.waitForMessage<{ markdown: string }>(isType('copyMarkdown'))).markdown,
      /## Metrics/,
    );
    await view.post({ type: 'saveError', message: `cannot write ${HOSTILE.img}` });
    await page.waitForSelector('.save-error:not(:empty)');
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(pageErrors(view), []);
  });

  it('shows hostile names, params, data sets and slice values as text', async () => {
    view = await openCard(true);
    const page = view.page;
    const text = await page.locator('body').innerText();
    for (const s of [HOSTILE.img, HOSTILE.svg, HOSTILE.script])
      assert.ok(text.includes(s), `shown literally: ${s}`);
    const axis = await page.$$eval('.chart-body .role-axis-label text', (ts) =>
      ts.map((t) => t.textContent).join('|'),
    );
    assert.ok(axis.includes('Torgersen'), axis);
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
    await view.screenshot('model-card-hostile');
    assert.deepEqual(pageErrors(view), []);
  });

  describe('model tests section', () => {
    let tests: ModelCardTests;
    before(async function () {
      this.timeout(120_000);
      tests = (await penguinsTestReport()).tests;
    });

    async function openTested(t: ModelCardTests): Promise<WebviewPage> {
      const v = await openWebview('model-card', { viewport: { width: 1100, height: 1400 } });
      await v.waitForMessage(isType('ready'));
      const { card, markdown } = penguinsModelCard();
      await v.post({
        type: 'card',
        card: { ...card, tests: t },
        markdown,
        columns: COLUMNS,
        sliceColumn: null,
      });
      await v.page.waitForSelector('.robustness-chart svg.marks .mark-line path', {
        timeout: 20_000,
      });
      return v;
    }

    it('draws the real penguins report: quality, robustness, fairness with the four-fifths flag, importance, CV, mutants', async () => {
      view = await openTested(tests);
      const page = view.page;
      const section = page.locator('.tests-section');
      assert.match(
        await section.locator('.tests-summary').innerText(),
        new RegExp(`accuracy ${formatMetric(tests.quality)} on 68 rows`),
      );
      // One table row per perturbation, each showing its quality.
      const robust = await section.locator('table.robustness tbody tr').allInnerTexts();
      assert.equal(robust.length, tests.robustness.length);
      const noise01 = tests.robustness.find((r) => r.name === 'noise_0.1')!;
      assert.ok(
        robust.some(
          (r) => /Gaussian noise σ\s+0\.1\s/.test(r) && r.includes(formatMetric(noise01.value)),
        ),
        robust.join('|'),
      );
      const missing = tests.robustness.find((r) => r.name === 'missing_Beak Length (mm)')!;
      assert.ok(
        robust.some(
          (r) => r.includes('Beak Length (mm)') && r.includes(formatMetric(missing.value)),
        ),
      );
      // The chart: one line each for noise and FGSM, a point per level.
      assert.equal(await section.locator('.robustness-chart svg.marks .mark-line path').count(), 2);
      const levels = tests.robustness.filter((r) => /^(noise|fgsm)_/.test(r.name)).length;
      assert.equal(
        await section.locator('.robustness-chart svg.marks .mark-symbol.role-mark path').count(),
        levels,
      );

      // Fairness: Sex and Island, both failing the four-fifths rule on this model.
      assert.equal(await section.locator('.fairness').count(), 2);
      for (const [i, f] of tests.fairness.entries()) {
        const block = section.locator('.fairness').nth(i);
        assert.match(await block.locator('h3').innerText(), new RegExp(`Fairness by ${f.column}`));
        assert.equal(
          await block.locator('.four-fifths.violated').count(),
          f.fourFifthsViolated ? 1 : 0,
        );
        const summary = await block.locator('.fairness-summary').innerText();
        assert.ok(summary.includes(formatMetric(f.demographicParityDifference)), summary);
        assert.ok(summary.includes(formatMetric(f.equalizedOddsDifference)), summary);
        const rows = await block.locator('table.fairness-groups tbody tr').allInnerTexts();
        assert.equal(rows.length, f.groups.length);
        for (const [j, g] of f.groups.entries()) {
          const cells = rows[j].split('\t').map((c) => c.trim());
          assert.deepEqual(cells.slice(0, 3), [
            g.group,
            String(g.count),
            formatMetric(g.selectionRate),
          ]);
        }
      }
      assert.ok(
        tests.fairness.some((f) => f.fourFifthsViolated),
        'this model fails the rule',
      );
      assert.match(
        await section.locator('.four-fifths.violated').first().innerText(),
        /Fails the four-fifths rule/,
      );

      // Importance bars, widest first, scaled to the largest drop.
      const features = await section.locator('.importance-row .feature').allInnerTexts();
      const byMean = [...tests.importance].sort((a, b) => b.mean - a.mean);
      assert.deepEqual(
        features,
        byMean.map((f) => f.feature),
      );
      const widths = await section
        .locator('.importance-row .bar')
        .evaluateAll((bs) =>
          bs.map((b) => (b as unknown as { style: { width: string } }).style.width),
        );
      assert.equal(widths[0], '100%');
      assert.ok(parseFloat(widths[widths.length - 1]) < 100);

      const cv = tests.crossValidation!;
      assert.match(
        await section.locator('dd.cv').innerText(),
        new RegExp(
          `accuracy ${formatMetric(cv.mean)} ± ${formatMetric(cv.std)} · train − test gap ${formatMetric(cv.gap).replace('-', '\\-')}`,
        ),
      );
      assert.match(
        await section.locator('dd.mutation').innerText(),
        new RegExp(`^${formatMetric(tests.mutationScore!)}`),
      );

      await section.scrollIntoViewIfNeeded();
      await page.evaluate(
        'document.querySelector(".tests-section").scrollIntoView({ block: "start" })',
      );
      await view.screenshot('model-card-tests');
      assert.deepEqual(pageErrors(view), []);
    });

    it('shows hostile group, column and feature names as text', async () => {
      const hostile: ModelCardTests = {
        ...tests,
        importance: tests.importance.map((f, i) => (i === 0 ? { ...f, feature: HOSTILE.svg } : f)),
        fairness: tests.fairness.map((f, i) =>
          i === 0
            ? {
                ...f,
                column: HOSTILE.script,
                groups: f.groups.map((g, j) => (j === 0 ? { ...g, group: HOSTILE.img } : g)),
              }
            : f,
        ),
      };
      view = await openTested(hostile);
      const page = view.page;
      const text = await page.locator('.tests-section').innerText();
      for (const s of [HOSTILE.img, HOSTILE.svg, HOSTILE.script])
        assert.ok(text.includes(s), `shown literally: ${s}`);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      assert.equal(await page.locator('main script, main svg[onload]').count(), 0);
      assert.equal(await page.evaluate('window.__xss === undefined'), true);
      assert.deepEqual(pageErrors(view), []);
    });
  });
});
