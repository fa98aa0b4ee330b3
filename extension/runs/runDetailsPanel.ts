/**
 * One webview panel per run, showing its params, tags, metrics with charts and artifacts.
 * Strict Content-Security-Policy: scripts only by nonce from the built webview folder.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { isFromRunDetailsView, type ToRunDetailsView } from '../../webviews/run-details/protocol';
import { Disposable } from '../util/dispose';
import { panelHtml } from '../util/webviewHtml';
import { Command } from '../commands';

export const RUN_DETAILS_VIEW_TYPE = 'labbook.runDetails';

export class RunDetailsPanels extends Disposable {
  private readonly panels = new Map<string, RunDetailsPanel>();

  constructor(private readonly extensionPath: string, private readonly service: () => ServiceClient | undefined) {
    super();
  }

  show(runId: string): RunDetailsPanel {
    const open = this.panels.get(runId);
    if (open) {
      open.reveal();
      return open;
    }
    const panel = new RunDetailsPanel(runId, this.extensionPath, this.service);
    this.panels.set(runId, panel);
    this.track(panel);
    panel.onDidClose(() => {
      this.panels.delete(runId);
      this.untrack(panel);
    });
    return panel;
  }

  /** The store changed: open panels fetch their run again (live metrics while training). */
  refreshAll(): void {
    for (const panel of this.panels.values()) void panel.refresh();
  }

  get openRunIds(): string[] {
    return [...this.panels.keys()];
  }
}

export class RunDetailsPanel extends Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private ready = false;
  private sourceNotebook: string | null = null;

  constructor(readonly runId: string, extensionPath: string, private readonly service: () => ServiceClient | undefined) {
    super();
    const webviewRoot = vscode.Uri.file(path.join(extensionPath, 'dist', 'webviews'));
    this.panel = vscode.window.createWebviewPanel(RUN_DETAILS_VIEW_TYPE, `Run ${runId.slice(0, 8)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
    });
    this.panel.iconPath = vscode.Uri.file(path.join(extensionPath, 'media', 'labbook.svg'));
    this.panel.webview.html = panelHtml(this.panel.webview, webviewRoot, { panel: 'run-details', title: 'Run details', loading: 'Loading run…' });
    this.track(this.closed);
    this.track(this.panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)));
    this.track(this.panel.onDidDispose(() => {
      this.closed.fire();
      this.dispose();
    }));
  }

  reveal(): void {
    this.panel.reveal();
  }

  async refresh(): Promise<void> {
    if (!this.ready) return;
    const service = this.service();
    if (!service) return;
    const details = await service.runDetails(this.runId);
    if (this.disposed) return;
    if (details) {
      this.sourceNotebook = details.sourceNotebook;
      this.panel.title = `Run: ${details.name}`;
    }
    const message: ToRunDetailsView = details ? { type: 'details', details } : { type: 'missing', runId: this.runId };
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: unknown): void {
    if (!isFromRunDetailsView(message)) return;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        void this.refresh();
        return;
      case 'copyRunId':
        void vscode.env.clipboard.writeText(this.runId);
        void vscode.window.setStatusBarMessage(`Copied run ID ${this.runId}`, 3000);
        return;
      case 'reopenSource':
        void vscode.commands.executeCommand(Command.ReopenRunSource, this.runId);
        return;
      case 'revealNotebook':
        if (this.sourceNotebook) void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(this.sourceNotebook));
        return;
    }
  }

  override dispose(): void {
    if (this.disposed) return;
    super.dispose();
    this.panel.dispose();
  }
}

