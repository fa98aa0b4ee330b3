/**
 * Model tests' "done when" on the penguins notebook's data: two versions trained as
 * examples/penguins.ipynb trains them (a good one and a barely trained one), each tested
 * with lab.testModel on its holdout set with fairness by Sex and Island; a gate on the
 * stored reports lets the good version into Production and refuses the weak one, naming
 * the failing tests with their numbers; the model card shows the report; the CLI exits 1.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModelCard, modelCardMarkdown } from '../../core/registry/card';
import { gatesPath } from '../../core/registry/gates';
import { Registry } from '../../core/registry/registry';
import { RegistryError } from '../../core/registry/types';
import { loadVersionTests, reportMetrics, type ModelTestReport } from '../../core/modeltest';
import { storeName, type OpenStore } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { installDisplaySink } from '../../kernel/sdk/display';
import { testModelCommand } from '../../cli/test-model';
import { forEachBackendShared } from '../support/backends';
import { penguinsData } from '../support/penguins-data';

const NAME = 'penguins-tested';

forEachBackendShared('model tests on the penguins notebook', (backend) => {
  let store: OpenStore;
  let cwd: string;
  let registry: Registry;
  let data: ReturnType<typeof penguinsData>;
  let xTrain: tf.Tensor2D;
  let yTrain: tf.Tensor2D;
  const shown: Record<string, unknown>[] = [];

  async function trainAndLog(config: { units: number; learningRate: number; epochs: number }) {
    const seed = 7;
    return lab.withRun({ experiment: 'penguins', store, params: config }, async (run) => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [4],
            units: config.units,
            activation: 'relu',
            kernelInitializer: tf.initializers.glorotUniform({ seed }),
          }),
          tf.layers.dense({
            units: 3,
            activation: 'softmax',
            kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
          }),
        ],
      });
      model.compile({
        optimizer: tf.train.adam(config.learningRate),
        loss: 'categoricalCrossentropy',
      });
      await model.fit(xTrain, yTrain, {
        epochs: config.epochs,
        batchSize: 32,
        shuffle: false,
        verbose: 0,
      });
      const version = await run.logModel(model, {
        name: NAME,
        signature: { featureNames: [...data.features], labels: data.species },
        holdout: data.holdout,
      });
      model.dispose();
      return version;
    });
  }

  before(async function () {
    this.timeout(120_000);
    await tf.setBackend('cpu');
    cwd = process.cwd();
    process.chdir(backend().dir);
    store = backend().openSync();
    registry = new Registry(store, { who: () => 'release-bot' });
    data = penguinsData();
    xTrain = tf.tensor2d(data.X.slice(0, data.nTrain));
    yTrain = tf.tensor2d(data.y.slice(0, data.nTrain));
    installDisplaySink((bundle) => shown.push(bundle));
  });
  after(() => {
    installDisplaySink(undefined);
    xTrain?.dispose();
    yTrain?.dispose();
    process.chdir(cwd);
  });

  let good: ModelTestReport;
  let weak: ModelTestReport;

  it('lab.testModel reports fairness by Sex and Island, robustness, importance, explanations and mutants, drawn inline and stored with the version', async function () {
    this.timeout(120_000);
    await trainAndLog({ units: 16, learningRate: 0.05, epochs: 20 });
    await trainAndLog({ units: 2, learningRate: 0.0001, epochs: 1 });
    const options = { label: 'Species', sensitive: ['Sex', 'Island'], store, seed: 1 };
    good = await lab.testModel(`${NAME}/1`, data.holdout.rows, options);
    weak = await lab.testModel(`${NAME}/2`, data.holdout.rows, options);

    assert.equal(good.rows, data.holdout.rows.length);
    assert.ok(good.quality.value >= 0.9, `good model accuracy ${good.quality.value}`);
    assert.ok(weak.quality.value < 0.8, `weak model accuracy ${weak.quality.value}`);
    const [sex, island] = good.fairness?.columns ?? [];
    assert.equal(sex.column, 'Sex');
    assert.equal(island.column, 'Island');
    assert.equal(sex.classes.length, 3, 'one-vs-rest over the three species');
    const sexGroups = sex.classes[0].groups;
    assert.equal(
      sexGroups.reduce((s, g) => s + g.count, 0),
      data.holdout.rows.length,
    );
    assert.deepEqual(
      island.classes[0].groups.map((g) => g.group),
      ['Biscoe', 'Dream', 'Torgersen'],
    );
    // Islands hold different species, so selection rates differ by island: parity is far from 1.
    assert.ok(island.demographic_parity_ratio < 0.8 && island.four_fifths_violated);

    // Noise and FGSM hurt more as they grow (allowing one row of sampling noise).
    const slack = 1 / good.rows + 1e-9;
    const noise = good.robustness!.noise.map((p) => p.value);
    assert.ok(noise[3] <= noise[0] + slack, noise.join(', '));
    const fgsm = good.robustness!.fgsm.map((p) => p.value);
    for (let i = 1; i < fgsm.length; i++)
      assert.ok(fgsm[i] <= fgsm[i - 1] + slack, fgsm.join(', '));
    assert.ok(fgsm[fgsm.length - 1] < good.quality.value, fgsm.join(', '));
    assert.ok(
      good.explanations!.every((e) => e.complete),
      JSON.stringify(good.explanations!.map((e) => e.completenessGap)),
    );
    assert.ok(good.importance!.features.some((f) => f.mean > 0.05));
    assert.ok(good.mutation!.mutants.length >= 20 && good.mutation!.score > 0);

    // Drawn inline: the HTML tables (a fairness table per column) and the charts.
    const html = shown.map((b) => b['text/html']).filter((h): h is string => typeof h === 'string');
    assert.ok(
      html.some((h) => h.includes('<h3>By Sex') && h.includes('<h3>By Island')),
      'fairness tables',
    );
    assert.ok(shown.some((b) => 'application/vnd.vegalite.v5+json' in b));

    // Stored with each version, and read back the same.
    const stored = loadVersionTests(store, registry.requireVersion(NAME, 1));
    assert.deepEqual(reportMetrics(stored!), JSON.parse(JSON.stringify(reportMetrics(good))));
  });

  it('a gate on tests.* lets the good version through and refuses the weak one with the failing tests and their numbers', async () => {
    const gatesFile = gatesPath(storeName(backend().location), NAME);
    mkdirSync(dirname(gatesFile), { recursive: true });
    const gates = [
      'tests.quality.accuracy >= 0.9',
      'tests.robustness.noise_0.1.accuracy >= 0.85',
      'tests.fairness.Sex.demographic_parity_ratio >= 0.5',
    ];
    writeFileSync(gatesFile, JSON.stringify({ production: { metrics: gates } }));
    const first = await registry.promote({
      name: NAME,
      version: 1,
      to: 'Production',
      reason: 'tested',
    });
    assert.ok(
      first.gates.length === 3 && first.gates.every((g) => g.passed),
      JSON.stringify(first.gates),
    );

    const refused = await registry
      .promote({ name: NAME, version: 2, to: 'Production', reason: 'try it' })
      .then(
        () => undefined,
        (error: unknown) => error as RegistryError,
      );
    assert.ok(refused instanceof RegistryError, 'the weak version must be refused');
    assert.equal(refused.code, 'GATES_FAILED');
    const noise = reportMetrics(weak)['tests.robustness.noise_0.1.accuracy'];
    const failing = (refused.gates ?? []).filter((g) => !g.passed);
    assert.ok(
      failing.some(
        (g) =>
          g.gate === 'tests.robustness.noise_0.1.accuracy >= 0.85' &&
          Math.abs((g.actual ?? NaN) - noise) < 1e-12,
      ),
    );
    assert.ok(
      refused.message.includes(
        `tests.robustness.noise_0.1.accuracy is ${String(Number(noise.toPrecision(6)))}; needs >= 0.85`,
      ),
      refused.message,
    );
    assert.match(
      refused.message,
      /tests\.quality\.accuracy is [\d.]+; needs >= 0\.9 \(model test report of penguins-tested v2: \d+ rows/,
    );
    assert.equal(registry.requireVersion(NAME, 2).stage, 'None');

    // A version without a report cannot pass a tests.* gate.
    await trainAndLog({ units: 16, learningRate: 0.05, epochs: 20 });
    await assert.rejects(
      registry.promote({ name: NAME, version: 3, to: 'Production' }),
      /penguins-tested v3 has no model test report, so tests\.quality\.accuracy cannot be judged/,
    );
  });

  it('the model card has a Model Tests section with the fairness tables', async () => {
    const card = await buildModelCard(store, registry, NAME, 1);
    assert.equal(card.tests?.fairness.map((f) => f.column).join(), 'Sex,Island');
    const md = modelCardMarkdown(card);
    assert.match(md, /## Model Tests/);
    assert.match(md, /### Fairness by Sex/);
    assert.match(md, /### Fairness by Island[\s\S]*\| Biscoe \|/);
    assert.ok(card.caveats.some((c) => c.includes('four-fifths rule')));
    const none = modelCardMarkdown(await buildModelCard(store, registry, NAME, 3));
    assert.match(none, /No model test report is stored with this version/);
  });

  it('labbook test-model exits 1 on the weak version (its tests.* gates fail) and 0 on the good one', async function () {
    if (backend().name !== 'sqlite') this.skip(); // the CLI opens a store file
    this.timeout(60_000);
    const file = join(backend().dir, 'holdout.json');
    writeFileSync(file, JSON.stringify(data.holdout.rows));
    const out: string[] = [];
    const store = storeName(backend().location);
    const opts = { data: file, label: 'Species', sensitive: ['Sex'], tests: 'robustness,fairness' };
    assert.equal(await testModelCommand(store, `${NAME}/2`, opts, (t) => out.push(t)), 1);
    assert.match(
      out.join(''),
      /FAIL {2}tests\.robustness\.noise_0\.1\.accuracy is [\d.]+; needs >= 0\.85/,
    );
    assert.match(out.join(''), /fairness by Sex: parity ratio/);
    assert.equal(
      await testModelCommand(store, `${NAME}/1`, { ...opts, json: true }, (t) => out.push(t)),
      0,
    );
    const json = JSON.parse(out[out.length - 1]) as ModelTestReport;
    assert.equal(json.model, `${NAME}/1`);
    assert.ok(json.thresholds?.every((t) => t.passed));
  });
});
