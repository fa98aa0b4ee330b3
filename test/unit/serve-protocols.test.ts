/**
 * The standard protocols (issue 18, item 3) through `app.inject` against the real penguins
 * model: TF Serving's columnar `inputs` (answered as `outputs`), `signature_name`, the
 * `/labels/LABEL` route, and the Open Inference Protocol (KServe V2) health, metadata and
 * infer routes, with the request and response shapes of their documentation. Every
 * protocol must answer the same predictions as the row format.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import type { FastifyInstance } from 'fastify';
import { createDeployment, readToken } from '../../core/serve/deployments';
import { ServingRuntime } from '../../core/serve/runtime';
import { buildServer } from '../../core/serve/server';
import { FEATURES, MODEL, servedPenguins, type ServeFixture } from './serve-fixture';
import { makeTempDir, removeDir } from './temp';

describe('serve protocols: TF Serving columnar and KServe V2', function () {
  this.timeout(120_000);
  let dir: string;
  let fx: ServeFixture;
  let runtime: ServingRuntime;
  let app: FastifyInstance;
  let auth: Record<string, string>;
  const rows = () => [0, 3, 8].map((i) => FEATURES.map((f) => fx.rows[i][f] as number));
  let expected: { predictions: number[][]; classes: string[] };

  before(async () => {
    dir = makeTempDir();
    fx = await servedPenguins(dir);
    fx.registry.setAlias(MODEL, 2, 'challenger', { by: 'tester' });
    const d = createDeployment(fx.store, {
      ref: `${MODEL}/1`,
      name: 'proto',
      candidate: '2',
      strategy: 'shadow',
      port: 0,
      config: { seed: 1 },
    });
    runtime = await ServingRuntime.open(fx.store, d.id, { tf, followMs: 0 });
    auth = { authorization: `Bearer ${readToken(d)}` };
    app = buildServer(runtime, { token: readToken(d) });
    const r = await post('/v1/models/proto:predict', { instances: rows() });
    assert.equal(r.statusCode, 200);
    expected = r.json();
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
    fx?.close();
    if (dir) removeDir(dir);
  });

  function post(url: string, body: unknown, headers: Record<string, string> = auth) {
    return app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  }
  const get = (url: string, headers: Record<string, string> = auth) =>
    app.inject({ method: 'GET', url, headers });

  const close = (a: number[][], b: number[][]) => {
    assert.equal(a.length, b.length);
    a.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - b[i][k]) < 1e-6)));
  };

  it('TF Serving columnar "inputs": one column per feature, answered as "outputs"', async () => {
    const columns = Object.fromEntries(FEATURES.map((f, j) => [f, rows().map((r) => r[j])]));
    const r = await post('/v1/models/proto:predict', {
      signature_name: 'serving_default',
      inputs: columns,
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json<{ outputs: number[][]; predictions?: unknown; classes: string[] }>();
    assert.equal(body.predictions, undefined);
    close(body.outputs, expected.predictions);
    assert.deepEqual(body.classes, expected.classes);
    // One value per input is one row; an array of rows is one unnamed input.
    const one = await post('/v1/models/proto:predict', {
      inputs: Object.fromEntries(FEATURES.map((f, j) => [f, rows()[0][j]])),
    });
    close(one.json<{ outputs: number[][] }>().outputs, [expected.predictions[0]]);
    const unnamed = await post('/v1/models/proto:predict', { inputs: rows() });
    close(unnamed.json<{ outputs: number[][] }>().outputs, expected.predictions);
  });

  it('TF Serving errors: {"error"} naming the field, for bad columns and signature names', async () => {
    const cases: [unknown, RegExp][] = [
      [{ inputs: { [FEATURES[0]]: [1, 2] } }, /Beak Depth \(mm\)/],
      [
        { inputs: Object.fromEntries(FEATURES.map((f, j) => [f, j === 1 ? [1] : [1, 2]])) },
        /has 1 values but .* has 2/,
      ],
      [{ inputs: { nope: [1] } }, /unknown input "nope"/],
      [{ inputs: rows(), instances: rows() }, /either "instances" .* or "inputs"/],
      [{ signature_name: 'other', instances: rows() }, /signature_name "other" is not served/],
    ];
    for (const [body, message] of cases) {
      const r = await post('/v1/models/proto:predict', body);
      assert.ok(r.statusCode === 422 || r.statusCode === 400, `${r.statusCode} ${r.body}`);
      assert.deepEqual(Object.keys(r.json()).includes('error'), true);
      assert.match(r.json<{ error: string }>().error, message);
    }
  });

  it('/v1/models/NAME/labels/LABEL:predict answers by the version the label names', async () => {
    const r = await post('/v1/models/proto/labels/challenger:predict', { instances: rows() });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json<{ model_version: string }>().model_version, '2');
    const missing = await post('/v1/models/proto/labels/nobody:predict', { instances: rows() });
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json<{ error: string }>().error, /label "nobody"/);
  });

  it('KServe V2 health, server and model metadata, readiness', async () => {
    // Probes carry no token.
    assert.deepEqual((await get('/v2/health/live', {})).json(), { live: true });
    assert.deepEqual((await get('/v2/health/ready', {})).json(), { ready: true });
    assert.equal((await get('/v2/models/proto', {})).statusCode, 401);
    assert.equal((await get('/v2')).json<{ name: string }>().name, 'labbook');
    const meta = (await get('/v2/models/proto')).json<{
      name: string;
      versions: string[];
      platform: string;
      inputs: { name: string; datatype: string; shape: number[] }[];
      outputs: { name: string; datatype: string; shape: number[] }[];
    }>();
    assert.equal(meta.name, 'proto');
    assert.deepEqual(meta.versions, ['1', '2']);
    assert.deepEqual(meta.inputs[0], { name: 'input', datatype: 'FP32', shape: [-1, 4] });
    assert.deepEqual(
      meta.inputs.slice(1).map((i) => i.name),
      FEATURES,
    );
    assert.deepEqual(meta.outputs, [
      { name: 'predictions', datatype: 'FP32', shape: [-1, 3] },
      { name: 'classes', datatype: 'BYTES', shape: [-1] },
    ]);
    assert.deepEqual(
      (await get('/v2/models/proto/versions/2')).json<{ versions: string[] }>().versions,
      ['2'],
    );
    assert.deepEqual((await get('/v2/models/proto/versions/1/ready')).json(), {
      name: 'proto',
      ready: true,
    });
    assert.equal((await get('/v2/models/proto/versions/9')).statusCode, 404);
    assert.equal((await get('/v2/models/other')).statusCode, 404);
  });

  it('KServe V2 infer: one [N, F] FP32 tensor, row-major, answers the same predictions as V1', async () => {
    const r = await post('/v2/models/proto/infer', {
      id: 'req-1',
      inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows().flat() }],
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json<{
      model_name: string;
      model_version: string;
      id: string;
      parameters: { prediction_ids: string; variant: string };
      outputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[];
    }>();
    assert.equal(body.model_name, 'proto');
    assert.equal(body.model_version, '1');
    assert.equal(body.id, 'req-1');
    assert.equal(body.parameters.prediction_ids.split(',').length, 3);
    assert.equal(body.parameters.variant, 'primary');
    const [predictions, classes] = body.outputs;
    assert.equal(predictions.name, 'predictions');
    assert.equal(predictions.datatype, 'FP32');
    assert.deepEqual(predictions.shape, [3, 3]);
    const data = predictions.data as number[];
    close([data.slice(0, 3), data.slice(3, 6), data.slice(6, 9)], expected.predictions);
    assert.deepEqual(classes, {
      name: 'classes',
      datatype: 'BYTES',
      shape: [3],
      data: expected.classes,
    });
    // Nested data is accepted too; a version route and an output choice.
    const nested = await post('/v2/models/proto/versions/2/infer', {
      inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP64', data: rows() }],
      outputs: [{ name: 'classes' }],
    });
    assert.equal(nested.statusCode, 200, nested.body);
    const n = nested.json<{ model_version: string; id: string; outputs: { name: string }[] }>();
    assert.equal(n.model_version, '2');
    assert.equal(n.id, nested.headers['x-labbook-request-id']);
    assert.deepEqual(
      n.outputs.map((o) => o.name),
      ['classes'],
    );
  });

  it('KServe V2 infer: one [N] tensor per feature', async () => {
    const r = await post('/v2/models/proto/infer', {
      inputs: FEATURES.map((f, j) => ({
        name: f,
        shape: [3],
        datatype: 'FP32',
        data: rows().map((row) => row[j]),
      })),
    });
    assert.equal(r.statusCode, 200, r.body);
    const data = r.json<{ outputs: { data: number[] }[] }>().outputs[0].data;
    close([data.slice(0, 3), data.slice(3, 6), data.slice(6, 9)], expected.predictions);
  });

  it('KServe V2 infer errors name the tensor and what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /"inputs" must be a non-empty array/],
      [
        { inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3] }] },
        /shape \[2,4\] holds 8 values but "data" has 3/,
      ],
      [
        { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] },
        /must have shape \[N, 4\]/,
      ],
      [
        { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP99', data: [1, 2, 3, 4] }] },
        /"datatype" must be one of/,
      ],
      [
        { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: ['a', 2, 3, 4] }] },
        /every value of a FP32 tensor must be a number/,
      ],
      [
        {
          inputs: [{ name: FEATURES[0], shape: [1], datatype: 'FP32', data: [1] }],
        },
        /missing input "Beak Depth \(mm\)"/,
      ],
    ];
    for (const [body, message] of cases) {
      const r = await post('/v2/models/proto/infer', body);
      assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${r.statusCode} ${r.body}`);
      assert.match(r.json<{ error: string }>().error, message);
    }
  });
});
