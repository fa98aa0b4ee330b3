/**
 * The model registry in the editor: the Models tree (`labbook.models`), the registry panel
 * per model, model card panels, and the model commands. It does not own the workspace
 * service (RunsFeature starts it): `service()` is read on every use, and the owner calls
 * `onStoreChanged()` when the store changes (and once the service is up).
 *
 * Commands take a Models tree node, an options object or nothing (quick picks); see
 * modelActions.ts. With `{ name, version, to, reason?, force?, confirm: false }` they run
 * without any dialog, resolve to what they did and reject with the error, e.g.
 *
 * ```ts
 * await vscode.commands.executeCommand('labbook.promoteModelVersion', { name: 'penguins-classifier', version: 3, to: 'Production', confirm: false });
 * // refused by a gate: rejects; override: add force: true and a non-empty reason
 * ```
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { Coalesced } from '../util/coalesce';
import { Disposable } from '../util/dispose';
import { Command } from '../commands';
import { ModelActions } from './modelActions';
import { ModelCardPanels } from './modelCardPanel';
import { ModelsTreeProvider, type ModelsTreeNode } from './modelsTree';
import { RegistryPanels } from './registryPanel';

export const MODELS_VIEW_ID = 'labbook.models';

type ModelCommandId =
  | Command.PromoteModelVersion
  | Command.PromoteToProduction
  | Command.SetModelAlias
  | Command.ArchiveModelVersion
  | Command.CompareModelVersions
  | Command.OpenModelCard
  | Command.OpenModelRegistry
  | Command.RegisterModelFromRun
  | Command.RefreshModels;

export class ModelsFeature extends Disposable {
  readonly tree: ModelsTreeProvider;
  readonly registries: RegistryPanels;
  readonly cards: ModelCardPanels;
  readonly actions: ModelActions;
  private readonly view: vscode.TreeView<ModelsTreeNode>;
  private readonly panelRefresh = this.track(
    new Coalesced(() => {
      this.registries.refreshAll();
      this.cards.refreshAll();
    }, 400),
  );

  constructor(
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.tree = this.track(new ModelsTreeProvider(service));
    this.registries = this.track(new RegistryPanels(extensionPath, service));
    this.cards = this.track(new ModelCardPanels(extensionPath, service));
    this.actions = new ModelActions(
      service,
      {
        registry: (name) => void this.registries.show(name),
        card: (name, version) => void this.cards.show(name, version),
      },
      () => this.refreshViews(),
    );
    this.view = this.track(
      vscode.window.createTreeView(MODELS_VIEW_ID, {
        treeDataProvider: this.tree,
        showCollapseAll: true,
      }),
    );
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<ModelCommandId, (...args: unknown[]) => unknown> {
    return {
      [Command.PromoteModelVersion]: (arg) => this.actions.promote(this.argument(arg)),
      [Command.PromoteToProduction]: (arg) => this.actions.promoteToProduction(this.argument(arg)),
      [Command.SetModelAlias]: (arg) => this.actions.setAlias(this.argument(arg)),
      [Command.ArchiveModelVersion]: (arg) => this.actions.archive(this.argument(arg)),
      [Command.CompareModelVersions]: (arg) => this.actions.compare(this.argument(arg)),
      [Command.OpenModelCard]: (arg) => this.actions.openCard(this.argument(arg)),
      [Command.OpenModelRegistry]: (arg) => this.actions.openRegistry(this.argument(arg)),
      [Command.RegisterModelFromRun]: (arg) => this.actions.registerFromRun(arg),
      [Command.RefreshModels]: () => this.refreshViews(),
    };
  }

  /**
   * The store changed (or the service started). Runs write many times a second while they
   * train: the tree and the open panels refresh at most every 400 ms.
   */
  onStoreChanged(): void {
    this.tree.refreshSoon();
    this.panelRefresh.schedule();
  }

  /** Shows a problem in place of the tree (e.g. the service stopped); undefined clears it. */
  setProblem(problem: string | undefined): void {
    this.tree.setProblem(problem);
  }

  private refreshViews(): void {
    this.tree.refresh();
    this.registries.refreshAll();
    this.cards.refreshAll();
  }

  /** From the palette with a version selected in the tree: act on that version. */
  private argument(arg: unknown): unknown {
    if (arg !== undefined) return arg;
    const selected = this.view.selection[0];
    if (selected && selected.kind !== 'message') {
      this.log.debug(
        `model command on the tree selection ${selected.kind === 'model' ? selected.model.name : `${selected.name} v${selected.version.version}`}`,
      );
      return selected;
    }
    return undefined;
  }
}
