/**
 * Adaptive batching (issue 18, item 2): the Batcher on its own (when a batch goes, what it
 * holds, who gets which rows), then the served penguins model: concurrent requests scored
 * as one tensor, each answered with its own id, log rows and metrics, exactly as if it had
 * come alone.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { Batcher, type BatchResult } from '../../core/serve/batcher';
import { createDeployment, readToken } from '../../core/serve/deployments';
import { parsePrometheusText } from '../../core/serve/metrics';
import { readPredictionLogs } from '../../core/serve/prediction-log';
import { ServingRuntime } from '../../core/serve/runtime';
import { buildServer } from '../../core/serve/server';
import { predictionLogStore } from '../../core/store';
import { FEATURES, MODEL, servedPenguins, type ServeFixture } from './serve-fixture';
import { makeTempDir, removeDir, sleep } from './temp';

/** A scorer that doubles each row and records the batches it was given. */
function doubling(delayMs = 0) {
  const batches: number[][] = [];
  const score = async (rows: number[]): Promise<BatchResult<number>> => {
    batches.push([...rows]);
    if (delayMs) await sleep(delayMs);
    return { rows: rows.map((r) => r * 2), ms: rows.length };
  };
  return { batches, score };
}

describe('serve batching: the Batcher', () => {
  it('scores a lone request at once, never waiting for the window', async () => {
    const s = doubling();
    const b = new Batcher(s.score, { maxBatchSize: 128, batchTimeoutMs: 1000 });
    const started = performance.now();
    const result = await b.submit([1, 2]);
    assert.ok(performance.now() - started < 100, 'answered without waiting the 1 s window');
    assert.deepEqual(result.rows, [2, 4]);
    assert.deepEqual(s.batches, [[1, 2]]);
  });

  it('scores requests that arrive together as one batch and answers each with its own rows', async () => {
    const s = doubling();
    const b = new Batcher(s.score, { maxBatchSize: 128, batchTimeoutMs: 0 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => b.submit([i * 10, i * 10 + 1])),
    );
    assert.equal(s.batches.length, 1);
    assert.equal(s.batches[0].length, 20);
    results.forEach((r, i) => {
      assert.deepEqual(r.rows, [i * 20, i * 20 + 2]);
      // Each carries its share of the batch's time: 2 of 20 rows.
      assert.equal(r.ms, 2);
    });
    assert.equal(b.batches, 1);
    assert.equal(b.rowsScored, 20);
  });

  it('never puts more than maxBatchSize rows in a batch, but scores a larger request alone', async () => {
    const s = doubling();
    const b = new Batcher(s.score, { maxBatchSize: 4, batchTimeoutMs: 0 });
    const sizes = [2, 2, 2, 6, 1, 1];
    let start = 0;
    const results = await Promise.all(
      sizes.map((n) => {
        const rows = Array.from({ length: n }, (_, k) => start + k);
        start += n;
        return b.submit(rows);
      }),
    );
    for (const batch of s.batches) assert.ok(batch.length <= 4 || batch.length === 6);
    assert.ok(s.batches.some((batch) => batch.length === 6));
    assert.equal(
      s.batches.reduce((n, batch) => n + batch.length, 0),
      14,
    );
    start = 0;
    results.forEach((r, i) => {
      assert.deepEqual(
        r.rows,
        Array.from({ length: sizes[i] }, (_, k) => (start + k) * 2),
      );
      start += sizes[i];
    });
  });

  it('queues arrivals while a batch is scored and sends them together when the model is free', async () => {
    const s = doubling(30);
    const b = new Batcher(s.score, { maxBatchSize: 128, batchTimeoutMs: 0 });
    const first = b.submit([1]);
    await sleep(5); // the first batch is being scored
    const later = [b.submit([2]), b.submit([3]), b.submit([4])];
    await Promise.all([first, ...later]);
    assert.deepEqual(s.batches, [[1], [2, 3, 4]]);
  });

  it('with batchTimeoutMs, a queued request waits at most that long for the batch being scored', async () => {
    const s = doubling(300);
    const b = new Batcher(s.score, { maxBatchSize: 128, batchTimeoutMs: 20 });
    void b.submit([1]);
    await sleep(5);
    const started = performance.now();
    void b.submit([2]);
    await sleep(100);
    // The second batch started within the timeout, long before the first one's 300 ms ended.
    assert.deepEqual(s.batches, [[1], [2]]);
    assert.ok(performance.now() - started < 250);
  });

  it('fails only the requests of a batch whose scoring throws', async () => {
    let calls = 0;
    const b = new Batcher<number, number>(
      async (rows) => {
        if (calls++ === 0) throw new Error('boom');
        return { rows, ms: 0 };
      },
      { maxBatchSize: 128, batchTimeoutMs: 0 },
    );
    const failed = await Promise.allSettled([b.submit([1]), b.submit([2])]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.deepEqual((await b.submit([3])).rows, [3]);
  });
});

describe('serve batching: concurrent requests to the served model', function () {
  this.timeout(120_000);
  let dir: string;
  let fx: ServeFixture;

  before(async () => {
    dir = makeTempDir();
    fx = await servedPenguins(dir);
  });
  after(() => {
    fx?.close();
    if (dir) removeDir(dir);
  });

  it('scores 16 concurrent requests as few tensors, with ids, log rows and metrics as if each came alone', async () => {
    const d = createDeployment(fx.store, {
      ref: `${MODEL}/1`,
      name: 'batched',
      port: 0,
      config: { seed: 1, logFlushRows: 1000, logFlushMs: 10 },
    });
    const runtime = await ServingRuntime.open(fx.store, d.id, { tf, followMs: 0 });
    const auth = { authorization: `Bearer ${readToken(d)}` };
    const app = buildServer(runtime, { token: readToken(d) });
    try {
      const rows = Array.from({ length: 16 }, (_, i) => FEATURES.map((f) => fx.rows[i * 7][f]));
      const post = (row: (string | number)[]) =>
        app.inject({
          method: 'POST',
          url: `/v1/models/batched:predict`,
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify({ instances: [row] }),
        });
      // Alone, one after another: one batch each.
      const alone: unknown[] = [];
      for (const row of rows) alone.push((await post(row)).json());
      const afterAlone = runtime.batching()[0];
      assert.deepEqual(afterAlone, { version: 1, batches: 16, rows: 16 });
      // Together.
      const together = await Promise.all(rows.map(post));
      const batching = runtime.batching()[0];
      assert.equal(batching.rows, 32);
      assert.ok(
        batching.batches - 16 < 8,
        `16 concurrent requests in ${batching.batches - 16} batches`,
      );
      const ids = new Set<string>();
      together.forEach((response, i) => {
        assert.equal(response.statusCode, 200);
        const body = response.json<{
          id: string;
          ids: string[];
          predictions: number[][];
          classes: string[];
        }>();
        assert.equal(body.id, response.headers['x-labbook-request-id']);
        assert.deepEqual(body.ids, [body.id]);
        ids.add(body.id);
        const single = alone[i] as { predictions: number[][]; classes: string[] };
        assert.deepEqual(body.classes, single.classes);
        body.predictions[0].forEach((p, k) =>
          assert.ok(Math.abs(p - single.predictions[0][k]) < 1e-6),
        );
      });
      assert.equal(ids.size, 16);
      // The log has one row per request, under its own id, with its own inputs and answer.
      runtime.log.flush();
      const logged = readPredictionLogs(predictionLogStore(fx.store), d.id, { limit: 100 });
      assert.equal(logged.length, 32);
      for (const response of together) {
        const body = response.json<{ id: string; classes: string[] }>();
        const row = logged.find((l) => l.id === body.id);
        assert.ok(row, `log row ${body.id}`);
        assert.equal(row.predicted, body.classes[0]);
        assert.ok(row.latencyMs >= 0);
      }
      // Metrics count requests and predictions one by one.
      const metrics = parsePrometheusText(
        (await app.inject({ method: 'GET', url: '/metrics', headers: auth })).body,
      );
      const value = (name: string, labels: Record<string, string>) =>
        metrics
          .filter(
            (m) => m.name === name && Object.entries(labels).every(([k, v]) => m.labels[k] === v),
          )
          .reduce((n, m) => n + m.value, 0);
      assert.equal(value('labbook_predictions_total', { variant: 'primary', version: '1' }), 32);
      assert.equal(value('labbook_requests_total', { endpoint: 'predict', code: '200' }), 32);
      assert.equal(value('labbook_request_duration_seconds_count', { variant: 'primary' }), 32);
      // The tensors scored are counted too: as many as the batcher ran, holding every row.
      assert.equal(value('labbook_batches_total', { version: '1' }), batching.batches);
      assert.equal(value('labbook_batched_rows_total', { version: '1' }), 32);
    } finally {
      await app.close();
      await runtime.close();
    }
  });
});
