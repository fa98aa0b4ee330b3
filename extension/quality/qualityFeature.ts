/**
 * Data quality in the editor: "Labbook: Profile Data" on a data file (Explorer context menu,
 * or the palette with a file picker) asks the workspace service to profile it (DuckDB, in
 * core/quality) and shows the result in a Data Quality panel per file. It does not own the
 * workspace service (RunsFeature starts it): `service()` is read on every use.
 *
 * ```ts
 * const profile = await vscode.commands.executeCommand('labbook.profileData', vscode.Uri.file('/data/movies.json'));
 * // resolves with the DatasetProfile shown (undefined when it failed: the error was shown as a notification)
 * ```
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { DatasetProfile } from '../../core/quality/types';
import { Disposable } from '../util/dispose';
import { Command } from '../commands';
import { DataQualityPanels } from './dataQualityPanel';


/** The files "Profile Data" offers (Explorer menu and open dialog); the profiler reads these. */
export const DATA_FILE_EXTENSIONS = ['csv', 'tsv', 'json', 'ndjson', 'jsonl', 'parquet', 'arrow'] as const;

type QualityCommandId = Command.ProfileData;

export class QualityFeature extends Disposable {
  readonly panels: DataQualityPanels;

  constructor(extensionPath: string, private readonly service: () => ServiceClient | undefined, private readonly log: vscode.LogOutputChannel) {
    super();
    this.panels = this.track(new DataQualityPanels(extensionPath, (uri) => this.profileWithProgress(uri)));
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<QualityCommandId, (...args: unknown[]) => unknown> {
    return {
      [Command.ProfileData]: (arg, selection) => this.profileData(arg, selection),
    };
  }

  /**
   * From the Explorer: `arg` is the clicked file and `selection` every selected one (each
   * selected data file is profiled). From the palette: nothing, so ask with an open dialog.
   * Also takes a path string. Resolves with the (last) profile shown.
   */
  async profileData(arg?: unknown, selection?: unknown): Promise<DatasetProfile | undefined> {
    let uris = this.urisOf(arg, selection);
    if (uris.length === 0) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Profile a data file',
        openLabel: 'Profile',
        canSelectMany: false,
        filters: { 'Data files': [...DATA_FILE_EXTENSIONS], 'All files': ['*'] },
        ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
      });
      if (!picked?.length) return undefined;
      uris = picked;
    }
    let last: DatasetProfile | undefined;
    for (const uri of uris) {
      try {
        const profile = await this.profileWithProgress(uri);
        if (this.disposed) return undefined;
        this.panels.show(uri, profile);
        last = profile;
      } catch (error) {
        this.log.warn(`profiling ${uri.fsPath} failed: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
      }
    }
    return last;
  }

  /** Profiles in the workspace service with a progress notification; rejects with a message naming the file. */
  private async profileWithProgress(uri: vscode.Uri): Promise<DatasetProfile> {
    const name = path.basename(uri.fsPath);
    if (uri.scheme !== 'file') throw new Error(`Cannot profile ${name}: only files on this machine can be profiled (${uri.scheme}: is not supported).`);
    const service = this.service();
    if (!service) throw new Error(`Cannot profile ${name}: the Labbook workspace service is not running. Open a workspace folder.`);
    const started = Date.now();
    try {
      const profile = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Profiling ${name}…`, cancellable: false },
        () => service.profileData(uri.fsPath),
      );
      this.log.info(`profiled ${uri.fsPath}: ${profile.rows} rows × ${profile.columns.length} columns, score ${profile.quality.score.toFixed(3)} in ${Date.now() - started} ms`);
      return profile;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      throw new Error(`Cannot profile ${name}: ${message}`);
    }
  }

  private urisOf(arg: unknown, selection: unknown): vscode.Uri[] {
    if (Array.isArray(selection) && selection.length > 1 && selection.every((s) => s instanceof vscode.Uri)) {
      return (selection as vscode.Uri[]).filter((u) => isDataFile(u.fsPath));
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
  return (DATA_FILE_EXTENSIONS as readonly string[]).includes(path.extname(file).slice(1).toLowerCase());
}
