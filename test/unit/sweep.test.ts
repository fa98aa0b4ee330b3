/**
 * `lab.sweep` against a real store file: grid order, seeded random search within bounds,
 * failed trials, best selection in both directions, and what the parent and children hold.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Store } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { goalForMetricName, mulberry32, planSweep } from '../../kernel/sdk/sweep';
import { makeTempDir, removeDir } from './temp';
import { readStore } from './store-reader';

describe('sweep', () => {
  let dir: string;
  let dbPath: string;
  const read = <T>(fn: (store: Store) => T): T => readStore(dbPath, fn);
  let stderrWrite: typeof process.stderr.write;
  let stderr: string;

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
    stderr = '';
    stderrWrite = process.stderr.write;
    process.stderr.write = (chunk: string) => {
      stderr += chunk;
      return true;
    };
  });
  afterEach(() => {
    process.stderr.write = stderrWrite;
    removeDir(dir);
  });

  it('plans a grid as the cartesian product in key order, first key slowest', () => {
    const plan = planSweep({
      experiment: 'e',
      metric: 'acc',
      grid: { lr: [0.1, 0.01], units: [8, 16, 32], act: ['relu'] },
    });
    assert.equal(plan.kind, 'grid');
    assert.deepEqual(plan.trials, [
      { lr: 0.1, units: 8, act: 'relu' },
      { lr: 0.1, units: 16, act: 'relu' },
      { lr: 0.1, units: 32, act: 'relu' },
      { lr: 0.01, units: 8, act: 'relu' },
      { lr: 0.01, units: 16, act: 'relu' },
      { lr: 0.01, units: 32, act: 'relu' },
    ]);
  });

  it('draws random trials reproducibly from a seed, within bounds, log-uniform and integer as asked', () => {
    const spec = {
      experiment: 'e',
      metric: 'acc',
      trials: 400,
      seed: 42,
      random: {
        lr: { min: 1e-4, max: 1e-1, log: true },
        dropout: { min: 0.1, max: 0.5 },
        units: { min: 4, max: 64, integer: true },
        batch: { min: 8, max: 512, log: true, integer: true },
        act: ['relu', 'tanh'],
      },
    };
    const a = planSweep(spec);
    const b = planSweep(spec);
    assert.deepEqual(a.trials, b.trials, 'same seed, same trials');
    assert.equal(a.seed, 42);
    assert.notDeepEqual(
      planSweep({ ...spec, seed: 43 }).trials,
      a.trials,
      'another seed, other trials',
    );
    assert.equal(a.trials.length, 400);
    const col = (k: string) => a.trials.map((t) => t[k] as number);
    for (const lr of col('lr')) assert.ok(lr >= 1e-4 && lr <= 1e-1, `lr ${lr}`);
    for (const d of col('dropout')) assert.ok(d >= 0.1 && d <= 0.5, `dropout ${d}`);
    for (const u of col('units')) assert.ok(Number.isInteger(u) && u >= 4 && u <= 64, `units ${u}`);
    for (const s of col('batch'))
      assert.ok(Number.isInteger(s) && s >= 8 && s <= 512, `batch ${s}`);
    assert.deepEqual(new Set(a.trials.map((t) => t.act)), new Set(['relu', 'tanh']));
    // Log-uniform: about a third of the draws per decade, where a uniform draw would put ~90% in the last one.
    const decades = [0, 0, 0];
    for (const lr of col('lr')) decades[Math.min(2, Math.floor(Math.log10(lr) + 4))]++;
    for (const n of decades) assert.ok(n > 90 && n < 180, `draws per decade ${decades}`);
    const below = col('dropout').filter((d) => d < 0.3).length;
    assert.ok(below > 150 && below < 250, `uniform dropout: ${below} of 400 below the middle`);
    // Integers cover their range, both ends included.
    assert.ok(col('units').includes(4) && col('units').includes(64));
    // Without a seed one is chosen and reported, and it reproduces the trials.
    const unseeded = planSweep({
      experiment: 'e',
      metric: 'acc',
      trials: 5,
      random: { x: { min: 0, max: 1 } },
    });
    assert.equal(typeof unseeded.seed, 'number');
    assert.deepEqual(
      planSweep({
        experiment: 'e',
        metric: 'acc',
        trials: 5,
        seed: unseeded.seed,
        random: { x: { min: 0, max: 1 } },
      }).trials,
      unseeded.trials,
    );
  });

  it('mulberry32 gives a fixed sequence per seed', () => {
    const next = mulberry32(7);
    const first = [next(), next(), next()];
    assert.ok(first.every((x) => x >= 0 && x < 1));
    const again = mulberry32(7);
    assert.deepEqual([again(), again(), again()], first);
    // Pinned so that a seed keeps meaning the same trials across Labbook versions.
    assert.equal(mulberry32(1)() * 2 ** 32, 2693262067);
  });

  it('names the bad field of a spec', () => {
    const bad: Array<[unknown, RegExp]> = [
      [undefined, /sweep: expected a spec/],
      [{ metric: 'a', grid: { x: [1] } }, /sweep: experiment is required/],
      [{ experiment: 'e', grid: { x: [1] } }, /sweep: metric is required/],
      [{ experiment: 'e', metric: 'a' }, /give the search space as grid/],
      [
        { experiment: 'e', metric: 'a', grid: { x: [1] }, random: { y: [1] }, trials: 1 },
        /either grid or random, not both/,
      ],
      [{ experiment: 'e', metric: 'a', grid: { x: [] } }, /grid\.x must list at least one value/],
      [
        { experiment: 'e', metric: 'a', grid: { x: 3 } },
        /grid\.x must be an array of values, got number 3/,
      ],
      [{ experiment: 'e', metric: 'a', grid: {} }, /grid must name at least one param/],
      [
        { experiment: 'e', metric: 'a', grid: { x: [1] }, trials: 3 },
        /trials only applies to random search/,
      ],
      [{ experiment: 'e', metric: 'a', random: { x: [1] } }, /trials is required with random/],
      [
        { experiment: 'e', metric: 'a', random: { x: [1] }, trials: 0 },
        /trials must be a positive integer, got number 0/,
      ],
      [
        { experiment: 'e', metric: 'a', random: { x: [1] }, trials: 2, seed: 1.5 },
        /seed must be an integer/,
      ],
      [
        { experiment: 'e', metric: 'a', random: { lr: { min: 0, max: 1, log: true } }, trials: 2 },
        /random\.lr\.min must be greater than 0 for a log range/,
      ],
      [
        { experiment: 'e', metric: 'a', random: { lr: { min: 2, max: 1 } }, trials: 2 },
        /random\.lr\.min \(2\) must not be greater than max \(1\)/,
      ],
      [
        {
          experiment: 'e',
          metric: 'a',
          random: { n: { min: 1.2, max: 1.8, integer: true } },
          trials: 2,
        },
        /random\.n holds no integer/,
      ],
      [
        { experiment: 'e', metric: 'a', random: { lr: { min: 0, max: 1, step: 2 } }, trials: 2 },
        /random\.lr has unknown field "step"/,
      ],
      [
        { experiment: 'e', metric: 'a', random: { lr: 'x' }, trials: 2 },
        /random\.lr must be an array of values or \{ min, max \}, got string "x"/,
      ],
      [
        { experiment: 'e', metric: 'a', grid: { x: [1] }, goal: 'max' },
        /goal must be "maximize" or "minimize", got string "max"/,
      ],
      [{ experiment: 'e', metric: 'a', grid: { x: [1] }, trails: 3 }, /unknown field "trails"/],
      [
        { experiment: 'e', metric: 'a', grid: { x: [undefined] } },
        /grid\.x\[0\] is not a param value/,
      ],
    ];
    for (const [spec, message] of bad)
      assert.throws(
        () => planSweep(spec as lab.SweepSpec),
        (e: unknown) => e instanceof TypeError && message.test(e.message),
        `${JSON.stringify(spec)} → ${message}`,
      );
  });

  it('runs each grid trial as a child run and records the best on the parent (maximize)', async () => {
    const seen: Array<Record<string, unknown>> = [];
    const result = await lab.sweep(
      {
        experiment: 'grid',
        metric: 'val_acc',
        store: dbPath,
        grid: { lr: [0.1, 0.01], units: [8, 16] },
      },
      async (params, run) => {
        seen.push({ ...params });
        // Typed params: numbers, not ParamValue.
        const score: number = params.units / 100 + params.lr;
        run.logMetric('val_acc', score - 0.05);
        run.logMetric('val_acc', score);
      },
    );
    assert.deepEqual(seen, [
      { lr: 0.1, units: 8 },
      { lr: 0.1, units: 16 },
      { lr: 0.01, units: 8 },
      { lr: 0.01, units: 16 },
    ]);
    assert.equal(result.goal, 'maximize');
    assert.equal(result.trials.length, 4);
    assert.deepEqual(
      result.trials.map((t) => [t.name, t.status]),
      [
        ['trial-1', 'finished'],
        ['trial-2', 'finished'],
        ['trial-3', 'finished'],
        ['trial-4', 'finished'],
      ],
    );
    assert.ok(result.best);
    assert.deepEqual(result.best.params, { lr: 0.1, units: 16 });
    assert.ok(Math.abs(result.best.value - 0.26) < 1e-12);
    assert.equal(result.best.runId, result.trials[1].runId);

    const parent = read((s) => s.getRun(result.parent.id))!;
    assert.equal(parent.status, 'finished');
    assert.equal(parent.parentRunId, null);
    assert.equal(parent.name, 'sweep-1');
    const children = read((s) =>
      s.listRuns({ experiment: 'grid' }).filter((r) => r.parentRunId === parent.id),
    );
    assert.equal(children.length, 4);
    for (const [i, t] of result.trials.entries()) {
      const child = read((s) => s.getRun(t.runId))!;
      assert.equal(child.parentRunId, parent.id);
      assert.equal(child.experimentName, 'grid');
      assert.equal(child.status, 'finished');
      assert.equal(child.name, `trial-${i + 1}`);
      assert.deepEqual(
        read((s) => s.getParams(t.runId)),
        { lr: String(seen[i].lr), units: String(seen[i].units) },
      );
    }
    const params = read((s) => s.getParams(parent.id));
    assert.equal(params['sweep.kind'], 'grid');
    assert.equal(params['sweep.trials'], '4');
    assert.equal(params['sweep.metric'], 'val_acc');
    assert.equal(params['sweep.goal'], 'maximize');
    assert.deepEqual(JSON.parse(params['sweep.space']), { lr: [0.1, 0.01], units: [8, 16] });
    assert.equal(params['best.lr'], '0.1');
    assert.equal(params['best.units'], '16');
    assert.equal(read((s) => s.getTags(parent.id))['labbook.best_run'], result.trials[1].runId);
    const best = read((s) => s.latestMetrics(parent.id)).val_acc;
    assert.ok(Math.abs(best.value - 0.26) < 1e-12);
  });

  it('minimizes loss-like metrics by default, and uses returned numbers as the objective', async () => {
    const result = await lab.sweep(
      {
        experiment: 'rand',
        metric: 'val_loss',
        store: dbPath,
        random: { x: { min: -1, max: 1 } },
        trials: 6,
        seed: 3,
      },
      (params) => (params.x - 0.2) ** 2,
    );
    assert.equal(result.goal, 'minimize');
    const values = result.trials.map((t) => t.value as number);
    assert.equal(result.best!.value, Math.min(...values));
    assert.deepEqual(
      result.trials.map((t) => t.params),
      planSweep({
        experiment: 'rand',
        metric: 'val_loss',
        random: { x: { min: -1, max: 1 } },
        trials: 6,
        seed: 3,
      }).trials,
    );
    const params = read((s) => s.getParams(result.parent.id));
    assert.equal(params['sweep.seed'], '3');
    assert.equal(params['sweep.kind'], 'random');
    assert.equal(params['best.x'], String(result.best!.params.x));
    assert.equal(goalForMetricName('accuracy'), 'maximize');
    assert.equal(goalForMetricName('rmse'), 'minimize');
  });

  it("takes the direction from the experiment's key metric, and an explicit goal over both", async () => {
    const store = Store.open({ path: dbPath });
    store.getOrCreateExperiment('keyed');
    store.setKeyMetric('keyed', 'score_error', true); // an odd name, but the experiment says higher is better
    store.close();
    const grid = { v: [1, 3, 2] };
    const keyed = await lab.sweep(
      { experiment: 'keyed', metric: 'score_error', store: dbPath, grid },
      (p) => p.v,
    );
    assert.equal(keyed.goal, 'maximize');
    assert.deepEqual(keyed.best!.params, { v: 3 });
    const explicit = await lab.sweep(
      { experiment: 'keyed', metric: 'score_error', goal: 'minimize', store: dbPath, grid },
      (p) => p.v,
    );
    assert.equal(explicit.goal, 'minimize');
    assert.deepEqual(explicit.best!.params, { v: 1 });
    assert.equal(
      explicit.parent.name,
      'sweep-5',
      "n counts the experiment's runs, children included",
    );
  });

  it('marks a failing trial failed and goes on; the parent still finishes with the best of the rest', async () => {
    const result = await lab.sweep(
      { experiment: 'flaky', metric: 'acc', store: dbPath, grid: { n: [1, 2, 3, 4] } },
      async (params, run) => {
        if (params.n === 2) throw new RangeError('diverged');
        if (params.n === 4) return; // logs nothing: no objective
        run.logMetric('acc', params.n / 10);
      },
    );
    assert.deepEqual(
      result.trials.map((t) => t.status),
      ['finished', 'failed', 'finished', 'failed'],
    );
    assert.equal(result.trials[1].error, 'RangeError: diverged');
    assert.equal(result.trials[1].value, null);
    assert.match(result.trials[3].error!, /trial-4 returned no number and logged no metric "acc"/);
    assert.deepEqual(result.best!.params, { n: 3 });
    assert.equal(read((s) => s.getRun(result.trials[1].runId))!.status, 'failed');
    assert.equal(read((s) => s.getRun(result.trials[1].runId))!.error, 'RangeError: diverged');
    assert.equal(read((s) => s.getRun(result.parent.id))!.status, 'finished');
    assert.equal(read((s) => s.getTags(result.parent.id))['sweep.failed_trials'], '2');
    assert.match(stderr, /sweep: trial-2 failed: RangeError: diverged/);
  });

  it('fails the parent and throws when every trial fails', async () => {
    let error: unknown;
    try {
      await lab.sweep(
        { experiment: 'doomed', metric: 'acc', store: dbPath, grid: { n: [1, 2] } },
        () => {
          throw new Error('no data');
        },
      );
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof lab.SweepError, String(error));
    assert.match(error.message, /all 2 trials failed; first error \(trial-1\): no data/);
    assert.equal(error.result.trials.length, 2);
    const parentId = (error.result as lab.SweepResult).parent.id;
    const parent = read((s) => s.getRun(parentId))!;
    assert.equal(parent.status, 'failed');
    assert.match(parent.error!, /all 2 trials failed/);
    assert.deepEqual(
      read((s) => s.listRuns({ experiment: 'doomed' }))
        .map((r) => r.status)
        .sort(),
      ['failed', 'failed', 'failed'],
    );
  });

  it('ignores NaN objectives when choosing the best', async () => {
    const result = await lab.sweep(
      { experiment: 'nan', metric: 'acc', store: dbPath, grid: { v: [NaN, 0.5, 0.7] } },
      (p) => p.v,
    );
    assert.deepEqual(result.best!.params, { v: 0.7 });
    assert.ok(Number.isNaN(result.trials[0].value));
  });
});
