/**
 * Starts a Node child process that speaks JSON-RPC on its fd 3, the way both of Labbook's
 * child processes (kernel, workspace service) work. Pure JavaScript: the extension host
 * uses it, and native modules load only in the child, with the user's `node`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';

/** Oldest Node that runs Labbook's processes: 20.19 is the first 20.x that can require() ES modules. */
export const MIN_NODE_VERSION = [20, 19, 0] as const;

export const CHILD_CHANNEL_FD = 3;

export class ChildStartError extends Error {
  override name = 'ChildStartError';
}

export interface RpcChild {
  child: ChildProcess;
  connection: MessageConnection;
  /** Rejects when the process exits, so pending requests fail instead of hanging. */
  died: Promise<never>;
}

export interface SpawnRpcChildOptions {
  /** What the process is, for messages: "kernel", "workspace service". */
  role: string;
  nodePath?: string;
  main: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Spawns the child and runs `handshake` on its connection; start-up failures (no such
 * `node`, a crash while loading) become a ChildStartError that says what to do.
 */
export async function spawnRpcChild<T>(
  options: SpawnRpcChildOptions,
  handshake: (c: MessageConnection) => Promise<T>,
): Promise<RpcChild & { handshake: T }> {
  const nodePath = options.nodePath || 'node';
  const child = spawn(nodePath, [options.main], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let stderrTail = '';
  const collect = (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
  };
  child.stderr!.on('data', collect);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ChildStartError(
          error.code === 'ENOENT'
            ? `Cannot start the ${options.role}: "${nodePath}" was not found. Install Node.js ${MIN_NODE_VERSION.join('.')} or newer, or set labbook.nodePath.`
            : `Cannot start the ${options.role} with "${nodePath}": ${error.message}`,
        ),
      );
    });
    child.once('exit', (code, signal) =>
      reject(
        new ChildStartError(
          `The ${options.role} process exited during start-up (${signal ?? `code ${code}`}).${stderrTail ? `\n${stderrTail.trim()}` : ''}`,
        ),
      ),
    );
  });
  const channel = child.stdio[CHILD_CHANNEL_FD] as Duplex;
  const connection = createMessageConnection(
    new StreamMessageReader(channel),
    new StreamMessageWriter(channel),
  );
  connection.listen();
  try {
    const result = await Promise.race([failed, handshake(connection)]);
    child.stderr!.off('data', collect);
    child.removeAllListeners('exit');
    child.removeAllListeners('error');
    const died = new Promise<never>((_, reject) => {
      child.on('exit', (code, signal) =>
        reject(new Error(`The ${options.role} process died (${signal ?? `exit code ${code}`}).`)),
      );
    });
    died.catch(() => undefined);
    child.on('error', () => undefined);
    return { child, connection, died, handshake: result };
  } catch (error) {
    child.kill('SIGKILL');
    connection.dispose();
    throw error;
  }
}

/** A clear message when a `node --version` output is too old for Labbook; undefined when fine. */
export function checkNodeVersion(version: string, nodePath = 'node'): string | undefined {
  const parts = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim())?.slice(1).map(Number);
  if (!parts) return `"${nodePath}" printed "${version.trim()}", which is not a Node.js version.`;
  for (let i = 0; i < 3; i++) {
    if (parts[i] > MIN_NODE_VERSION[i]) return undefined;
    if (parts[i] < MIN_NODE_VERSION[i]) {
      return `"${nodePath}" is Node.js ${version.trim()}; Labbook needs ${MIN_NODE_VERSION.join('.')} or newer. Set labbook.nodePath to a newer node.`;
    }
  }
  return undefined;
}

export interface RpcClientBaseEvents {
  exit: [number | null, NodeJS.Signals | null];
  log: [string];
}

/**
 * What both clients share: requests that fail when the process dies, and a shutdown that
 * asks first and kills after a grace period.
 */
export abstract class RpcClientBase<
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Node's EventEmitter<T> requires Record<keyof T, any[]>
  E extends RpcClientBaseEvents & Record<keyof E, any[]>,
> extends EventEmitter<E> {
  private exited = false;

  protected constructor(
    protected readonly child: ChildProcess,
    protected readonly connection: MessageConnection,
    private readonly died: Promise<never>,
    private readonly role: string,
  ) {
    super();
    child.stdout!.on('data', (d: Buffer) =>
      (this as EventEmitter<RpcClientBaseEvents>).emit('log', d.toString()),
    );
    child.stderr!.on('data', (d: Buffer) =>
      (this as EventEmitter<RpcClientBaseEvents>).emit('log', d.toString()),
    );
    child.on('exit', (code, signal) => {
      this.exited = true;
      connection.dispose();
      (this as EventEmitter<RpcClientBaseEvents>).emit('exit', code, signal);
    });
  }

  get running(): boolean {
    return !this.exited;
  }

  protected request<T>(send: () => Promise<T>): Promise<T> {
    if (this.exited)
      return Promise.reject(new Error(`The ${this.role} is not running; restart it.`));
    return Promise.race([send(), this.died]);
  }

  /** Sends a signal to the process (SIGINT interrupts a kernel's cell, SIGKILL ends it at once). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Sends the shutdown request; kills the process if it has not exited after `graceMs`. */
  protected async stop(sendShutdown: () => Promise<unknown>, graceMs: number): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    sendShutdown().catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
