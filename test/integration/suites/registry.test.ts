/**
 * The model registry inside a real VS Code, after the penguins notebook ran (notebook
 * suite) and registered one version of `penguins-classifier` per configuration: the
 * Models view lists them, promotions go through the command-palette commands and the
 * gates (the weaker model refused with its failing gate, the previous Production
 * archived), the history records it all, and the registry panel and model card draw.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { activeLabbook } from '../runner/labbook';
import { eventually, sleep } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';
import type { ModelsTreeNode as Node } from '../../../extension/models/modelsTree';

const MODEL = 'penguins-classifier';

interface VersionItem {
  version: number;
  stage: string;
  createdAt: number;
  runId: string;
  metrics: Record<string, number | string>;
}

interface Transition {
  version: number;
  kind: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  by: string;
  forced: boolean;
  gates: { gate: string; passed: boolean }[] | null;
}
interface Service {
  model(name: string): Promise<{ versions: VersionItem[]; history: Transition[] } | null>;
}

const accuracy = (v: VersionItem) => Number(v.metrics.test_accuracy);

describe('model registry', function () {
  this.timeout(180_000);
  let api: LabbookApi;
  let service: Service;
  /** This session's versions, best test accuracy first. */
  let versions: VersionItem[];

  before(async () => {
    api = await activeLabbook();
    service = api.runs.service()!;
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('lists the versions the penguins notebook registered, with their stage', async () => {
    const model = await eventually(
      'the penguins-classifier model',
      async () =>
        (await api.models.getChildren()).find(
          (n): n is Extract<Node, { kind: 'model' }> =>
            n.kind === 'model' && n.model.name === MODEL,
        ),
      60_000,
    );
    const since = Date.now() - 30 * 60_000;
    const nodes = (await api.models.getChildren(model)).filter(
      (n): n is Extract<Node, { kind: 'version' }> => n.kind === 'version',
    );
    // The newest three: the example store keeps versions of earlier local sessions too.
    versions = nodes
      .map((n) => n.version)
      .sort((a, b) => b.version - a.version)
      .slice(0, 3);
    assert.equal(versions.length, 3, 'one version per configuration');
    assert.ok(
      versions.every((v) => v.createdAt >= since),
      "registered by this session's notebook run",
    );
    versions.sort((a, b) => accuracy(b) - accuracy(a));
    const item = api.models.getTreeItem(
      nodes.find((n) => n.version.version === versions[0].version)!,
    );
    assert.match(String(item.label), /^v\d+$/);
    await vscode.commands.executeCommand('labbook.models.focus');
    await vscode.commands.executeCommand('workbench.actions.treeView.labbook.runs.collapseAll');
    await sleep(1000);
    await takeScreenshot('models-tree');
  });

  it('promotes through the gates from the command palette, refuses the weaker model, archives the replaced one', async () => {
    const [best, middle, worst] = versions;
    // Gates for Production: a threshold on the run, and "not worse than Production" on the holdout.
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const gatesFile = path.join(folder, '.labbook', 'gates', `${MODEL}.json`);
    fs.mkdirSync(path.dirname(gatesFile), { recursive: true });
    fs.writeFileSync(
      gatesFile,
      JSON.stringify(
        {
          production: {
            metrics: ['metrics.test_accuracy >= 0.9'],
            notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 },
          },
        },
        null,
        2,
      ),
    );
    assert.ok(
      accuracy(middle) - accuracy(worst) > 0.01,
      `the notebook's configurations differ by more than the tolerance: ${versions.map(accuracy)}`,
    );

    // The example store outlives local test sessions: start from no Production version.
    const before = (await service.model(MODEL))!;
    for (const v of before.versions.filter((x) => x.stage === 'Production')) {
      await vscode.commands.executeCommand('labbook.archiveModelVersion', {
        name: MODEL,
        version: v.version,
        reason: 'integration test starts clean',
        confirm: false,
      });
    }

    const first = await vscode.commands.executeCommand<{ archived: number | null }>(
      'labbook.promoteModelVersion',
      {
        name: MODEL,
        version: middle.version,
        to: 'Production',
        reason: 'first candidate',
        confirm: false,
      },
    );
    assert.equal(first.archived, null);

    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('labbook.promoteModelVersion', {
          name: MODEL,
          version: worst.version,
          to: 'Production',
          reason: 'weaker',
          confirm: false,
        }),
      ),
      (error: Error) =>
        /not worse than Production/i.test(error.message) &&
        error.message.includes(`v${worst.version}`),
    );

    const second = await vscode.commands.executeCommand<{ archived: number | null }>(
      'labbook.promoteModelVersion',
      {
        name: MODEL,
        version: best.version,
        to: 'Production',
        reason: 'best holdout accuracy',
        confirm: false,
      },
    );
    assert.equal(second.archived, middle.version, 'the replaced Production version is archived');

    const after = (await service.model(MODEL))!;
    const stage = (v: number) => after.versions.find((x) => x.version === v)!.stage;
    assert.equal(stage(best.version), 'Production');
    assert.equal(stage(middle.version), 'Archived');
    assert.equal(stage(worst.version), 'None', 'the refused promotion changed nothing');
    const promotion = after.history.find(
      (t) => t.version === best.version && t.to === 'Production',
    )!;
    assert.equal(promotion.from, 'None');
    assert.equal(promotion.reason, 'best holdout accuracy');
    assert.equal(promotion.forced, false);
    assert.ok(promotion.by.length > 0, 'who promoted is recorded');
    assert.ok(
      promotion.gates && promotion.gates.length === 2 && promotion.gates.every((g) => g.passed),
      JSON.stringify(promotion.gates),
    );
    const archive = after.history.find((t) => t.version === middle.version && t.to === 'Archived')!;
    assert.equal(archive.from, 'Production');
    assert.match(archive.reason ?? '', new RegExp(`v${best.version}`));
    assert.ok(
      !after.history.some((t) => t.version === worst.version && t.to === 'Production'),
      'a refusal is not a transition',
    );
  });

  it('opens the registry panel and the model card of the Production version', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('labbook.openModelRegistry', { name: MODEL });
    await eventually('the registry tab', async () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === `Model: ${MODEL}`),
    );
    await takeScreenshot('registry-panel', 60_000, { waitFor: '.grid.versions tbody tr' });
    await vscode.commands.executeCommand('labbook.models.focus');
    await takeScreenshot('registry-panel-history', 60_000, {
      waitFor: '.history-section',
      scrollTo: '.history-section',
    });
    await vscode.commands.executeCommand('labbook.openModelCard', {
      name: MODEL,
      version: versions[0].version,
    });
    // Fails unless the card evaluated the holdout per slice and drew the chart.
    await takeScreenshot('model-card', 90_000, { waitFor: '.chart svg.marks' });
  });
});
