/**
 * Starts and drives a kernel process. Pure JavaScript (child_process + vscode-jsonrpc), so
 * both the CLI and the VS Code extension host use it; the native modules load in the child.
 */
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import * as protocol from './protocol';
import {
  spawnRpcChild,
  checkNodeVersion,
  ChildStartError,
  MIN_NODE_VERSION,
  RpcClientBase,
  type RpcClientBaseEvents,
} from '../core/rpc-child';

export { MIN_NODE_VERSION, ChildStartError as KernelStartError };

const INTERRUPT_RETRY_MS = 1000;
const INTERRUPT_RETRIES = 5;

export interface KernelStartOptions {
  /** The notebook file; its folder becomes the kernel's working folder. */
  notebookPath: string;
  /** The `node` executable to use (VS Code setting `labbook.nodePath`); default `node` on PATH. */
  nodePath?: string;
  storePath?: string;
  /** Built kernel entry; default: the one beside this file. */
  kernelMain?: string;
  env?: NodeJS.ProcessEnv;
  /** Characters of output a cell may send (protocol.InitializeParams.outputLimit). */
  outputLimit?: number;
}

/** How the kernel process ended, with the end of what it wrote to stderr (why it died). */
export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

export interface KernelClientEvents extends RpcClientBaseEvents {
  output: [protocol.OutputParams];
  runEvent: [protocol.RunEventParams];
}

export class KernelClient extends RpcClientBase<KernelClientEvents> {
  private constructor(
    child: ChildProcess,
    connection: MessageConnection,
    died: Promise<never>,
    readonly info: protocol.InitializeResult,
  ) {
    super(child, connection, died, 'kernel');
    let stderrTail = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    // 'close' comes after the process's stdio ended, so the tail holds its last words.
    this.closed = new Promise((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal, stderrTail })),
    );
    connection.onNotification(protocol.Output, (p) => this.emit('output', p));
    connection.onNotification(protocol.RunEvent, (p) => this.emit('runEvent', p));
  }

  /** Resolves when the process has exited and its output streams have ended. */
  readonly closed: Promise<KernelExit>;

  static async start(options: KernelStartOptions): Promise<KernelClient> {
    const notebookPath = path.resolve(options.notebookPath);
    const { child, connection, died, handshake } = await spawnRpcChild(
      {
        role: 'kernel',
        nodePath: options.nodePath,
        main: options.kernelMain ?? path.join(__dirname, 'main.js'),
        cwd: path.dirname(notebookPath),
        env: options.env,
      },
      (c) =>
        c.sendRequest(protocol.Initialize, {
          notebookPath,
          storePath: options.storePath,
          ...(options.outputLimit ? { outputLimit: options.outputLimit } : {}),
        }),
    );
    return new KernelClient(child, connection, died, handshake);
  }

  /** Checks the output of `node --version` before a kernel is started with it, for a clear message. */
  static checkNodeVersion(version: string, nodePath = 'node'): string | undefined {
    return checkNodeVersion(version, nodePath);
  }

  get pid(): number {
    return this.info.pid;
  }

  /** Cells sent and not yet answered, oldest first. */
  private readonly pending = new Set<Promise<unknown>>();

  execute(params: protocol.ExecuteParams): Promise<protocol.ExecuteResult> {
    const result = this.request(() => this.connection.sendRequest(protocol.Execute, params));
    this.pending.add(result);
    const settle = () => {
      this.pending.delete(result);
    };
    result.then(settle, settle);
    return result;
  }

  /** Runs npm in the notebook's folder, its output shown as stream output of `cellId`. */
  install(params: protocol.InstallParams): Promise<protocol.InstallResult> {
    return this.request(() => this.connection.sendRequest(protocol.Install, params));
  }

  /** Opens the kernel's Node inspector for a debugger to attach to. */
  openInspector(): Promise<protocol.InspectorInfo> {
    return this.request(() => this.connection.sendRequest(protocol.OpenInspector));
  }

  closeInspector(): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.CloseInspector));
  }

  complete(code: string, offset: number): Promise<protocol.CompletionResult> {
    return this.request(() => this.connection.sendRequest(protocol.Complete, { code, offset }));
  }

  hover(code: string, offset: number): Promise<protocol.HoverResult | null> {
    return this.request(() => this.connection.sendRequest(protocol.Hover, { code, offset }));
  }

  /** The notebook's top-level names with a preview each. */
  variables(): Promise<protocol.VariablesResult> {
    return this.request(() => this.connection.sendRequest(protocol.Variables));
  }

  /** A page of rows of a variable that is an array of row objects. */
  variableRows(params: protocol.VariableRowsParams): Promise<protocol.VariableRowsResult> {
    return this.request(() => this.connection.sendRequest(protocol.VariableRows, params));
  }

  /**
   * Interrupts the running cell. SIGINT reaches V8 even while a synchronous loop blocks the
   * kernel's event loop; the notification covers platforms without signals.
   */
  interrupt(): void {
    const [cell] = this.pending;
    if (!this.running || cell === undefined) return;
    const send = () => {
      if (process.platform !== 'win32') this.child.kill('SIGINT');
      void this.connection.sendNotification(protocol.Interrupt).catch(() => undefined);
    };
    send();
    // A SIGINT that lands while the kernel is still compiling the cell (synchronously) is
    // not seen by the V8 watchdog that starts with the cell's code; so while that same cell
    // is still running, say it again a few times.
    let retries = 0;
    const timer = setInterval(() => {
      if (!this.pending.has(cell) || !this.running || ++retries > INTERRUPT_RETRIES)
        clearInterval(timer);
      else send();
    }, INTERRUPT_RETRY_MS);
    timer.unref();
  }

  /**
   * Asks the kernel to exit (runs are flushed by its exit handlers); kills it if it does not.
   * The grace is long enough for the type checker's warm-up after start (seconds of
   * synchronous work on a loaded machine), which delays the request but ends by itself.
   */
  shutdown(graceMs = 10_000): Promise<void> {
    return this.stop(() => this.connection.sendRequest(protocol.Shutdown), graceMs);
  }
}
