/**
 * `labbook run`: executes every code cell of a notebook in order with the same kernel the
 * editor uses, and writes the outputs back as nbformat 4.
 */
import { writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../kernel/client';
import type { CellOutput, ExecuteStatus } from '../kernel/protocol';
import {
  appendOutput,
  finalizeOutputs,
  injectParameters,
  readNotebook,
  serializeNotebook,
  sourceText,
  TYPESCRIPT_KERNELSPEC,
  type NbOutput,
  type Notebook,
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
  /** Code cells. */
  total: number;
  /** All cells, markdown included: cell numbers count them all. */
  cells: number;
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
  const codeCells = nb.cells
    .map((c, i) => ({ cell: c, index: i }))
    .filter(({ cell }) => cell.cell_type === 'code');
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }

  options.progress.update(`starting kernel for ${path.basename(notebookPath)}`);
  options.progress.update(
    `${codeCells.length} code cell${codeCells.length === 1 ? '' : 's'} to run; ${CELL_NUMBERS}`,
  );
  const kernel = await KernelClient.start({
    notebookPath,
    storePath: options.storePath,
    nodePath: options.nodePath,
  });
  options.onKernel?.(kernel);
  const outputsByCell = new Map<string, NbOutput[]>();
  const lastError = new Map<string, Extract<CellOutput, { kind: 'error' }>>();
  // An error thrown by a timer or a promise a cell left behind fails the cell that scheduled
  // it, even after that cell answered ok and another one runs.
  let uncaught: { cellId: string; error: Extract<CellOutput, { kind: 'error' }> } | undefined;
  kernel.on('output', ({ cellId, output }) => {
    const outputs = outputsByCell.get(cellId);
    if (!outputs) return;
    appendOutput(outputs, output);
    if (output.kind === 'error') lastError.set(cellId, output);
    if (output.kind === 'error' && output.uncaught && !uncaught)
      uncaught = { cellId, error: output };
  });
  // Kept to say why the kernel died: V8 prints "heap out of memory" to the real stderr.
  let logTail = '';
  kernel.on('log', (text) => {
    logTail = (logTail + text).slice(-4000);
    options.progress.log(text);
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  kernel.on('exit', (code, signal) => {
    exit = { code, signal };
  });
  const stopOnSignal = stopKernelOnSignals(kernel, options.progress);

  let executed = 0;
  let failure: RunNotebookResult['failure'];
  const cellNumber = new Map(codeCells.map(({ index }) => [`cell-${index}`, index + 1]));
  try {
    for (const [n, { cell, index }] of codeCells.entries()) {
      const cellId = `cell-${index}`;
      const outputs: NbOutput[] = [];
      outputsByCell.set(cellId, outputs);
      cell.outputs = outputs;
      const label = cellLabel(index, nb.cells.length);
      options.progress.start(label);
      let status: ExecuteStatus;
      let durationMs: number;
      const started = performance.now();
      try {
        ({ status, durationMs } = await kernel.execute({
          cellId,
          code: sourceText(cell.source),
          executionCount: n + 1,
          cellIndex: index,
        }));
      } catch (error) {
        if (kernel.running) throw error;
        // The kernel died (process.exit() in the cell, out of memory, a signal): this cell is the one that failed.
        const evalue = kernelDeath(exit, logTail, stopOnSignal.signal);
        appendOutput(outputs, { kind: 'error', ename: 'KernelDied', evalue, traceback: [evalue] });
        cell.execution_count = n + 1;
        executed++;
        options.progress.done(label, 'error', performance.now() - started);
        failure = { cell: index + 1, status: 'error', ename: 'KernelDied', evalue };
        break;
      }
      cell.execution_count = n + 1;
      executed++;
      options.progress.done(label, status, durationMs);
      if (uncaught) {
        failure = {
          cell: cellNumber.get(uncaught.cellId) ?? index + 1,
          status: 'error',
          ename: uncaught.error.ename,
          evalue: uncaught.error.evalue,
        };
        break;
      }
      if (status !== 'ok') {
        const error = lastError.get(cellId);
        failure = {
          cell: index + 1,
          status,
          ename: error?.ename ?? status,
          evalue: stopOnSignal.signal ? `stopped by ${stopOnSignal.signal}` : (error?.evalue ?? ''),
        };
        break;
      }
    }
  } finally {
    stopOnSignal.dispose();
    await kernel.shutdown();
    for (const cell of nb.cells) if (cell.outputs) cell.outputs = finalizeOutputs(cell.outputs);
    // Written even when a cell failed: the outputs up to the failure are what the user needs to see.
    const tmp = `${outFile}.labbook-tmp`;
    writeFileSync(tmp, serializeNotebook(nb));
    renameSync(tmp, outFile);
  }
  return {
    outFile,
    executed,
    total: codeCells.length,
    cells: nb.cells.length,
    failure,
    seconds: (performance.now() - started) / 1000,
  };
}

/** How the CLI's cell numbers count, said once per run so "cell 3" is never a guess. */
export const CELL_NUMBERS =
  'cells are numbered by position in the notebook, markdown cells included (as VS Code shows "Cell 3 of 8")';

/**
 * "cell 3 of 8": the cell's 1-based position among all cells, the one numbering the kernel's
 * errors, the run details panel and VS Code's status bar use.
 */
export function cellLabel(index: number, cells: number): string {
  return `cell ${index + 1} of ${cells}`;
}

/** "the kernel died (exit code 1)", with V8's reason when it ran out of memory. */
function kernelDeath(
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined,
  logTail: string,
  stoppedBy?: NodeJS.Signals,
): string {
  const how = !exit
    ? 'it stopped answering'
    : exit.signal
      ? `killed by ${exit.signal}`
      : `exit code ${exit.code}`;
  const oom = /heap out of memory|Reached heap limit|Allocation failed/i.test(logTail)
    ? ': out of memory'
    : '';
  const why = stoppedBy ? `, stopped because labbook run got ${stoppedBy}` : '';
  return `the kernel died (${how}${why})${oom}`;
}

/**
 * SIGTERM or SIGHUP of `labbook run` (a CI timeout, a closed terminal) must not leave its
 * kernel running the cell: the first signal interrupts the cell and lets the run end
 * normally (outputs written, runs flushed), killing the kernel if it does not stop in time;
 * a second one kills the kernel and exits at once.
 */
function stopKernelOnSignals(
  kernel: KernelClient,
  progress: Progress,
): { signal?: NodeJS.Signals; dispose(): void } {
  const state: { signal?: NodeJS.Signals; dispose(): void } = { dispose: () => undefined };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  let timer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (state.signal) {
      kernel.kill('SIGKILL');
      process.exit(128 + (signal === 'SIGHUP' ? 1 : 15));
    }
    state.signal = signal;
    progress.log(`${signal}: stopping the running cell and the kernel…\n`);
    kernel.interrupt();
    timer = setTimeout(() => kernel.kill('SIGKILL'), 3000);
    timer.unref();
  };
  for (const s of signals) process.on(s, onSignal);
  state.dispose = () => {
    for (const s of signals) process.off(s, onSignal);
    clearTimeout(timer);
  };
  return state;
}
