/**
 * The runs sidebar inside a real VS Code: after the penguins notebook ran (notebook suite,
 * which mocha loads first), the Experiments → Runs tree lists its runs with their key metric,
 * updates by itself when another process writes a run, and a run opens in a details panel.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { activeLabbook, workspaceStore } from '../runner/labbook';
import { eventually, sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';
import type { RunsTreeNode as Node } from '../../../extension/runs/runsTree';

describe('runs sidebar', function () {
  this.timeout(120_000);
  let api: LabbookApi;

  before(async () => {
    api = await activeLabbook();
  });

  it('lists the penguins runs with status, key metric and duration', async () => {
    const penguins = await eventually('the penguins experiment', async () => {
      const roots = await api.runs.getChildren();
      return roots.find(
        (n): n is Extract<Node, { kind: 'experiment' }> =>
          n.kind === 'experiment' && n.experiment.name === 'penguins',
      );
    });
    // The example workspace's store may hold runs of earlier local sessions: check this session's.
    const since = Date.now() - 30 * 60_000;
    const runs = (await api.runs.getChildren(penguins)).filter(
      (n) => n.kind === 'run' && n.run.startTime >= since,
    );
    assert.ok(runs.length >= 3, `runs: ${runs.length}`);
    for (const node of runs) {
      assert.equal(node.kind, 'run');
      const item = api.runs.getTreeItem(node);
      assert.match(
        String(item.description),
        /val_acc 0\.\d+ · \d+(\.\d)?s · (just now|\d+ min ago)/,
      );
      assert.equal((item.iconPath as vscode.ThemeIcon).id, 'pass');
    }
    await vscode.commands.executeCommand('workbench.view.extension.labbook');
    await sleep(1500);
    await takeScreenshot('runs-sidebar');
  });

  it('shows a run written by another process without a manual refresh', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const script = [
      `const lab = require(${JSON.stringify(path.join(__dirname, '..', '..', '..', 'kernel', 'sdk', 'index.js'))});`,
      `lab.withRun({ experiment: 'live-check', name: 'from-outside', store: ${JSON.stringify(workspaceStore(folder))} },`,
      '  async (run) => { for (let i = 0; i < 5; i++) run.logMetric("loss", 1 / (i + 1)); });',
    ].join('\n');
    const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const live = await eventually('the live-check experiment', async () => {
      const roots = await api.runs.getChildren();
      return roots.find((n) => n.kind === 'experiment' && n.experiment.name === 'live-check');
    });
    const [run] = await api.runs.getChildren(live);
    assert.ok(
      run.kind === 'run' && run.run.name === 'from-outside' && run.run.keyMetric?.key === 'loss',
    );
  });

  it('opens a run in the details panel', async () => {
    const roots = await api.runs.getChildren();
    const penguins = roots.find(
      (n) => n.kind === 'experiment' && n.experiment.name === 'penguins',
    )!;
    const [first] = await api.runs.getChildren(penguins);
    assert.ok(first.kind === 'run');
    await vscode.commands.executeCommand('labbook.openRun', first);
    await eventually('the run details tab', async () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.label === `Run: ${first.run.name}`),
    );
    assert.deepEqual(api.runs.openRunIds(), [first.run.id]);
    // Fails unless the panel drew its metric charts (vega's SVG has class "marks").
    await takeScreenshot('run-details', 60_000, { waitFor: '.chart svg.marks' });
  });
});
