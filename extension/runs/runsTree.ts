/**
 * The Experiments → Runs tree in the Labbook sidebar. `getChildren` only asks the
 * workspace service (no I/O here, no messages); the store's change notifications refresh
 * it, debounced, so it follows a model while it trains.
 */
import * as vscode from 'vscode';
import { fromWireNumber, type ExperimentItem, type RunItem } from '../../core/service/protocol';
import { ServiceTree, type MessageNode } from '../util/serviceTree';
import { formatDuration, formatMetric } from '../../core/common/format';
import { higherIsBetterByName } from '../../core/common/comparison';

export type RunsTreeNode =
  | { kind: 'experiment'; experiment: ExperimentItem }
  | { kind: 'run'; run: RunItem; children: RunItem[]; best: boolean }
  | { kind: 'deleted'; runs: RunItem[] }
  | MessageNode;

const STATUS_ICONS: Record<RunItem['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('progressBar.background')),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  killed: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

export function relativeTime(then: number, now: number): string {
  const s = Math.max(0, (now - then) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
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

/** `labbook.run.live.pinned.notebook`, `labbook.run.deleted.notebook`…: package.json menus match on these parts. */
function contextValue(run: RunItem): string {
  const parts = ['labbook.run', run.deletedAt ? 'deleted' : 'live'];
  if (!run.deletedAt) parts.push(run.pinned ? 'pinned' : 'unpinned');
  if (run.sourceNotebook) parts.push('notebook');
  return parts.join('.');
}

/** Runs under `parent` (null: top level), each with its own children; pinned first, as the service orders them. */
function runNodes(
  runs: RunItem[],
  parent: string | null,
  best: string | undefined,
): RunsTreeNode[] {
  const ids = new Set(runs.map((r) => r.id));
  // A child whose parent is not in the list (deleted, or another experiment) shows at the top level.
  const level = runs.filter((r) =>
    parent === null ? r.parentRunId === null || !ids.has(r.parentRunId) : r.parentRunId === parent,
  );
  return level.map((run) => ({
    kind: 'run',
    run,
    children: descendants(runs, run.id),
    best: run.id === best,
  }));
}

function descendants(runs: RunItem[], id: string): RunItem[] {
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

/**
 * The best top-level run by the experiment's key metric (its direction), else by the metric
 * each run shows, with the direction its name suggests. Only finished runs compete.
 */
export function bestRunId(runs: RunItem[], experiment: ExperimentItem): string | undefined {
  const key =
    experiment.keyMetric ??
    runs.find((r) => r.status === 'finished' && r.keyMetric)?.keyMetric?.key;
  if (!key) return undefined;
  const higher =
    experiment.keyMetric === key && experiment.keyMetricHigherIsBetter !== null
      ? experiment.keyMetricHigherIsBetter
      : higherIsBetterByName(key);
  let bestId: string | undefined;
  let bestValue = NaN;
  for (const run of runs) {
    if (run.status !== 'finished' || run.keyMetric?.key !== key || run.parentRunId !== null)
      continue;
    const value = fromWireNumber(run.keyMetric.value);
    if (!Number.isFinite(value)) continue;
    if (bestId === undefined || (higher ? value > bestValue : value < bestValue)) {
      bestId = run.id;
      bestValue = value;
    }
  }
  return bestId;
}

export class RunsTreeProvider extends ServiceTree<Exclude<RunsTreeNode, MessageNode>> {
  protected async nodesUnder(node?: Exclude<RunsTreeNode, MessageNode>): Promise<RunsTreeNode[]> {
    const service = this.service();
    if (!service) return [];
    if (!node) {
      const [experiments, deleted] = await Promise.all([
        service.listExperiments(),
        service.listDeletedRuns(),
      ]);
      const nodes: RunsTreeNode[] = experiments.map((experiment) => ({
        kind: 'experiment',
        experiment,
      }));
      if (deleted.length > 0) nodes.push({ kind: 'deleted', runs: deleted });
      return nodes;
    }
    if (node.kind === 'experiment') {
      const runs = await service.listRuns(node.experiment.id);
      const best = bestRunId(runs, node.experiment);
      return runNodes(runs, null, best);
    }
    if (node.kind === 'run') return runNodes(node.children, node.run.id, undefined);
    if (node.kind === 'deleted')
      return node.runs.map((run) => ({ kind: 'run', run, children: [], best: false }));
    return [];
  }

  protected item(node: Exclude<RunsTreeNode, MessageNode>): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const e = node.experiment;
      const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `experiment:${e.id}`;
      item.description = `${e.runCount} run${e.runCount === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'labbook.experiment';
      return item;
    }
    if (node.kind === 'deleted') {
      const item = new vscode.TreeItem('Deleted', vscode.TreeItemCollapsibleState.Collapsed);
      item.id = 'deleted';
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;
      item.tooltip =
        'Deleted runs keep their data until you delete them permanently. Restore one from its context menu.';
      item.iconPath = new vscode.ThemeIcon('trash');
      item.contextValue = 'labbook.deleted';
      return item;
    }
    const run = node.run;
    const collapsible =
      node.children.length > 0
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(run.name, collapsible);
    item.id = `run:${run.id}`;
    const description = runDescription(run, Date.now());
    const prefix = [
      run.pinned ? '📌' : '',
      node.best ? '★ best' : '',
      node.children.length ? `${node.children.length} trials` : '',
    ]
      .filter(Boolean)
      .join(' ');
    item.description = prefix ? `${prefix} · ${description}` : description;
    item.iconPath = STATUS_ICONS[run.status];
    item.contextValue = contextValue(run);
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${run.name}\n\n`);
    tooltip.appendMarkdown(`**Status** `).appendText(`${run.status}\n\n`);
    tooltip.appendMarkdown(`**Run ID** `).appendText(`${run.id}\n\n`);
    tooltip
      .appendMarkdown(`**Started** `)
      .appendText(`${new Date(run.startTime).toLocaleString()}\n\n`);
    if (node.best)
      tooltip
        .appendMarkdown(`**Best** `)
        .appendText(`by ${run.keyMetric?.key ?? 'the key metric'} in its experiment\n\n`);
    if (run.deletedAt)
      tooltip
        .appendMarkdown(`**Deleted** `)
        .appendText(`${new Date(run.deletedAt).toLocaleString()}\n\n`);
    if (run.sourceNotebook) tooltip.appendMarkdown(`**Notebook** `).appendText(run.sourceNotebook);
    item.tooltip = tooltip;
    item.command = { command: 'labbook.openRun', title: 'Open Run Details', arguments: [node] };
    return item;
  }
}
