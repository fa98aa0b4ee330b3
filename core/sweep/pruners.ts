/**
 * Pruners (issue 19, item 2): whether a running trial should stop early, from the
 * intermediate values (one per step, e.g. per epoch) of every trial in its study. Plain
 * functions: no store, no clock, so every worker reaching the same data decides the same.
 *
 * Both follow Optuna's, defaults included:
 * - median stopping (MedianPruner: n_startup_trials=5, n_warmup_steps=0, interval_steps=1,
 *   n_min_trials=1): prune when the trial's best value so far is worse than the median of
 *   the finished trials' values at the same step;
 * - asynchronous successive halving (SuccessiveHalvingPruner: min_resource "auto",
 *   reduction_factor=4, min_early_stopping_rate=0, bootstrap_count=0): rung r is reached at
 *   step min_resource * reduction_factor^(min_early_stopping_rate + r); a trial reaching a
 *   rung goes on only when its value is in the top 1/reduction_factor of the values every
 *   trial had on reaching that rung (the best, while fewer than reduction_factor have).
 *
 * One difference, as the store keeps it: Optuna records a trial's value at each rung as it
 * passes; here it is read back from the values (the first step at or past the rung), and a
 * pruned trial counts up to the rung where it stopped.
 */
import type { IntermediateValue, StudyDirection, TrialState } from '../store/studies';

export interface MedianPrunerSettings {
  kind: 'median';
  /** Finished trials needed before any pruning. */
  nStartupTrials?: number;
  /** Steps of each trial never pruned. */
  nWarmupSteps?: number;
  /** Prune only every this many steps (after the warm-up). */
  intervalSteps?: number;
  /** Finished trials with a value at the step needed to compare. */
  nMinTrials?: number;
}

export interface AshaPrunerSettings {
  kind: 'asha';
  /** The step of the first rung; "auto": the longest finished trial's last step / 100, at least 1. */
  minResource?: number | 'auto';
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
}

export type PrunerSettings = MedianPrunerSettings | AshaPrunerSettings;

/** A trial as the pruners see it. */
export interface PrunerTrial {
  id: number;
  state: TrialState;
  /** In step order. */
  values: readonly IntermediateValue[];
}

function fail(message: string): never {
  throw new TypeError(`pruner: ${message}`);
}

function wholeAtLeast(where: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    fail(`${where} must be a whole number >= ${min}, got ${String(value)}`);
  return value;
}

/** Checks pruner settings from a spec or the store, filling Optuna's defaults. */
export function checkPruner(
  settings: unknown,
): Required<MedianPrunerSettings> | Required<AshaPrunerSettings> {
  if (!settings || typeof settings !== 'object' || Array.isArray(settings))
    fail(`expected { kind: "median" } or { kind: "asha" }, got ${JSON.stringify(settings)}`);
  const s = settings as Record<string, unknown>;
  const known =
    s.kind === 'median'
      ? ['kind', 'nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials']
      : s.kind === 'asha'
        ? ['kind', 'minResource', 'reductionFactor', 'minEarlyStoppingRate']
        : fail(`kind must be "median" or "asha", got ${JSON.stringify(s.kind)}`);
  for (const key of Object.keys(s))
    if (!known.includes(key))
      fail(`unknown field "${key}" for kind ${String(s.kind)} (known: ${known.join(', ')})`);
  if (s.kind === 'median')
    return {
      kind: 'median',
      nStartupTrials: wholeAtLeast('nStartupTrials', s.nStartupTrials ?? 5, 0),
      nWarmupSteps: wholeAtLeast('nWarmupSteps', s.nWarmupSteps ?? 0, 0),
      intervalSteps: wholeAtLeast('intervalSteps', s.intervalSteps ?? 1, 1),
      nMinTrials: wholeAtLeast('nMinTrials', s.nMinTrials ?? 1, 1),
    };
  const minResource = s.minResource ?? 'auto';
  return {
    kind: 'asha',
    minResource: minResource === 'auto' ? 'auto' : wholeAtLeast('minResource', minResource, 1),
    reductionFactor: wholeAtLeast('reductionFactor', s.reductionFactor ?? 4, 2),
    minEarlyStoppingRate: wholeAtLeast('minEarlyStoppingRate', s.minEarlyStoppingRate ?? 0, 0),
  };
}

/** numpy's percentile with linear interpolation, NaN left out (np.nanpercentile). */
export function nanPercentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

const lastOf = (t: PrunerTrial) => t.values[t.values.length - 1];

/** Whether `trial` (running, its last value just reported) should be pruned now. */
export function shouldPrune(
  settings: PrunerSettings,
  direction: StudyDirection,
  trial: PrunerTrial,
  study: readonly PrunerTrial[],
): boolean {
  const pruner = checkPruner(settings);
  const others = study.filter((t) => t.id !== trial.id);
  return pruner.kind === 'median'
    ? medianPrune(pruner, direction, trial, others)
    : ashaPrune(pruner, direction, trial, others);
}

function medianPrune(
  p: Required<MedianPrunerSettings>,
  direction: StudyDirection,
  trial: PrunerTrial,
  others: readonly PrunerTrial[],
): boolean {
  const finished = others.filter((t) => t.state === 'finished');
  if (finished.length === 0 || finished.length < p.nStartupTrials) return false;
  const last = lastOf(trial);
  if (!last) return false;
  const step = last.step;
  if (step < p.nWarmupSteps) return false;
  // Only the first report at or past each interval boundary is judged (Optuna's
  // _is_first_in_interval_step).
  const boundary =
    Math.floor((step - p.nWarmupSteps) / p.intervalSteps) * p.intervalSteps + p.nWarmupSteps;
  let secondLast = -1;
  for (const v of trial.values) if (v.step > secondLast && v.step !== step) secondLast = v.step;
  if (secondLast >= boundary) return false;
  const own = trial.values.map((v) => v.value).filter((v) => !Number.isNaN(v));
  if (own.length === 0) return true;
  const best = direction === 'maximize' ? Math.max(...own) : Math.min(...own);
  const atStep = finished.flatMap((t) =>
    t.values.filter((v) => v.step === step).map((v) => v.value),
  );
  if (atStep.length < p.nMinTrials) return false;
  const median = nanPercentile(atStep, 50);
  if (Number.isNaN(median)) return false;
  return direction === 'maximize' ? best < median : best > median;
}

/** Optuna's _estimate_min_resource: the longest finished trial's last step / 100, at least 1. */
function estimateMinResource(others: readonly PrunerTrial[]): number | undefined {
  const steps = others
    .filter((t) => t.state === 'finished' && lastOf(t))
    .map((t) => lastOf(t).step);
  if (steps.length === 0) return undefined;
  return Math.max(Math.floor(Math.max(...steps) / 100), 1);
}

/** A trial's value on reaching each rung: the first step at or past the rung's. */
function rungValues(t: PrunerTrial, rungStep: (rung: number) => number): number[] {
  const out: number[] = [];
  const last = lastOf(t);
  for (let rung = 0; last && rungStep(rung) <= last.step; rung++) {
    const reached = t.values.find((v) => v.step >= rungStep(rung))!;
    out.push(reached.value);
    // A pruned trial stopped at the rung its last step reached first.
    if (t.state === 'pruned' && reached.step === last.step) break;
  }
  return out;
}

function ashaPrune(
  p: Required<AshaPrunerSettings>,
  direction: StudyDirection,
  trial: PrunerTrial,
  others: readonly PrunerTrial[],
): boolean {
  const last = lastOf(trial);
  if (!last) return false;
  const minResource = p.minResource === 'auto' ? estimateMinResource(others) : p.minResource;
  if (minResource === undefined) return false;
  const rungStep = (rung: number) =>
    minResource * p.reductionFactor ** (p.minEarlyStoppingRate + rung);
  // Rungs the trial passed at earlier steps.
  let rung = 0;
  while (trial.values.some((v) => v.step < last.step && v.step >= rungStep(rung))) rung++;
  const value = last.value;
  const competitors = others.map((t) => rungValues(t, rungStep));
  for (;;) {
    if (last.step < rungStep(rung)) return false;
    if (Number.isNaN(value)) return true;
    const competing = competitors.filter((c) => c.length > rung).map((c) => c[rung]);
    competing.push(value);
    if (!promotable(value, competing, p.reductionFactor, direction)) return true;
    rung += 1;
  }
}

/** Optuna's _is_trial_promotable_to_next_rung. */
function promotable(
  value: number,
  competing: number[],
  reductionFactor: number,
  direction: StudyDirection,
): boolean {
  let index = Math.floor(competing.length / reductionFactor) - 1;
  // Fewer than reduction_factor competitors: only the best goes on.
  if (index === -1) index = 0;
  competing.sort((a, b) => a - b);
  return direction === 'maximize'
    ? value >= competing[competing.length - 1 - index]
    : value <= competing[index];
}
