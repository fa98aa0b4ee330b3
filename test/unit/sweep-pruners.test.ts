/**
 * The pruners (issue 19, item 2) on planted studies: ASHA stops a bad trial at its first
 * rung and lets good ones through; median stopping waits for its 5 startup trials and its
 * warm-up, then stops a trial whose best is worse than the median. The median is numpy's
 * nanpercentile (test/fixtures/sweep/make_reference.py).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkPruner,
  nanPercentile,
  shouldPrune,
  type PrunerTrial,
} from '../../core/sweep/pruners';

const root = path.join(__dirname, '..', '..', '..');
const reference = JSON.parse(
  readFileSync(path.join(root, 'test', 'fixtures', 'sweep', 'reference.json'), 'utf8'),
) as { nanpercentile: { values: (number | null)[]; q: number; expected: number }[] };

/** A trial that logged `curve(step)` for steps 0..last. */
function trial(
  id: number,
  state: PrunerTrial['state'],
  last: number,
  curve: (step: number) => number,
): PrunerTrial {
  const values = [];
  for (let step = 0; step <= last; step++) values.push({ step, value: curve(step) });
  return { id, state, values };
}

/** A loss curve that falls towards `floor`. */
const loss = (floor: number) => (step: number) => floor + 1 / (step + 1);

describe('pruners', () => {
  it('computes the median threshold as numpy nanpercentile does', () => {
    for (const c of reference.nanpercentile) {
      const values = c.values.map((v) => (v === null ? NaN : v));
      assert.ok(Math.abs(nanPercentile(values, c.q) - c.expected) < 1e-12, JSON.stringify(c));
    }
  });

  it('fills Optuna defaults and refuses bad settings by name', () => {
    assert.deepEqual(checkPruner({ kind: 'median' }), {
      kind: 'median',
      nStartupTrials: 5,
      nWarmupSteps: 0,
      intervalSteps: 1,
      nMinTrials: 1,
    });
    assert.deepEqual(checkPruner({ kind: 'asha' }), {
      kind: 'asha',
      minResource: 'auto',
      reductionFactor: 4,
      minEarlyStoppingRate: 0,
    });
    assert.throws(() => checkPruner({ kind: 'hyperband' }), /kind must be "median" or "asha"/);
    assert.throws(
      () => checkPruner({ kind: 'asha', reductionFactor: 1 }),
      /reductionFactor must be a whole number >= 2, got 1/,
    );
    assert.throws(() => checkPruner({ kind: 'median', warmup: 2 }), /unknown field "warmup"/);
  });

  describe('ASHA', () => {
    const good = [1, 2, 3, 4].map((id) => trial(id, 'finished', 9, loss(0.1 * id)));

    it('prunes a planted bad trial at its first rung (step 1 with min_resource auto = 1)', () => {
      const bad = trial(9, 'running', 0, loss(5));
      assert.equal(
        shouldPrune({ kind: 'asha' }, 'minimize', bad, good),
        false,
        'step 0 is before rung 0',
      );
      const atRung = trial(9, 'running', 1, loss(5));
      assert.equal(shouldPrune({ kind: 'asha' }, 'minimize', atRung, good), true);
    });

    it('promotes the best at a rung and does not prune before any trial finished', () => {
      const best = trial(9, 'running', 1, loss(0));
      assert.equal(shouldPrune({ kind: 'asha' }, 'minimize', best, good), false);
      // Rung 1 is at step 4: the best trial is still the best there.
      assert.equal(
        shouldPrune({ kind: 'asha' }, 'minimize', trial(9, 'running', 4, loss(0)), good),
        false,
      );
      const running = good.map((t) => ({ ...t, state: 'running' as const }));
      assert.equal(
        shouldPrune({ kind: 'asha' }, 'minimize', trial(9, 'running', 1, loss(5)), running),
        false,
      );
    });

    it('keeps the top 1/reduction_factor once enough trials reached the rung, in either direction', () => {
      // 8 finished trials + the candidate: 9 competing at rung 0, promotable index 9 // 4 - 1 = 1.
      const eight = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => trial(id, 'finished', 9, loss(0.1 * id)));
      const second = trial(20, 'running', 1, loss(0.15)); // between trial 1 and trial 2
      const third = trial(21, 'running', 1, loss(0.25));
      assert.equal(shouldPrune({ kind: 'asha', minResource: 1 }, 'minimize', second, eight), false);
      assert.equal(shouldPrune({ kind: 'asha', minResource: 1 }, 'minimize', third, eight), true);
      const gain = (t: PrunerTrial) => ({
        ...t,
        values: t.values.map((v) => ({ ...v, value: -v.value })),
      });
      assert.equal(
        shouldPrune({ kind: 'asha', minResource: 1 }, 'maximize', gain(second), eight.map(gain)),
        false,
      );
      assert.equal(
        shouldPrune({ kind: 'asha', minResource: 1 }, 'maximize', gain(third), eight.map(gain)),
        true,
      );
    });
  });

  describe('median stopping', () => {
    const five = [1, 2, 3, 4, 5].map((id) => trial(id, 'finished', 9, loss(0.1 * id)));

    it('waits for 5 finished trials, then prunes a trial worse than the median at its step', () => {
      const bad = trial(9, 'running', 2, loss(1));
      assert.equal(shouldPrune({ kind: 'median' }, 'minimize', bad, five.slice(0, 4)), false);
      assert.equal(shouldPrune({ kind: 'median' }, 'minimize', bad, five), true);
      const fine = trial(9, 'running', 2, loss(0.2));
      assert.equal(shouldPrune({ kind: 'median' }, 'minimize', fine, five), false);
      // The median at step 1 is 0.8; the trial's best so far counts, not its latest value.
      const dipped: PrunerTrial = {
        id: 9,
        state: 'running',
        values: [
          { step: 0, value: 0.1 },
          { step: 1, value: 2 },
        ],
      };
      assert.equal(shouldPrune({ kind: 'median' }, 'minimize', dipped, five), false);
    });

    it('never prunes during the warm-up, and only at interval boundaries', () => {
      const bad = trial(9, 'running', 2, loss(1));
      assert.equal(shouldPrune({ kind: 'median', nWarmupSteps: 3 }, 'minimize', bad, five), false);
      assert.equal(
        shouldPrune({ kind: 'median', intervalSteps: 4 }, 'minimize', bad, five),
        false,
        'step 2 is not first past a boundary of 4',
      );
      assert.equal(
        shouldPrune(
          { kind: 'median', intervalSteps: 4 },
          'minimize',
          trial(9, 'running', 4, loss(1)),
          five,
        ),
        true,
      );
    });
  });
});
