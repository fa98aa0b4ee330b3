/**
 * What every Labbook panel shares: a webview panel created with the strict HTML of
 * webviewHtml.ts and only the built webview folder as a resource root; what the webview
 * posts checked with its protocol's guard, then handed to the panel's handler for that
 * message type, with a failing handler shown as one error notification; `post` typed by
 * the protocol; the ready handshake; closing reported once. And a set that keeps one open
 * panel per key (a run, a model, a file) and forgets it when the user closes it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { Disposable, type DisposableLike } from './dispose';
import { panelHtml } from './webviewHtml';

/** What a webview posts: every protocol's messages are a union keyed by `type`, `ready` among them. */
export interface ViewMessage {
  type: string;
}

/** One handler per message type of a protocol; the compiler fails when one is missing. */
export type MessageHandlers<M extends ViewMessage> = {
  [T in M['type']]: (message: Extract<M, { type: T }>) => unknown;
};

export interface PanelSpec<From extends ViewMessage> {
  /** VS Code's view type, e.g. `labbook.runDetails`. */
  viewType: string;
  /** The tab title. */
  title: string;
  /** Folder under dist/webviews holding main.js and main.css. */
  webview: string;
  /** Shown until the webview's script draws. */
  loading?: string;
  /** The protocol's guard of what the webview posts (webviews/<panel>/protocol.ts). */
  accepts(message: unknown): message is From;
}

/** Text a panel exports to a file (LabbookPanel.saveAs). */
export interface TextExport {
  /** The save dialog's title. */
  title: string;
  /** The name the webview suggests. */
  fileName: string;
  /** When nothing is left of the suggested name. */
  fallbackName: string;
  filters: Record<string, string[]>;
  /** Read when writing: the panel may have refreshed while the dialog was open. */
  text(): string;
  /** In the notification: "saved <what> to <file>". */
  what: string;
}

/** What a PanelSet needs of a panel. */
export interface OpenPanel extends DisposableLike {
  readonly onDidClose: vscode.Event<void>;
  reveal(): void;
  refresh(): unknown;
}

export abstract class LabbookPanel<From extends ViewMessage, To>
  extends Disposable
  implements OpenPanel
{
  protected readonly panel: vscode.WebviewPanel;
  /**
   * The webview said `ready`: its script listens, so what is posted now is drawn. Set before
   * the panel's `ready` handler runs; a panel whose webview is torn down while hidden may
   * clear it (the webview says `ready` again when shown).
   */
  protected ready = false;
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private readonly accepts: (message: unknown) => message is From;

  constructor(extensionPath: string, spec: PanelSpec<From>) {
    super();
    this.accepts = spec.accepts;
    const webviewRoot = vscode.Uri.file(path.join(extensionPath, 'dist', 'webviews'));
    this.panel = vscode.window.createWebviewPanel(
      spec.viewType,
      spec.title,
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
        localResourceRoots: [webviewRoot],
      },
    );
    this.panel.iconPath = vscode.Uri.file(path.join(extensionPath, 'media', 'labbook.svg'));
    this.panel.webview.html = panelHtml(this.panel.webview, webviewRoot, {
      panel: spec.webview,
      title: spec.title,
      loading: spec.loading,
    });
    this.track(this.closed);
    this.track(
      this.panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
    );
    this.track(
      this.panel.onDidDispose(() => {
        this.closed.fire();
        this.dispose();
      }),
    );
  }

  /**
   * The panel's own part: what it does with each message its webview may post. Read only
   * when a message arrives, so a subclass may define it as a field.
   */
  protected abstract readonly handlers: MessageHandlers<From>;

  /** The store changed: fetch and post again. */
  abstract refresh(): unknown;

  reveal(): void {
    this.panel.reveal();
  }

  /** Posts to the webview; nothing once the panel closed (a disposed webview throws). */
  protected post(message: To): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  /**
   * Saves text the webview produced (an export) to a file the user picks, by default in the
   * first workspace folder, and says so; the workspace-relative path, or undefined when the
   * user cancelled or the panel closed meanwhile.
   */
  protected async saveAs(text: TextExport): Promise<string | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    // The name comes from the webview: keep its last path segment only.
    const fileName = path.basename(text.fileName).replace(/[^\w.-]/g, '_') || text.fallbackName;
    const target = await vscode.window.showSaveDialog({
      title: text.title,
      saveLabel: 'Export',
      filters: text.filters,
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
    });
    if (!target || this.disposed) return undefined;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text.text()));
    const where = vscode.workspace.asRelativePath(target, false);
    void vscode.window.showInformationMessage(`Labbook: saved ${text.what} to ${where}`);
    return where;
  }

  /**
   * Writes what the user edited in the webview through the workspace service and answers
   * the webview: `done`, then the panel fetches again; or `failed`, which the webview shows
   * beside the edit (not as a notification, so the edit stays on screen to fix).
   */
  protected async saveThrough(
    service: ServiceClient | undefined,
    write: (service: ServiceClient) => Promise<unknown>,
    answer: { done: To; failed(message: string): To },
  ): Promise<void> {
    if (!service) {
      this.post(answer.failed('The Labbook workspace service is not running.'));
      return;
    }
    try {
      await write(service);
    } catch (error) {
      this.post(answer.failed((error as Error).message));
      return;
    }
    this.post(answer.done);
    await this.refresh();
  }

  private async receive(message: unknown): Promise<void> {
    // The webview is another program: only what its protocol's guard accepts is handled.
    if (this.disposed || !this.accepts(message)) return;
    if (message.type === 'ready') this.ready = true;
    const handler = this.handlers[message.type as From['type']] as (message: From) => unknown;
    try {
      await handler(message);
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Labbook: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  override dispose(): void {
    if (this.disposed) return;
    super.dispose();
    this.panel.dispose();
  }
}

export class PanelSet<P extends OpenPanel> extends Disposable {
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
