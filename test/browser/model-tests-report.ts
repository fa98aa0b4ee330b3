/**
 * A real model test report for the card panel's browser test: a small classifier trained on
 * the penguins data (the notebook's preprocessing) and tested with core/modeltest on its
 * holdout set, fairness by Sex and Island, then summarised by the card builder's cardTests.
 */
import * as tf from '@tensorflow/tfjs';
import { cardTests } from '../../core/registry/card';
import type { ModelCardTests } from '../../core/registry/types';
import {
  crossValidate,
  testModel,
  type ModelSpec,
  type TestData,
  type ModelTestReport,
} from '../../core/modeltest';
import { penguinsData } from '../support/penguins-data';

function train(rows: TestData['rows'], features: string[], species: string[], epochs: number) {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [features.length],
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
      }),
      tf.layers.dense({
        units: species.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d(rows.map((r) => features.map((f) => r[f] as number)));
  const y = tf.tensor2d(rows.map((r) => species.map((s) => (r.Species === s ? 1 : 0))));
  return model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 }).then(() => {
    x.dispose();
    y.dispose();
    return model;
  });
}

export async function penguinsTestReport(): Promise<{
  report: ModelTestReport;
  tests: ModelCardTests;
}> {
  await tf.setBackend('cpu');
  const data = penguinsData();
  const spec: ModelSpec = {
    features: [...data.features],
    task: 'classification',
    labels: data.species,
  };
  const trainRows = data.X.slice(0, data.nTrain).map((x, i) => ({
    ...Object.fromEntries(data.features.map((f, j) => [f, x[j]])),
    Species: data.species[data.y[i].indexOf(1)],
  }));
  const model = await train(trainRows, spec.features, spec.labels, 40);
  const holdout: TestData = { rows: data.holdout.rows, label: 'Species' };
  const crossValidation = await crossValidate(
    tf,
    spec,
    (fold) => train(fold.rows, spec.features, spec.labels, 20),
    { rows: trainRows, label: 'Species' },
    { k: 3 },
  );
  const report = await testModel(tf, model, spec, holdout, {
    sensitive: ['Sex', 'Island'],
    tests: ['robustness', 'fairness', 'importance', 'mutation'],
    seed: 1,
    repeats: 3,
    mutants: 6,
    crossValidation,
    model: 'penguins-classifier/3',
  });
  model.dispose();
  return { report, tests: cardTests(report) };
}
