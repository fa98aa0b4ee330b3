/**
 * Starts and drives a kernel process. Pure JavaScript (child_process + vscode-jsonrpc), so
 * both the CLI and the VS Code extension host use it; the native modules load in the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import * as protocol from './protocol';

/** Oldest Node that runs the kernel: 20.19 is the first 20.x that can require() ES modules. */
export const MIN_NODE_VERSION = [20, 19, 0] as const;

export interface KernelStartOptions {
  /** The notebook file; its folder becomes the kernel's working folder. */
  notebookPath: string;
  /** The `node` executable to use (VS Code setting `labbook.nodePath`); default `node` on PATH. */
  nodePath?: string;
  storePath?: string;
  /** Built kernel entry; default: the one beside this file. */
  kernelMain?: string;
  env?: NodeJS.ProcessEnv;
}

export interface KernelClientEvents {
  output: [protocol.OutputParams];
  runEvent: [protocol.RunEventParams];
  /** Text the process wrote to its real stdout/stderr (native libraries, crashes). */
  log: [string];
  exit: [number | null, NodeJS.Signals | null];
}

export class KernelStartError extends Error {
  override name = 'KernelStartError';
}

export class KernelClient extends EventEmitter<KernelClientEvents> {
  private exited = false;
  /** Rejects when the process exits, so pending requests fail instead of hanging. */
  private readonly died: Promise<never>;
  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: MessageConnection,
    readonly info: protocol.InitializeResult,
  ) {
    super();
    this.died = new Promise<never>((_, reject) => {
      child.on('exit', (code, signal) => reject(new Error(`The kernel process died (${signal ?? `exit code ${code}`}).`)));
    });
    this.died.catch(() => undefined);
  }

  static async start(options: KernelStartOptions): Promise<KernelClient> {
    const nodePath = options.nodePath || 'node';
    const kernelMain = options.kernelMain ?? path.join(__dirname, 'main.js');
    const notebookPath = path.resolve(options.notebookPath);
    const child = spawn(nodePath, [kernelMain], {
      cwd: path.dirname(notebookPath),
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(new KernelStartError(error.code === 'ENOENT'
          ? `Cannot start the kernel: "${nodePath}" was not found. Install Node.js ${MIN_NODE_VERSION.join('.')} or newer, or set labbook.nodePath.`
          : `Cannot start the kernel with "${nodePath}": ${error.message}`));
      });
    });
    const early = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => reject(new KernelStartError(
        `The kernel process exited during start-up (${signal ?? `code ${code}`}).${stderrTail ? `\n${stderrTail}` : ''}`)));
    });
    let stderrTail = '';
    child.stderr!.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString()).slice(-4000); });
    const channel = child.stdio[protocol.CHANNEL_FD] as Duplex;
    const connection = createMessageConnection(new StreamMessageReader(channel), new StreamMessageWriter(channel));
    connection.listen();
    try {
      const info = await Promise.race([
        spawnError,
        early,
        connection.sendRequest(protocol.Initialize, { notebookPath, storePath: options.storePath }),
      ]);
      child.removeAllListeners('exit');
      const client = new KernelClient(child, connection, info);
      client.wire();
      return client;
    } catch (error) {
      child.kill('SIGKILL');
      connection.dispose();
      throw error;
    }
  }

  /** Checks the version of a `node` before a kernel is started with it, for a clear message. */
  static checkNodeVersion(version: string, nodePath = 'node'): string | undefined {
    const parts = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number);
    if (!parts) return `"${nodePath}" printed "${version}", which is not a Node.js version.`;
    for (let i = 0; i < 3; i++) {
      if (parts[i] > MIN_NODE_VERSION[i]) return undefined;
      if (parts[i] < MIN_NODE_VERSION[i]) {
        return `"${nodePath}" is Node.js ${version}; Labbook's kernel needs ${MIN_NODE_VERSION.join('.')} or newer. Set labbook.nodePath to a newer node.`;
      }
    }
    return undefined;
  }

  private wire(): void {
    this.connection.onNotification(protocol.Output, (p) => this.emit('output', p));
    this.connection.onNotification(protocol.RunEvent, (p) => this.emit('runEvent', p));
    this.child.stdout!.on('data', (d: Buffer) => this.emit('log', d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => this.emit('log', d.toString()));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.connection.dispose();
      this.emit('exit', code, signal);
    });
  }

  get pid(): number {
    return this.info.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  execute(params: protocol.ExecuteParams): Promise<protocol.ExecuteResult> {
    return this.whileAlive(() => this.connection.sendRequest(protocol.Execute, params));
  }

  complete(code: string, offset: number): Promise<protocol.CompletionResult> {
    return this.whileAlive(() => this.connection.sendRequest(protocol.Complete, { code, offset }));
  }

  hover(code: string, offset: number): Promise<protocol.HoverResult | null> {
    return this.whileAlive(() => this.connection.sendRequest(protocol.Hover, { code, offset }));
  }

  /**
   * Interrupts the running cell. SIGINT reaches V8 even while a synchronous loop blocks the
   * kernel's event loop; the notification covers platforms without signals.
   */
  interrupt(): void {
    if (this.exited) return;
    if (process.platform !== 'win32') this.child.kill('SIGINT');
    void this.connection.sendNotification(protocol.Interrupt).catch(() => undefined);
  }

  /** Asks the kernel to exit (runs are flushed by its exit handlers); kills it if it does not. */
  async shutdown(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.connection.sendRequest(protocol.Shutdown).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Fails a request when the process dies instead of leaving it pending forever. */
  private whileAlive<T>(send: () => Promise<T>): Promise<T> {
    if (this.exited) return Promise.reject(new Error('The kernel is not running; restart it.'));
    return Promise.race([send(), this.died]);
  }
}
