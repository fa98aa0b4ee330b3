/**
 * Entry point of the Labbook extension. Everything the extension registers hangs off one
 * object, `Labbook`, the single entry in `context.subscriptions`. The extension host loads
 * no native module: kernels are child processes run by the user's `node`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabbookApi } from './api';
import { Command } from './commands';
import { NotebookKernels, notebookFromArgument } from './notebook/controller';
import { VariablesView } from './notebook/variablesView';
import { NotebookLanguageFeatures } from './notebook/languageFeatures';
import { newNotebook } from './notebook/newNotebook';
import { Disposable } from './util/dispose';
import { RunsFeature } from './runs/runsFeature';
import { ModelsFeature } from './models/modelsFeature';
import { QualityFeature } from './quality/qualityFeature';
import { DriftFeature } from './drift/driftFeature';
import { DeploymentsFeature } from './deployments/deploymentsFeature';
import { storePathFor } from './notebook/kernelSession';
import { TerminalCommand } from './terminal/terminalCommand';
import { setNativeRoot } from './notebook/node';
import { storeSetting } from './util/storeSetting';

export type { LabbookApi };

class Labbook extends Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly kernels: NotebookKernels;
  readonly variables: VariablesView;
  readonly language: NotebookLanguageFeatures;
  readonly runs: RunsFeature;
  readonly models: ModelsFeature;
  readonly quality: QualityFeature;
  readonly drift: DriftFeature;
  readonly deployments: DeploymentsFeature;
  readonly terminal: TerminalCommand;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.log = this.track(vscode.window.createOutputChannel('Labbook', { log: true }));
    this.kernels = this.track(new NotebookKernels(context.extensionPath, this.log));
    this.variables = this.track(new VariablesView(context.extensionPath, this.kernels));
    this.language = this.track(
      new NotebookLanguageFeatures(context.extensionPath, this.kernels, this.log),
    );
    const folderStore = (folder: vscode.WorkspaceFolder): string =>
      storePathFor(
        folder.uri.fsPath,
        storeSetting(vscode.workspace.getConfiguration('labbook', folder.uri)),
        () => folder.uri.fsPath,
      )!;
    const nativeRoot = path.join(context.globalStorageUri.fsPath, 'native');
    setNativeRoot(nativeRoot);
    this.runs = this.track(
      new RunsFeature(context.extensionPath, this.log, folderStore, nativeRoot),
    );
    this.terminal = this.track(new TerminalCommand(context, folderStore, this.log));
    this.models = this.track(
      new ModelsFeature(context.extensionPath, () => this.runs.serviceClient, this.log),
    );
    this.track(this.runs.onDidChangeStore(() => this.models.onStoreChanged()));
    this.quality = this.track(
      new QualityFeature(context.extensionPath, () => this.runs.serviceClient, this.log),
    );
    this.track(this.runs.onDidChangeStore(() => this.quality.onStoreChanged()));
    this.drift = this.track(
      new DriftFeature(context.extensionPath, () => this.runs.serviceClient, this.log),
    );
    this.deployments = this.track(
      new DeploymentsFeature(
        context.extensionPath,
        () => this.runs.serviceClient,
        context.secrets,
        this.log,
      ),
    );
    this.track(this.runs.onDidChangeStore(() => this.deployments.onStoreChanged()));
    this.track(this.kernels.onDidRunEvent(() => this.runs.onRunEvent()));
    this.registerCommands();
  }

  private registerCommands(): void {
    // A handler for every Command: the compiler fails when one is missing.
    const handlers: Record<Command, (...args: unknown[]) => unknown> = {
      [Command.NewNotebook]: () => newNotebook(),
      [Command.RestartKernel]: (arg) => this.kernels.restart(notebookFromArgument(arg)),
      [Command.InterruptKernel]: (arg) => this.kernels.interrupt(notebookFromArgument(arg)),
      [Command.InstallPackages]: (arg, index, packages) =>
        this.kernels.installPackages(arg, index, packages),
      [Command.ShowVariableInPanel]: (arg, name) => void this.variables.showInPanel(arg, name),
      [Command.RefreshVariables]: () => this.variables.refresh(),
      [Command.DebugCell]: (arg, index) => this.kernels.debugCell(arg, index),
      ...this.runs.commands(),
      ...this.models.commands(),
      ...this.quality.commands(),
      ...this.drift.commands(),
      ...this.deployments.commands(),
    };
    for (const [id, handler] of Object.entries(handlers)) {
      this.track(vscode.commands.registerCommand(id, handler));
    }
  }
}

let labbook: Labbook | undefined;

export function activate(context: vscode.ExtensionContext): LabbookApi {
  const started = performance.now();
  labbook = new Labbook(context);
  context.subscriptions.push(labbook);
  const activationMs = performance.now() - started;
  labbook.log.info(
    `Labbook ${context.extension.packageJSON.version as string} activated in ${activationMs.toFixed(1)} ms ` +
      `(VS Code ${vscode.version}, extension host Node ${process.versions.node}).`,
  );
  startIntegrationSuites(context.extensionPath, labbook.log);
  const kernels = labbook.kernels;
  const runs = labbook.runs;
  const models = labbook.models;
  const quality = labbook.quality;
  const drift = labbook.drift;
  const deployments = labbook.deployments;
  const terminal = labbook.terminal;
  const variables = labbook.variables;
  return {
    activationMs,
    terminal: { describe: () => terminal.describe() },
    kernelPid: (notebook) => kernels.kernelPid(notebook),
    kernelTime: (cell) => kernels.kernelTime(cell),
    variables: {
      refresh: () => variables.refresh(),
      shown: () => {
        const { message, nodes } = variables.shown;
        return { message, variables: nodes.map((n) => n.variable) };
      },
      showInPanel: (notebook, name) => !!variables.showInPanel(notebook.uri, name),
      openTables: () => variables.tables.open.map((t) => t.name),
    },
    runs: {
      ready: () => runs.ready(),
      getChildren: (node) => runs.tree.getChildren(node),
      getTreeItem: (node) => runs.tree.getTreeItem(node),
      openRunIds: () => runs.panels.openRunIds,
      service: () => runs.serviceClient,
      openTableTitles: () => runs.tables.openScopes.map((s) => s.title),
    },
    models: {
      getChildren: (node) => models.tree.getChildren(node),
      getTreeItem: (node) => models.tree.getTreeItem(node),
    },
    datasets: {
      getChildren: (node) => quality.datasets.getChildren(node),
      getTreeItem: (node) => quality.datasets.getTreeItem(node),
      openQualityPanels: () =>
        quality.panels.all.map((p) => ({ title: p.title, profile: p.shown })),
    },
    drift: {
      openTitles: () => drift.panels.openTitles,
      showColumn: (title, column) => drift.panels.find(title)?.showColumn(column) ?? false,
    },
    deployments: {
      getChildren: (node) => deployments.tree.getChildren(node),
      getTreeItem: (node) => deployments.tree.getTreeItem(node),
      openMonitors: () =>
        deployments.monitors.all.map((p) => ({
          name: p.name,
          title: p.title,
          snapshot: p.last,
          warnings: p.warnings,
        })),
      storedToken: (name) => deployments.actions.storedToken(name),
    },
  };
}

/** Stops kernels before VS Code disposes `context.subscriptions` (kernels flush their runs on exit). */
export async function deactivate(): Promise<void> {
  const current = labbook;
  labbook = undefined;
  if (!current) return;
  try {
    await current.kernels.shutdownAll();
  } finally {
    current.dispose();
  }
}

/**
 * When the integration launcher set LABBOOK_TEST_SUITES, run the mocha suites in this
 * extension host. Loaded at run time from the build (never bundled); does nothing otherwise.
 */
function startIntegrationSuites(extensionPath: string, log: vscode.LogOutputChannel): void {
  const suitesDir = process.env.LABBOOK_TEST_SUITES;
  if (!suitesDir) return;
  const reportFile =
    process.env.LABBOOK_TEST_REPORT || path.join(os.tmpdir(), 'labbook-integration-report.json');
  // An installed .vsix ships no runner (nor mocha): the launcher then names the checkout's.
  const runnerPath =
    process.env.LABBOOK_TEST_RUNNER ||
    path.join(extensionPath, 'dist', 'test', 'integration', 'runner', 'index.js');
  log.info(
    `LABBOOK_TEST_SUITES is set: running the suites in ${suitesDir} (report ${reportFile}).`,
  );
  // After activation returns: a suite that waits for this extension to activate must not wait for itself.
  setTimeout(() => {
    try {
      // A computed path, so the bundler leaves this require alone.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runner and mocha load only under the launcher, never bundled
      const runner = require(runnerPath) as {
        runSuites(dir: string, report: string): Promise<void>;
      };
      runner.runSuites(suitesDir, reportFile).then(
        () => log.info('Integration suites finished.'),
        (error: unknown) =>
          log.error(`Integration suites failed to run: ${(error as Error).stack ?? error}`),
      );
    } catch (error) {
      log.error(
        `Cannot load the integration runner ${runnerPath}: ${(error as Error).stack ?? error}`,
      );
    }
  }, 0);
}
