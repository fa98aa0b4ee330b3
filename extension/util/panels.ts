/**
 * What every Labbook panel shares: a webview panel created with the strict HTML of
 * webviewHtml.ts and only the built webview folder as a resource root, messages from the
 * webview handed to the panel, closing reported once; and a set that keeps one open panel
 * per key (a run, a model, a file) and forgets it when the user closes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import { panelHtml } from './webviewHtml';

export interface PanelSpec {
  /** VS Code's view type, e.g. `labbook.runDetails`. */
  viewType: string;
  /** The tab title. */
  title: string;
  /** Folder under dist/webviews holding main.js and main.css. */
  webview: string;
  /** Shown until the webview's script draws. */
  loading?: string;
}

export abstract class LabbookPanel extends Disposable {
  protected readonly panel: vscode.WebviewPanel;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(extensionPath: string, spec: PanelSpec) {
    super();
    const webviewRoot = vscode.Uri.file(path.join(extensionPath, 'dist', 'webviews'));
    this.panel = vscode.window.createWebviewPanel(spec.viewType, spec.title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
    });
    this.panel.iconPath = vscode.Uri.file(path.join(extensionPath, 'media', 'labbook.svg'));
    this.panel.webview.html = panelHtml(this.panel.webview, webviewRoot, { panel: spec.webview, title: spec.title, loading: spec.loading });
    this.track(this.closed);
    // The webview is another program: each panel checks what arrives with its protocol's guard.
    this.track(this.panel.webview.onDidReceiveMessage((message: unknown) => void this.onMessage(message)));
    this.track(this.panel.onDidDispose(() => {
      this.closed.fire();
      this.dispose();
    }));
  }

  /** A message from the webview, not yet checked. */
  protected abstract onMessage(message: unknown): unknown;

  /** The store changed: fetch and post again. */
  abstract refresh(): unknown;

  reveal(): void {
    this.panel.reveal();
  }

  override dispose(): void {
    if (this.disposed) return;
    super.dispose();
    this.panel.dispose();
  }
}

/** One open panel per key; `show` reveals the open one rather than opening a second. */
export class PanelSet<P extends LabbookPanel> extends Disposable {
  private readonly panels = new Map<string, P>();

  /** The open panel for `key`, revealed, or a new one from `create`. */
  show(key: string, create: () => P): P {
    const open = this.panels.get(key);
    if (open) {
      open.reveal();
      return open;
    }
    const panel = create();
    this.panels.set(key, panel);
    this.track(panel);
    panel.onDidClose(() => {
      this.panels.delete(key);
      this.untrack(panel);
    });
    return panel;
  }

  /** The store changed: every open panel fetches again. */
  refreshAll(): void {
    for (const panel of this.panels.values()) void panel.refresh();
  }

  get keys(): string[] {
    return [...this.panels.keys()];
  }

  get open(): P[] {
    return [...this.panels.values()];
  }
}
