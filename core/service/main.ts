/**
 * The workspace service: one process per workspace, started by the extension with the
 * user's `node`. It owns the store (better-sqlite3 is native, so it stays out of the
 * extension host), answers the views' queries, and notices writes from kernels and the CLI
 * (`PRAGMA data_version`) so the views update live while a model trains.
 */
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import {
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { openStore, type Store } from '../store';
import * as protocol from './protocol';
import { whoAmI } from '../registry/who';
import { comparisonData } from '../compare/compare';
import {
  checkRunIdsParams,
  checkRunUpdate,
  checkSetKeyMetricParams,
  deletedRunItems,
  experimentItems,
  runDetails,
  comparisonKeyMetric,
  runItems,
  runSource,
  updateRun,
} from './queries';
import { checkRunsTableQuery, queryRunsTable } from './table';
import type { HandlerContext } from './context';
import { checkExperimentIdParams, checkRunIdParams, refuse } from './params';
import { registerRegistryHandlers } from './registry-handlers';
import { registerQualityHandlers } from './quality-handlers';
import { registerDriftHandlers } from './drift-handlers';
import { registerDeployHandlers } from './deploy-handlers';

const POLL_MS = 400;
const KILLED_CHECK_MS = 5000;

const channel = new net.Socket({ fd: protocol.SERVICE_CHANNEL_FD, readable: true, writable: true });
const connection = createMessageConnection(
  new StreamMessageReader(channel),
  new StreamMessageWriter(channel),
);

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

/**
 * Tells the views when the store changed. `ownWrite`: the service itself just wrote, which
 * data_version does not show (it counts other connections' commits only), so say so anyway.
 */
function notifyChanges(ownWrite = false): void {
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
  if (version !== lastVersion || ownWrite) {
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
  setInterval(() => notifyChanges(), POLL_MS).unref();
  return { storePath, storeExists: existsSync(storePath), pid: process.pid };
});

connection.onRequest(protocol.ListExperiments, () => withStore([], experimentItems));

connection.onRequest(protocol.ListRuns, (params) => {
  refuse(checkExperimentIdParams(params));
  return withStore([], (s) => runItems(s, params.experimentId));
});

connection.onRequest(protocol.GetRunDetails, (params) => {
  refuse(checkRunIdParams(params));
  return withStore(null, (s) => runDetails(s, params.runId));
});

connection.onRequest(protocol.DeleteRun, (params) => {
  refuse(checkRunIdParams(params));
  withStore(undefined, (s) => {
    if (!s.getRun(params.runId)) throw new Error(`No run with id ${params.runId}`);
    s.deleteRun(params.runId);
  });
  notifyChanges(true);
});

/** Writes need a store: before a notebook has made one there is no run to change. */
function withWritableStore<T>(fn: (s: Store) => T): T {
  const missing = Symbol('no store');
  const result = withStore<T | typeof missing>(missing, fn);
  if (result === missing) {
    throw new ResponseError(
      ErrorCodes.InvalidRequest,
      `There is no store yet at ${storePath}: no run has been recorded.`,
    );
  }
  return result;
}

connection.onRequest(protocol.QueryRunsTable, (params) => {
  refuse(checkRunsTableQuery(params));
  return withStore<protocol.RunsTablePage>(
    {
      total: 0,
      offset: params.offset,
      rows: [],
      columns: { params: [], metrics: [], tags: [] },
      best: {},
    },
    (s) => queryRunsTable(s, params),
  );
});

connection.onRequest(protocol.GetRunComparison, (params) => {
  refuse(checkRunIdsParams(params, { min: 2, max: 100 }));
  return withWritableStore((s) => {
    const data = comparisonData(s, params.runIds);
    return {
      ...data,
      keyMetric: comparisonKeyMetric(
        s,
        data.comparison.runs.map((r) => r.id),
      ),
    };
  });
});

connection.onRequest(protocol.UpdateRun, (params) => {
  refuse(checkRunUpdate(params));
  withWritableStore((s) => updateRun(s, params));
  notifyChanges(true);
});

connection.onRequest(protocol.RestoreRun, (params) => {
  refuse(checkRunIdParams(params));
  withWritableStore((s) => {
    if (!s.getRun(params.runId)) throw new Error(`No run with id ${params.runId}`);
    s.restoreRun(params.runId);
  });
  notifyChanges(true);
});

connection.onRequest(protocol.PurgeRuns, (params) => {
  refuse(checkRunIdsParams(params));
  const result = withWritableStore((s) => s.purgeRuns(params.runIds));
  notifyChanges(true);
  return result;
});

connection.onRequest(protocol.ListDeletedRuns, () => withStore([], deletedRunItems));
// The service runs in the workspace folder: its git user is the notebooks'.
connection.onRequest(protocol.CurrentUser, () => whoAmI(process.cwd()));

connection.onRequest(protocol.SetKeyMetric, (params) => {
  refuse(checkSetKeyMetricParams(params));
  withWritableStore((s) => {
    if (!s.getExperiment(params.experimentId))
      throw new Error(`No experiment with id ${params.experimentId}`);
    s.setKeyMetric(params.experimentId, params.key, params.higherIsBetter);
  });
  notifyChanges(true);
});

connection.onRequest(protocol.GetRunSource, (params) => {
  refuse(checkRunIdParams(params));
  return withStore(null, (s) => runSource(s, params.runId));
});

const context: HandlerContext = {
  connection,
  currentStore,
  storePath: () => storePath,
  notifyChanges: (ownWrite) => notifyChanges(ownWrite),
  // The extension starts the service in the workspace folder.
  cwd: () => process.cwd(),
};
registerRegistryHandlers(context);
registerQualityHandlers(context);
registerDriftHandlers(context);
registerDeployHandlers(context);

connection.onRequest(protocol.ServiceShutdown, () => {
  setImmediate(() => process.exit(0));
});

process.on('exit', () => store?.close());
channel.on('close', () => process.exit(0));
connection.listen();
