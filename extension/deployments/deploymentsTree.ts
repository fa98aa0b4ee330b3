/**
 * The Deployments tree in the Labbook sidebar: one node per deployment (running ones, then
 * the latest stopped or failed one of each other name) with its status, URL, strategy,
 * traffic split and versions; under it the variants and the recent events (deploy, shift,
 * promote, rollback, stop). "Degraded" comes from the last monitoring snapshot the
 * Deployment Monitor fetched. `getChildren` only asks the workspace service; store changes
 * refresh it, debounced.
 */
import * as vscode from 'vscode';
import type {
  DeploymentEvent,
  DeploymentItem,
  MonitorAlert,
  TrafficSplit,
} from '../../core/service/protocol';
import { describeSplit } from '../../core/common/serve-types';
import { ServiceTree, cannotNode, type MessageNode } from '../util/serviceTree';

export type DeploymentsTreeNode =
  | { kind: 'deployment'; item: DeploymentItem }
  | {
      kind: 'variant';
      name: string;
      variant: 'primary' | 'candidate';
      version: number;
      share: string;
    }
  | { kind: 'events'; name: string; deploymentId: number }
  | { kind: 'event'; name: string; event: DeploymentEvent }
  | MessageNode;

/** What the last monitoring snapshot said about a deployment. */
export interface DeploymentHealth {
  deploymentId: number;
  status: 'healthy' | 'degraded' | 'down' | 'stopped';
  alerts: MonitorAlert[];
}

/** At most this many stopped or failed deployments are listed (the latest per name). */
const MAX_ENDED = 10;
const RECENT_EVENTS = 12;

/** The state the tree shows: running, stopped, failed, degraded, down (process gone). */
export function deploymentState(
  item: DeploymentItem,
  health: DeploymentHealth | undefined,
): string {
  const d = item.deployment;
  if (d.status === 'running' && item.processGone) return 'down';
  if (
    d.status === 'running' &&
    health &&
    health.deploymentId === d.id &&
    (health.status === 'degraded' || health.status === 'down')
  )
    return health.status;
  return d.status;
}

/** `running · canary v2 90% / v3 10% · :8501`. */
export function deploymentDescription(
  item: DeploymentItem,
  health: DeploymentHealth | undefined,
): string {
  const state = deploymentState(item, health);
  const parts = [
    state,
    `${item.split.strategy === 'single' ? '' : `${item.split.strategy} `}${describeSplit(item.split)}`,
  ];
  if (item.deployment.status === 'running' || item.deployment.status === 'starting')
    parts.push(`:${item.deployment.port}`);
  return parts.join(' · ');
}

/** The share of traffic a variant answers, in words. */
export function variantShare(split: TrafficSplit, variant: 'primary' | 'candidate'): string {
  if (split.candidate === null) return variant === 'primary' ? 'all traffic' : '';
  switch (split.strategy) {
    case 'shadow':
      return variant === 'primary' ? 'answers all traffic' : 'shadow: scores, never answers';
    case 'bluegreen':
      return (variant === 'candidate') === split.weight >= 100 ? 'live (all traffic)' : 'idle';
    case 'single':
      return variant === 'primary' ? 'all traffic' : '';
    default:
      return `${variant === 'candidate' ? split.weight : 100 - split.weight}% of traffic`;
  }
}

function ago(t: number): string {
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

export function eventDescription(event: DeploymentEvent): string {
  const change =
    event.before && event.after
      ? `${describeSplit(event.before)} → ${describeSplit(event.after)}`
      : event.after
        ? describeSplit(event.after)
        : event.before
          ? `was ${describeSplit(event.before)}`
          : '';
  return [change, event.by, ago(event.at)].filter(Boolean).join(' · ');
}

const STATE_ICONS: Record<string, vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin'),
  degraded: new vscode.ThemeIcon('warning', new vscode.ThemeColor('charts.yellow')),
  down: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  stopped: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

const EVENT_ICONS: Record<string, string> = {
  created: 'add',
  started: 'play',
  shift: 'arrow-swap',
  switch: 'arrow-swap',
  promote: 'rocket',
  rollback: 'discard',
  stopped: 'debug-stop',
  failed: 'error',
};

export class DeploymentsTreeProvider extends ServiceTree<
  Exclude<DeploymentsTreeNode, MessageNode>
> {
  constructor(
    service: ConstructorParameters<typeof ServiceTree>[0],
    private readonly health: (name: string) => DeploymentHealth | undefined,
  ) {
    super(service);
  }

  protected async nodesUnder(
    node?: Exclude<DeploymentsTreeNode, MessageNode>,
  ): Promise<DeploymentsTreeNode[]> {
    const service = this.service();
    if (!service) return [];
    if (!node) {
      try {
        const all = await service.listDeployments(true);
        const live = all.filter(
          (i) => i.deployment.status === 'running' || i.deployment.status === 'starting',
        );
        const names = new Set(live.map((i) => i.deployment.name));
        const ended: DeploymentItem[] = [];
        for (const item of all) {
          if (names.has(item.deployment.name)) continue;
          names.add(item.deployment.name);
          ended.push(item);
        }
        return [...live, ...ended.slice(0, MAX_ENDED)].map((item) => ({
          kind: 'deployment',
          item,
        }));
      } catch (error) {
        return [cannotNode('list deployments', error)];
      }
    }
    if (node.kind === 'deployment') {
      const { deployment: d, split } = node.item;
      const children: DeploymentsTreeNode[] = [
        {
          kind: 'variant',
          name: d.name,
          variant: 'primary',
          version: split.primary,
          share: variantShare(split, 'primary'),
        },
      ];
      if (split.candidate !== null)
        children.push({
          kind: 'variant',
          name: d.name,
          variant: 'candidate',
          version: split.candidate,
          share: variantShare(split, 'candidate'),
        });
      children.push({ kind: 'events', name: d.name, deploymentId: d.id });
      return children;
    }
    if (node.kind === 'events') {
      try {
        const events = await service.deploymentEvents(node.name);
        // Oldest first from the service: show the newest first.
        return [...events]
          .sort((a, b) => b.at - a.at || b.id - a.id)
          .slice(0, RECENT_EVENTS)
          .map((event) => ({ kind: 'event', name: node.name, event }));
      } catch (error) {
        return [cannotNode('read the events', error)];
      }
    }
    return [];
  }

  protected item(node: Exclude<DeploymentsTreeNode, MessageNode>): vscode.TreeItem {
    switch (node.kind) {
      case 'deployment':
        return this.deploymentItem(node.item);
      case 'variant': {
        const item = new vscode.TreeItem(
          `${node.variant} v${node.version}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `deployment:${node.name}:${node.variant}`;
        item.description = node.share;
        item.iconPath = new vscode.ThemeIcon(
          node.variant === 'primary' ? 'circle-large-filled' : 'beaker',
          new vscode.ThemeColor(node.variant === 'primary' ? 'charts.blue' : 'charts.orange'),
        );
        item.contextValue = `labbook.deploymentVariant.${node.variant}`;
        return item;
      }
      case 'events': {
        const item = new vscode.TreeItem(
          'Recent events',
          vscode.TreeItemCollapsibleState.Collapsed,
        );
        item.id = `deployment:${node.name}:${node.deploymentId}:events`;
        item.iconPath = new vscode.ThemeIcon('history');
        return item;
      }
      case 'event': {
        const e = node.event;
        const item = new vscode.TreeItem(e.kind, vscode.TreeItemCollapsibleState.None);
        item.id = `deployment:${node.name}:event:${e.deploymentId}:${e.id}`;
        item.description = eventDescription(e);
        item.iconPath = new vscode.ThemeIcon(EVENT_ICONS[e.kind] ?? 'circle-small');
        const tooltip = new vscode.MarkdownString(undefined, false);
        tooltip.appendText(`${e.kind} — ${new Date(e.at).toLocaleString()} by ${e.by}\n\n`);
        if (e.before)
          tooltip.appendMarkdown('**Before** ').appendText(`${describeSplit(e.before)}\n\n`);
        if (e.after)
          tooltip.appendMarkdown('**After** ').appendText(`${describeSplit(e.after)}\n\n`);
        if (e.reason) tooltip.appendMarkdown('**Reason** ').appendText(e.reason);
        item.tooltip = tooltip;
        return item;
      }
    }
  }

  private deploymentItem(di: DeploymentItem): vscode.TreeItem {
    const d = di.deployment;
    const health = this.health(d.name);
    const state = deploymentState(di, health);
    const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `deployment:${d.name}:${d.id}`;
    item.description = deploymentDescription(di, health);
    item.iconPath = STATE_ICONS[state] ?? STATE_ICONS.stopped;
    const live = d.status === 'running';
    // labbook.deployment.<running|ended>.<candidate|single>: package.json menus match on it.
    item.contextValue = `labbook.deployment.${live ? 'running' : 'ended'}.${di.split.candidate !== null ? 'candidate' : 'single'}`;
    const tooltip = new vscode.MarkdownString(undefined, false);
    tooltip.appendText(`${d.name} — ${state}\n\n`);
    tooltip.appendMarkdown('**URL** ').appendText(`${di.url}\n\n`);
    tooltip.appendMarkdown('**Model** ').appendText(`${d.modelName} (${d.modelRef})\n\n`);
    tooltip
      .appendMarkdown('**Strategy** ')
      .appendText(`${di.split.strategy}: ${describeSplit(di.split)}\n\n`);
    if (d.startedAt)
      tooltip
        .appendMarkdown('**Started** ')
        .appendText(`${new Date(d.startedAt).toLocaleString()} by ${d.createdBy}\n\n`);
    if (d.stoppedAt)
      tooltip
        .appendMarkdown('**Ended** ')
        .appendText(`${new Date(d.stoppedAt).toLocaleString()}\n\n`);
    if (d.error) tooltip.appendMarkdown('**Error** ').appendText(`${d.error}\n\n`);
    if (health && health.deploymentId === d.id && health.alerts.length) {
      tooltip
        .appendMarkdown('**Alerts** ')
        .appendText(health.alerts.map((a) => a.message).join('; '));
    }
    item.tooltip = tooltip;
    item.command = {
      command: 'labbook.openDeploymentMonitor',
      title: 'Open Deployment Monitor',
      arguments: [{ name: d.name }],
    };
    return item;
  }
}
