/**
 * The notebook half of the extension inside a real VS Code extension host (run by the
 * integration launcher through LABBOOK_TEST_SUITES): the Labbook kernel runs
 * examples/penguins.ipynb end to end, reports TypeScript errors, stops a busy loop,
 * restarts, completes from the kernel, and the extension host loads no native module.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { EXTENSION_ID } from '../runner/labbook';
import {
  appendCell,
  closeWithoutSaving,
  decode,
  describeCell,
  ended,
  ERROR_MIME,
  items,
  runCell,
  startCell,
  text,
  VEGALITE_MIME,
  waitFor,
  openOnLabbookKernel,
} from '../runner/notebook';
import { sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';

const PROFILE_MIME = 'application/vnd.labbook.profile+json';

describe('Labbook notebook kernel', function () {
  this.timeout(240_000);
  let api: LabbookApi;
  let notebook: vscode.NotebookDocument;
  let file: string;
  let original: Buffer;
  let autoSave: string | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<LabbookApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.find((f) =>
      fs.existsSync(path.join(f.uri.fsPath, 'penguins.ipynb')),
    );
    file = folder
      ? path.join(folder.uri.fsPath, 'penguins.ipynb')
      : path.join(ext.extensionPath, 'examples', 'penguins.ipynb');
    // The example must stay as committed: VS Code in a browser auto-saves by default
    // (files.autoSave is "afterDelay" on the web), which would write the test's cells into it.
    original = fs.readFileSync(file);
    const files = vscode.workspace.getConfiguration('files');
    autoSave = files.inspect<string>('autoSave')?.globalValue;
    await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    notebook = await openOnLabbookKernel(file);
  });

  after(async () => {
    try {
      if (notebook && !notebook.isClosed) await closeWithoutSaving(notebook);
      await vscode.workspace
        .getConfiguration('files')
        .update('autoSave', autoSave, vscode.ConfigurationTarget.Global);
    } finally {
      if (original && !fs.readFileSync(file).equals(original)) {
        fs.writeFileSync(file, original);
        // eslint-disable-next-line no-unsafe-finally -- restored even when closing failed, and a changed example is the failure to report
        throw new Error(`${file} was modified by the tests (restored)`);
      }
    }
  });

  it('registers every command it contributes', async () => {
    // Activation cost is reported, not asserted: timings belong in benchmarks on these noisy machines.
    console.log(`      activate() took ${api.activationMs.toFixed(1)} ms`);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map(
      (c) => c.command,
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of contributed)
      assert.ok(registered.has(id), `${id} is contributed but not registered`);
    // VS Code itself registers `<view id>.focus`, `.open`, ... for every contributed view.
    const views = Object.values(
      ext.packageJSON.contributes.views as Record<string, { id: string }[]>,
    )
      .flat()
      .map((v) => `${v.id}.`);
    const ours = [...registered].filter(
      (id) => id.startsWith('labbook.') && !views.some((v) => id.startsWith(v)),
    );
    for (const id of ours)
      assert.ok(contributed.includes(id), `${id} is registered but not contributed`);
  });

  it('runs penguins.ipynb: text, two vega-lite charts, no errors', async () => {
    const code = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code);
    assert.equal(code[0].document.languageId, 'typescript');
    const before = Date.now();
    void vscode.commands.executeCommand('notebook.execute');
    await waitFor('every code cell to end', () => code.every((c) => ended(c, before)), 200_000);
    for (const cell of code) assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    assert.deepEqual(
      code.map((c) => c.executionSummary?.executionOrder),
      code.map((_, i) => i + 1),
    );

    const all = code.flatMap((c) => items(c));
    assert.deepEqual(all.filter((i) => i.mime === ERROR_MIME).map(decode), []);
    const stdout = code.map((c) => text(c)).join('');
    assert.match(stdout, /344 rows/);
    const charts = all.filter((i) => i.mime === VEGALITE_MIME);
    assert.equal(charts.length, 2);
    const spec = JSON.parse(decode(charts[0])) as { title: string; data: { values: unknown[] } };
    assert.equal(spec.title, 'Beak shape by species');
    assert.ok(spec.data.values.length > 300);
    // The last cell's value is a result: an object shown as text.
    assert.match(text(code[code.length - 1], 'text/plain'), /testAccuracy/);

    // The first chart in view, for the screenshot.
    const editor = vscode.window.activeNotebookEditor!;
    const chartCell = code.find((c) => items(c, VEGALITE_MIME).length > 0)!;
    editor.revealRange(
      new vscode.NotebookRange(chartCell.index, chartCell.index + 1),
      vscode.NotebookEditorRevealType.AtTop,
    );
    // Fails unless vega-embed drew the chart in the notebook's webview (vega's SVG has class "marks").
    await takeScreenshot('notebook-penguins-chart', 60_000, { waitFor: 'svg.marks' });
  });

  it('profiles data inline with lab.profile, drawn by the profile renderer', async () => {
    const cell = await runCell(
      notebook,
      'await lab.profile(raw, { name: "penguins (raw)" });',
      90_000,
    );
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    const bundle = items(cell, PROFILE_MIME);
    assert.equal(bundle.length, 1, describeCell(cell));
    const profile = JSON.parse(decode(bundle[0])) as {
      rows: number;
      columns: { name: string; missing: number }[];
    };
    assert.equal(profile.rows, 344);
    assert.equal(
      profile.columns.find((c) => c.name === 'Sex')?.missing,
      10,
      'the 10 nulls of Sex are missing',
    );
    vscode.window.activeNotebookEditor!.revealRange(
      new vscode.NotebookRange(cell.index, cell.index + 1),
      vscode.NotebookEditorRevealType.AtTop,
    );
    // Fails unless the renderer drew the summary in the notebook's webview.
    await takeScreenshot('notebook-profile-inline', 60_000, { waitFor: '.lbp-score-value' });
  });

  it('completes and hovers with what earlier cells declared', async () => {
    const cell = await appendCell(notebook, 'penguins.');
    const end = cell.document.positionAt(cell.document.getText().length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      cell.document.uri,
      end,
      '.',
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(
      labels.includes('length') && labels.includes('filter'),
      `completions: ${labels.slice(0, 30).join(', ')}`,
    );
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      cell.document.uri,
      new vscode.Position(0, 3),
    );
    const shown = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)))
      .join('\n');
    assert.match(shown, /Penguin\[\]/);
  });

  it('shows a TypeScript error with its cell line', async () => {
    const cell = await runCell(notebook, 'const wrong: number = "text";');
    assert.equal(cell.executionSummary?.success, false);
    const errors = items(cell, ERROR_MIME).map(
      (i) => JSON.parse(decode(i)) as { name: string; message: string; stack: string },
    );
    assert.equal(errors.length, 1, describeCell(cell));
    assert.equal(errors[0].name, 'TypeScript');
    assert.match(errors[0].stack, /line 1:7/);
    assert.match(errors[0].stack, /TS2322/);
  });

  it('interrupts a busy loop, and the kernel keeps its state', async () => {
    const cell = await appendCell(notebook, 'let spins = 0;\nwhile (true) { spins++; }');
    const before = Date.now();
    void startCell(notebook, cell);
    await waitFor(
      'the loop to start',
      () => cell.executionSummary?.executionOrder !== undefined && !ended(cell, before),
    );
    await sleep(1000);
    await vscode.commands.executeCommand('labbook.interruptKernel', notebook.uri);
    await waitFor('the loop to stop', () => ended(cell, before), 20_000);
    assert.equal(cell.executionSummary?.success, false);
    const errors = items(cell, ERROR_MIME).map(decode).join('\n');
    assert.match(errors, /interrupt/i);
    const after = await runCell(notebook, 'penguins.length');
    assert.equal(after.executionSummary?.success, true, describeCell(after));
    assert.equal(text(after, 'text/plain'), '342');
  });

  it('restarts the kernel: a new process without the old variables', async () => {
    const pid = api.kernelPid(notebook);
    assert.ok(pid, 'no kernel is running');
    await vscode.commands.executeCommand('labbook.restartKernel', notebook.uri);
    const newPid = api.kernelPid(notebook);
    assert.ok(newPid && newPid !== pid, `pid before ${pid}, after ${newPid}`);
    const gone = await runCell(notebook, 'penguins.length');
    assert.equal(gone.executionSummary?.success, false);
    assert.match(items(gone, ERROR_MIME).map(decode).join(''), /Cannot find name 'penguins'/);
    const fresh = await runCell(notebook, '6 * 7');
    assert.equal(fresh.executionSummary?.success, true, describeCell(fresh));
    assert.equal(fresh.executionSummary?.executionOrder, 2);
    assert.equal(text(fresh, 'text/plain'), '42');
  });

  it('creates a new TypeScript notebook with the Labbook kernel', async () => {
    await vscode.commands.executeCommand('labbook.newNotebook');
    const created = await waitFor('the new notebook', () => {
      const nb = vscode.window.activeNotebookEditor?.notebook;
      return nb && nb.uri.scheme === 'untitled' ? nb : undefined;
    });
    try {
      assert.equal(created.cellCount, 1);
      const cell = created.cellAt(0);
      assert.equal(cell.document.languageId, 'typescript');
      assert.equal(cell.document.getText(), 'import * as lab from "labbook";');
      const meta = created.metadata as { metadata?: { kernelspec?: { name?: string } } };
      assert.equal(meta.metadata?.kernelspec?.name, 'tslab');
      const before = Date.now();
      void startCell(created, cell);
      await waitFor('the first cell to end', () => ended(cell, before), 60_000);
      assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    } finally {
      await closeWithoutSaving(created);
    }
  });

  it('loads no native module into the extension host', function () {
    if (process.platform !== 'linux') this.skip();
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const nodeFiles = [
      ...new Set(
        maps
          .split('\n')
          .map((l) => l.trim().split(/\s+/).slice(5).join(' '))
          .filter((f) => f.endsWith('.node')),
      ),
    ];
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const roots = [ext.extensionPath, fs.realpathSync(ext.extensionPath)];
    // VS Code's own native modules (logging, watchdog) load from its app root; in this
    // repository's test set-up that root sits inside the extension folder (.vscode-test/).
    const appRoots = [vscode.env.appRoot, fs.realpathSync(vscode.env.appRoot)];
    const ours = nodeFiles.filter(
      (f) =>
        roots.some((r) => f.startsWith(r + path.sep)) &&
        !appRoots.some((r) => f.startsWith(r + path.sep)),
    );
    if (nodeFiles.length)
      console.log(
        `      .node files of VS Code itself: ${nodeFiles.map((f) => path.basename(f)).join(', ')}`,
      );
    assert.deepEqual(ours, []);
  });
});
