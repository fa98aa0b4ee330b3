/**
 * Kernel outputs as VS Code notebook outputs. The output metadata follows what the built-in
 * ipynb serializer reads (`outputType`, `executionCount`, `metadata`, `transient`), so a
 * saved notebook has proper `stream` / `display_data` / `execute_result` / `error` outputs.
 */
import * as vscode from 'vscode';
import type { CellOutput } from '../../kernel/protocol';
import { errorStack, MISSING_PACKAGES_KEY, planItems, type PlannedItem } from './mime';

export function toItem(plan: PlannedItem): vscode.NotebookCellOutputItem {
  switch (plan.kind) {
    case 'text':
      return vscode.NotebookCellOutputItem.text(plan.text, plan.mime);
    case 'json':
      return vscode.NotebookCellOutputItem.json(plan.value, plan.mime);
    case 'bytes':
      return new vscode.NotebookCellOutputItem(Buffer.from(plan.base64, 'base64'), plan.mime);
  }
}

export function bundleItems(bundle: Record<string, unknown>): vscode.NotebookCellOutputItem[] {
  return planItems(bundle).map(toItem);
}

export function streamItem(name: 'stdout' | 'stderr', text: string): vscode.NotebookCellOutputItem {
  return name === 'stderr'
    ? vscode.NotebookCellOutputItem.stderr(text)
    : vscode.NotebookCellOutputItem.stdout(text);
}

export function streamOutput(name: 'stdout' | 'stderr', text: string): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([streamItem(name, text)], { outputType: 'stream' });
}

export function displayOutput(
  output: Extract<CellOutput, { kind: 'display' }>,
): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(bundleItems(output.data), {
    outputType: 'display_data',
    metadata: output.metadata ?? {},
    ...(output.displayId ? { transient: { display_id: output.displayId } } : {}),
  });
}

export function resultOutput(
  output: Extract<CellOutput, { kind: 'result' }>,
): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(bundleItems(output.data), {
    outputType: 'execute_result',
    executionCount: output.executionCount,
    metadata: {},
  });
}

export function errorOutput(
  ename: string,
  evalue: string,
  traceback: string[],
  missingPackages?: string[],
): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    [
      vscode.NotebookCellOutputItem.error({
        name: ename,
        message: evalue,
        stack: errorStack(ename, evalue, traceback),
      }),
    ],
    {
      outputType: 'error',
      originalError: { ename, evalue, traceback },
      // Read back by the cell's "Install" action (installAction.ts).
      ...(missingPackages?.length ? { [MISSING_PACKAGES_KEY]: missingPackages } : {}),
    },
  );
}
