/**
 * The Labbook sidebar's runs: starts the workspace service (the user's node, never the
 * extension host, runs the store), shows the Experiments → Runs tree, run details panels,
 * and the run commands. Views follow the store live through the service's notifications.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ServiceClient } from '../../core/service/client';
import type { RunItem } from '../../core/service/protocol';
import { Command } from '../commands';
import { checkNode, nodeEnvOverrides, NODE_PATH_SETTING } from '../notebook/node';
import { Disposable } from '../util/dispose';
import { RunDetailsPanels } from './runDetailsPanel';
import { RunsTreeProvider, type RunsTreeNode } from './runsTree';

export const RUNS_VIEW_ID = 'labbook.runs';

type RunCommand = Command.OpenRun | Command.CopyRunId | Command.DeleteRun | Command.RevealRunNotebook | Command.RefreshRuns;

/** Resolves the store for a workspace folder the same way notebooks do (setting `labbook.storePath`). */
export type StorePathResolver = (folder: vscode.WorkspaceFolder) => string;

export class RunsFeature extends Disposable {
  private service: ServiceClient | undefined;
  private starting: Promise<void> | undefined;
  readonly tree: RunsTreeProvider;
  readonly panels: RunDetailsPanels;
  private readonly view: vscode.TreeView<RunsTreeNode>;

  constructor(private readonly extensionPath: string, private readonly log: vscode.LogOutputChannel, private readonly storePathFor: StorePathResolver) {
    super();
    this.tree = this.track(new RunsTreeProvider(() => this.service));
    this.panels = this.track(new RunDetailsPanels(extensionPath, () => this.service));
    this.view = this.track(vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true, canSelectMany: true }));
    this.track(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('labbook.storePath') || e.affectsConfiguration(NODE_PATH_SETTING)) void this.restart();
    }));
    void this.start();
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<RunCommand, (...args: unknown[]) => unknown> {
    return {
      [Command.OpenRun]: (arg) => this.withRun(arg, (run) => this.panels.show(run.id)),
      [Command.CopyRunId]: (arg) => this.withRun(arg, async (run) => {
        await vscode.env.clipboard.writeText(run.id);
        vscode.window.setStatusBarMessage(`Copied run ID ${run.id}`, 3000);
      }),
      [Command.DeleteRun]: (arg) => this.withRun(arg, (run) => this.deleteRun(run)),
      [Command.RevealRunNotebook]: (arg) => this.withRun(arg, async (run) => {
        if (!run.sourceNotebook) {
          void vscode.window.showInformationMessage(`Run "${run.name}" was not started from a notebook.`);
          return;
        }
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(run.sourceNotebook));
      }),
      [Command.RefreshRuns]: () => this.tree.refresh(),
    };
  }

  /** A kernel reported a run starting or ending: refresh now rather than at the next poll. */
  onRunEvent(): void {
    this.tree.refreshSoon(50);
    this.panels.refreshAll();
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
      await vscode.window.withProgress({ location: { viewId: RUNS_VIEW_ID }, title: 'Starting Labbook…' }, async () => {
        await checkNode(nodePath);
        this.service = await ServiceClient.start({
          storePath,
          cwd: folder.uri.fsPath,
          nodePath,
          serviceMain: path.join(this.extensionPath, 'dist', 'core', 'service', 'main.js'),
          env: nodeEnvOverrides(),
        });
      });
    } catch (error) {
      const message = `Labbook could not open the run store ${storePath}: ${(error as Error).message}`;
      this.log.error(message);
      this.tree.setProblem((error as Error).message.split('\n')[0]);
      void vscode.window.showErrorMessage(message);
      return;
    }
    const service = this.service!;
    this.log.info(`Workspace service started (pid ${service.info.pid}) for ${storePath}${service.info.storeExists ? '' : ' (no runs recorded yet)'}.`);
    service.on('storeChanged', () => {
      this.tree.refreshSoon();
      this.panels.refreshAll();
    });
    service.on('log', (text) => this.log.info(`[service] ${text.trimEnd()}`));
    service.on('exit', (code, signal) => {
      if (this.disposed || this.service !== service) return;
      this.service = undefined;
      this.log.error(`The workspace service exited (${signal ?? `code ${code}`}).`);
      this.tree.setProblem('The Labbook service stopped; run "Labbook: Refresh Runs" to restart it.');
    });
    this.tree.setProblem(undefined);
  }

  private async restart(): Promise<void> {
    const old = this.service;
    this.service = undefined;
    await old?.shutdown();
    await this.start();
  }

  private async deleteRun(run: RunItem): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `Delete run "${run.name}"?`,
      { modal: true, detail: `Run ${run.id} of experiment "${run.experiment}" will no longer be listed. Its data stays in the store.` },
      'Delete',
    );
    if (choice !== 'Delete') return;
    await this.service?.deleteRun(run.id);
    this.tree.refresh();
  }

  /** Runs a command on the run it was invoked on: a tree node, the selection, or a quick pick. */
  private async withRun(arg: unknown, fn: (run: RunItem) => unknown): Promise<void> {
    try {
      const run = await this.runFromArgument(arg);
      if (run) await fn(run);
    } catch (error) {
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
    }
  }

  private async runFromArgument(arg: unknown): Promise<RunItem | undefined> {
    const node = arg as RunsTreeNode | undefined;
    if (node?.kind === 'run') return node.run;
    const selected = this.view.selection.find((n): n is Extract<RunsTreeNode, { kind: 'run' }> => n.kind === 'run');
    if (selected) return selected.run;
    if (!this.service) throw new Error('the workspace service is not running');
    const experiments = await this.service.listExperiments();
    const runs = (await Promise.all(experiments.map((e) => this.service!.listRuns(e.id)))).flat();
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('No runs recorded yet: run a notebook that calls lab.withRun.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({ label: run.name, description: `${run.experiment} · ${run.status}`, detail: run.id, run })),
      { title: 'Select a run', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.run;
  }

  override dispose(): void {
    void this.service?.shutdown();
    super.dispose();
  }
}
