/**
 * The study store (issue 19): shared hyperparameter searches that many workers, on many
 * machines, take trials from. What core/sweep may ask of studies and their trials; the
 * SQL is in core/store/sqlite/studies.ts, written once for both backends.
 *
 * A trial is claimed with a lease measured by the database's clock (never the worker's:
 * machines disagree about the time). The holder renews it by heartbeat; every write a
 * worker makes about its trial is fenced by the lease (trial, worker, attempt), so a
 * worker that stalled past its lease and came back has its late result refused
 * (StoreError LEASE_LOST) instead of overwriting the retry's.
 */

export type StudyDirection = 'minimize' | 'maximize';
export type TrialState = 'queued' | 'running' | 'finished' | 'pruned' | 'failed';
/** How an attempt ended: `lost` when its lease lapsed and the trial was reaped. */
export type AttemptOutcome = 'finished' | 'pruned' | 'failed' | 'lost';

/** What a study is made with; space, sampler and pruner are JSON-able settings core/sweep reads. */
export interface NewStudy {
  name: string;
  direction: StudyDirection;
  /** The metric that ranks trials. */
  metric: string;
  space: unknown;
  sampler: unknown;
  pruner: unknown;
  /** The run every trial's run is a child of. */
  parentRunId: string | null;
  /** How many trials a sampled study asks for in all; null when the queue is all there is. */
  maxTrials: number | null;
  /** How many times a trial whose lease lapsed is queued again before it is failed. */
  maxRetries: number;
  /** How long a claim holds without a heartbeat, in ms. */
  leaseMs: number;
}

export interface Study extends NewStudy {
  id: number;
  createdAt: number;
}

export interface Trial {
  id: number;
  studyId: number;
  /** 1-based, in the order trials were added to the study. */
  number: number;
  params: Record<string, unknown>;
  state: TrialState;
  /** How many times it was claimed. */
  attempt: number;
  worker: string | null;
  runId: string | null;
  leaseUntil: number | null;
  heartbeatAt: number | null;
  value: number | null;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** What fences a worker's writes about its trial. */
export interface TrialLease {
  trialId: number;
  worker: string;
  attempt: number;
}

export interface TrialAttempt {
  trialId: number;
  attempt: number;
  worker: string;
  claimedAt: number;
  endedAt: number | null;
  outcome: AttemptOutcome | null;
}

/** How a trial ends: its value (finished, pruned: the last intermediate value) or its error. */
export type TrialEnd =
  | { state: 'finished'; value: number }
  | { state: 'pruned'; value: number | null }
  | { state: 'failed'; error: string };

export interface IntermediateValue {
  step: number;
  value: number;
}

export interface StudyStore {
  /** Creates the study; refuses a name already taken (INVALID_ARGUMENT). */
  createStudy(study: NewStudy): Study;
  study(name: string): Study | undefined;
  studyNames(): string[];
  setParentRun(studyId: number, runId: string): void;
  /** Queues trials with these params, numbered after the study's last. */
  enqueueTrials(studyId: number, params: readonly Record<string, unknown>[]): Trial[];
  /**
   * Claims the first queued trial for `worker`, atomically (PostgreSQL: FOR UPDATE SKIP
   * LOCKED, so workers never wait on each other; SQLite: one immediate transaction), after
   * reaping the study's lapsed leases. Undefined when nothing is queued.
   */
  claimTrial(studyId: number, worker: string): Trial | undefined;
  /**
   * Adds a trial with `params` already claimed by `worker` (a sampler's next trial); undefined
   * when the study already holds `maxTrials` trials.
   */
  addClaimedTrial(
    studyId: number,
    worker: string,
    params: Record<string, unknown>,
  ): Trial | undefined;
  /** Renews the lease by `leaseMs` from the database's now; LEASE_LOST when it no longer holds. */
  heartbeat(lease: TrialLease): Trial;
  /** Records the run the trial is running in (fenced). */
  setTrialRun(lease: TrialLease, runId: string): void;
  /** Records an intermediate value (per epoch) of the trial (fenced). */
  reportValue(lease: TrialLease, step: number, value: number): void;
  /** Ends the trial (fenced): a worker that lost its lease gets LEASE_LOST and nothing is written. */
  finishTrial(lease: TrialLease, end: TrialEnd): Trial;
  /**
   * Trials whose lease lapsed: each is queued again while its attempts are within
   * 1 + maxRetries, else failed. Returns them as they are now.
   */
  reapStaleTrials(studyId: number): Trial[];
  trials(studyId: number): Trial[];
  trial(trialId: number): Trial | undefined;
  /** Every trial's intermediate values, by trial id, in step order. */
  intermediateValues(studyId: number): Map<number, IntermediateValue[]>;
  /** Every claim of the study's trials, in claim order. */
  attempts(studyId: number): TrialAttempt[];
  /** The finished trial with the best value in the study's direction (NaN never best). */
  bestTrial(studyId: number): Trial | undefined;
  /** The database's clock, in ms since the epoch: what leases are measured by. */
  now(): number;
}
