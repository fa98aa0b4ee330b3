/**
 * The serving API end to end through fastify's `app.inject` (no port): a real SQLite store
 * in a temp folder, real tfjs penguins models (v1 trained, v2 barely), the prediction log,
 * feedback, metrics, the strategies and the control operations.
 */
import { strict as assert } from 'node:assert';
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { gatesPath } from '../../core/registry/gates';
import {
  createDeployment,
  readToken,
  type CreateDeploymentInput,
} from '../../core/serve/deployments';
import { parsePrometheusText } from '../../core/serve/metrics';
import {
  PredictionLogWriter,
  prunePredictionLogs,
  readPredictionLogs,
} from '../../core/serve/prediction-log';
import { deploymentStore, predictionLogStore } from '../../core/store';
import type { SqlAccess } from '../../core/store/types';
import type { PredictionLog, Deployment } from '../../core/common/serve-types';
import { ServingRuntime } from '../../core/serve/runtime';
import { buildServer } from '../../core/serve/server';
import { FEATURES, MODEL, servedPenguins, type ServeFixture } from './serve-fixture';
import { makeTempDir, removeDir } from './temp';

interface Served {
  d: Deployment;
  runtime: ServingRuntime;
  app: FastifyInstance;
  token: string;
  auth: Record<string, string>;
}

describe('serve server (app.inject)', function () {
  this.timeout(120_000);
  let dir: string;
  let fx: ServeFixture;
  const open: Served[] = [];

  async function serve(input: Partial<CreateDeploymentInput> & { name: string }): Promise<Served> {
    const d = createDeployment(fx.store, {
      ref: `${MODEL}/1`,
      port: 0,
      by: 'tester',
      ...input,
      config: { seed: 1, logFlushRows: 50, logFlushMs: 10, ...input.config },
    });
    const runtime = await ServingRuntime.open(fx.store, d.id, { tf });
    const token = readToken(d);
    const app = buildServer(runtime, { token });
    const served = { d, runtime, app, token, auth: { authorization: `Bearer ${token}` } };
    open.push(served);
    return served;
  }

  async function predict(s: Served, body: unknown, headers: Record<string, string> = {}) {
    return s.app.inject({
      method: 'POST',
      url: `/v1/models/${s.d.name}:predict`,
      headers: { ...s.auth, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  }

  const objectRow = (i: number) => Object.fromEntries(FEATURES.map((f) => [f, fx.rows[i][f]]));
  const arrayRow = (i: number) => FEATURES.map((f) => fx.rows[i][f]);

  before(async () => {
    dir = makeTempDir();
    fx = await servedPenguins(dir);
  });
  after(async () => {
    for (const s of open) {
      await s.app.close();
      await s.runtime.close();
    }
    fx?.close();
    if (dir) removeDir(dir);
  });

  it('records the deployment with a 0600 token file and a created event', async () => {
    const s = await serve({ name: 'records' });
    assert.equal(s.d.status, 'starting');
    assert.equal(s.d.host, '127.0.0.1');
    assert.equal(s.d.primaryVersion, 1);
    assert.equal(s.d.strategy, 'single');
    assert.ok(s.token.length >= 40);
    assert.equal(statSync(s.d.tokenFile).mode & 0o777, 0o600);
    assert.equal(dirname(s.d.tokenFile), `${dirname(fx.dbPath)}/deployments`);
    assert.deepEqual(
      deploymentStore(fx.store)
        .events(s.d.id)
        .map((e) => [e.kind, e.by]),
      [['created', 'tester']],
    );
    assert.equal(fx.registry.inUse(MODEL, 1), true);
    assert.equal(fx.registry.inUse(MODEL, 2), false);
    assert.throws(
      () => createDeployment(fx.store, { ref: `${MODEL}/1`, name: 'records' }),
      /already starting/,
    );
  });

  it('requires the bearer token everywhere but /healthz', async () => {
    const s = await serve({ name: 'auth' });
    assert.equal((await s.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    const none = await s.app.inject({
      method: 'POST',
      url: '/v1/models/auth:predict',
      payload: { instances: [arrayRow(0)] },
    });
    assert.equal(none.statusCode, 401);
    assert.match(none.headers['www-authenticate'] as string, /Bearer/);
    assert.match(none.json().error, /Authorization: Bearer/);
    const wrong = await predict(
      s,
      { instances: [arrayRow(0)] },
      { authorization: 'Bearer not-the-token' },
    );
    assert.equal(wrong.statusCode, 401);
    assert.equal((await s.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
    assert.equal((await s.app.inject({ method: 'GET', url: '/v1/models/auth' })).statusCode, 401);
    assert.equal((await predict(s, { instances: [arrayRow(0)] })).statusCode, 200);
  });

  it('predicts rows given as objects or arrays, with ids, classes and TF Serving status', async () => {
    const s = await serve({ name: 'predict' });
    const n = 60;
    const byObject = await predict(s, {
      instances: Array.from({ length: n }, (_, i) => objectRow(i)),
    });
    const byArray = await predict(s, {
      instances: Array.from({ length: n }, (_, i) => arrayRow(i)),
    });
    assert.equal(byObject.statusCode, 200, byObject.body);
    const a = byObject.json();
    const b = byArray.json();
    assert.deepEqual(a.predictions, b.predictions);
    assert.equal(a.predictions.length, n);
    assert.equal(a.predictions[0].length, 3);
    assert.ok(Math.abs(a.predictions[0].reduce((x: number, y: number) => x + y, 0) - 1) < 1e-4);
    const correct = a.classes.filter((c: string, i: number) => c === fx.rows[i].Species).length;
    assert.ok(correct / n > 0.9, `accuracy ${correct / n}`);
    assert.equal(a.ids.length, n);
    assert.equal(new Set(a.ids).size, n);
    assert.equal(byObject.headers['x-labbook-request-id'], a.id);
    assert.equal(byObject.headers['x-labbook-variant'], 'primary/1');
    assert.equal(a.model_version, '1');
    const single = (await predict(s, { instances: [objectRow(0)] })).json();
    assert.deepEqual(single.ids, [single.id]);
    // TF Serving's model status and this model's signature.
    const status = await s.app.inject({
      method: 'GET',
      url: '/v1/models/predict',
      headers: s.auth,
    });
    assert.deepEqual(status.json(), {
      model_version_status: [
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    });
    const meta = await s.app.inject({
      method: 'GET',
      url: '/v1/models/predict/metadata',
      headers: s.auth,
    });
    assert.deepEqual(meta.json().metadata.signature.labels, fx.species);
    // The model's own name works too, and the version path.
    assert.equal(
      (
        await s.app.inject({
          method: 'POST',
          url: `/v1/models/${MODEL}/versions/1:predict`,
          headers: s.auth,
          payload: { instances: [arrayRow(0)] },
        })
      ).statusCode,
      200,
    );
    assert.equal(
      (
        await s.app.inject({
          method: 'POST',
          url: '/v1/models/predict/versions/2:predict',
          headers: s.auth,
          payload: { instances: [arrayRow(0)] },
        })
      ).statusCode,
      404,
    );
    // curl -d sends form-urlencoded: still read as JSON.
    const form = await s.app.inject({
      method: 'POST',
      url: '/v1/models/predict:predict',
      headers: { ...s.auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: JSON.stringify({ instances: [arrayRow(0)] }),
    });
    assert.equal(form.statusCode, 200);
  });

  it('answers 400, 413, 422 and 404 with messages, and keeps serving after a handler error', async () => {
    const s = await serve({ name: 'errors', config: { bodyLimit: 4096 } });
    const malformed = await s.app.inject({
      method: 'POST',
      url: '/v1/models/errors:predict',
      headers: { ...s.auth, 'content-type': 'application/json' },
      payload: '{"instances": [',
    });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.json().error, /malformed JSON/);
    const empty = await s.app.inject({
      method: 'POST',
      url: '/v1/models/errors:predict',
      headers: { ...s.auth, 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(empty.statusCode, 400);
    const big = await predict(s, {
      instances: Array.from({ length: 200 }, (_, i) => objectRow(i)),
    });
    assert.equal(big.statusCode, 413);
    assert.match(big.json().error, /limit of 4096 bytes/);
    const wrongType = await predict(s, {
      instances: [{ ...objectRow(0), 'Body Mass (g)': 'heavy' }],
    });
    assert.equal(wrongType.statusCode, 422);
    assert.equal(wrongType.json().field, 'instances[0].Body Mass (g)');
    assert.match(wrongType.json().error, /Body Mass \(g\) must be a finite number/);
    const unknown = await predict(s, { instances: [{ ...objectRow(0), Island: 'Dream' }] });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.json().error, /unknown feature "Island"/);
    const short = await predict(s, { instances: [[1, 2, 3]] });
    assert.equal(short.statusCode, 422);
    assert.match(short.json().error, /3 values but the model takes 4 features/);
    const otherModel = await s.app.inject({
      method: 'POST',
      url: '/v1/models/cars:predict',
      headers: s.auth,
      payload: { instances: [arrayRow(0)] },
    });
    assert.equal(otherModel.statusCode, 404);
    assert.equal(
      (await s.app.inject({ method: 'GET', url: '/nope', headers: s.auth })).statusCode,
      404,
    );

    const score = s.runtime.scoreOn;
    s.runtime.scoreOn = async () => {
      throw new Error('boom');
    };
    const broken = await predict(s, { instances: [arrayRow(0)] });
    s.runtime.scoreOn = score;
    assert.equal(broken.statusCode, 500);
    assert.match(broken.json().error, /boom/);
    assert.equal((await predict(s, { instances: [arrayRow(0)] })).statusCode, 200);
  });

  it('logs predictions in batches and joins feedback by id; metrics show live accuracy', async () => {
    const s = await serve({ name: 'feedback' });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = (await predict(s, { instances: [objectRow(i)] })).json();
      ids.push(r.id);
    }
    // Batched: fewer than 50 rows wait for the timer.
    await new Promise((r) => setTimeout(r, 40));
    s.runtime.log.flush();
    const logs = readPredictionLogs(predictionLogStore(fx.store), s.d.id, { limit: 100 });
    assert.equal(logs.length, 30);
    assert.deepEqual(new Set(logs.map((l) => l.id)), new Set(ids));
    assert.deepEqual(Object.keys(logs[0].inputs), FEATURES);
    assert.equal(logs[0].variant, 'primary');
    assert.equal(logs[0].modelVersion, 1);
    assert.equal(logs[0].outputs.length, 3);
    assert.ok(logs[0].latencyMs >= 0);

    for (let i = 0; i < 30; i++) {
      const label = i < 3 ? 'Not-a-species' : fx.rows[i].Species;
      const fb = await s.app.inject({
        method: 'POST',
        url: '/v1/models/feedback:feedback',
        headers: s.auth,
        payload: { id: ids[i], label },
      });
      assert.equal(fb.statusCode, 200, fb.body);
      assert.equal(fb.json().variant, 'primary');
    }
    const missing = await s.app.inject({
      method: 'POST',
      url: '/v1/models/feedback:feedback',
      headers: s.auth,
      payload: { id: 'nope', label: 'Adelie' },
    });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().error, /no prediction with id "nope"/);
    const badFeedback = await s.app.inject({
      method: 'POST',
      url: '/v1/models/feedback:feedback',
      headers: s.auth,
      payload: { id: ids[0] },
    });
    assert.equal(badFeedback.statusCode, 422);

    const joined = readPredictionLogs(predictionLogStore(fx.store), s.d.id, { limit: 100 });
    assert.equal(joined.filter((l) => l.label !== null).length, 30);
    const expectedAccuracy = joined.filter((l) => l.label === l.predicted).length / 30;
    assert.ok(expectedAccuracy <= 0.9);

    const metrics = await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth });
    assert.match(metrics.headers['content-type'] as string, /text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(metrics.body);
    const value = (name: string, labels: Record<string, string>) =>
      samples.find(
        (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )?.value;
    assert.equal(
      value('labbook_requests_total', { endpoint: 'predict', variant: 'primary', code: '200' }),
      30,
    );
    assert.equal(
      value('labbook_requests_total', { endpoint: 'feedback', variant: 'primary', code: '200' }),
      30,
    );
    assert.equal(
      value('labbook_requests_total', { endpoint: 'feedback', variant: 'none', code: '404' }),
      1,
    );
    assert.equal(
      value('labbook_requests_total', { endpoint: 'feedback', variant: 'none', code: '422' }),
      1,
    );
    assert.equal(value('labbook_predictions_total', { variant: 'primary', version: '1' }), 30);
    assert.equal(value('labbook_feedback_total', { variant: 'primary' }), 30);
    assert.ok(
      Math.abs(
        (value('labbook_live_accuracy', { variant: 'primary' }) as number) - expectedAccuracy,
      ) < 1e-9,
    );
    assert.equal(value('labbook_request_duration_seconds_count', { variant: 'primary' }), 30);
    assert.equal(
      value('labbook_request_duration_seconds_bucket', { variant: 'primary', le: '+Inf' }),
      30,
    );
    assert.equal(
      samples.find((x) => x.name === 'labbook_live_accuracy')?.labels.deployment,
      'feedback',
    );
  });

  it('the log writer commits one transaction per batch, by size or time, and retries a locked store', async () => {
    const commits: number[] = [];
    let pending = 0;
    let busy = 1;
    const sql = {
      dialect: 'sqlite' as const,
      run: () => {
        pending++;
        return { changes: 1, lastInsertRowid: 0 };
      },
      get: () => undefined,
      all: () => [],
      transaction: <T>(fn: () => T): T => {
        if (busy > 0) {
          busy--;
          throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        }
        pending = 0;
        const out = fn();
        commits.push(pending);
        return out;
      },
    } as SqlAccess;
    const writer = new PredictionLogWriter(predictionLogStore({ sql }), {
      flushRows: 10,
      flushMs: 15,
      sampling: 1,
    });
    const row = (i: number): PredictionLog => ({
      id: `r${i}`,
      deploymentId: 1,
      at: i,
      variant: 'primary',
      modelVersion: 1,
      shadow: false,
      inputs: { x: i },
      outputs: [i],
      predicted: String(i),
      latencyMs: 0.1,
    });
    writer.add(Array.from({ length: 4 }, (_, i) => row(i)));
    assert.deepEqual(commits, []);
    writer.add(Array.from({ length: 6 }, (_, i) => row(4 + i))); // 10 rows: flush now, but the store is locked
    assert.deepEqual(commits, []);
    assert.equal(writer.buffered, 10, 'kept for a retry');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(commits, [10]);
    writer.add([row(10), row(11), row(12)]);
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(commits, [10, 3]);
    writer.add([row(13)]);
    writer.close();
    assert.deepEqual(commits, [10, 3, 1]);
    writer.add([row(14)]);
    assert.equal(writer.buffered, 0, 'closed: takes no more rows');
    assert.equal(writer.written, 14);
    const sampled = new PredictionLogWriter(predictionLogStore({ sql }), {
      flushRows: 10,
      flushMs: 15,
      sampling: 0.25,
      random: (
        (s) => () =>
          (s = (s * 16807) % 2147483647) / 2147483647
      )(7),
    });
    let kept = 0;
    for (let i = 0; i < 4000; i++) if (sampled.sample()) kept++;
    assert.ok(Math.abs(kept / 4000 - 0.25) < 0.03, `sampled ${kept}`);
  });

  it('answers at once while another process holds the store lock, and logs the rows after', async () => {
    const s = await serve({ name: 'locked', config: { logFlushRows: 1, logFlushMs: 10 } });
    const locker = new Database(fx.store.location);
    locker.exec('BEGIN IMMEDIATE');
    const slowest: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const res = await predict(s, { instances: [arrayRow(i)] });
        slowest.push(performance.now() - started);
        assert.equal(res.statusCode, 200);
      }
      // Each flush used to wait the store's 5 s busy timeout before giving up.
      assert.ok(
        Math.max(...slowest) < 2000,
        `answers took ${slowest.map((t) => t.toFixed(0)).join(', ')} ms`,
      );
      assert.equal(s.runtime.log.buffered, 5, 'kept for a retry');
    } finally {
      locker.exec('COMMIT');
      locker.close();
    }
    for (
      let waited = 0;
      readPredictionLogs(predictionLogStore(fx.store), s.d.id).length < 5 && waited < 5000;
      waited += 20
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(readPredictionLogs(predictionLogStore(fx.store), s.d.id).length, 5);
    assert.equal(s.runtime.log.dropped, 0);
  });

  it('keeps the prediction log within its retention: the newest rows, none too old', async () => {
    const s = await serve({
      name: 'retained',
      config: { logRetentionRows: 30, logRetentionDays: 1 },
    });
    for (let i = 0; i < 8; i++)
      await predict(s, { instances: Array.from({ length: 10 }, (_, j) => arrayRow(i * 10 + j)) });
    s.runtime.log.flush();
    const kept = readPredictionLogs(predictionLogStore(fx.store), s.d.id);
    assert.ok(kept.length <= 30 && kept.length >= 20, `kept ${kept.length} of 80 rows`);
    // What is kept is the newest: the last request's rows are all there.
    const last = (await predict(s, { instances: [arrayRow(99)] })).json<{ id: string }>();
    s.runtime.log.flush();
    assert.ok(
      readPredictionLogs(predictionLogStore(fx.store), s.d.id).some((r) => r.id === last.id),
    );
    // Age: rows from two days ago go at the next prune, whatever the count.
    const old = Date.now() - 2 * 86_400_000;
    fx.store.sql.run('UPDATE prediction_logs SET at = ? WHERE deployment_id = ?', old, s.d.id);
    const before = readPredictionLogs(predictionLogStore(fx.store), s.d.id).length;
    assert.ok(before > 0);
    assert.equal(
      prunePredictionLogs(predictionLogStore(fx.store), s.d.id, {
        maxRows: 1000,
        maxAgeMs: 86_400_000,
      }),
      before,
    );
    assert.equal(readPredictionLogs(predictionLogStore(fx.store), s.d.id).length, 0);
    assert.ok(s.runtime.log.pruned > 0);
  });

  it('refuses a retention that is not positive, naming it', () => {
    assert.throws(
      () =>
        createDeployment(fx.store, {
          ref: `${MODEL}/1`,
          port: 0,
          name: 'bad-retention',
          config: { logRetentionDays: 0 },
        }),
      /prediction log retention \(days\) must be a number > 0, got 0/,
    );
    assert.throws(
      () =>
        createDeployment(fx.store, {
          ref: `${MODEL}/1`,
          port: 0,
          name: 'bad-rows',
          config: { logRetentionRows: 1.5 },
        }),
      /prediction log retention \(rows\) must be a whole number >= 1, got 1.5/,
    );
  });

  it('samples the log and still judges feedback on unlogged predictions', async () => {
    const s = await serve({ name: 'sampled', config: { logSampling: 0 } });
    const r = (await predict(s, { instances: [objectRow(5)] })).json();
    s.runtime.log.flush();
    assert.equal(readPredictionLogs(predictionLogStore(fx.store), s.d.id).length, 0);
    const fb = await s.app.inject({
      method: 'POST',
      url: '/v1/models/sampled:feedback',
      headers: s.auth,
      payload: { id: r.id, label: fx.rows[5].Species },
    });
    assert.equal(fb.statusCode, 200);
    assert.equal(fb.json().correct, true);
  });

  it('shadow: the candidate scores every request and is logged, but never answers', async () => {
    const s = await serve({ name: 'shadow', strategy: 'shadow', candidate: '2' });
    assert.equal(s.d.candidateVersion, 2);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await predict(s, { instances: [arrayRow(i)] }, { 'x-labbook-key': `k${i}` });
      assert.equal(res.headers['x-labbook-variant'], 'primary/1');
      ids.push(res.json().id);
    }
    await s.runtime.settle();
    s.runtime.log.flush();
    const logs = readPredictionLogs(predictionLogStore(fx.store), s.d.id, { limit: 1000 });
    const shadow = logs.filter((l) => l.shadow);
    assert.equal(shadow.length, 40);
    assert.ok(shadow.every((l) => l.variant === 'candidate' && l.modelVersion === 2));
    assert.deepEqual(new Set(shadow.map((l) => l.id)), new Set(ids));
    assert.equal(logs.filter((l) => !l.shadow && l.variant === 'primary').length, 40);
    await s.app.inject({
      method: 'POST',
      url: '/v1/models/shadow:feedback',
      headers: s.auth,
      payload: { id: ids[0], label: fx.rows[0].Species },
    });
    const samples = parsePrometheusText(
      (await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth })).body,
    );
    assert.equal(samples.find((x) => x.name === 'labbook_shadow_predictions_total')?.value, 40);
    assert.equal(
      samples.find(
        (x) => x.name === 'labbook_predictions_total' && x.labels.variant === 'candidate',
      ),
      undefined,
    );
    assert.equal(
      samples.find((x) => x.name === 'labbook_feedback_total' && x.labels.variant === 'shadow')
        ?.value,
      1,
    );
  });

  it('canary: splits 2000 requests within tolerance, sticky by key; shift and rollback are recorded', async () => {
    const s = await serve({
      name: 'canary',
      strategy: 'canary',
      candidate: `${MODEL}/2`,
      weight: 25,
    });
    let candidate = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const res = await predict(s, { instances: [arrayRow(i % fx.rows.length)] });
      if (res.json().variant === 'candidate') candidate++;
    }
    const share = (candidate / n) * 100;
    // sd of the share at n = 2000, p = 0.25: 0.97 points; allow 4 sd.
    assert.ok(Math.abs(share - 25) < 4, `candidate share ${share}%`);
    const keyed = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 100; k++) {
        const res = await predict(s, { instances: [arrayRow(k)], key: `user-${k}` });
        const v = res.json().variant;
        if (round === 0) keyed.set(`user-${k}`, v);
        else assert.equal(v, keyed.get(`user-${k}`), 'a key sticks to its variant');
      }
    }
    // The header key wins over the body key and is sticky too.
    const viaHeader = (
      await predict(s, { instances: [arrayRow(0)] }, { 'x-labbook-key': 'user-7' })
    ).json().variant;
    assert.equal(viaHeader, keyed.get('user-7'));

    const shift = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'shift', weight: 60, by: 'ops', reason: 'looks good' },
    });
    assert.equal(shift.statusCode, 200, shift.body);
    assert.equal(shift.json().split.weight, 60);
    assert.equal(deploymentStore(fx.store).get(s.d.id)?.weight, 60);
    const badShift = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'shift', weight: 140 },
    });
    assert.equal(badShift.statusCode, 422);

    const rollback = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'rollback', by: 'ops', reason: 'errors up' },
    });
    assert.equal(rollback.statusCode, 200, rollback.body);
    assert.deepEqual(rollback.json().split, {
      strategy: 'single',
      primary: 1,
      candidate: null,
      weight: 0,
    });
    for (let i = 0; i < 20; i++)
      assert.equal((await predict(s, { instances: [arrayRow(i)] })).json().variant, 'primary');
    const row = deploymentStore(fx.store).get(s.d.id)!;
    assert.equal(row.strategy, 'single');
    assert.equal(row.candidateVersion, null);
    const events = deploymentStore(fx.store).events(s.d.id);
    assert.deepEqual(
      events.map((e) => [e.kind, e.by, e.reason]),
      [
        ['rollback', 'ops', 'errors up'],
        ['shift', 'ops', 'looks good'],
        ['created', 'tester', null],
      ],
    );
    assert.equal(events[1].before?.weight, 25);
    assert.equal(events[1].after?.weight, 60);
    const again = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'rollback' },
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error, /nothing to roll back/);
  });

  it('ab: per-variant metrics', async () => {
    const s = await serve({ name: 'ab', strategy: 'ab', candidate: '2' });
    assert.equal(s.d.weight, 50);
    for (let i = 0; i < 200; i++) await predict(s, { instances: [arrayRow(i)], key: `u${i}` });
    const samples = parsePrometheusText(
      (await s.app.inject({ method: 'GET', url: '/metrics', headers: s.auth })).body,
    );
    const a = samples.find(
      (x) => x.name === 'labbook_predictions_total' && x.labels.variant === 'primary',
    )!.value;
    const b = samples.find(
      (x) => x.name === 'labbook_predictions_total' && x.labels.variant === 'candidate',
    )!.value;
    assert.equal(a + b, 200);
    assert.ok(a > 70 && b > 70, `${a} / ${b}`);
  });

  it('blue/green: instant switch and instant rollback', async () => {
    const s = await serve({ name: 'bluegreen', strategy: 'bluegreen', candidate: '2' });
    assert.equal((await predict(s, { instances: [arrayRow(0)] })).json().variant, 'primary');
    const sw = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'switch' },
    });
    assert.equal(sw.statusCode, 200, sw.body);
    for (let i = 0; i < 10; i++)
      assert.equal(
        (await predict(s, { instances: [arrayRow(i)], key: `k${i}` })).json().variant,
        'candidate',
      );
    const back = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'rollback' },
    });
    assert.equal(back.statusCode, 200);
    assert.equal(back.json().split.candidate, 2, 'green stays ready');
    for (let i = 0; i < 10; i++)
      assert.equal((await predict(s, { instances: [arrayRow(i)] })).json().variant, 'primary');
    const half = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'shift', weight: 50 },
    });
    assert.equal(half.statusCode, 422);
    assert.deepEqual(
      deploymentStore(fx.store)
        .events(s.d.id)
        .map((e) => e.kind),
      ['rollback', 'switch', 'created'],
    );
  });

  it('promote: through the registry gates; refused with the gates, then the candidate serves alone', async () => {
    const s = await serve({ name: 'promote', strategy: 'canary', candidate: '2', weight: 10 });
    const file = gatesPath(fx.store.location, MODEL);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ production: { metrics: ['metrics.test_accuracy >= 0.9'] } }),
    );
    const refused = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'promote', by: 'ops' },
    });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.ok(Array.isArray(refused.json().gates) && refused.json().gates.length === 1);
    assert.equal(refused.json().gates[0].passed, false);
    assert.equal(fx.registry.requireVersion(MODEL, 2).stage, 'None');

    const forced = await s.app.inject({
      method: 'POST',
      url: '/v1/deployment:control',
      headers: s.auth,
      payload: { type: 'promote', force: true, by: 'ops', reason: 'canary healthy for a day' },
    });
    assert.equal(forced.statusCode, 200, forced.body);
    assert.deepEqual(forced.json().split, {
      strategy: 'single',
      primary: 2,
      candidate: null,
      weight: 0,
    });
    assert.equal(fx.registry.requireVersion(MODEL, 2).stage, 'Production');
    const transition = fx.registry.history(MODEL)[0];
    assert.deepEqual(
      [transition.version, transition.to, transition.by, transition.forced, transition.reason],
      [2, 'Production', 'ops', true, 'canary healthy for a day'],
    );
    for (let i = 0; i < 5; i++) {
      const res = (await predict(s, { instances: [arrayRow(i)] })).json();
      assert.equal(res.variant, 'primary');
      assert.equal(res.model_version, '2');
    }
    const kinds = deploymentStore(fx.store)
      .events(s.d.id)
      .map((e) => [e.kind, e.by]);
    assert.deepEqual(kinds, [
      ['promote', 'ops'],
      ['created', 'tester'],
    ]);
  });
});
