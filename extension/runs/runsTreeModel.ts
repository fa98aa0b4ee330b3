/**
 * What the Experiments → Runs tree shows, as plain data: its nodes from one read of the
 * service, the labels beside them and how often those labels go stale. No `vscode` import,
 * so plain-Node unit tests load it (scripts/build-extension.mjs emits it on its own).
 *
 * One read, one clock: the root read lists every experiment's runs and stamps the nodes
 * with the time it happened, so an experiment's count is the rows under it and a sweep and
 * its trials measure "… ago" from the same instant, all from their start times.
 */
import {
  fromWireNumber,
  type ExperimentItem,
  type RunItem,
  type SweepItem,
} from '../../core/service/protocol';
import { formatDuration, formatMetric } from '../../core/common/format';
import { higherIsBetterByName } from '../../core/common/comparison';
import type { MessageNode } from '../util/serviceTree';

export type RunsTreeNode =
  | {
      kind: 'experiment';
      experiment: ExperimentItem;
      /** Every live run of the experiment, children included, as read with the root. */
      runs: RunItem[];
      /** When the root was read: every label below measures from it. */
      now: number;
    }
  | {
      kind: 'run';
      run: RunItem;
      children: RunItem[];
      best: boolean;
      /** The sweep this run is a trial of (its parent's), else null. */
      trialOf: SweepItem | null;
      now: number;
    }
  | { kind: 'deleted'; runs: RunItem[]; now: number }
  | MessageNode;

export type RunNode = Extract<RunsTreeNode, { kind: 'run' }>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(then: number, now: number): string {
  const s = Math.max(0, (now - then) / SECOND);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/**
 * How soon a label of this age ought to be redrawn: often enough that it is never more
 * than about half its unit behind ("just now" turns into "1 min ago" at 45 s).
 */
export function labelRefreshMs(ageMs: number): number {
  if (ageMs < HOUR) return ageMs < 45 * SECOND ? 15 * SECOND : 30 * SECOND;
  if (ageMs < DAY) return 10 * MINUTE;
  return HOUR;
}

/** The redraw period for a tree showing runs started at these times: the finest label's. */
export function treeRefreshMs(startTimes: readonly number[], now: number): number | undefined {
  if (startTimes.length === 0) return undefined;
  return Math.min(...startTimes.map((t) => labelRefreshMs(now - t)));
}

/** What the tree shows after a run's name: key metric, duration, when it started. */
export function runDescription(run: RunItem, now: number): string {
  const parts: string[] = [];
  if (run.keyMetric)
    parts.push(`${run.keyMetric.key} ${formatMetric(fromWireNumber(run.keyMetric.value))}`);
  parts.push(formatDuration((run.endTime ?? now) - run.startTime));
  parts.push(relativeTime(run.startTime, now));
  return parts.join(' · ');
}

/** The run's full description: pin, best star, trial count, then runDescription. */
export function runNodeDescription(node: RunNode): string {
  const prefix = [
    node.run.pinned ? '📌' : '',
    node.best ? '★ best' : '',
    node.children.length ? `${node.children.length} trials` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const description = runDescription(node.run, node.now);
  return prefix ? `${prefix} · ${description}` : description;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** `3 runs`, or `2 runs · 6 trials`: the rows under the experiment and the trials nested in them. */
export function experimentDescription(runs: readonly RunItem[]): string {
  const ids = new Set(runs.map((r) => r.id));
  const top = runs.filter((r) => r.parentRunId === null || !ids.has(r.parentRunId)).length;
  const nested = runs.length - top;
  return nested > 0 ? `${plural(top, 'run')} · ${plural(nested, 'trial')}` : plural(top, 'run');
}

/** `labbook.run.live.pinned.notebook`, `labbook.run.deleted.notebook`…: package.json menus match on these parts. */
export function runContextValue(run: RunItem): string {
  const parts = ['labbook.run', run.deletedAt ? 'deleted' : 'live'];
  if (!run.deletedAt) parts.push(run.pinned ? 'pinned' : 'unpinned');
  if (run.sourceNotebook) parts.push('notebook');
  return parts.join('.');
}

function descendants(runs: readonly RunItem[], id: string): RunItem[] {
  const out: RunItem[] = [];
  const queue = [id];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const r of runs)
      if (r.parentRunId === parent) {
        out.push(r);
        queue.push(r.id);
      }
  }
  return out;
}

/** The best finished run of `runs` by `key` in the given direction; runs showing another metric do not compete. */
function bestBy(runs: readonly RunItem[], key: string, higher: boolean): string | undefined {
  let bestId: string | undefined;
  let bestValue = NaN;
  for (const run of runs) {
    if (run.status !== 'finished' || run.keyMetric?.key !== key) continue;
    const value = fromWireNumber(run.keyMetric.value);
    if (!Number.isFinite(value)) continue;
    if (bestId === undefined || (higher ? value > bestValue : value < bestValue)) {
      bestId = run.id;
      bestValue = value;
    }
  }
  return bestId;
}

/**
 * The best top-level run by the experiment's key metric (its direction), else by the metric
 * each run shows, with the direction its name suggests. Only finished runs compete.
 */
export function bestRunId(runs: RunItem[], experiment: ExperimentItem): string | undefined {
  const top = runs.filter((r) => r.parentRunId === null);
  const key =
    experiment.keyMetric ?? top.find((r) => r.status === 'finished' && r.keyMetric)?.keyMetric?.key;
  if (!key) return undefined;
  const higher =
    experiment.keyMetric === key && experiment.keyMetricHigherIsBetter !== null
      ? experiment.keyMetricHigherIsBetter
      : higherIsBetterByName(key);
  return bestBy(top, key, higher);
}

/**
 * A sweep's best trial: the one it recorded when it ended, else (while it runs) the best
 * finished trial so far by the sweep's metric and goal.
 */
export function bestTrialId(sweep: SweepItem, trials: readonly RunItem[]): string | undefined {
  if (sweep.bestRunId && trials.some((t) => t.id === sweep.bestRunId)) return sweep.bestRunId;
  return bestBy(trials, sweep.metric, sweep.goal === 'maximize');
}

/** The nodes of one read of the service: experiments with their runs, then the deleted runs. */
export function rootNodes(
  experiments: readonly ExperimentItem[],
  runsOf: ReadonlyMap<number, RunItem[]>,
  deleted: RunItem[],
  now: number,
  /** Only the runs this person started; experiments without one are left out. */
  mine?: string,
): RunsTreeNode[] {
  const keep = (runs: RunItem[]) =>
    mine === undefined ? runs : runs.filter((r) => r.user === mine);
  const nodes: RunsTreeNode[] = experiments
    .map((experiment) => ({
      kind: 'experiment' as const,
      experiment,
      runs: keep(runsOf.get(experiment.id) ?? []),
      now,
    }))
    .filter((node) => mine === undefined || node.runs.length > 0);
  const deletedShown = keep(deleted);
  if (deletedShown.length > 0) nodes.push({ kind: 'deleted', runs: deletedShown, now });
  return nodes;
}

/** The rows under a node, from the runs it carries (no second read: see the file header). */
export function childNodes(node: Exclude<RunsTreeNode, MessageNode>): RunsTreeNode[] {
  if (node.kind === 'experiment') {
    const runs = node.runs;
    const ids = new Set(runs.map((r) => r.id));
    const best = bestRunId(runs, node.experiment);
    // A child whose parent is not in the list (deleted, or another experiment) shows at the top level.
    return runs
      .filter((r) => r.parentRunId === null || !ids.has(r.parentRunId))
      .map((run) => runNode(runs, run, run.id === best, null, node.now));
  }
  if (node.kind === 'run') {
    const sweep = node.run.sweep;
    const level = node.children.filter((r) => r.parentRunId === node.run.id);
    const best = sweep ? bestTrialId(sweep, level) : undefined;
    return level.map((run) => runNode(node.children, run, run.id === best, sweep, node.now));
  }
  return node.runs.map((run) => ({
    kind: 'run',
    run,
    children: [],
    best: false,
    trialOf: null,
    now: node.now,
  }));
}

function runNode(
  runs: readonly RunItem[],
  run: RunItem,
  best: boolean,
  trialOf: SweepItem | null,
  now: number,
): RunNode {
  return { kind: 'run', run, children: descendants(runs, run.id), best, trialOf, now };
}

/** The start times of the runs a node's rows show (for treeRefreshMs). */
export function startTimesUnder(nodes: readonly RunsTreeNode[]): number[] {
  return nodes
    .flatMap((n) => (n.kind === 'experiment' || n.kind === 'deleted' ? n.runs : []))
    .map((r) => r.startTime);
}

/** Why a row is starred, for its tooltip. */
export function bestReason(node: RunNode): string {
  if (node.trialOf)
    return `best trial of its sweep by ${node.trialOf.metric} (${node.trialOf.goal === 'maximize' ? 'higher' : 'lower'} is better)`;
  return `by ${node.run.keyMetric?.key ?? 'the key metric'} in its experiment`;
}

interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Redraws a tree's "… ago" labels while nothing else does (no run is writing): armed after
 * each read with the period its finest label needs, stopped while the view is hidden (and
 * redrawn at once when shown again, its labels being stale), and on dispose.
 */
export class RelabelTimer {
  private handle: unknown;
  private periodMs: number | undefined;
  private visible = true;
  private disposed = false;

  constructor(
    private readonly redraw: () => void,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  /** After a read: the next redraw in `periodMs` (undefined: no time is shown, none needed). */
  schedule(periodMs: number | undefined): void {
    this.periodMs = periodMs;
    this.arm();
  }

  setVisible(visible: boolean): void {
    const shown = visible && !this.visible;
    this.visible = visible;
    if (shown && !this.disposed) this.redraw();
    else this.arm();
  }

  /** Whether a redraw is waiting. */
  get armed(): boolean {
    return this.handle !== undefined;
  }

  private arm(): void {
    this.stop();
    if (this.disposed || !this.visible || this.periodMs === undefined) return;
    this.handle = this.timers.set(() => {
      this.handle = undefined;
      this.redraw();
    }, this.periodMs);
  }

  private stop(): void {
    if (this.handle !== undefined) this.timers.clear(this.handle);
    this.handle = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }
}
