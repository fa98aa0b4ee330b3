/**
 * One webview panel per run, showing its params, tags, metrics with charts and artifacts.
 * Strict Content-Security-Policy: scripts only by nonce from the built webview folder.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import {
  isFromRunDetailsView,
  type FromRunDetailsView,
  type ToRunDetailsView,
} from '../../webviews/run-details/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';
import { Command } from '../commands';

export const RUN_DETAILS_VIEW_TYPE = 'labbook.runDetails';

/** The tab's title: the run's name when known, else the start of its id. */
export function runTitle(runId: string, name: string | null): string {
  return name === null ? `Run ${runId.slice(0, 8)}` : `Run: ${name}`;
}

/** One details panel per run. */
export class RunDetailsPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<RunDetailsPanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
  ) {
    super();
  }

  /** `name` when the caller has it (a tree node, a table row): the tab and header say it at once. */
  show(runId: string, name?: string): RunDetailsPanel {
    return this.panels.show(
      runId,
      () => new RunDetailsPanel(runId, name ?? null, this.extensionPath, this.service),
    );
  }

  /** The store changed: open panels fetch their run again (live metrics while training). */
  refreshAll(): void {
    this.panels.refreshAll();
  }

  get openRunIds(): string[] {
    return this.panels.keys;
  }
}

export class RunDetailsPanel extends LabbookPanel<FromRunDetailsView, ToRunDetailsView> {
  private sourceNotebook: string | null = null;

  constructor(
    readonly runId: string,
    private name: string | null,
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
  ) {
    super(extensionPath, {
      viewType: RUN_DETAILS_VIEW_TYPE,
      title: runTitle(runId, name),
      webview: 'run-details',
      loading: name === null ? 'Loading run…' : `Loading run ${name}…`,
      accepts: isFromRunDetailsView,
    });
  }

  /** What goes to the webview first: the header, before the service has read the run. */
  get heading(): ToRunDetailsView {
    return { type: 'loading', runId: this.runId, name: this.name };
  }

  async refresh(): Promise<void> {
    if (!this.ready) return;
    const service = this.service();
    if (!service) return;
    const details = await service.runDetails(this.runId);
    if (this.disposed) return;
    if (details) {
      this.sourceNotebook = details.sourceNotebook;
      this.name = details.name;
      this.panel.title = runTitle(this.runId, details.name);
    }
    this.post(details ? { type: 'details', details } : { type: 'missing', runId: this.runId });
  }

  protected readonly handlers: MessageHandlers<FromRunDetailsView> = {
    ready: () => {
      // The header at once; the details when the service answers (a sweep parent's panel
      // sat blank under its id while it waited).
      this.post(this.heading);
      void this.refresh();
    },
    copyRunId: () => {
      void vscode.env.clipboard.writeText(this.runId);
      void vscode.window.setStatusBarMessage(`Copied run ID ${this.runId}`, 3000);
    },
    reopenSource: () => void vscode.commands.executeCommand(Command.ReopenRunSource, this.runId),
    revealNotebook: () => {
      if (this.sourceNotebook)
        void vscode.commands.executeCommand('vscode.open', vscode.Uri.file(this.sourceNotebook));
    },
  };
}
