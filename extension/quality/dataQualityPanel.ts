/**
 * The Data Quality panel of one data file: the profile the workspace service computed
 * (core/quality), shown by webviews/data-quality; the messages are in its protocol.ts. One
 * panel per file: profiling a file again reveals its panel with the new profile.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetProfile } from '../../core/quality/types';
import { isFromDataQualityView, type FromDataQualityView, type ToDataQualityView } from '../../webviews/data-quality/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet } from '../util/panels';

export const DATA_QUALITY_VIEW_TYPE = 'labbook.dataQuality';

/** Profiles the file again (with the progress notification); rejects with a message naming the file. */
export type Reprofile = (uri: vscode.Uri) => Promise<DatasetProfile>;

export class DataQualityPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<DataQualityPanel>());

  constructor(private readonly extensionPath: string, private readonly reprofile: Reprofile) {
    super();
  }

  /** Opens the file's panel with this profile, or reveals the open one and shows it there. */
  show(uri: vscode.Uri, profile: DatasetProfile): DataQualityPanel {
    let created = false;
    const panel = this.panels.show(uri.toString(), () => {
      created = true;
      return new DataQualityPanel(uri, profile, this.extensionPath, this.reprofile);
    });
    if (!created) panel.update(profile);
    return panel;
  }

  /** Paths of the files with an open panel. */
  get openFiles(): string[] {
    return this.panels.open.map((p) => p.uri.fsPath);
  }
}

export class DataQualityPanel extends LabbookPanel {
  private ready = false;
  private refreshing = false;

  constructor(readonly uri: vscode.Uri, private profile: DatasetProfile, extensionPath: string, private readonly reprofile: Reprofile) {
    super(extensionPath, { viewType: DATA_QUALITY_VIEW_TYPE, title: `Data quality: ${path.basename(uri.fsPath)}`, webview: 'data-quality', loading: 'Loading the profile…' });
  }

  get fileName(): string {
    return path.basename(this.uri.fsPath);
  }

  get title(): string {
    return this.panel.title;
  }

  /** A profile is a snapshot of a file, not of the store: store changes leave it alone. */
  refresh(): void {}

  update(profile: DatasetProfile): void {
    this.profile = profile;
    this.postProfile();
  }

  private postProfile(): void {
    if (!this.ready || this.disposed) return;
    this.post({ type: 'profile', fileName: this.fileName, path: vscode.workspace.asRelativePath(this.uri, false), profile: this.profile });
  }

  private post(message: ToDataQualityView): void {
    void this.panel.webview.postMessage(message);
  }

  protected onMessage(message: unknown): void {
    if (!isFromDataQualityView(message)) return;
    void this.handle(message).catch((error: Error) => {
      void vscode.window.showErrorMessage(`Labbook: ${error.message}`);
    });
  }

  private async handle(message: FromDataQualityView): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.postProfile();
        return;
      case 'refresh': {
        if (this.refreshing) return;
        this.refreshing = true;
        this.post({ type: 'busy', busy: true });
        try {
          const profile = await this.reprofile(this.uri);
          if (this.disposed) return;
          this.profile = profile;
        } catch (error) {
          // The last profile stays on screen; the notification says what went wrong.
          void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
        } finally {
          this.refreshing = false;
          if (!this.disposed) {
            this.post({ type: 'busy', busy: false });
            this.postProfile();
          }
        }
        return;
      }
      case 'openFile':
        await vscode.commands.executeCommand('vscode.open', this.uri);
        return;
    }
  }
}
