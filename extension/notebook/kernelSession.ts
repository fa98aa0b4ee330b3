/**
 * One notebook's kernel: the process (started lazily on the first execution), the queue of
 * cells waiting to run, and the routing of the kernel's outputs into the cells' executions.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KernelClient, type KernelExit } from '../../kernel/client';
import { OUTPUT_LIMIT_CHARS, OutputBudget, bundleChars } from '../../core/common/output-limit';
import { displayedStore, workspaceStorePath } from '../../core/store/location';
import type {
  CellOutput,
  ExecuteStatus,
  OutputParams,
  RunEventParams,
  VariableInfo,
  VariableRowsParams,
  VariableRowsResult,
} from '../../kernel/protocol';
import { Disposable, toDisposable } from '../util/dispose';
import {
  checkNode,
  NodeSetupError,
  NODE_PATH_SETTING,
  nodeEnvOverrides,
  userEnv,
  artifactRootEnv,
} from './node';
import { describeKernelExit } from './kernelExit';
import { coalesceStreams, isLateDisplayUpdate, routeOutput } from './mime';
import {
  bundleItems,
  displayOutput,
  errorOutput,
  resultOutput,
  streamItem,
  streamOutput,
} from './outputs';
import { storeSetting } from '../util/storeSetting';

export interface KernelSessionHost {
  readonly controller: vscode.NotebookController;
  readonly log: vscode.LogOutputChannel;
  /** `<extension>/dist/kernel/main.js`. */
  readonly kernelMain: string;
  onRunEvent(session: KernelSession, event: RunEventParams): void;
  onKernelExit(session: KernelSession): void;
  /** A cell (or an install) finished: what the notebook declared may have changed. */
  onCellEnded?(session: KernelSession): void;
}

/** A cell waiting in the queue or running. */
interface Queued {
  readonly cell: vscode.NotebookCell;
  readonly execution: vscode.NotebookCellExecution;
  cancelled: boolean;
  started: boolean;
  /** Completes when the cell has ended; true when it succeeded. */
  readonly done: Promise<boolean>;
  finish(ok: boolean): void;
}

/** An output shown in a cell, with what later outputs need to find it. */
interface Shown {
  readonly output: vscode.NotebookCellOutput;
  readonly stream?: 'stdout' | 'stderr';
}

/** A cell that the kernel is running: outputs are applied in arrival order, one at a time. */
interface CellRun {
  readonly cellId: string;
  /** Order of the runs: a later run of the same cell supersedes this one. */
  readonly seq: number;
  readonly cell: vscode.NotebookCell;
  readonly execution: vscode.NotebookCellExecution;
  readonly shown: Shown[];
  readonly pending: CellOutput[];
  draining: boolean;
  drained: Promise<void>;
  ended: boolean;
  /** An error its timers or unawaited promises threw reached the editor before the run ended. */
  threwLate: boolean;
  /** The editor's own guard against a flood of output (the kernel caps first). */
  readonly budget: OutputBudget;
}

/**
 * The editor keeps a little more than the kernel sends, so the kernel's own truncation
 * note always gets through; this guard catches what the kernel did not cap.
 */
const EDITOR_OUTPUT_LIMIT = OUTPUT_LIMIT_CHARS + 64 * 1024;

const COMPLETION_TIMEOUT_MS = 2000;

export class KernelSession extends Disposable {
  private client: KernelClient | undefined;
  private starting: Promise<KernelClient> | undefined;
  /** Clients being shut down on purpose; their exit is not reported as a crash. */
  private readonly stopping = new WeakSet<KernelClient>();
  private executionOrder = 0;
  private seq = 0;
  private readonly queue: Queued[] = [];
  private pumping = false;
  /** The cell waiting for its kernel to start (out of the queue, not yet running). */
  private waiting: Queued | undefined;
  private current: CellRun | undefined;
  private readonly runs = new Map<string, CellRun>();
  /** Display ids to the outputs showing them, so an update can replace them, in any cell. */
  private readonly displays = new Map<
    string,
    { cell: vscode.NotebookCell; output: vscode.NotebookCellOutput }[]
  >();
  private interruptTimer: NodeJS.Timeout | undefined;
  /** Updates of displays whose cells are not running, latest per display id, applied one at a time. */
  private readonly lateUpdates = new Map<string, vscode.NotebookCellOutputItem[]>();
  private lateUpdating = false;
  /** Set when the last kernel died on its own: the next start says it is a new one. */
  private lastExit: string | undefined;
  /**
   * Set by Debug Cell while a debugger is attached: the file each cell's source map
   * should name, so breakpoints set in the cell bind (see debugCell.ts).
   */
  sourcePathFor: ((cell: vscode.NotebookCell) => string | undefined) | undefined;

  constructor(
    readonly notebook: vscode.NotebookDocument,
    private readonly host: KernelSessionHost,
  ) {
    super();
    this.track(toDisposable(() => clearTimeout(this.interruptTimer)));
  }

  get running(): boolean {
    return !!this.client?.running;
  }

  /** A run of a cell (or of an install shown under it), numbered after every earlier one. */
  private newRun(
    kind: 'cell' | 'install',
    cell: vscode.NotebookCell,
    execution: vscode.NotebookCellExecution,
  ): CellRun {
    const seq = ++this.seq;
    return {
      cellId: `${kind}-${seq}`,
      seq,
      cell,
      execution,
      shown: [],
      pending: [],
      draining: false,
      drained: Promise.resolve(),
      ended: false,
      threwLate: false,
      budget: new OutputBudget(EDITOR_OUTPUT_LIMIT),
    };
  }

  /** Each cell's last run as the kernel timed it (its ExecuteResult.durationMs), by cell URI. */
  private readonly kernelTimes = new Map<string, number>();

  /** Milliseconds the kernel says the cell's last run took, from its receiving the cell to its answer. */
  kernelTime(cell: vscode.NotebookCell): number | undefined {
    return this.kernelTimes.get(cell.document.uri.toString());
  }

  get pid(): number | undefined {
    return this.client?.running ? this.client.pid : undefined;
  }

  get busy(): boolean {
    return this.current !== undefined || this.waiting !== undefined || this.queue.length > 0;
  }

  /** Queues cells (the controller's execute handler); resolves when they have all ended. */
  execute(cells: readonly vscode.NotebookCell[]): Promise<void> {
    const added: Queued[] = [];
    for (const cell of cells) {
      if (cell.kind !== vscode.NotebookCellKind.Code) continue;
      let execution: vscode.NotebookCellExecution;
      try {
        execution = this.host.controller.createNotebookCellExecution(cell);
      } catch (error) {
        // Already queued or running: VS Code keeps one execution per cell.
        this.host.log.warn(
          `Cell ${cell.index + 1} is already running or queued: ${(error as Error).message}`,
        );
        continue;
      }
      let finish!: (ok: boolean) => void;
      const done = new Promise<boolean>((resolve) => {
        finish = resolve;
      });
      const item: Queued = { cell, execution, cancelled: false, started: false, done, finish };
      execution.token.onCancellationRequested(() => this.cancel(item));
      this.queue.push(item);
      added.push(item);
    }
    void this.pump();
    return Promise.all(added.map((q) => q.done)).then(() => undefined);
  }

  /**
   * The cell's "Install" action: npm runs in the notebook's folder through the kernel, its
   * output streaming into the cell; when it succeeds the cell runs again and, the package
   * now installed, imports it. Resolves true when the install succeeded.
   */
  async installPackages(cell: vscode.NotebookCell, packages: string[]): Promise<boolean> {
    const client = await this.ensureClient();
    let execution: vscode.NotebookCellExecution;
    try {
      execution = this.host.controller.createNotebookCellExecution(cell);
    } catch {
      void vscode.window.showInformationMessage(
        `Cell ${cell.index + 1} is running; install ${packages.join(', ')} when it has finished.`,
      );
      return false;
    }
    const run = this.newRun('install', cell, execution);
    this.runs.set(run.cellId, run);
    execution.start(Date.now());
    await execution.clearOutput();
    let result: { ok: boolean; message?: string };
    try {
      result = await client.install({ cellId: run.cellId, packages });
    } catch (error) {
      result = { ok: false, message: (error as Error).message };
    }
    await new Promise((resolve) => setImmediate(resolve));
    while (run.draining) await run.drained;
    if (!result.ok)
      await execution.appendOutput(
        errorOutput('InstallError', result.message ?? 'npm install failed', [], packages),
      );
    run.ended = true;
    execution.end(result.ok, Date.now());
    if (result.ok) await this.execute([cell]);
    return result.ok;
  }

  /** Stops the running cell and drops the queued ones (the toolbar's interrupt). */
  interrupt(): void {
    this.cancelQueued();
    const client = this.client;
    if (!client?.running || !this.current) return;
    this.host.log.info(`Interrupting the kernel of ${this.label} (pid ${client.pid}).`);
    client.interrupt();
    // A cell stuck in native code ignores SIGINT; offer a restart instead of waiting forever.
    clearTimeout(this.interruptTimer);
    const stuck = this.current;
    this.interruptTimer = setTimeout(() => {
      if (this.current !== stuck || this.disposed) return;
      void vscode.window
        .showWarningMessage(
          `The TypeScript kernel of ${this.label} did not stop after an interrupt. Restart it? Its variables will be lost.`,
          'Restart Kernel',
        )
        .then((choice) => {
          if (choice) void this.restart();
        });
    }, 5000);
  }

  /** The running kernel, started if needed (Debug Cell opens its inspector through it). */
  kernel(): Promise<KernelClient> {
    return this.ensureClient();
  }

  /** Shuts the kernel down and starts a new one; queued cells are dropped. */
  async restart(): Promise<void> {
    this.cancelQueued();
    await this.stopClient();
    this.executionOrder = 0;
    await this.ensureClient('Restarting TypeScript kernel…');
  }

  /** Shuts the kernel down (notebook closed, another kernel selected, deactivation). */
  async shutdown(): Promise<void> {
    this.cancelQueued();
    await this.stopClient();
  }

  override dispose(): void {
    if (this.disposed) return;
    this.cancelQueued();
    void this.stopClient();
    super.dispose();
  }

  /** Completions from the running kernel; never starts one. */
  async complete(code: string, offset: number, token: vscode.CancellationToken) {
    const client = this.client;
    if (!client?.running) return undefined;
    return withTimeout(client.complete(code, offset), COMPLETION_TIMEOUT_MS, token);
  }

  async hover(code: string, offset: number, token: vscode.CancellationToken) {
    const client = this.client;
    if (!client?.running) return undefined;
    return withTimeout(client.hover(code, offset), COMPLETION_TIMEOUT_MS, token);
  }

  /** The notebook's top-level names (the Variables view); undefined when no kernel runs. */
  async variables(): Promise<VariableInfo[] | undefined> {
    const client = this.client;
    if (!client?.running) return undefined;
    return (await client.variables()).variables;
  }

  /** A page of a variable's rows (its table panel); undefined when no kernel runs. */
  async variableRows(params: VariableRowsParams): Promise<VariableRowsResult | undefined> {
    const client = this.client;
    if (!client?.running) return undefined;
    return client.variableRows(params);
  }

  get label(): string {
    return path.basename(this.notebook.uri.path) || this.notebook.uri.toString();
  }

  // ---- the queue ----

  private cancel(item: Queued): void {
    if (item.cancelled) return;
    if (item.started) {
      this.interrupt();
      return;
    }
    item.cancelled = true;
    const i = this.queue.indexOf(item);
    if (i !== -1) this.queue.splice(i, 1);
    // Never started: end() without start() leaves the cell as it was.
    item.execution.end(undefined);
    item.finish(false);
  }

  private cancelQueued(): void {
    for (const item of [...this.queue]) this.cancel(item);
    if (this.waiting) this.cancel(this.waiting);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        let ok = false;
        try {
          ok = await this.runCell(item);
        } catch (error) {
          this.host.log.error(
            `Running cell ${item.cell.index + 1} of ${this.label} failed: ${(error as Error).stack ?? error}`,
          );
        } finally {
          item.finish(ok);
        }
        // Like Jupyter: a failed or interrupted cell stops the cells queued after it.
        if (!ok) this.cancelQueued();
      }
    } finally {
      this.pumping = false;
    }
  }

  private async runCell(item: Queued): Promise<boolean> {
    const { cell, execution } = item;
    // The cell stays pending (not running, no timer) while its kernel starts.
    let client: KernelClient | undefined;
    let startError: Error | undefined;
    this.waiting = item;
    try {
      client = await this.ensureClient();
    } catch (error) {
      startError = error as Error;
    } finally {
      this.waiting = undefined;
    }
    if (item.cancelled) return false;
    if (cell.document.isClosed) {
      item.cancelled = true;
      execution.end(undefined);
      return false;
    }
    item.started = true;
    execution.start(Date.now());
    await execution.clearOutput();
    this.forgetDisplays(cell);
    if (!client) {
      const e = startError ?? new Error('The kernel did not start.');
      await execution.replaceOutput(
        errorOutput(e.name === 'Error' ? 'KernelStartError' : e.name, e.message, []),
      );
      execution.end(false, Date.now());
      return false;
    }

    execution.executionOrder = ++this.executionOrder;
    const run = this.newRun('cell', cell, execution);
    this.runs.set(run.cellId, run);
    this.current = run;
    let status: ExecuteStatus;
    try {
      let durationMs: number;
      ({ status, durationMs } = await client.execute({
        cellId: run.cellId,
        code: cell.document.getText(),
        executionCount: execution.executionOrder,
        cellIndex: cell.index,
        ...this.debugSource(cell),
      }));
      this.kernelTimes.set(cell.document.uri.toString(), durationMs);
    } catch (error) {
      status = 'error';
      const restarted = this.stopping.has(client);
      const died =
        !restarted && !client.running
          ? describeKernelExit(await settledExit(client), this.label, cell.index + 1)
          : undefined;
      this.enqueueOutput(run, {
        kind: 'error',
        ename: restarted ? 'KernelRestarted' : (died?.ename ?? 'KernelDied'),
        evalue: restarted
          ? 'The kernel was shut down while this cell ran.'
          : (died?.message ?? (error as Error).message),
        traceback: [],
      });
    }
    // Notifications sent before the response arrive before it; a tick lets the last ones land.
    await new Promise((resolve) => setImmediate(resolve));
    while (run.draining) await run.drained;
    const note = run.budget.note();
    if (note) {
      this.host.log.warn(
        `Output of cell ${cell.index + 1} of ${this.label} truncated: ${note.trim()}`,
      );
      await execution.appendOutput(streamOutput('stderr', note));
    }
    run.ended = true;
    if (this.current === run) this.current = undefined;
    clearTimeout(this.interruptTimer);
    execution.end(status === 'ok' && !run.threwLate, Date.now());
    this.host.onCellEnded?.(this);
    // Keep a few finished runs to recognise late output (timers, late promises) as such.
    for (const id of this.runs.keys()) {
      if (this.runs.size <= 20) break;
      this.runs.delete(id);
    }
    return status === 'ok';
  }

  // ---- the kernel process ----

  /** The file the debugger maps this cell to, written with the text about to run. */
  private debugSource(cell: vscode.NotebookCell): { sourcePath?: string } {
    try {
      const sourcePath = this.sourcePathFor?.(cell);
      return sourcePath ? { sourcePath } : {};
    } catch (error) {
      this.host.log.warn(
        `Cell ${cell.index + 1} runs without source maps for the debugger: ${(error as Error).message}`,
      );
      return {};
    }
  }

  private ensureClient(title = 'Starting TypeScript kernel…'): Promise<KernelClient> {
    if (this.client?.running) return Promise.resolve(this.client);
    if (this.lastExit && !this.starting) {
      title = `Starting a new TypeScript kernel (the last one ${this.lastExit})…`;
      this.host.log.info(`${title} for ${this.label}`);
      this.lastExit = undefined;
    }
    if (!this.starting) {
      this.starting = this.startClient(title).finally(() => {
        this.starting = undefined;
      });
    }
    return this.starting;
  }

  private async startClient(title: string): Promise<KernelClient> {
    const config = vscode.workspace.getConfiguration('labbook', this.notebook.uri);
    const nodePath = config.get<string>('nodePath')?.trim() || 'node';
    const notebookPath = notebookFsPath(this.notebook);
    const storePath = resolveStorePath(this.notebook, storeSetting(config));
    const started = performance.now();
    try {
      const client = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: false },
        async () => {
          const version = await checkNode(nodePath);
          this.host.log.info(
            `Starting a kernel for ${notebookPath} with ${nodePath} ${version}; store ${storePath ? displayedStore(storePath) : '(SDK default)'}`,
          );
          return KernelClient.start({
            notebookPath,
            nodePath,
            storePath,
            kernelMain: this.host.kernelMain,
            env: {
              ...nodeEnvOverrides(),
              ...userEnv(config.get<string>('user')),
              ...artifactRootEnv(config.get<string>('artifactRoot')),
            },
          });
        },
      );
      if (this.disposed) {
        void client.shutdown();
        throw new Error('The notebook was closed while its kernel started.');
      }
      this.wire(client);
      this.client = client;
      this.host.log.info(
        `Kernel for ${this.label} ready in ${Math.round(performance.now() - started)} ms ` +
          `(pid ${client.pid}, node ${client.info.nodeVersion}, tslab ${client.info.tslabVersion}, TypeScript ${client.info.typescriptVersion})`,
      );
      return client;
    } catch (error) {
      const message = (error as Error).message;
      this.host.log.error(`The kernel for ${this.label} did not start: ${message}`);
      if (error instanceof NodeSetupError) {
        void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
          if (choice)
            void vscode.commands.executeCommand('workbench.action.openSettings', NODE_PATH_SETTING);
        });
      } else {
        void vscode.window
          .showErrorMessage(`Labbook could not start the TypeScript kernel: ${message}`, 'Show Log')
          .then((choice) => {
            if (choice) this.host.log.show(true);
          });
      }
      throw error;
    }
  }

  private wire(client: KernelClient): void {
    client.on('output', (params: OutputParams) => {
      if (client !== this.client) return;
      const run = this.runs.get(params.cellId);
      if (isLateDisplayUpdate(run, params.output, (id) => this.displays.has(id))) {
        const output = params.output as Extract<CellOutput, { kind: 'display' }>;
        this.queueLateUpdate(output.displayId!, bundleItems(output.data));
        return;
      }
      const superseded =
        !!run && [...this.runs.values()].some((r) => r.cell === run.cell && r.seq > run.seq);
      switch (routeOutput(run && { ended: run.ended, superseded }, params.output)) {
        case 'running-cell':
          // The kernel may answer before a timer throws, and the editor end the run after:
          // the cell failed all the same.
          if (params.output.kind === 'error' && params.output.uncaught) run!.threwLate = true;
          this.enqueueOutput(run!, params.output);
          return;
        case 'finished-cell':
          void this.showLateError(run!, params.output as Extract<CellOutput, { kind: 'error' }>);
          return;
        case 'log':
          this.lateOutput(params);
      }
    });
    client.on('runEvent', (event) => {
      if (client === this.client) this.host.onRunEvent(this, event);
    });
    client.on('log', (text) => {
      for (const line of text.split('\n'))
        if (line.trim()) this.host.log.info(`[kernel ${client.pid}] ${line}`);
    });
    client.on('exit', (code, signal) => {
      const expected = this.stopping.has(client);
      if (this.client === client) this.client = undefined;
      this.host.onKernelExit(this);
      const how = signal ?? `exit code ${code}`;
      if (expected) {
        this.host.log.info(`Kernel ${client.pid} of ${this.label} shut down (${how}).`);
        return;
      }
      this.host.log.warn(`Kernel ${client.pid} of ${this.label} exited unexpectedly (${how}).`);
      this.lastExit = signal ? `was killed (${signal})` : `exited with code ${code}`;
      const cell = this.current?.cell ?? this.waiting?.cell;
      void settledExit(client).then((exit) => {
        const { message } = describeKernelExit(exit, this.label, cell && cell.index + 1);
        if (exit.stderrTail.trim())
          this.host.log.warn(`Kernel ${client.pid} stderr: ${exit.stderrTail.trim()}`);
        if (this.disposed) return;
        void vscode.window.showWarningMessage(message, 'Restart Kernel').then((choice) => {
          if (choice) void this.restart();
        });
      });
    });
  }

  private async stopClient(): Promise<void> {
    const pending = this.starting;
    if (pending) {
      // Let a start in progress finish, then stop what it started.
      await pending.catch(() => undefined);
    }
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping.add(client);
    await client.shutdown();
  }

  // ---- outputs ----

  private enqueueOutput(run: CellRun, output: CellOutput): void {
    if (output.kind === 'stream') {
      const text = run.budget.takeText(output.text);
      if (!text) return;
      output = { ...output, text };
    } else if (output.kind !== 'error' && !run.budget.takeWhole(bundleChars(output.data))) {
      return;
    }
    run.pending.push(output);
    if (run.draining) return;
    run.draining = true;
    run.drained = this.drain(run);
  }

  private async drain(run: CellRun): Promise<void> {
    try {
      while (run.pending.length > 0) {
        for (const output of coalesceStreams(run.pending.splice(0))) {
          try {
            await this.apply(run, output);
          } catch (error) {
            this.host.log.error(
              `Showing a ${output.kind} output in cell ${run.cell.index + 1} failed: ${(error as Error).message}`,
            );
          }
        }
      }
    } finally {
      run.draining = false;
    }
  }

  private async apply(run: CellRun, output: CellOutput): Promise<void> {
    const { execution, shown } = run;
    switch (output.kind) {
      case 'stream': {
        // Like Jupyter: consecutive text on the same stream is one output.
        const last = shown[shown.length - 1];
        if (last?.stream === output.name) {
          await execution.appendOutputItems(streamItem(output.name, output.text), last.output);
        } else {
          const shownOutput: Shown = {
            output: streamOutput(output.name, output.text),
            stream: output.name,
          };
          shown.push(shownOutput);
          await execution.appendOutput(shownOutput.output);
        }
        return;
      }
      case 'display': {
        const targets = output.displayId ? this.displays.get(output.displayId) : undefined;
        if (output.update && targets?.length) {
          await this.updateDisplay(run, targets, bundleItems(output.data));
          return;
        }
        const out = displayOutput(output);
        shown.push({ output: out });
        if (output.displayId) {
          const list = this.displays.get(output.displayId) ?? [];
          list.push({ cell: run.cell, output: out });
          this.displays.set(output.displayId, list);
        }
        await execution.appendOutput(out);
        return;
      }
      case 'result': {
        const out = resultOutput(output);
        shown.push({ output: out });
        await execution.appendOutput(out);
        return;
      }
      case 'error': {
        const out = errorOutput(
          output.ename,
          output.evalue,
          output.traceback,
          output.missingPackages,
        );
        shown.push({ output: out });
        await execution.appendOutput(out);
        return;
      }
    }
  }

  /** Replaces every output showing a display id; outputs of finished cells get a short execution of their own. */
  private async updateDisplay(
    run: CellRun | undefined,
    targets: { cell: vscode.NotebookCell; output: vscode.NotebookCellOutput }[],
    items: vscode.NotebookCellOutputItem[],
  ): Promise<void> {
    for (const target of targets) {
      if (run && !run.ended && target.cell === run.cell) {
        await run.execution.replaceOutputItems(items, target.output);
        continue;
      }
      if (
        target.cell.document.isClosed ||
        !target.cell.outputs.some((o) => outputId(o) === outputId(target.output))
      )
        continue;
      const summary = target.cell.executionSummary;
      let execution: vscode.NotebookCellExecution;
      try {
        execution = this.host.controller.createNotebookCellExecution(target.cell);
      } catch {
        continue; // queued to run again: it will clear its outputs anyway
      }
      execution.executionOrder = summary?.executionOrder;
      execution.start(summary?.timing?.startTime);
      try {
        await execution.replaceOutputItems(items, target.output);
      } finally {
        execution.end(summary?.success, summary?.timing?.endTime);
      }
    }
  }

  /**
   * Late updates come in bursts (a timer redrawing a chart); each needs a short execution
   * of its cell, and VS Code allows one at a time per cell, so they are applied one after
   * another, and an update that a newer one of the same display overtook is skipped.
   */
  private queueLateUpdate(displayId: string, items: vscode.NotebookCellOutputItem[]): void {
    this.lateUpdates.delete(displayId);
    this.lateUpdates.set(displayId, items);
    if (this.lateUpdating) return;
    this.lateUpdating = true;
    void (async () => {
      try {
        for (
          let next = this.lateUpdates.entries().next();
          !next.done;
          next = this.lateUpdates.entries().next()
        ) {
          const [id, latest] = next.value;
          this.lateUpdates.delete(id);
          const targets = this.displays.get(id);
          if (!targets?.length || this.disposed) continue;
          // A cell running now applies the update through its own execution.
          const running = this.current && !this.current.ended ? this.current : undefined;
          try {
            await this.updateDisplay(running, targets, latest);
          } catch (error) {
            this.host.log.error(`Updating a display failed: ${(error as Error).message}`);
          }
        }
      } finally {
        this.lateUpdating = false;
      }
    })();
  }

  private forgetDisplays(cell: vscode.NotebookCell): void {
    for (const [id, list] of this.displays) {
      const kept = list.filter((t) => t.cell !== cell);
      if (kept.length) this.displays.set(id, kept);
      else this.displays.delete(id);
    }
  }

  /**
   * An error a cell's timer or unawaited promise threw after the cell ended: shown under
   * that cell (not the one running now), which is marked failed, in a short execution of
   * its own that keeps the cell's execution order.
   */
  private async showLateError(
    run: CellRun,
    output: Extract<CellOutput, { kind: 'error' }>,
  ): Promise<void> {
    const cell = run.cell;
    if (cell.document.isClosed) return this.lateOutput({ cellId: run.cellId, output });
    let execution: vscode.NotebookCellExecution;
    try {
      execution = this.host.controller.createNotebookCellExecution(cell);
    } catch {
      // Queued to run again: its outputs are about to be replaced.
      return this.lateOutput({ cellId: run.cellId, output });
    }
    const summary = cell.executionSummary;
    execution.executionOrder = summary?.executionOrder;
    execution.start(summary?.timing?.startTime);
    try {
      await execution.appendOutput(
        errorOutput(output.ename, output.evalue, output.traceback, output.missingPackages),
      );
    } finally {
      execution.end(false, summary?.timing?.endTime ?? Date.now());
    }
    this.host.log.warn(
      `Cell ${cell.index + 1} of ${this.label} failed after it finished: ${output.ename}: ${output.evalue}`,
    );
  }

  /** Output that arrives after its cell ended (a timer, a promise nobody awaited) goes to the log. */
  private lateOutput({ cellId, output }: OutputParams): void {
    const where = this.runs.get(cellId);
    const from = where ? `cell ${where.cell.index + 1}` : 'the kernel';
    const text =
      output.kind === 'stream'
        ? output.text
        : output.kind === 'error'
          ? `${output.ename}: ${output.evalue}`
          : `[${output.kind}: ${Object.keys(output.data).join(', ')}]`;
    this.host.log.info(
      `Output from ${from} of ${this.label} after it finished: ${text.slice(0, 2000).trimEnd()}`,
    );
    // An error nobody sees in a cell (the cell ran again, or was closed) still deserves a word.
    if (output.kind === 'error' && !this.disposed)
      void vscode.window.showWarningMessage(
        `${this.label}: ${from} threw after it finished: ${output.ename}: ${output.evalue.slice(0, 300)}`,
      );
  }
}

/** The notebook's file; an untitled notebook gets a name in the workspace folder (its working folder). */
export function notebookFsPath(notebook: vscode.NotebookDocument): string {
  if (notebook.uri.scheme === 'file') return notebook.uri.fsPath;
  const folder =
    vscode.workspace.getWorkspaceFolder(notebook.uri) ?? vscode.workspace.workspaceFolders?.[0];
  const dir = folder?.uri.scheme === 'file' ? folder.uri.fsPath : os.homedir();
  const base = path.basename(notebook.uri.path) || 'Untitled';
  return path.join(dir, base.endsWith('.ipynb') ? base : `${base}.ipynb`);
}

/** The notebook's store (core/store/location.ts workspaceStorePath), for its workspace folder. */
export function resolveStorePath(
  notebook: vscode.NotebookDocument,
  setting: string | undefined,
): string | undefined {
  const folder =
    vscode.workspace.getWorkspaceFolder(notebook.uri) ?? vscode.workspace.workspaceFolders?.[0];
  const folderPath = folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  return workspaceStorePath(folderPath, setting, () => path.dirname(notebookFsPath(notebook)));
}

// Under its old name for extension.ts, whose views must find the same store as the notebook's kernel.
export { workspaceStorePath as storePathFor };

/** Outputs have a stable id at run time (VS Code matches outputs by it), not in the 1.90 typings. */
function outputId(output: vscode.NotebookCellOutput): string | undefined {
  return (output as { id?: string }).id;
}

/** How the process ended; the stderr tail may lag its exit by a moment, so wait for 'close' a little. */
async function settledExit(client: KernelClient): Promise<KernelExit> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<KernelExit>((resolve) => {
    timer = setTimeout(() => resolve({ code: null, signal: null, stderrTail: '' }), 2000);
  });
  try {
    return await Promise.race([client.closed, late]);
  } finally {
    clearTimeout(timer);
  }
}

function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  token: vscode.CancellationToken,
): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    const sub = token.onCancellationRequested(() => resolve(undefined));
    promise
      .then(resolve, () => resolve(undefined))
      .finally(() => {
        clearTimeout(timer);
        sub.dispose();
      });
  });
}
