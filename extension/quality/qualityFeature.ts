/**
 * Data quality in the editor: "Labbook: Profile Data" on a data file (Explorer context menu,
 * or the palette with a file picker) asks the workspace service to profile it (DuckDB, in
 * core/quality) and shows the result in a Data Quality panel per file; "Validate Against
 * Suite…" (panel button, or the palette) profiles it with a saved suite's results; the
 * Data Sets tree lists logged data set versions and the runs that used them. It does not
 * own the workspace service (RunsFeature starts it): `service()` is read on every use, and
 * the owner calls `onStoreChanged()` when the store changes.
 *
 * ```ts
 * const profile = await vscode.commands.executeCommand('labbook.profileData', vscode.Uri.file('/data/movies.json'));
 * // resolves with the DatasetProfile shown (undefined when it failed: the error was shown as a notification)
 * await vscode.commands.executeCommand('labbook.validateData', { path: 'data/cars.json', suite: 'cars' });
 * ```
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { DatasetProfile } from '../../core/quality/types';
import { Disposable } from '../util/dispose';
import { Command } from '../commands';
import { DataQualityPanels } from './dataQualityPanel';
import { DatasetsTreeProvider, type DatasetsTreeNode } from './datasetsTree';

export const DATASETS_VIEW_ID = 'labbook.datasets';

/** The files "Profile Data" offers (Explorer menu and open dialog); the profiler reads these. */
export const DATA_FILE_EXTENSIONS = [
  'csv',
  'tsv',
  'json',
  'ndjson',
  'jsonl',
  'parquet',
  'arrow',
] as const;

type QualityCommandId =
  Command.ProfileData | Command.ValidateData | Command.OpenDatasetVersion | Command.RefreshDatasets;

export class QualityFeature extends Disposable {
  readonly panels: DataQualityPanels;
  readonly datasets: DatasetsTreeProvider;

  constructor(
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.panels = this.track(
      new DataQualityPanels(extensionPath, {
        profile: (uri, suite) => this.profileWithProgress(uri, suite),
        pickSuite: (uri) => this.pickSuite(uri),
      }),
    );
    this.datasets = this.track(new DatasetsTreeProvider(service));
    this.track(
      vscode.window.createTreeView(DATASETS_VIEW_ID, {
        treeDataProvider: this.datasets,
        showCollapseAll: true,
      }),
    );
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<QualityCommandId, (...args: unknown[]) => unknown> {
    return {
      [Command.ProfileData]: (arg, selection) => this.profileData(arg, selection),
      [Command.ValidateData]: (arg) => this.validateData(arg),
      [Command.OpenDatasetVersion]: (arg) => this.openDatasetVersion(arg),
      [Command.RefreshDatasets]: () => this.datasets.refresh(),
    };
  }

  /** The store changed (or the service started): logged data sets may have changed. */
  onStoreChanged(): void {
    this.datasets.refreshSoon();
  }

  /** Shows a problem in place of the Data Sets tree (e.g. the service stopped); undefined clears it. */
  setProblem(problem: string | undefined): void {
    this.datasets.setProblem(problem);
  }

  /**
   * Profiles a data file validated against a saved suite and shows both. Takes `{ path, suite }`
   * (no dialogs), a file Uri (asks for the suite), or nothing (asks for the file, then the suite).
   * Resolves with the profile shown; undefined when cancelled or failed (the error was shown).
   */
  async validateData(arg?: unknown): Promise<DatasetProfile | undefined> {
    const given =
      arg && typeof arg === 'object' && !(arg instanceof vscode.Uri)
        ? (arg as { path?: unknown; suite?: unknown })
        : undefined;
    let uri: vscode.Uri | undefined = given
      ? this.urisOf(given.path, undefined)[0]
      : this.urisOf(arg, undefined)[0];
    if (!uri)
      uri = (await this.pickDataFile('Validate a data file against a suite', 'Choose'))?.[0];
    if (!uri) return undefined;
    const suite = typeof given?.suite === 'string' ? given.suite : await this.pickSuite(uri);
    if (suite === undefined) return undefined;
    const open = this.panels.panelOf(uri);
    if (open) {
      open.reveal();
      return open.reprofile(suite);
    }
    try {
      const profile = await this.profileWithProgress(uri, suite);
      if (this.disposed) return undefined;
      this.panels.show({ kind: 'file', uri }, profile);
      return profile;
    } catch (error) {
      this.log.warn(`validating ${uri.fsPath} failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Opens a logged data set version's stored profile (from the Data Sets tree, or `{ name, version }`). */
  async openDatasetVersion(arg?: unknown): Promise<DatasetProfile | undefined> {
    const node = arg as
      | (Partial<Extract<DatasetsTreeNode, { kind: 'datasetVersion' }>> & {
          name?: unknown;
          version?: unknown;
        })
      | undefined;
    const name = node?.item?.name ?? (typeof node?.name === 'string' ? node.name : undefined);
    const version =
      node?.item?.version ?? (typeof node?.version === 'number' ? node.version : undefined);
    if (name === undefined || version === undefined) {
      void vscode.window.showInformationMessage('Choose a data set version in the Data Sets view.');
      return undefined;
    }
    const service = this.service();
    if (!service)
      throw new Error('The Labbook workspace service is not running. Open a workspace folder.');
    const profile = await service.datasetProfile(name, version);
    if (!profile) {
      void vscode.window.showWarningMessage(`Labbook: ${name} v${version} has no stored profile.`);
      return undefined;
    }
    this.panels.show(
      { kind: 'dataset', name, version, source: node?.item?.source ?? profile.source ?? null },
      profile,
    );
    return profile;
  }

  /** Saved suites to pick from, and a way to infer a new one from this file; the suite's name, or undefined when cancelled. */
  private async pickSuite(uri: vscode.Uri): Promise<string | undefined> {
    const service = this.service();
    if (!service)
      throw new Error('The Labbook workspace service is not running. Open a workspace folder.');
    const infer = {
      label: '$(add) Infer a new suite from this file…',
      suite: undefined as string | undefined,
    };
    const saved = (await service.listSuites()).map((name) => ({
      label: name,
      description: `.labbook/suites`,
      suite: name,
    }));
    const picked = await vscode.window.showQuickPick([...saved, infer], {
      title: `Validate ${path.basename(uri.fsPath)} against a suite`,
      placeHolder: saved.length
        ? 'A saved suite'
        : 'No saved suites yet: infer one from a reference data file',
    });
    if (!picked) return undefined;
    if (picked.suite !== undefined) return picked.suite;
    const name = await vscode.window.showInputBox({
      title: 'Name of the new suite',
      value: path.basename(uri.fsPath, path.extname(uri.fsPath)),
      validateInput: (v) =>
        v.trim() === ''
          ? 'A suite needs a name'
          : // eslint-disable-next-line no-control-regex -- the name becomes a file name: control characters are what it refuses
            /[\u0000-\u001f]/.test(v)
            ? 'No control characters'
            : undefined,
    });
    if (name === undefined) return undefined;
    const made = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Inferring suite "${name}" from ${path.basename(uri.fsPath)}…`,
      },
      () => service.inferSuite(uri.fsPath, name.trim()),
    );
    void vscode.window.showInformationMessage(
      `Labbook: saved suite "${made.name}" with ${made.rules} rules (${vscode.workspace.asRelativePath(made.file, false)}).`,
    );
    return made.name;
  }

  /**
   * From the Explorer: `arg` is the clicked file and `selection` every selected one (each
   * selected data file is profiled). From the palette: nothing, so ask with an open dialog.
   * Also takes a path string. Resolves with the (last) profile shown.
   */
  async profileData(arg?: unknown, selection?: unknown): Promise<DatasetProfile | undefined> {
    let uris = this.urisOf(arg, selection);
    if (uris.length === 0) {
      const picked = await this.pickDataFile('Profile a data file', 'Profile');
      if (!picked?.length) return undefined;
      uris = picked;
    }
    let last: DatasetProfile | undefined;
    for (const uri of uris) {
      try {
        const profile = await this.profileWithProgress(uri);
        if (this.disposed) return undefined;
        this.panels.show({ kind: 'file', uri }, profile);
        last = profile;
      } catch (error) {
        this.log.warn(`profiling ${uri.fsPath} failed: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
      }
    }
    return last;
  }

  private pickDataFile(title: string, openLabel: string): Thenable<vscode.Uri[] | undefined> {
    return vscode.window.showOpenDialog({
      title,
      openLabel,
      canSelectMany: false,
      filters: { 'Data files': [...DATA_FILE_EXTENSIONS], 'All files': ['*'] },
      ...(vscode.workspace.workspaceFolders?.[0]
        ? { defaultUri: vscode.workspace.workspaceFolders[0].uri }
        : {}),
    });
  }

  /** Profiles in the workspace service with a progress notification; rejects with a message naming the file. */
  private async profileWithProgress(uri: vscode.Uri, suite?: string): Promise<DatasetProfile> {
    const name = path.basename(uri.fsPath);
    if (uri.scheme !== 'file')
      throw new Error(
        `Cannot profile ${name}: only files on this machine can be profiled (${uri.scheme}: is not supported).`,
      );
    const service = this.service();
    if (!service)
      throw new Error(
        `Cannot profile ${name}: the Labbook workspace service is not running. Open a workspace folder.`,
      );
    const started = Date.now();
    try {
      const profile = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: suite
            ? `Profiling ${name} and validating it against "${suite}"…`
            : `Profiling ${name}…`,
          cancellable: false,
        },
        () => service.profileData(uri.fsPath, suite !== undefined ? { suite } : {}),
      );
      this.log.info(
        `profiled ${uri.fsPath}: ${profile.rows} rows × ${profile.columns.length} columns, score ${profile.quality.score.toFixed(3)} in ${Date.now() - started} ms`,
      );
      return profile;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      throw new Error(`Cannot profile ${name}: ${message}`);
    }
  }

  private urisOf(arg: unknown, selection: unknown): vscode.Uri[] {
    if (
      Array.isArray(selection) &&
      selection.length > 1 &&
      selection.every((s) => s instanceof vscode.Uri)
    ) {
      return selection.filter((u) => isDataFile(u.fsPath));
    }
    if (arg instanceof vscode.Uri) return [arg];
    if (typeof arg === 'string' && arg.trim() !== '') {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      return [vscode.Uri.file(path.isAbsolute(arg) || !folder ? arg : path.join(folder, arg))];
    }
    return [];
  }
}

export function isDataFile(file: string): boolean {
  return (DATA_FILE_EXTENSIONS as readonly string[]).includes(
    path.extname(file).slice(1).toLowerCase(),
  );
}
