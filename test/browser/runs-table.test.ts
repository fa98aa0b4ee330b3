/**
 * The runs table panel in a real Chromium, with a fake host that pages, sorts, filters
 * and groups an in-memory list of runs the way the workspace service does.
 */
import * as assert from 'node:assert/strict';
import { parseFilter, parseOrderBy, SearchSyntaxError, type Clause } from '../../core/search/parse';
import {
  fromWireNumber,
  type RunsTablePage,
  type RunsTableQuery,
  type RunsTableRow,
} from '../../core/service/protocol';
import { closeBrowser, openWebview, type OpenOptions, type WebviewPage } from './harness';
import { childTableRows, HOSTILE, penguinsTableRows } from './fixtures';

/** The little of the DOM the page-side callbacks use (this side has no DOM types). */
interface Box {
  left: number;
  top: number;
  height: number;
}
interface PageElement {
  className: string;
  getBoundingClientRect(): Box;
  closest(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  elementFromPoint(x: number, y: number): PageElement | null;
};
declare function getComputedStyle(element: unknown): { cursor: string };

type Message = {
  type?: string;
  requestId?: number;
  query?: RunsTableQuery;
  runIds?: string[];
  runId?: string;
  action?: string;
};

const isType = (type: string) => (m: unknown) => (m as Message).type === type;
const isQuery =
  (match: (q: RunsTableQuery) => boolean = () => true) =>
  (m: unknown) =>
    (m as Message).type === 'query' && match((m as Message).query!);

/** As the store computes attributes.duration: a running run's grows, an unfinished other one has none. */
function durationOf(row: RunsTableRow): number | null {
  if (row.endTime !== null) return row.endTime - row.startTime;
  return row.status === 'running' ? Date.now() - row.startTime : null;
}

function valueOf(
  row: RunsTableRow,
  entity: Clause['entity'],
  key: string,
): string | number | undefined {
  if (entity === 'metrics')
    return row.metrics[key] ? fromWireNumber(row.metrics[key].latest) : undefined;
  if (entity === 'params') return row.params[key];
  if (entity === 'tags') return row.tags[key];
  const attrs: Record<string, string | number | null> = {
    run_id: row.id,
    run_name: row.name,
    status: row.status,
    experiment: row.experiment,
    start_time: row.startTime,
    end_time: row.endTime,
    duration: durationOf(row),
  };
  return attrs[key] ?? undefined;
}

function matches(row: RunsTableRow, clause: Clause): boolean {
  const v = valueOf(row, clause.entity, clause.key);
  if (v === undefined) return false;
  const c = clause.value as string | number;
  switch (clause.comparator) {
    case '=':
      return v === c;
    case '!=':
      return v !== c;
    case '<':
      return v < c;
    case '<=':
      return v <= c;
    case '>':
      return v > c;
    case '>=':
      return v >= c;
    case 'IN':
      return (clause.value as (string | number)[]).includes(v);
    case 'NOT IN':
      return !(clause.value as (string | number)[]).includes(v);
    default:
      return String(v).includes(String(c).replace(/%/g, ''));
  }
}

/** Plays the workspace service over an in-memory list (children by parent id). */
class FakeHost {
  readonly queries: RunsTableQuery[] = [];
  constructor(
    public rows: RunsTableRow[],
    readonly children: Record<string, RunsTableRow[]> = {},
    readonly multipleExperiments = true,
  ) {}

  answer = (message: unknown): unknown => {
    const m = message as Message;
    if (m.type === 'ready')
      return {
        type: 'init',
        title: 'Runs: penguins',
        multipleExperiments: this.multipleExperiments,
      };
    if (m.type !== 'query') return undefined;
    this.queries.push(m.query!);
    return { type: 'page', requestId: m.requestId, page: this.page(m.query!) };
  };

  page(q: RunsTableQuery): RunsTablePage {
    const empty = (error: RunsTablePage['error']): RunsTablePage => ({
      total: 0,
      offset: q.offset,
      rows: [],
      columns: { params: [], metrics: [], tags: [] },
      best: {},
      error,
    });
    if (q.parentRunId) {
      const rows = this.children[q.parentRunId] ?? [];
      return {
        ...empty(undefined),
        total: rows.length,
        rows: rows.slice(q.offset, q.offset + q.limit),
        columns: this.columns(rows),
      };
    }
    let clauses: Clause[];
    let order: ReturnType<typeof parseOrderBy>;
    try {
      clauses = parseFilter(q.filter ?? '');
    } catch (e) {
      if (e instanceof SearchSyntaxError)
        return empty({ in: 'filter', message: e.message, position: e.position });
      throw e;
    }
    try {
      order = parseOrderBy(q.orderBy ?? '');
    } catch (e) {
      if (e instanceof SearchSyntaxError)
        return empty({ in: 'orderBy', message: e.message, position: e.position });
      throw e;
    }
    let rows = this.rows.filter((r) => clauses.every((c) => matches(r, c)));
    const compare = (a: RunsTableRow, b: RunsTableRow): number => {
      if (q.groupByParam) {
        const x = a.params[q.groupByParam] ?? '\uffff';
        const y = b.params[q.groupByParam] ?? '\uffff';
        if (x !== y) return x < y ? -1 : 1;
      }
      if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
      for (const key of order) {
        const x = valueOf(a, key.entity, key.key);
        const y = valueOf(b, key.entity, key.key);
        if (x === y) continue;
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        return (x < y ? -1 : 1) * (key.descending ? -1 : 1);
      }
      return b.startTime - a.startTime;
    };
    rows = [...rows].sort(compare);
    const page: RunsTablePage = {
      total: rows.length,
      offset: q.offset,
      rows: rows.slice(q.offset, q.offset + q.limit),
      columns: this.columns(rows),
      best: this.best(rows),
    };
    if (q.groupByParam) {
      const groups: { value: string | null; count: number }[] = [];
      for (const r of rows) {
        const value = r.params[q.groupByParam] ?? null;
        const last = groups[groups.length - 1];
        if (last && last.value === value) last.count++;
        else groups.push({ value, count: 1 });
      }
      page.groups = groups;
    }
    return page;
  }

  columns(rows: RunsTableRow[]): RunsTablePage['columns'] {
    const keys = (pick: (r: RunsTableRow) => object) =>
      [...new Set(rows.flatMap((r) => Object.keys(pick(r))))].sort();
    return {
      params: keys((r) => r.params),
      metrics: keys((r) => r.metrics),
      tags: keys((r) => r.tags),
    };
  }

  best(rows: RunsTableRow[]): RunsTablePage['best'] {
    const best: RunsTablePage['best'] = {};
    for (const key of this.columns(rows).metrics) {
      const values = rows
        .map((r) => r.metrics[key] && fromWireNumber(r.metrics[key].latest))
        .filter((v): v is number => v !== undefined && Number.isFinite(v));
      if (values.length) best[key] = /loss/.test(key) ? Math.min(...values) : Math.max(...values);
    }
    return best;
  }
}

async function open(
  host: FakeHost,
  options: Omit<OpenOptions, 'answer'> = {},
): Promise<WebviewPage> {
  const view = await openWebview('runs-table', { ...options, answer: host.answer });
  await view.waitForMessage(isType('ready'));
  await view.page.waitForSelector('.run-row');
  return view;
}

describe('runs table panel (browser)', function () {
  this.timeout(60_000);
  let view: WebviewPage | undefined;
  afterEach(async () => {
    if (view) assert.deepEqual(view.errors, [], 'no page errors or CSP violations');
    await view?.close();
    view = undefined;
  });
  after(closeBrowser);

  it('renders a bounded number of rows for 10,000 runs and pages in the end when scrolled there', async () => {
    const host = new FakeHost(penguinsTableRows(10_000));
    view = await open(host);
    const { page } = view;
    const rendered = await page.locator('.tr').count();
    assert.ok(
      rendered > 10 && rendered < 120,
      `a window of rows is rendered, not all (${rendered})`,
    );
    assert.ok(
      host.queries.every((q) => q.limit <= 200),
      'pages of at most 200 rows',
    );
    assert.equal(await page.locator('.count-info').innerText(), '10,000 runs');

    await page.locator('.scroller').evaluate((s) => {
      s.scrollTop = s.scrollHeight;
    });
    await view.waitForMessage(isQuery((q) => q.offset >= 9_800));
    const last = host.page({ offset: 9_999, limit: 1, topLevelOnly: true }).rows[0];
    await page.waitForSelector(`.run-row[data-run-id="${last.id}"]`);
    assert.ok((await page.locator('.tr').count()) < 120, 'still a window of rows at the bottom');
    assert.ok(
      host.queries.length < 10,
      `only the pages in view were asked for (${host.queries.length} queries)`,
    );
    assert.ok(
      !host.queries.some((q) => q.offset > 0 && q.offset < 9_000),
      'no page in the middle was fetched',
    );

    // Live: a store change re-asks for the pages on screen and keeps the scroll position.
    const scrollTop = await page.locator('.scroller').evaluate((s) => s.scrollTop);
    host.rows = host.rows.map((r) =>
      r.id === last.id ? { ...r, name: 'renamed while training' } : r,
    );
    const before = host.queries.length;
    await view.post({ type: 'refresh' });
    await page.waitForSelector(
      `.run-row[data-run-id="${last.id}"] .run-link >> text=renamed while training`,
    );
    assert.ok(host.queries.length > before);
    assert.equal(await page.locator('.scroller').evaluate((s) => s.scrollTop), scrollTop);
  });

  it('sorts by a clicked header with a quoted key in the order-by', async () => {
    const rows = penguinsTableRows(50);
    for (const r of rows) r.metrics['val acc'] = r.metrics.val_acc;
    const host = new FakeHost(rows);
    view = await open(host);
    const header = view.page.locator('.th[data-column="metric:val acc"]');
    await header.click();
    await view.waitForMessage(isQuery((q) => q.orderBy === 'metrics.`val acc`'));
    await view.page.locator('.th[data-column="metric:val acc"] .sort-indicator').waitFor();
    await view.page.locator('.th[data-column="metric:val acc"]').click();
    await view.waitForMessage(isQuery((q) => q.orderBy === 'metrics.`val acc` DESC'));
    assert.equal(
      await view.page.locator('.th[data-column="metric:val acc"] .sort-indicator').innerText(),
      '↓',
    );
    await view.page.locator('.th[data-column="param:lr"]').click();
    await view.waitForMessage(isQuery((q) => q.orderBy === 'params.lr'));
  });

  it('applies a filter on Enter and shows a parse error with its position', async () => {
    const host = new FakeHost(penguinsTableRows(300));
    view = await open(host);
    const input = view.page.locator('.filter-input');
    await input.fill('metrics.val_acc > 0.8');
    await input.press('Enter');
    await view.waitForMessage(
      isQuery((q) => q.filter === 'metrics.val_acc > 0.8' && q.offset === 0),
    );
    await view.page
      .locator('.count-info', { hasText: /^\d+ runs$/ })
      .filter({ hasNotText: /^300 runs$/ })
      .waitFor();
    assert.equal(await view.page.locator('.filter-error').isVisible(), false);

    await input.fill('metrics.val_acc >> 0.8');
    await input.press('Enter');
    await view.waitForMessage(isQuery((q) => q.filter === 'metrics.val_acc >> 0.8'));
    const error = view.page.locator('.filter-error');
    await error.waitFor();
    const expected = host.page({ filter: 'metrics.val_acc >> 0.8', offset: 0, limit: 1 }).error!;
    assert.match(await error.locator('.error-message').innerText(), /Expected a value/);
    assert.equal(await error.getAttribute('data-position'), String(expected.position));
    assert.equal(await error.locator('.error-snippet').innerText(), 'metrics.val_acc >> 0.8');
    assert.equal(
      await error.locator('.error-mark').innerText(),
      'metrics.val_acc >> 0.8'[expected.position],
    );
    assert.ok(await view.page.locator('.filter-input.invalid').count());
    await view.screenshot('runs-table-filter-error');

    // Typing without Enter applies after a pause.
    await input.fill('params.lr = "0.01"');
    await view.waitForMessage(
      isQuery((q) => q.filter === 'params.lr = "0.01"'),
      5_000,
    );
    await view.page.locator('.count-info', { hasText: /^60 runs$/ }).waitFor();
  });

  it('sorts by Duration, and every header a click sorts looks clickable', async () => {
    const host = new FakeHost(penguinsTableRows(60));
    view = await open(host);
    const headers = view.page.locator('.thead .th[data-column]');
    for (const th of await headers.all()) {
      const column = await th.getAttribute('data-column');
      const look = await th.evaluate((e) => ({
        sortable: e.classList.contains('sortable'),
        cursor: getComputedStyle(e).cursor,
        title: e.getAttribute('title') ?? '',
      }));
      assert.ok(look.sortable, `${column} sorts on a click`);
      assert.equal(look.cursor, 'pointer', `${column} looks clickable`);
      assert.match(look.title, /click to sort/, `${column} says a click sorts`);
    }

    await view.page.locator('.th[data-column="attr:duration"]').click();
    await view.waitForMessage(isQuery((q) => q.orderBy === 'attributes.duration'));
    await view.page.locator('.th[data-column="attr:duration"] .sort-indicator').waitFor();
    assert.equal(
      await view.page.locator('.th[data-column="attr:duration"]').getAttribute('aria-sort'),
      'ascending',
    );
    const first = host.page({ orderBy: 'attributes.duration', offset: 0, limit: 5 }).rows;
    await view.page.waitForFunction(
      (id) => document.querySelector('.run-row')?.getAttribute('data-run-id') === id,
      first[0].id,
    );
    const ids = await view.page
      .locator('.run-row')
      .evaluateAll((els) => els.slice(0, 5).map((e) => e.getAttribute('data-run-id')));
    assert.deepEqual(
      ids,
      first.map((r) => r.id),
      'the shortest runs first',
    );
    await view.page.locator('.th[data-column="attr:duration"]').click();
    await view.waitForMessage(isQuery((q) => q.orderBy === 'attributes.duration DESC'));
  });

  it('keeps the sticky Run header above the headers scrolled under it', async () => {
    const host = new FakeHost(penguinsTableRows(60));
    view = await open(host, { viewport: { width: 700, height: 400 } });
    const { page } = view;
    await page.locator('.columns-button').click();
    await page.locator('.column-picker .link-button', { hasText: 'Show all' }).click();
    await page.keyboard.press('Escape');
    await page.locator('.scroller').evaluate((s) => {
      s.scrollLeft = 400;
    });
    await page.waitForTimeout(100);
    assert.ok((await page.locator('.scroller').evaluate((s) => s.scrollLeft)) >= 400);
    // What is drawn on top at points across the sticky check and Run headers, and under them in the first row.
    const hits = await page.evaluate(() => {
      const scroller = document.querySelector('.scroller')!.getBoundingClientRect();
      const head = document.querySelector('.thead')!.getBoundingClientRect();
      const row = document.querySelector('.run-row')!.getBoundingClientRect();
      const at = (x: number, y: number) => {
        const e = document.elementFromPoint(x, y);
        const cell = e?.closest('.cell');
        return cell ? cell.className : String(e?.className);
      };
      const xs = [5, 20, 40, 120, 250].map((dx) => scroller.left + dx);
      return {
        header: xs.map((x) => at(x, head.top + head.height / 2)),
        row: xs.map((x) => at(x, row.top + row.height / 2)),
      };
    });
    hits.header.forEach((c, i) =>
      assert.match(c, i < 2 ? /\bth\b.*\bc-check\b/ : /\bth\b.*\bc-name\b/, `header ${i}: ${c}`),
    );
    hits.row.forEach((c, i) =>
      assert.match(c, i < 2 ? /\bc-check\b/ : /\bc-name\b/, `first row ${i}: ${c}`),
    );
    await view.screenshot('runs-table-scrolled-sideways');
  });

  it('keeps the last result and its columns while the filter does not parse', async () => {
    const host = new FakeHost(penguinsTableRows(700));
    view = await open(host, { viewport: { width: 1280, height: 600 } });
    const { page } = view;
    const input = page.locator('.filter-input');
    await input.fill('metrics.val_acc > 0.7');
    await input.press('Enter');
    const valid = host.page({ filter: 'metrics.val_acc > 0.7', offset: 0, limit: 1 }).total;
    await page.locator('.count-info', { hasText: `${valid} runs` }).waitFor();
    const shown = async () => ({
      rows: await page
        .locator('.run-row')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id'))),
      columns: await page
        .locator('.thead .th[data-column]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-column'))),
      count: await page.locator('.count-info').innerText(),
      tableTop: await page.locator('.scroller').evaluate((s) => s.getBoundingClientRect().top),
    });
    const before = await shown();
    assert.ok(before.rows.length > 10);
    assert.ok(before.columns.some((c) => c?.startsWith('param:')));
    assert.ok(before.columns.some((c) => c?.startsWith('metric:')));

    // Typing on: each pause sends what is there, most of it does not parse yet.
    for (const text of ['metrics.val_acc > 0.7 and', 'metrics.val_acc > 0.7 and params.']) {
      await input.fill(text);
      await input.press('Enter');
      await view.waitForMessage(isQuery((q) => q.filter === text));
      const error = page.locator('.filter-error');
      await error.locator('.error-message').waitFor();
      assert.match(
        await error.locator('.error-message').innerText(),
        /^Filter: Expected a (param )?name/,
        'the error says what is wrong',
      );
      assert.deepEqual(await shown(), before, `"${text}": the rows and columns stay`);
      assert.equal(await input.getAttribute('aria-invalid'), 'true');
      const described = await input.getAttribute('aria-describedby');
      assert.ok(described && (await page.locator(`#${described}`).innerText()).includes('Filter'));
    }
    const underError = await page.evaluate(() => {
      const th = document.querySelector('.thead .th[data-column^="param:"]')!;
      const box = th.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + 10, box.top + box.height / 2);
      return hit?.closest('.th')?.getAttribute('data-column') ?? String(hit?.className);
    });
    await view.screenshot('runs-table-filter-error-kept');
    assert.match(underError, /^param:/, `the error leaves the headers in sight (${underError})`);
    await view.screenshot('runs-table-filter-error-kept');

    // Scrolling on loads more of the last result, not of the broken filter, and the error stays.
    await page.locator('.scroller').evaluate((s) => {
      s.scrollTop = s.scrollHeight;
    });
    const last = host.page({ filter: 'metrics.val_acc > 0.7', offset: valid - 1, limit: 1 })
      .rows[0];
    await page.waitForSelector(`.run-row[data-run-id="${last.id}"]`);
    assert.equal(await page.locator('.filter-error').isVisible(), true);

    await input.fill('metrics.val_acc > 0.7 and params.lr = "0.01"');
    await input.press('Enter');
    const fixed = host.page({
      filter: 'metrics.val_acc > 0.7 and params.lr = "0.01"',
      offset: 0,
      limit: 1,
    }).total;
    await page.locator('.count-info', { hasText: `${fixed} runs` }).waitFor();
    assert.equal(await page.locator('.filter-error').isVisible(), false);
    assert.equal(await input.getAttribute('aria-invalid'), null);
  });

  it('groups by a param with a header and count per value', async () => {
    const host = new FakeHost(penguinsTableRows(400));
    view = await open(host);
    await view.page.locator('.group-select').selectOption('hidden_units');
    await view.waitForMessage(isQuery((q) => q.groupByParam === 'hidden_units'));
    await view.page.waitForSelector('.group-row');
    const first = view.page.locator('.group-row').first();
    assert.equal(await first.locator('.group-value').innerText(), '16');
    assert.equal(await first.locator('.group-count').innerText(), '100 runs');
    assert.equal(await view.page.locator('.count-info').innerText(), '400 runs in 4 groups');
    // Four headers among the rows: the second comes after the 100 rows of the first group.
    await view.page.locator('.scroller').evaluate((s) => {
      s.scrollTop = 101 * 24 - 48;
    });
    await view.page.waitForSelector('.group-row[data-group-value="32"]');
  });

  it('selects runs and posts compare and actions with their ids; a name opens the run', async () => {
    const host = new FakeHost(penguinsTableRows(40));
    view = await open(host);
    const rows = view.page.locator('.run-row');
    const a = await rows.nth(0).getAttribute('data-run-id');
    const b = await rows.nth(3).getAttribute('data-run-id');
    const compare = view.page.locator('.compare-button');
    assert.equal(await compare.isDisabled(), true);
    await rows.nth(0).locator('.check').click();
    assert.equal(await compare.innerText(), 'Compare (1)');
    assert.equal(await compare.isDisabled(), true);
    await view.page.locator(`.run-row[data-run-id="${b}"] .check`).click();
    assert.equal(await compare.innerText(), 'Compare (2)');
    await compare.click();
    const message = await view.waitForMessage<Message>(isType('compare'));
    assert.deepEqual(message.runIds, [a, b]);

    await view.page.locator('.tag-button').click();
    const tag = await view.waitForMessage<Message>(isType('runAction'));
    assert.equal(tag.action, 'tag');
    assert.deepEqual(tag.runIds, [a, b]);
    await view.page.locator('.delete-button').click();
    await view.waitForMessage((m) => isType('runAction')(m) && (m as Message).action === 'delete');
    await view.post({ type: 'actionDone', action: 'delete', runIds: [a] });
    await view.page.locator('.compare-button', { hasText: /^Compare \(1\)$/ }).waitFor();

    await view.page.locator(`.run-row[data-run-id="${b}"] .run-link`).click();
    assert.equal((await view.waitForMessage<Message>(isType('openRun'))).runId, b);
    await view.page.locator(`.run-row[data-run-id="${a}"] .c-status`).dblclick();
    await view.waitForMessage((m) => isType('openRun')(m) && (m as Message).runId === a);
  });

  it('expands a parent to show its nested runs beneath it', async () => {
    const rows = penguinsTableRows(30);
    const parent = rows[1];
    const host = new FakeHost(rows, { [parent.id]: childTableRows(parent, 3) });
    view = await open(host);
    await view.page.locator(`.run-row[data-run-id="${parent.id}"] .expander`).click();
    await view.waitForMessage(isQuery((q) => q.parentRunId === parent.id));
    await view.page.waitForSelector('.run-row.child');
    const ids = await view.page
      .locator('.run-row')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-run-id')));
    const at = ids.indexOf(parent.id);
    assert.deepEqual(
      ids.slice(at + 1, at + 4),
      childTableRows(parent, 3).map((c) => c.id),
    );
  });

  it('restores filter, columns, order and selection from the saved state', async () => {
    const host = new FakeHost(penguinsTableRows(500));
    view = await open(host);
    await view.page.locator('.filter-input').fill('metrics.val_acc > 0.8');
    await view.page.locator('.filter-input').press('Enter');
    await view.page.locator('.th[data-column="metric:val_loss"]').click();
    await view.page.locator('.columns-button').click();
    await view.page.locator('.column-picker .check[data-column="param:optimizer"]').click();
    await view.page.locator('.column-picker .check[data-column="tag:owner"]').click();
    await view.page
      .locator('.column-picker .agg-select[data-column="metric:val_acc"]')
      .selectOption('max');
    await view.page.keyboard.press('Escape');
    const id = await view.page.locator('.run-row').first().getAttribute('data-run-id');
    await view.page.locator('.run-row').first().locator('.check').click();
    await view.page.locator('.scroller').evaluate((s) => {
      s.scrollTop = 24 * 40;
    });
    await view.page.waitForTimeout(400);
    const saved = await view.page.evaluate('window.__labbookState()');
    const headers = await view.page
      .locator('.th')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));
    await view.close();

    const host2 = new FakeHost(penguinsTableRows(500));
    view = await open(host2, { state: saved });
    assert.equal(await view.page.locator('.filter-input').inputValue(), 'metrics.val_acc > 0.8');
    assert.deepEqual(host2.queries[0].filter, 'metrics.val_acc > 0.8');
    assert.equal(host2.queries[0].orderBy, 'metrics.val_loss');
    assert.deepEqual(
      await view.page
        .locator('.th')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-column'))),
      headers,
    );
    assert.ok(!headers.includes('param:optimizer') && headers.includes('tag:owner'));
    assert.equal(
      await view.page.locator('.th[data-column="metric:val_acc"] .th-agg').innerText(),
      'max',
    );
    assert.equal(await view.page.locator('.compare-button').innerText(), 'Compare (1)');
    await view.page.locator('.tr').first().waitFor();
    for (
      let i = 0;
      i < 50 && (await view.page.locator('.scroller').evaluate((s) => s.scrollTop)) === 0;
      i++
    )
      await view.page.waitForTimeout(100);
    assert.equal(await view.page.locator('.scroller').evaluate((s) => s.scrollTop), 24 * 40);
    assert.ok(id);
  });

  it('shows markup from the store as text everywhere', async () => {
    const rows = penguinsTableRows(30, { hostile: true });
    const host = new FakeHost(rows);
    // (Through the UI rather than a saved state: the harness inlines the state in a <script>, where `</script>` would end it.)
    view = await open(host);
    await view.page.locator('.group-select').selectOption(HOSTILE.script);
    await view.page.waitForSelector('.group-row');
    await view.page.locator('.columns-button').click();
    await view.page.locator('.column-picker .link-button', { hasText: 'Show all' }).click();
    await view.page.locator('.th-label', { hasText: `acc ${HOSTILE.img}` }).waitFor();
    const text = await view.page.locator('body').innerText();
    for (const s of [HOSTILE.img, HOSTILE.script, HOSTILE.svg, HOSTILE.link])
      assert.ok(text.includes(s), `${s} is shown literally`);
    assert.equal(
      await view.page.locator('img').count(),
      0,
      'no <img> element was created from a string',
    );
    assert.equal(await view.page.locator('script').count(), 2, "only the page's own scripts");
    assert.equal(await view.page.locator('svg[onload]').count(), 0);
    assert.equal(
      await view.page.evaluate('window.__xss === undefined'),
      true,
      'no injected handler ran',
    );
    await view.screenshot('runs-table-hostile');
  });

  it('looks like a native table (screenshot)', async () => {
    const rows = penguinsTableRows(2_400);
    rows[2].childCount = 3;
    const host = new FakeHost(rows, { [rows[2].id]: childTableRows(rows[2], 3) }, false);
    view = await open(host, {
      viewport: { width: 1280, height: 720 },
      state: {
        v: 1,
        filter: 'metrics.val_acc > 0.8',
        sort: { column: 'metric:val_acc', descending: true },
        selected: [rows[2].id, rows[5].id],
        expanded: [rows[2].id],
      },
    });
    await view.page.waitForSelector('.run-row.child');
    await view.page.waitForTimeout(100);
    const file = await view.screenshot('runs-table');
    assert.ok(file.endsWith('runs-table.png'));
    await view.page.locator('.group-select').selectOption('lr');
    await view.page.waitForSelector('.group-row');
    await view.page.locator('.columns-button').click();
    await view.screenshot('runs-table-grouped');
  });
});
