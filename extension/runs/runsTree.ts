/**
 * The Experiments → Runs tree in the Labbook sidebar. `getChildren` only asks the
 * workspace service (no I/O here, no messages); the store's change notifications refresh
 * it, debounced, so it follows a model while it trains, and a timer redraws its "… ago"
 * labels while nothing is written. What it shows is computed in runsTreeModel.ts.
 */
import * as vscode from 'vscode';
import type { RunItem } from '../../core/service/protocol';
import { ServiceTree, type MessageNode } from '../util/serviceTree';
import {
  bestReason,
  childNodes,
  experimentDescription,
  RelabelTimer,
  relativeTime,
  rootNodes,
  runContextValue,
  runNodeDescription,
  startTimesUnder,
  treeRefreshMs,
  type RunsTreeNode,
} from './runsTreeModel';

export type { RunsTreeNode } from './runsTreeModel';

const STATUS_ICONS: Record<RunItem['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('progressBar.background')),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  killed: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

export class RunsTreeProvider extends ServiceTree<Exclude<RunsTreeNode, MessageNode>> {
  private readonly relabel = this.track(new RelabelTimer(() => this.refresh()));
  private mineOnly = false;

  /** Only the runs I started (as the service names me), or everyone's. */
  setMineOnly(mine: boolean): void {
    if (mine === this.mineOnly) return;
    this.mineOnly = mine;
    this.refresh();
  }

  /** The view is shown or hidden: no label redraws while nobody sees them. */
  setVisible(visible: boolean): void {
    this.relabel.setVisible(visible);
  }

  protected async nodesUnder(node?: Exclude<RunsTreeNode, MessageNode>): Promise<RunsTreeNode[]> {
    if (node) return childNodes(node);
    const service = this.service();
    if (!service) return [];
    // Every experiment's runs in the same read as the experiments: the count beside an
    // experiment is then always the rows under it, even while runs are being added.
    const [experiments, deleted] = await Promise.all([
      service.listExperiments(),
      service.listDeletedRuns(),
    ]);
    const runs = await Promise.all(experiments.map((e) => service.listRuns(e.id)));
    const me = this.mineOnly ? await service.currentUser() : undefined;
    const now = Date.now();
    const nodes = rootNodes(
      experiments,
      new Map(experiments.map((e, i) => [e.id, runs[i]])),
      deleted,
      now,
      me,
    );
    this.relabel.schedule(treeRefreshMs(startTimesUnder(nodes), now));
    return nodes;
  }

  protected item(node: Exclude<RunsTreeNode, MessageNode>): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const e = node.experiment;
      const item = new vscode.TreeItem(e.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `experiment:${e.id}`;
      item.description = experimentDescription(node.runs);
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
    item.description = runNodeDescription(node);
    item.iconPath = STATUS_ICONS[run.status];
    item.contextValue = runContextValue(run);
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${run.name}\n\n`);
    tooltip.appendMarkdown(`**Status** `).appendText(`${run.status}\n\n`);
    tooltip.appendMarkdown(`**Run ID** `).appendText(`${run.id}\n\n`);
    if (run.user) tooltip.appendMarkdown(`**Started by** `).appendText(`${run.user}\n\n`);
    tooltip
      .appendMarkdown(`**Started** `)
      .appendText(
        `${new Date(run.startTime).toLocaleString()} (${relativeTime(run.startTime, node.now)}; "… ago" counts from the start)\n\n`,
      );
    if (node.best) tooltip.appendMarkdown(`**Best** `).appendText(`${bestReason(node)}\n\n`);
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
