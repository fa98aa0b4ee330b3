/**
 * The Drift panel of one pair of data files (reference, current): the report the workspace
 * service computed (core/drift), shown by webviews/drift; the messages are in its
 * protocol.ts. One panel per pair: comparing the same pair again reveals its panel with the
 * new report. A comparison that failed shows its message in the panel, with "Compare again".
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DriftReport } from '../../core/common/drift-types';
import { driftReportToWire } from '../../core/common/drift-wire';
import {
  isFromDriftView,
  type DriftFiles,
  type FromDriftView,
  type ToDriftView,
} from '../../webviews/drift/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export const DRIFT_VIEW_TYPE = 'labbook.drift';

/** A finished comparison: the report, or why there is none (a message for the user). */
export type DriftOutcome = { report: DriftReport } | { error: string };

/** Compares the pair again (with the progress notification); rejects with a message naming the files. */
export type Recompare = (
  reference: vscode.Uri,
  current: vscode.Uri,
  labels?: DriftLabels,
) => Promise<DriftReport>;

/** Names to show instead of the files' (logged data set versions live in content-addressed files). */
export interface DriftLabels {
  reference: string;
  current: string;
}

export class DriftPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<DriftPanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly recompare: Recompare,
  ) {
    super();
  }

  /** Opens the pair's panel with this outcome, or reveals the open one and shows it there. */
  show(
    reference: vscode.Uri,
    current: vscode.Uri,
    outcome: DriftOutcome,
    labels?: DriftLabels,
  ): DriftPanel {
    let created = false;
    const panel = this.panels.show(`${reference.toString()}\n${current.toString()}`, () => {
      created = true;
      return new DriftPanel(
        reference,
        current,
        outcome,
        this.extensionPath,
        this.recompare,
        labels,
      );
    });
    if (!created) panel.update(outcome);
    return panel;
  }

  /** Titles of the open Drift panels. */
  get openTitles(): string[] {
    return this.panels.open.map((p) => p.title);
  }

  /** The open panel whose title is `title`. */
  find(title: string): DriftPanel | undefined {
    return this.panels.open.find((p) => p.title === title);
  }
}

export function driftTitle(
  reference: vscode.Uri,
  current: vscode.Uri,
  labels?: DriftLabels,
): string {
  return `Drift: ${labels?.current ?? path.basename(current.fsPath)} vs ${labels?.reference ?? path.basename(reference.fsPath)}`;
}

export class DriftPanel extends LabbookPanel<FromDriftView, ToDriftView> {
  private refreshing = false;

  constructor(
    readonly reference: vscode.Uri,
    readonly current: vscode.Uri,
    private outcome: DriftOutcome,
    extensionPath: string,
    private readonly recompare: Recompare,
    private readonly labels?: DriftLabels,
  ) {
    super(extensionPath, {
      viewType: DRIFT_VIEW_TYPE,
      title: driftTitle(reference, current, labels),
      webview: 'drift',
      loading: 'Loading the drift report…',
      accepts: isFromDriftView,
    });
  }

  get title(): string {
    return this.panel.title;
  }

  /** A report is a snapshot of two files, not of the store: store changes leave it alone. */
  refresh(): void {}

  /** Opens a column's detail view in the panel (once the webview is ready); false when there is no report or no such column. */
  showColumn(column: string): boolean {
    if (
      !this.ready ||
      this.disposed ||
      !('report' in this.outcome) ||
      !this.outcome.report.columns.some((c) => c.name === column)
    )
      return false;
    this.panel.reveal();
    this.post({ type: 'showColumn', column });
    return true;
  }

  update(outcome: DriftOutcome): void {
    this.outcome = outcome;
    this.postOutcome();
  }

  private get files(): DriftFiles {
    const side = (uri: vscode.Uri, label: string | undefined) =>
      label
        ? { fileName: label, path: 'logged data set version (its stored rows)' }
        : {
            fileName: path.basename(uri.fsPath),
            path: vscode.workspace.asRelativePath(uri, false),
          };
    return {
      reference: side(this.reference, this.labels?.reference),
      current: side(this.current, this.labels?.current),
    };
  }

  private postOutcome(): void {
    if (!this.ready || this.disposed) return;
    if ('report' in this.outcome)
      this.post({
        type: 'report',
        files: this.files,
        report: driftReportToWire(this.outcome.report),
      });
    else this.post({ type: 'error', files: this.files, message: this.outcome.error });
  }

  protected readonly handlers: MessageHandlers<FromDriftView> = {
    ready: () => this.postOutcome(),
    refresh: () => this.compareAgain(),
    openFile: (message) =>
      vscode.commands.executeCommand(
        'vscode.open',
        message.side === 'reference' ? this.reference : this.current,
      ),
  };

  private async compareAgain(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    this.post({ type: 'busy', busy: true });
    try {
      const report = await this.recompare(this.reference, this.current, this.labels);
      if (this.disposed) return;
      this.outcome = { report };
    } catch (error) {
      if (this.disposed) return;
      this.outcome = { error: (error as Error)?.message ?? String(error) };
    } finally {
      this.refreshing = false;
      if (!this.disposed) {
        this.post({ type: 'busy', busy: false });
        this.postOutcome();
      }
    }
  }
}
