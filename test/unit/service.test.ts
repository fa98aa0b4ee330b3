/**
 * The workspace service as a real child process on a real SQLite file, driven by the
 * client the extension uses.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { ServiceClient } from '../../core/service/client';
import { openStore, storeName, type OpenStore } from '../../core/store';
import { forEachBackendShared } from '../support/backends';
import * as lab from '../../kernel/sdk';
import { startRun } from '../../kernel/sdk';

const serviceMain = path.join(__dirname, '..', '..', 'core', 'service', 'main.js');

function nextChange(service: ServiceClient, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no storeChanged notification')), timeoutMs);
    service.once('storeChanged', (v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

forEachBackendShared('workspace service', (backend) => {
  let dir: string;
  /** A SQLite file or a PostgreSQL URL. */
  let storePath: string;
  let service: ServiceClient;

  before(async () => {
    dir = backend().dir;
    storePath = storeName(backend().location);
    service = await ServiceClient.start({ storePath, cwd: dir, serviceMain });
  });

  after(async () => {
    await service?.shutdown();
  });

  it('answers with nothing, and creates no store file, before a notebook has written one', async () => {
    assert.deepEqual(await service.listExperiments(), []);
    if (backend().name === 'sqlite') {
      assert.equal(service.info.storeExists, false);
      assert.equal(existsSync(storePath), false);
    } else {
      assert.equal(service.info.storeExists, true); // a server is there before any run
    }
  });

  it('notices runs written by another process and describes them', async () => {
    const changed = nextChange(service);
    const run = startRun({
      experiment: 'penguins',
      name: 'dense-16',
      params: { units: 16, lr: 0.01 },
      tags: { model: 'dense' },
      store: storePath,
    });
    run.logMetric('loss', 0.9, { step: 0 });
    run.logMetric('loss', 0.5, { step: 1 });
    run.logMetric('val_acc', 0.8, { step: 1 });
    run.logMetric('grad_norm', Number.NaN);
    run.logArtifact('weights.json', '[1, 2, 3]');
    run.end();
    await changed;

    const experiments = await service.listExperiments();
    assert.deepEqual(
      experiments.map((e) => [e.name, e.runCount]),
      [['penguins', 1]],
    );
    const runs = await service.listRuns(experiments[0].id);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'finished');
    assert.deepEqual(runs[0].keyMetric, { key: 'val_acc', value: 0.8 });

    const details = await service.runDetails(run.id);
    assert.ok(details);
    assert.deepEqual(details.params, { units: '16', lr: '0.01' });
    assert.deepEqual(details.tags, { model: 'dense' });
    assert.deepEqual(
      details.metricHistory.loss.map((p) => [p.step, p.value]),
      [
        [0, 0.9],
        [1, 0.5],
      ],
    );
    assert.equal(details.latestMetrics.grad_norm.value, 'NaN');
    // Labbook's own captures (labbook/git-diff.txt, labbook/source.ipynb) may sit beside it.
    assert.deepEqual(
      details.artifacts.filter((a) => !a.name.startsWith('labbook/')).map((a) => [a.name, a.size]),
      [['weights.json', 9]],
    );
  });

  it('deletes a run and says so when a run id is unknown or malformed', async () => {
    const [experiment] = await service.listExperiments();
    const [run] = await service.listRuns(experiment.id);
    await service.deleteRun(run.id);
    assert.deepEqual(await service.listRuns(experiment.id), []);
    await assert.rejects(service.deleteRun('no-such-run'), /No run with id no-such-run/);
    assert.equal(await service.runDetails('no-such-run'), null);
    await assert.rejects(service.runDetails(''), /runId must be a non-empty string/);
  });

  describe('editing, restoring, purging and the runs table', () => {
    let store: OpenStore;
    let experimentId: number;
    const ids: Record<string, string> = {};
    const notebook = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', source: '# Train', metadata: {} },
        {
          cell_type: 'code',
          source: ['const a = 1;\n', 'a + 1'],
          execution_count: 3,
          metadata: { labbook: { index: 1 } },
          outputs: [],
        },
        { cell_type: 'code', source: 'train()', execution_count: null, metadata: {}, outputs: [] },
      ],
    });

    before(async () => {
      store = openStore({ path: storePath, cwd: dir });
      const t0 = Date.UTC(2026, 0, 1);
      for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
        const run = store.createRun({
          experiment: 'table',
          name,
          startTime: t0 + i * 1000,
          sourceNotebook: '/nb/train.ipynb',
        });
        ids[name] = run.id;
        store.logParams(run.id, { units: String(8 * (i + 1)) });
        store.insertMetricPoints(
          [0.9, 0.5 - i / 10].map((value, step) => ({
            runId: run.id,
            key: 'loss',
            step,
            timestamp: t0 + step,
            value,
          })),
        );
        store.endRun(run.id, 'finished');
      }
      const child = store.createRun({
        experiment: 'table',
        name: 'alpha-fold',
        parentRunId: ids.alpha,
        startTime: t0 + 5000,
      });
      ids.child = child.id;
      store.logArtifact(ids.alpha, 'labbook/source.ipynb', notebook);
      store.logArtifact(ids.alpha, 'labbook/git-diff.txt', ' train.ts | 2 +-\n 1 file changed\n');
      store.logArtifact(ids.beta, 'labbook/source.ipynb', '{ not json');
      store.logArtifact(ids.beta, 'weights.bin', new Uint8Array([1, 2, 3, 4]));
      experimentId = store.getExperiment('table')!.id;
      // The service notices the store.
      for (
        let i = 0;
        i < 50 && !(await service.listExperiments()).some((e) => e.name === 'table');
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
    });
    after(() => store.close());

    it('lists runs with children, pinned first then newest, and pins, notes, renames and tags over the wire', async () => {
      assert.deepEqual(
        (await service.listRuns(experimentId)).map((r) => r.name),
        ['alpha-fold', 'gamma', 'beta', 'alpha'],
      );
      const changed = nextChange(service);
      await service.updateRun({
        runId: ids.alpha,
        name: 'alpha (best)',
        pinned: true,
        note: '**keep**',
        setTags: { owner: 'ada', stage: 'x' },
      });
      await changed;
      await service.updateRun({ runId: ids.alpha, deleteTags: ['stage'] });
      const runs = await service.listRuns(experimentId);
      assert.deepEqual(
        runs.map((r) => [r.name, r.pinned]),
        [
          ['alpha (best)', true],
          ['alpha-fold', false],
          ['gamma', false],
          ['beta', false],
        ],
      );
      assert.equal(runs[1].parentRunId, ids.alpha);
      assert.deepEqual(runs[0].keyMetric, { key: 'loss', value: 0.5 });
      assert.deepEqual(store.getTags(ids.alpha), {
        'labbook.note': '**keep**',
        'labbook.pinned': 'true',
        owner: 'ada',
      });

      const details = await service.runDetails(ids.alpha);
      assert.ok(details);
      assert.equal(details.note, '**keep**');
      assert.equal(details.pinned, true);
      assert.deepEqual(details.tags, { owner: 'ada' });
      assert.equal(details.gitDiffSummary, ' train.ts | 2 +-\n 1 file changed\n');
      assert.deepEqual(details.sourceSnapshot, [
        { index: 1, executionCount: 3, source: 'const a = 1;\na + 1' },
        { index: null, executionCount: null, source: 'train()' },
      ]);
      const beta = await service.runDetails(ids.beta);
      assert.deepEqual(
        [beta!.note, beta!.gitDiffSummary, beta!.sourceSnapshot, beta!.pinned],
        [null, null, null, false],
      );

      await service.updateRun({ runId: ids.alpha, note: '', pinned: false });
      assert.deepEqual(store.getTags(ids.alpha), { owner: 'ada' });
      await service.updateRun({ runId: ids.alpha, note: 'again' });
      await service.updateRun({ runId: ids.alpha, note: null });
      assert.equal((await service.runDetails(ids.alpha))!.note, null);
    });

    it('refuses system tags, bad names and malformed updates with clear messages, writing nothing', async () => {
      await assert.rejects(
        service.updateRun({ runId: ids.beta, setTags: { 'labbook.pinned': 'true' } }),
        /tag "labbook.pinned" is reserved/,
      );
      await assert.rejects(
        service.updateRun({ runId: ids.beta, deleteTags: ['labbook.note'] }),
        /deleteTags: tag "labbook.note" is reserved/,
      );
      await assert.rejects(
        service.updateRun({ runId: ids.beta, name: '  ', pinned: true }),
        /name must be a non-empty string/,
      );
      await assert.rejects(
        service.updateRun({ runId: ids.beta, name: 'n'.repeat(501) }),
        /501 characters long; the limit is 500/,
      );
      await assert.rejects(
        service.updateRun({ runId: ids.beta, pinned: 'yes' } as never),
        /pinned must be true or false, got "yes"/,
      );
      await assert.rejects(
        service.updateRun({ runId: ids.beta, colour: 'red' } as never),
        /unknown update field\(s\): colour/,
      );
      await assert.rejects(
        service.updateRun({ runId: 'no-such-run', name: 'x' }),
        /No run with id no-such-run/,
      );
      assert.equal(store.getRun(ids.beta)!.name, 'beta');
      assert.deepEqual(store.getTags(ids.beta), {});
    });

    it('queries the runs table and compares runs', async () => {
      const page = await service.queryRunsTable({
        experimentIds: [experimentId],
        orderBy: 'metrics.loss ASC',
        offset: 0,
        limit: 10,
      });
      assert.deepEqual(
        page.rows.map((r) => [r.name, r.metrics.loss.latest, r.metrics.loss.max, r.childCount]),
        [
          ['gamma', 0.3, 0.9, 0],
          ['beta', 0.4, 0.9, 0],
          ['alpha (best)', 0.5, 0.9, 1],
        ],
      );
      assert.equal(page.total, 3);
      assert.deepEqual(page.best, { loss: 0.3 });
      assert.deepEqual(page.columns, { params: ['units'], metrics: ['loss'], tags: ['owner'] });
      const bad = await service.queryRunsTable({ filter: 'metrics.loss >', offset: 0, limit: 10 });
      assert.deepEqual([bad.error?.in, bad.error?.position, bad.rows.length], ['filter', 14, 0]);
      await assert.rejects(
        service.queryRunsTable({ offset: 0 } as never),
        /limit must be an integer/,
      );

      const data = await service.compareRuns([ids.alpha, ids.gamma]);
      assert.deepEqual(data.comparison.params, [
        { key: 'units', values: ['8', '24'], differs: true },
      ]);
      assert.deepEqual(
        data.histories.loss[ids.gamma].map((p) => p.value),
        [0.9, 0.3],
      );
      assert.equal(data.startTimes[ids.alpha], Date.UTC(2026, 0, 1));
      await assert.rejects(
        service.compareRuns([ids.alpha]),
        /runIds must hold between 2 and 100 run ids, got 1/,
      );
      await assert.rejects(
        service.compareRuns([ids.alpha, 'zzzzzzzz']),
        /No run with id "zzzzzzzz"/,
      );
    });

    it('gives the captured notebook, and sets the key metric', async () => {
      assert.deepEqual(await service.runSource(ids.alpha), {
        ipynb: notebook,
        notebook: '/nb/train.ipynb',
      });
      assert.equal(await service.runSource(ids.gamma), null);
      assert.equal(await service.runSource('no-such-run'), null);
      await service.setKeyMetric(experimentId, 'loss', false);
      assert.deepEqual(
        [
          store.getExperiment(experimentId)!.keyMetric,
          store.getExperiment(experimentId)!.keyMetricHigherIsBetter,
        ],
        ['loss', false],
      );
      const [item] = (await service.listExperiments()).filter((e) => e.id === experimentId);
      assert.deepEqual(
        [item.keyMetric, item.keyMetricHigherIsBetter, item.runCount],
        ['loss', false, 4],
      );
      await service.setKeyMetric(experimentId, null, true);
      assert.equal(store.getExperiment(experimentId)!.keyMetric, null);
      await assert.rejects(
        service.setKeyMetric(experimentId, 'loss', 'no' as never),
        /higherIsBetter must be true or false/,
      );
      await assert.rejects(
        service.setKeyMetric(987654, 'loss', true),
        /No experiment with id 987654/,
      );
    });

    it('lists, restores and purges deleted runs, refusing live ones', async () => {
      await service.deleteRun(ids.beta);
      await service.deleteRun(ids.gamma);
      const deleted = await service.listDeletedRuns();
      assert.deepEqual(
        deleted
          .map((r) => r.name)
          .filter((n) => n !== 'dense-16')
          .sort(),
        ['beta', 'gamma'],
      );
      assert.ok(deleted.every((r) => typeof r.deletedAt === 'number'));
      await service.restoreRun(ids.gamma);
      assert.ok((await service.listRuns(experimentId)).some((r) => r.id === ids.gamma));
      await assert.rejects(
        service.purgeRuns([ids.beta, ids.gamma]),
        new RegExp(`not deleted \\(delete them first\\): ${ids.gamma}`),
      );
      assert.ok(store.getRun(ids.beta));
      const weights = store.artifactPath(
        store.listArtifacts(ids.beta).find((a) => a.name === 'weights.bin')!.sha256,
      );
      const result = await service.purgeRuns([ids.beta]);
      assert.equal(result.purged, 1);
      assert.equal(store.getRun(ids.beta), undefined);
      if (backend().name === 'sqlite') {
        assert.equal(result.artifactBytesFreed, 4 + Buffer.byteLength('{ not json'));
        assert.equal(existsSync(weights), false);
      } else {
        // A server's artifact root is shared (other machines, other stores): files stay.
        assert.equal(result.artifactBytesFreed, 0);
        assert.equal(existsSync(weights), true);
      }
      await assert.rejects(
        service.purgeRuns([]),
        /runIds must hold between 1 and 10000 run ids, got 0/,
      );
      await assert.rejects(service.restoreRun('no-such-run'), /No run with id no-such-run/);
    });
  });

  describe('suites and logged data sets', () => {
    // Suites live beside a SQLite store, in the working folder's .labbook/ for a server: the
    // SDK here runs in this process, so it works in the test's folder as a kernel would.
    let cwd: string;
    before(() => {
      cwd = process.cwd();
      process.chdir(dir);
    });
    after(() => process.chdir(cwd));
    const cars = path.join(
      __dirname,
      '..',
      '..',
      '..',
      'node_modules',
      'vega-datasets',
      'data',
      'cars.json',
    );

    it('infers and lists suites; a profile validated against one carries its results and validity comes from them', async () => {
      const made = await service.inferSuite(cars, 'cars');
      assert.equal(made.name, 'cars');
      assert.ok(made.rules > 5, `rules: ${made.rules}`);
      assert.equal(made.file, path.join(dir, '.labbook', 'suites', 'cars.json'));
      assert.ok((await service.listSuites()).includes('cars'));

      // A batch where one in three cars has an impossible horsepower.
      const rows = (JSON.parse(readFileSync(cars, 'utf8')) as Record<string, unknown>[]).map(
        (r, i) => (i % 3 === 0 ? { ...r, Horsepower: -1 } : r),
      );
      const batch = path.join(dir, 'cars-batch.json');
      writeFileSync(batch, JSON.stringify(rows));
      const plain = await service.profileData(batch);
      const validated = await service.profileData(batch, { suite: 'cars' });
      assert.equal(plain.validation, undefined);
      assert.ok(validated.validation);
      assert.equal(validated.validation.passed, false);
      const range = validated.validation.rules.find(
        (r) => r.rule.kind === 'range' && (r.rule as { column?: string }).column === 'Horsepower',
      );
      assert.ok(range && !range.passed, 'the Horsepower range rule fails');
      assert.equal(range.unexpectedCount, Math.ceil(rows.length / 3));
      assert.ok(
        validated.quality.validity < plain.quality.validity,
        `${validated.quality.validity} < ${plain.quality.validity}`,
      );
      assert.match(
        validated.quality.dimensions!.validity.explanation,
        /Suite "cars": \d+ of \d+ rules pass/,
      );
      // The score moves by validity's weight times the change in validity, and nothing else.
      const weight = validated.quality.dimensions!.validity.weight;
      assert.ok(
        Math.abs(
          validated.quality.score -
            plain.quality.score -
            weight * (validated.quality.validity - plain.quality.validity),
        ) < 1e-12,
      );

      await assert.rejects(service.profileData(batch, { suite: 'ghost' }), /ghost/);
      await assert.rejects(
        service.inferSuite(path.join(dir, 'nothing.csv'), 'x'),
        /There is no file at .*nothing\.csv/,
      );
    });

    it('lists logged data set versions with the runs that used them, and their stored profiles', async () => {
      let runId = '';
      const changed = nextChange(service);
      await lab.withRun({ experiment: 'cars', name: 'fit-cars', store: storePath }, async (run) => {
        runId = run.id;
        await run.logDataset(cars, { name: 'cars', role: 'train', suite: 'cars' });
      });
      await changed;
      const items = (await service.listDatasets()).filter((d) => d.name === 'cars');
      assert.equal(items.length, 1);
      assert.equal(items[0].version, 1);
      assert.equal(items[0].rows, 406);
      assert.equal(items[0].columns, 9);
      assert.ok(items[0].score !== null && items[0].score > 0.5);
      assert.deepEqual(
        items[0].runs.map((r) => [r.runId, r.runName, r.experiment, r.role, r.passed, r.deleted]),
        [[runId, 'fit-cars', 'cars', 'train', true, false]],
      );
      const profile = await service.datasetProfile('cars', 1);
      assert.equal(profile?.rows, 406);
      assert.equal(await service.datasetProfile('cars', 2), null);
    });
  });

  it('refuses a store from a newer Labbook at start-up, naming it, without writing it', async () => {
    const newer = path.join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma('user_version = 999');
    db.close();
    const before = Database(newer, { readonly: true }).pragma('user_version', { simple: true });
    await assert.rejects(
      ServiceClient.start({ storePath: newer, cwd: dir, serviceMain }),
      (error: Error) => {
        assert.match(error.message, /newer\.db/);
        assert.match(error.message, /newer Labbook/);
        return true;
      },
    );
    assert.equal(before, 999);
    assert.equal(Database(newer, { readonly: true }).pragma('user_version', { simple: true }), 999);
  });
});
