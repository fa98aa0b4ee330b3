/**
 * Puts `labbook` on the PATH of the integrated terminal (as the Python extension does for
 * environments) and points LABBOOK_STORE at the store the sidebar shows, so the CLI typed
 * in a terminal writes where the views read. The shim runs this extension's own CLI with
 * the configured `node`, in any folder, with no `npx` and no checkout.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { STORE_ENV_VAR } from '../../core/store/location';
import { Disposable } from '../util/dispose';
import { writeShims } from './shim';
import { affectsStore } from '../util/storeSetting';

export class TerminalCommand extends Disposable {
  /** The folder put first on the terminal's PATH. */
  readonly binDir: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly storePathFor: (folder: vscode.WorkspaceFolder) => string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.binDir = path.join(context.globalStorageUri.fsPath, 'bin');
    this.update();
    this.track(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('labbook.nodePath') || affectsStore(e)) this.update();
      }),
    );
    this.track(vscode.workspace.onDidChangeWorkspaceFolders(() => this.update()));
  }

  private update(): void {
    const nodePath =
      vscode.workspace.getConfiguration('labbook').get<string>('nodePath')?.trim() || 'node';
    const cliPath = path.join(this.context.extensionPath, 'bin', 'labbook.js');
    const collection = this.context.environmentVariableCollection;
    try {
      if (writeShims(this.binDir, { nodePath, cliPath }))
        this.log.info(`Terminal command: ${this.binDir}/labbook runs ${cliPath} with ${nodePath}.`);
    } catch (error) {
      this.log.error(`Cannot write the terminal's labbook command: ${(error as Error).message}`);
      collection.clear();
      return;
    }
    collection.clear();
    collection.description = new vscode.MarkdownString(
      'Adds the `labbook` command and sets `LABBOOK_STORE` to the store the Labbook sidebar shows.',
    );
    collection.prepend('PATH', this.binDir + path.delimiter);
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      collection
        .getScoped({ workspaceFolder: folder })
        .replace(STORE_ENV_VAR, this.storePathFor(folder));
    }
  }

  /** What a new terminal gets, for tests: the PATH entry and each folder's store. */
  describe(): { binDir: string; path?: string; stores: Record<string, string | undefined> } {
    const collection = this.context.environmentVariableCollection;
    const stores: Record<string, string | undefined> = {};
    for (const folder of vscode.workspace.workspaceFolders ?? [])
      stores[folder.uri.fsPath] = collection
        .getScoped({ workspaceFolder: folder })
        .get(STORE_ENV_VAR)?.value;
    return { binDir: this.binDir, path: collection.get('PATH')?.value, stores };
  }
}
