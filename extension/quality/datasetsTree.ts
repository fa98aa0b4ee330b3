/**
 * The Data Sets tree in the Labbook sidebar: every data set a run logged
 * (`run.logDataset`) → its versions, newest first (rows, quality score, when) → the runs
 * that used each version, with their role and whether it passed its suite. `getChildren`
 * only asks the workspace service; store changes refresh it, debounced.
 */
import * as vscode from 'vscode';
import type { DatasetVersionItem } from '../../core/service/protocol';
import { Command } from '../commands';
import { ServiceTree, cannotNode, type MessageNode } from '../util/serviceTree';

export type DatasetsTreeNode =
  | { kind: 'dataset'; name: string; versions: DatasetVersionItem[] }
  | { kind: 'datasetVersion'; item: DatasetVersionItem }
  | { kind: 'datasetRun'; item: DatasetVersionItem; run: DatasetVersionItem['runs'][number] }
  | MessageNode;

/** `344 rows · quality 87 · 2 runs`. */
export function datasetVersionDescription(item: DatasetVersionItem): string {
  const parts = [`${item.rows.toLocaleString('en-US')} rows`];
  if (item.score !== null) parts.push(`quality ${Math.round(item.score * 100)}`);
  parts.push(`${item.runs.length} run${item.runs.length === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** Versions grouped by data set name, each group newest first. */
export function groupDatasets(
  items: readonly DatasetVersionItem[],
): { name: string; versions: DatasetVersionItem[] }[] {
  const groups = new Map<string, DatasetVersionItem[]>();
  for (const item of items) {
    const group = groups.get(item.name) ?? [];
    group.push(item);
    groups.set(item.name, group);
  }
  return [...groups].map(([name, versions]) => ({
    name,
    versions: versions.sort((a, b) => b.version - a.version),
  }));
}

export class DatasetsTreeProvider extends ServiceTree<Exclude<DatasetsTreeNode, MessageNode>> {
  protected async nodesUnder(
    node?: Exclude<DatasetsTreeNode, MessageNode>,
  ): Promise<DatasetsTreeNode[]> {
    if (!node) {
      // Asked only while the service is up; the rows below a data set are already in its node.
      const service = this.service();
      if (!service) return [];
      try {
        return groupDatasets(await service.listDatasets()).map((g) => ({ kind: 'dataset', ...g }));
      } catch (error) {
        return [cannotNode('list data sets', error)];
      }
    }
    if (node.kind === 'dataset')
      return node.versions.map((item) => ({ kind: 'datasetVersion', item }));
    if (node.kind === 'datasetVersion')
      return node.item.runs.map((run) => ({ kind: 'datasetRun', item: node.item, run }));
    return [];
  }

  protected item(node: Exclude<DatasetsTreeNode, MessageNode>): vscode.TreeItem {
    switch (node.kind) {
      case 'dataset': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `dataset:${node.name}`;
        item.description = `${node.versions.length} version${node.versions.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.contextValue = 'labbook.dataset';
        return item;
      }
      case 'datasetVersion': {
        const v = node.item;
        const item = new vscode.TreeItem(
          `v${v.version}`,
          v.runs.length
            ? vscode.TreeItemCollapsibleState.Collapsed
            : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `dataset:${v.name}:v${v.version}`;
        item.description = datasetVersionDescription(v);
        item.iconPath = new vscode.ThemeIcon('versions');
        item.contextValue = 'labbook.datasetVersion';
        const tooltip = new vscode.MarkdownString(undefined, false);
        tooltip.appendText(`${v.name} v${v.version}\n\n`);
        tooltip.appendMarkdown('**Rows** ').appendText(`${v.rows} × ${v.columns} columns\n\n`);
        tooltip.appendMarkdown('**Fingerprint** ').appendText(`${v.fingerprint.slice(0, 16)}…\n\n`);
        if (v.source) tooltip.appendMarkdown('**Source** ').appendText(`${v.source}\n\n`);
        tooltip.appendMarkdown('**Logged** ').appendText(new Date(v.createdAt).toLocaleString());
        item.tooltip = tooltip;
        item.command = {
          command: Command.OpenDatasetVersion,
          title: 'Open Data Set Version',
          arguments: [node],
        };
        return item;
      }
      case 'datasetRun': {
        const r = node.run;
        const item = new vscode.TreeItem(r.runName, vscode.TreeItemCollapsibleState.None);
        item.id = `dataset:${node.item.name}:v${node.item.version}:${r.runId}:${r.role}`;
        const suite = r.passed === null ? '' : r.passed ? ' · suite passed' : ' · suite failed';
        item.description = `${r.role} · ${r.experiment}${suite}${r.deleted ? ' · deleted' : ''}`;
        item.iconPath =
          r.passed === false
            ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
            : new vscode.ThemeIcon('beaker');
        item.contextValue = 'labbook.datasetRun';
        item.tooltip = `${r.runName} (${r.runId}) used ${node.item.name} v${node.item.version} as ${r.role}`;
        item.command = {
          command: Command.OpenRun,
          title: 'Open Run Details',
          arguments: [r.runId],
        };
        return item;
      }
    }
  }
}
