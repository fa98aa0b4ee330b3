/**
 * Which store the editor uses, from the settings: `labbook.storeUrl` (a team's PostgreSQL
 * server) wins over `labbook.storePath` (a SQLite file). The kernel, the workspace service
 * and the terminal's `labbook` all get the same answer.
 */
import type * as vscode from 'vscode';

/** The store setting of a folder's configuration: a postgres:// URL, a path, or undefined for the default file. */
export function storeSetting(config: vscode.WorkspaceConfiguration): string | undefined {
  return config.get<string>('storeUrl')?.trim() || config.get<string>('storePath');
}

/** Whether a settings change moves the store. */
export function affectsStore(event: vscode.ConfigurationChangeEvent): boolean {
  return (
    event.affectsConfiguration('labbook.storeUrl') ||
    event.affectsConfiguration('labbook.storePath')
  );
}
