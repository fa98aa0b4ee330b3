/**
 * Labbook in a folder of the user's own (issue 15, items 1, 2 and 6, kernel side): the
 * launcher opens an empty temporary folder outside the repository (`--vsix`, or
 * `--workspace DIR`; these suites assume it, so they live apart from suites/, whose
 * workspace is examples/). Runs after first-run.test.ts, whose folder check it shares.
 * A notebook there imports tfjs and labbook with no package.json or node_modules; a cell
 * importing a package that is not installed offers to install it, and the install (a local
 * tarball, no network) goes through the same path as the cell's Install action. An error a
 * timer throws after its cell finished shows under that cell (issue 14, item 14).
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { eventually } from '../runner/wait';

const EXTENSION_ID = 'labbook.labbook';
const CONTROLLER_ID = 'labbook-typescript';
const ERROR_MIME = 'application/vnd.code.notebook.error';
const STDOUT_MIME = 'application/vnd.code.notebook.stdout';

const waitFor = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000) =>
  eventually(what, probe, timeoutMs, 100);
const decode = (item: vscode.NotebookCellOutputItem) => new TextDecoder().decode(item.data);
const items = (cell: vscode.NotebookCell, mime: string) =>
  cell.outputs.flatMap((o) => o.items).filter((i) => i.mime === mime);
const describeCell = (cell: vscode.NotebookCell) =>
  `cell ${cell.index + 1}: success=${cell.executionSummary?.success} outputs=${JSON.stringify(
    cell.outputs.map((o) => o.items.map((i) => `${i.mime}: ${decode(i).slice(0, 400)}`)),
  )}`;
const ended = (cell: vscode.NotebookCell, after: number) =>
  cell.executionSummary?.success !== undefined &&
  (cell.executionSummary.timing?.endTime ?? 0) >= after;

describe('Labbook in an empty folder of its own', function () {
  this.timeout(300_000);
  let folder: string;
  let notebook: vscode.NotebookDocument;
  let scratch: string;

  const appendCell = async (source: string) => {
    const edit = new vscode.WorkspaceEdit();
    const index = notebook.cellCount;
    edit.set(notebook.uri, [
      vscode.NotebookEdit.insertCells(index, [
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'typescript'),
      ]),
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    return notebook.cellAt(index);
  };
  const startCell = (cell: vscode.NotebookCell) =>
    vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: cell.index, end: cell.index + 1 }],
      document: notebook.uri,
    });
  const runCell = async (source: string) => {
    const cell = await appendCell(source);
    const before = Date.now();
    void startCell(cell);
    await waitFor(`cell ${cell.index + 1} to end`, () => ended(cell, before));
    return cell;
  };

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    assert.ok(folder, 'the launcher opened no folder');
    const rel = path.relative(ext.extensionPath, folder);
    assert.ok(rel.startsWith('..'), `run with --workspace outside the repository, not ${folder}`);
    assert.ok(!fs.existsSync(path.join(folder, 'package.json')), `${folder} has a package.json`);
    assert.ok(!fs.existsSync(path.join(folder, 'node_modules')), `${folder} has node_modules`);
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', 'off', vscode.ConfigurationTarget.Global);

    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'labbook-tarball-'));
    const src = path.join(scratch, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(
      path.join(src, 'package.json'),
      JSON.stringify({
        name: 'tiny-answer',
        version: '1.0.0',
        main: 'index.js',
        types: 'index.d.ts',
      }),
    );
    fs.writeFileSync(path.join(src, 'index.js'), 'exports.answer = () => 42;\n');
    fs.writeFileSync(path.join(src, 'index.d.ts'), 'export declare function answer(): number;\n');
    execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: src });

    const file = path.join(folder, 'anywhere.ipynb');
    fs.writeFileSync(
      file,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'labbook',
            display_name: 'TypeScript (Labbook)',
            language: 'typescript',
          },
          language_info: { name: 'typescript' },
        },
        cells: [],
      }),
    );
    notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', {
      id: CONTROLLER_ID,
      extension: EXTENSION_ID,
    });
  });

  after(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('imports tfjs and labbook with their types and trains with run.tfCallback()', async () => {
    const cell = await runCell(
      [
        'import * as tf from "@tensorflow/tfjs";',
        'import * as lab from "labbook";',
        'const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });',
        'model.compile({ optimizer: "sgd", loss: "meanSquaredError" });',
        'const run: lab.Run = lab.startRun({ experiment: "anywhere" });',
        'await model.fit(tf.tensor2d([[1], [2], [3]]), tf.tensor2d([[2], [4], [6]]), { epochs: 3, verbose: 0, callbacks: run.tfCallback() });',
        'run.end();',
        'console.log(`trained ${run.id.length > 0}`);',
      ].join('\n'),
    );
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    assert.match(items(cell, STDOUT_MIME).map(decode).join(''), /trained true/);
  });

  it('offers to install a missing package, installs a local tarball and imports it with types', async () => {
    const source =
      'import { answer } from "tiny-answer";\nconst n: number = answer();\nconsole.log(`answer=${n}`);';
    const cell = await runCell(source);
    assert.equal(cell.executionSummary?.success, false, describeCell(cell));
    assert.match(items(cell, ERROR_MIME).map(decode).join(''), /tiny-answer/);
    const offered = cell.outputs.map((o) => o.metadata?.labbookMissingPackages).find(Boolean);
    assert.deepEqual(offered, ['tiny-answer']);
    await takeScreenshot('anywhere-install-offered');

    const tarball = fs.readdirSync(scratch).find((f) => f.endsWith('.tgz'))!;
    const before = Date.now();
    // The command behind the cell's "Install tiny-answer" item, given the tarball instead of
    // the name, so npm needs no network; it installs, then runs the cell again.
    const ok = await vscode.commands.executeCommand(
      'labbook.installPackages',
      notebook.uri,
      cell.index,
      [path.join(scratch, tarball)],
    );
    assert.equal(ok, true);
    await waitFor('the cell to run again', () => ended(cell, before));
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    assert.match(items(cell, STDOUT_MIME).map(decode).join(''), /answer=42/);
    assert.ok(fs.existsSync(path.join(folder, 'package.json')), 'a package.json was created');
    assert.ok(fs.existsSync(path.join(folder, 'node_modules', 'tiny-answer', 'index.d.ts')));
    await takeScreenshot('anywhere-installed');
  });

  it('shows an error a timer throws after its cell finished under that cell, not the next', async () => {
    const first = await runCell(
      'setTimeout(() => { throw new Error("late boom"); }, 800);\nconsole.log("scheduled");',
    );
    assert.equal(first.executionSummary?.success, true, describeCell(first));
    const second = await runCell(
      'await new Promise((r) => setTimeout(r, 2500));\nconsole.log("waited");',
    );
    await waitFor('the late error under the first cell', () =>
      items(first, ERROR_MIME).map(decode).join('').includes('late boom'),
    );
    assert.equal(first.executionSummary?.success, false, describeCell(first));
    assert.deepEqual(items(second, ERROR_MIME).map(decode), [], describeCell(second));
    await takeScreenshot('anywhere-late-error');
  });
});
