/**
 * What a cell costs in the editor beyond the kernel's own time: for trivial cells, the round
 * trip from the execute command to the cell's output in the notebook (VS Code's notebook
 * model, the change the output webview draws from) next to the time the kernel reported for
 * the cell (ExecuteResult.durationMs); and a cold kernel's start, as the first cell's round
 * trip less that cell's own time. Printed, not asserted (timings on a loaded machine are
 * benchmarks' business); what is asserted is that the outputs are right and shown.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { screenshotWithInspection } from '../../runner/index';
import type { LabbookApi } from '../../../../extension/api';

const EXTENSION_ID = 'labbook.labbook';
const CONTROLLER_ID = 'labbook-typescript';
const CELLS = 10;

const plainText = (cell: vscode.NotebookCell): string =>
  cell.outputs
    .flatMap((o) => o.items)
    .filter((i) => i.mime === 'text/plain')
    .map((i) => new TextDecoder().decode(i.data))
    .join('');

/** Runs a cell; resolves when its output is in the notebook and its run has ended. */
async function timedRun(
  notebook: vscode.NotebookDocument,
  cell: vscode.NotebookCell,
  timeoutMs: number,
): Promise<number> {
  const started = performance.now();
  let outputAt: number | undefined;
  const shown = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `cell ${cell.index + 1} (${cell.document.languageId}) showed no output in ${timeoutMs} ms: success=${cell.executionSummary?.success} outputs=${JSON.stringify(cell.outputs.map((o) => o.items.map((i) => i.mime)))}`,
          ),
        ),
      timeoutMs,
    );
    const check = () => {
      if (outputAt === undefined && plainText(cell) !== '') outputAt = performance.now();
      if (outputAt !== undefined && cell.executionSummary?.success !== undefined) {
        clearTimeout(timer);
        listener.dispose();
        resolve();
      }
    };
    const listener = vscode.workspace.onDidChangeNotebookDocument((e) => {
      if (e.notebook === notebook) check();
    });
  });
  await vscode.commands.executeCommand('notebook.cell.execute', {
    ranges: [{ start: cell.index, end: cell.index + 1 }],
    document: notebook.uri,
  });
  await shown;
  return outputAt! - started;
}

const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

describe('Labbook kernel timing in the editor', function () {
  this.timeout(300_000);
  let api: LabbookApi;
  let dir: string;
  let notebook: vscode.NotebookDocument;

  before(async () => {
    const ext = vscode.extensions.getExtension<LabbookApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbook-timing-'));
    const file = path.join(dir, 'timing.ipynb');
    const cell = (i: number) => ({
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      outputs: [],
      source: `${1000 + i} * 2`,
    });
    fs.writeFileSync(
      file,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        // As Labbook's "New Notebook" writes it: without it, the cells are not TypeScript.
        metadata: {
          kernelspec: {
            name: 'tslab',
            display_name: 'TypeScript (Labbook)',
            language: 'typescript',
          },
          language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
        },
        cells: Array.from({ length: CELLS + 1 }, (_, i) => cell(i)),
      }),
    );
    notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', {
      id: CONTROLLER_ID,
      extension: EXTENSION_ID,
    });
  });

  after(async () => {
    if (notebook && !notebook.isClosed) {
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints the round trip of trivial cells next to the kernel’s own time, and the cold start', async () => {
    const cells = notebook.getCells();
    assert.equal(cells[0].document.languageId, 'typescript');
    // The first cell starts the kernel (VS Code starts a kernel on the first run).
    const coldTrip = await timedRun(notebook, cells[0], 180_000);
    assert.equal(plainText(cells[0]), '2000');
    const coldOwn = api.kernelTime(cells[0]);
    assert.ok(coldOwn !== undefined, 'the kernel reported the first cell’s time');
    const trips: number[] = [];
    const own: number[] = [];
    for (let i = 1; i <= CELLS; i++) {
      trips.push(await timedRun(notebook, cells[i], 60_000));
      assert.equal(plainText(cells[i]), String((1000 + i) * 2), `cell ${i + 1}'s output`);
      own.push(api.kernelTime(cells[i])!);
    }
    const extra = trips.map((t, i) => t - own[i]);
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    console.log(
      [
        `      cold: first cell's round trip ${ms(coldTrip)}, its own time in the kernel ${ms(coldOwn)}: kernel start and editor ${ms(coldTrip - coldOwn)}`,
        `      ${CELLS} trivial cells: round trip p50 ${ms(quantile(trips, 0.5))}, kernel's own p50 ${ms(quantile(own, 0.5))}, difference p50 ${ms(quantile(extra, 0.5))} (p90 ${ms(quantile(extra, 0.9))})`,
        `      round trips: ${trips.map((t) => t.toFixed(0)).join(', ')}`,
        `      kernel's own: ${own.map((t) => t.toFixed(0)).join(', ')}`,
      ].join('\n'),
    );
    // The outputs are drawn in the notebook's webview, not only held in the model; the
    // notebook draws only the cells in view, so the last one is brought into it.
    const last = String((1000 + CELLS) * 2);
    vscode.window.activeNotebookEditor?.revealRange(
      new vscode.NotebookRange(CELLS, CELLS + 1),
      vscode.NotebookEditorRevealType.AtTop,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const shot = await screenshotWithInspection('kernel-timing', 60_000, {
      inspect: { text: last },
    });
    if (shot) assert.equal(shot.inspection?.textFound, true, `${last} is shown in the notebook`);
  });
});
