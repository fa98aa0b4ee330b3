/**
 * The synchronous store API on every backend, where it meets the SDK: a store opened by
 * its address is the same store (a PostgreSQL URL keeps its password there, while
 * `location`, shown in messages, hides it); nested runs find their parent's store; a run
 * ended by process.exit() still records its last points, flushed inside the exit handler.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { openStore } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { forEachBackend } from '../support/backends';

const SDK = join(__dirname, '..', '..', 'kernel', 'sdk', 'index.js');

forEachBackend('synchronous store', (backend) => {
  it('reopens by its address; its location hides a password', () => {
    const store = backend().openSync();
    const run = store.createRun({ experiment: 'again' });
    const again = openStore({ path: store.address, cwd: backend().dir });
    try {
      assert.equal(again.getRun(run.id)?.id, run.id);
    } finally {
      again.close();
    }
    if (backend().name === 'postgres') {
      assert.match(store.address, /:labbook@/);
      assert.doesNotMatch(store.location, /:labbook@/);
      assert.match(store.location, /:\*\*\*@/);
    } else {
      assert.equal(store.address, store.location);
    }
  });

  it("records a nested run in its parent's store, found from LABBOOK_STORE", async () => {
    const store = backend().openSync();
    const before = process.env.LABBOOK_STORE;
    process.env.LABBOOK_STORE = store.address; // the parent names no store, as in a kernel
    try {
      await lab.withRun({ experiment: 'nested' }, async (parent) => {
        await lab.withRun({ parent, name: 'child' }, (child) => child.logMetric('loss', 0.5));
      });
    } finally {
      if (before === undefined) delete process.env.LABBOOK_STORE;
      else process.env.LABBOOK_STORE = before;
    }
    const runs = store.listRuns({ experiment: 'nested' });
    const child = runs.find((r) => r.name === 'child');
    assert.ok(child, JSON.stringify(runs.map((r) => r.name)));
    assert.equal(child.status, 'finished');
    assert.equal(store.latestMetrics(child.id).loss.value, 0.5);
  });

  it('flushes the points of a run ended by process.exit() inside the exit handler', () => {
    const store = backend().openSync();
    const script = [
      `const lab = require(${JSON.stringify(SDK)});`,
      `const run = lab.startRun({ experiment: 'exit', name: 'exits', store: process.env.STORE });`,
      `for (let i = 0; i < 3; i++) run.logMetric('loss', 1 / (i + 1), { step: i });`,
      `process.exit(0);`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      cwd: backend().dir,
      env: { ...process.env, STORE: store.address },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const [run] = store.listRuns({ experiment: 'exit' });
    assert.ok(run, 'the run was recorded');
    assert.deepEqual(
      store.metricHistory(run.id, 'loss').map((p) => p.step),
      [0, 1, 2],
    );
    assert.notEqual(run.status, 'running');
  });
});
