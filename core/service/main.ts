/**
 * The workspace service: one process per workspace, started by the extension with the
 * user's `node`. It owns the store (better-sqlite3 is native, so it stays out of the
 * extension host), answers the views' queries, and notices writes from kernels and the CLI
 * (`PRAGMA data_version`) so the views update live while a model trains.
 */
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { openStore, type Store } from '../store';
import * as protocol from './protocol';
import { runDetails, runItems, experimentItems } from './queries';

const POLL_MS = 400;
const KILLED_CHECK_MS = 5000;

const channel = new net.Socket({ fd: protocol.SERVICE_CHANNEL_FD, readable: true, writable: true });
const connection = createMessageConnection(new StreamMessageReader(channel), new StreamMessageWriter(channel));

let storePath: string | undefined;
let store: Store | undefined;
let lastVersion = -1;
let lastKilledCheck = 0;

/** Opens the store once a notebook has created it; the service itself never creates one. */
function currentStore(): Store | undefined {
  if (store || !storePath || !existsSync(storePath)) return store;
  store = openStore({ path: storePath });
  return store;
}

function notifyChanges(): void {
  let s: Store | undefined;
  try {
    s = currentStore();
  } catch {
    return; // reported to the user by the request that failed; polling stays quiet
  }
  if (!s) return;
  const now = Date.now();
  if (now - lastKilledCheck > KILLED_CHECK_MS) {
    lastKilledCheck = now;
    s.markKilledRuns(now);
  }
  const version = s.dataVersion();
  if (version !== lastVersion) {
    lastVersion = version;
    void connection.sendNotification(protocol.StoreChanged, { dataVersion: version });
  }
}

function withStore<T>(empty: T, fn: (s: Store) => T): T {
  try {
    const s = currentStore();
    return s ? fn(s) : empty;
  } catch (error) {
    throw new ResponseError(ErrorCodes.InternalError, (error as Error).message);
  }
}

connection.onRequest(protocol.ServiceInitialize, (params) => {
  if (!params || typeof params.storePath !== 'string' || params.storePath === '') {
    throw new ResponseError(ErrorCodes.InvalidParams, 'storePath must be a non-empty string');
  }
  storePath = params.storePath;
  // Opening now surfaces a store from a newer Labbook, or a file that is not a database, at once.
  withStore(undefined, () => undefined);
  setInterval(notifyChanges, POLL_MS).unref();
  return { storePath, storeExists: existsSync(storePath), pid: process.pid };
});

connection.onRequest(protocol.ListExperiments, () => withStore([], experimentItems));

connection.onRequest(protocol.ListRuns, (params) => {
  const problem = protocol.checkExperimentIdParams(params);
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
  return withStore([], (s) => runItems(s, params.experimentId));
});

connection.onRequest(protocol.GetRunDetails, (params) => {
  const problem = protocol.checkRunIdParams(params);
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
  return withStore(null, (s) => runDetails(s, params.runId));
});

connection.onRequest(protocol.DeleteRun, (params) => {
  const problem = protocol.checkRunIdParams(params);
  if (problem) throw new ResponseError(ErrorCodes.InvalidParams, problem);
  withStore(undefined, (s) => {
    if (!s.getRun(params.runId)) throw new Error(`No run with id ${params.runId}`);
    s.deleteRun(params.runId);
  });
  notifyChanges();
});

connection.onRequest(protocol.ServiceShutdown, () => {
  setImmediate(() => process.exit(0));
});

process.on('exit', () => store?.close());
channel.on('close', () => process.exit(0));
connection.listen();
