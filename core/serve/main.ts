/**
 * The server process of one deployment, started detached by `labbook deploy`
 * (core/serve/deployments.ts):
 *
 *   node dist/core/serve/main.js --store FILE --deployment ID
 *
 * Opens the store, loads the deployment's models, listens on its host and port (0: any
 * free port), then writes its pid, the real port and status `running` into the row. A
 * start that fails writes status `failed` with the message. SIGTERM / SIGINT or a stop
 * control message close the server, flush the prediction log and mark the row stopped.
 * Errors inside requests are answered (500) and never end the process.
 */
import { deploymentStore, openStore, type OpenStore } from '../store';
import { whoAmI } from '../who';
import { displayedStore, STORE_ENV_VAR } from '../store/location';
import { markEnded, readToken } from './deployments';
import { ServingRuntime } from './runtime';
import { buildServer, drainServer } from './server';
import { tfjs, tfjsNodeBackend, tfjsWasmBackend, type Tfjs } from '../engines';

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const log = (text: string) => process.stdout.write(`${new Date().toISOString()} ${text}\n`);

/** tfjs with the fastest backend available: tfjs-node when it is installed, else the CPU backend. */
async function loadTf(): Promise<Tfjs> {
  const wanted = process.env.LABBOOK_TF_BACKEND;
  if (wanted !== 'cpu' && wanted !== 'wasm') tfjsNodeBackend();
  const tf = tfjs();
  if (wanted === 'wasm') {
    tfjsWasmBackend();
    await tf.setBackend('wasm');
  } else if (tf.getBackend() !== 'tensorflow') {
    await tf.setBackend('cpu');
  }
  await tf.ready();
  return tf;
}

export async function serve(storePath: string, deploymentId: number): Promise<void> {
  let store: OpenStore | undefined;
  try {
    // A writer blocked on another process's lock blocks every request (better-sqlite3 is
    // synchronous): wait at most 1 s; the prediction log retries later instead.
    store = openStore({ path: storePath, detectKilledRuns: false, busyTimeoutMs: 1000 });
  } catch (error) {
    log(`cannot open the store ${displayedStore(storePath)}: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  const s = store;
  const fail = (message: string) => {
    log(`failed: ${message}`);
    try {
      markEnded(deploymentStore(s), deploymentId, 'failed', message, 'failed', whoAmI());
    } catch (error) {
      log(`cannot record the failure: ${(error as Error).message}`);
    }
  };
  const deployment = deploymentStore(s).get(deploymentId);
  if (!deployment) {
    log(`no deployment ${deploymentId} in ${displayedStore(storePath)}`);
    s.close();
    process.exitCode = 1;
    return;
  }
  let runtime: ServingRuntime;
  let stopping = false;
  let shutdown: (reason: string) => Promise<void> = async () => {};
  try {
    const tf = await loadTf();
    log(`tfjs backend ${tf.getBackend()}`);
    runtime = await ServingRuntime.open(s, deploymentId, {
      tf,
      onStop: () => void shutdown('stop requested'),
      onLogError: (error, dropped) =>
        log(`prediction log: ${dropped} rows not written: ${error.message}`),
    });
  } catch (error) {
    fail((error as Error).message);
    s.close();
    process.exitCode = 1;
    return;
  }
  const app = buildServer(runtime, { token: readToken(deployment) });
  try {
    await app.listen({ host: deployment.host, port: deployment.port });
  } catch (error) {
    fail(`cannot listen on ${deployment.host}:${deployment.port}: ${(error as Error).message}`);
    await runtime.close();
    s.close();
    process.exitCode = 1;
    return;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : deployment.port;
  deploymentStore(s).update(deploymentId, {
    status: 'running',
    pid: process.pid,
    port,
    startedAt: Date.now(),
    error: null,
  });
  log(
    `serving ${deployment.name} (${deployment.modelName} v${deployment.primaryVersion}${deployment.candidateVersion !== null ? `, candidate v${deployment.candidateVersion} ${deployment.strategy}` : ''}) on http://${deployment.host}:${port}`,
  );

  shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    try {
      await drainServer(app);
      await runtime.close();
      markEnded(deploymentStore(s), deploymentId, 'stopped', null, 'stopped', whoAmI(), reason);
    } catch (error) {
      log(`error while stopping: ${(error as Error).message}`);
    } finally {
      s.close();
      clearTimeout(force);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    /* the terminal that started us went away: keep serving */
  });
  // A bug in a handler is answered as a 500 by fastify; anything escaping is logged, not fatal.
  process.on('uncaughtException', (error) => log(`uncaught: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (error) =>
    log(`unhandled rejection: ${(error as Error)?.stack ?? String(error)}`),
  );
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const storePath = arg(argv, '--store') ?? process.env[STORE_ENV_VAR];
  const id = Number(arg(argv, '--deployment'));
  if (!storePath || !Number.isSafeInteger(id)) {
    process.stderr.write('usage: node dist/core/serve/main.js --store FILE --deployment ID\n');
    process.exitCode = 2;
  } else {
    void serve(storePath, id);
  }
}
