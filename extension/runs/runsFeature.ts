/**
 * The Labbook sidebar's runs: starts the workspace service (the user's node, never the
 * extension host, runs the store), shows the Experiments → Runs tree, run details panels,
 * and the run commands. Views follow the store live through the service's notifications.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ServiceClient } from '../../core/service/client';
import { fromWireNumber, type ExperimentItem, type RunItem } from '../../core/service/protocol';
import { formatMetric } from '../../core/common/format';
import { RunActions } from './runActions';
import { RunsTablePanels, type RunsTableAction } from './runsTablePanel';
import { ComparePanels } from './comparePanel';
import { Command } from '../commands';
import {
  checkNode,
  NativeMismatchError,
  nodeEnvOverrides,
  userEnv,
  artifactRootEnv,
  NODE_PATH_SETTING,
} from '../notebook/node';
import { offerNativeRebuild } from '../notebook/nativeRebuild';
import { Disposable } from '../util/dispose';
import { RunDetailsPanels } from './runDetailsPanel';
import { RunsTreeProvider, type RunsTreeNode } from './runsTree';
import { affectsStore } from '../util/storeSetting';
import { displayedStore } from '../../core/store/location';

/** Context key: the runs tree shows only my runs (which title button shows). */
const MINE_ONLY_CONTEXT = 'labbook.runs.mineOnly';

export const RUNS_VIEW_ID = 'labbook.runs';

/** Which runs a command may pick from when none was given. */
type RunScope = 'live' | 'deleted' | 'any';

function experimentOf(arg: unknown): ExperimentItem | undefined {
  const node = arg as RunsTreeNode | undefined;
  return node && typeof node === 'object' && node.kind === 'experiment'
    ? node.experiment
    : undefined;
}

type RunCommand =
  | Command.OpenRun
  | Command.CopyRunId
  | Command.DeleteRun
  | Command.RevealRunNotebook
  | Command.RefreshRuns
  | Command.ShowMyRuns
  | Command.ShowEveryonesRuns
  | Command.OpenRunsTable
  | Command.CompareRuns
  | Command.RenameRun
  | Command.TagRun
  | Command.EditRunNote
  | Command.PinRun
  | Command.UnpinRun
  | Command.RestoreRun
  | Command.PurgeRun
  | Command.PurgeDeletedRuns
  | Command.SetKeyMetric
  | Command.ReopenRunSource;

/** Resolves the store for a workspace folder the same way notebooks do (setting `labbook.storePath`). */
export type StorePathResolver = (folder: vscode.WorkspaceFolder) => string;

export class RunsFeature extends Disposable {
  private service: ServiceClient | undefined;
  private starting: Promise<void> | undefined;
  readonly tree: RunsTreeProvider;
  readonly panels: RunDetailsPanels;
  readonly tables: RunsTablePanels;
  readonly comparisons: ComparePanels;
  private readonly actions: RunActions;
  private readonly storeChanged = new vscode.EventEmitter<void>();
  /** The store changed (any writer), or the service (re)started: other views refresh on this. */
  readonly onDidChangeStore = this.storeChanged.event;
  private readonly view: vscode.TreeView<RunsTreeNode>;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly storePathFor: StorePathResolver,
    /** Where native modules rebuilt for another node go (global storage). */
    private readonly nativeRoot?: string,
  ) {
    super();
    this.track(this.storeChanged);
    this.tree = this.track(new RunsTreeProvider(() => this.service));
    this.panels = this.track(new RunDetailsPanels(extensionPath, () => this.service));
    this.actions = new RunActions(
      () => this.service,
      () => this.refreshViews(),
    );
    this.comparisons = this.track(
      new ComparePanels(
        extensionPath,
        () => this.service,
        (runId) => void this.panels.show(runId),
      ),
    );
    this.tables = this.track(
      new RunsTablePanels(extensionPath, () => this.service, {
        openRun: (runId) => void this.panels.show(runId),
        compare: (runIds) => void this.compareRuns(runIds, undefined),
        runAction: (action, runIds) => this.tableAction(action, runIds),
      }),
    );
    this.view = this.track(
      vscode.window.createTreeView(RUNS_VIEW_ID, {
        treeDataProvider: this.tree,
        showCollapseAll: true,
        canSelectMany: true,
      }),
    );
    this.tree.setVisible(this.view.visible);
    void this.showMine(false);
    this.track(this.view.onDidChangeVisibility((e) => this.tree.setVisible(e.visible)));
    this.track(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          affectsStore(e) ||
          e.affectsConfiguration('labbook.user') ||
          e.affectsConfiguration('labbook.artifactRoot') ||
          e.affectsConfiguration(NODE_PATH_SETTING)
        )
          void this.restart();
      }),
    );
    void this.start();
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<RunCommand, (...args: unknown[]) => unknown> {
    return {
      [Command.OpenRun]: (arg) => this.withRun(arg, (run) => this.panels.show(run.id, run.name)),
      [Command.CopyRunId]: (arg) =>
        this.withRun(arg, async (run) => {
          await vscode.env.clipboard.writeText(run.id);
          vscode.window.setStatusBarMessage(`Copied run ID ${run.id}`, 3000);
        }),
      [Command.DeleteRun]: (arg, many) =>
        this.withRuns(arg, many, (runs) => this.actions.delete(runs)),
      [Command.RevealRunNotebook]: (arg) =>
        this.withRun(arg, async (run) => {
          if (!run.sourceNotebook) {
            void vscode.window.showInformationMessage(
              `Run "${run.name}" was not started from a notebook.`,
            );
            return;
          }
          await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(run.sourceNotebook));
        }),
      [Command.RefreshRuns]: () => (this.service ? this.tree.refresh() : this.restart()),
      [Command.ShowMyRuns]: () => this.showMine(true),
      [Command.ShowEveryonesRuns]: () => this.showMine(false),
      [Command.OpenRunsTable]: (arg) => this.guard(() => this.openRunsTable(arg)),
      [Command.CompareRuns]: (arg, many) => this.guard(() => this.compareRuns(arg, many)),
      [Command.RenameRun]: (arg) => this.withRun(arg, (run) => this.actions.rename(run)),
      [Command.TagRun]: (arg, many) => this.withRuns(arg, many, (runs) => this.actions.tag(runs)),
      [Command.EditRunNote]: (arg) => this.withRun(arg, (run) => this.actions.editNote(run)),
      [Command.PinRun]: (arg, many) =>
        this.withRuns(arg, many, (runs) => this.actions.pin(runs, true)),
      [Command.UnpinRun]: (arg, many) =>
        this.withRuns(arg, many, (runs) => this.actions.pin(runs, false)),
      [Command.RestoreRun]: (arg, many) =>
        this.withRuns(arg, many, (runs) => this.actions.restore(runs), 'deleted'),
      [Command.PurgeRun]: (arg, many) =>
        this.withRuns(arg, many, (runs) => this.actions.purge(runs), 'deleted'),
      [Command.PurgeDeletedRuns]: () => this.guard(() => this.actions.purgeAllDeleted()),
      [Command.SetKeyMetric]: (arg) =>
        this.guard(() => this.actions.setKeyMetric(experimentOf(arg))),
      [Command.ReopenRunSource]: (arg) =>
        this.withRun(arg, (run) => this.actions.reopenSource(run), 'any'),
    };
  }

  /** A kernel reported a run starting or ending: refresh now rather than at the next poll. */
  onRunEvent(): void {
    this.tree.refreshSoon(50);
    this.refreshPanels();
  }

  private refreshPanels(): void {
    this.storeChanged.fire();
    this.panels.refreshAll();
    this.tables.refreshAll();
    this.comparisons.refreshAll();
  }

  /** After the user changed something: the tree at once, panels too (the poll would be 400 ms later). */
  private refreshViews(): void {
    this.tree.refresh();
    this.refreshPanels();
  }

  get serviceClient(): ServiceClient | undefined {
    return this.service;
  }

  /** Resolves once the service is up (or failed, with the problem shown in the tree). */
  ready(): Promise<void> {
    return this.starting ?? Promise.resolve();
  }

  private start(): Promise<void> {
    this.starting = this.startService();
    return this.starting;
  }

  private async startService(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
    if (!folder) {
      this.tree.setProblem('Open a folder to record and browse runs.');
      return;
    }
    const nodePath = vscode.workspace.getConfiguration().get<string>(NODE_PATH_SETTING) || 'node';
    const storePath = this.storePathFor(folder);
    try {
      await vscode.window.withProgress(
        { location: { viewId: RUNS_VIEW_ID }, title: 'Starting Labbook…' },
        async () => {
          await checkNode(nodePath);
          this.service = await ServiceClient.start({
            storePath,
            cwd: folder.uri.fsPath,
            nodePath,
            serviceMain: path.join(this.extensionPath, 'dist', 'core', 'service', 'main.js'),
            env: {
              ...nodeEnvOverrides(),
              ...userEnv(vscode.workspace.getConfiguration('labbook').get<string>('user')),
              ...artifactRootEnv(
                vscode.workspace.getConfiguration('labbook').get<string>('artifactRoot'),
              ),
            },
          });
        },
      );
    } catch (error) {
      this.tree.setProblem((error as Error).message.split('\n')[0]);
      if (error instanceof NativeMismatchError && this.nativeRoot) {
        // Said once, with the fix; a finished rebuild restarts the service on the new modules.
        void offerNativeRebuild(error, this.nativeRoot, this.log).then((rebuilt) => {
          if (rebuilt && !this.disposed) void this.restart();
        });
        return;
      }
      const message = `Labbook could not open the run store ${displayedStore(storePath)}: ${(error as Error).message}`;
      this.log.error(message);
      void vscode.window.showErrorMessage(message);
      return;
    }
    const service = this.service!;
    this.log.info(
      `Workspace service started (pid ${service.info.pid}) for ${displayedStore(storePath)}${service.info.storeExists ? '' : ' (no runs recorded yet)'}.`,
    );
    service.on('storeChanged', () => {
      this.tree.refreshSoon();
      this.refreshPanels();
    });
    service.on('log', (text) => this.log.info(`[service] ${text.trimEnd()}`));
    service.on('exit', (code, signal) => {
      if (this.disposed || this.service !== service) return;
      this.service = undefined;
      this.log.error(`The workspace service exited (${signal ?? `code ${code}`}).`);
      this.tree.setProblem(
        'The Labbook service stopped; run "Labbook: Refresh Runs" to restart it.',
      );
    });
    this.tree.setProblem(undefined);
    this.storeChanged.fire();
  }

  /** The tree shows the runs I started, or everyone's; the view's title says which. */
  private async showMine(mine: boolean): Promise<void> {
    this.tree.setMineOnly(mine);
    this.view.description = mine ? 'mine' : undefined;
    await vscode.commands.executeCommand('setContext', MINE_ONLY_CONTEXT, mine);
  }

  private async restart(): Promise<void> {
    const old = this.service;
    this.service = undefined;
    await old?.shutdown();
    await this.start();
  }

  private async guard(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (error) {
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
    }
  }

  /** Runs a command on the run it was invoked on: a tree node, a run id, the selection, or a quick pick. */
  private withRun(
    arg: unknown,
    fn: (run: RunItem) => unknown,
    scope: RunScope = 'live',
  ): Promise<void> {
    return this.guard(async () => {
      const run = (await this.runsFromArguments(arg, undefined, scope, false))[0];
      if (run) await fn(run);
    });
  }

  /** As withRun, for commands that act on every selected run (VS Code passes the selection second). */
  private withRuns(
    arg: unknown,
    many: unknown,
    fn: (runs: RunItem[]) => unknown,
    scope: RunScope = 'live',
  ): Promise<void> {
    return this.guard(async () => {
      const runs = await this.runsFromArguments(arg, many, scope, true);
      if (runs.length) await fn(runs);
    });
  }

  private async runsFromArguments(
    arg: unknown,
    many: unknown,
    scope: RunScope,
    pickMany: boolean,
  ): Promise<RunItem[]> {
    const fromNodes = (nodes: unknown): RunItem[] =>
      (Array.isArray(nodes) ? nodes : [nodes])
        .filter(
          (n): n is Extract<RunsTreeNode, { kind: 'run' }> =>
            !!n && typeof n === 'object' && (n as RunsTreeNode).kind === 'run',
        )
        .map((n) => n.run);
    const selected = fromNodes(many);
    if (selected.length > 0) return pickMany ? selected : selected.slice(0, 1);
    const fromNode = fromNodes(arg);
    if (fromNode.length > 0) return fromNode;
    const ids =
      typeof arg === 'string'
        ? [arg]
        : Array.isArray(arg) && arg.every((a) => typeof a === 'string')
          ? arg
          : [];
    if (ids.length > 0) return this.runsByIds(ids);
    const inView = fromNodes(this.view.selection);
    if (inView.length > 0) return pickMany ? inView : inView.slice(0, 1);
    return this.pickRuns(scope, pickMany ? 'many' : 'one');
  }

  private async runsByIds(ids: string[]): Promise<RunItem[]> {
    const all = await this.allRuns('any');
    return ids.map((id) => {
      const run = all.find((r) => r.id === id);
      if (!run) throw new Error(`no run with id ${id}`);
      return run;
    });
  }

  private async allRuns(scope: RunScope): Promise<RunItem[]> {
    if (!this.service) throw new Error('the workspace service is not running');
    const service = this.service;
    const live =
      scope === 'deleted'
        ? []
        : (
            await Promise.all((await service.listExperiments()).map((e) => service.listRuns(e.id)))
          ).flat();
    const deleted = scope === 'live' ? [] : await service.listDeletedRuns();
    return [...live, ...deleted];
  }

  private async pickRuns(
    scope: RunScope,
    how: 'one' | 'many',
    title = 'Select a run',
  ): Promise<RunItem[]> {
    const runs = await this.allRuns(scope);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(
        scope === 'deleted'
          ? 'There are no deleted runs.'
          : 'No runs recorded yet: run a notebook that calls lab.withRun.',
      );
      return [];
    }
    const items = runs.map((run) => ({
      label: run.name,
      description: [
        run.experiment,
        run.status,
        run.keyMetric
          ? `${run.keyMetric.key} ${formatMetric(fromWireNumber(run.keyMetric.value))}`
          : '',
      ]
        .filter(Boolean)
        .join(' · '),
      detail: run.id,
      run,
    }));
    if (how === 'many') {
      const picked = await vscode.window.showQuickPick(items, {
        title,
        matchOnDescription: true,
        matchOnDetail: true,
        canPickMany: true,
      });
      return picked?.map((p) => p.run) ?? [];
    }
    const picked = await vscode.window.showQuickPick(items, {
      title,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return picked ? [picked.run] : [];
  }

  /** What the table's toolbar asks for; false when the user cancelled. */
  private async tableAction(action: RunsTableAction, runIds: string[]): Promise<boolean> {
    const runs = await this.runsByIds(runIds);
    switch (action) {
      case 'delete':
        return this.actions.delete(runs);
      case 'pin':
        return this.actions.pin(runs, true);
      case 'unpin':
        return this.actions.pin(runs, false);
      case 'tag':
        return this.actions.tag(runs);
    }
  }

  /**
   * From an experiment node: that experiment; from the view title or the palette: all.
   * Also takes `{ experiment: name, filter }` (links, tests) to open filtered.
   */
  private async openRunsTable(arg: unknown): Promise<void> {
    const request = arg as { experiment?: unknown; filter?: unknown } | undefined;
    const filter = typeof request?.filter === 'string' ? request.filter : undefined;
    let experiment = experimentOf(arg);
    if (!experiment && typeof request?.experiment === 'string' && this.service) {
      experiment = (await this.service.listExperiments()).find(
        (e) => e.name === request.experiment,
      );
      if (!experiment) throw new Error(`no experiment named "${request.experiment}"`);
    }
    this.tables.show(
      experiment
        ? { experimentIds: [experiment.id], title: `Runs: ${experiment.name}`, filter }
        : { experimentIds: 'all', title: 'Runs: all experiments', filter },
    );
  }

  private async compareRuns(arg: unknown, many: unknown): Promise<void> {
    let runs = await this.runsFromArguments(arg, many, 'live', true);
    if (runs.length < 2)
      runs = await this.pickRuns('live', 'many', 'Select two or more runs to compare');
    if (runs.length === 0) return;
    if (runs.length < 2) {
      void vscode.window.showInformationMessage('Select at least two runs to compare.');
      return;
    }
    this.comparisons.show(runs.map((r) => r.id));
  }

  override dispose(): void {
    void this.service?.shutdown();
    super.dispose();
  }
}
