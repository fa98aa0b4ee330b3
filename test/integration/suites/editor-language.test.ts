/**
 * The editor knows a notebook as the kernel does, with no kernel started: a type error in a
 * cell that uses a name from an earlier cell is a squiggle and a Problems entry on that
 * cell's line; hovers and completions carry types and docs (labbook's, tfjs's) and each
 * shows once, because VS Code's own TypeScript extension leaves notebook cells to Labbook
 * (its per-cell view would call a used import unused).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { screenshotWithInspection, takeScreenshot } from '../runner/index';
import { activeLabbook } from '../runner/labbook';
import { eventually } from '../runner/wait';

const FIRST =
  'import * as lab from "labbook";\nimport * as tf from "@tensorflow/tfjs";\nconst epochs = 5;\n';
const THIRD = [
  'const label: string = epochs;',
  'const t = tf.tensor([1, 2, 3]);',
  'const run = lab.startRun;',
  'Math.pow(2, 3);',
].join('\n');

function notebookJson(): string {
  const code = (source: string) => ({
    cell_type: 'code',
    execution_count: null,
    metadata: {},
    outputs: [],
    source: source.split(/(?<=\n)/),
  });
  return JSON.stringify({
    cells: [
      code(FIRST),
      { cell_type: 'markdown', metadata: {}, source: ['Train for `epochs` epochs.'] },
      code(''),
    ],
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

function hoverText(hover: vscode.Hover): string {
  return hover.contents
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

function at(document: vscode.TextDocument, text: string, delta = 0): vscode.Position {
  const offset = document.getText().indexOf(text);
  assert.ok(offset >= 0, `"${text}" is in the cell`);
  return document.positionAt(offset + delta);
}

describe('Notebook language features', function () {
  this.timeout(240_000);
  let folder: string;
  let notebook: vscode.NotebookDocument;

  before(async () => {
    await activeLabbook();
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'labbook-editor-language-'));
    fs.writeFileSync(path.join(folder, 'check.ipynb'), notebookJson());
    notebook = await vscode.workspace.openNotebookDocument(
      vscode.Uri.file(path.join(folder, 'check.ipynb')),
    );
    await vscode.window.showNotebookDocument(notebook);
  });

  after(async () => {
    if (notebook && !notebook.isClosed) {
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('shows a type error that uses a name from an earlier cell on its cell and line, as the user types, with no kernel', async () => {
    const third = notebook.cellAt(2);
    const editor = await vscode.window.showNotebookDocument(notebook, {
      selections: [new vscode.NotebookRange(2, 3)],
    });
    assert.equal(editor.notebook, notebook);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(third.document.uri, new vscode.Position(0, 0), THIRD);
    assert.ok(await vscode.workspace.applyEdit(edit), 'typing into cell 3');
    const found = await eventually(
      'the TS2322 diagnostic on cell 3',
      () =>
        vscode.languages
          .getDiagnostics(third.document.uri)
          .find((d) => d.source === 'labbook' && d.code === 2322),
      90_000,
    );
    assert.match(found.message, /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual(
      [found.range.start.line, found.range.start.character, found.range.end.character],
      [0, 6, 11],
    );
    assert.equal(found.severity, vscode.DiagnosticSeverity.Error);
    // Nothing else: epochs, tf and lab are known from cell 1, top-level code is fine.
    const all = vscode.languages.getDiagnostics(third.document.uri);
    assert.equal(all.length, 1, JSON.stringify(all.map((d) => `${d.source}: ${d.message}`)));
    // Cell 1's imports are used in cell 3: not unused, no error (from Labbook or VS Code's TypeScript).
    assert.deepEqual(
      vscode.languages.getDiagnostics(notebook.cellAt(0).document.uri).map((d) => d.message),
      [],
    );
    // On the Problems view's list, which is every diagnostic VS Code holds.
    assert.ok(
      vscode.languages
        .getDiagnostics()
        .some(
          ([uri, ds]) => uri.toString() === third.document.uri.toString() && ds.includes(found),
        ),
    );
    const shot = await takeScreenshot('editor-language-squiggle', 30_000, {
      waitFor: '.squiggly-error',
    });
    console.log(`screenshot: ${shot}`);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    const problems = await screenshotWithInspection('editor-language-problems', 30_000, {
      waitFor: '.markers-panel',
      inspect: { text: "Type 'number' is not assignable to type 'string'" },
    });
    if (problems) assert.ok(problems.inspection?.textFound, 'the Problems view lists the error');
    await vscode.commands.executeCommand('workbench.action.closePanel');
  });

  it("leaves the cells to Labbook: VS Code's TypeScript reports nothing in them", async () => {
    // A plain file in the same folder proves VS Code's TypeScript is up and reports unused imports.
    const probe = path.join(folder, 'probe.ts');
    fs.writeFileSync(probe, 'import * as fs from "fs";\nexport const x = 1;\n');
    const doc = await vscode.workspace.openTextDocument(probe);
    await vscode.window.showTextDocument(doc, { preview: false, preserveFocus: true });
    await eventually(
      "VS Code's TypeScript marking the probe's import unused",
      () =>
        vscode.languages
          .getDiagnostics(doc.uri)
          .some((d) => d.tags?.includes(vscode.DiagnosticTag.Unnecessary)),
      120_000,
    );
    await vscode.window.showNotebookDocument(notebook);
    for (const cell of [notebook.cellAt(0), notebook.cellAt(2)]) {
      const theirs = vscode.languages
        .getDiagnostics(cell.document.uri)
        .filter((d) => d.source !== 'labbook');
      assert.deepEqual(
        theirs.map((d) => `${d.source}: ${d.message}`),
        [],
        `cell ${cell.index + 1}`,
      );
    }
  });

  it('hovers once, with the declaration and its docs, for names of earlier cells, labbook and tfjs', async () => {
    const first = notebook.cellAt(0).document;
    const third = notebook.cellAt(2).document;
    const hovers = async (doc: vscode.TextDocument, pos: vscode.Position) =>
      vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    const epochs = await hovers(first, at(first, 'epochs', 2));
    assert.equal(epochs.length, 1, JSON.stringify(epochs.map(hoverText)));
    assert.match(hoverText(epochs[0]), /const epochs: 5/);
    const used = await hovers(third, at(third, 'epochs', 2));
    assert.equal(used.length, 1, JSON.stringify(used.map(hoverText)));
    assert.match(hoverText(used[0]), /epochs/);
    const tensor = await hovers(third, at(third, 'tensor', 2));
    assert.equal(tensor.length, 1, JSON.stringify(tensor.map(hoverText)));
    assert.match(hoverText(tensor[0]), /\(alias\) tensor<tf\.Rank>\(values: /);
    assert.match(hoverText(tensor[0]), /Creates a `tf\.Tensor`/);
    const startRun = await hovers(third, at(third, 'startRun', 2));
    assert.equal(startRun.length, 1, JSON.stringify(startRun.map(hoverText)));
    assert.match(hoverText(startRun[0]), /startRun/);
    assert.ok(hoverText(startRun[0]).split('\n').length > 3, 'with its JSDoc');
  });

  it('completes members with types and docs, each once, and helps with signatures', async () => {
    const third = notebook.cellAt(2).document;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      third.uri,
      at(third, 'startRun'),
      '.',
      500,
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.equal(labels.filter((l) => l === 'startRun').length, 1, labels.join(', '));
    const item = list.items.find((i) => i.label === 'startRun')!;
    assert.match(String(item.detail), /startRun/);
    const doc = item.documentation;
    assert.ok(doc && (typeof doc === 'string' ? doc : doc.value).length > 0, 'startRun has docs');
    const help = await vscode.commands.executeCommand<vscode.SignatureHelp>(
      'vscode.executeSignatureHelpProvider',
      third.uri,
      at(third, 'pow(2, 3', 'pow(2, '.length),
    );
    assert.ok(help && help.signatures.length > 0, 'a signature for Math.pow');
    assert.match(help.signatures[0].label, /pow\(x: number, y: number\): number/);
    assert.equal(help.activeParameter, 1);
  });
  it('adds what only the running kernel knows (keys of a runtime object) to the typed completions, once', async () => {
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', {
      id: 'labbook-typescript',
      extension: 'labbook.labbook',
    });
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [
      vscode.NotebookEdit.insertCells(notebook.cellCount, [
        new vscode.NotebookCellData(
          vscode.NotebookCellKind.Code,
          'const cfg: Record<string, number> = JSON.parse(\'{"alpha": 1, "beta": 2}\');',
          'typescript',
        ),
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'cfg.', 'typescript'),
      ]),
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    const declaring = notebook.cellAt(notebook.cellCount - 2);
    const using = notebook.cellAt(notebook.cellCount - 1);
    await vscode.commands.executeCommand('notebook.cell.execute', {
      ranges: [{ start: declaring.index, end: declaring.index + 1 }],
      document: notebook.uri,
    });
    await eventually(
      'the cell that declares cfg to run',
      () => declaring.executionSummary?.success === true,
      180_000,
    );
    // The kernel's additions come within a time limit (a busy kernel must not hold up the
    // typed list), which a loaded machine can miss once: ask again, as a user would.
    const list = await eventually(
      'completions with the runtime keys of cfg',
      async () => {
        const answer = await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          using.document.uri,
          new vscode.Position(0, 4),
          '.',
        );
        return answer.items.some(
          (i) => i.label === 'alpha' && /runtime value/.test(String(i.detail)),
        )
          ? answer
          : undefined;
      },
      60_000,
      1000,
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.equal(labels.filter((l) => l === 'alpha').length, 1, labels.join(', '));
    assert.equal(labels.filter((l) => l === 'beta').length, 1, labels.join(', '));
    const alpha = list.items.find((i) => i.label === 'alpha')!;
    assert.match(String(alpha.detail), /runtime value/);
  });
});
