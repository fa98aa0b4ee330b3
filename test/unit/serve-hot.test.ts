/**
 * Hot changes inside a running server (issue 18, item 1): real HTTP on loopback, real tfjs
 * penguins models from the registry (v1 trained, v2 barely, v3 broken: it takes 5 inputs
 * where its signature lists 4, so its warm-up fails). Under bounded continuous load every
 * change (start canary, shift, rollback, promote, blue/green start, switch, stop-candidate,
 * an alias move, a refused change) happens on the same port with the same token and no
 * request fails or times out; a request in flight across a change is answered whole by the
 * version it started on, which is disposed only after it.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { loadModelArtifacts, saveModelArtifacts } from '../../core/registry/model-io';
import { createDeployment, readToken } from '../../core/serve/deployments';
import { ServingRuntime } from '../../core/serve/runtime';
import { buildServer } from '../../core/serve/server';
import { deploymentStore } from '../../core/store';
import type { DeploymentStatusReport } from '../../core/common/serve-types';
import { FEATURES, MODEL, servedPenguins, type ServeFixture } from './serve-fixture';
import { makeTempDir, removeDir, sleep } from './temp';

const LOAD_SECONDS = Number(process.env.LABBOOK_HOT_SECONDS ?? 20);
const CLIENTS = 8;

interface Live {
  runtime: ServingRuntime;
  app: FastifyInstance;
  url: string;
  token: string;
}

describe('serve hot changes (loopback HTTP)', function () {
  this.timeout(180_000);
  let dir: string;
  let fx: ServeFixture;
  let rows: number[][];
  /** Each version's outputs for every row, computed apart from the server. */
  const expected = new Map<number, number[][]>();
  const open: Live[] = [];

  before(async () => {
    dir = makeTempDir();
    fx = await servedPenguins(dir);
    rows = fx.rows.map((r) => FEATURES.map((f) => r[f] as number));
    // v3: a model the registry takes but that cannot answer its own signature's rows.
    const broken = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [5], units: 3, activation: 'softmax' })],
    });
    const run = fx.store.createRun({ experiment: 'penguins-serving', name: 'broken' });
    await saveModelArtifacts(fx.store, run.id, broken, 'model/');
    fx.store.endRun(run.id, 'finished');
    broken.dispose();
    const v1 = fx.registry.requireVersion(MODEL, 1);
    fx.registry.registerVersion({
      name: MODEL,
      runId: run.id,
      artifactPath: 'model/',
      signature: v1.signature!,
      by: 'serve-test',
    });
    for (const version of [1, 2]) {
      const v = fx.registry.requireVersion(MODEL, version);
      const model = await loadModelArtifacts(fx.store, v.runId, v.artifactPath, { tf });
      const y = model.predict(tf.tensor2d(rows)) as tf.Tensor;
      expected.set(version, (await y.array()) as number[][]);
      y.dispose();
      model.dispose();
    }
  });

  after(async () => {
    for (const l of open) {
      await l.app.close();
      await l.runtime.close();
    }
    fx?.close();
    if (dir) removeDir(dir);
  });

  async function start(
    ref: string,
    name: string,
    options: Parameters<typeof ServingRuntime.open>[2] = {},
  ): Promise<Live> {
    const d = createDeployment(fx.store, {
      ref,
      name,
      port: 0,
      by: 'tester',
      config: { seed: 3, logFlushRows: 200, logFlushMs: 50 },
    });
    const runtime = await ServingRuntime.open(fx.store, d.id, { tf, followMs: 0, ...options });
    const token = readToken(d);
    const app = buildServer(runtime, { token });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const live = { runtime, app, url: `http://127.0.0.1:${port}`, token };
    open.push(live);
    return live;
  }

  async function control(
    l: Live,
    message: Record<string, unknown>,
  ): Promise<{ status: number; body: DeploymentStatusReport & { error?: string } }> {
    const response = await fetch(`${l.url}/v1/deployment:control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${l.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'tester', ...message }),
    });
    return {
      status: response.status,
      body: (await response.json()) as DeploymentStatusReport & { error?: string },
    };
  }

  /** Every output of a response matches the version it names, row for row. */
  function checkAnswer(picked: number[], body: { predictions: number[][]; model_version: string }) {
    const want = expected.get(Number(body.model_version));
    assert.ok(want, `answered by v${body.model_version}`);
    assert.equal(body.predictions.length, picked.length);
    picked.forEach((row, i) => {
      body.predictions[i].forEach((p, k) => assert.ok(Math.abs(p - want[row][k]) < 1e-5));
    });
  }

  it('answers a request in flight across a change whole from the version it started on, then disposes it', async () => {
    let hold: (() => void) | null = null;
    let held: (() => void) | null = null;
    const reached = new Promise<void>((r) => (held = r));
    const gate = new Promise<void>((r) => (hold = r));
    let holding = true;
    const l = await start(`${MODEL}/1`, 'inflight', {
      beforeScore: async (version) => {
        if (holding && version === 1) {
          holding = false;
          held!();
          await gate;
        }
      },
    });
    const picked = [0, 5, 9];
    const request = fetch(`${l.url}/v1/models/inflight:predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${l.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instances: picked.map((i) => rows[i]) }),
    });
    await reached; // v1 is scoring it now
    const tensorsWithV1 = tf.memory().numTensors;
    assert.equal((await control(l, { type: 'candidate', ref: '2', weight: 50 })).status, 200);
    const promoted = await control(l, { type: 'promote', reason: 'hot test' });
    assert.equal(promoted.status, 200, promoted.body.error);
    assert.deepEqual(promoted.body.split, {
      strategy: 'single',
      primary: 2,
      candidate: null,
      weight: 0,
    });
    // v2 answers new requests while the held one is still on v1...
    const during = await fetch(`${l.url}/v1/models/inflight:predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${l.token}` },
      body: JSON.stringify({ instances: [rows[1]] }),
    });
    assert.equal(((await during.json()) as { model_version: string }).model_version, '2');
    // ...and v1 keeps its weights for it (v2's, as many, are loaded beside them).
    const both = tf.memory().numTensors;
    assert.ok(both > tensorsWithV1);
    hold!();
    const response = await request;
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      predictions: number[][];
      model_version: string;
      variant: string;
    };
    assert.equal(body.model_version, '1');
    assert.equal(body.variant, 'primary');
    checkAnswer(picked, body);
    await sleep(20);
    // v1 is gone now that its last request is answered: v2 alone holds weights.
    assert.equal(tf.memory().numTensors, tensorsWithV1, 'v1 was disposed');
  });

  it('keeps the old version serving when the new one fails its warm-up, with a clear event', async () => {
    fx.registry.setAlias(MODEL, 1, 'champion', { by: 'tester' });
    const s = await start(`${MODEL}@champion`, 'warmup', { followMs: 0 });
    const refused = await control(s, { type: 'candidate', ref: '3' });
    assert.equal(refused.status, 422);
    assert.match(refused.body.error!, /v3 did not warm up/);
    assert.match(refused.body.error!, /v1 keeps serving/);
    const predict = async () => {
      const r = await fetch(`${s.url}/v1/models/warmup:predict`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}` },
        body: JSON.stringify({ instances: [rows[0]] }),
      });
      assert.equal(r.status, 200);
      return ((await r.json()) as { model_version: string }).model_version;
    };
    assert.equal(await predict(), '1');
    // The alias moving to the broken version is refused the same way.
    fx.registry.setAlias(MODEL, 3, 'champion', { by: 'tester' });
    await s.runtime.follow();
    assert.equal(s.runtime.currentSplit.primary, 1);
    assert.equal(await predict(), '1');
    const events = deploymentStore(fx.store).events(s.runtime.deploymentId);
    const failed = events.filter((e) => e.kind === 'change-failed');
    assert.equal(failed.length, 2);
    for (const e of failed) {
      assert.match(e.reason!, /v3 did not warm up \(one predict on a row of zeros\)/);
      assert.equal(e.before?.primary, 1);
    }
    // Then it moves to a good one: followed, with its event.
    fx.registry.setAlias(MODEL, 2, 'champion', { by: 'tester' });
    await s.runtime.follow();
    assert.equal(await predict(), '2');
    const follow = deploymentStore(fx.store)
      .events(s.runtime.deploymentId)
      .filter((e) => e.kind === 'follow');
    assert.equal(follow.length, 1);
    assert.match(follow[0].reason!, /penguins@champion moved to v2/);
  });

  it(`survives every change under ${CLIENTS} clients for ${LOAD_SECONDS} s with zero failed or timed-out requests`, async () => {
    await fx.registry.promote({ name: MODEL, version: 1, to: 'Production', by: 'tester' });
    const l = await start(`${MODEL}@production`, 'hot', { followMs: 200 });
    const port = new URL(l.url).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const counts = { ok: 0, failed: 0, timedOut: 0, wrong: 0 };
    const failures: string[] = [];
    const seen = new Set<string>();
    let stop = false;
    const post = (body: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/models/hot:predict',
            method: 'POST',
            agent,
            headers: {
              authorization: `Bearer ${l.token}`,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
            timeout: 5000,
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    let next = 0;
    const client = async () => {
      while (!stop) {
        const picked = Array.from({ length: 1 + (next % 3) }, () => next++ % rows.length);
        try {
          const r = await post(JSON.stringify({ instances: picked.map((i) => rows[i]) }));
          if (r.status !== 200) {
            counts.failed++;
            failures.push(`${r.status} ${r.text.slice(0, 200)}`);
            continue;
          }
          const body = JSON.parse(r.text) as { predictions: number[][]; model_version: string };
          seen.add(body.model_version);
          try {
            checkAnswer(picked, body);
            counts.ok++;
          } catch (error) {
            counts.wrong++;
            failures.push(`wrong answer: ${(error as Error).message}`);
          }
        } catch (error) {
          if ((error as Error).message === 'timeout') counts.timedOut++;
          else counts.failed++;
          failures.push((error as Error).message);
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));
    const pause = (LOAD_SECONDS * 1000) / 12;
    const steps: [Record<string, unknown>, number][] = [
      [{ type: 'candidate', ref: '2', weight: 20 }, 200],
      [{ type: 'shift', weight: 60 }, 200],
      [{ type: 'rollback' }, 200],
      [{ type: 'candidate', ref: '2', strategy: 'canary', weight: 10 }, 200],
      [{ type: 'promote', reason: 'hot test' }, 200],
      [{ type: 'candidate', ref: '1', strategy: 'bluegreen' }, 200],
      [{ type: 'switch' }, 200],
      [{ type: 'switch' }, 200],
      [{ type: 'stop-candidate' }, 200],
      [{ type: 'candidate', ref: '3' }, 422],
    ];
    const splits: string[] = [];
    try {
      await sleep(pause);
      for (const [message, status] of steps) {
        const r = await control(l, message);
        assert.equal(r.status, status, `${JSON.stringify(message)}: ${r.body.error}`);
        if (status === 200) splits.push(JSON.stringify(r.body.split));
        await sleep(pause);
      }
      // The registry moves Production back to v1: the server follows it.
      await fx.registry.promote({ name: MODEL, version: 1, to: 'Production', by: 'tester' });
      const deadline = Date.now() + 10_000;
      while (l.runtime.currentSplit.primary !== 1 && Date.now() < deadline) await sleep(50);
      assert.equal(l.runtime.currentSplit.primary, 1);
      await sleep(pause);
    } finally {
      stop = true;
      await load;
      agent.destroy();
    }
    assert.deepEqual(
      { ...counts, failures: failures.slice(0, 5) },
      { ok: counts.ok, failed: 0, timedOut: 0, wrong: 0, failures: [] },
    );
    assert.ok(counts.ok > 100, `${counts.ok} requests answered`);
    assert.deepEqual([...seen].sort(), ['1', '2']);
    // Same port and token throughout; every change recorded, the refusal and the alias move too.
    assert.equal(new URL(l.url).port, port);
    const kinds = deploymentStore(fx.store)
      .events(l.runtime.deploymentId)
      .reverse()
      .map((e) => e.kind);
    assert.deepEqual(kinds, [
      'created',
      'candidate',
      'shift',
      'rollback',
      'candidate',
      'promote',
      'candidate',
      'switch',
      'switch',
      'stop-candidate',
      'change-failed',
      'follow',
    ]);
    process.stdout.write(
      `      ${counts.ok} requests answered under ${steps.length + 1} changes in ${LOAD_SECONDS} s, 0 failed, 0 timed out\n`,
    );
  });
});
