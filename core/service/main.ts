/**
 * The workspace service: one process per workspace, started by the extension with the
 * user's `node`. It owns the store (better-sqlite3 is native, so it stays out of the
 * extension host), answers the views' queries, and notices writes from kernels and the CLI
 * so the views update live while a model trains: on SQLite by polling `PRAGMA
 * data_version`, on PostgreSQL by LISTEN/NOTIFY (RunStore.watch).
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
import {
  isPostgresUrl,
  openRunStore,
  openStore,
  Store,
  type OpenStore,
  type RunStore,
} from '../store';
import { asyncRunStore } from '../store/sqlite/async-run-store';
import * as protocol from './protocol';
import { whoAmI } from '../who';
import { comparisonData } from '../compare/compare';
import { runsImportance } from '../compare/importance-runs';
import {
  checkRunIdsParams,
  checkRunUpdate,
  checkSetKeyMetricParams,
  deletedRunItems,
  experimentItems,
  runDetails,
  comparisonKeyMetric,
  comparisonSweep,
  checkParamImportanceQuery,
  checkMetricSeriesQuery,
  metricSeries,
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

/** A SQLite file path or a PostgreSQL URL. */
let storePath: string | undefined;
let store: OpenStore | undefined;
let lastVersion = -1;
let lastKilledCheck = 0;
/** PostgreSQL: commits seen through LISTEN, standing in for SQLite's data_version. */
let serverChanges = 0;

/** Opens the store once a notebook has created it; the service itself never creates a SQLite file. */
function currentStore(): OpenStore | undefined {
  if (store || !storePath) return store;
  if (!isPostgresUrl(storePath) && !existsSync(storePath)) return undefined;
  store = openStore({ path: storePath });
  return store;
}

/** The count that changes when another connection commits. */
function storeVersion(s: OpenStore): number {
  return s instanceof Store ? s.dataVersion() : serverChanges;
}

/**
 * Tells the views when the store changed. `ownWrite`: the service itself just wrote, which
 * data_version does not show (it counts other connections' commits only), so say so anyway.
 */
function notifyChanges(ownWrite = false): void {
  let s: OpenStore | undefined;
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
  const version = storeVersion(s);
  if (version !== lastVersion || ownWrite) {
    lastVersion = version;
    void connection.sendNotification(protocol.StoreChanged, { dataVersion: version });
  }
}

/**
 * The runs store the views' queries go to. SQLite: the open store behind the async
 * interface. PostgreSQL: a pool of its own, so a long query never blocks the service's
 * thread, and the one that listens for other writers' commits.
 */
let runStore: Promise<RunStore> | undefined;
function runStoreOf(s: OpenStore): Promise<RunStore> {
  if (runStore) return runStore;
  const opening =
    s instanceof Store
      ? Promise.resolve(asyncRunStore(s))
      : openRunStore({ path: storePath, detectKilledRuns: false }).then(async (runs) => {
          await runs.watch(() => {
            serverChanges += 1;
            notifyChanges();
          });
          return runs;
        });
  runStore = opening;
  opening.catch(() => {
    if (runStore === opening) runStore = undefined; // the next request tries again
  });
  return opening;
}

async function withStore<T>(empty: T, fn: (s: RunStore) => T | Promise<T>): Promise<T> {
  try {
    const s = currentStore();
    return s ? await fn(await runStoreOf(s)) : empty;
  } catch (error) {
    throw new ResponseError(ErrorCodes.InternalError, (error as Error).message);
  }
}

connection.onRequest(protocol.ServiceInitialize, async (params) => {
  if (!params || typeof params.storePath !== 'string' || params.storePath === '') {
    throw new ResponseError(ErrorCodes.InvalidParams, 'storePath must be a non-empty string');
  }
  storePath = params.storePath;
  // Opening now surfaces a store from a newer Labbook, or a file that is not a database, at once.
  await withStore(undefined, () => undefined);
  setInterval(() => notifyChanges(), POLL_MS).unref();
  return {
    storePath,
    storeExists: isPostgresUrl(storePath) || existsSync(storePath),
    pid: process.pid,
  };
});

connection.onRequest(protocol.ListExperiments, () =>
  withStore<protocol.ExperimentItem[]>([], experimentItems),
);

connection.onRequest(protocol.ListRuns, (params) => {
  refuse(checkExperimentIdParams(params));
  return withStore<protocol.RunItem[]>([], (s) => runItems(s, params.experimentId));
});

connection.onRequest(protocol.GetRunDetails, (params) => {
  refuse(checkRunIdParams(params));
  return withStore(null, (s) => runDetails(s, params.runId));
});

connection.onRequest(protocol.DeleteRun, async (params) => {
  refuse(checkRunIdParams(params));
  await withStore(undefined, async (s) => {
    if (!(await s.getRun(params.runId))) throw new Error(`No run with id ${params.runId}`);
    await s.deleteRun(params.runId);
  });
  notifyChanges(true);
});

/** Writes need a store: before a notebook has made one there is no run to change. */
async function withWritableStore<T>(fn: (s: RunStore) => T | Promise<T>): Promise<T> {
  const missing = Symbol('no store');
  const result = await withStore<T | typeof missing>(missing, fn);
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
  return withWritableStore(async (s) => {
    const data = await comparisonData(s, params.runIds);
    const ids = data.comparison.runs.map((r) => r.id);
    const sweep = await comparisonSweep(s, ids);
    return { ...data, keyMetric: await comparisonKeyMetric(s, ids, sweep), sweep };
  });
});

connection.onRequest(protocol.GetMetricSeries, (params) => {
  refuse(checkMetricSeriesQuery(params));
  return withWritableStore((s) => metricSeries(s, params));
});

connection.onRequest(protocol.GetParamImportance, (params) => {
  refuse(checkParamImportanceQuery(params));
  return withWritableStore((s) =>
    runsImportance(s, {
      experiment: params.experimentId,
      metric: params.metric,
      ...(params.parentRunId === undefined ? {} : { parentRunId: params.parentRunId }),
      ...(params.aggregate === undefined ? {} : { aggregate: params.aggregate }),
    }),
  );
});

connection.onRequest(protocol.UpdateRun, async (params) => {
  refuse(checkRunUpdate(params));
  await withWritableStore((s) => updateRun(s, params));
  notifyChanges(true);
});

connection.onRequest(protocol.RestoreRun, async (params) => {
  refuse(checkRunIdParams(params));
  await withWritableStore(async (s) => {
    if (!(await s.getRun(params.runId))) throw new Error(`No run with id ${params.runId}`);
    await s.restoreRun(params.runId);
  });
  notifyChanges(true);
});

connection.onRequest(protocol.PurgeRuns, async (params) => {
  refuse(checkRunIdsParams(params));
  const result = await withWritableStore((s) => s.purgeRuns(params.runIds));
  notifyChanges(true);
  return result;
});

connection.onRequest(protocol.ListDeletedRuns, () =>
  withStore<protocol.RunItem[]>([], deletedRunItems),
);
// The service runs in the workspace folder: its git user is the notebooks'.
connection.onRequest(protocol.CurrentUser, () => whoAmI(process.cwd()));

connection.onRequest(protocol.SetKeyMetric, async (params) => {
  refuse(checkSetKeyMetricParams(params));
  await withWritableStore(async (s) => {
    if (!(await s.getExperiment(params.experimentId)))
      throw new Error(`No experiment with id ${params.experimentId}`);
    await s.setKeyMetric(params.experimentId, params.key, params.higherIsBetter);
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
