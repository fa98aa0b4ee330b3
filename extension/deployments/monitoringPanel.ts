/**
 * The Deployment Monitor panel of one deployment (by name): the host asks the workspace
 * service for a monitoring snapshot every 3 s while the panel is visible (never while it is
 * hidden, never after it closed) and posts it to webviews/monitoring. When a snapshot turns
 * degraded or down, one warning notification names the alerts (not one per poll; again
 * only after the deployment was healthy in between), and the Deployments tree marks it.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { MonitoringSnapshot } from '../../core/common/serve-types';
import {
  isFromMonitoringView,
  type FromMonitoringView,
  type MonitorAction,
  type ToMonitoringView,
} from '../../webviews/monitoring/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export const MONITORING_VIEW_TYPE = 'labbook.monitoring';
export const POLL_MS = 3000;

export interface MonitorHooks {
  /** Every snapshot fetched (the tree keeps the status). */
  snapshot(name: string, snapshot: MonitoringSnapshot): void;
  /** A button in the panel: run the command on this deployment. */
  action(name: string, action: Exclude<MonitorAction, 'refresh'>): void;
}

export class MonitoringPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<MonitoringPanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly hooks: MonitorHooks,
  ) {
    super();
  }

  show(name: string): MonitoringPanel {
    return this.panels.show(
      name,
      () => new MonitoringPanel(name, this.extensionPath, this.service, this.hooks),
    );
  }

  /** Something changed (a command ran, the store changed): visible panels poll now. */
  refreshAll(): void {
    this.panels.refreshAll();
  }

  get all(): MonitoringPanel[] {
    return this.panels.open;
  }
}

export class MonitoringPanel extends LabbookPanel<FromMonitoringView, ToMonitoringView> {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** The last snapshot shown, for tests. */
  last: MonitoringSnapshot | undefined;
  /** Status of the last snapshot: a notification only on the change into degraded or down. */
  private lastStatus: MonitoringSnapshot['status'] | undefined;
  /** Notifications shown (tests check there is one per change). */
  warnings = 0;

  constructor(
    readonly name: string,
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly hooks: MonitorHooks,
  ) {
    super(extensionPath, {
      viewType: MONITORING_VIEW_TYPE,
      title: `Monitor: ${name}`,
      webview: 'monitoring',
      loading: `Loading the monitor of ${name}…`,
      accepts: isFromMonitoringView,
    });
    this.track(this.panel.onDidChangeViewState(() => this.schedule(0)));
    this.track({ dispose: () => this.clearTimer() });
  }

  get title(): string {
    return this.panel.title;
  }

  refresh(): void {
    this.schedule(0);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Polls after `delayMs`, only while ready and visible. */
  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.disposed || !this.ready || !this.panel.visible) return;
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    if (this.polling || this.disposed) return;
    this.polling = true;
    try {
      const service = this.service();
      if (!service) throw new Error('the Labbook workspace service is not running');
      const snapshot = await service.monitoring(this.name);
      if (this.disposed) return;
      this.last = snapshot;
      this.post({ type: 'snapshot', name: this.name, snapshot });
      this.hooks.snapshot(this.name, snapshot);
      this.warnOnChange(snapshot);
    } catch (error) {
      if (!this.disposed)
        this.post({
          type: 'error',
          name: this.name,
          message: `Cannot read the monitoring of ${this.name}: ${(error as Error).message.split('\n')[0]}`,
        });
    } finally {
      this.polling = false;
      this.schedule(POLL_MS);
    }
  }

  private warnOnChange(snapshot: MonitoringSnapshot): void {
    const bad = snapshot.status === 'degraded' || snapshot.status === 'down';
    const wasBad = this.lastStatus === 'degraded' || this.lastStatus === 'down';
    this.lastStatus = snapshot.status;
    if (!bad || wasBad) return;
    this.warnings++;
    const alerts =
      snapshot.alerts.map((a) => a.message).join('; ') ||
      (snapshot.status === 'down' ? 'the server does not answer' : 'a threshold was crossed');
    const rollback = 'Roll Back';
    const buttons =
      snapshot.split.candidate !== null && snapshot.status === 'degraded' ? [rollback] : [];
    void vscode.window
      .showWarningMessage(
        `Labbook: deployment ${this.name} is ${snapshot.status}: ${alerts}`,
        ...buttons,
      )
      .then((choice) => {
        if (choice === rollback) this.hooks.action(this.name, 'rollback');
      });
  }

  protected readonly handlers: MessageHandlers<FromMonitoringView> = {
    ready: () => this.schedule(0),
    action: (message) => {
      if (message.action === 'refresh') this.schedule(0);
      else this.hooks.action(this.name, message.action);
    },
  };
}
