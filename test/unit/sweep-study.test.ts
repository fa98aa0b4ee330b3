/**
 * `lab.sweep({ study })` (issue 19, item 4): the trials come from a shared study in the
 * store; a second call joins the study and runs what is left under the same parent run;
 * the study's pruner stops a real tfjs `fit` through `run.tfCallback()`, and the trial
 * ends `pruned`.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Store, studyStore } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';

describe('lab.sweep with a shared study', () => {
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  function read<T>(fn: (store: Store) => T): T {
    const store = Store.open({ path: dbPath });
    try {
      return fn(store);
    } finally {
      store.close();
    }
  }

  it('creates the study, and a second call joins it under the same parent run', async () => {
    const spec = {
      study: 'quad',
      experiment: 'studies',
      metric: 'loss',
      store: dbPath,
      grid: { x: [-2, -1, 0, 1, 2, 3] },
      workerTrials: 2,
    };
    const trial = async (params: { x: number }) => (params.x - 1) ** 2;
    const a = await lab.sweep(spec, trial as never);
    const b = await lab.sweep({ ...spec, workerTrials: undefined }, trial as never);
    assert.equal(a.goal, 'minimize');
    assert.deepEqual(
      a.trials.map((t) => t.trial),
      [1, 2],
    );
    assert.deepEqual(
      b.trials.map((t) => t.trial),
      [3, 4, 5, 6],
    );
    assert.equal(b.parentRunId, a.parentRunId);
    assert.deepEqual(b.best && { params: b.best.params, value: b.best.value }, {
      params: { x: 1 },
      value: 0,
    });
    const children = read((s) =>
      s.listRuns({ experiment: 'studies' }).filter((r) => r.parentRunId === a.parentRunId),
    );
    assert.equal(children.length, 6);
    assert.ok(children.every((r) => r.status === 'finished'));
    const study = read((s) => studyStore(s).study('quad'))!;
    assert.equal(study.parentRunId, a.parentRunId);
  });

  it('stops a planted bad trial at its first ASHA rung through tfCallback', async function () {
    this.timeout(60_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- tfjs is loaded only by the tests that train
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const xs = tf.tensor2d([[0], [1], [2], [3]]);
    const ys = tf.tensor2d([[1], [3], [5], [7]]);
    const epochs: Record<number, number> = {};
    const result = await lab.sweep(
      {
        study: 'tf-asha',
        experiment: 'studies',
        metric: 'loss',
        store: dbPath,
        // Four learning trials first, then one that cannot learn (lr 0).
        grid: { lr: [0.02, 0.03, 0.04, 0.05, 0] },
        pruner: { kind: 'asha' },
      },
      (async (params: { lr: number }, run: lab.Run) => {
        const model = tf.sequential();
        model.add(tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' }));
        model.compile({ optimizer: tf.train.sgd(params.lr), loss: 'meanSquaredError' });
        let seen = 0;
        try {
          await model.fit(xs, ys, {
            epochs: 10,
            batchSize: 4,
            verbose: 0,
            // Counted first: tfCallback ends fit in the epoch the pruner stops it.
            callbacks: [{ onEpochEnd: async () => void (seen += 1) }, run.tfCallback()],
          });
        } finally {
          epochs[params.lr] = seen;
          model.dispose();
        }
      }) as never,
    );
    tf.dispose([xs, ys]);
    assert.deepEqual(
      result.trials.map((t) => t.status),
      ['finished', 'finished', 'finished', 'finished', 'pruned'],
    );
    assert.equal(epochs[0], 2, 'fit stopped after the epoch of rung 0 (step 1)');
    assert.equal(epochs[0.05], 10);
    const pruned = result.trials[4];
    const tags = read((s) => s.getTags(pruned.runId!));
    assert.equal(tags['labbook.trial_state'], 'pruned');
    assert.equal(result.best!.params.lr, 0.05);
  });

  it('refuses study-only fields without a study, and a new study without a space', async () => {
    await assert.rejects(
      lab.sweep(
        { experiment: 'e', metric: 'm', grid: { a: [1] }, pruner: { kind: 'asha' } } as never,
        () => 1,
      ),
      /pruner only applies to a shared study: give study: "name" too/,
    );
    await assert.rejects(
      lab.sweep({ study: 'none', experiment: 'e', metric: 'm', store: dbPath } as never, () => 1),
      /study "none" does not exist yet: give its space as grid, random or tpe/,
    );
  });
});
