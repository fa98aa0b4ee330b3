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
import { screenshotWithInspection, takeScreenshot } from '../runner/index';
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

type Pick = vscode.QuickPickItem;

/**
 * Answers the extension's prompts in place of a person and records which kinds were
 * shown. Suites and the extension share one `vscode` API object (the suites load from the
 * extension's folder), so replacing `vscode.window`'s functions reaches the commands.
 * Notifications (non-modal messages) are not prompts: they are recorded apart.
 */
class Prompts {
  private readonly kinds: string[] = [];
  private readonly original = {
    showQuickPick: vscode.window.showQuickPick,
    showInputBox: vscode.window.showInputBox,
    showInformationMessage: vscode.window.showInformationMessage,
    showWarningMessage: vscode.window.showWarningMessage,
  };
  answerPick: (items: Pick[], options: vscode.QuickPickOptions) => Pick | undefined = () => {
    throw new Error('an unexpected quick pick');
  };
  answerInput: (options: vscode.InputBoxOptions) => Promise<string | undefined> = () => {
    throw new Error('an unexpected input box');
  };
  constructor() {
    const w = vscode.window as unknown as Record<string, unknown>;
    w.showQuickPick = async (
      items: Pick[] | Thenable<Pick[]>,
      options?: vscode.QuickPickOptions,
    ) => {
      this.kinds.push('pick');
      return this.answerPick(await items, options ?? {});
    };
    w.showInputBox = (options?: vscode.InputBoxOptions) => {
      this.kinds.push('input');
      return this.answerInput(options ?? {});
    };
    const message =
      (kind: string) =>
      (text: string, ...rest: unknown[]): Promise<undefined> => {
        const modal = (rest[0] as vscode.MessageOptions | undefined)?.modal === true;
        this.kinds.push(modal ? `modal ${kind}: ${text}` : `notification: ${text}`);
        return Promise.resolve(undefined);
      };
    w.showInformationMessage = message('information');
    w.showWarningMessage = message('warning');
  }
  /** The prompts shown since the last reset, notifications left out. */
  asked(): string[] {
    return this.kinds.filter((k) => !k.startsWith('notification'));
  }
  reset(): void {
    this.kinds.length = 0;
  }
  restore(): void {
    Object.assign(vscode.window, this.original);
  }
}

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

  // Issue 14, item 7: the common path (this version → Production, gates shown, reason,
  // confirm) in at most three prompts from the palette and one from the Models view, the
  // reason asked before anything changes.
  it('promotes to Production in one prompt from the Models view and three from the palette', async () => {
    const [best, middle] = versions;
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.writeFileSync(
      path.join(folder, '.labbook', 'gates', `${MODEL}.json`),
      JSON.stringify({ production: { metrics: ['metrics.test_accuracy >= 0'] } }),
    );
    const stageOf = async (v: number) =>
      (await service.model(MODEL))!.versions.find((x) => x.version === v)!.stage;
    const prompts = new Prompts();
    try {
      // The inline action on a version row: the tree node is the argument.
      const model = (await api.models.getChildren()).find(
        (n): n is Extract<Node, { kind: 'model' }> => n.kind === 'model' && n.model.name === MODEL,
      )!;
      const node = (await api.models.getChildren(model)).find(
        (n) => n.kind === 'version' && n.version.version === middle.version,
      )!;
      assert.equal(await stageOf(middle.version), 'Archived');
      prompts.answerInput = async (options) => {
        assert.equal(await stageOf(middle.version), 'Archived', 'asked before promoting');
        assert.match(options.title ?? '', /v\d+ \(Archived\) → Production: the gate passes/);
        assert.match(options.prompt ?? '', /✓ metrics\.test_accuracy >= 0: /);
        assert.match(options.prompt ?? '', new RegExp(`Archives v${best.version}`));
        return 'back to the middle one';
      };
      const fromTree = await vscode.commands.executeCommand<{ archived: number | null }>(
        'labbook.promoteToProduction',
        node,
      );
      assert.equal(fromTree?.archived, best.version);
      assert.deepEqual(prompts.asked(), ['input'], 'one prompt from the Models view');
      assert.equal(await stageOf(middle.version), 'Production');
      let history = (await service.model(MODEL))!.history;
      assert.equal(
        history.find((t) => t.version === middle.version && t.to === 'Production')?.reason,
        'back to the middle one',
      );

      // The palette: which version, which stage (Production first), the reason.
      prompts.reset();
      prompts.answerPick = (items, options) => {
        if (/which version/.test(options.title ?? ''))
          // With several models the pick lists every model's versions, each with its model.
          return items.find(
            (i) =>
              i.label === `v${best.version}` &&
              ((i as { details?: { model: { name: string } } }).details?.model.name ?? MODEL) ===
                MODEL,
          );
        assert.match(options.title ?? '', /to which stage/);
        assert.match(items[0].label, /Production$/, 'Production is offered first');
        return items[0];
      };
      prompts.answerInput = async (options) => {
        assert.equal(await stageOf(best.version), 'Archived', 'asked before promoting');
        assert.match(options.title ?? '', /→ Production: the gate passes/);
        return 'best again';
      };
      await vscode.commands.executeCommand('labbook.promoteModelVersion');
      assert.deepEqual(prompts.asked(), ['pick', 'pick', 'input'], 'three prompts');
      assert.equal(await stageOf(best.version), 'Production');
      history = (await service.model(MODEL))!.history;
      assert.equal(
        history.find(
          (t) => t.version === best.version && t.to === 'Production' && t.reason === 'best again',
        )?.from,
        'Archived',
      );

      // Escape in the reason box changes nothing.
      prompts.reset();
      prompts.answerInput = async () => undefined;
      await vscode.commands.executeCommand('labbook.promoteToProduction', {
        name: MODEL,
        version: middle.version,
      });
      assert.deepEqual(prompts.asked(), ['input']);
      assert.equal(await stageOf(middle.version), 'Archived');
    } finally {
      prompts.restore();
    }

    // The Models view starts collapsed and other suites leave other rows behind: walk down
    // the tree until a version row with the inline rocket has focus, and picture that.
    const rocketFocused = '.monaco-list-row.focused .actions .codicon-rocket';
    let shown = false;
    for (let attempt = 0; attempt < 5 && !shown; attempt++) {
      await vscode.commands.executeCommand('labbook.models.focus');
      await sleep(500);
      await vscode.commands.executeCommand('list.focusFirst');
      await vscode.commands.executeCommand('list.expand');
      for (let down = 0; down < 4 && !shown; down++) {
        await vscode.commands.executeCommand('list.focusDown');
        await sleep(200);
        const shot = await screenshotWithInspection('models-tree-promote-inline', 30_000, {
          inspect: { selector: rocketFocused },
        });
        // No browser (desktop VS Code): nothing to picture.
        shown = shot === undefined || (shot.inspection?.matches ?? 0) > 0;
      }
    }
    assert.ok(shown, 'a version row showing the inline "Promote to Production" action has focus');
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
