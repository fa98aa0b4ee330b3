/**
 * Labbook as a user gets it (issue 15, item 6): the launcher installed the built .vsix with
 * `code-server --install-extension` into an empty extensions folder and opened an empty
 * temporary folder outside the repository (`npm run test:vsix`). A notebook made by
 * "Labbook: New TypeScript Notebook" imports tfjs and labbook, trains a small model with
 * `run.tfCallback()`, and the run appears in the sidebar; the terminal has `labbook`.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { eventually } from '../runner/wait';
import { activeLabbook, EXTENSION_ID } from '../runner/labbook';
import type { LabbookApi } from '../../../extension/api';
import type { RunsTreeNode } from '../../../extension/runs/runsTree';

const ERROR_MIME = 'application/vnd.code.notebook.error';
const decode = (item: vscode.NotebookCellOutputItem) => new TextDecoder().decode(item.data);

function describeCell(cell: vscode.NotebookCell): string {
  return `cell ${cell.index + 1}: success=${cell.executionSummary?.success} outputs=${JSON.stringify(
    cell.outputs.map((o) => o.items.map((i) => `${i.mime}: ${decode(i).slice(0, 400)}`)),
  )}`;
}

async function runCell(notebook: vscode.NotebookDocument, index: number, timeoutMs: number) {
  const started = Date.now();
  await vscode.commands.executeCommand('notebook.cell.execute', {
    ranges: [{ start: index, end: index + 1 }],
    document: notebook.uri,
  });
  const cell = notebook.cellAt(index);
  await eventually(
    `cell ${index + 1} to finish`,
    () =>
      cell.executionSummary?.success !== undefined &&
      (cell.executionSummary.timing?.endTime ?? 0) >= started,
    timeoutMs,
  );
  assert.equal(cell.executionSummary?.success, true, describeCell(cell));
  assert.equal(cell.outputs.flatMap((o) => o.items).filter((i) => i.mime === ERROR_MIME).length, 0);
  return cell;
}

const CELLS = [
  'import * as tf from "@tensorflow/tfjs";\nimport * as lab from "labbook";',
  [
    '// A tiny regression: y = 2x + 1',
    'const xs = tf.tensor2d([[0], [1], [2], [3], [4], [5]]);',
    'const ys = tf.tensor2d([[1], [3], [5], [7], [9], [11]]);',
    'const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });',
    'model.compile({ optimizer: tf.train.adam(0.1), loss: "meanSquaredError" });',
    'await lab.withRun({ experiment: "first-run", params: { lr: 0.1 } }, async (run) => {',
    '  await model.fit(xs, ys, { epochs: 5, validationSplit: 0.2, callbacks: run.tfCallback() });',
    '});',
    'console.log("trained", model.countParams());',
  ].join('\n'),
];

suite('the installed .vsix in an empty folder', function () {
  this.timeout(240_000);
  let api: LabbookApi;
  let folder: string;

  suiteSetup(async () => {
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    api = await activeLabbook();
  });

  test('is the packaged extension, in a folder with no package.json', () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const root = fs.realpathSync(extension.extensionPath);
    assert.ok(
      !fs.existsSync(path.join(root, '.git')),
      `${root} is a checkout, not an installed .vsix`,
    );
    assert.ok(
      fs.existsSync(path.join(root, 'dist', 'native.json')),
      'the package records its native build',
    );
    assert.ok(
      !fs.existsSync(path.join(root, 'node_modules', 'mocha')),
      'no devDependencies shipped',
    );
    assert.deepEqual(
      fs.readdirSync(folder).filter((f) => f !== '.labbook'),
      [],
      'the folder starts empty',
    );
    // Outside any project: no package.json in the folder or above it (so not in the repository).
    for (let dir = folder; dir !== path.dirname(dir); dir = path.dirname(dir))
      assert.ok(!fs.existsSync(path.join(dir, 'package.json')), `${dir} holds a package.json`);
  });

  test('the integrated terminal gets `labbook` and the sidebar’s store', async () => {
    const terminal = api.terminal.describe();
    assert.ok(
      terminal.path?.startsWith(terminal.binDir),
      `PATH prepends ${terminal.binDir}: ${terminal.path}`,
    );
    assert.equal(terminal.stores[folder], path.join(folder, '.labbook', 'labbook.db'));
    const out = path.join(folder, 'labbook-version.txt');
    const shell = vscode.window.createTerminal({ name: 'labbook check', cwd: folder });
    try {
      shell.sendText(
        `labbook --version > labbook-version.txt; echo "$LABBOOK_STORE" >> labbook-version.txt`,
      );
      const text = await eventually(
        'labbook --version in the terminal',
        () =>
          fs.existsSync(out) &&
          fs.readFileSync(out, 'utf8').split('\n').length > 2 &&
          fs.readFileSync(out, 'utf8'),
        60_000,
      );
      const version = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.version as string;
      assert.equal(text, `${version}\n${path.join(folder, '.labbook', 'labbook.db')}\n`);
    } finally {
      shell.dispose();
      fs.rmSync(out, { force: true });
    }
  });

  test('New TypeScript Notebook, tfjs and labbook imports, a run in the sidebar', async () => {
    const started = Date.now();
    await vscode.commands.executeCommand('labbook.newNotebook');
    const editor = await eventually('the new notebook', () => vscode.window.activeNotebookEditor);
    const notebook = editor.notebook;
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [
      vscode.NotebookEdit.replaceCells(
        new vscode.NotebookRange(0, notebook.cellCount),
        CELLS.map(
          (source) =>
            new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'typescript'),
        ),
      ),
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await runCell(notebook, 0, 180_000);
    await takeScreenshot('vsix-imports');
    const trained = await runCell(notebook, 1, 120_000);
    assert.match(
      trained.outputs
        .flatMap((o) => o.items)
        .map(decode)
        .join(''),
      /trained 2/,
      describeCell(trained),
    );
    const run = await eventually(
      'the run in the Experiments view',
      async () => {
        const experiments = await api.runs.getChildren();
        const experiment = experiments.find((n) => api.runs.getTreeItem(n).label === 'first-run');
        if (!experiment) return undefined;
        const runs: RunsTreeNode[] = await api.runs.getChildren(experiment);
        return runs[0];
      },
      60_000,
    );
    await vscode.commands.executeCommand('labbook.runs.focus');
    await takeScreenshot('vsix-run-in-sidebar');
    assert.ok(run);
    console.log(
      `[vsix] new notebook to a run in the sidebar: ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  });
});
