/** Run comparison on a real store: differing params, best metric per direction, markdown. */
import { asyncRunStore } from '../../core/store/sqlite/async-run-store';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareRuns, resolveRunIds } from '../../core/compare/compare';
import { comparisonMarkdown } from '../../core/common/comparison';
import { Store } from '../../core/store';

describe('run comparison', () => {
  let dir: string;
  let store: Store;
  const ids: string[] = [];

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-compare-'));
    store = Store.open({ path: path.join(dir, 'labbook.db') });
    const runs: {
      name: string;
      params: Record<string, string>;
      metrics: Record<string, number>;
    }[] = [
      { name: 'small', params: { units: '4', lr: '0.01' }, metrics: { acc: 0.91, val_loss: 0.3 } },
      {
        name: 'wide | <b>',
        params: { units: '16', lr: '0.01' },
        metrics: { acc: 0.97, val_loss: 0.12 },
      },
      {
        name: 'broken',
        params: { units: '8', lr: '0.01', dropout: '0.5' },
        metrics: { acc: Number.NaN, val_loss: 0.12 },
      },
    ];
    for (const r of runs) {
      const run = store.createRun({ experiment: 'cmp', name: r.name });
      ids.push(run.id);
      store.logParams(run.id, r.params);
      store.insertMetricPoints(
        Object.entries(r.metrics).map(([key, value]) => ({
          runId: run.id,
          key,
          step: 0,
          timestamp: 1,
          value,
        })),
      );
      store.endRun(run.id, 'finished');
    }
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks differing params and the best value per metric (lower for losses, ties shared)', async () => {
    const c = await compareRuns(
      asyncRunStore(store),
      await resolveRunIds(asyncRunStore(store), ids),
    );
    assert.deepEqual(
      c.runs.map((r) => r.name),
      ['small', 'wide | <b>', 'broken'],
    );
    assert.deepEqual(c.params, [
      { key: 'dropout', values: [null, null, '0.5'], differs: true },
      { key: 'lr', values: ['0.01', '0.01', '0.01'], differs: false },
      { key: 'units', values: ['4', '16', '8'], differs: true },
    ]);
    assert.deepEqual(c.metrics, [
      { key: 'acc', values: [0.91, 0.97, 'NaN'], higherIsBetter: true, best: [1] },
      { key: 'val_loss', values: [0.3, 0.12, 0.12], higherIsBetter: false, best: [1, 2] },
    ]);
  });

  it("follows the experiment's own direction for its key metric", async () => {
    store.setKeyMetric('cmp', 'acc', false);
    try {
      const c = await compareRuns(
        asyncRunStore(store),
        await resolveRunIds(asyncRunStore(store), ids),
      );
      assert.deepEqual(c.metrics[0].best, [0]);
    } finally {
      store.setKeyMetric('cmp', null);
    }
  });

  it('writes a markdown table that survives pipes in names', async () => {
    const md = comparisonMarkdown(
      await compareRuns(
        asyncRunStore(store),
        await resolveRunIds(asyncRunStore(store), ids.slice(0, 2)),
      ),
    );
    const lines = md.trimEnd().split('\n');
    assert.equal(
      lines[0],
      `| | small (${ids[0].slice(0, 8)}) | wide \\| <b> (${ids[1].slice(0, 8)}) |`,
    );
    assert.equal(lines[1], '|---|---|---|');
    assert.ok(lines.includes('| params.units ≠ | 4 | 16 |'), md);
    assert.ok(lines.includes('| metrics.acc ↑ | 0.9100 | **0.9700** |'), md);
    assert.ok(lines.includes('| metrics.val_loss ↓ | 0.3000 | **0.1200** |'), md);
  });

  it('resolves unique prefixes and names unknown and too-short ids', async () => {
    assert.equal((await resolveRunIds(asyncRunStore(store), [ids[0].slice(0, 6)]))[0].id, ids[0]);
    await assert.rejects(
      async () => await resolveRunIds(asyncRunStore(store), ['zzzzzz']),
      /No run with id "zzzzzz"/,
    );
    await assert.rejects(
      async () => await resolveRunIds(asyncRunStore(store), ['ab']),
      /too short/,
    );
    await assert.rejects(
      async () =>
        await compareRuns(
          asyncRunStore(store),
          await resolveRunIds(asyncRunStore(store), [ids[0]]),
        ),
      /at least two runs/,
    );
  });
});
