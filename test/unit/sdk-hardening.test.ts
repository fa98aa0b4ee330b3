/**
 * SDK inputs a hostile tester found to lose data (issue 14): a param or tag called
 * `__proto__` stored nothing, and one automatic step past the largest safe integer
 * poisoned the flush buffer, so every buffered point was lost and the run never ended.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { Store } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';

describe('sdk: inputs that used to lose data', () => {
  let dir: string;
  let dbPath: string;
  const read = <T>(fn: (store: Store) => T): T => {
    const store = Store.open({ path: dbPath, readonly: true });
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  it('stores a param and a tag called __proto__', async () => {
    const id = await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      run.logParam('__proto__', 1);
      run.logParams({ constructor: 'c' });
      run.setTag('__proto__', 'tag');
      return run.id;
    });
    assert.deepEqual(read((s) => Object.entries(s.getParams(id)).sort()), [['__proto__', '1'], ['constructor', 'c']]);
    assert.deepEqual(read((s) => Object.entries(s.getTags(id)).filter(([k]) => !k.startsWith('labbook.'))), [['__proto__', 'tag']]);
  });

  it('refuses an automatic step past the largest safe integer at logMetric, keeping every other point', async () => {
    let caught: unknown;
    const id = await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      for (let i = 0; i < 2000; i++) run.logMetric('loss', 1 / (i + 1));
      run.logMetric('big', 1, { step: Number.MAX_SAFE_INTEGER });
      try {
        run.logMetric('big', 2);
      } catch (error) {
        caught = error;
      }
      run.logMetric('acc', 0.5);
      return run.id;
    });
    assert.ok(caught instanceof RangeError, String(caught));
    assert.match(String(caught), /logMetric\('big'\): the next automatic step, 9007199254740992, is past the largest safe integer/);
    const run = read((s) => s.getRun(id));
    assert.equal(run?.status, 'finished');
    assert.equal(read((s) => s.metricHistory(id, 'loss')).length, 2000);
    assert.deepEqual(read((s) => s.metricHistory(id, 'big').map((p) => p.step)), [Number.MAX_SAFE_INTEGER]);
    assert.equal(read((s) => s.metricHistory(id, 'acc')).length, 1);
  });

  it('checks automatic steps of logMetrics before recording any', async () => {
    await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      run.logMetric('a', 1, { step: Number.MAX_SAFE_INTEGER });
      assert.throws(() => run.logMetrics({ b: 1, a: 2 }), /logMetrics\('a'\): the next automatic step/);
      run.flush();
      assert.equal(read((s) => s.metricHistory(run.id, 'b')).length, 0, 'nothing of the refused call was recorded');
    });
  });
});
