/**
 * The notebook controller "TypeScript (Labbook)" for Jupyter notebooks: one kernel process
 * per notebook, started on the first execution, shut down when the notebook closes.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunEventParams } from '../../kernel/protocol';
import { CONTROLLER_ID, NOTEBOOK_TYPE } from '../commands';
import { Disposable } from '../util/dispose';
import { CellDebugger } from './debugCell';
import { InstallAction, missingPackagesOfCell } from './installAction';
import { KernelSession, type KernelSessionHost } from './kernelSession';

const TYPESCRIPT_KERNELS = new Set(['tslab', 'jslab', 'labbook', 'typescript', 'javascript']);
const TYPESCRIPT_LANGUAGES = new Set(['typescript', 'javascript', 'ts', 'js']);

/** True when a notebook's metadata names a TypeScript or JavaScript kernel (tslab's, or ours). */
export function isTypeScriptNotebook(notebook: vscode.NotebookDocument): boolean {
  if (notebook.notebookType !== NOTEBOOK_TYPE) return false;
  const meta = notebook.metadata as
    | {
        metadata?: NotebookMetadata;
        custom?: { metadata?: NotebookMetadata };
      }
    | undefined;
  // VS Code's ipynb serializer keeps the notebook's metadata under `metadata` (under
  // `custom.metadata` in releases before 1.83).
  const nb = meta?.metadata ?? meta?.custom?.metadata;
  const kernel = nb?.kernelspec?.name?.toLowerCase();
  const language = (nb?.kernelspec?.language ?? nb?.language_info?.name)?.toLowerCase();
  return (
    (kernel !== undefined && TYPESCRIPT_KERNELS.has(kernel)) ||
    (language !== undefined && TYPESCRIPT_LANGUAGES.has(language))
  );
}

interface NotebookMetadata {
  kernelspec?: { name?: string; language?: string };
  language_info?: { name?: string };
}

/** What a toolbar or palette command gets as its argument, reduced to a notebook. */
export function notebookFromArgument(arg: unknown): vscode.NotebookDocument | undefined {
  const byUri = (uri: vscode.Uri) =>
    vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString());
  if (arg instanceof vscode.Uri) return byUri(arg);
  const a = arg as
    | {
        notebookEditor?: { notebookUri?: vscode.Uri };
        notebookUri?: vscode.Uri;
        notebook?: vscode.NotebookDocument;
        uri?: vscode.Uri;
      }
    | undefined;
  if (a?.notebook?.uri) return a.notebook;
  const uri = a?.notebookEditor?.notebookUri ?? a?.notebookUri ?? a?.uri;
  if (uri instanceof vscode.Uri) return byUri(uri);
  return vscode.window.activeNotebookEditor?.notebook;
}

export class NotebookKernels extends Disposable implements KernelSessionHost {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, KernelSession>();
  private readonly statusItem: vscode.StatusBarItem;
  /** Runs being recorded, newest last, for the status bar. */
  private readonly activeRuns = new Map<
    string,
    { session: KernelSession; event: RunEventParams }
  >();
  private readonly runEvents: vscode.EventEmitter<RunEventParams>;
  /** A kernel started or ended a run (views refresh on it rather than waiting for a poll). */
  readonly onDidRunEvent: vscode.Event<RunEventParams>;
  private readonly variablesChanged = new vscode.EventEmitter<vscode.NotebookDocument>();
  /** A notebook's declarations may have changed: a cell ended, its kernel exited or restarted. */
  readonly onDidChangeVariables = this.variablesChanged.event;

  constructor(
    extensionPath: string,
    readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.kernelMain = path.join(extensionPath, 'dist', 'kernel', 'main.js');
    const controller = this.track(
      vscode.notebooks.createNotebookController(
        CONTROLLER_ID,
        NOTEBOOK_TYPE,
        'TypeScript (Labbook)',
      ),
    );
    controller.supportedLanguages = ['typescript', 'javascript'];
    controller.supportsExecutionOrder = true;
    controller.description = 'Labbook';
    controller.detail =
      'Runs TypeScript cells with tslab in a Node.js process; records runs in the Labbook store';
    controller.executeHandler = (cells, notebook) => this.sessionFor(notebook).execute(cells);
    controller.interruptHandler = (notebook) =>
      this.sessions.get(notebook.uri.toString())?.interrupt();
    this.controller = controller;

    this.track(
      controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (!selected) void this.shutdown(notebook);
      }),
    );
    this.track(vscode.workspace.onDidOpenNotebookDocument((nb) => this.updateAffinity(nb)));
    this.track(vscode.workspace.onDidCloseNotebookDocument((nb) => void this.shutdown(nb)));
    for (const nb of vscode.workspace.notebookDocuments) this.updateAffinity(nb);

    this.track(this.variablesChanged);
    this.runEvents = this.track(new vscode.EventEmitter<RunEventParams>());
    this.onDidRunEvent = this.runEvents.event;
    this.statusItem = this.track(
      vscode.window.createStatusBarItem('labbook.activeRun', vscode.StatusBarAlignment.Left, 50),
    );
    this.statusItem.name = 'Labbook Run';
    this.track(new InstallAction());
    this.cellDebugger = this.track(new CellDebugger(log, path.dirname(this.kernelMain)));
  }

  private readonly cellDebugger: CellDebugger;

  /**
   * Debug Cell: runs the cell with VS Code's JavaScript debugger attached to its kernel.
   * Arguments: a cell (cell menus), or the notebook's uri and the cell's index.
   */
  async debugCell(arg: unknown, index?: unknown): Promise<void> {
    const cell = cellFromArguments(arg, index);
    if (!cell || cell.kind !== vscode.NotebookCellKind.Code) {
      void vscode.window.showInformationMessage('Select the code cell to debug.');
      return;
    }
    try {
      await this.cellDebugger.debugCell(this.sessionFor(cell.notebook), cell);
    } catch {
      // Reported by the debugger.
    }
  }

  readonly kernelMain: string;

  /** The notebook's session when its kernel runs (for completions); never starts one. */
  runningSession(notebook: vscode.NotebookDocument): KernelSession | undefined {
    const session = this.sessions.get(notebook.uri.toString());
    return session?.running ? session : undefined;
  }

  /** The kernel's process id, for tests and the log. */
  kernelPid(notebook: vscode.NotebookDocument): number | undefined {
    return this.sessions.get(notebook.uri.toString())?.pid;
  }

  /** The kernel's own time of a cell's last run (see KernelSession.kernelTime), for tests. */
  kernelTime(cell: vscode.NotebookCell): number | undefined {
    return this.sessions.get(cell.notebook.uri.toString())?.kernelTime(cell);
  }

  async restart(notebook: vscode.NotebookDocument | undefined): Promise<void> {
    if (!notebook) {
      void vscode.window.showInformationMessage(
        'Open a notebook to restart its TypeScript kernel.',
      );
      return;
    }
    try {
      await this.sessionFor(notebook).restart();
    } catch {
      // Reported by the session.
    }
  }

  interrupt(notebook: vscode.NotebookDocument | undefined): void {
    const session = notebook && this.sessions.get(notebook.uri.toString());
    if (!session?.busy) {
      void vscode.window.showInformationMessage(
        'No cell of this notebook is running in the Labbook kernel.',
      );
      return;
    }
    session.interrupt();
  }

  /**
   * The cell's Install action (and the command): `packages` default to what the cell's
   * error names. Arguments: the notebook's uri and the cell's index, or a cell.
   */
  async installPackages(arg: unknown, index?: unknown, packages?: unknown): Promise<boolean> {
    const cell = cellFromArguments(arg, index);
    if (!cell) {
      void vscode.window.showInformationMessage(
        'Select the cell whose import failed to install its packages.',
      );
      return false;
    }
    const names =
      Array.isArray(packages) && packages.every((p) => typeof p === 'string')
        ? packages
        : missingPackagesOfCell(cell);
    if (names.length === 0) {
      void vscode.window.showInformationMessage(
        `Cell ${cell.index + 1} names no missing package (its error says "Cannot find module" when it does).`,
      );
      return false;
    }
    return this.sessionFor(cell.notebook).installPackages(cell, names);
  }

  /** Stops every kernel (deactivation). */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.shutdown().catch(() => undefined)));
  }

  override dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    super.dispose();
  }

  // ---- KernelSessionHost ----

  onRunEvent(session: KernelSession, event: RunEventParams): void {
    if (event.kind === 'started') this.activeRuns.set(event.runId, { session, event });
    else this.activeRuns.delete(event.runId);
    this.log.info(
      `Run ${event.runId} (${event.experiment}/${event.name}) ${event.kind === 'started' ? 'started' : `ended: ${event.status}`} in ${session.label}`,
    );
    this.updateStatus();
    this.runEvents.fire(event);
  }

  onCellEnded(session: KernelSession): void {
    this.variablesChanged.fire(session.notebook);
  }

  onKernelExit(session: KernelSession): void {
    this.variablesChanged.fire(session.notebook);
    for (const [id, run] of this.activeRuns)
      if (run.session === session) this.activeRuns.delete(id);
    this.updateStatus();
  }

  // ---- internals ----

  private updateStatus(): void {
    const runs = [...this.activeRuns.values()];
    const latest = runs[runs.length - 1];
    if (!latest) {
      this.statusItem.hide();
      return;
    }
    const { event, session } = latest;
    this.statusItem.text = `$(beaker) ${event.experiment}/${event.name}`;
    const others = runs.length > 1 ? `\n\n${runs.length - 1} more run(s) active.` : '';
    this.statusItem.tooltip = new vscode.MarkdownString(
      `Labbook is recording run \`${event.runId}\` of experiment **${event.experiment}** from ${session.label}.${others}`,
    );
    this.statusItem.show();
  }

  private sessionFor(notebook: vscode.NotebookDocument): KernelSession {
    const key = notebook.uri.toString();
    let session = this.sessions.get(key);
    if (!session || session.disposed) {
      session = new KernelSession(notebook, this);
      this.sessions.set(key, session);
    }
    return session;
  }

  private async shutdown(notebook: vscode.NotebookDocument): Promise<void> {
    const key = notebook.uri.toString();
    const session = this.sessions.get(key);
    if (!session) return;
    this.sessions.delete(key);
    try {
      await session.shutdown();
    } finally {
      session.dispose();
    }
  }

  private updateAffinity(notebook: vscode.NotebookDocument): void {
    if (isTypeScriptNotebook(notebook)) {
      this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
    }
  }
}

/** A cell from (notebook uri, cell index), or a cell passed by a cell menu. */
function cellFromArguments(arg: unknown, index: unknown): vscode.NotebookCell | undefined {
  if (arg instanceof vscode.Uri && typeof index === 'number') {
    const notebook = vscode.workspace.notebookDocuments.find(
      (nb) => nb.uri.toString() === arg.toString(),
    );
    return notebook && index >= 0 && index < notebook.cellCount
      ? notebook.cellAt(index)
      : undefined;
  }
  const cell = arg as vscode.NotebookCell | undefined;
  if (cell && typeof cell === 'object' && 'notebook' in cell && 'index' in cell) return cell;
  const editor = vscode.window.activeNotebookEditor;
  const selected = editor?.selections[0];
  return editor && selected && selected.start < editor.notebook.cellCount
    ? editor.notebook.cellAt(selected.start)
    : undefined;
}
