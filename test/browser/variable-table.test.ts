/**
 * The variable table panel in a real Chromium: a notebook variable of 100,000 rows, paged
 * from the host as the table scrolls, with only the rows in view in the DOM; hostile
 * strings stay text; and a page of an older value of the variable is dropped.
 */
import * as assert from 'node:assert/strict';
import { closeBrowser, openWebview, type WebviewPage } from './harness';
import { HOSTILE } from './fixtures';

type Message = { type?: string; [k: string]: unknown };
const isType = (type: string) => (m: unknown) => (m as Message).type === type;

/** The little of the page's DOM the checks read (this tsconfig has no DOM types). */
interface PageDocument {
  querySelector(selector: string): {
    scrollTop: number;
    scrollHeight: number;
    clientHeight: number;
  };
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
}

const TOTAL = 100_000;
const COLUMNS = ['id', 'species', 'island', 'bill_length_mm', 'body_mass_g', 'note'];

function row(i: number): string[] {
  return [
    String(i),
    ['Adelie', 'Chinstrap', 'Gentoo'][i % 3],
    ['Torgersen', 'Biscoe', 'Dream'][i % 3],
    (32 + (i % 270) / 10).toFixed(1),
    String(2700 + (i % 3600)),
    i === 7 ? HOSTILE.img : i === 8 ? HOSTILE.svg : `row ${i}`,
  ];
}

async function openTable(version = 1): Promise<{ view: WebviewPage; asked: number[] }> {
  const asked: number[] = [];
  const view = await openWebview('variable-table', {
    viewport: { width: 1200, height: 760 },
    // The host answers each page the panel asks for, as the kernel would.
    answer: (m) => {
      if (!isType('rows')(m)) return undefined;
      const { offset, limit, version: v } = m as { offset: number; limit: number; version: number };
      asked.push(offset);
      const rows = Array.from({ length: Math.min(limit, TOTAL - offset) }, (_, k) =>
        row(offset + k),
      );
      return { type: 'page', version: v, offset, rows };
    },
  });
  await view.waitForMessage(isType('ready'));
  await view.post({
    type: 'table',
    name: 'penguins',
    notebook: 'penguins.ipynb',
    columns: COLUMNS,
    total: TOTAL,
    version,
  });
  await view.page.waitForSelector('.vt-body .vt-row:not(.loading)');
  return { view, asked };
}

const rowCount = (view: WebviewPage) => view.page.locator('.vt-body .vt-row').count();

describe('variable table panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('scrolls 100,000 rows with only the rows in view in the DOM', async () => {
    const opened = await openTable();
    view = opened.view;
    const page = view.page;
    assert.match(
      await page.locator('.facts').innerText(),
      /100,000 rows × 6 columns · penguins\.ipynb/,
    );
    assert.deepEqual(
      await page.$$eval('.vt-head .vt-cell', (cells) => cells.map((c) => c.textContent)),
      ['#', ...COLUMNS],
    );
    const initial = await rowCount(view);
    assert.ok(initial > 10 && initial < 80, `${initial} rows in the DOM at the top`);
    await view.screenshot('variable-table-top');
    // Scroll through the whole table in steps, as a user dragging the scrollbar would.
    const counts: number[] = [];
    const frames: number[] = [];
    for (const fraction of [0.1, 0.25, 0.5, 0.75, 0.9, 1]) {
      const started = Date.now();
      await page.evaluate((f) => {
        const s = (globalThis as unknown as { document: PageDocument }).document.querySelector(
          '.vt-scroller',
        );
        s.scrollTop = f * (s.scrollHeight - s.clientHeight);
      }, fraction);
      // Drawn: the first row in view has its data (not the loading placeholder).
      await page.waitForFunction(() => {
        const d = (globalThis as unknown as { document: PageDocument }).document;
        const first = String(
          Math.min(Math.floor(d.querySelector('.vt-scroller').scrollTop / 24), 99999),
        );
        return Array.from(d.querySelectorAll('.vt-body .vt-row:not(.loading)')).some(
          (r) => r.getAttribute('data-index') === first,
        );
      });
      frames.push(Date.now() - started);
      counts.push(await rowCount(view));
    }
    assert.ok(Math.max(...counts) < 80, `rows in the DOM while scrolling: ${counts.join(', ')}`);
    console.log(
      `      DOM rows while scrolling: ${counts.join(', ')}; ms to draw each jump: ${frames.join(', ')}`,
    );
    const lastIndex = await page.$$eval('.vt-body .vt-row', (rows) =>
      Math.max(...rows.map((r) => Number(r.getAttribute('data-index')))),
    );
    assert.equal(lastIndex, TOTAL - 1, 'the last row is reachable');
    assert.equal(
      await page.locator('.vt-body .vt-row[data-index="99999"] .vt-cell').nth(1).innerText(),
      '99999',
    );
    // Only the pages scrolled to were asked for (200 rows each), not all 500.
    assert.ok(opened.asked.length < 30, `${opened.asked.length} pages asked for`);
    await view.screenshot('variable-table-end');
    assert.deepEqual(view.errors, []);
  });

  it('shows hostile strings as text', async () => {
    const opened = await openTable();
    view = opened.view;
    const cell = view.page.locator('.vt-body .vt-row[data-index="7"] .vt-cell').last();
    assert.equal(await cell.innerText(), HOSTILE.img);
    assert.equal(await view.page.locator('.vt-body img, .vt-body svg').count(), 0);
    assert.deepEqual(view.errors, []);
  });

  it('drops a page of an older value and shows a new value from the top', async () => {
    const opened = await openTable(1);
    view = opened.view;
    await view.post({ type: 'page', version: 0, offset: 0, rows: [['stale', '', '', '', '', '']] });
    await view.page.waitForTimeout(200);
    assert.notEqual(
      await view.page.locator('.vt-body .vt-row[data-index="0"] .vt-cell').nth(1).innerText(),
      'stale',
    );
    await view.post({
      type: 'table',
      name: 'penguins',
      notebook: 'penguins.ipynb',
      columns: ['id'],
      total: 3,
      version: 2,
    });
    await view.page.waitForFunction(
      () =>
        (globalThis as unknown as { document: PageDocument }).document.querySelectorAll(
          '.vt-head .vt-cell',
        ).length === 2,
    );
    await view.page.waitForSelector('.vt-body .vt-row:not(.loading)');
    assert.equal(await rowCount(view), 3);
    await view.post({ type: 'error', message: 'No kernel is running for penguins.ipynb' });
    await view.page.waitForSelector('text=No kernel is running');
  });
});
