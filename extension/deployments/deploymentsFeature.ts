/**
 * Deploy and monitor in the editor: the Deployments tree (`labbook.deployments`), the
 * Deployment Monitor panels and the deployment commands. It does not own the workspace
 * service (RunsFeature starts it): `service()` is read on every use, and the owner calls
 * `onStoreChanged()` when the store changes.
 *
 * Commands take a Deployments tree node, a name, an options object or nothing (quick
 * picks); see deploymentActions.ts. From the palette alone:
 *
 * ```ts
 * await vscode.commands.executeCommand('labbook.deployModel', { ref: 'penguins@production', port: 0, confirm: false });
 * await vscode.commands.executeCommand('labbook.startCanary', { name: 'penguins', candidate: '3', weight: 20, confirm: false });
 * await vscode.commands.executeCommand('labbook.openDeploymentMonitor', { name: 'penguins' });
 * await vscode.commands.executeCommand('labbook.rollbackDeployment', { name: 'penguins', confirm: false });
 * ```
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { MonitoringSnapshot } from '../../core/common/serve-types';
import { Command } from '../commands';
import { Coalesced } from '../util/coalesce';
import { Disposable } from '../util/dispose';
import { DeploymentActions } from './deploymentActions';
import {
  DeploymentsTreeProvider,
  type DeploymentHealth,
  type DeploymentsTreeNode,
} from './deploymentsTree';
import { MonitoringPanels } from './monitoringPanel';

export const DEPLOYMENTS_VIEW_ID = 'labbook.deployments';

type DeploymentCommandId =
  | Command.DeployModel
  | Command.StartCanary
  | Command.ShiftTraffic
  | Command.PromoteCandidate
  | Command.RollbackDeployment
  | Command.StopDeployment
  | Command.OpenDeploymentMonitor
  | Command.CopyDeploymentToken
  | Command.RefreshDeployments;

export class DeploymentsFeature extends Disposable {
  readonly tree: DeploymentsTreeProvider;
  readonly monitors: MonitoringPanels;
  readonly actions: DeploymentActions;
  private readonly view: vscode.TreeView<DeploymentsTreeNode>;
  /** The last monitoring status per deployment name. */
  private readonly health = new Map<string, DeploymentHealth>();
  private readonly panelRefresh = this.track(new Coalesced(() => this.monitors.refreshAll(), 400));

  constructor(
    extensionPath: string,
    service: () => ServiceClient | undefined,
    secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.tree = this.track(new DeploymentsTreeProvider(service, (name) => this.health.get(name)));
    this.actions = new DeploymentActions(service, secrets, {
      changed: () => this.refreshViews(),
      openMonitor: (name) => void this.monitors.show(name),
    });
    this.monitors = this.track(
      new MonitoringPanels(extensionPath, service, {
        snapshot: (name, snapshot) => this.noteSnapshot(name, snapshot),
        action: (name, action) => {
          const command = {
            shift: Command.ShiftTraffic,
            promote: Command.PromoteCandidate,
            rollback: Command.RollbackDeployment,
            stop: Command.StopDeployment,
            copyToken: Command.CopyDeploymentToken,
          }[action];
          void vscode.commands.executeCommand(command, { name });
        },
      }),
    );
    this.view = this.track(
      vscode.window.createTreeView(DEPLOYMENTS_VIEW_ID, {
        treeDataProvider: this.tree,
        showCollapseAll: true,
      }),
    );
  }

  commands(): Record<DeploymentCommandId, (...args: unknown[]) => unknown> {
    return {
      [Command.DeployModel]: (arg) => this.actions.deploy(arg),
      [Command.StartCanary]: (arg) => this.actions.startCanary(this.argument(arg)),
      [Command.ShiftTraffic]: (arg) => this.actions.shift(this.argument(arg)),
      [Command.PromoteCandidate]: (arg) => this.actions.promote(this.argument(arg)),
      [Command.RollbackDeployment]: (arg) => this.actions.rollback(this.argument(arg)),
      [Command.StopDeployment]: (arg) => this.actions.stop(this.argument(arg)),
      [Command.OpenDeploymentMonitor]: (arg) => this.actions.openMonitor(this.argument(arg)),
      [Command.CopyDeploymentToken]: (arg) => this.actions.copyToken(this.argument(arg)),
      [Command.RefreshDeployments]: () => this.refreshViews(),
    };
  }

  /** The store changed: the tree and the visible monitors refresh, at most every 400 ms. */
  onStoreChanged(): void {
    this.tree.refreshSoon();
    this.panelRefresh.schedule();
  }

  setProblem(problem: string | undefined): void {
    this.tree.setProblem(problem);
  }

  private noteSnapshot(name: string, snapshot: MonitoringSnapshot): void {
    const before = this.health.get(name);
    this.health.set(name, {
      deploymentId: snapshot.deployment.id,
      status: snapshot.status,
      alerts: snapshot.alerts,
    });
    if (
      !before ||
      before.status !== snapshot.status ||
      before.deploymentId !== snapshot.deployment.id
    ) {
      this.log.info(
        `deployment ${name} (#${snapshot.deployment.id}) is ${snapshot.status}${snapshot.alerts.length ? `: ${snapshot.alerts.map((a) => a.message).join('; ')}` : ''}`,
      );
      this.tree.refresh();
    }
  }

  private refreshViews(): void {
    this.tree.refresh();
    this.monitors.refreshAll();
  }

  /** From the palette with a deployment selected in the tree: act on it. */
  private argument(arg: unknown): unknown {
    if (arg !== undefined) return arg;
    const selected = this.view.selection[0];
    return selected && selected.kind !== 'message' ? selected : undefined;
  }
}
