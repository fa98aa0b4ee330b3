/**
 * Issue 14, item 6: the run details panel numbers the recorded cells the way the CLI, the
 * kernel's errors and VS Code's status bar do (position among all cells), and says so.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { hostileRunDetails } from './fixtures';

describe('run details panel: cell numbers (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  after(async () => {
    await view?.close();
    await closeBrowser();
  });

  it('names a recorded cell by its position first, its execution count second, and explains both', async () => {
    view = await openWebview('run-details');
    await view.waitForMessage((m) => (m as { type?: string }).type === 'ready');
    await view.post({
      type: 'details',
      details: {
        ...hostileRunDetails(),
        sourceSnapshot: [
          { index: 4, executionCount: 9, source: 'const units = 16;' },
          { index: null, executionCount: null, source: 'const lr = 0.01;' },
        ],
      },
    });
    await view.page.waitForSelector('.source-cell figcaption');
    const captions = await view.page
      .locator('.source-cell figcaption')
      .evaluateAll((nodes) =>
        nodes.map((n) => ({ text: n.textContent ?? '', title: n.getAttribute('title') ?? '' })),
      );
    assert.deepEqual(
      captions.map((c) => c.text),
      ['cell 5 · ran as [9]', 'cell (position unknown) · not run'],
    );
    for (const c of captions)
      assert.match(c.title, /numbered by position in the notebook, markdown cells included/);
    const hint = await view.page.locator('.source-cells').locator('xpath=..').innerText();
    assert.match(hint, /numbered by position in the notebook, markdown cells included/);
    assert.match(hint, /\[n\] is the execution count/);
  });
});
