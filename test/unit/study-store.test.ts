/**
 * The study store's contract (issue 19, item 1), on SQLite and on PostgreSQL from one
 * suite: studies by name, a queue of trials claimed atomically, leases measured by the
 * database's clock and renewed by heartbeat, lapsed leases reaped (queued again up to the
 * retry limit, then failed), and every write of a worker fenced by its lease.
 */
import { strict as assert } from 'node:assert';
import { StoreError, studyStore, type NewStudy, type StudyStore } from '../../core/store';
import { forEachBackend } from '../support/backends';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function settings(overrides: Partial<NewStudy> = {}): NewStudy {
  return {
    name: 'penguins-lr',
    direction: 'minimize',
    metric: 'val_loss',
    space: { lr: { min: 1e-4, max: 1e-1, log: true } },
    sampler: { kind: 'random', seed: 1 },
    pruner: null,
    parentRunId: null,
    maxTrials: null,
    maxRetries: 1,
    leaseMs: 60_000,
    ...overrides,
  };
}

function refused(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

forEachBackend('study store', (backend) => {
  let studies: StudyStore;
  beforeEach(() => {
    studies = studyStore(backend().openSync());
  });

  it('creates a study by name, reads it back, and refuses the name twice and bad settings', () => {
    const made = studies.createStudy(settings({ pruner: { kind: 'asha' }, maxTrials: 12 }));
    const read = studies.study('penguins-lr')!;
    assert.deepEqual(read, made);
    assert.equal(read.direction, 'minimize');
    assert.deepEqual(read.space, { lr: { min: 1e-4, max: 1e-1, log: true } });
    assert.deepEqual(read.pruner, { kind: 'asha' });
    assert.equal(read.maxTrials, 12);
    assert.equal(read.maxRetries, 1);
    assert.equal(studies.study('nope'), undefined);
    assert.deepEqual(studies.studyNames(), ['penguins-lr']);
    refused(() => studies.createStudy(settings()), 'INVALID_ARGUMENT', /already exists/);
    refused(
      () => studies.createStudy(settings({ name: 'x', direction: 'up' as never })),
      'INVALID_ARGUMENT',
      /direction must be "minimize" or "maximize", got up/,
    );
    refused(
      () => studies.createStudy(settings({ name: 'y', leaseMs: 0 })),
      'INVALID_ARGUMENT',
      /leaseMs must be/,
    );
  });

  it('claims queued trials in order, each once, across two connections', () => {
    const study = studies.createStudy(settings());
    const queued = studies.enqueueTrials(study.id, [{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001 }]);
    assert.deepEqual(
      queued.map((t) => [t.number, t.state, t.attempt]),
      [
        [1, 'queued', 0],
        [2, 'queued', 0],
        [3, 'queued', 0],
      ],
    );
    const other = studyStore(backend().openSync());
    const a = studies.claimTrial(study.id, 'worker-a')!;
    const b = other.claimTrial(study.id, 'worker-b')!;
    const c = studies.claimTrial(study.id, 'worker-a')!;
    assert.deepEqual(
      [a, b, c].map((t) => [t.number, t.worker, t.attempt, t.state]),
      [
        [1, 'worker-a', 1, 'running'],
        [2, 'worker-b', 1, 'running'],
        [3, 'worker-a', 1, 'running'],
      ],
    );
    assert.deepEqual(b.params, { lr: 0.01 });
    assert.equal(other.claimTrial(study.id, 'worker-b'), undefined);
    // The lease is measured by the database's clock.
    const now = studies.now();
    assert.ok(Math.abs(now - Date.now()) < 5000, `database clock ${now} vs ${Date.now()}`);
    assert.ok(a.leaseUntil! - a.heartbeatAt! === 60_000, 'lease = heartbeat + leaseMs');
  });

  it('refuses a late result from a worker whose lease lapsed, and the retry finishes', async () => {
    const study = studies.createStudy(settings({ leaseMs: 300, maxRetries: 1 }));
    studies.enqueueTrials(study.id, [{ lr: 0.1 }]);
    const first = studies.claimTrial(study.id, 'worker-a')!;
    const leaseA = { trialId: first.id, worker: 'worker-a', attempt: first.attempt };
    const renewed = studies.heartbeat(leaseA);
    assert.ok(renewed.leaseUntil! >= first.leaseUntil!);
    studies.reportValue(leaseA, 0, 0.9);
    await sleep(500);
    refused(() => studies.heartbeat(leaseA), 'LEASE_LOST', /its lease lapsed/);
    const reaped = studies.reapStaleTrials(study.id);
    assert.deepEqual(
      reaped.map((t) => [t.number, t.state, t.attempt, t.worker]),
      [[1, 'queued', 1, null]],
    );
    assert.match(reaped[0].error!, /attempt 1 by worker worker-a stopped heartbeating/);
    const second = studies.claimTrial(study.id, 'worker-b')!;
    assert.equal(second.attempt, 2);
    assert.equal(studies.intermediateValues(study.id).size, 0, 'a retry starts over');
    refused(
      () => studies.finishTrial(leaseA, { state: 'finished', value: 0.5 }),
      'LEASE_LOST',
      /worker worker-a \(attempt 1\) cannot report its result.*attempt 2 by worker worker-b holds it now; the result is refused/,
    );
    refused(
      () => studies.reportValue(leaseA, 1, 0.4),
      'LEASE_LOST',
      /cannot report an intermediate value/,
    );
    const leaseB = { trialId: second.id, worker: 'worker-b', attempt: 2 };
    const done = studies.finishTrial(leaseB, { state: 'finished', value: 0.25 });
    assert.equal(done.state, 'finished');
    assert.equal(done.value, 0.25);
    refused(
      () => studies.finishTrial(leaseB, { state: 'finished', value: 0.1 }),
      'LEASE_LOST',
      /already finished/,
    );
    assert.deepEqual(
      studies.attempts(study.id).map((a) => [a.attempt, a.worker, a.outcome]),
      [
        [1, 'worker-a', 'lost'],
        [2, 'worker-b', 'finished'],
      ],
    );
    assert.equal(studies.trial(second.id)!.value, 0.25);
  });

  it('fails a lapsed trial past the retry limit', async () => {
    const study = studies.createStudy(settings({ leaseMs: 200, maxRetries: 0 }));
    studies.enqueueTrials(study.id, [{ lr: 0.1 }]);
    studies.claimTrial(study.id, 'worker-a');
    await sleep(400);
    // Claiming reaps first: nothing is left to claim.
    assert.equal(studies.claimTrial(study.id, 'worker-b'), undefined);
    const [trial] = studies.trials(study.id);
    assert.equal(trial.state, 'failed');
    assert.equal(trial.worker, 'worker-a');
    assert.match(trial.error!, /stopped heartbeating/);
  });

  it('keeps intermediate values per step and the best finished trial by direction', () => {
    const study = studies.createStudy(settings({ direction: 'maximize' }));
    studies.enqueueTrials(study.id, [{}, {}, {}, {}]);
    const ends = [
      { state: 'finished', value: 0.7 },
      { state: 'pruned', value: 0.99 },
      { state: 'finished', value: NaN },
      { state: 'finished', value: 0.8 },
    ] as const;
    const ids: number[] = [];
    for (const end of ends) {
      const t = studies.claimTrial(study.id, 'w')!;
      const lease = { trialId: t.id, worker: 'w', attempt: t.attempt };
      studies.reportValue(lease, 0, 0.1);
      studies.reportValue(lease, 1, 0.2);
      studies.reportValue(lease, 1, 0.3); // a step reported again keeps the last value
      studies.finishTrial(lease, end);
      ids.push(t.id);
    }
    assert.deepEqual(studies.intermediateValues(study.id).get(ids[0]), [
      { step: 0, value: 0.1 },
      { step: 1, value: 0.3 },
    ]);
    assert.equal(studies.bestTrial(study.id)!.number, 4, 'pruned and NaN trials are never best');
    refused(
      () => studies.reportValue({ trialId: ids[0], worker: 'w', attempt: 1 }, -1, 1),
      'INVALID_ARGUMENT',
      /step must be a whole number >= 0, got -1/,
    );
  });

  it('adds sampled trials already claimed, up to maxTrials', () => {
    const study = studies.createStudy(settings({ maxTrials: 2, sampler: { kind: 'tpe' } }));
    const one = studies.addClaimedTrial(study.id, 'w', { lr: 0.1 })!;
    const two = studies.addClaimedTrial(study.id, 'v', { lr: 0.2 })!;
    assert.deepEqual(
      [one, two].map((t) => [t.number, t.state, t.attempt, t.worker]),
      [
        [1, 'running', 1, 'w'],
        [2, 'running', 1, 'v'],
      ],
    );
    assert.equal(studies.addClaimedTrial(study.id, 'w', { lr: 0.3 }), undefined);
    studies.setTrialRun({ trialId: one.id, worker: 'w', attempt: 1 }, 'run-1');
    assert.equal(studies.trial(one.id)!.runId, 'run-1');
    refused(
      () => studies.setTrialRun({ trialId: one.id, worker: 'v', attempt: 1 }, 'run-2'),
      'LEASE_LOST',
      /worker v \(attempt 1\) cannot record its run/,
    );
  });
});
