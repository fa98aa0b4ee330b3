/**
 * `labbook run`: executes every code cell of a notebook in order with the same kernel the
 * editor uses, and writes the outputs back as nbformat 4.
 */
import { writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../kernel/client';
import type { CellOutput, ExecuteStatus } from '../kernel/protocol';
import {
  appendOutput, finalizeOutputs, injectParameters, readNotebook, serializeNotebook, sourceText,
  TYPESCRIPT_KERNELSPEC, type NbOutput, type Notebook,
} from '../core/notebook/ipynb';
import type { Progress } from './progress';

export interface RunNotebookOptions {
  notebook: string;
  out?: string;
  params: Record<string, unknown>;
  storePath: string;
  nodePath?: string;
  progress: Progress;
  /** Lets the caller interrupt (Ctrl+C) the running cell. */
  onKernel?: (kernel: KernelClient) => void;
}

export interface RunNotebookResult {
  outFile: string;
  executed: number;
  total: number;
  /** The first cell that failed, 1-based among all cells, with its error. */
  failure?: { cell: number; status: ExecuteStatus; ename: string; evalue: string };
  seconds: number;
}

export async function runNotebook(options: RunNotebookOptions): Promise<RunNotebookResult> {
  const started = performance.now();
  const notebookPath = path.resolve(options.notebook);
  const nb: Notebook = injectParameters(readNotebook(notebookPath), options.params);
  if (!nb.metadata.kernelspec) Object.assign(nb.metadata, TYPESCRIPT_KERNELSPEC);
  const outFile = path.resolve(options.out ?? notebookPath);
  const codeCells = nb.cells.map((c, i) => ({ cell: c, index: i })).filter(({ cell }) => cell.cell_type === 'code');
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }

  options.progress.update(`starting kernel for ${path.basename(notebookPath)}`);
  const kernel = await KernelClient.start({ notebookPath, storePath: options.storePath, nodePath: options.nodePath });
  options.onKernel?.(kernel);
  const outputsByCell = new Map<string, NbOutput[]>();
  const lastError = new Map<string, Extract<CellOutput, { kind: 'error' }>>();
  kernel.on('output', ({ cellId, output }) => {
    const outputs = outputsByCell.get(cellId);
    if (!outputs) return;
    appendOutput(outputs, output);
    if (output.kind === 'error') lastError.set(cellId, output);
  });
  kernel.on('log', (text) => options.progress.log(text));

  let executed = 0;
  let failure: RunNotebookResult['failure'];
  try {
    for (const [n, { cell, index }] of codeCells.entries()) {
      const cellId = `cell-${index}`;
      const outputs: NbOutput[] = [];
      outputsByCell.set(cellId, outputs);
      cell.outputs = outputs;
      const label = `[${n + 1}/${codeCells.length}] cell ${index + 1}`;
      options.progress.start(label);
      const { status, durationMs } = await kernel.execute({ cellId, code: sourceText(cell.source), executionCount: n + 1, cellIndex: index });
      cell.execution_count = n + 1;
      executed++;
      options.progress.done(label, status, durationMs);
      if (status !== 'ok') {
        const error = lastError.get(cellId);
        failure = { cell: index + 1, status, ename: error?.ename ?? status, evalue: error?.evalue ?? '' };
        break;
      }
    }
  } finally {
    await kernel.shutdown();
    for (const cell of nb.cells) if (cell.outputs) cell.outputs = finalizeOutputs(cell.outputs);
    // Written even when a cell failed: the outputs up to the failure are what the user needs to see.
    const tmp = `${outFile}.labbook-tmp`;
    writeFileSync(tmp, serializeNotebook(nb));
    renameSync(tmp, outFile);
  }
  return { outFile, executed, total: codeCells.length, failure, seconds: (performance.now() - started) / 1000 };
}
