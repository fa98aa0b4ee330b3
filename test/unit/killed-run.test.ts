/**
 * A process that logs metrics is killed with SIGKILL (no exit handler runs). Opening the
 * store afterwards must mark its run killed and keep every point it had flushed.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../core/store';
import { makeTempDir, removeDir, sleep } from './temp';

const fixture = join(__dirname, '..', 'fixtures', 'log-until-killed.js');

function countPoints(dbPath: string): number {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created yet
  }
}

describe('killed run', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('is marked killed on the next open, with every flushed point readable in order', async function () {
    this.timeout(30_000);
    const dbPath = join(dir, 'labbook.db');
    const child = spawn(process.execPath, [fixture, dbPath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });

    const deadline = Date.now() + 20_000;
    while (countPoints(dbPath) < 30) {
      assert.ok(Date.now() < deadline, 'the child never flushed 30 points');
      assert.equal(child.exitCode, null, 'the child exited on its own');
      await sleep(20);
    }
    const flushedBeforeKill = countPoints(dbPath);
    assert.ok(child.pid);
    process.kill(child.pid, 'SIGKILL');
    const [code, signal] = await exited; // reaped: the pid is gone now
    assert.equal(code, null);
    assert.equal(signal, 'SIGKILL');
    const runId = stdout.trim();
    assert.match(runId, /^[0-9a-f]{32}$/);

    const store = Store.open({ path: dbPath });
    try {
      const run = store.getRun(runId)!;
      assert.equal(run.status, 'killed');
      assert.match(
        run.error!,
        new RegExp(`process ${child.pid} on .* ended without ending the run`),
      );
      assert.ok(run.endTime !== null && run.endTime >= run.startTime);
      const history = store.metricHistory(runId, 'i');
      assert.ok(history.length > 0);
      assert.ok(
        history.length >= flushedBeforeKill,
        `${history.length} points read, ${flushedBeforeKill} seen before the kill`,
      );
      assert.deepEqual(
        history.map((m) => m.value),
        history.map((_, k) => k),
        'values are exactly 0..k',
      );
      assert.deepEqual(
        history.map((m) => m.step),
        history.map((_, k) => k),
      );
      assert.equal(store.latestMetrics(runId).i.value, history.length - 1);
    } finally {
      store.close();
    }
  });
});
