/** "Labbook: New TypeScript Notebook": an untitled .ipynb with the Labbook kernel selected. */
import * as vscode from 'vscode';
import { CONTROLLER_ID, EXTENSION_ID, NOTEBOOK_TYPE } from '../commands';

/** Jupyter metadata of a new notebook: tslab's kernelspec, so Jupyter with tslab opens it too. */
export const NEW_NOTEBOOK_METADATA = {
  kernelspec: { name: 'tslab', display_name: 'TypeScript (Labbook)', language: 'typescript' },
  language_info: { name: 'typescript' },
};

export const FIRST_CELL = 'import * as lab from "labbook";';

export async function newNotebook(): Promise<vscode.NotebookDocument> {
  const data = new vscode.NotebookData([
    new vscode.NotebookCellData(vscode.NotebookCellKind.Code, FIRST_CELL, 'typescript'),
  ]);
  // The built-in ipynb serializer keeps the file's top level in `metadata` and the
  // notebook's own metadata under `metadata.metadata` (as its "New Jupyter Notebook" does).
  data.metadata = { cells: [], metadata: NEW_NOTEBOOK_METADATA, nbformat: 4, nbformat_minor: 5 };
  const notebook = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  await vscode.window.showNotebookDocument(notebook);
  await vscode.commands.executeCommand('notebook.selectKernel', {
    id: CONTROLLER_ID,
    extension: EXTENSION_ID,
  });
  return notebook;
}
