/**
 * core/modeltest against reference values computed once with NumPy and scikit-learn 1.2.1
 * (test/fixtures/modeltest/make_reference.py): a logistic regression on the penguins
 * measurements rebuilt in tfjs from its coefficients; fairness per Fairlearn's definitions;
 * permutation importance with scikit-learn's own row orders; KFold / StratifiedKFold folds.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  argmaxRows,
  classFairness,
  columnFairness,
  encode,
  groupKey,
  kFold,
  permutationImportance,
  predictMatrix,
  stratifiedKFold,
  type ModelSpec,
  type Row,
} from '../../core/modeltest';

interface Fixture {
  features: string[];
  species: string[];
  rows: Row[];
  coef: number[][];
  intercept: number[];
  predictions: number[];
  accuracy: number;
  fairness: {
    column: string;
    positive: string;
    groups: {
      group: string;
      count: number;
      selection_rate: number;
      accuracy: number;
      tpr: number | null;
      fpr: number | null;
    }[];
    demographic_parity_difference: number;
    demographic_parity_ratio: number;
    equalized_odds_difference: number;
  }[];
  permutation_importance: {
    permutations: number[][];
    mean: number[];
    std: number[];
    importances: number[][];
  };
  folds: Record<string, number[][]>;
}

const root = path.join(__dirname, '..', '..', '..');
const fixture = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'modeltest', 'reference.json'), 'utf8'),
) as Fixture;

/** The fixture's logistic regression as a one-layer tfjs softmax model. */
export function referenceModel(f: Fixture = fixture): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })],
  });
  const kernel = tf.tensor2d(f.coef).transpose();
  const bias = tf.tensor1d(f.intercept);
  model.setWeights([kernel, bias]);
  kernel.dispose();
  bias.dispose();
  return model;
}

const close = (a: number, b: number, what: string, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs reference ${b}`);

describe('model tests against scikit-learn / NumPy reference values', () => {
  const spec: ModelSpec = {
    features: fixture.features,
    task: 'classification',
    labels: fixture.species,
  };
  let model: tf.Sequential;
  before(async () => {
    await tf.setBackend('cpu');
    model = referenceModel();
  });
  after(() => model.dispose());

  it('the tfjs rebuild predicts what scikit-learn predicts, row by row', async () => {
    const enc = encode({ rows: fixture.rows, label: 'Species' }, spec);
    const p = await predictMatrix(tf, model, enc.x, enc.n, enc.d);
    assert.deepEqual(Array.from(argmaxRows(p.out, enc.n, p.width)), fixture.predictions);
  });

  it('fairness by Sex and Island, each class as the positive one, matches the NumPy computation of the Fairlearn definitions', () => {
    const truth = fixture.rows.map((r) => fixture.species.indexOf(r.Species as string));
    assert.equal(fixture.fairness.length, 6);
    for (const ref of fixture.fairness) {
      const groups = fixture.rows.map((r) => groupKey(r[ref.column]));
      const k = fixture.species.indexOf(ref.positive);
      const got = classFairness(truth, fixture.predictions, groups, k, ref.positive);
      const what = `${ref.column}, positive ${ref.positive}`;
      assert.deepEqual(
        got.groups.map((g) => [g.group, g.count]),
        ref.groups.map((g) => [g.group, g.count]),
        what,
      );
      got.groups.forEach((g, i) => {
        const r = ref.groups[i];
        close(g.selection_rate, r.selection_rate, `${what} ${g.group} selection rate`);
        close(g.accuracy, r.accuracy, `${what} ${g.group} accuracy`);
        if (r.tpr === null) assert.ok(Number.isNaN(g.tpr), `${what} ${g.group} tpr undefined`);
        else close(g.tpr, r.tpr, `${what} ${g.group} tpr`);
        if (r.fpr === null) assert.ok(Number.isNaN(g.fpr));
        else close(g.fpr, r.fpr, `${what} ${g.group} fpr`);
      });
      close(got.demographic_parity_difference, ref.demographic_parity_difference, `${what} dpd`);
      close(got.demographic_parity_ratio, ref.demographic_parity_ratio, `${what} dpr`);
      close(got.equalized_odds_difference, ref.equalized_odds_difference, `${what} eod`);
      assert.equal(got.four_fifths_violated, ref.demographic_parity_ratio < 0.8);
    }
    // The column summary is the worst class; Sex has a "(missing)" group for the rows without it.
    const sex = columnFairness(
      'Sex',
      truth,
      fixture.predictions,
      fixture.rows.map((r) => groupKey(r.Sex)),
      fixture.species,
    );
    const refs = fixture.fairness.filter((f) => f.column === 'Sex');
    close(
      sex.demographic_parity_ratio,
      Math.min(...refs.map((r) => r.demographic_parity_ratio)),
      'worst ratio',
    );
    close(
      sex.equalized_odds_difference,
      Math.max(...refs.map((r) => r.equalized_odds_difference)),
      'worst eod',
    );
    assert.ok(sex.classes[0].groups.some((g) => g.group === '(missing)'));
  });

  it('permutation importance with scikit-learn’s row orders gives scikit-learn’s importances', async () => {
    const ref = fixture.permutation_importance;
    const enc = encode({ rows: fixture.rows, label: 'Species' }, spec);
    const got = await permutationImportance(tf, model, spec, enc, {
      permutations: ref.permutations,
    });
    close(got.baseline, fixture.accuracy, 'baseline accuracy');
    got.features.forEach((f, j) => {
      f.repeats.forEach((v, r) => close(v, ref.importances[j][r], `${f.feature} repeat ${r}`));
      close(f.mean, ref.mean[j], `${f.feature} mean`);
      close(f.std, ref.std[j], `${f.feature} std`);
    });
    // The two unused features of the model get exactly 0; the two it uses do not.
    assert.deepEqual(
      got.features.map((f) => f.mean > 0),
      [false, true, false, true],
    );
  });

  it('KFold and StratifiedKFold folds (no shuffle) are scikit-learn’s', () => {
    const n = fixture.rows.length;
    const tests = (folds: { test: number[] }[]) => folds.map((f) => f.test);
    assert.deepEqual(tests(kFold(n, 5)), fixture.folds.kfold_5);
    assert.deepEqual(tests(kFold(n, 7)), fixture.folds.kfold_7);
    assert.deepEqual(
      tests(
        stratifiedKFold(
          fixture.rows.map((r) => r.Species),
          5,
        ),
      ),
      fixture.folds.stratified_5,
    );
    assert.deepEqual(
      tests(
        stratifiedKFold(
          fixture.rows.map((r) => r.Island),
          4,
        ),
      ),
      fixture.folds.stratified_4_island,
    );
    for (const f of kFold(n, 5)) assert.equal(f.train.length + f.test.length, n);
    assert.throws(() => kFold(3, 5), /k = 5 folds need at least 5 rows/);
    assert.throws(() => kFold(10, 3, [0, 1, 1, 3, 4, 5, 6, 7, 8, 9]), /not a permutation/);
  });
});
