/**
 * The Data Quality panel: the profile the workspace service computed (core/quality), shown
 * by webviews/data-quality; the messages are in its protocol.ts. One panel per subject: a
 * data file (which can be profiled and validated again) or a logged data set version
 * (shown as recorded). Profiling a file again reveals its panel with the new profile.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetProfile } from '../../core/quality/types';
import {
  isFromDataQualityView,
  type FromDataQualityView,
  type ToDataQualityView,
} from '../../webviews/data-quality/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export const DATA_QUALITY_VIEW_TYPE = 'labbook.dataQuality';

/** What a file's panel can ask for: each rejects with a message naming the file. */
export interface FileActions {
  /** Profiles the file again (with the progress notification), validated against `suite` when given. */
  profile(uri: vscode.Uri, suite?: string): Promise<DatasetProfile>;
  /** Asks which saved suite to validate against (or infers a new one); undefined when cancelled. */
  pickSuite(uri: vscode.Uri): Promise<string | undefined>;
}

/** What a panel shows: a data file, or a logged data set version (no file to profile again). */
export type ProfileSubject =
  | { kind: 'file'; uri: vscode.Uri }
  | { kind: 'dataset'; name: string; version: number; source: string | null };

function subjectKey(subject: ProfileSubject): string {
  return subject.kind === 'file'
    ? subject.uri.toString()
    : `dataset:${subject.name}@${subject.version}`;
}

function subjectName(subject: ProfileSubject): string {
  return subject.kind === 'file'
    ? path.basename(subject.uri.fsPath)
    : `${subject.name} v${subject.version}`;
}

export class DataQualityPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<DataQualityPanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly actions: FileActions,
  ) {
    super();
  }

  /** Opens the subject's panel with this profile, or reveals the open one and shows it there. */
  show(subject: ProfileSubject, profile: DatasetProfile): DataQualityPanel {
    let created = false;
    const panel = this.panels.show(subjectKey(subject), () => {
      created = true;
      return new DataQualityPanel(subject, profile, this.extensionPath, this.actions);
    });
    if (!created) panel.update(profile);
    return panel;
  }

  /** Paths of the files with an open panel. */
  get openFiles(): string[] {
    return this.panels.open.flatMap((p) =>
      p.subject.kind === 'file' ? [p.subject.uri.fsPath] : [],
    );
  }

  /** Every open panel. */
  get all(): DataQualityPanel[] {
    return this.panels.open;
  }

  /** The open panel of a file, if any. */
  panelOf(uri: vscode.Uri): DataQualityPanel | undefined {
    return this.panels.open.find(
      (p) => p.subject.kind === 'file' && p.subject.uri.toString() === uri.toString(),
    );
  }
}

export class DataQualityPanel extends LabbookPanel<FromDataQualityView, ToDataQualityView> {
  private working = false;
  /** The suite the profile was last validated against: "Profile again" keeps using it. */
  private suite: string | undefined;

  constructor(
    readonly subject: ProfileSubject,
    private profile: DatasetProfile,
    extensionPath: string,
    private readonly actions: FileActions,
  ) {
    super(extensionPath, {
      viewType: DATA_QUALITY_VIEW_TYPE,
      title: `Data quality: ${subjectName(subject)}`,
      webview: 'data-quality',
      loading: 'Loading the profile…',
      accepts: isFromDataQualityView,
    });
    this.suite = profile.validation?.suite;
  }

  get fileName(): string {
    return subjectName(this.subject);
  }

  get title(): string {
    return this.panel.title;
  }

  /** The profile on screen (tests read it). */
  get shown(): DatasetProfile {
    return this.profile;
  }

  /** A profile is a snapshot of a file or a version, not of the store: store changes leave it alone. */
  refresh(): void {}

  update(profile: DatasetProfile): void {
    this.profile = profile;
    this.suite = profile.validation?.suite ?? this.suite;
    this.postProfile();
  }

  private postProfile(): void {
    if (!this.ready || this.disposed) return;
    const where =
      this.subject.kind === 'file'
        ? vscode.workspace.asRelativePath(this.subject.uri, false)
        : `Logged data set ${this.subject.name}, version ${this.subject.version}${this.subject.source ? ` (from ${this.subject.source})` : ''}`;
    this.post({
      type: 'profile',
      fileName: this.fileName,
      path: where,
      profile: this.profile,
      live: this.subject.kind === 'file',
    });
  }

  /** Profiles the file again, with `suite` (the last one when undefined); the last profile stays on screen if it fails. */
  async reprofile(suite = this.suite): Promise<DatasetProfile | undefined> {
    if (this.subject.kind !== 'file' || this.working) return undefined;
    this.working = true;
    this.post({ type: 'busy', busy: true });
    try {
      const profile = await this.actions.profile(this.subject.uri, suite);
      if (this.disposed) return undefined;
      this.profile = profile;
      this.suite = suite;
      return profile;
    } catch (error) {
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
      return undefined;
    } finally {
      this.working = false;
      if (!this.disposed) {
        this.post({ type: 'busy', busy: false });
        this.postProfile();
      }
    }
  }

  protected readonly handlers: MessageHandlers<FromDataQualityView> = {
    ready: () => this.postProfile(),
    refresh: () => this.reprofile(),
    validate: async () => {
      if (this.subject.kind !== 'file') return;
      const suite = await this.actions.pickSuite(this.subject.uri);
      if (suite !== undefined) await this.reprofile(suite);
    },
    openFile: async () => {
      if (this.subject.kind === 'file')
        await vscode.commands.executeCommand('vscode.open', this.subject.uri);
    },
  };
}
