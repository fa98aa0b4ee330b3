/**
 * The model registry's "done when", end to end on the penguins data: two versions trained
 * with tfjs as examples/penguins.ipynb trains them and logged through the SDK with their
 * holdout sets; the better one promoted through the gates to Production; the worse one
 * refused with its failing gates and their numbers; a second good version archiving the
 * previous Production; the recorded history; `lab.loadModel("…@production")`.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluateVersion } from '../../core/registry/evaluate';
import { fmt, gatesPath } from '../../core/registry/gates';
import { Registry } from '../../core/registry/registry';
import { RegistryError, type GateResult, type ModelVersion } from '../../core/registry/types';
import { storeName, type OpenStore } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { forEachBackendShared } from '../support/backends';
import { penguinsData } from '../support/penguins-data';

const NAME = 'penguins-classifier';

forEachBackendShared('model registry on the penguins notebook', (backend) => {
  let dbPath: string;
  let store: OpenStore;
  let cwd: string;
  let registry: Registry;
  let data: ReturnType<typeof penguinsData>;
  let xTrain: tf.Tensor2D;
  let yTrain: tf.Tensor2D;
  let xTest: tf.Tensor2D;
  let yTest: tf.Tensor2D;
  const models: tf.LayersModel[] = [];

  /** One notebook run: train a config, log test accuracy and the model (with holdout) as a new version. */
  async function trainAndLog(
    config: { units: number; learningRate: number; epochs: number },
    description: string,
  ) {
    const seed = 7;
    return lab.withRun(
      { experiment: 'penguins', store, params: { ...config, seed } },
      async (run) => {
        const model = tf.sequential({
          layers: [
            tf.layers.dense({
              inputShape: [data.features.length],
              units: config.units,
              activation: 'relu',
              kernelInitializer: tf.initializers.glorotUniform({ seed }),
            }),
            tf.layers.dense({
              units: data.species.length,
              activation: 'softmax',
              kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
            }),
          ],
        });
        model.compile({
          optimizer: tf.train.adam(config.learningRate),
          loss: 'categoricalCrossentropy',
          metrics: ['accuracy'],
        });
        await model.fit(xTrain, yTrain, {
          epochs: config.epochs,
          batchSize: 32,
          validationSplit: 0.2,
          shuffle: false,
          verbose: 0,
          callbacks: run.tfCallback(),
        });
        const [, accuracy] = model.evaluate(xTest, yTest) as tf.Scalar[];
        const testAccuracy = (await accuracy.data())[0];
        run.logMetric('test_accuracy', testAccuracy);
        const version = await run.logModel(model, {
          name: NAME,
          signature: { featureNames: [...data.features], labels: data.species },
          holdout: data.holdout,
          description,
        });
        models.push(model);
        return { version, testAccuracy, runId: run.id };
      },
    );
  }

  before(async function () {
    this.timeout(120_000);
    await tf.setBackend('cpu');
    // Gates files live beside a SQLite store, and in the working folder's .labbook/ for a
    // server: the test works in its own folder, as a user works in their project.
    cwd = process.cwd();
    process.chdir(backend().dir);
    dbPath = storeName(backend().location);
    store = backend().openSync();
    registry = new Registry(store, { who: () => 'release-bot' });
    data = penguinsData();
    xTrain = tf.tensor2d(data.X.slice(0, data.nTrain));
    yTrain = tf.tensor2d(data.y.slice(0, data.nTrain));
    xTest = tf.tensor2d(data.X.slice(data.nTrain));
    yTest = tf.tensor2d(data.y.slice(data.nTrain));
  });
  after(() => {
    for (const t of [xTrain, yTrain, xTest, yTest, ...models]) t?.dispose();
    process.chdir(cwd);
  });

  let good: { version: ModelVersion; testAccuracy: number; runId: string };
  let weak: { version: ModelVersion; testAccuracy: number; runId: string };

  it('logs two versions with signature, holdout and artifacts through run.logModel', async () => {
    good = await trainAndLog({ units: 16, learningRate: 0.05, epochs: 20 }, 'dense 16, adam 0.05');
    weak = await trainAndLog(
      { units: 2, learningRate: 0.0001, epochs: 1 },
      'under-trained on purpose',
    );
    assert.ok(good.testAccuracy >= 0.9, `good model: ${good.testAccuracy}`);
    assert.ok(weak.testAccuracy < 0.8, `weak model: ${weak.testAccuracy}`);

    assert.deepEqual([good.version.version, weak.version.version], [1, 2]);
    const v1 = registry.requireVersion(NAME, 1);
    assert.equal(v1.stage, 'None');
    assert.equal(v1.runId, good.runId);
    assert.equal(v1.artifactPath, 'model/');
    assert.equal(v1.description, 'dense 16, adam 0.05');
    assert.ok(v1.createdBy.length > 0);
    assert.deepEqual(v1.signature, {
      features: data.features.map((name) => ({ name, dtype: 'float32' })),
      inputShape: [null, 4],
      outputShape: [null, 3],
      task: 'classification',
      labels: ['Adelie', 'Chinstrap', 'Gentoo'],
    });
    assert.equal(v1.holdout?.rows, data.holdout.rows.length);
    assert.equal(v1.holdout?.label, 'Species');
    assert.deepEqual(v1.holdout?.columns, [...data.features, 'Island', 'Sex', 'Species']);
    assert.deepEqual(
      store
        .listArtifacts(good.runId)
        .map((a) => a.name)
        .filter((n) => n.startsWith('model/'))
        .sort(),
      ['model/holdout.json', 'model/model.json', 'model/weights.bin'],
    );
    assert.equal(store.getTags(good.runId)['labbook.model'], `${NAME}/1`);
    assert.equal(store.getTags(weak.runId)['labbook.model'], `${NAME}/2`);

    // The holdout evaluation agrees with tfjs' own accuracy on the same rows, and slices by island.
    const evaluation = await evaluateVersion(store, v1, { sliceColumn: 'Island' });
    assert.equal(evaluation.rows, data.holdout.rows.length);
    assert.ok(
      Math.abs((evaluation.metrics.accuracy as number) - good.testAccuracy) < 1e-6,
      `${evaluation.metrics.accuracy} vs ${good.testAccuracy}`,
    );
    assert.deepEqual(
      evaluation.slices?.groups.map((g) => g.value),
      ['Biscoe', 'Dream', 'Torgersen'],
    );
    assert.equal(
      evaluation.slices?.groups.reduce((n, g) => n + g.rows, 0),
      data.holdout.rows.length,
    );
  });

  it('promotes the good version through the gates, refuses the weak one with its failing gates, archives on the next promotion', async () => {
    const gatesFile = gatesPath(dbPath, NAME);
    mkdirSync(dirname(gatesFile), { recursive: true });
    writeFileSync(
      gatesFile,
      JSON.stringify(
        {
          production: {
            metrics: ['metrics.test_accuracy >= 0.8'],
            notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 },
          },
        },
        null,
        2,
      ),
    );

    const first = await registry.promote({
      name: NAME,
      version: 1,
      to: 'production',
      reason: 'best of the first sweep',
    });
    assert.equal(first.archived, null);
    assert.ok(
      first.gates.length >= 1 && first.gates.every((g) => g.passed),
      JSON.stringify(first.gates),
    );
    assert.equal(registry.requireVersion(NAME, 1).stage, 'Production');

    let refused: RegistryError | undefined;
    try {
      await registry.promote({
        name: NAME,
        version: 2,
        to: 'Production',
        reason: 'try the small one',
      });
    } catch (error) {
      refused = error as RegistryError;
    }
    assert.ok(refused instanceof RegistryError, 'the weak version must be refused');
    assert.equal(refused.code, 'GATES_FAILED');
    const failing = (refused.gates ?? []).filter((g) => !g.passed);
    assert.equal(failing.length, 2, refused.message);
    const threshold = failing.find((g) => g.gate.includes('test_accuracy')) as GateResult;
    assert.ok(Math.abs((threshold.actual as number) - weak.testAccuracy) < 1e-6);
    const notWorse = failing.find((g) => g.gate.includes('not worse')) as GateResult;
    assert.ok(notWorse, refused.message);
    assert.ok((notWorse.actual as number) < good.testAccuracy - 0.01);
    // The message names each failing gate with its numbers.
    assert.match(refused.message, /refused/);
    assert.match(refused.message, /test_accuracy/);
    assert.ok(
      refused.message.includes(`metrics.test_accuracy is ${fmt(weak.testAccuracy)}; needs >= 0.8`),
      refused.message,
    );
    const v1Accuracy = (await evaluateVersion(store, registry.requireVersion(NAME, 1))).metrics
      .accuracy as number;
    assert.ok(refused.message.includes(`Production v1's ${fmt(v1Accuracy)}`), refused.message);
    assert.ok(refused.message.includes(`needs >= ${fmt(v1Accuracy - 0.01)}`), refused.message);
    assert.equal(registry.requireVersion(NAME, 2).stage, 'None');
    assert.equal(registry.requireVersion(NAME, 1).stage, 'Production');

    // A second good version (the good config, trained longer) replaces v1, which is archived.
    const better = await trainAndLog(
      { units: 16, learningRate: 0.05, epochs: 30 },
      'dense 16, adam 0.05, 30 epochs',
    );
    assert.equal(better.version.version, 3);
    const second = await registry.promote({
      name: NAME,
      version: 3,
      to: 'Production',
      reason: 'retrained on more epochs',
      by: 'alice',
    });
    assert.ok(
      second.gates.every((g) => g.passed),
      JSON.stringify(second.gates),
    );
    assert.equal(second.archived, 1);
    assert.deepEqual(
      registry.listVersions(NAME).map((v) => [v.version, v.stage]),
      [
        [3, 'Production'],
        [2, 'None'],
        [1, 'Archived'],
      ],
    );
    assert.equal(registry.getModel(NAME)?.production, 3);

    // The history, oldest first: registrations, v1 to Production with its gates, v1 archived and v3 promoted together.
    const history = registry.history(NAME).slice().reverse();
    const summary = history.map((t) => [t.version, t.kind, t.from, t.to, t.by, t.reason, t.forced]);
    assert.deepEqual(
      summary.map(([v, kind, from, to]) => [v, kind, from, to]),
      [
        [1, 'registered', null, 'None'],
        [2, 'registered', null, 'None'],
        [1, 'stage', 'None', 'Production'],
        [3, 'registered', null, 'None'],
        [1, 'stage', 'Production', 'Archived'],
        [3, 'stage', 'None', 'Production'],
      ],
    );
    const [, , toProd1, , archived1, toProd3] = history;
    assert.equal(toProd1.by, 'release-bot');
    assert.equal(toProd1.reason, 'best of the first sweep');
    assert.equal(toProd1.forced, false);
    assert.ok(
      toProd1.gates &&
        toProd1.gates.length === first.gates.length &&
        toProd1.gates.every((g) => g.passed),
    );
    assert.equal(archived1.by, 'alice');
    assert.match(archived1.reason ?? '', /replaced by v3/);
    assert.equal(archived1.gates, null);
    assert.equal(toProd3.by, 'alice');
    assert.equal(toProd3.reason, 'retrained on more epochs');
    assert.deepEqual(toProd3.gates, second.gates);
    assert.ok(toProd3.gates?.some((g) => g.gate.includes('not worse') && g.passed));
    assert.equal(archived1.at, toProd3.at, 'archive and promotion happen in one transaction');
    assert.ok(history.every((t) => Number.isFinite(t.at) && t.at > 0));
  });

  it('loads the Production version with lab.loadModel and predicts as the saved model does', async () => {
    const loaded = await lab.loadModel(`${NAME}@production`, { store });
    const byNumber = await lab.loadModel(`${NAME}/1`, { store: dbPath });
    try {
      const rows = tf.tensor2d(data.X.slice(data.nTrain, data.nTrain + 5));
      const expected = await (models[2].predict(rows) as tf.Tensor).array();
      assert.deepEqual(await (loaded.predict(rows) as tf.Tensor).array(), expected);
      assert.deepEqual(
        await (byNumber.predict(rows) as tf.Tensor).array(),
        await (models[0].predict(rows) as tf.Tensor).array(),
      );
      rows.dispose();
    } finally {
      loaded.dispose();
      byNumber.dispose();
    }
    await assert.rejects(lab.loadModel(`${NAME}@staging`, { store }), /has no version in Staging/);
    await assert.rejects(
      lab.loadModel('nope@production', { store }),
      /no registered model named "nope"/,
    );
  });

  it('checks what logModel is given before writing anything', async () => {
    await lab.withRun({ experiment: 'penguins', store, name: 'bad-inputs' }, async (run) => {
      await assert.rejects(
        run.logModel({ save: async () => ({}) }, { name: NAME }),
        /expected a tfjs LayersModel/,
      );
      await assert.rejects(
        run.logModel(models[0], { name: NAME, signature: { featureNames: ['a', 'b'] } }),
        /featureNames has 2 names \(a, b\) but the model takes 4 input features/,
      );
      await assert.rejects(
        run.logModel(models[0], {
          name: NAME,
          holdout: { label: 'Species', rows: [{ Species: 'Adelie' }] },
        }),
        /feature "x0" must be a finite number/,
      );
      await assert.rejects(run.logModel(models[0], { name: 'a/b' }), /contains "\/"/);
      assert.deepEqual(
        store.listArtifacts(run.id).filter((a) => a.name.startsWith('model/')),
        [],
      );
    });
    assert.equal(registry.getModel(NAME)?.latestVersion, 3);
  });
});
