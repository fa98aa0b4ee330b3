/**
 * The kernel in a real editor (issue 16, items 5 and 6): "Debug Cell" stops at a
 * breakpoint set in the cell through VS Code's JavaScript debugger; a cell that calls
 * process.exit() or prints 100 MB leaves a clear word in the notebook, and the editor and
 * the kernel carry on. Runs on a notebook of its own in a temp folder.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../../runner/index';
import { EXTENSION_ID } from '../../runner/labbook';
import {
  appendCell,
  describeCell,
  errorsOf,
  reveal,
  runCell as runCellFor,
  STDERR_MIME,
  text,
  waitFor,
  openOnLabbookKernel,
  writeEmptyNotebook,
} from '../../runner/notebook';
import type { LabbookApi } from '../../../../extension/api';

/** Debugging and the robustness cells take longer than a plain cell. */
const runCell = (notebook: vscode.NotebookDocument, source: string, timeoutMs = 90_000) =>
  runCellFor(notebook, source, timeoutMs);

interface Stop {
  session: vscode.DebugSession;
  threadId: number;
  reason: string;
}

describe('Labbook kernel in the editor: Debug Cell and robustness', function () {
  this.timeout(300_000);
  let api: LabbookApi;
  let dir: string;
  let notebook: vscode.NotebookDocument;
  const stops: Stop[] = [];
  let tracker: vscode.Disposable | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<LabbookApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labbook-debug-suite-'));
    const file = path.join(dir, 'debugging.ipynb');
    writeEmptyNotebook(file, 'tslab');
    notebook = await openOnLabbookKernel(file);
    // Sees every session's `stopped` event, as the debug toolbar would.
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: {
          type: string;
          event?: string;
          body?: { threadId: number; reason: string };
        }) => {
          if (m.type === 'event' && m.event === 'stopped' && m.body)
            stops.push({ session, threadId: m.body.threadId, reason: m.body.reason });
        },
      }),
    });
  });

  after(async () => {
    tracker?.dispose();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    if (notebook && !notebook.isClosed) {
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Debug Cell stops at a breakpoint set in the cell, on its line, then the cell finishes', async () => {
    // State from an earlier cell, to see the kernel keep it across the debugger.
    const setup = await runCell(notebook, 'const base: number = 20;');
    assert.equal(setup.executionSummary?.success, true, describeCell(setup));
    // Types and a blank line, so the compiled JavaScript's lines differ from the cell's.
    const cell = await appendCell(
      notebook,
      [
        'interface Pair { a: number; b: number }',
        '',
        'function add({ a, b }: Pair): number {',
        '  const sum = a + b;',
        '  return sum;',
        '}',
        'console.log("sum is", add({ a: base, b: 22 }));',
      ].join('\n'),
    );
    const line = 4; // `const sum = a + b;`
    const breakpoint = new vscode.SourceBreakpoint(
      new vscode.Location(cell.document.uri, new vscode.Position(line - 1, 0)),
    );
    vscode.debug.addBreakpoints([breakpoint]);
    const debugged = vscode.commands.executeCommand('labbook.debugCell', cell);

    const stop = await waitFor('the debugger to stop', () => stops[0], 120_000);
    const trace = (await stop.session.customRequest('stackTrace', {
      threadId: stop.threadId,
      startFrame: 0,
      levels: 5,
    })) as {
      stackFrames: {
        id: number;
        line: number;
        name: string;
        source?: { path?: string; name?: string };
      }[];
    };
    const top = trace.stackFrames[0];
    console.log(
      `      stopped (${stop.reason}) in ${top.name} at ${top.source?.name} line ${top.line}`,
    );
    assert.equal(top.line, line, JSON.stringify(trace.stackFrames.slice(0, 3)));
    assert.equal(top.source?.path, cell.document.uri.toString());
    assert.equal(top.source?.name, `debugging.ipynb, cell ${cell.index + 1}`);
    const value = (await stop.session.customRequest('evaluate', {
      expression: 'a + b',
      frameId: top.id,
      context: 'watch',
    })) as { result: string };
    assert.equal(value.result, '42');
    // The stop as the user sees it: the cell's line marked in the notebook.
    reveal(cell);
    await takeScreenshot('debug-cell-stopped-at-breakpoint', 60_000, {
      waitFor: '.debug-top-stack-frame-line',
    });

    await stop.session.customRequest('continue', { threadId: stop.threadId });
    // Debug Cell resolves once the cell's execution has ended and the debugger detached.
    await debugged;
    console.log(`      after Debug Cell: ${JSON.stringify(cell.executionSummary)}`);
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    assert.equal(text(cell), 'sum is 42\n');
    const active = vscode.debug.activeDebugSession;
    await waitFor(
      `the debugger to detach (active: ${active?.name} ${active?.type} parent ${active?.parentSession?.name})`,
      () => !vscode.debug.activeDebugSession,
      30_000,
    );
    vscode.debug.removeBreakpoints([breakpoint]);
    // The kernel kept its state; the same cell runs normally without the debugger.
    const after = await runCell(notebook, 'base + 1');
    assert.equal(text(after, 'text/plain'), '21', describeCell(after));
  });

  it('a cell that calls process.exit() says so, and the next cell starts a new kernel', async () => {
    const pid = api.kernelPid(notebook);
    assert.ok(pid, 'a kernel runs');
    const cell = await runCell(notebook, 'console.log("leaving");\nprocess.exit(3);');
    assert.equal(cell.executionSummary?.success, false);
    const [error] = errorsOf(cell);
    assert.equal(error?.name, 'KernelExited', describeCell(cell));
    assert.match(
      error.message,
      new RegExp(
        `^Cell ${cell.index + 1} called process\\.exit\\(3\\), which ends the TypeScript kernel of debugging\\.ipynb`,
      ),
    );
    assert.match(error.message, /the next cell you run starts a new kernel/);
    reveal(cell);
    await takeScreenshot('kernel-process-exit-message', 30_000);

    const next = await runCell(notebook, '6 * 7');
    assert.equal(next.executionSummary?.success, true, describeCell(next));
    assert.equal(text(next, 'text/plain'), '42');
    const newPid = api.kernelPid(notebook);
    assert.ok(newPid && newPid !== pid, `pid before ${pid}, after ${newPid}`);
  });

  it('a 100 MB console.log is cut with a note, and the editor runs the next cell at once', async () => {
    const started = Date.now();
    const cell = await runCell(notebook, 'console.log("x".repeat(100 * 1024 * 1024));', 180_000);
    const tookMs = Date.now() - started;
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    const shown = text(cell);
    assert.ok(shown.length <= 1024 * 1024 + 1024, `the cell shows ${shown.length} characters`);
    assert.match(text(cell, STDERR_MIME), /output truncated: 99\.0 MB more/);
    const quickStart = Date.now();
    const quick = await runCell(notebook, '"still here"', 30_000);
    const quickMs = Date.now() - quickStart;
    assert.equal(text(quick, 'text/plain'), "'still here'");
    console.log(`      100 MB cell: ${tookMs} ms to end; the next cell: ${quickMs} ms`);
    reveal(cell);
    await takeScreenshot('kernel-huge-output-truncated', 30_000);
  });

  // At 0 ms the error reaches the editor while it is still ending the cell's run; at 300 ms
  // after the run has ended. Either way the cell shows it and is marked failed.
  for (const delay of [0, 300])
    it(`an error thrown from a timer ${delay} ms after its cell ended is shown under that cell`, async () => {
      const cell = await runCell(
        notebook,
        `setTimeout(() => { throw new Error("late boom"); }, ${delay});\n"scheduled"`,
      );
      assert.equal(text(cell, 'text/plain'), "'scheduled'");
      await waitFor('the late error', () => errorsOf(cell).length > 0, 30_000);
      assert.match(errorsOf(cell)[0].message, /late boom/);
      await waitFor(
        'the cell marked failed',
        () => cell.executionSummary?.success === false,
        10_000,
      );
    });
});
