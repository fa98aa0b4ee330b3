/**
 * `labbook store copy` (core/store/copy): a SQLite store holding every kind of row is
 * copied into the backend under test and from there into a second SQLite file
 * (SQLite -> PostgreSQL -> SQLite on the PostgreSQL half), and every step's checksums must
 * match; values are read back through the stores. Then the refusals, and a checksum that
 * notices one changed value.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Store,
  datasetStore,
  deploymentStore,
  predictionLogStore,
  registryStore,
  studyStore,
} from '../../core/store';
import { copyStore, storeDigests } from '../../core/store/copy';
import { rowHash, TableDigest } from '../../core/store/copy/digest';
import { COPY_TABLES } from '../../core/store/copy/tables';
import { SCHEMA_VERSION } from '../../core/store/schema';
import { DEFAULT_SERVE_CONFIG } from '../../core/common/serve-types';
import { copyReportText } from '../../cli/store-copy';
import { forEachBackend } from '../support/backends';
import { makeTempDir, removeDir } from './temp';

const FINGERPRINT = 'ab'.repeat(32);

interface Filled {
  parentId: string;
  childId: string;
  deletedId: string;
}

/** Every table gets rows, made through the stores' own APIs. */
function fill(path: string): Filled {
  const store = Store.open({ path });
  try {
    const parent = store.createRun({
      experiment: 'penguins',
      name: 'parent',
      user: 'ada',
      gitCommit: 'abc',
      gitDirty: true,
      environment: { node: 'v20', platform: 'linux', arch: 'x64', packages: { a: '1', b: null } },
    });
    const child = store.createRun({
      experiment: 'penguins',
      name: 'child',
      parentRunId: parent.id,
    });
    const deleted = store.createRun({ experiment: 'other', name: 'deleted' });
    store.setKeyMetric('penguins', 'acc', true);
    store.logParams(parent.id, { lr: '0.01', text: 'tab\there\nnewline \\ backslash "quote" é' });
    store.setTags(parent.id, { team: 'nlp', 'labbook.pinned': 'true' });
    store.setTags(child.id, { team: 'vision' });
    const values = [0.5, Number.NaN, Infinity, -Infinity, 1, 1e-300, -0, 0.1 + 0.2];
    store.insertMetricPoints([
      ...values.map((value, step) => ({
        runId: parent.id,
        key: 'loss',
        step,
        timestamp: 1000 + step,
        value,
      })),
      { runId: parent.id, key: 'loss', step: 7, timestamp: 2000, value: 0.25 }, // a repeated step
      { runId: child.id, key: 'all_nan', step: 0, timestamp: 5, value: Number.NaN },
      { runId: child.id, key: 'acc', step: 3, timestamp: 6, value: 0.9 },
    ]);
    store.logArtifact(parent.id, 'notes/readme.md', '# hello');
    store.logArtifact(parent.id, 'model/weights.bin', new Uint8Array([0, 1, 2, 255]));
    store.endRun(parent.id, 'finished', { endTime: 5000 });
    store.endRun(child.id, 'failed', { error: 'boom\nline 2', endTime: 6000 });
    store.deleteRun(deleted.id);

    const registry = registryStore(store);
    for (const description of ['first', null]) {
      registry.addVersion({
        name: 'penguins',
        runId: parent.id,
        artifactPath: 'model/',
        signature: { inputs: [{ name: 'x', type: 'number' }], outputs: [] } as never,
        holdout: null,
        description,
        createdAt: 100,
        createdBy: 'ada',
      });
    }
    registry.setStage('penguins', 1, 'Production');
    registry.setAlias('penguins', 'champion', 1);
    registry.recordTransition({
      name: 'penguins',
      version: 1,
      kind: 'stage',
      from: 'None',
      to: 'Production',
      alias: null,
      at: 200,
      by: 'ada',
      reason: 'good',
      forced: true,
      gates: [],
    });
    registry.updateCard('penguins', 2, { intendedUse: 'tests', limitations: 'none' });

    const datasets = datasetStore(store);
    const dataset = datasets.addVersion({
      name: 'train',
      fingerprint: FINGERPRINT,
      schema: { columns: [{ name: 'x', type: 'number' }] },
      profile: null,
      rows: 3,
      source: '/data/train.csv',
      createdAt: 300,
    });
    datasets.recordRunInput({
      runId: parent.id,
      datasetId: dataset.id,
      role: 'train',
      validation: null,
      createdAt: 301,
    });

    // A shared study: one trial finished (with its attempt and intermediate values).
    const studies = studyStore(store);
    const study = studies.createStudy({
      name: 'penguins-lr',
      direction: 'minimize',
      metric: 'loss',
      space: { lr: { min: 0.001, max: 0.1, log: true } },
      sampler: { kind: 'tpe', seed: 1 },
      pruner: { kind: 'asha' },
      parentRunId: parent.id,
      maxTrials: 10,
      maxRetries: 1,
      leaseMs: 60_000,
    });
    studies.enqueueTrials(study.id, [{ lr: 0.01 }]);
    const trial = studies.claimTrial(study.id, 'worker-a')!;
    const lease = { trialId: trial.id, worker: 'worker-a', attempt: trial.attempt };
    studies.reportValue(lease, 0, 0.7);
    studies.finishTrial(lease, { state: 'finished', value: 0.5 });

    const deployments = deploymentStore(store);
    const deployment = deployments.create({
      name: 'penguins',
      modelName: 'penguins',
      modelRef: 'penguins@production',
      strategy: 'canary',
      primaryVersion: 1,
      candidateRef: 'penguins@2',
      candidateVersion: 2,
      weight: 10,
      host: '127.0.0.1',
      port: 0,
      config: DEFAULT_SERVE_CONFIG,
      createdAt: 400,
      createdBy: 'ada',
    });
    deployments.update(deployment, { status: 'running', port: 8123, pid: 42 });
    deployments.recordEvent({
      deploymentId: deployment,
      kind: 'shift',
      at: 401,
      by: 'ada',
      reason: null,
      before: { strategy: 'canary', primary: 1, candidate: 2, weight: 10 },
      after: { strategy: 'canary', primary: 1, candidate: 2, weight: 50 },
    });
    const log = predictionLogStore(store);
    log.write([
      {
        id: 'p1',
        deploymentId: deployment,
        at: 500,
        variant: 'primary',
        modelVersion: 1,
        shadow: false,
        inputs: { bill: 39.1, island: 'Biscoe', ok: true },
        outputs: [0.1, 0.9],
        predicted: 'Adelie',
        latencyMs: 1.5,
      },
      {
        id: 'p2',
        deploymentId: deployment,
        at: 501,
        variant: 'candidate',
        modelVersion: 2,
        shadow: true,
        inputs: { bill: 40 },
        outputs: [0.5],
        predicted: null,
        latencyMs: 2,
      },
    ]);
    log.recordFeedback({ id: 'p1', deploymentId: deployment, label: 'Adelie', at: 600 });
    return { parentId: parent.id, childId: child.id, deletedId: deleted.id };
  } finally {
    store.close();
  }
}

function sqliteAt(dir: string, name: string): { backend: 'sqlite'; path: string } {
  mkdirSync(join(dir, name), { recursive: true });
  return { backend: 'sqlite', path: join(dir, name, 'labbook.db') };
}

describe('store copy: the checksum', () => {
  const metricPoints = COPY_TABLES.find((t) => t.name === 'metric_points')!;
  const params = COPY_TABLES.find((t) => t.name === 'params')!;

  it('renders a NaN metric the same from either backend, and text apart from numbers', () => {
    // SQLite hands NaN back as NULL in a metric column; PostgreSQL as NaN.
    assert.equal(
      rowHash(metricPoints, [1, 2, 0, 10, null]),
      rowHash(metricPoints, [1, 2, 0, 10, Number.NaN]),
    );
    assert.equal(rowHash(metricPoints, [1, 2, 0, 10, -0]), rowHash(metricPoints, [1, 2, 0, 10, 0]));
    assert.notEqual(rowHash(params, ['r', 'k', '1']), rowHash(params, ['r', 'k', 1]));
    assert.notEqual(rowHash(params, ['r', 'k', null]), rowHash(params, ['r', 'k', 'null']));
  });

  it('does not depend on the rows order, and changes with any one value', () => {
    const rows = [
      [1, 0, 0, 10, 0.5],
      [1, 1, 0, 11, Infinity],
      [2, 0, 0, 12, Number.NaN],
    ];
    const digestOf = (list: unknown[][]) => {
      const digest = new TableDigest(metricPoints);
      for (const row of list) digest.add(row);
      return digest.value;
    };
    assert.equal(digestOf(rows), digestOf([...rows].reverse()));
    assert.notEqual(digestOf(rows), digestOf([rows[0], rows[1], [2, 0, 0, 12, 0]]));
    assert.notEqual(digestOf(rows), digestOf([rows[0], [1, 1, 0, 11, -Infinity], rows[2]]));
  });
});

forEachBackend('store copy', (backend) => {
  it('copies every table SQLite -> this backend -> SQLite, and every checksum matches', async function () {
    this.timeout(120_000);
    const { dir } = backend();
    const first = sqliteAt(dir, 'first');
    const ids = fill(first.path);
    const firstDigests = await storeDigests(first);
    for (const table of firstDigests)
      assert.ok(table.rows > 0, `the fixture leaves table ${table.table} empty`);

    const middle = backend().location;
    const there = await copyStore(first, middle, { cwd: join(dir, 'middle-cwd'), env: {} });
    assert.ok(there.ok, copyReportText(there));
    assert.equal(there.tables.length, COPY_TABLES.length);
    const last = sqliteAt(dir, 'last');
    const back = await copyStore(middle, last, {
      cwd: join(dir, 'middle-cwd'),
      env: {},
      batchSize: 3,
    });
    assert.ok(back.ok, copyReportText(back));
    assert.deepEqual(await storeDigests(last), firstDigests);
    assert.deepEqual(
      await storeDigests(middle, { cwd: join(dir, 'middle-cwd'), env: {} }),
      firstDigests,
    );

    // Read back through the stores: the middle one (this backend) and the last SQLite file.
    const viaMiddle = await backend().open({
      artifactRoot: join(dir, 'middle-cwd', '.labbook', 'artifacts'),
    });
    const loss = (await viaMiddle.metricHistory(ids.parentId, 'loss')).map((p) => p.value);
    assert.deepEqual(loss.slice(0, 6), [0.5, Number.NaN, Infinity, -Infinity, 1, 1e-300]);
    assert.equal((await viaMiddle.getRun(ids.childId))!.parentRunId, ids.parentId);
    assert.equal(
      (await viaMiddle.getParams(ids.parentId)).text,
      'tab\there\nnewline \\ backslash "quote" é',
    );
    assert.equal(
      (await viaMiddle.readArtifact(ids.parentId, 'notes/readme.md')).toString(),
      '# hello',
    );

    const store = Store.open({ path: last.path });
    try {
      assert.deepEqual(
        store
          .listRuns({ includeDeleted: true })
          .map((r) => [r.name, r.status, r.deletedAt !== null]),
        [
          ['deleted', 'running', true],
          ['child', 'failed', false],
          ['parent', 'finished', false],
        ],
      );
      assert.deepEqual(
        store
          .metricHistory(ids.parentId, 'loss')
          .map((p) => p.value)
          .slice(0, 4),
        [0.5, Number.NaN, Infinity, -Infinity],
      );
      assert.equal(store.latestMetrics(ids.childId).all_nan.value, Number.NaN);
      assert.deepEqual([...store.readArtifact(ids.parentId, 'model/weights.bin')], [0, 1, 2, 255]);
      assert.equal(registryStore(store).aliasTarget('penguins', 'champion'), 1);
      assert.equal(registryStore(store).versionInStage('penguins', 'Production')!.version, 1);
      assert.equal(registryStore(store).transitions('penguins')[0].reason, 'good');
      assert.equal(datasetStore(store).runInputs(ids.parentId)[0].dataset.fingerprint, FINGERPRINT);
      const copiedStudy = studyStore(store).study('penguins-lr')!;
      assert.equal(copiedStudy.parentRunId, ids.parentId);
      assert.equal(studyStore(store).bestTrial(copiedStudy.id)!.value, 0.5);
      const deployment = deploymentStore(store).find('penguins')!;
      assert.equal(deployment.port, 8123);
      assert.equal(deploymentStore(store).events(deployment.id).at(-1)!.after!.weight, 50);
      assert.equal(predictionLogStore(store).answered(deployment.id, 'p1')!.predicted, 'Adelie');
      // New rows after a copy take new ids (identities moved past the copied ones).
      const run = store.createRun({ experiment: 'penguins' });
      assert.equal(store.getRun(run.id)!.experimentId, store.getExperiment('penguins')!.id);
    } finally {
      store.close();
    }
    const again = await backend().open();
    const added = await again.createRun({ experiment: 'brand-new', name: 'after-copy' });
    assert.ok(
      (await again.getExperiment('brand-new'))!.id > 2,
      'a new experiment reuses a copied id',
    );
    const listed = await again.listRuns({ includeDeleted: true });
    assert.equal(listed[0].id, added.id);
  });

  it('refuses a TO that already holds rows, and writes nothing', async () => {
    const { dir } = backend();
    const first = sqliteAt(dir, 'first');
    fill(first.path);
    const existing = await backend().open();
    await existing.createRun({ experiment: 'mine', name: 'keep' });
    await assert.rejects(copyStore(first, backend().location), (error: Error) => {
      assert.equal(error.name, 'CopyError');
      assert.match(error.message, /is not empty \(1 experiments, 1 runs\)/);
      return true;
    });
    assert.deepEqual(
      (await existing.listRuns()).map((r) => r.name),
      ['keep'],
    );
  });

  it('refuses a FROM or TO of another schema version, naming the version', async () => {
    const { dir } = backend();
    const first = sqliteAt(dir, 'first');
    fill(first.path);
    await backend().open();
    await backend().setSchemaVersion(6);
    await assert.rejects(
      copyStore(first, backend().location),
      new RegExp(`TO .* has schema 6, this Labbook copies schema ${SCHEMA_VERSION}`),
    );
    await assert.rejects(
      copyStore(backend().location, sqliteAt(dir, 'last')),
      new RegExp(`FROM .* has schema 6, this Labbook copies schema ${SCHEMA_VERSION}`),
    );
    assert.equal(await backend().schemaVersion(), 6);
  });

  it('refuses FROM and TO being the same store, and a FROM that is not there', async () => {
    const { dir } = backend();
    await backend().open();
    await assert.rejects(
      copyStore(backend().location, backend().location),
      /FROM and TO are the same store/,
    );
    await assert.rejects(
      copyStore({ backend: 'sqlite', path: join(dir, 'nowhere.db') }, sqliteAt(dir, 'last')),
      /FROM: no Labbook store at .*nowhere\.db/,
    );
  });

  it('notices one changed value in TO: its table mismatches', async () => {
    const { dir } = backend();
    const first = sqliteAt(dir, 'first');
    const ids = fill(first.path);
    const report = await copyStore(first, backend().location, { cwd: dir, env: {} });
    assert.ok(report.ok);
    const copied = await backend().open();
    await copied.setTags(ids.childId, { team: 'changed' });
    const before = await storeDigests(first);
    const after = await storeDigests(backend().location);
    const differ = before.filter(
      (t, i) => t.digest !== after[i].digest || t.rows !== after[i].rows,
    );
    assert.deepEqual(
      differ.map((t) => t.table),
      ['tags'],
    );
    assert.equal(
      before.find((t) => t.table === 'tags')!.rows,
      after.find((t) => t.table === 'tags')!.rows,
    );
  });
});

describe('labbook store copy (the command)', () => {
  const bin = join(__dirname, '..', '..', '..', 'bin', 'labbook.js');
  const labbook = (args: string[], cwd: string) =>
    spawnSync(process.execPath, [bin, ...args], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, LABBOOK_STORE: '', LABBOOK_ARTIFACTS: '' },
    });
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('prints the per-table comparison and exits 0, then refuses the same copy again with exit 2', () => {
    const from = sqliteAt(dir, 'first');
    fill(from.path);
    const to = join(dir, 'copy.db');
    const first = labbook(['store', 'copy', from.path, to], dir);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^metric_points\s+11\s+11\s+[0-9a-f]{32}\s+ok$/m);
    assert.match(first.stdout, /every table matches/);
    assert.match(first.stderr, /copying metric_points: 11\/11 rows ok/);
    assert.match(first.stdout, /artifact files from .* 2 copied/);
    const again = labbook(['store', 'copy', from.path, to], dir);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /is not empty \(2 experiments, 3 runs/);
  });
});
