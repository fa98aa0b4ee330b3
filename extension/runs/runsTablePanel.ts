/**
 * The runs table: one webview panel per scope (some experiments, or all), listing runs
 * with their params, metrics and tags, like MLflow's runs table. The webview keeps its view
 * state (filter, order, columns, selection, scroll) with getState/setState and asks for
 * pages of rows; this side adds the scope to each query and asks the workspace service.
 * Strict Content-Security-Policy: scripts only by nonce from the built webview folder.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import {
  isFromRunsTableView,
  type FromRunsTableView,
  type RunsTableAction,
  type ToRunsTableView,
} from '../../webviews/runs-table/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export type { RunsTableAction };

export const RUNS_TABLE_VIEW_TYPE = 'labbook.runsTable';

/** What a runs table lists: some experiments, or every one. */
export interface RunsTableScope {
  experimentIds: number[] | 'all';
  /** The panel's title, e.g. the experiment's name or "All runs". */
  title: string;
  /** A filter to apply when the panel opens (search language), e.g. from a command argument. */
  filter?: string;
}

/** What the table asks the rest of the extension to do; the lead wires these in runsFeature.ts. */
export interface RunsTableCallbacks {
  /** Double-click or the name link: show the run's details panel. */
  openRun(runId: string): unknown;
  /** "Compare (n)" with two or more runs selected. */
  compare(runIds: string[]): unknown;
  /**
   * A toolbar action on the selected runs. The callback asks what it needs (confirmation
   * for delete, the tag for "Tag…") and writes through the service; the store's change
   * notification then reaches `refresh()`. Return a promise that settles when the action
   * is done; resolving to `false` means the user cancelled (a rejection is shown as an error).
   * Once done, deleted runs leave the table's selection.
   */
  runAction(action: RunsTableAction, runIds: string[]): unknown;
}

/** Refreshes closer together than this are merged. */
const REFRESH_DEBOUNCE_MS = 200;

function scopeKey(scope: RunsTableScope): string {
  return scope.experimentIds === 'all'
    ? 'all'
    : [...new Set(scope.experimentIds)].sort((a, b) => a - b).join(',');
}

/** Opens and keeps track of runs tables: one panel per scope. */
export class RunsTablePanels extends Disposable {
  private readonly panels = this.track(new PanelSet<RunsTablePanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly callbacks: RunsTableCallbacks,
  ) {
    super();
  }

  /** Shows the table for this scope, revealing it (with the new filter, if any) when it is already open. */
  show(scope: RunsTableScope): RunsTablePanel {
    const panel = this.panels.show(
      scopeKey(scope),
      () => new RunsTablePanel(scope, this.extensionPath, this.service, this.callbacks),
    );
    if (scope.filter !== undefined && panel.scope.filter !== scope.filter)
      panel.setFilter(scope.filter);
    return panel;
  }

  /** The store changed: every open table asks again for the rows it shows (debounced). */
  refreshAll(): void {
    this.panels.refreshAll();
  }

  get openScopes(): RunsTableScope[] {
    return this.panels.open.map((p) => p.scope);
  }
}

export class RunsTablePanel extends LabbookPanel<FromRunsTableView, ToRunsTableView> {
  /** What this panel lists (and the filter it was last asked to apply). */
  scope: RunsTableScope;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    scope: RunsTableScope,
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly callbacks: RunsTableCallbacks,
  ) {
    super(extensionPath, {
      viewType: RUNS_TABLE_VIEW_TYPE,
      title: scope.title,
      webview: 'runs-table',
      accepts: isFromRunsTableView,
    });
    this.scope = scope;
    this.track({ dispose: () => clearTimeout(this.refreshTimer) });
    // Hidden without retainContextWhenHidden, the webview is torn down; shown again, it
    // reloads from its saved state and says `ready` again.
    this.track(
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.ready = false;
      }),
    );
  }

  /** The store changed: the webview asks again for its cached pages (merged when frequent). */
  refresh(): void {
    if (this.disposed || !this.ready) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.post({ type: 'refresh' }), REFRESH_DEBOUNCE_MS);
  }

  /** Applies a filter as if typed into the filter box (the panel is already open). */
  setFilter(filter: string): void {
    this.scope = { ...this.scope, filter };
    if (this.ready) this.post(this.initMessage());
  }

  private initMessage(): ToRunsTableView {
    return {
      type: 'init',
      title: this.scope.title,
      multipleExperiments:
        this.scope.experimentIds === 'all' || this.scope.experimentIds.length > 1,
      filter: this.scope.filter,
    };
  }

  protected readonly handlers: MessageHandlers<FromRunsTableView> = {
    ready: () => this.post(this.initMessage()),
    query: (message) => this.answer(message),
    openRun: (message) => this.callbacks.openRun(message.runId),
    compare: (message) => this.callbacks.compare(message.runIds),
    runAction: async (message) => {
      try {
        const result = await this.callbacks.runAction(message.action, message.runIds);
        if (result !== false)
          this.post({ type: 'actionDone', action: message.action, runIds: message.runIds });
      } catch (error) {
        // Named after the action: the table's toolbar runs several on the same selection.
        void vscode.window.showErrorMessage(
          `Labbook: ${message.action} failed: ${(error as Error).message}`,
        );
      }
    },
  };

  private async answer(message: Extract<FromRunsTableView, { type: 'query' }>): Promise<void> {
    const service = this.service();
    if (!service) {
      this.post({
        type: 'queryFailed',
        requestId: message.requestId,
        message: 'The Labbook workspace service is not running.',
      });
      return;
    }
    const { experimentIds } = this.scope;
    try {
      const page = await service.queryRunsTable({
        ...message.query,
        experimentIds: experimentIds === 'all' ? undefined : experimentIds,
      });
      this.post({ type: 'page', requestId: message.requestId, page });
    } catch (error) {
      this.post({
        type: 'queryFailed',
        requestId: message.requestId,
        message: (error as Error).message,
      });
    }
  }
}
