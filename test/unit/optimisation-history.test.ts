/**
 * A sweep's optimisation history (core/common/optimisation-history.ts): trial order, the
 * best so far in either direction, and trials that must not move it (pruned, failed,
 * running, NaN, no value). Expected values worked out by hand in the comments.
 */
import { strict as assert } from 'node:assert';
import {
  optimisationHistory,
  trialNumberOf,
  type HistoryTrial,
  type SweepGoal,
} from '../../core/common/optimisation-history';

function trial(
  number: number | null,
  value: number | null,
  state: HistoryTrial['state'] = 'finished',
  startTime = 1000 + (number ?? 0),
): HistoryTrial {
  return {
    runId: `run-${number ?? startTime}`,
    name: `trial-${number}`,
    number,
    startTime,
    value,
    state,
  };
}

const bests = (trials: HistoryTrial[], goal: SweepGoal) =>
  optimisationHistory(trials, goal).map((p) => p.best);

describe('optimisation history', () => {
  it('keeps the lowest value so far when minimising, with NaN, pruned and failed trials not counting', () => {
    // Given out of order on purpose: trial order is by number.
    const trials = [
      trial(3, Number.NaN), // NaN: best stays 0.8
      trial(1, 0.8), // first counted value: 0.8
      trial(2, 0.9), // worse: 0.8
      trial(5, 0.6), // better: 0.6
      trial(4, 0.1, 'pruned'), // lower, but an intermediate value: stays 0.8
      trial(6, null, 'failed'), // no value: 0.6
      trial(7, 0.6), // equal is no improvement: 0.6
      trial(8, 0.55), // better: 0.55
      trial(9, Number.NEGATIVE_INFINITY), // not finite: 0.55
      trial(10, 0.2, 'running'), // not final: 0.55
    ];
    const history = optimisationHistory(trials, 'minimize');
    assert.deepEqual(
      history.map((p) => p.number),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      history.map((p) => p.order),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.deepEqual(
      history.map((p) => p.best),
      [0.8, 0.8, 0.8, 0.8, 0.6, 0.6, 0.6, 0.55, 0.55, 0.55],
    );
    assert.deepEqual(
      history.map((p) => p.improved),
      [true, false, false, false, true, false, false, true, false, false],
    );
    assert.deepEqual(
      history.map((p) => p.counted),
      [true, true, false, false, true, false, true, true, false, false],
    );
    assert.deepEqual(
      history.map((p) => p.state),
      [
        'finished',
        'finished',
        'finished',
        'pruned',
        'finished',
        'failed',
        'finished',
        'finished',
        'finished',
        'running',
      ],
    );
    // The trial's own value is kept (NaN too) for the table.
    assert.ok(Number.isNaN(history[2].value));
    assert.equal(history[3].value, 0.1);
    assert.equal(history[5].value, null);
  });

  it('keeps the highest value so far when maximising', () => {
    // 0.7 → 0.7 (0.65 worse) → 0.9 (pruned 0.95 ignored before it) → 0.9
    const trials = [
      trial(1, 0.7),
      trial(2, 0.65),
      trial(3, 0.95, 'pruned'),
      trial(4, 0.9),
      trial(5, 0.85),
    ];
    assert.deepEqual(bests(trials, 'maximize'), [0.7, 0.7, 0.7, 0.9, 0.9]);
    // The same trials minimised: 0.7 → 0.65 → 0.65 → 0.65 → 0.65
    assert.deepEqual(bests(trials, 'minimize'), [0.7, 0.65, 0.65, 0.65, 0.65]);
  });

  it('has no best until a trial counts', () => {
    const trials = [
      trial(1, null, 'failed'),
      trial(2, 0.3, 'pruned'),
      trial(3, Number.NaN),
      trial(4, 2),
    ];
    assert.deepEqual(bests(trials, 'minimize'), [null, null, null, 2]);
    assert.deepEqual(optimisationHistory([], 'maximize'), []);
  });

  it('orders by start time when a trial has no number', () => {
    const trials = [
      trial(null, 5, 'finished', 3000), // third
      trial(2, 7, 'finished', 1000), // first
      trial(1, 4, 'finished', 2000), // second (start time wins over the number)
    ];
    const history = optimisationHistory(trials, 'minimize');
    assert.deepEqual(
      history.map((p) => p.value),
      [7, 4, 5],
    );
    assert.deepEqual(
      history.map((p) => p.best),
      [7, 4, 4],
    );
  });

  it('reads trial numbers from run names', () => {
    assert.equal(trialNumberOf('trial-12'), 12);
    assert.equal(trialNumberOf('trial-1'), 1);
    assert.equal(trialNumberOf('trial-'), null);
    assert.equal(trialNumberOf('my trial-3'), null);
    assert.equal(trialNumberOf('baseline'), null);
  });

  it('names the bad input', () => {
    assert.throws(
      () => optimisationHistory([trial(1, 1)], 'up' as SweepGoal),
      /goal must be "minimize" or "maximize", got "up"/,
    );
    assert.throws(
      () => optimisationHistory([trial(1, 1, 'queued' as HistoryTrial['state'])], 'minimize'),
      /trial trial-1 \(run-1\): state must be finished, running, pruned or failed, got "queued"/,
    );
  });
});
