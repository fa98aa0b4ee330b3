/**
 * Data-centric tools (core/datacentric) against scikit-learn and imbalanced-learn: Isolation
 * Forest scores on penguins and cars by Spearman rank correlation with sklearn's (the same
 * seed does not give the same trees, so ranks are compared, not values), planted outliers
 * by ROC AUC; label issues on penguins with 5% of the species flipped (seeded) by precision
 * and recall; SMOTE by imblearn's class counts and by the segment property. Reference values:
 * test/fixtures/datacentric/make_reference.py → reference.json.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  applyCleaningPlan,
  augment,
  averagePathLength,
  findAnomalies,
  findLabelIssues,
  parseCleaningPlan,
  suggestCleaningPlan,
  type Row,
} from '../../core/datacentric';
import { nearestNeighbours } from '../../core/datacentric/augment';
import { seededRandom } from '../../core/datacentric/random';
import { profileRows } from '../../core/quality/profile';

const root = path.join(__dirname, '..', '..', '..');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');
const reference = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'datacentric', 'reference.json'), 'utf8'),
) as {
  penguinFeatures: string[];
  carFeatures: string[];
  isolationForest: Record<
    'penguins' | 'cars' | 'planted',
    { rows: number | number[][]; score: number[]; auc?: number }
  >;
  smote: {
    before: Record<string, number>;
    after: Record<string, number>;
    synthetic: number;
    onSegmentShare: number;
  };
};

function load(name: string): Row[] {
  return JSON.parse(readFileSync(path.join(data, `${name}.json`), 'utf8')) as Row[];
}
function complete(rows: Row[], features: string[]): Row[] {
  return rows.filter((r) => features.every((f) => typeof r[f] === 'number'));
}
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let t = i; t <= j; t++) out[order[t][1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}
function spearman(a: readonly number[], b: readonly number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}
function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const r = ranks(scores);
  let sum = 0;
  let p = 0;
  positive.forEach((pos, i) => {
    if (pos) {
      sum += r[i] + 1;
      p++;
    }
  });
  const n = scores.length - p;
  return (sum - (p * (p + 1)) / 2) / (p * n);
}
function scoresInOrder(report: ReturnType<typeof findAnomalies>): number[] {
  const out = new Array<number>(report.rows);
  for (const r of report.ranked) out[r.row] = r.score;
  return out;
}

describe('data-centric: Isolation Forest', () => {
  it('c(n) is the average unsuccessful-search path length (Liu et al.)', () => {
    assert.equal(averagePathLength(1), 0);
    assert.equal(averagePathLength(2), 1);
    // sklearn.ensemble._iforest._average_path_length([256, 10, 3]) (1.2.1).
    const sklearn = [10.24477092, 3.74888048, 1.20739236];
    [256, 10, 3].forEach((n, i) =>
      assert.ok(Math.abs(averagePathLength(n) - sklearn[i]) < 1e-8, `c(${n})`),
    );
  });

  for (const name of ['penguins', 'cars'] as const) {
    it(`ranks ${name} rows as scikit-learn does (Spearman >= 0.9)`, () => {
      const features = name === 'penguins' ? reference.penguinFeatures : reference.carFeatures;
      const rows = complete(load(name), features);
      const ref = reference.isolationForest[name];
      assert.equal(rows.length, ref.rows);
      const report = findAnomalies(rows, { features, seed: 7 });
      const rho = spearman(scoresInOrder(report), ref.score);
      assert.ok(rho >= 0.9, `Spearman ${rho.toFixed(3)} with sklearn on ${name}`);
      assert.equal(report.trees, 100);
      assert.equal(report.samples, 256);
      // Contamination "auto": the share above 0.5 is in the same range as sklearn's.
      const sklearnShare = ref.score.filter((s) => s > 0.5).length / ref.score.length;
      assert.ok(
        Math.abs(report.anomalousShare - sklearnShare) < 0.1,
        `${report.anomalousShare} vs sklearn ${sklearnShare}`,
      );
    });
  }

  it('puts planted outliers in penguins at the top (ROC AUC near sklearn)', () => {
    const features = reference.penguinFeatures;
    const rows = complete(load('penguins'), features);
    const planted = reference.isolationForest.planted.rows as number[][];
    const all = [
      ...rows,
      ...planted.map((p) => Object.fromEntries(features.map((f, i) => [f, p[i]]))),
    ];
    const report = findAnomalies(all, { features, seed: 1 });
    const truth = all.map((_, i) => i >= rows.length);
    const auc = rocAuc(scoresInOrder(report), truth);
    assert.ok(auc >= 0.98, `AUC ${auc}`);
    assert.ok(
      auc >= reference.isolationForest.planted.auc! - 0.02,
      `AUC ${auc} vs sklearn ${reference.isolationForest.planted.auc}`,
    );
    const top = report.ranked.slice(0, 10).filter((r) => r.row >= rows.length).length;
    assert.ok(top >= 8, `${top} of the 10 planted rows in the top 10`);
    assert.ok(spearman(scoresInOrder(report), reference.isolationForest.planted.score) >= 0.9);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const rows = complete(load('penguins'), reference.penguinFeatures);
    const a = scoresInOrder(findAnomalies(rows, { seed: 3 }));
    const b = scoresInOrder(findAnomalies(rows, { seed: 3 }));
    const c = scoresInOrder(findAnomalies(rows, { seed: 4 }));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('applies the robust rules per column (IQR fences, modified z-score with MAD)', () => {
    const rows = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100].map((x) => ({ x, same: 1 }));
    const report = findAnomalies(rows, { features: ['x', 'same'] });
    const x = report.columns[0];
    // numpy: q1 = 3.25, q3 = 7.75 (linear); median 5.5, MAD 2.5.
    assert.equal(x.iqr.q1, 3.25);
    assert.equal(x.iqr.q3, 7.75);
    assert.equal(x.iqr.outliers, 1);
    assert.deepEqual(x.mad && { median: x.mad.median, mad: x.mad.mad, outliers: x.mad.outliers }, {
      median: 5.5,
      mad: 2.5,
      outliers: 1,
    });
    assert.equal(report.columns[1].mad, null, 'MAD 0: no modified z-score');
    const top = report.ranked[0];
    assert.equal(top.row, 9);
    assert.deepEqual(
      top.reasons.map((r) => r.rule),
      ['iqr', 'modified-z'],
    );
  });

  it('refuses bad input with the input named', () => {
    assert.throws(() => findAnomalies([{ a: 'x' }]), /no numeric column/);
    assert.throws(() => findAnomalies([{ a: 1 }], { features: ['b'] }), /features: no column "b"/);
    assert.throws(() => findAnomalies([{ a: 1 }], { seed: -1 }), /seed must be a whole number/);
    assert.throws(() => findAnomalies([{ a: 1 }], { threshold: 2 }), /threshold must be/);
    assert.throws(
      () => findAnomalies([{ a: null }, { a: 1 }].slice(0, 1), { features: ['a'] }),
      /has no numeric value/,
    );
  });
});

/** Penguins with 5% of the species changed to another species, seeded. */
function flippedPenguins(seed: number): { rows: Row[]; flipped: Set<number> } {
  const rows = load('penguins').map((r) => ({ ...r }));
  const random = seededRandom(seed);
  const species = ['Adelie', 'Chinstrap', 'Gentoo'];
  const flipped = new Set(random.sample(rows.length, Math.round(rows.length * 0.05)));
  for (const i of flipped) {
    const others = species.filter((s) => s !== rows[i].Species);
    rows[i].Species = others[random.int(2)];
  }
  return { rows, flipped };
}

function score(
  found: number[],
  flipped: Set<number>,
): { precision: number; recall: number; hits: number } {
  const hits = found.filter((r) => flipped.has(r)).length;
  return { precision: found.length ? hits / found.length : 0, recall: hits / flipped.size, hits };
}

describe('data-centric: label issues (confident learning)', () => {
  it('finds the flipped penguin labels: precision and recall >= 0.7 (flip seed 1)', async () => {
    const { rows, flipped } = flippedPenguins(1);
    const report = await findLabelIssues(rows, { label: 'Species', seed: 1 });
    const { precision, recall, hits } = score(
      report.issues.map((i) => i.row),
      flipped,
    );
    assert.ok(
      precision >= 0.7 && recall >= 0.7,
      `precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)}`,
    );
    // The suggested label of a found flipped row is its original species.
    const original = load('penguins');
    const right = report.issues.filter(
      (i) => flipped.has(i.row) && original[i.row].Species === i.suggested,
    ).length;
    assert.ok(right >= hits * 0.9, `${right} of ${hits} suggested labels are the original`);
    // Ranked by self-confidence, lowest first; the joint sums to the labelled rows.
    for (let i = 1; i < report.issues.length; i++)
      assert.ok(report.issues[i - 1].selfConfidence <= report.issues[i].selfConfidence);
    const total = report.confidentJoint.flat().reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(total - rows.length) < 1e-6);
    assert.deepEqual(report.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
    assert.ok(report.features.includes('Island') && report.features.includes('Body Mass (g)'));
  });

  it("keeps precision and recall >= 0.7 pooled over six flip seeds (each seed's precision at least 0.85)", async () => {
    // Measured at the last run: recall 0.94, 1.00, 0.65, 0.88, 1.00, 0.82 for seeds 1-6. Seed 3
    // misses six flips, one of them penguin row 3, which has no measurements at all:
    // prune-by-noise-rate removes only as many rows as the confident joint estimates.
    let found = 0;
    let hitsAll = 0;
    let flippedAll = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { rows, flipped } = flippedPenguins(seed);
      const report = await findLabelIssues(rows, { label: 'Species', seed });
      const { precision, hits } = score(
        report.issues.map((i) => i.row),
        flipped,
      );
      assert.ok(precision >= 0.85, `seed ${seed}: precision ${precision}`);
      found += report.issues.length;
      hitsAll += hits;
      flippedAll += flipped.size;
    }
    assert.ok(
      hitsAll / found >= 0.7 && hitsAll / flippedAll >= 0.7,
      `pooled precision ${hitsAll / found}, recall ${hitsAll / flippedAll}`,
    );
  });

  it('uses a model the user gives, per fold, and precomputed probabilities', async () => {
    const { rows, flipped } = flippedPenguins(1);
    const original = load('penguins');
    let folds = 0;
    // An oracle that knows the original species: every flipped row is an issue, nothing else.
    const report = await findLabelIssues(rows, {
      label: 'Species',
      model: ({ test, classes }) => {
        folds++;
        return test.map((r) => {
          const i = rows.indexOf(r);
          return classes.map((c) => (c === original[i].Species ? 0.9 : 0.05));
        });
      },
    });
    assert.equal(folds, 5);
    assert.deepEqual(new Set(report.issues.map((i) => i.row)), flipped);
    const again = await findLabelIssues(rows, {
      label: 'Species',
      probabilities: rows.map((_, i) =>
        ['Adelie', 'Chinstrap', 'Gentoo'].map((c) => (c === original[i].Species ? 0.9 : 0.05)),
      ),
    });
    assert.deepEqual(new Set(again.issues.map((i) => i.row)), flipped);
  });

  it('refuses bad input with the input named', async () => {
    await assert.rejects(findLabelIssues([{ a: 1 }], { label: 'y' }), /no label column "y"/);
    await assert.rejects(
      findLabelIssues(
        [
          { a: 1, y: 'x' },
          { a: 2, y: 'x' },
        ],
        { label: 'y' },
      ),
      /has 1 class/,
    );
    await assert.rejects(
      findLabelIssues(
        [
          { a: 1, y: 'x' },
          { a: 2, y: 'z' },
        ],
        { label: 'y', folds: 1 },
      ),
      /folds must be/,
    );
    await assert.rejects(
      findLabelIssues(
        [
          { a: 1, y: 'x' },
          { a: 2, y: 'z' },
        ],
        { label: 'y', probabilities: [[1, 0]] },
      ),
      /probabilities has 1 rows; expected 2/,
    );
  });
});

describe('data-centric: augmentation', () => {
  const features = () => reference.penguinFeatures;
  it('SMOTE balances the classes to imbalanced-learn counts, each new row on a segment to one of its 5 nearest same-class neighbours', () => {
    const rows = complete(load('penguins'), features());
    const result = augment(rows, {
      method: 'smote',
      label: 'Species',
      features: features(),
      seed: 5,
    });
    assert.deepEqual(result.classCounts!.before, reference.smote.before);
    assert.deepEqual(result.classCounts!.after, reference.smote.after);
    assert.equal(result.synthetic.length, reference.smote.synthetic);
    const counts: Record<string, number> = {};
    for (const r of result.rows) counts[String(r.Species)] = (counts[String(r.Species)] ?? 0) + 1;
    assert.deepEqual(counts, reference.smote.after);
    // Independently of the origins SMOTE reports: recompute neighbours and check the segment.
    let onSegment = 0;
    result.synthetic.forEach((row, s) => {
      const { base, other, weight } = result.origins[s];
      const members = rows.map((_, i) => i).filter((i) => rows[i].Species === row.Species);
      const nn = nearestNeighbours(members, 4, (r, f) => rows[r][features()[f]] as number, 5);
      const at = members.indexOf(base);
      const neighbours = Array.from(nn.subarray(at * 5, at * 5 + 5), (j) => members[j]);
      assert.ok(
        neighbours.includes(other!),
        `synthetic row ${s}: partner is not among the 5 nearest`,
      );
      assert.ok(weight! >= 0 && weight! <= 1);
      const ok = features().every((f) => {
        const a = rows[base][f] as number;
        const b = rows[other!][f] as number;
        return Math.abs((row[f] as number) - (a + weight! * (b - a))) < 1e-9;
      });
      if (ok) onSegment++;
    });
    assert.equal(onSegment / result.synthetic.length, reference.smote.onSegmentShare);
  });

  it('noise keeps rows near their seeds; mixup stays between two rows', () => {
    const rows = complete(load('penguins'), features());
    const noisy = augment(rows, {
      method: 'noise',
      features: features(),
      count: 200,
      scale: 0.05,
      seed: 1,
    });
    assert.equal(noisy.synthetic.length, 200);
    assert.equal(noisy.rows.length, rows.length + 200);
    const z = noisy.synthetic.map(
      (r, s) =>
        ((r['Body Mass (g)'] as number) -
          (rows[noisy.origins[s].base]['Body Mass (g)'] as number)) /
        (0.05 * 801.95),
    );
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1));
    assert.ok(Math.abs(mean) < 0.2 && Math.abs(sd - 1) < 0.15, `jitter mean ${mean}, sd ${sd}`);
    const mixed = augment(rows, { method: 'mixup', label: 'Species', count: 100, seed: 2 });
    mixed.synthetic.forEach((r, s) => {
      const { base, other, weight } = mixed.origins[s];
      assert.ok(weight! >= 0.5 && weight! <= 1);
      assert.equal(r.Species, rows[base].Species);
      for (const f of features()) {
        const lo = Math.min(rows[base][f] as number, rows[other!][f] as number);
        const hi = Math.max(rows[base][f] as number, rows[other!][f] as number);
        assert.ok((r[f] as number) >= lo - 1e-9 && (r[f] as number) <= hi + 1e-9);
      }
    });
  });

  it('refuses bad input with the input named', () => {
    assert.throws(
      () => augment([{ a: 1 }], { method: 'rotate' as 'noise' }),
      /method must be one of "smote", "noise", "mixup"/,
    );
    assert.throws(() => augment([{ a: 1 }], { method: 'smote' }), /SMOTE needs options.label/);
    assert.throws(
      () =>
        augment(
          [
            { a: 1, y: 'a' },
            { a: 2, y: 'a' },
            { a: 3, y: 'b' },
          ],
          { method: 'smote', label: 'y' },
        ),
      /more than k = 5 rows of class "b"/,
    );
    assert.throws(
      () => augment([{ a: 1 }], { method: 'noise', scale: 0 }),
      /scale must be a number > 0/,
    );
  });
});

describe('data-centric: cleaning plans', () => {
  it('suggests fixes from the profile and both finders, and applies them deterministically', async () => {
    const { rows, flipped } = flippedPenguins(1);
    rows.push({ ...rows[0] }, { ...rows[1] });
    rows.push({
      Species: 'Adelie',
      Island: 'Dream',
      'Beak Length (mm)': 39,
      'Beak Depth (mm)': 18,
      'Flipper Length (mm)': 190,
      'Body Mass (g)': 99000,
      Sex: 'MALE',
    });
    const planted = rows.length - 1;
    const profile = await profileRows(rows, { source: 'penguins' });
    const anomalies = findAnomalies(rows, { seed: 1 });
    const labelIssues = await findLabelIssues(rows, { label: 'Species', seed: 1 });
    const plan = suggestCleaningPlan(rows, { profile, anomalies, labelIssues });
    const actions = plan.steps.map((s) => s.action);
    for (const a of ['relabel', 'drop-rows', 'drop-duplicates', 'impute'] as const)
      assert.ok(actions.includes(a), `plan has ${a}: ${actions.join(', ')}`);
    const dropRows = plan.steps.find((s) => s.action === 'drop-rows') as { rows: number[] };
    assert.ok(dropRows.rows.includes(planted));
    const replayed = parseCleaningPlan(JSON.parse(JSON.stringify(plan)));
    const a = applyCleaningPlan(rows, plan);
    const b = applyCleaningPlan(rows, replayed);
    assert.deepEqual(a, b);
    assert.ok(!a.from.includes(planted));
    assert.equal(
      a.rows.filter((r) => r['Sex'] === null || r['Sex'] === undefined).length,
      0,
      'Sex imputed',
    );
    const original = load('penguins');
    const fixed = [...flipped].filter(
      (i) => a.rows[a.from.indexOf(i)]?.Species === original[i].Species,
    ).length;
    assert.ok(fixed >= flipped.size * 0.7, `${fixed} of ${flipped.size} flipped labels restored`);
    assert.equal(rows.length, original.length + 3, 'input not modified');
  });

  it('applies each action as written', () => {
    const rows: Row[] = [
      { a: 1, b: 'x', c: '5' },
      { a: 1, b: 'x', c: '5' },
      { a: null, b: 'y', c: 'oops' },
      { a: 50, b: null, c: '7' },
    ];
    const r = applyCleaningPlan(rows, {
      steps: [
        { action: 'drop-duplicates' },
        { action: 'cast', column: 'c', to: 'number' },
        { action: 'impute', column: 'a', value: 2 },
        { action: 'clip', column: 'a', low: 0, high: 10 },
        { action: 'drop-missing', columns: ['b'] },
        { action: 'relabel', column: 'b', rows: [{ row: 2, from: 'y', to: 'x' }] },
      ],
    });
    assert.deepEqual(r.rows, [
      { a: 1, b: 'x', c: 5 },
      { a: 2, b: 'x', c: null },
    ]);
    assert.deepEqual(r.from, [0, 2]);
    assert.deepEqual(
      r.steps.map((s) => s.changed),
      [1, 3, 1, 1, 1, 1],
    );
  });

  it('refuses a bad or mismatched plan with the step named', () => {
    assert.throws(
      () => parseCleaningPlan({ steps: [{ action: 'shred' }] }),
      /step 1: action must be one of/,
    );
    assert.throws(
      () => parseCleaningPlan({ steps: [{ action: 'clip', column: 'a', low: 5, high: 1 }] }),
      /step 1: clip needs numbers "low" <= "high"/,
    );
    assert.throws(
      () => parseCleaningPlan({ version: 2, steps: [] }),
      /version: this Labbook reads version 1/,
    );
    assert.throws(
      () => applyCleaningPlan([{ a: 1 }], { steps: [{ action: 'impute', column: 'z', value: 0 }] }),
      /step 1 \(impute\): no column "z"/,
    );
    assert.throws(
      () =>
        applyCleaningPlan([{ y: 'a' }], {
          steps: [{ action: 'relabel', column: 'y', rows: [{ row: 0, from: 'b', to: 'c' }] }],
        }),
      /row 0 has y = "a", the plan expected "b": the plan was made for other data/,
    );
  });
});
