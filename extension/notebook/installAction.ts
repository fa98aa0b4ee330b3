/**
 * The "Install PACKAGE" action of a cell whose import failed because the package is not
 * installed: an item on the cell's status bar, under its output (what VS Code's API offers
 * for an action next to an output; a command link inside the built-in error renderer is
 * not possible, and `command:` links in markdown output are deprecated there). It runs
 * `npm install` in the notebook's folder through the kernel, then the cell again.
 */
import * as vscode from 'vscode';
import { Command, NOTEBOOK_TYPE } from '../commands';
import { Disposable } from '../util/dispose';
import { missingPackagesIn } from './mime';

export function missingPackagesOfCell(cell: vscode.NotebookCell): string[] {
  return missingPackagesIn(cell.outputs.map((o) => o.metadata));
}

export class InstallAction extends Disposable implements vscode.NotebookCellStatusBarItemProvider {
  private readonly changed = this.track(new vscode.EventEmitter<void>());
  readonly onDidChangeCellStatusBarItems = this.changed.event;

  constructor() {
    super();
    this.track(vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, this));
    this.track(
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.cellChanges.some((c) => c.outputs !== undefined)) this.changed.fire();
      }),
    );
  }

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const packages = missingPackagesOfCell(cell);
    if (packages.length === 0) return [];
    const item = new vscode.NotebookCellStatusBarItem(
      `$(cloud-download) Install ${packages.join(', ')}`,
      vscode.NotebookCellStatusBarAlignment.Left,
    );
    item.tooltip = `Runs npm install ${packages.join(' ')} in the notebook's folder, then this cell again`;
    item.command = {
      title: `Install ${packages.join(', ')}`,
      command: Command.InstallPackages,
      arguments: [cell.notebook.uri, cell.index, packages],
    };
    return [item];
  }
}
