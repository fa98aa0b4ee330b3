/**
 * The experiment tracker inside a real VS Code, after the penguins notebook ran (notebook
 * suite): a sweep recorded by the CLI shows as a parent with its trials, the runs table
 * opens filtered, the compare panel draws overlaid histories and parallel coordinates,
 * runs are pinned, deleted, restored and purged, a run's captured source reopens as a
 * notebook, and markup planted in names, params and tags renders as text in every panel.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { screenshotWithInspection, takeScreenshot } from '../runner/index';
import { activeLabbook, workspaceStore } from '../runner/labbook';
import { eventually, sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';
import type { RunsTreeNode as Node } from '../../../extension/runs/runsTree';

const REPO = path.join(__dirname, '..', '..', '..', '..');
const HOSTILE_IMG = '<img src=x onerror="window.__xss=1">';
function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
}

describe('experiment tracker', function () {
  this.timeout(300_000);
  let api: LabbookApi;
  let folder: string;
  let storePath: string;

  const experimentNode = (name: string) =>
    eventually(
      `the ${name} experiment`,
      async () => {
        const roots = await api.runs.getChildren();
        return roots.find(
          (n): n is Extract<Node, { kind: 'experiment' }> =>
            n.kind === 'experiment' && n.experiment.name === name,
        );
      },
      60_000,
    );

  const runNodes = async (experiment: string) =>
    (await api.runs.getChildren(await experimentNode(experiment))).filter(
      (n): n is Extract<Node, { kind: 'run' }> => n.kind === 'run',
    );

  before(async () => {
    api = await activeLabbook();
    folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    storePath = workspaceStore(folder);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows a sweep run by the CLI as a parent with one child per trial', async () => {
    const out = path.join(os.tmpdir(), `labbook-sweep-${process.pid}.ipynb`);
    const cli = spawnSync(
      'node',
      [path.join(REPO, 'bin', 'labbook.js'), 'run', path.join(folder, 'sweep.ipynb'), '--out', out],
      {
        cwd: folder,
        encoding: 'utf8',
        env: { ...process.env, LABBOOK_STORE: storePath },
        timeout: 240_000,
      },
    );
    assert.equal(cli.status, 0, `labbook run sweep.ipynb: ${cli.stderr}\n${cli.stdout}`);
    const since = Date.now() - 5 * 60_000;
    const parent = await eventually('the sweep parent run', async () =>
      (await runNodes('penguins-sweep')).find(
        (n) => n.run.startTime >= since && n.children.length > 0,
      ),
    );
    assert.match(parent.run.name, /^sweep-\d+$/);
    assert.equal(parent.children.length, 6, 'a 3 x 2 grid');
    const item = api.runs.getTreeItem(parent);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match(String(item.description), /6 trials/);
    const trials = await api.runs.getChildren(parent);
    assert.deepEqual(trials.map((t) => t.kind === 'run' && t.run.name).sort(), [
      'trial-1',
      'trial-2',
      'trial-3',
      'trial-4',
      'trial-5',
      'trial-6',
    ]);
    assert.ok(trials.every((t) => t.kind === 'run' && t.run.parentRunId === parent.run.id));
    // The trials log val_acc too; they show what the sweep minimises, and its best is starred.
    const shown = trials.map((t) => String(api.runs.getTreeItem(t).description));
    assert.ok(
      shown.every((d) => /val_loss \d/.test(d)),
      shown.join('\n'),
    );
    assert.equal(shown.filter((d) => d.startsWith('★ best')).length, 1, shown.join('\n'));
    // The count beside the experiment is the rows under it.
    const experiment = await experimentNode('penguins-sweep');
    const rows = await api.runs.getChildren(experiment);
    assert.match(
      String(api.runs.getTreeItem(experiment).description),
      new RegExp(`^${rows.length} runs? · \\d+ trials$`),
    );
  });

  it('gives Experiments most of the sidebar', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.labbook');
    await vscode.commands.executeCommand('labbook.runs.focus');
    await sleep(500);
    await takeScreenshot('sidebar-layout', 60_000, { waitFor: '.monaco-list-row' });
  });

  it('opens the runs table of an experiment with a filter applied', async () => {
    await vscode.commands.executeCommand('labbook.openRunsTable', {
      experiment: 'penguins',
      filter: 'metrics.val_acc > 0.5 and params.units = "16"',
    });
    await eventually('the runs table tab', async () => tabLabels().includes('Runs: penguins'));
    assert.deepEqual(api.runs.openTableTitles(), ['Runs: penguins']);
    // Fails unless rows arrived from the service through the filter.
    await takeScreenshot('runs-table-filtered', 60_000, { waitFor: '.tr.run-row' });
  });

  it('compares the penguins runs with overlaid metric histories', async () => {
    const since = Date.now() - 30 * 60_000;
    const runs = (await runNodes('penguins'))
      .filter((n) => n.run.startTime >= since && n.run.status === 'finished')
      .slice(0, 3);
    assert.ok(runs.length >= 2, `finished penguins runs of this session: ${runs.length}`);
    await vscode.commands.executeCommand(
      'labbook.compareRuns',
      runs.map((n) => n.run.id),
    );
    await eventually('the compare tab', async () =>
      tabLabels().some((l) => l.startsWith('Compare')),
    );
    await takeScreenshot('compare-penguins', 60_000, {
      waitFor: '.history-section .vega-embed svg.marks',
    });
    await takeScreenshot('compare-penguins-history', 60_000, {
      waitFor: '.history-section .vega-embed svg.marks',
      scrollTo: '.history-section',
    });
  });

  it('compares the sweep trials in parallel coordinates', async () => {
    const parent = (await runNodes('penguins-sweep')).find((n) => n.children.length === 6)!;
    await vscode.commands.executeCommand(
      'labbook.compareRuns',
      parent.children.map((r) => r.id),
    );
    await sleep(500);
    await takeScreenshot('compare-sweep-parallel', 60_000, {
      waitFor: '.parallel-section .vega-embed svg.marks',
      scrollTo: '.parallel-section',
    });
  });

  it('pins a run to the top, and deletes, restores and purges runs', async () => {
    const sweepRuns = await runNodes('penguins-sweep');
    const last = sweepRuns[sweepRuns.length - 1];
    await vscode.commands.executeCommand('labbook.pinRun', last.run.id);
    const pinned = await eventually('the pinned run first', async () => {
      const [first] = await runNodes('penguins-sweep');
      return first.run.id === last.run.id && first.run.pinned && first;
    });
    assert.match(String(api.runs.getTreeItem(pinned).description), /📌/);
    await vscode.commands.executeCommand('labbook.unpinRun', last.run.id);
    await eventually(
      'the run unpinned',
      async () =>
        !(await runNodes('penguins-sweep')).find((n) => n.run.id === last.run.id)?.run.pinned,
    );

    // A throwaway run written by another process: delete (soft), restore, delete, purge.
    const script = [
      `const lab = require(${JSON.stringify(path.join(REPO, 'dist', 'kernel', 'sdk', 'index.js'))});`,
      `lab.withRun({ experiment: 'scratch', name: 'to-purge', store: ${JSON.stringify(storePath)} }, (run) => { run.logMetric('loss', 0.5); run.logArtifact('notes.txt', 'only this run has these bytes ' + Date.now()); });`,
    ].join('\n');
    const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [scratch] = await runNodes('scratch');
    const service = api.runs.service()!;
    await service.deleteRun(scratch.run.id);
    const deletedNode = await eventually('the Deleted node', async () =>
      (await api.runs.getChildren()).find(
        (n): n is Extract<Node, { kind: 'deleted' }> =>
          n.kind === 'deleted' && n.runs.some((x) => x.id === scratch.run.id),
      ),
    );
    assert.equal(api.runs.getTreeItem(deletedNode).contextValue, 'labbook.deleted');
    await vscode.commands.executeCommand('labbook.restoreRun', scratch.run.id);
    await eventually('the run restored', async () =>
      (await runNodes('scratch')).some((n) => n.run.id === scratch.run.id),
    );
    await service.deleteRun(scratch.run.id);
    const result = await service.purgeRuns([scratch.run.id]);
    assert.equal(result.purged, 1);
    assert.equal(await service.runDetails(scratch.run.id), null);
  });

  it('reopens the notebook source a run captured', async () => {
    const since = Date.now() - 30 * 60_000;
    const [run] = (await runNodes('penguins')).filter((n) => n.run.startTime >= since);
    await vscode.commands.executeCommand('labbook.reopenRunSource', run.run.id);
    const editor = await eventually('the reopened source', async () => {
      const e = vscode.window.activeNotebookEditor;
      return e && e.notebook.isUntitled && e;
    });
    const sources = editor.notebook.getCells().map((c) => c.document.getText());
    assert.match(sources[0], new RegExp(`Source of run`));
    assert.ok(
      sources.some((s) => s.includes('withRun') || s.includes('startRun')),
      'the cell that started the run is in the snapshot',
    );
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows markup planted in names, params and tags as text in every panel', async () => {
    const script = [
      `const lab = require(${JSON.stringify(path.join(REPO, 'dist', 'kernel', 'sdk', 'index.js'))});`,
      `const evil = ${JSON.stringify(HOSTILE_IMG)};`,
      `for (const i of [1, 2]) lab.withRun({ experiment: 'hostile ' + evil, name: 'run ' + i + ' ' + evil, store: ${JSON.stringify(storePath)},`,
      `  params: { [evil]: evil + i, lr: 0.01 * i }, tags: { model: '<script>window.__xss=2</script>' } },`,
      `  (run) => { for (let s = 0; s < 5; s++) run.logMetric('acc ' + evil, s / 10 * i); });`,
    ].join('\n');
    const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const planted = Date.now() - 60_000;
    const runs = await eventually('the hostile runs', async () => {
      // The example store keeps runs of earlier local sessions: take this one's.
      const found = (await runNodes(`hostile ${HOSTILE_IMG}`)).filter(
        (n) => n.run.startTime >= planted,
      );
      return found.length === 2 && found;
    });
    // Hidden webviews are torn down, so each panel is inspected while it is the one showing.
    const panels: [string, () => Thenable<unknown>, string][] = [
      [
        'hostile-details',
        () => vscode.commands.executeCommand('labbook.openRun', runs[0]),
        '.chart svg.marks',
      ],
      [
        'hostile-table',
        () =>
          vscode.commands.executeCommand('labbook.openRunsTable', {
            experiment: `hostile ${HOSTILE_IMG}`,
          }),
        '.tr.run-row',
      ],
      [
        'hostile-compare',
        () =>
          vscode.commands.executeCommand(
            'labbook.compareRuns',
            runs.map((n) => n.run.id),
          ),
        '.history-section .vega-embed svg.marks',
      ],
    ];
    for (const [shot, open, ready] of panels) {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await open();
      const result = await screenshotWithInspection(shot, 60_000, {
        waitFor: ready,
        inspect: { selector: 'img[src="x"]', text: HOSTILE_IMG, flag: '__xss' },
      });
      if (!result) return; // no browser around this editor (desktop VS Code)
      assert.ok(result.inspection, 'the launcher inspected the frames');
      assert.equal(
        result.inspection.matches,
        0,
        `${shot}: no element was created from a planted string`,
      );
      assert.equal(result.inspection.flagSet, false, `${shot}: no planted handler ran`);
      assert.equal(
        result.inspection.textFound,
        true,
        `${shot}: the planted markup is shown as text`,
      );
    }
  });
});
