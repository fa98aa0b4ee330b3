/**
 * The workspace service as a real child process on a real SQLite file, driven by the
 * client the extension uses.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { ServiceClient } from '../../core/service/client';
import { startRun } from '../../kernel/sdk';

const serviceMain = path.join(__dirname, '..', '..', 'core', 'service', 'main.js');

function nextChange(service: ServiceClient, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no storeChanged notification')), timeoutMs);
    service.once('storeChanged', (v) => { clearTimeout(timer); resolve(v); });
  });
}

describe('workspace service', function () {
  this.timeout(30_000);
  let dir: string;
  let storePath: string;
  let service: ServiceClient;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-service-'));
    storePath = path.join(dir, '.labbook', 'labbook.db');
    service = await ServiceClient.start({ storePath, cwd: dir, serviceMain });
  });

  after(async () => {
    await service?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with nothing, and creates no store, before a notebook has written one', async () => {
    assert.equal(service.info.storeExists, false);
    assert.deepEqual(await service.listExperiments(), []);
    assert.equal(existsSync(storePath), false);
  });

  it('notices runs written by another process and describes them', async () => {
    const changed = nextChange(service);
    const run = startRun({ experiment: 'penguins', name: 'dense-16', params: { units: 16, lr: 0.01 }, tags: { model: 'dense' }, store: storePath });
    run.logMetric('loss', 0.9, { step: 0 });
    run.logMetric('loss', 0.5, { step: 1 });
    run.logMetric('val_acc', 0.8, { step: 1 });
    run.logMetric('grad_norm', Number.NaN);
    run.logArtifact('weights.json', '[1, 2, 3]');
    run.end();
    await changed;

    const experiments = await service.listExperiments();
    assert.deepEqual(experiments.map((e) => [e.name, e.runCount]), [['penguins', 1]]);
    const runs = await service.listRuns(experiments[0].id);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'finished');
    assert.deepEqual(runs[0].keyMetric, { key: 'val_acc', value: 0.8 });

    const details = await service.runDetails(run.id);
    assert.ok(details);
    assert.deepEqual(details.params, { units: '16', lr: '0.01' });
    assert.deepEqual(details.tags, { model: 'dense' });
    assert.deepEqual(details.metricHistory.loss.map((p) => [p.step, p.value]), [[0, 0.9], [1, 0.5]]);
    assert.equal(details.latestMetrics.grad_norm.value, 'NaN');
    assert.deepEqual(details.artifacts.map((a) => [a.name, a.size]), [['weights.json', 9]]);
  });

  it('deletes a run and says so when a run id is unknown or malformed', async () => {
    const [experiment] = await service.listExperiments();
    const [run] = await service.listRuns(experiment.id);
    await service.deleteRun(run.id);
    assert.deepEqual(await service.listRuns(experiment.id), []);
    await assert.rejects(service.deleteRun('no-such-run'), /No run with id no-such-run/);
    assert.equal(await service.runDetails('no-such-run'), null);
    await assert.rejects(service.runDetails('' as string), /runId must be a non-empty string/);
  });

  it('refuses a store from a newer Labbook at start-up, naming it, without writing it', async () => {
    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma('user_version = 999');
    db.close();
    const before = Database(newer, { readonly: true }).pragma('user_version', { simple: true });
    await assert.rejects(ServiceClient.start({ storePath: newer, cwd: dir, serviceMain }), (error: Error) => {
      assert.match(error.message, /newer\.db/);
      assert.match(error.message, /newer Labbook/);
      return true;
    });
    assert.equal(before, 999);
    assert.equal(Database(newer, { readonly: true }).pragma('user_version', { simple: true }), 999);
  });
});
