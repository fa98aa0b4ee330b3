/**
 * A synchronous call into PostgreSQL: the calling thread posts a request to the worker
 * (./worker.ts) and blocks in Atomics.wait until the reply is on the port. This is what
 * lets the synchronous store API the SDK, the registry and serving are written against
 * (SQLite's) run on a server too, including inside process.on('exit'), where nothing
 * asynchronous runs: the worker is a thread of its own and keeps running meanwhile.
 */
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { StoreError, type StoreErrorCode } from '../../errors';
import type { BridgeReply, BridgeRequest, BridgeStart } from './protocol';

/** Longer than any statement Labbook sends; past it the server is taken as gone. */
const REPLY_TIMEOUT_MS = 120_000;

export class SyncBridge {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private closed = false;

  constructor(
    private readonly location: string,
    start: Omit<BridgeStart, 'port' | 'done'>,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: BridgeStart = { ...start, port: port2, done: this.done };
    this.worker = new Worker(join(__dirname, 'worker.js'), {
      workerData: data,
      transferList: [port2],
    });
    // The thread must not keep a finished script alive; close() ends it cleanly before.
    this.worker.unref();
    this.port.unref();
  }

  /** Sends one request and waits for its answer; rethrows the worker's error as thrown there. */
  call(request: BridgeRequest): unknown {
    if (this.closed) throw new StoreError('NOT_FOUND', `the store ${this.location} is closed`);
    // Anything waiting before a request is sent is the thread's last words: it has stopped.
    const early = receiveMessageOnPort(this.port);
    if (early) return this.answer(early.message as BridgeReply);
    Atomics.store(this.done, 0, 0);
    this.port.postMessage(request);
    const woke = Atomics.wait(this.done, 0, 0, REPLY_TIMEOUT_MS);
    const received = receiveMessageOnPort(this.port);
    if (!received) {
      this.closed = true;
      void this.worker.terminate();
      throw new StoreError(
        'NOT_FOUND',
        woke === 'timed-out'
          ? `the PostgreSQL store ${this.location} did not answer within ${REPLY_TIMEOUT_MS / 1000} s`
          : `the connection thread of the PostgreSQL store ${this.location} stopped`,
      );
    }
    return this.answer(received.message as BridgeReply);
  }

  private answer(reply: BridgeReply): unknown {
    if (reply.ok) return reply.value;
    if ('stopped' in reply) {
      this.closed = true;
      const { exitCode, reason } = reply.stopped;
      throw new StoreError(
        'NOT_FOUND',
        `the connection thread of the PostgreSQL store ${this.location} stopped (exit code ${exitCode})` +
          (reason ? `: ${reason}` : ''),
      );
    }
    throw rebuilt(reply.error);
  }

  close(): void {
    if (this.closed) return;
    try {
      this.call({ kind: 'close' });
    } finally {
      this.closed = true;
      this.port.close();
    }
  }
}

/** The worker's error as this thread's: StoreError keeps its code, others their driver code (SQLSTATE). */
function rebuilt(error: Extract<BridgeReply, { error: unknown }>['error']): Error {
  const made =
    error.name === 'StoreError'
      ? new StoreError(error.code as StoreErrorCode, error.message)
      : Object.assign(new Error(error.message), { name: error.name, code: error.code });
  if (error.stack)
    made.stack = `${made.name}: ${error.message}\n    (in the PostgreSQL thread)\n${error.stack.split('\n').slice(1).join('\n')}`;
  return made;
}
