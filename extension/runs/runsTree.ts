/**
 * The Experiments → Runs tree in the Labbook sidebar. `getChildren` only asks the
 * workspace service (no I/O here, no messages); the store's change notifications refresh
 * it, debounced, so it follows a model while it trains.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { fromWireNumber, type ExperimentItem, type RunItem } from '../../core/service/protocol';
import { Disposable } from '../util/dispose';
import { formatDuration, formatMetric } from '../../core/format';

export type RunsTreeNode =
  | { kind: 'experiment'; experiment: ExperimentItem }
  | { kind: 'run'; run: RunItem }
  | { kind: 'message'; text: string };

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
  if (run.keyMetric) parts.push(`${run.keyMetric.key} ${formatMetric(fromWireNumber(run.keyMetric.value))}`);
  parts.push(formatDuration((run.endTime ?? now) - run.startTime));
  parts.push(relativeTime(run.startTime, now));
  return parts.join(' · ');
}

export class RunsTreeProvider extends Disposable implements vscode.TreeDataProvider<RunsTreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private debounce: NodeJS.Timeout | undefined;
  private problem: string | undefined;

  constructor(private readonly service: () => ServiceClient | undefined) {
    super();
    this.track(this.changed);
  }

  /** Shows a message in place of the tree (e.g. the store could not be opened). */
  setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.refresh();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** Many writes per second while training: coalesce them into one refresh. */
  refreshSoon(delayMs = 250): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refresh();
    }, delayMs);
  }

  override dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    super.dispose();
  }

  async getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    if (this.problem && !node) return [{ kind: 'message', text: this.problem }];
    const service = this.service();
    if (!service) return node ? [] : [{ kind: 'message', text: 'Starting the Labbook service…' }];
    if (!node) {
      const experiments = await service.listExperiments();
      return experiments.map((experiment) => ({ kind: 'experiment', experiment }));
    }
    if (node.kind === 'experiment') {
      const runs = await service.listRuns(node.experiment.id);
      return runs.map((run) => ({ kind: 'run', run }));
    }
    return [];
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
    if (node.kind === 'experiment') {
      const e = node.experiment;
      const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `experiment:${e.id}`;
      item.description = `${e.runCount} run${e.runCount === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'labbook.experiment';
      return item;
    }
    const run = node.run;
    const item = new vscode.TreeItem(run.name, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.id}`;
    item.description = runDescription(run, Date.now());
    item.iconPath = STATUS_ICONS[run.status];
    item.contextValue = run.sourceNotebook ? 'labbook.run.withNotebook' : 'labbook.run';
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${run.name}\n\n`);
    tooltip.appendMarkdown(`**Status** `).appendText(`${run.status}\n\n`);
    tooltip.appendMarkdown(`**Run ID** `).appendText(`${run.id}\n\n`);
    tooltip.appendMarkdown(`**Started** `).appendText(`${new Date(run.startTime).toLocaleString()}\n\n`);
    if (run.sourceNotebook) tooltip.appendMarkdown(`**Notebook** `).appendText(run.sourceNotebook);
    item.tooltip = tooltip;
    item.command = { command: 'labbook.openRun', title: 'Open Run Details', arguments: [node] };
    return item;
  }
}
