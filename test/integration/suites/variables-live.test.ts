/**
 * Issue 16, items 2 and 3 in a real VS Code: the Variables view lists what a notebook's cells
 * declared (and opens an array of rows as a table), an updatable display changes in place
 * after its cell ended, and `run.tfCallback({ plot: true })` redraws its chart in the cell's
 * output while a tiny tfjs model trains. Run with a fresh workspace:
 * `node test/integration/launch-code-server.mjs --workspace "$(mktemp -d)"` and
 * LABBOOK_TEST_GREP="Variables view and live outputs".
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { EXTENSION_ID } from '../runner/labbook';
import {
  appendCell,
  decode,
  describeCell,
  ended,
  reveal,
  runCell as runAnyCell,
  startCell,
  VEGALITE_MIME,
  waitFor,
  openOnLabbookKernel,
  writeEmptyNotebook,
} from '../runner/notebook';
import { sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';

/** Runs a cell that must succeed (training cells take their time). */
async function runCell(notebook: vscode.NotebookDocument, source: string, timeoutMs = 120_000) {
  const cell = await runAnyCell(notebook, source, timeoutMs);
  assert.equal(cell.executionSummary?.success, true, describeCell(cell));
  return cell;
}

/** Points in the cell's training chart (the vega-lite output), or undefined before it is drawn. */
function chartPoints(cell: vscode.NotebookCell): { outputs: number; points: number } | undefined {
  const charts = cell.outputs.filter((o) => o.items.some((i) => i.mime === VEGALITE_MIME));
  if (charts.length === 0) return undefined;
  const item = charts[0].items.find((i) => i.mime === VEGALITE_MIME)!;
  const spec = JSON.parse(decode(item)) as { data: { values: unknown[] } };
  return { outputs: charts.length, points: spec.data.values.length };
}

describe('Variables view and live outputs', function () {
  this.timeout(300_000);
  let api: LabbookApi;
  let notebook: vscode.NotebookDocument;
  let file: string;
  let dir: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<LabbookApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    api = await ext.activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    dir = folder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'labbook-vars-'));
    file = path.join(dir, `variables-live-${process.pid}.ipynb`);
    writeEmptyNotebook(file, 'labbook');
    await vscode.workspace
      .getConfiguration('files')
      .update('autoSave', 'off', vscode.ConfigurationTarget.Global);
    notebook = await openOnLabbookKernel(file);
    await vscode.commands.executeCommand('labbook.variables.focus');
  });

  after(async () => {
    if (notebook && !notebook.isClosed) {
      await vscode.window.showNotebookDocument(notebook);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    fs.rmSync(file, { force: true });
  });

  it('says no kernel runs, then lists the names the cells declared with types and previews', async () => {
    await api.variables.refresh();
    assert.match(api.variables.shown().message ?? '', /No kernel is running/);
    await runCell(
      notebook,
      [
        'import * as tf from "@tensorflow/tfjs";',
        'import * as lab from "labbook";',
        'const rows = Array.from({ length: 100000 }, (_, i) => ({ id: i, label: `row ${i}`, score: (i % 97) / 97 }));',
        'const weights = tf.zeros([64, 8]);',
        'let note: string = "<b>not markup</b>";',
        'function twice(n: number) { return 2 * n; }',
      ].join('\n'),
    );
    const shown = await waitFor('the Variables view to list the cell’s names', () => {
      const s = api.variables.shown();
      return s.variables.some((v) => v.name === 'twice') && s;
    });
    assert.equal(shown.message, undefined);
    const byName = new Map(shown.variables.map((v) => [v.name, v]));
    assert.equal(byName.get('rows')?.preview, '100,000 rows {id, label, score}');
    assert.equal(byName.get('rows')?.rows, 100000);
    assert.equal(byName.get('weights')?.type, 'Tensor');
    assert.equal(byName.get('weights')?.preview, 'float32 [64, 8] · 2.0 KiB');
    assert.equal(byName.get('note')?.declaredType, 'string');
    assert.equal(byName.get('twice')?.declaredType, '(n: number) => number');
    assert.ok(byName.has('tf') && byName.has('lab'), 'imports are names too');
    // A cell changes a value: the view follows.
    await runCell(notebook, 'note = "changed"; const extra = [1, 2, 3];');
    await waitFor('the view to show the changed value', () =>
      api.variables.shown().variables.some((v) => v.name === 'note' && v.preview === '"changed"'),
    );
    assert.equal(
      api.variables.shown().variables.find((v) => v.name === 'extra')?.preview,
      'length 3 [1, 2, 3]',
    );
    await vscode.commands.executeCommand('labbook.variables.focus');
    await sleep(800);
    const shot = await takeScreenshot('variables-view');
    console.log(`      screenshot: ${shot ?? '(none under this launcher)'}`);
  });

  it('opens an array of rows as a table panel', async () => {
    assert.equal(api.variables.showInPanel(notebook, 'note'), false, 'a string is no table');
    assert.equal(api.variables.showInPanel(notebook, 'rows'), true);
    await waitFor('the table panel to open', () => api.variables.openTables().includes('rows'));
    await sleep(2000);
    const shot = await takeScreenshot('variable-table-panel');
    console.log(`      screenshot: ${shot ?? '(none under this launcher)'}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.window.showNotebookDocument(notebook);
  });

  it('replaces an updatable display in place after its cell ended', async () => {
    const cell = await runCell(
      notebook,
      'const status = lab.display.updatable("first");\nvoid setTimeout(() => status.update("second"), 500);',
    );
    const plain = () =>
      cell.outputs
        .flatMap((o) => o.items)
        .filter((i) => i.mime === 'text/plain')
        .map(decode);
    assert.deepEqual(plain(), ['first']);
    await waitFor('the late update to replace the output', () => plain()[0] === 'second', 20_000);
    assert.equal(cell.outputs.length, 1, describeCell(cell));
    // From a later cell too.
    await runCell(notebook, 'status.update("third")');
    await waitFor('the update from a later cell', () => plain()[0] === 'third', 20_000);
  });

  it('draws the training chart while fit runs and keeps it after, updated in place', async () => {
    const cell = await appendCell(
      notebook,
      [
        'const run = lab.startRun({ experiment: "variables-live-test", name: "tiny" });',
        'const model = tf.sequential();',
        'model.add(tf.layers.dense({ units: 8, inputShape: [4], activation: "relu" }));',
        'model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));',
        'model.compile({ optimizer: tf.train.adam(0.05), loss: "binaryCrossentropy", metrics: ["accuracy"] });',
        'const xs = tf.randomNormal([128, 4]);',
        'const ys = xs.sum(1, true).greater(0).toFloat();',
        'const pause = { onEpochEnd: () => new Promise<void>((r) => setTimeout(r, 250)) };',
        'await model.fit(xs, ys, { epochs: 40, verbose: 0, callbacks: [run.tfCallback({ plot: true }), pause] });',
        'run.end();',
      ].join('\n'),
    );
    const before = Date.now();
    void startCell(notebook, cell);
    reveal(cell);
    const during = await waitFor(
      'the chart to be drawn while training',
      () => {
        const p = chartPoints(cell);
        return p && p.points >= 6 && !ended(cell, before) && p;
      },
      180_000,
    );
    // Give the renderer a moment to draw the chart (its first load), while training goes on.
    await sleep(2500);
    const duringShot = await takeScreenshot('training-chart-during');
    assert.ok(!ended(cell, before), 'the screenshot was taken while training ran');
    const seen = [during.points];
    await waitFor(
      'training to end',
      () => {
        const p = chartPoints(cell);
        if (p && p.points !== seen[seen.length - 1]) seen.push(p.points);
        return ended(cell, before);
      },
      180_000,
    );
    assert.equal(cell.executionSummary?.success, true, describeCell(cell));
    const after = chartPoints(cell)!;
    seen.push(after.points);
    console.log(`      chart points seen: ${[...new Set(seen)].join(' → ')}`);
    assert.equal(after.outputs, 1, 'one chart output, replaced in place');
    assert.equal(after.points, 80, '40 epochs × (loss, acc)');
    assert.ok(after.points > during.points, `points grew: ${during.points} → ${after.points}`);
    reveal(cell);
    await sleep(1500);
    const afterShot = await takeScreenshot('training-chart-after');
    console.log(`      screenshots: ${duringShot ?? '-'}, ${afterShot ?? '-'}`);
  });
});
