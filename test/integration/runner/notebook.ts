/**
 * Notebook steps the suites share, as a user takes them: open a notebook on the Labbook
 * kernel, append a cell, run it, wait for it to end, read its outputs. Cell outputs and
 * editors change asynchronously, so every wait polls with a deadline that names the cell.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './labbook';
import { eventually } from './wait';

export const CONTROLLER_ID = 'labbook-typescript';
export const ERROR_MIME = 'application/vnd.code.notebook.error';
export const STDOUT_MIME = 'application/vnd.code.notebook.stdout';
export const STDERR_MIME = 'application/vnd.code.notebook.stderr';
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** Polls a synchronous probe (cell outputs, editors) every 100 ms. */
export const waitFor = <T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 60_000,
): Promise<T> => eventually(what, probe, timeoutMs, 100);

export const decode = (item: vscode.NotebookCellOutputItem): string =>
  new TextDecoder().decode(item.data);

export function items(cell: vscode.NotebookCell, mime?: string): vscode.NotebookCellOutputItem[] {
  return cell.outputs.flatMap((o) => o.items).filter((i) => !mime || i.mime === mime);
}

export function text(cell: vscode.NotebookCell, mime = STDOUT_MIME): string {
  return items(cell, mime).map(decode).join('');
}

export function errorsOf(cell: vscode.NotebookCell): { name: string; message: string }[] {
  return items(cell, ERROR_MIME).map(
    (i) => JSON.parse(decode(i)) as { name: string; message: string },
  );
}

/** A cell's state and outputs, for an assertion's message. */
export function describeCell(cell: vscode.NotebookCell): string {
  return `cell ${cell.index + 1}: success=${cell.executionSummary?.success} outputs=${JSON.stringify(
    cell.outputs.map((o) => o.items.map((i) => `${i.mime}: ${decode(i).slice(0, 300)}`)),
  )}`;
}

/** Ended executions carry timing; `after` tells this run's from a summary the file had. */
export function ended(cell: vscode.NotebookCell, after: number): boolean {
  const s = cell.executionSummary;
  return s?.success !== undefined && (s.timing?.endTime ?? 0) >= after;
}

export async function appendCell(
  notebook: vscode.NotebookDocument,
  source: string,
): Promise<vscode.NotebookCell> {
  const edit = new vscode.WorkspaceEdit();
  const index = notebook.cellCount;
  edit.set(notebook.uri, [
    vscode.NotebookEdit.insertCells(index, [
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'typescript'),
    ]),
  ]);
  assert.ok(await vscode.workspace.applyEdit(edit), 'inserting a cell failed');
  return notebook.cellAt(index);
}

/** Starts a cell without waiting for it (the command resolves when the cell ends). */
export function startCell(
  notebook: vscode.NotebookDocument,
  cell: vscode.NotebookCell,
): Thenable<unknown> {
  return vscode.commands.executeCommand('notebook.cell.execute', {
    ranges: [{ start: cell.index, end: cell.index + 1 }],
    document: notebook.uri,
  });
}

/** Appends `source` as a cell, runs it and waits for it to end (ok or not). */
export async function runCell(
  notebook: vscode.NotebookDocument,
  source: string,
  timeoutMs = 60_000,
): Promise<vscode.NotebookCell> {
  const cell = await appendCell(notebook, source);
  const before = Date.now();
  void startCell(notebook, cell);
  await waitFor(`cell ${cell.index + 1} to end`, () => ended(cell, before), timeoutMs);
  return cell;
}

/** Scrolls the active notebook editor to the cell (before a screenshot). */
export function reveal(cell: vscode.NotebookCell): void {
  vscode.window.activeNotebookEditor?.revealRange(
    new vscode.NotebookRange(cell.index, cell.index + 1),
    vscode.NotebookEditorRevealType.AtTop,
  );
}

/** Writes a notebook with no cells whose kernelspec is TypeScript under `kernelName`. */
export function writeEmptyNotebook(file: string, kernelName: string): void {
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: [],
      metadata: {
        kernelspec: { name: kernelName, display_name: 'TypeScript', language: 'typescript' },
        language_info: { name: 'typescript' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
}

/** Opens the notebook file in an editor with the Labbook kernel selected. */
export async function openOnLabbookKernel(file: string): Promise<vscode.NotebookDocument> {
  const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
  await vscode.window.showNotebookDocument(notebook);
  await vscode.commands.executeCommand('notebook.selectKernel', {
    id: CONTROLLER_ID,
    extension: EXTENSION_ID,
  });
  return notebook;
}

/** Closes the notebook's editor, dropping the suite's unsaved cells. */
export async function closeWithoutSaving(notebook: vscode.NotebookDocument): Promise<void> {
  await vscode.window.showNotebookDocument(notebook);
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}
