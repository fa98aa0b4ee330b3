/**
 * core/modeltest on tiny tfjs models whose answers can be worked out by hand: a 2-input
 * logistic unit σ(2·x0 − x1 + 0.5) and a linear regressor; FGSM and integrated gradients
 * by their closed forms and properties; mutants, robustness, the report and its thresholds.
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import {
  encode,
  featureStats,
  integratedGradients,
  judgeThresholds,
  lossGradientSigns,
  ModelTestError,
  mutationAdequacy,
  parseReport,
  parseTestCondition,
  predictMatrix,
  reportJson,
  reportMetrics,
  robustness,
  testModel,
  crossValidate,
  type ModelSpec,
  type Row,
  type TestData,
} from '../../core/modeltest';

const W = [2, -1];
const B = 0.5;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function unit(activation: 'sigmoid' | 'linear'): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 1, activation })],
  });
  const k = tf.tensor2d([[W[0]], [W[1]]]);
  const b = tf.tensor1d([B]);
  model.setWeights([k, b]);
  k.dispose();
  b.dispose();
  return model;
}

const logisticSpec: ModelSpec = {
  features: ['a', 'b'],
  task: 'classification',
  labels: ['no', 'yes'],
};

/** Rows on both sides of the boundary 2a − b + 0.5 = 0, labelled by it (so the model is right on all). */
function logisticData(n = 40): TestData {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const a = ((i * 37) % 23) / 11 - 1;
    const b = ((i * 53) % 29) / 7 - 2;
    rows.push({ a, b, y: 2 * a - b + B >= 0 ? 'yes' : 'no', group: i % 3 === 0 ? 'g1' : 'g2' });
  }
  return { rows, label: 'y' };
}

describe('model tests on tiny hand-checked models', () => {
  let logistic: tf.Sequential;
  let linear: tf.Sequential;
  before(async () => {
    await tf.setBackend('cpu');
    logistic = unit('sigmoid');
    linear = unit('linear');
  });
  after(() => {
    logistic.dispose();
    linear.dispose();
  });

  it('integrated gradients: exact (x − x′)·w on a linear model, the closed form on a logistic unit, and complete', () => {
    const regSpec: ModelSpec = { features: ['a', 'b'], task: 'regression', labels: [] };
    const lin = integratedGradients(tf, linear, regSpec, [1.5, 0.5], { baseline: [0, 0] });
    assert.ok(
      Math.abs(lin.attributions[0] - 3) < 1e-5 && Math.abs(lin.attributions[1] + 0.5) < 1e-5,
      String(lin.attributions),
    );
    assert.equal(lin.target, 'value');

    // σ(z(α)) along the straight path: dz/dα = w·(x − x′), so IG_j = (x_j − x′_j)·w_j·(σ(z1) − σ(z0)) / (z1 − z0).
    const x = [1.5, 0.5];
    const base = [-0.5, 1];
    const z1 = W[0] * x[0] + W[1] * x[1] + B;
    const z0 = W[0] * base[0] + W[1] * base[1] + B;
    const ratio = (sigmoid(z1) - sigmoid(z0)) / (z1 - z0);
    const e = integratedGradients(tf, logistic, logisticSpec, x, { baseline: base, steps: 200 });
    assert.equal(e.target, 'yes');
    e.attributions.forEach((v, j) => {
      const want = (x[j] - base[j]) * W[j] * ratio;
      assert.ok(Math.abs(v - want) < 1e-4, `feature ${j}: ${v} vs ${want}`);
    });
    assert.ok(Math.abs(e.output - sigmoid(z1)) < 1e-6);
    assert.ok(Math.abs(e.baselineOutput - sigmoid(z0)) < 1e-6);
    assert.ok(e.complete && e.completenessGap < 1e-4, `gap ${e.completenessGap}`);
    // Explaining the other class of a single sigmoid: the attributions change sign.
    const no = integratedGradients(tf, logistic, logisticSpec, x, {
      baseline: base,
      steps: 200,
      target: 'no',
    });
    no.attributions.forEach((v, j) => assert.ok(Math.abs(v + e.attributions[j]) < 1e-5));
    // Few steps: the gap is measured, not assumed.
    const coarse = integratedGradients(tf, logistic, logisticSpec, [4, -3], {
      baseline: [-3, 3],
      steps: 2,
    });
    assert.ok(
      coarse.completenessGap > 1e-3,
      `a 2-step path should miss: ${coarse.completenessGap}`,
    );
    assert.throws(
      () => integratedGradients(tf, logistic, logisticSpec, [1]),
      /takes 2 features \(a, b\)/,
    );
    assert.throws(
      () => integratedGradients(tf, logistic, logisticSpec, [1, 2], { target: 'maybe' }),
      /target "maybe"/,
    );
  });

  it('FGSM: the gradient sign is sign((σ(z) − y)·w), and accuracy falls as ε grows', async () => {
    const data = logisticData();
    const enc = encode(data, logisticSpec);
    const signs = await lossGradientSigns(tf, logistic, logisticSpec, enc);
    for (let i = 0; i < enc.n; i++) {
      const [a, b] = [enc.x[2 * i], enc.x[2 * i + 1]];
      const r = sigmoid(W[0] * a + W[1] * b + B) - enc.y[i];
      for (let j = 0; j < 2; j++)
        assert.equal(signs[2 * i + j], Math.sign(r * W[j]), `row ${i} feature ${j}`);
    }
    const stats = featureStats(enc);
    const result = await robustness(tf, logistic, logisticSpec, enc, stats, {
      epsilons: [0, 0.05, 0.2, 0.5, 1],
    });
    assert.equal(result.clean, 1);
    const acc = result.fgsm.map((p) => p.value);
    assert.equal(acc[0], 1);
    for (let i = 1; i < acc.length; i++)
      assert.ok(acc[i] <= acc[i - 1], `accuracy ${acc.join(', ')} must not rise with ε`);
    assert.ok(acc[acc.length - 1] < 0.5, `ε = 1 std should break most rows: ${acc.join(', ')}`);
    // By hand: a row flips when its margin |z| is below ε·(|w0|·std0 + |w1|·std1).
    const push = 0.2 * (Math.abs(W[0]) * stats.std[0] + Math.abs(W[1]) * stats.std[1]);
    let kept = 0;
    for (let i = 0; i < enc.n; i++) {
      const z = W[0] * enc.x[2 * i] + W[1] * enc.x[2 * i + 1] + B;
      if (Math.abs(z) > push + 1e-6) kept += 1;
    }
    assert.ok(
      Math.abs(acc[2] - kept / enc.n) <= 1 / enc.n + 1e-9,
      `ε = 0.2: ${acc[2]} vs ${kept / enc.n}`,
    );
  });

  it('robustness: missing a feature the model ignores changes nothing; noise 0 changes nothing; flips on a 0/1 feature', async () => {
    // A model that ignores its second input (weight 0), and a 0/1 second feature.
    const model = unit('sigmoid');
    const k = tf.tensor2d([[2], [0]]);
    const b = tf.tensor1d([0]);
    model.setWeights([k, b]);
    const rows: Row[] = Array.from({ length: 30 }, (_, i) => ({
      a: (i - 15) / 5,
      b: i % 2,
      y: i >= 15 ? 'yes' : 'no',
    }));
    const enc = encode({ rows, label: 'y' }, logisticSpec);
    const result = await robustness(tf, model, logisticSpec, enc, featureStats(enc), {
      noiseLevels: [0, 0.5],
      fgsm: false,
    });
    assert.equal(result.noise[0].change, 0);
    assert.equal(result.missing.find((m) => m.feature === 'b')?.change, 0);
    assert.ok((result.missing.find((m) => m.feature === 'a')?.change ?? 0) < -0.3);
    assert.deepEqual(
      result.flips.map((f) => [f.name, f.change]),
      [['flip_b', 0]],
    );
    assert.deepEqual(result.skipped, ['fgsm: turned off']);
    model.dispose();
    k.dispose();
    b.dispose();
  });

  it('mutation adequacy: mutants kill, weights are restored, label mutants retrain', async () => {
    const data = logisticData();
    const enc = encode(data, logisticSpec);
    const before = await predictMatrix(tf, logistic, enc.x, enc.n, enc.d);
    let trained = 0;
    const result = await mutationAdequacy(tf, logistic, logisticSpec, enc, {
      mutants: 6,
      seed: 3,
      trainData: data,
      labelShare: 0.5,
      labelMutants: 2,
      train: (rows) => {
        trained += 1;
        assert.ok(
          rows.rows.some((r, i) => r.y !== data.rows[i].y),
          'some labels are changed',
        );
        return Promise.resolve(unit('linear'));
      },
    });
    const after = await predictMatrix(tf, logistic, enc.x, enc.n, enc.d);
    assert.deepEqual(Array.from(after.out), Array.from(before.out), 'weights restored');
    assert.equal(trained, 2);
    assert.equal(result.mutants.length, 14);
    assert.deepEqual(Object.keys(result.byOperator).sort(), [
      'gaussian_fuzz',
      'label_error',
      'neuron_switch_off',
    ]);
    // Switching off input a (weight 2) leaves σ(−b + 0.5): rows where 2a and −b disagree flip; input b alike.
    const switchedOff = result.mutants.filter((m) => m.operator === 'neuron_switch_off');
    assert.equal(switchedOff.length, 6);
    assert.ok(
      switchedOff.every((m) => m.killed && m.killingRows > 0),
      JSON.stringify(switchedOff),
    );
    assert.equal(result.killed, result.mutants.filter((m) => m.killed).length);
    assert.equal(result.score, result.killed / result.mutants.length);
    assert.ok(result.score > 0);
  });

  it('crossValidate trains per fold and reports mean ± std, the gap and slices', async () => {
    const data = logisticData(30);
    const seen: number[] = [];
    const result = await crossValidate(
      tf,
      logisticSpec,
      (train, fold) => {
        seen.push(fold);
        assert.equal(train.rows.length, 24);
        return unit('sigmoid');
      },
      data,
      { k: 5, stratify: false, slice: 'group' },
    );
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    assert.equal(result.mean, 1);
    assert.equal(result.std, 0);
    assert.equal(result.gap, 0);
    assert.deepEqual(
      result.slices?.groups.map((g) => [g.value, g.rows]),
      [
        ['g1', 10],
        ['g2', 20],
      ],
    );
    await assert.rejects(
      crossValidate(tf, logisticSpec, () => unit('sigmoid'), data, { k: 1 }),
      /k must be a whole number >= 2/,
    );
  });

  it('one report: tests.* metrics, thresholds with numbers, JSON without NaN, clear errors', async () => {
    const data = logisticData();
    const report = await testModel(tf, logistic, logisticSpec, data, {
      sensitive: ['group'],
      mutants: 3,
      thresholds: [
        'tests.robustness.noise_0.1.accuracy >= 0.5',
        'tests.fairness.group.demographic_parity_ratio >= 0.99',
      ],
    });
    const m = reportMetrics(report);
    assert.equal(m['tests.quality.accuracy'], 1);
    for (const key of [
      'tests.robustness.noise_0.05.accuracy',
      'tests.robustness.fgsm_0.1.accuracy',
      'tests.robustness.missing_a.accuracy',
      'tests.fairness.group.demographic_parity_ratio',
      'tests.importance.a.mean',
      'tests.mutation.score',
      'tests.explanations.max_completeness_gap',
    ])
      assert.equal(typeof m[key], 'number', key);
    assert.equal(report.fairness?.positive, 'yes');
    const [noise, parity] = report.thresholds ?? [];
    assert.equal(noise.passed, true);
    assert.equal(parity.passed, m['tests.fairness.group.demographic_parity_ratio'] >= 0.99);
    assert.match(parity.message, /tests\.fairness\.group\.demographic_parity_ratio is [\d.]+/);
    const back = parseReport(reportJson(report), 'report');
    assert.deepEqual(reportMetrics(back), JSON.parse(JSON.stringify(m)));

    assert.deepEqual(
      parseTestCondition(
        '`tests.robustness.missing_Body Mass (g).accuracy` > 0.7 and tests.mutation.score >= 0.5',
      ),
      [
        { key: 'tests.robustness.missing_Body Mass (g).accuracy', op: '>', value: 0.7 },
        { key: 'tests.mutation.score', op: '>=', value: 0.5 },
      ],
    );
    assert.throws(
      () => parseTestCondition('tests.mutation.score is high'),
      /cannot read the test condition/,
    );
    const missing = judgeThresholds(m, ['tests.fairness.Sex.demographic_parity_ratio >= 0.8']);
    assert.equal(missing[0].passed, false);
    assert.match(
      missing[0].message,
      /has no value tests\.fairness\.Sex\.demographic_parity_ratio \(it has tests\.fairness\.group/,
    );

    await assert.rejects(
      testModel(tf, logistic, logisticSpec, data, { sensitive: ['race'] }),
      /sensitive column "race" is not in the data/,
    );
    await assert.rejects(
      testModel(tf, logistic, logisticSpec, { rows: [{ a: 1, b: 'x', y: 'yes' }], label: 'y' }),
      /row 0, feature "b" must be a finite number/,
    );
    await assert.rejects(
      testModel(tf, logistic, logisticSpec, { rows: [{ a: 1, b: 2, y: 'maybe' }], label: 'y' }),
      /label "maybe" in "y" is not one of the model's classes \(no, yes\)/,
    );
    await assert.rejects(
      testModel(tf, logistic, logisticSpec, data, { tests: ['speed' as never] }),
      ModelTestError,
    );
  });
});
