/**
 * "Debug Cell": runs one cell with VS Code's JavaScript debugger (js-debug) attached to the
 * notebook's kernel. The kernel opens the Node inspector only for this (OpenInspector);
 * each cell run while attached gets a source map to a real file holding the cell's text
 * (ExecuteParams.sourcePath), and a debug adapter tracker maps that file to the cell and
 * back (debugSources.ts), so breakpoints set in the cell's editor bind and stops show in
 * the cell. When the cell has run the debugger detaches; the kernel keeps its state.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../util/dispose';
import { toDebugger, toEditor, type CellFiles, type DapMessage } from './debugSources';
import type { KernelSession } from './kernelSession';

/** Marks our attach configuration; js-debug's child sessions are found through their parent. */
const ATTACH_KEY = '__labbookDebugCell';
const ATTACH_TIMEOUT_MS = 30_000;
/** How long js-debug may take to end its sessions once the kernel's inspector has closed. */
const DETACH_TIMEOUT_MS = 10_000;
/** Time for VS Code to move its focus to the root once the target sessions have ended. */
const FOCUS_SETTLE_MS = 300;

export class CellDebugger extends Disposable implements CellFiles {
  private readonly dir = path.join(os.tmpdir(), `labbook-debug-${process.pid}`);
  private readonly cells = new Map<string, { uri: vscode.Uri; file: string }>();
  private readonly byFile = new Map<string, vscode.Uri>();
  /** Attach keys waiting for their debugger to be ready (breakpoints sent to the kernel). */
  private readonly waiting = new Map<string, () => void>();
  /** Root debug session of each attach key. */
  private readonly roots = new Map<string, vscode.DebugSession>();
  /** Our debug sessions (roots and js-debug's target sessions) that have started and not ended. */
  private readonly live = new Map<string, vscode.DebugSession>();
  private seq = 0;

  /** `kernelDir`: the kernel's own code, which stepping skips (the notebook's code is what matters). */
  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly kernelDir: string,
  ) {
    super();
    this.track(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => this.trackerFor(session),
      }),
    );
    this.track(
      vscode.debug.onDidStartDebugSession((session) => {
        const key = attachKey(session);
        if (!key) return;
        this.live.set(session.id, session);
        if (!session.parentSession) this.roots.set(key, session);
      }),
    );
    this.track(
      vscode.debug.onDidTerminateDebugSession((session) => {
        this.live.delete(session.id);
      }),
    );
    this.track(toDisposable(() => fs.rmSync(this.dir, { recursive: true, force: true })));
  }

  /** Runs `cell` under the debugger; resolves when the cell has ended and the debugger detached. */
  async debugCell(session: KernelSession, cell: vscode.NotebookCell): Promise<void> {
    if (session.sourcePathFor) {
      // Already attached (another cell being debugged): this one runs in the same session.
      await session.execute([cell]);
      return;
    }
    const client = await session.kernel();
    const { port } = await client.openInspector();
    const key = `${process.pid}-${++this.seq}`;
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ATTACH_TIMEOUT_MS);
      this.waiting.set(key, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    const folder =
      vscode.workspace.getWorkspaceFolder(cell.notebook.uri) ??
      vscode.workspace.workspaceFolders?.[0];
    const name = `${session.label}, cell ${cell.index + 1}`;
    this.log.info(`Debug Cell: attaching to the kernel of ${session.label} on 127.0.0.1:${port}.`);
    try {
      const started = await vscode.debug.startDebugging(
        folder,
        {
          type: 'pwa-node',
          request: 'attach',
          name: `Debug ${name}`,
          address: '127.0.0.1',
          port,
          [ATTACH_KEY]: key,
          // Wait for each cell's source map before it runs, so breakpoints bind first.
          pauseForSourceMap: true,
          // Cell scripts live nowhere on disk but in their maps: read every map, predict none.
          resolveSourceMapLocations: null,
          outFiles: [],
          skipFiles: ['<node_internals>/**', ...this.kernelDirs().map((d) => `${d}/**`)],
          attachExistingChildren: false,
          autoAttachChildProcesses: false,
          continueOnAttach: true,
          // When the kernel closes its inspector, js-debug ends the target sessions but keeps
          // this root (it would try to reconnect); detach() then stops the root on its own.
          restart: { delay: 1000, maxAttempts: 3 },
        },
        { suppressSaveBeforeStart: true },
      );
      if (!started) throw new Error('VS Code did not start the JavaScript debugger.');
      if (!(await ready))
        this.log.warn(
          `Debug Cell: the debugger did not report it was attached within ${ATTACH_TIMEOUT_MS / 1000} s; running ${name} anyway.`,
        );
      session.sourcePathFor = (c) => this.fileFor(c);
      try {
        await session.execute([cell]);
      } finally {
        session.sourcePathFor = undefined;
      }
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Labbook could not debug ${name}: ${(error as Error).message}`,
      );
      throw error;
    } finally {
      this.waiting.delete(key);
      await this.detach(key, name, () => client.closeInspector());
      this.log.info(`Debug Cell: detached from the kernel of ${session.label}.`);
    }
  }

  /**
   * Ends the debug sessions of `key`: first the kernel closes its inspector, so js-debug sees
   * its targets go and ends their sessions; then, once those have ended and VS Code has moved
   * its focus to the root, the root is stopped on its own. Stopping the root while its
   * children still run ends them all in one burst, and VS Code's extension host can then
   * apply "focus the root" after "focus nothing" (it awaits a lookup for the one and not the
   * other), which leaves `vscode.debug.activeDebugSession` naming the ended root for good.
   */
  private async detach(
    key: string,
    name: string,
    closeInspector: () => Promise<void>,
  ): Promise<void> {
    const live = () => [...this.live.values()].filter((s) => attachKey(s) === key);
    const targets = () => live().filter((s) => s.parentSession);
    await closeInspector().catch((error: unknown) =>
      this.log.warn(
        `Debug Cell: the kernel did not close its inspector: ${(error as Error).message}`,
      ),
    );
    if (!(await this.until(() => targets().length === 0, DETACH_TIMEOUT_MS)))
      this.log.warn(
        `Debug Cell: js-debug did not end the target sessions of ${name}; stopping them.`,
      );
    const root = this.roots.get(key);
    this.roots.delete(key);
    if (root && this.live.has(root.id)) {
      // Let VS Code's focus settle on the root before the root ends (see above).
      await sleep(FOCUS_SETTLE_MS);
      await vscode.debug.stopDebugging(root);
    } else if (!root) this.log.warn(`Debug Cell: no debug session of ${name} to stop.`);
    if (!(await this.until(() => live().length === 0, DETACH_TIMEOUT_MS)))
      this.log.warn(`Debug Cell: the debug sessions of ${name} did not end.`);
  }

  /** Resolves true once `done()` holds (checked as sessions end), false after `ms`. */
  private until(done: () => boolean, ms: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        listener.dispose();
        resolve(ok);
      };
      const timer = setTimeout(() => finish(done()), ms);
      const listener = vscode.debug.onDidTerminateDebugSession(() => {
        if (done()) finish(true);
      });
    });
  }

  /** The kernel's folder as installed and as the kernel sees it (an extension folder may be a link). */
  private kernelDirs(): string[] {
    let real = this.kernelDir;
    try {
      real = fs.realpathSync(this.kernelDir);
    } catch {
      // Not there (yet): the path as given still names it.
    }
    return [...new Set([this.kernelDir, real])];
  }

  // ---- CellFiles ----

  fileOf(uri: string): string | undefined {
    const known = this.cells.get(uri);
    if (known) return known.file;
    let parsed: vscode.Uri;
    try {
      parsed = vscode.Uri.parse(uri, true);
    } catch {
      return undefined;
    }
    if (parsed.scheme !== 'vscode-notebook-cell') return undefined;
    const cell = vscode.workspace.notebookDocuments
      .flatMap((nb) => nb.getCells())
      .find((c) => c.document.uri.toString() === parsed.toString());
    return cell ? this.fileFor(cell) : undefined;
  }

  cellOf(file: string): { uri: string; name: string } | undefined {
    const uri = this.byFile.get(file);
    if (!uri) return undefined;
    const cell = vscode.workspace.notebookDocuments
      .flatMap((nb) => nb.getCells())
      .find((c) => c.document.uri.toString() === uri.toString());
    const notebook = path.basename(uri.path);
    return { uri: uri.toString(), name: cell ? `${notebook}, cell ${cell.index + 1}` : notebook };
  }

  /** The cell's file, (re)written with the text the cell has now: what the kernel compiles. */
  fileFor(cell: vscode.NotebookCell): string {
    const uri = cell.document.uri;
    const id = createHash('sha1').update(uri.toString()).digest('hex').slice(0, 12);
    const base = path.basename(cell.notebook.uri.path).replace(/\.ipynb$/i, '') || 'notebook';
    const file = path.join(this.dir, `${base}-${id}.ts`);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(file, cell.document.getText());
    this.cells.set(uri.toString(), { uri, file });
    this.byFile.set(file, uri);
    return file;
  }

  // ---- the tracker ----

  private trackerFor(session: vscode.DebugSession): vscode.DebugAdapterTracker | undefined {
    const key = attachKey(session);
    if (!key) return undefined;
    if (!session.parentSession && !this.roots.has(key)) this.roots.set(key, session);
    // js-debug attaches through a child session; it is the one that talks to the kernel.
    const target = !!session.parentSession;
    return {
      onWillReceiveMessage: (message: DapMessage) => toDebugger(message, this),
      onDidSendMessage: (message: DapMessage) => {
        toEditor(message, this);
        if (
          target &&
          message.type === 'response' &&
          message.command === 'configurationDone' &&
          message.success
        )
          this.waiting.get(key)?.();
      },
      onError: (error) => this.log.warn(`Debug Cell: ${error.message}`),
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The attach key of our session or of a child of it, else undefined. */
function attachKey(session: vscode.DebugSession): string | undefined {
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) {
    const key = (s.configuration as Record<string, unknown>)[ATTACH_KEY];
    if (typeof key === 'string') return key;
  }
  return undefined;
}
