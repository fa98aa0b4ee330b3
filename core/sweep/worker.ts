/**
 * A study worker (issue 19): takes trials from a shared study until none is left, and for
 * each keeps its lease alive by a heartbeat on a timer, runs the trial, lets the study's
 * pruner stop it early, and reports how it ended. The SDK's `lab.sweep({ study })` and
 * `labbook sweep worker` both run this loop; what a trial does (a notebook, a function)
 * is the caller's.
 *
 * A worker that loses its lease (it stalled past the lease, and another worker took the
 * trial over) learns it from the refused heartbeat or result and goes on with the next
 * trial: the database, not the worker, decides who holds a trial.
 */
import { hostname } from 'node:os';
import { StoreError } from '../store/errors';
import type { Study, StudyStore, Trial, TrialLease } from '../store/studies';
import { checkPruner, shouldPrune, type PrunerTrial } from './pruners';
import { checkSpace, mulberry32, sampleUniform, type ChoiceValue, type SpaceParam } from './space';
import { tpeSample, type Observation, type TpeSettings } from './tpe';

/** The study a `labbook sweep worker` runs the notebook for, and how many trials it may take. */
export const SWEEP_STUDY_ENV = 'LABBOOK_SWEEP_STUDY';
export const SWEEP_TRIALS_ENV = 'LABBOOK_SWEEP_TRIALS';

export type SamplerSettings =
  { kind: 'grid' } | { kind: 'random'; seed: number; trials: number } | TpeSettings;

/** What one trial may do while it runs. */
export interface TrialContext {
  readonly trial: Trial;
  readonly lease: TrialLease;
  /** Records an intermediate value; true when the study's pruner says the trial should stop. */
  report(step: number, value: number): boolean;
  /** The pruner stopped this trial: it ends `pruned`, whatever the trial function returns. */
  readonly pruned: boolean;
  /** Another worker holds the trial now: nothing this one reports counts. */
  readonly leaseLost: boolean;
}

/** A trial's work: its objective value (undefined: the last intermediate value). */
export type RunTrial = (context: TrialContext) => Promise<number | undefined>;

export interface WorkerOptions {
  /** This worker's id in the store; default `<host>:<pid>:<random>`. */
  worker?: string;
  /** Stop after this many trials. */
  maxTrials?: number;
  /** Heartbeat period; default a third of the study's lease. */
  heartbeatMs?: number;
  /** Told about each trial as it ends (or is refused). */
  onTrialEnd?: (outcome: TrialOutcome) => void;
}

export interface TrialOutcome {
  trial: Trial;
  state: 'finished' | 'pruned' | 'failed' | 'lost';
  value: number | null;
  error: string | null;
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(16).slice(2, 8)}`;
}

/** The params of every trial a grid or random study queues at creation. */
export function plannedTrials(
  space: unknown,
  sampler: SamplerSettings,
): Record<string, ChoiceValue>[] {
  const params = checkSpace(space);
  if (sampler.kind === 'tpe') return [];
  if (sampler.kind === 'random') {
    const random = mulberry32(sampler.seed);
    return Array.from({ length: sampler.trials }, () => {
      const out: Record<string, ChoiceValue> = {};
      for (const p of params) out[p.key] = sampleUniform(p, random);
      return out;
    });
  }
  let combos: Record<string, ChoiceValue>[] = [{}];
  for (const p of params) {
    if (p.kind !== 'categorical') throw new TypeError(`grid: ${p.key} must list its values`);
    combos = combos.flatMap((c) => p.choices.map((v) => ({ ...c, [p.key]: v })));
  }
  return combos;
}

/** The study's next trial for `worker`: a queued one (retries first in number order), else a sampled one. */
export function nextTrial(studies: StudyStore, study: Study, worker: string): Trial | undefined {
  const claimed = studies.claimTrial(study.id, worker);
  if (claimed) return claimed;
  const sampler = study.sampler as SamplerSettings;
  if (sampler.kind !== 'tpe') return undefined;
  const all = studies.trials(study.id);
  if (study.maxTrials !== null && all.length >= study.maxTrials) return undefined;
  const sign = study.direction === 'maximize' ? -1 : 1;
  const finished: Observation[] = all
    .filter((t) => t.state === 'finished' && t.value !== null)
    .map((t) => ({ number: t.number, params: t.params, loss: sign * (t.value as number) }));
  const space: SpaceParam[] = checkSpace(study.space);
  const params = tpeSample(space, finished, sampler, all.length + 1);
  return studies.addClaimedTrial(study.id, worker, params);
}

function prunerView(studies: StudyStore, studyId: number): PrunerTrial[] {
  const values = studies.intermediateValues(studyId);
  return studies
    .trials(studyId)
    .map((t) => ({ id: t.id, state: t.state, values: values.get(t.id) ?? [] }));
}

const isLeaseLost = (error: unknown) => error instanceof StoreError && error.code === 'LEASE_LOST';

/** Runs one claimed trial to its end, heartbeating meanwhile. */
export async function runClaimedTrial(
  studies: StudyStore,
  study: Study,
  trial: Trial,
  runTrial: RunTrial,
  options: { heartbeatMs?: number } = {},
): Promise<TrialOutcome> {
  const lease: TrialLease = { trialId: trial.id, worker: trial.worker!, attempt: trial.attempt };
  const pruner =
    study.pruner === null || study.pruner === undefined ? undefined : checkPruner(study.pruner);
  let pruned = false;
  let leaseLost = false;
  // A holder, not a variable: report() sets it from a closure the compiler does not follow.
  const latest: { value: number | null } = { value: null };
  const beat = setInterval(
    () => {
      try {
        studies.heartbeat(lease);
      } catch (error) {
        if (isLeaseLost(error)) {
          leaseLost = true;
          clearInterval(beat);
        } else process.emitWarning(`labbook sweep: heartbeat failed: ${(error as Error).message}`);
      }
    },
    options.heartbeatMs ?? Math.max(50, Math.floor(study.leaseMs / 3)),
  );
  const context: TrialContext = {
    trial,
    lease,
    get pruned() {
      return pruned;
    },
    get leaseLost() {
      return leaseLost;
    },
    report(step, value) {
      if (leaseLost) return true;
      try {
        studies.reportValue(lease, step, value);
      } catch (error) {
        if (!isLeaseLost(error)) throw error;
        leaseLost = true;
        return true;
      }
      latest.value = value;
      if (pruner && !pruned) {
        const view = prunerView(studies, study.id);
        const self = view.find((t) => t.id === trial.id)!;
        pruned = shouldPrune(pruner, study.direction, self, view);
      }
      return pruned;
    },
  };
  try {
    let returned: number | undefined;
    let failure: string | null = null;
    try {
      returned = await runTrial(context);
    } catch (error) {
      failure = (error as Error)?.message ?? String(error);
    }
    clearInterval(beat);
    const end =
      failure !== null
        ? ({ state: 'failed', error: failure } as const)
        : pruned
          ? ({ state: 'pruned', value: latest.value } as const)
          : returned !== undefined || latest.value !== null
            ? ({ state: 'finished', value: returned ?? (latest.value as number) } as const)
            : ({
                state: 'failed',
                error: `trial ${trial.number} returned no value and reported none`,
              } as const);
    try {
      const done = studies.finishTrial(lease, end);
      return { trial: done, state: end.state, value: done.value, error: done.error };
    } catch (error) {
      if (!isLeaseLost(error)) throw error;
      return { trial, state: 'lost', value: null, error: (error as Error).message };
    }
  } finally {
    clearInterval(beat);
  }
}

/**
 * Takes trials from the study until none is queued or running (or `maxTrials` ran); returns
 * what each ended as.
 */
export async function runStudyWorker(
  studies: StudyStore,
  studyName: string,
  runTrial: RunTrial,
  options: WorkerOptions = {},
): Promise<TrialOutcome[]> {
  const study = studies.study(studyName);
  if (!study) throw new StoreError('NOT_FOUND', `no study named "${studyName}" in the store`);
  const worker = options.worker ?? defaultWorkerId();
  const outcomes: TrialOutcome[] = [];
  while (options.maxTrials === undefined || outcomes.length < options.maxTrials) {
    const trial = nextTrial(studies, study, worker);
    if (!trial) {
      // Another worker's trial may still lapse and be queued again: wait while any runs.
      if (!studies.trials(study.id).some((t) => t.state === 'running')) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(50, study.leaseMs / 4)));
      continue;
    }
    const outcome = await runClaimedTrial(studies, study, trial, runTrial, options);
    outcomes.push(outcome);
    options.onTrialEnd?.(outcome);
  }
  return outcomes;
}
