/**
 * A sweep's optimisation history: its trials in trial order, each with its value of the
 * optimised metric and the best value so far. Pure and browser-safe: the compare panel
 * draws it, the service only says which runs are whose trials (ComparisonSweep).
 */

export type SweepGoal = 'minimize' | 'maximize';

/** How a trial stands: the states of a shared study's trials, as the runs record them. */
export type TrialOutcome = 'finished' | 'running' | 'pruned' | 'failed';

/** What the service tells the compare panel when the compared runs are one sweep's trials. */
export interface ComparisonSweep {
  parentRunId: string;
  metric: string;
  goal: SweepGoal;
  /** The compared runs that are trials (the parent left out), in no particular order. */
  trials: { runId: string; number: number | null; state: TrialOutcome }[];
}

export interface HistoryTrial {
  runId: string;
  name: string;
  /** The trial's number (`trial-7`); null when its name carries none. */
  number: number | null;
  startTime: number;
  /** The metric's latest value; null when the trial logged none. NaN and ±Infinity allowed. */
  value: number | null;
  state: TrialOutcome;
}

export interface HistoryPoint {
  /** 1-based position in trial order: the chart's x. */
  order: number;
  runId: string;
  name: string;
  number: number | null;
  state: TrialOutcome;
  /** The trial's own value (null: none); non-finite values are kept so the table can show them. */
  value: number | null;
  /** Best value among this and every earlier counted trial; null until one counts. */
  best: number | null;
  /** Whether this trial's value could compete: finished with a finite value. */
  counted: boolean;
  /** Whether this trial set a new best. */
  improved: boolean;
}

export class OptimisationHistoryError extends Error {
  override name = 'OptimisationHistoryError';
}

/** The trial number in a sweep trial's run name (`trial-12` is 12); null for any other name. */
export function trialNumberOf(name: string): number | null {
  const m = /^trial-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Trial order: by number when every trial has one, else by start time (ties by number,
 * then run id, so the order never depends on how the runs arrived).
 */
function inTrialOrder(trials: readonly HistoryTrial[]): HistoryTrial[] {
  const byNumber = trials.every((t) => t.number !== null);
  return [...trials].sort((a, b) =>
    byNumber
      ? a.number! - b.number! || a.startTime - b.startTime
      : a.startTime - b.startTime ||
        (a.number ?? Infinity) - (b.number ?? Infinity) ||
        (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0),
  );
}

/**
 * Per trial, in trial order, its value and the best so far in the goal's direction. Only
 * finished trials with a finite value count: a pruned trial's value is an intermediate one
 * and a failed or running trial has no final value, so none of them moves the best.
 */
export function optimisationHistory(
  trials: readonly HistoryTrial[],
  goal: SweepGoal,
): HistoryPoint[] {
  if (goal !== 'minimize' && goal !== 'maximize')
    throw new OptimisationHistoryError(
      `goal must be "minimize" or "maximize", got ${JSON.stringify(goal)}`,
    );
  for (const t of trials) {
    if (!['finished', 'running', 'pruned', 'failed'].includes(t.state))
      throw new OptimisationHistoryError(
        `trial ${t.name} (${t.runId}): state must be finished, running, pruned or failed, got ${JSON.stringify(t.state)}`,
      );
  }
  let best: number | null = null;
  return inTrialOrder(trials).map((t, i) => {
    const counted = t.state === 'finished' && t.value !== null && Number.isFinite(t.value);
    const improved =
      counted && (best === null || (goal === 'minimize' ? t.value! < best : t.value! > best));
    if (improved) best = t.value;
    return {
      order: i + 1,
      runId: t.runId,
      name: t.name,
      number: t.number,
      state: t.state,
      value: t.value,
      best,
      counted,
      improved,
    };
  });
}
