/**
 * The Models tree in the Labbook sidebar: registered models → their versions, newest first,
 * with stage and alias badges and the source run. `getChildren` only asks the workspace
 * service (no I/O here, no messages); store changes refresh it, debounced.
 */
import * as vscode from 'vscode';
import {
  fromWireNumber,
  type ModelDetails,
  type ModelVersionItem,
  type RegisteredModel,
  type Stage,
  type WireNumber,
} from '../../core/service/protocol';
import { formatMetric } from '../../core/common/format';
import { ServiceTree, cannotNode, type MessageNode } from '../util/serviceTree';

export type ModelsTreeNode =
  | { kind: 'model'; model: RegisteredModel }
  | { kind: 'version'; name: string; version: ModelVersionItem; keyMetric: string | null }
  | MessageNode;

const STAGE_ICONS: Record<Stage, vscode.ThemeIcon> = {
  Production: new vscode.ThemeIcon('rocket', new vscode.ThemeColor('testing.iconPassed')),
  Staging: new vscode.ThemeIcon('beaker', new vscode.ThemeColor('charts.yellow')),
  Archived: new vscode.ThemeIcon('archive', new vscode.ThemeColor('disabledForeground')),
  None: new vscode.ThemeIcon('circle-outline'),
};

/** Metrics worth showing beside a version when the gates name none, most telling first. */
const PREFERRED_METRICS = [
  'val_acc',
  'val_accuracy',
  'test_accuracy',
  'accuracy',
  'acc',
  'f1_macro',
  'val_f1',
  'val_rmse',
  'rmse',
  'val_mae',
  'mae',
  'val_loss',
  'loss',
];

/**
 * The metric a model's versions are shown with: the first `metrics.X` its production gates
 * (else staging gates) test, else a common validation metric the versions have.
 */
export function keyMetricOf(details: Pick<ModelDetails, 'gates' | 'versions'>): string | null {
  const keys = new Set(details.versions.flatMap((v) => Object.keys(v.metrics)));
  for (const condition of [
    ...(details.gates?.production?.metrics ?? []),
    ...(details.gates?.staging?.metrics ?? []),
  ]) {
    const m = /metrics\.(`[^`]+`|[\w.-]+)/.exec(condition);
    const key = m?.[1].replace(/^`|`$/g, '');
    if (key && keys.has(key)) return key;
  }
  for (const key of PREFERRED_METRICS) if (keys.has(key)) return key;
  return [...keys].sort()[0] ?? null;
}

export function metricText(value: WireNumber | undefined): string {
  return value === undefined ? '–' : formatMetric(fromWireNumber(value));
}

/** `Production · champion · val_acc 0.96`. */
export function versionDescription(version: ModelVersionItem, keyMetric: string | null): string {
  const parts: string[] = [];
  if (version.stage !== 'None') parts.push(version.stage);
  parts.push(...version.aliases);
  if (keyMetric && version.metrics[keyMetric] !== undefined)
    parts.push(`${keyMetric} ${metricText(version.metrics[keyMetric])}`);
  return parts.join(' · ');
}

/** `labbook.modelVersion.production`: package.json menus match on the stage. */
export function versionContextValue(stage: Stage): string {
  return `labbook.modelVersion.${stage.toLowerCase()}`;
}

export class ModelsTreeProvider extends ServiceTree<Exclude<ModelsTreeNode, MessageNode>> {
  protected async nodesUnder(
    node?: Exclude<ModelsTreeNode, MessageNode>,
  ): Promise<ModelsTreeNode[]> {
    const service = this.service();
    if (!service) return [];
    if (!node) {
      try {
        const models = await service.listModels();
        return models.map((model) => ({ kind: 'model', model }));
      } catch (error) {
        return [cannotNode('list models', error)];
      }
    }
    if (node.kind === 'model') {
      const details = await service.model(node.model.name);
      if (!details) return [];
      const keyMetric = keyMetricOf(details);
      return [...details.versions]
        .sort((a, b) => b.version - a.version)
        .map((version) => ({ kind: 'version', name: node.model.name, version, keyMetric }));
    }
    return [];
  }

  protected item(node: Exclude<ModelsTreeNode, MessageNode>): vscode.TreeItem {
    if (node.kind === 'model') {
      const m = node.model;
      const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `model:${m.name}`;
      const parts = [`${m.latestVersion} version${m.latestVersion === 1 ? '' : 's'}`];
      if (m.production !== null) parts.push(`Production v${m.production}`);
      if (m.staging !== null) parts.push(`Staging v${m.staging}`);
      item.description = parts.join(' · ');
      item.iconPath = new vscode.ThemeIcon('package');
      item.contextValue = 'labbook.model';
      const tooltip = new vscode.MarkdownString(undefined, false);
      tooltip.appendText(`${m.name}\n\n`);
      if (m.description) tooltip.appendText(`${m.description}\n\n`);
      tooltip.appendMarkdown('**Versions** ').appendText(`${m.latestVersion}\n\n`);
      const aliases = Object.entries(m.aliases);
      if (aliases.length)
        tooltip
          .appendMarkdown('**Aliases** ')
          .appendText(`${aliases.map(([a, v]) => `${a} → v${v}`).join(', ')}\n\n`);
      tooltip.appendMarkdown('**Registered** ').appendText(new Date(m.createdAt).toLocaleString());
      item.tooltip = tooltip;
      item.command = {
        command: 'labbook.openModelRegistry',
        title: 'Open Model Registry',
        arguments: [node],
      };
      return item;
    }
    const v = node.version;
    const item = new vscode.TreeItem(`v${v.version}`, vscode.TreeItemCollapsibleState.None);
    item.id = `model:${node.name}:v${v.version}`;
    item.description = versionDescription(v, node.keyMetric);
    item.iconPath = STAGE_ICONS[v.stage] ?? STAGE_ICONS.None;
    item.contextValue = versionContextValue(v.stage);
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${node.name} v${v.version}\n\n`);
    tooltip.appendMarkdown('**Stage** ').appendText(`${v.stage}\n\n`);
    if (v.aliases.length)
      tooltip.appendMarkdown('**Aliases** ').appendText(`${v.aliases.join(', ')}\n\n`);
    tooltip.appendMarkdown('**Run** ').appendText(`${v.runName} (${v.runId})\n\n`);
    tooltip.appendMarkdown('**Experiment** ').appendText(`${v.experiment}\n\n`);
    tooltip
      .appendMarkdown('**Created** ')
      .appendText(`${new Date(v.createdAt).toLocaleString()} by ${v.createdBy}\n\n`);
    if (v.description) tooltip.appendText(v.description);
    item.tooltip = tooltip;
    item.command = {
      command: 'labbook.openModelCard',
      title: 'Open Model Card',
      arguments: [node],
    };
    return item;
  }
}
