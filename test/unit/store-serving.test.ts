/**
 * The serving domain's stores (core/store/serving.ts) on every backend, method by method:
 * the behaviours the serve tests only reach through a running server (event order, which
 * deployment a name finds, retention by rows and by days, the monitoring counts).
 */
import { strict as assert } from 'node:assert';
import {
  deploymentStore,
  findArtifactByName,
  predictionLogStore,
  type DeploymentStore,
  type NewDeployment,
  type OpenStore,
  type PredictionLogStore,
} from '../../core/store';
import { DEFAULT_SERVE_CONFIG, type PredictionLog } from '../../core/common/serve-types';
import { forEachBackend } from '../support/backends';

forEachBackend('serving stores', (backend) => {
  let store: OpenStore;
  let deployments: DeploymentStore;
  let log: PredictionLogStore;

  beforeEach(() => {
    store = backend().openSync();
    // A deployment names registered versions (foreign keys); the registry is not under test.
    const run = store.createRun({ experiment: 'e' });
    store.sql.run("INSERT INTO registered_models (name, created_at) VALUES ('penguins', 0)");
    for (const version of [1, 2])
      store.sql.run(
        `INSERT INTO model_versions (name, version, run_id, artifact_path, created_at, created_by)
        VALUES ('penguins', ?, ?, 'model/', 0, 'ada')`,
        version,
        run.id,
      );
    deployments = deploymentStore(store);
    log = predictionLogStore(store);
  });

  const newDeployment = (over: Partial<NewDeployment> = {}): NewDeployment => ({
    name: 'penguins',
    modelName: 'penguins',
    modelRef: 'penguins@production',
    strategy: 'single',
    primaryVersion: 1,
    candidateRef: null,
    candidateVersion: null,
    weight: 0,
    host: '127.0.0.1',
    port: 0,
    config: DEFAULT_SERVE_CONFIG,
    createdAt: 1000,
    createdBy: 'ada',
    ...over,
  });

  describe('deployments', () => {
    it('reuses one store per open store', () => {
      assert.equal(deploymentStore(store), deployments);
      assert.equal(predictionLogStore(store), log);
    });

    it('creates a starting deployment and reads it back whole', () => {
      const id = deployments.create(
        newDeployment({ config: { ...DEFAULT_SERVE_CONFIG, logSampling: 0.5 } }),
      );
      deployments.setTokenFile(id, '/tmp/t.token');
      const d = deployments.get(id)!;
      assert.equal(d.status, 'starting');
      assert.equal(d.pid, null);
      assert.equal(d.tokenFile, '/tmp/t.token');
      assert.equal(d.createdAt, 1000);
      assert.equal(d.updatedAt, 1000);
      assert.equal(d.config.logSampling, 0.5);
      assert.deepEqual(d.config, { ...DEFAULT_SERVE_CONFIG, logSampling: 0.5 });
      assert.equal(deployments.get(id + 1), undefined);
    });

    it('fills settings a stored config lacks with the defaults', () => {
      const id = deployments.create(newDeployment());
      store.sql.run('UPDATE deployments SET config = ? WHERE id = ?', '{"bodyLimit":7}', id);
      assert.deepEqual(deployments.get(id)!.config, { ...DEFAULT_SERVE_CONFIG, bodyLimit: 7 });
    });

    it('updates only the fields given, and the update time', () => {
      const id = deployments.create(newDeployment());
      const before = Date.now();
      deployments.update(id, { status: 'running', pid: 42, candidateRef: undefined });
      const d = deployments.get(id)!;
      assert.equal(d.status, 'running');
      assert.equal(d.pid, 42);
      assert.equal(d.modelRef, 'penguins@production');
      assert.ok(d.updatedAt >= before, 'updatedAt set to now');
      deployments.update(id, { pid: null, candidateRef: null });
      assert.equal(deployments.get(id)!.pid, null);
    });

    it('finds the live deployment of a name before newer ended ones, else the newest', () => {
      // One live deployment per name: the older one goes live after the newer one ended.
      const old = deployments.create(newDeployment());
      deployments.update(old, { status: 'stopped' });
      const ended = deployments.create(newDeployment());
      deployments.update(ended, { status: 'stopped' });
      deployments.update(old, { status: 'running' });
      assert.equal(deployments.find('penguins')!.id, old);
      assert.deepEqual(deployments.live('penguins'), {
        id: old,
        port: 0,
        status: 'running',
        pid: null,
        updatedAt: deployments.get(old)!.updatedAt,
      });
      deployments.update(old, { status: 'failed' });
      assert.equal(deployments.find('penguins')!.id, ended, 'no live one: the newest');
      assert.equal(deployments.live('penguins'), undefined);
      assert.equal(deployments.find('nope'), undefined);
    });

    it('lists live ones newest first, all with `all`, and each name once', () => {
      const a = deployments.create(newDeployment({ name: 'zeta' }));
      deployments.update(a, { status: 'stopped' });
      const b = deployments.create(newDeployment({ name: 'alpha' }));
      deployments.update(b, { status: 'running' });
      const c = deployments.create(newDeployment({ name: 'zeta' }));
      assert.deepEqual(
        deployments.list().map((d) => d.id),
        [c, b],
      );
      assert.deepEqual(
        deployments.list({ all: true }).map((d) => d.id),
        [c, b, a],
      );
      assert.deepEqual(deployments.names(), ['alpha', 'zeta']);
    });

    it('keeps events newest first with their splits', () => {
      const id = deployments.create(newDeployment());
      const other = deployments.create(newDeployment({ name: 'other' }));
      const split = { strategy: 'canary' as const, primary: 1, candidate: 2, weight: 10 };
      const first = deployments.recordEvent({
        deploymentId: id,
        kind: 'created',
        at: 5,
        by: 'ada',
        reason: null,
        before: null,
        after: split,
      });
      deployments.recordEvent({
        deploymentId: other,
        kind: 'created',
        at: 6,
        by: 'bob',
        reason: null,
        before: null,
        after: null,
      });
      // An earlier clock still comes after: order is the order recorded, not `at`.
      const second = deployments.recordEvent({
        deploymentId: id,
        kind: 'shift',
        at: 1,
        by: 'ada',
        reason: 'more',
        before: split,
        after: { ...split, weight: 50 },
      });
      const events = deployments.events(id);
      assert.deepEqual(
        events.map((e) => e.id),
        [second.id, first.id],
      );
      assert.deepEqual(events[0], second);
      assert.deepEqual(events[1].after, split);
      assert.equal(events[1].before, null);
    });

    it('rolls back a transaction that throws, nested calls included', () => {
      const id = deployments.create(newDeployment());
      assert.throws(() =>
        deployments.transaction(() => {
          deployments.update(id, { status: 'running' });
          deployments.transaction(() => deployments.update(id, { weight: 5 }));
          throw new Error('boom');
        }),
      );
      assert.equal(deployments.get(id)!.status, 'starting');
      assert.equal(deployments.get(id)!.weight, 0);
    });

    it('tells whether a live deployment serves a version, as primary or candidate', () => {
      const id = deployments.create(
        newDeployment({ strategy: 'canary', candidateVersion: 2, weight: 10 }),
      );
      assert.ok(deployments.servesVersion('penguins', 1));
      assert.ok(deployments.servesVersion('penguins', 2));
      assert.ok(!deployments.servesVersion('penguins', 3));
      deployments.update(id, { status: 'stopped' });
      assert.ok(!deployments.servesVersion('penguins', 1), 'a stopped one serves nothing');
    });
  });

  describe('prediction log', () => {
    let d: number;
    let other: number;
    beforeEach(() => {
      d = deployments.create(newDeployment());
      other = deployments.create(newDeployment({ name: 'other' }));
    });

    const row = (id: string, at: number, over: Partial<PredictionLog> = {}): PredictionLog => ({
      id,
      deploymentId: d,
      at,
      variant: 'primary',
      modelVersion: 1,
      shadow: false,
      inputs: { x: at },
      outputs: [at],
      predicted: String(at),
      latencyMs: 1,
      ...over,
    });
    const ids = (deploymentId = d) =>
      log.read(deploymentId, { limit: 1000, since: 0 }).map((r) => r.id);

    it('writes a batch and reads it newest first with feedback joined', () => {
      log.write([
        row('a', 1),
        row('b', 2, { outputs: [NaN, Infinity, 0.5], shadow: true, variant: 'candidate' }),
      ]);
      log.recordFeedback({ id: 'a', deploymentId: d, label: 'Adelie', at: 3 });
      log.recordFeedback({ id: 'a', deploymentId: d, label: 2, at: 4 }); // the last one wins
      const [b, a] = log.read(d, { limit: 10, since: 0 });
      assert.deepEqual(b, {
        ...row('b', 2),
        variant: 'candidate',
        shadow: true,
        outputs: [null, null, 0.5],
        label: null,
      });
      assert.equal(a.label, 2);
      assert.deepEqual(
        log.read(d, { limit: 10, since: 2 }).map((r) => r.id),
        ['b'],
      );
      assert.deepEqual(
        log.read(d, { limit: 1, since: 0 }).map((r) => r.id),
        ['b'],
      );
    });

    it('writes all of a batch or none of it', () => {
      const bad = row('c', 3, { inputs: undefined as unknown as PredictionLog['inputs'] });
      assert.throws(() => log.write([row('a', 1), bad]));
      assert.deepEqual(ids(), []);
    });

    it('prunes by rows: all but the newest maxRows, ties with the bound included', () => {
      log.write([row('a', 1), row('b', 2), row('c', 2), row('d', 3), row('e', 4)]);
      log.write([row('x', 1, { deploymentId: other })]);
      log.recordFeedback({ id: 'a', deploymentId: d, label: 1, at: 9 });
      log.recordFeedback({ id: 'e', deploymentId: d, label: 1, at: 9 });
      // The newest two are e and d; the third (c, at 2) ties with b: both go.
      assert.equal(log.prune(d, { maxRows: 2, cutoff: 0 }), 3);
      assert.deepEqual(ids(), ['e', 'd']);
      assert.deepEqual(ids(other), ['x'], 'another deployment keeps its rows');
      assert.equal(
        store.sql.get<{ n: number }>(
          'SELECT COUNT(*) AS n FROM feedback WHERE deployment_id = ?',
          d,
        )!.n,
        1,
        "a's feedback went with it, e's stays",
      );
      assert.equal(log.prune(d, { maxRows: 2, cutoff: 0 }), 0, 'within bounds: nothing');
    });

    it('prunes by age: everything before the cutoff', () => {
      log.write([row('a', 100), row('b', 200), row('c', 300)]);
      assert.equal(log.prune(d, { maxRows: 1000, cutoff: 200 }), 1);
      assert.deepEqual(ids(), ['c', 'b']);
    });

    it('finds an answered prediction, never a shadow one', () => {
      log.write([
        row('a', 1, { outputs: [0.25, 0.75], predicted: 'Gentoo' }),
        row('s', 1, { shadow: true, variant: 'candidate' }),
      ]);
      assert.deepEqual(log.answered(d, 'a'), {
        variant: 'primary',
        predicted: 'Gentoo',
        outputs: [0.25, 0.75],
      });
      assert.equal(log.answered(d, 's'), undefined);
      assert.equal(log.answered(other, 'a'), undefined);
    });

    it('reads a window newest first and counts requests, not instances or shadows', () => {
      log.write([
        row('r1', 10),
        row('r2.0', 20, { latencyMs: 5 }),
        row('r2.1', 20),
        row('r2', 20, { shadow: true, variant: 'candidate' }),
        row('r3', 40),
      ]);
      const window = log.window(d, 10, 30, 100);
      // Newest first; rows of one time come in no set order.
      assert.deepEqual(
        window.map((w) => w.at),
        [20, 20, 20, 10],
      );
      assert.deepEqual(window.map((w) => w.shadow).sort(), [false, false, false, true]);
      assert.equal(window.find((w) => w.latencyMs === 5)?.variant, 'primary');
      assert.equal(log.window(d, 0, 100, 2).length, 2, 'bounded');
      assert.equal(log.requests(d, 10, 30), 2, 'r1 and r2');
      assert.equal(log.requests(d, 0, 100), 3);
    });

    it('counts per variant and version after a log position', () => {
      log.write([row('a', 1), row('b', 2, { modelVersion: 2, variant: 'candidate' }), row('c', 3)]);
      log.write([row('x', 1, { deploymentId: other })]);
      const all = log.countsAfter(d, 0);
      const primary = all.find((c) => c.variant === 'primary')!;
      const candidate = all.find((c) => c.variant === 'candidate')!;
      assert.ok(primary.seq > candidate.seq, "each count's newest position: c is after b");
      assert.deepEqual(all.map((c) => [c.variant, c.modelVersion, c.n]).sort(), [
        ['candidate', 2, 1],
        ['primary', 1, 2],
      ]);
      const last = Math.max(...all.map((c) => c.seq));
      assert.deepEqual(log.countsAfter(d, last), [], 'nothing new');
      log.write([row('d', 4)]);
      assert.deepEqual(
        log.countsAfter(d, last).map((c) => [c.variant, c.n]),
        [['primary', 1]],
      );
    });

    it('joins the newest labels to their predictions, oldest prediction first', () => {
      log.write([
        row('a', 1, { predicted: 'A' }),
        row('b', 2, { predicted: 'B', shadow: true }),
        row('c', 3, { predicted: 'C' }),
      ]);
      log.recordFeedback({ id: 'c', deploymentId: d, label: 'C', at: 10 });
      log.recordFeedback({ id: 'a', deploymentId: d, label: true, at: 11 });
      log.recordFeedback({ id: 'b', deploymentId: d, label: 3, at: 12 });
      assert.deepEqual(log.labelled(d, 10), [
        { variant: 'primary', modelVersion: 1, shadow: false, predicted: 'A', label: true },
        { variant: 'primary', modelVersion: 1, shadow: true, predicted: 'B', label: 3 },
        { variant: 'primary', modelVersion: 1, shadow: false, predicted: 'C', label: 'C' },
      ]);
      assert.deepEqual(
        log.labelled(d, 2).map((l) => l.predicted),
        ['A', 'B'],
        'the newest two labels (a, b), not the newest predictions',
      );
    });

    it('reads the newest inputs a version answered, shadows excluded', () => {
      log.write([
        row('a', 1),
        row('b', 2, { shadow: true }),
        row('c', 3, { modelVersion: 2 }),
        row('d', 4),
      ]);
      assert.deepEqual(
        log.recentInputs(d, 1, 10).map((r) => r.inputs),
        [{ x: 4 }, { x: 1 }],
      );
      const [newest] = log.recentInputs(d, 1, 1);
      assert.ok(newest.seq > log.recentInputs(d, 1, 10)[1].seq);
    });
  });

  describe('artifacts by name', () => {
    it("prefers the run's artifact, else any run's", () => {
      const one = store.createRun({ experiment: 'e' });
      const two = store.createRun({ experiment: 'e' });
      store.logArtifact(one.id, 'snap', Buffer.from('one'));
      store.logArtifact(two.id, 'snap', Buffer.from('two two'));
      const mine = findArtifactByName(store, 'snap', { preferRunId: two.id })!;
      assert.equal(mine.size, 7);
      assert.equal(mine.sha256, store.listArtifacts(two.id)[0].sha256);
      const three = store.createRun({ experiment: 'e' });
      assert.ok(findArtifactByName(store, 'snap', { preferRunId: three.id }), 'any run');
      assert.ok(findArtifactByName(store, 'snap'));
      assert.equal(findArtifactByName(store, 'nope'), undefined);
    });
  });
});
