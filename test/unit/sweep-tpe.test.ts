/**
 * The TPE sampler (issue 19, item 3): over 10 seeds it reaches a lower best than random
 * search with the same budget on known functions (a shifted 2-D quadratic, and a mixed
 * space of log-float, int and categorical params), it is reproducible from its seed, and
 * its draws stay inside the space.
 */
import { strict as assert } from 'node:assert';
import { checkSpace, mulberry32, sampleUniform, type SearchSpace } from '../../core/sweep/space';
import { defaultGamma, defaultWeights, tpeSample, type Observation } from '../../core/sweep/tpe';

type Params = Record<string, unknown>;

function search(
  spaceSpec: SearchSpace,
  objective: (p: Params) => number,
  budget: number,
  seed: number,
  sampler: 'tpe' | 'random',
): { best: number; trials: Params[] } {
  const space = checkSpace(spaceSpec);
  const finished: Observation[] = [];
  const random = mulberry32(seed);
  const trials: Params[] = [];
  for (let number = 1; number <= budget; number++) {
    let params: Params;
    if (sampler === 'tpe') params = tpeSample(space, finished, { kind: 'tpe', seed }, number);
    else {
      params = {};
      for (const p of space) params[p.key] = sampleUniform(p, random);
    }
    trials.push(params);
    finished.push({ number, params, loss: objective(params) });
  }
  return { best: Math.min(...finished.map((o) => o.loss)), trials };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('TPE sampler', () => {
  it('beats random search on a shifted 2-D quadratic, averaged over 10 seeds', () => {
    const space: SearchSpace = { x: { min: -5, max: 5 }, y: { min: -5, max: 5 } };
    const f = (p: Params) => ((p.x as number) - 1.3) ** 2 + ((p.y as number) + 0.7) ** 2;
    const tpe = mean(SEEDS.map((s) => search(space, f, 40, s, 'tpe').best));
    const random = mean(SEEDS.map((s) => search(space, f, 40, s, 'random').best));
    console.log(`      mean best of 40 trials: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
    assert.ok(tpe < random, `TPE ${tpe} should beat random ${random}`);
  });

  it('beats random search on log-float, int and categorical params', () => {
    const space: SearchSpace = {
      lr: { min: 1e-5, max: 1, log: true },
      units: { min: 1, max: 64, integer: true },
      activation: ['tanh', 'relu', 'sigmoid', 'elu'],
    };
    const f = (p: Params) =>
      (Math.log10(p.lr as number) + 2.5) ** 2 +
      ((p.units as number) - 40) ** 2 / 100 +
      (p.activation === 'relu' ? 0 : 1);
    const tpe = mean(SEEDS.map((s) => search(space, f, 40, s, 'tpe').best));
    const random = mean(SEEDS.map((s) => search(space, f, 40, s, 'random').best));
    console.log(`      mean best of 40 trials: TPE ${tpe.toFixed(4)}, random ${random.toFixed(4)}`);
    assert.ok(tpe < random, `TPE ${tpe} should beat random ${random}`);
    const { trials } = search(space, f, 40, 3, 'tpe');
    for (const t of trials) {
      assert.ok((t.lr as number) >= 1e-5 && (t.lr as number) <= 1, `lr ${String(t.lr)}`);
      assert.ok(Number.isInteger(t.units) && (t.units as number) >= 1 && (t.units as number) <= 64);
      assert.ok(['tanh', 'relu', 'sigmoid', 'elu'].includes(t.activation as string));
    }
    // After its startup trials TPE favours the good choice.
    const relu = trials.slice(10).filter((t) => t.activation === 'relu').length;
    assert.ok(relu > 30 / 4, `relu in ${relu} of 30 TPE trials`);
  });

  it('gives the same params for the same seed and history, others for another seed', () => {
    const space: SearchSpace = { x: { min: -5, max: 5 }, k: ['a', 'b'] };
    const f = (p: Params) => (p.x as number) ** 2 + (p.k === 'a' ? 0 : 1);
    assert.deepEqual(search(space, f, 20, 7, 'tpe').trials, search(space, f, 20, 7, 'tpe').trials);
    assert.notDeepEqual(
      search(space, f, 20, 7, 'tpe').trials,
      search(space, f, 20, 8, 'tpe').trials,
    );
  });

  it("uses Optuna's gamma and weights", () => {
    assert.deepEqual([1, 10, 11, 100, 300].map(defaultGamma), [1, 1, 2, 10, 25]);
    assert.deepEqual(defaultWeights(3), [1, 1, 1]);
    const w = defaultWeights(28); // np.linspace(1/28, 1, 3) then 25 ones
    assert.equal(w.length, 28);
    assert.ok(Math.abs(w[0] - 1 / 28) < 1e-12 && Math.abs(w[1] - (1 / 28 + 1) / 2) < 1e-12);
    assert.deepEqual(w.slice(2), new Array(26).fill(1));
  });

  it('refuses a bad space by name', () => {
    assert.throws(
      () => checkSpace({ lr: { min: 0, max: 1, log: true } }),
      /lr.min must be greater than 0 for a log range/,
    );
    assert.throws(() => checkSpace({ k: [] }), /k must list at least one choice/);
    assert.throws(
      () => checkSpace({ x: { min: 2, max: 1 } }),
      /x.min \(2\) must not be greater than max \(1\)/,
    );
  });
});
