/**
 * The messages between a thread that needs PostgreSQL synchronously (the SDK, the registry,
 * serving: code written against SyncRunStore and SqlAccess, as SQLite answers them) and
 * the worker thread that holds the connections (./worker.ts). The caller blocks on
 * Atomics.wait until the worker has put the reply on the request's own port.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SyncRunStore } from '../../types';
import type { OpenPostgresOptions } from '../store';

/** Methods of the runs store that cross the thread boundary (plain data in and out). */
export type RunStoreMethod = Exclude<
  {
    [K in keyof SyncRunStore]: SyncRunStore[K] extends (...args: never[]) => unknown ? K : never;
  }[keyof SyncRunStore],
  'close'
>;

export type BridgeRequest =
  /** A method of the runs store (PostgresRunStore in the worker). */
  | { kind: 'runs'; method: RunStoreMethod; args: unknown[] }
  /** One statement on the worker's session connection, the SqlAccess of the domain stores. */
  | { kind: 'sql'; sql: string; args: unknown[] }
  /** Ends both connections; the worker then exits. */
  | { kind: 'close' };

export type BridgeReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { name: string; message: string; code?: string; stack?: string } }
  /** The thread is ending (its last words, from process.on('exit')): why, as far as it knows. */
  | { ok: false; stopped: { exitCode: number; reason?: string } };

/**
 * What the worker is started with (workerData): requests arrive on `port`, each reply goes
 * back on it, and `done[0]` turns 1 once the reply is there.
 */
export interface BridgeStart {
  port: MessagePort;
  done: Int32Array;
  url: string;
  options: Pick<OpenPostgresOptions, 'artifactRoot' | 'detectKilledRuns' | 'cwd'> & {
    env: Record<string, string | undefined>;
  };
}

/** A statement's answer on the session connection. */
export interface SqlResult {
  rows: unknown[];
  rowCount: number;
}
