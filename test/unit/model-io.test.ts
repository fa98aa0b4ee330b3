/**
 * Models and holdout sets as run artifacts (core/registry/model-io.ts) and the holdout
 * metrics (core/registry/evaluate.ts): save/load round trips through a real store,
 * signature inference, validation messages, and the metric math against hand-computed values.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Store } from '../../core/store';
import {
  classificationMetrics,
  classKey,
  evaluateVersion,
  predictedClasses,
  regressionMetrics,
} from '../../core/registry/evaluate';
import {
  checkHoldout,
  inferSignature,
  loadHoldout,
  loadModelArtifacts,
  normalizeArtifactPath,
  saveHoldout,
  saveModelArtifacts,
} from '../../core/registry/model-io';
import { RegistryError, type ModelVersion } from '../../core/registry/types';
import { makeTempDir, removeDir, sha256 } from './temp';

const close = (actual: number, expected: number, digits = 9) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} != ${expected}`);

function classifier(seed = 1): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 5,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: 2,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

function regressor(): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 1, useBias: true })],
  });
  // y = 2a - b + 1, exactly.
  model.setWeights([tf.tensor2d([[2], [-1]]), tf.tensor1d([1])]);
  return model;
}

function version(fields: Partial<ModelVersion>): ModelVersion {
  return {
    name: 'm',
    version: 1,
    stage: 'None',
    aliases: [],
    runId: '',
    artifactPath: 'model/',
    signature: null,
    holdout: null,
    description: null,
    intendedUse: null,
    limitations: null,
    createdAt: 0,
    createdBy: 'test',
    ...fields,
  };
}

describe('registry: holdout metrics', () => {
  it('accuracy and macro F1 by hand, with a class never predicted', () => {
    // truth:     a a a b b c
    // predicted: a a b b b b   -> c is never predicted
    const m = classificationMetrics(['a', 'a', 'a', 'b', 'b', 'c'], ['a', 'a', 'b', 'b', 'b', 'b']);
    close(m.accuracy, 4 / 6);
    // a: TP 2, FP 0, FN 1 -> F1 = 4/5; b: TP 2, FP 2, FN 0 -> F1 = 4/6; c: TP 0 -> F1 0.
    close(m.f1_macro, (4 / 5 + 4 / 6 + 0) / 3);
  });

  it('macro F1 counts a predicted class that never occurs', () => {
    const m = classificationMetrics(['a', 'a'], ['a', 'z']);
    close(m.accuracy, 0.5);
    // a: TP 1, FN 1 -> 2/3; z: FP 1 -> 0.
    close(m.f1_macro, (2 / 3 + 0) / 2);
    assert.deepEqual(classificationMetrics(['x', 'y'], ['x', 'y']), { accuracy: 1, f1_macro: 1 });
  });

  it('rmse and mae by hand', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1.5, 2, 1, 5]);
    // errors 0.5, 0, -2, 1 -> squares 0.25, 0, 4, 1
    close(m.rmse, Math.sqrt(5.25 / 4));
    close(m.mae, 3.5 / 4);
    assert.throws(() => regressionMetrics([1], [1, 2]), /1 true values but 2 predictions/);
  });

  it('argmax per row, a single sigmoid unit at 0.5, and class keys from names or indices', () => {
    assert.deepEqual(predictedClasses([0.1, 0.7, 0.2, 0.5, 0.2, 0.3], 2, 3), [1, 0]);
    assert.deepEqual(predictedClasses([0.49, 0.5, 0.9], 3, 1), [0, 1, 1]);
    assert.equal(classKey('Gentoo', ['Adelie', 'Gentoo']), 'Gentoo');
    assert.equal(classKey(1, ['Adelie', 'Gentoo']), 'Gentoo');
    assert.equal(classKey('1', ['Adelie', 'Gentoo']), 'Gentoo');
    assert.equal(classKey(2, undefined), '2');
  });
});

describe('registry: model and holdout artifacts', () => {
  let dir: string;
  let store: Store;
  let runId: string;
  before(async () => {
    await tf.setBackend('cpu');
  });
  beforeEach(() => {
    dir = makeTempDir();
    store = Store.open({ path: join(dir, 'labbook.db') });
    runId = store.createRun({ experiment: 'io', name: 'r' }).id;
  });
  afterEach(() => {
    store.close();
    removeDir(dir);
  });

  it('saves model.json and weights.bin as content-addressed artifacts and loads the same model back', async () => {
    const model = classifier();
    const saved = await saveModelArtifacts(store, runId, model);
    assert.equal(saved.modelJson, 'model/model.json');
    assert.equal(saved.weights, 'model/weights.bin');
    const names = store
      .listArtifacts(runId)
      .map((a) => a.name)
      .sort();
    assert.deepEqual(names, ['model/model.json', 'model/weights.bin']);
    const json = JSON.parse(store.readArtifact(runId, 'model/model.json').toString('utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
    assert.equal(json.weightsManifest[0].weights.length, 4);
    const bin = store.readArtifact(runId, 'model/weights.bin');
    assert.equal(bin.byteLength, (3 * 5 + 5 + 5 * 2 + 2) * 4);
    assert.equal(saved.weightsSha256, sha256(bin));

    const loaded = await loadModelArtifacts(store, runId, 'model');
    const x = tf.tensor2d([
      [0.1, -1, 2],
      [3, 0.5, -0.2],
    ]);
    assert.deepEqual(
      await (loaded.predict(x) as tf.Tensor).array(),
      await (model.predict(x) as tf.Tensor).array(),
    );

    // The same weights logged again are stored once (same hash); another folder works too.
    const again = await saveModelArtifacts(store, runId, model, 'other/');
    assert.equal(again.weightsSha256, saved.weightsSha256);
  });

  it('refuses what is not a LayersModel and bad folders, and reports a missing model', async () => {
    await assert.rejects(
      saveModelArtifacts(store, runId, { weights: [] }),
      (e: Error) =>
        e instanceof RegistryError &&
        /expected a tfjs LayersModel .* got a plain object/.test(e.message),
    );
    await assert.rejects(
      saveModelArtifacts(store, runId, classifier(), '../up'),
      /relative folder/,
    );
    await assert.rejects(
      loadModelArtifacts(store, runId, 'nothing/'),
      (e: Error) =>
        e instanceof RegistryError &&
        e.code === 'NOT_FOUND' &&
        /nothing\/model\.json/.test(e.message),
    );
    assert.equal(normalizeArtifactPath(undefined), 'model/');
    assert.equal(normalizeArtifactPath('a/b'), 'a/b/');
  });

  it('infers the signature: shapes, task, feature names given, from the holdout, or x0..', () => {
    const model = classifier();
    const plain = inferSignature(model);
    assert.deepEqual(plain, {
      features: ['x0', 'x1', 'x2'].map((name) => ({ name, dtype: 'float32' })),
      inputShape: [null, 3],
      outputShape: [null, 2],
      task: 'classification',
    });
    const named = inferSignature(model, { featureNames: ['a', 'b', 'c'], labels: ['no', 'yes'] });
    assert.deepEqual(
      named.features.map((f) => f.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(named.labels, ['no', 'yes']);
    const fromHoldout = inferSignature(model, {
      holdout: { label: 'y', rows: [{ p: 1, y: 'no', q: 2, r: 3 }] },
    });
    assert.deepEqual(
      fromHoldout.features.map((f) => f.name),
      ['p', 'q', 'r'],
    );
    // Columns other than the label do not match the width (an extra slice column): x0..x2.
    const extra = inferSignature(model, {
      holdout: { label: 'y', rows: [{ p: 1, y: 'no', q: 2, r: 3, group: 'g' }] },
    });
    assert.deepEqual(
      extra.features.map((f) => f.name),
      ['x0', 'x1', 'x2'],
    );

    assert.equal(inferSignature(regressor()).task, 'regression');
    assert.equal(inferSignature(regressor(), { labels: ['a', 'b'] }).task, 'classification');
    assert.throws(
      () => inferSignature(model, { featureNames: ['a', 'b'] }),
      /featureNames has 2 names \(a, b\) but the model takes 3 input features/,
    );
    assert.throws(
      () => inferSignature(model, { labels: ['a', 'b', 'c'] }),
      /labels has 3 class names .* output has 2 units/,
    );
    assert.throws(
      () => inferSignature(model, { featureNames: ['a', 'a', 'b'] }),
      /names "a" twice/,
    );
    assert.throws(() => inferSignature('model'), /expected a tfjs LayersModel/);
  });

  it('validates and stores a holdout set', () => {
    assert.throws(
      () => checkHoldout({ rows: [{ a: 1 }], label: 'y' }),
      /rows\[0\] has no value for the label column "y"/,
    );
    assert.throws(() => checkHoldout({ rows: [], label: 'y' }), /empty/);
    assert.throws(() => checkHoldout({ rows: [{ y: 1 }], label: '' }), /holdout.label/);
    assert.throws(
      () => checkHoldout({ rows: [{ y: 1, a: '2' }], label: 'y' }, ['a']),
      /feature "a" must be a finite number, got the string "2"/,
    );
    assert.throws(
      () => checkHoldout({ rows: [{ y: 1 }], label: 'y' }, ['a']),
      /feature "a" .* missing/,
    );
    assert.throws(
      () => checkHoldout({ rows: { length: 2_000_000 }, label: 'y' }),
      /rows must be an array/,
    );

    const rows = [
      { a: 1, b: 2, g: 'x', y: 'yes' },
      { a: 3, b: 4, g: null, y: 'no' },
    ];
    const info = saveHoldout(store, runId, { rows, label: 'y' }, 'model/', ['a', 'b']);
    assert.deepEqual(info, {
      artifact: 'model/holdout.json',
      rows: 2,
      label: 'y',
      columns: ['a', 'b', 'g', 'y'],
      sha256: sha256(store.readArtifact(runId, 'model/holdout.json')),
    });
    assert.deepEqual(loadHoldout(store, runId, info), { rows, label: 'y' });
  });

  it('evaluates a saved regressor on its holdout, overall and per slice', async () => {
    await saveModelArtifacts(store, runId, regressor());
    const rows = [
      { a: 1, b: 0, y: 3, g: 'p' }, // prediction 3, error 0
      { a: 0, b: 0, y: 2, g: 'p' }, // 1, error -1
      { a: 2, b: 1, y: 7, g: null }, // 4, error -3
    ];
    const holdout = saveHoldout(store, runId, { rows, label: 'y' }, 'model/', ['a', 'b']);
    const v = version({
      runId,
      holdout,
      signature: inferSignature(regressor(), { featureNames: ['a', 'b'] }),
    });
    const result = await evaluateVersion(store, v, { sliceColumn: 'g' });
    assert.equal(result.rows, 3);
    close(result.metrics.rmse as number, Math.sqrt(10 / 3), 5);
    close(result.metrics.mae as number, 4 / 3, 5);
    assert.equal(result.slices?.column, 'g');
    assert.deepEqual(
      result.slices?.groups.map((g) => [g.value, g.rows]),
      [
        ['p', 2],
        ['(missing)', 1],
      ],
    );
    close(result.slices?.groups[0].metrics.mae as number, 0.5, 5);
    close(result.slices?.groups[1].metrics.rmse as number, 3, 5);
    await assert.rejects(
      evaluateVersion(store, v, { sliceColumn: 'nope' }),
      /slice column "nope" is not in the holdout set of m v1; its columns: a, b, y, g/,
    );
    await assert.rejects(
      evaluateVersion(store, version({ runId, signature: v.signature })),
      /has no holdout set/,
    );
  });

  it('evaluates a classifier with class names or class indices as labels', async () => {
    const model = classifier(3);
    await saveModelArtifacts(store, runId, model);
    const xs = [
      [0, 1, 2],
      [1, -1, 0],
      [2, 2, -2],
      [-1, 0, 1],
    ];
    const predicted = (await (model.predict(tf.tensor2d(xs)) as tf.Tensor).array()) as number[][];
    const cls = predicted.map((p) => (p[1] > p[0] ? 1 : 0));
    const labels = ['no', 'yes'];
    // Rows 0-2 labelled with the model's answer, row 3 with the other class.
    const truth = cls.map((c, i) => (i === 3 ? 1 - c : c));
    const signature = inferSignature(model, { featureNames: ['a', 'b', 'c'], labels });
    const byName = {
      label: 'y',
      rows: xs.map(([a, b, c], i) => ({ a, b, c, y: labels[truth[i]] })),
    };
    const expected = classificationMetrics(
      truth.map((t) => labels[t]),
      cls.map((c) => labels[c]),
    );
    const result = await evaluateVersion(store, version({ runId, signature }), { holdout: byName });
    close(result.metrics.accuracy as number, 0.75);
    close(result.metrics.f1_macro as number, expected.f1_macro);
    const byIndex = { label: 'y', rows: xs.map(([a, b, c], i) => ({ a, b, c, y: truth[i] })) };
    const again = await evaluateVersion(store, version({ runId, signature }), { holdout: byIndex });
    assert.deepEqual(again.metrics, result.metrics);
  });
});
