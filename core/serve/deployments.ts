/**
 * Deployments and their lifecycle (their rows and events: DeploymentStore, core/store):
 *
 * - `createDeployment` resolves the model references, checks the split, writes a bearer
 *   token to a 0600 file under `.labbook/deployments/` and records the deployment
 *   (status `starting`) with a `created` event.
 * - `startDeployment` does that and starts the server as a detached process of its own
 *   (`node dist/core/serve/main.js --store FILE --deployment ID`), which outlives the
 *   window or terminal that started it; it writes its pid, port and status into the row.
 * - `stopDeployment` asks the server to stop (control message), then signals its pid, and
 *   marks the row stopped; `deploymentHealth` checks the pid and GET /healthz.
 * - `controlDeployment` sends a control message (shift, switch, promote, rollback) to the
 *   running server, which applies and records it.
 */
import { absoluteStore, isPostgresUrl, STORE_ENV_VAR, storeFilesDir } from '../store/location';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { deploymentStore, openStore, type DeploymentStore, type OpenStore } from '../store';
import { Registry } from '../registry/registry';
import type { ModelVersion } from '../registry/types';
import { parseModelRef, resolveModelRef } from '../registry/refs';
import { whoAmI } from '../who';
import { featuresOf } from './validate';
import { checkSplit } from './router';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_SERVE_CONFIG,
  ServeError,
  type ControlMessage,
  type Deployment,
  type DeploymentEventKind,
  type DeploymentStatusReport,
  type ServeConfig,
  type Strategy,
  type TrafficSplit,
} from '../common/serve-types';

export function splitOf(
  d: Pick<Deployment, 'strategy' | 'primaryVersion' | 'candidateVersion' | 'weight'>,
): TrafficSplit {
  return {
    strategy: d.strategy,
    primary: d.primaryVersion,
    candidate: d.candidateVersion,
    weight: d.weight,
  };
}

/** `.labbook/deployments/` next to the store. */
export function deploymentsDir(storeLocation: string): string {
  return join(storeFilesDir(storeLocation), 'deployments');
}

// ---- store access ----

export function requireDeployment(deployments: DeploymentStore, name: string): Deployment {
  const found = deployments.find(name);
  if (!found) {
    const known = deployments.names();
    throw new ServeError(
      'NOT_FOUND',
      `no deployment named ${JSON.stringify(name)}${known.length ? ` (deployments: ${known.join(', ')})` : ' (nothing has been deployed yet: labbook deploy NAME@production)'}`,
    );
  }
  return found;
}

export function readToken(deployment: Pick<Deployment, 'tokenFile' | 'name'>): string {
  try {
    return readFileSync(deployment.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new ServeError(
      'NOT_FOUND',
      `cannot read the token of deployment ${deployment.name} at ${deployment.tokenFile}: ${(error as Error).message}`,
    );
  }
}

/** Writes a fresh random token to a new file readable by its owner only. */
function writeTokenFile(path: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, 0o600); // an existing file keeps its old mode on open: make sure
  return token;
}

export interface CreateDeploymentInput {
  /** Model reference: NAME, NAME/3, NAME@production, NAME@champion. */
  ref: string;
  /** Deployment name (default: the model name); the API serves it at /v1/models/NAME. */
  name?: string;
  strategy?: Strategy;
  /** Candidate reference: another version of the same model (NAME/4, @staging, 4). */
  candidate?: string | null;
  /** Percent of traffic to the candidate (canary, ab; bluegreen 0 or 100). */
  weight?: number;
  host?: string;
  port?: number;
  config?: Partial<ServeConfig>;
  by?: string;
  reason?: string | null;
}

/** A deployment still `starting` after this long lost its server. */
const STALE_START_MS = 5 * 60_000;

const DEPLOYMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A candidate written without the model name (`4`, `/4`, `@staging`) is a version of the deployed model. */
export function candidateRefText(modelName: string, text: string): string {
  const t = text.trim();
  if (/^\d+$/.test(t)) return `${modelName}/${t}`;
  if (t.startsWith('@') || t.startsWith('/')) return `${modelName}${t}`;
  return t;
}

function checkConfig(config: Partial<ServeConfig> | undefined): ServeConfig {
  const c = { ...DEFAULT_SERVE_CONFIG, ...(config ?? {}) };
  const positive = (v: number, what: string) => {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new ServeError('INVALID', `${what} must be a whole number >= 1, got ${v}`);
  };
  positive(c.bodyLimit, 'the body limit');
  positive(c.maxInstances, 'the instance limit');
  positive(c.logFlushRows, 'the log batch size');
  positive(c.logFlushMs, 'the log flush interval');
  positive(c.logRetentionRows, 'the prediction log retention (rows)');
  positive(c.maxBatchSize, 'the largest batch (maxBatchSize)');
  if (
    typeof c.batchTimeoutMs !== 'number' ||
    !(c.batchTimeoutMs >= 0) ||
    !Number.isFinite(c.batchTimeoutMs)
  )
    throw new ServeError(
      'INVALID',
      `the batch timeout (batchTimeoutMs) must be a number of milliseconds >= 0, got ${c.batchTimeoutMs}`,
    );
  if (
    typeof c.logRetentionDays !== 'number' ||
    !(c.logRetentionDays > 0) ||
    !Number.isFinite(c.logRetentionDays)
  ) {
    throw new ServeError(
      'INVALID',
      `the prediction log retention (days) must be a number > 0, got ${c.logRetentionDays}`,
    );
  }
  if (typeof c.logSampling !== 'number' || !(c.logSampling >= 0 && c.logSampling <= 1))
    throw new ServeError(
      'INVALID',
      `the log sampling share must be from 0 to 1, got ${c.logSampling}`,
    );
  if (c.seed !== null && !Number.isSafeInteger(c.seed))
    throw new ServeError('INVALID', `the seed must be a whole number, got ${c.seed}`);
  return c;
}

/**
 * The version a candidate reference names, checked to be servable beside `primary`: same
 * model, same features, same task.
 */
export function resolveCandidate(
  registry: Registry,
  primary: Pick<ModelVersion, 'name' | 'version' | 'signature'>,
  text: string,
): { candidate: ModelVersion; candidateRef: string } {
  const candidateRef = candidateRefText(primary.name, text);
  const parsed = parseModelRef(candidateRef);
  if (parsed.name !== primary.name)
    throw new ServeError(
      'INVALID',
      `the candidate ${candidateRef} is not a version of ${primary.name}: both variants serve the same model`,
    );
  const candidate = resolveModelRef(registry, parsed);
  const a = featuresOf(primary.signature)
    .map((f) => `${f.name}:${f.dtype}`)
    .join(',');
  const b = featuresOf(candidate.signature)
    .map((f) => `${f.name}:${f.dtype}`)
    .join(',');
  if (a !== b)
    throw new ServeError(
      'INVALID',
      `${primary.name} v${candidate.version} takes other features than v${primary.version}; both variants must take the same inputs`,
    );
  if (primary.signature?.task !== candidate.signature?.task)
    throw new ServeError(
      'INVALID',
      `v${primary.version} is a ${primary.signature?.task} model but v${candidate.version} a ${candidate.signature?.task} model`,
    );
  return { candidate, candidateRef };
}

/** Records a new deployment (status starting) with its token file; no process is started. */
export function createDeployment(store: OpenStore, input: CreateDeploymentInput): Deployment {
  const registry = new Registry(store);
  const deployments = deploymentStore(store);
  const primary = resolveModelRef(registry, input.ref);
  featuresOf(primary.signature); // a version without a usable signature cannot be served
  const name = input.name ?? primary.name;
  if (!DEPLOYMENT_NAME.test(name)) {
    throw new ServeError(
      'INVALID',
      `deployment name ${JSON.stringify(name)} is not usable in a URL: letters, digits, ".", "_" and "-", up to 128 (give one with --name)`,
    );
  }
  let candidate = null;
  let candidateRef: string | null = null;
  if (input.candidate !== undefined && input.candidate !== null && input.candidate !== '') {
    ({ candidate, candidateRef } = resolveCandidate(registry, primary, input.candidate));
  }
  const strategy: Strategy = input.strategy ?? (candidate ? 'canary' : 'single');
  const defaultWeight = strategy === 'canary' ? 10 : strategy === 'ab' ? 50 : 0;
  const split = checkSplit({
    strategy,
    primary: primary.version,
    candidate: candidate?.version ?? null,
    weight: input.weight ?? defaultWeight,
  });
  const host = input.host ?? DEFAULT_HOST;
  const port = input.port ?? DEFAULT_PORT;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535)
    throw new ServeError('INVALID', `port must be 0..65535, got ${port}`);
  const config = checkConfig(input.config);
  const by = input.by ?? whoAmI(dirname(storeFilesDir(store.location)));
  const now = Date.now();
  const dir = deploymentsDir(store.location);
  return deployments.transaction(() => {
    let live = deployments.live(name);
    // A server that died without saying so (killed, machine restarted) no longer holds the name.
    const gone =
      live &&
      (live.status === 'running' ? !isPidAlive(live.pid) : now - live.updatedAt > STALE_START_MS);
    if (live && gone) {
      markEnded(
        deployments,
        live.id,
        'failed',
        live.status === 'running'
          ? `the server process ${live.pid} ended without stopping the deployment`
          : 'the server never started',
        'failed',
        by,
      );
      live = undefined;
    }
    if (live)
      throw new ServeError(
        'CONFLICT',
        `deployment ${name} is already ${live.status} (port ${live.port}); stop it first (labbook deployment stop ${name}) or choose another --name`,
      );
    const id = deployments.create({
      name,
      modelName: primary.name,
      modelRef: input.ref,
      strategy: split.strategy,
      primaryVersion: split.primary,
      candidateRef,
      candidateVersion: split.candidate,
      weight: split.weight,
      host,
      port,
      config,
      createdAt: now,
      createdBy: by,
    });
    const tokenFile = join(dir, `${name}-${id}.token`);
    writeTokenFile(tokenFile);
    deployments.setTokenFile(id, tokenFile);
    deployments.recordEvent({
      deploymentId: id,
      kind: 'created',
      at: now,
      by,
      reason: input.reason ?? null,
      before: null,
      after: split,
    });
    return deployments.get(id)!;
  });
}

// ---- processes ----

export function isPidAlive(pid: number | null): boolean {
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function baseUrl(d: Pick<Deployment, 'host' | 'port'>): string {
  const host = d.host === '0.0.0.0' ? '127.0.0.1' : d.host === '::' ? '::1' : d.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${d.port}`;
}

export interface Health {
  /** The process exists. */
  alive: boolean;
  /** GET /healthz answered 200. */
  healthy: boolean;
  detail: string;
}

export async function deploymentHealth(d: Deployment, timeoutMs = 2000): Promise<Health> {
  const alive = isPidAlive(d.pid);
  if (!alive)
    return {
      alive,
      healthy: false,
      detail: d.pid === null ? 'no process' : `process ${d.pid} is gone`,
    };
  try {
    const response = await fetch(`${baseUrl(d)}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      alive,
      healthy: response.ok,
      detail: response.ok ? 'ok' : `/healthz answered ${response.status}`,
    };
  } catch (error) {
    return { alive, healthy: false, detail: `/healthz: ${(error as Error).message}` };
  }
}

/** Sends a control message to the running server; throws ServeError with the server's message when refused. */
export async function sendControl(
  d: Deployment,
  message: ControlMessage,
  timeoutMs = 120_000,
): Promise<DeploymentStatusReport> {
  if (d.status !== 'running' || !isPidAlive(d.pid)) {
    throw new ServeError(
      'NOT_RUNNING',
      `deployment ${d.name} is not running (${d.status}${d.pid !== null && !isPidAlive(d.pid) ? `, process ${d.pid} is gone` : ''}); start it again with labbook deploy ${d.modelName}/${d.primaryVersion}${d.name !== d.modelName ? ` --name ${d.name}` : ''}`,
    );
  }
  const token = readToken(d);
  let response: Response;
  try {
    response = await fetch(`${baseUrl(d)}/v1/deployment:control`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ServeError(
      'NOT_RUNNING',
      `deployment ${d.name} at ${baseUrl(d)} did not answer: ${(error as Error).message}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as DeploymentStatusReport & {
    error?: string;
    gates?: unknown[];
  };
  if (!response.ok) {
    const error = new ServeError(
      response.status === 409 && body.gates
        ? 'GATES_FAILED'
        : response.status === 404
          ? 'NOT_FOUND'
          : response.status === 409
            ? 'CONFLICT'
            : 'INVALID',
      body.error ?? `the server answered ${response.status}`,
    );
    (error as ServeError & { gates?: unknown[] }).gates = body.gates;
    throw error;
  }
  return body;
}

export interface StartOptions {
  /** node executable (default: this process's). */
  nodePath?: string;
  /** The server entry (default: dist/core/serve/main.js beside this file). */
  mainScript?: string;
  /** How long to wait for the server to listen. Default 60 s. */
  timeoutMs?: number;
  /** Extra environment for the server process. */
  env?: NodeJS.ProcessEnv;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Records the deployment and starts its server detached; resolves once the server listens
 * (status running, with its pid and port) or rejects with the server's error (status failed).
 */
export async function startDeployment(
  storePath: string,
  input: CreateDeploymentInput,
  options: StartOptions = {},
): Promise<Deployment> {
  const location = absoluteStore(storePath);
  const store = openStore({ path: location });
  let deployment: Deployment;
  try {
    deployment = createDeployment(store, input);
  } finally {
    store.close();
  }
  const script = options.mainScript ?? join(__dirname, 'main.js');
  if (!existsSync(script))
    throw new ServeError(
      'START_FAILED',
      `the server entry ${script} does not exist; build Labbook first (npm run build)`,
    );
  const logFile = join(deploymentsDir(location), `${deployment.name}-${deployment.id}.log`);
  const out = openSync(logFile, 'a', 0o600);
  let exited: { code: number | null; signal: string | null } | null = null;
  try {
    const child = spawn(
      options.nodePath ?? process.execPath,
      // A server's URL carries its password: in the environment, not on a command line `ps` shows.
      isPostgresUrl(location)
        ? [script, '--deployment', String(deployment.id)]
        : [script, '--store', location, '--deployment', String(deployment.id)],
      {
        detached: true,
        stdio: ['ignore', out, out],
        windowsHide: true,
        env: {
          ...process.env,
          ...options.env,
          ...(isPostgresUrl(location) ? { [STORE_ENV_VAR]: location } : {}),
        },
      },
    );
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    child.on('error', (error) => {
      exited = { code: null, signal: error.message };
    });
    child.unref();
  } finally {
    closeSync(out);
  }
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const watcher = openStore({ path: location, detectKilledRuns: false });
  try {
    for (;;) {
      const now = deploymentStore(watcher).get(deployment.id)!;
      if (now.status === 'running') return now;
      if (now.status === 'failed' || now.status === 'stopped') {
        throw new ServeError(
          'START_FAILED',
          `deployment ${now.name} did not start: ${now.error ?? now.status} (log: ${logFile})`,
        );
      }
      if (exited !== null || Date.now() > deadline) {
        const why =
          exited !== null
            ? `the server process exited (${(exited as { code: number | null }).code ?? (exited as { signal: string | null }).signal})`
            : `the server did not listen within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s`;
        const tail = existsSync(logFile)
          ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n').trim()
          : '';
        markEnded(deploymentStore(watcher), deployment.id, 'failed', why, 'failed');
        throw new ServeError(
          'START_FAILED',
          `deployment ${now.name} did not start: ${why}${tail ? `\n${tail}` : ''}\n(log: ${logFile})`,
        );
      }
      await sleep(50);
    }
  } finally {
    watcher.close();
  }
}

/** Marks a deployment stopped or failed, with its event (once). */
export function markEnded(
  deployments: DeploymentStore,
  id: number,
  status: 'stopped' | 'failed',
  error: string | null,
  kind: DeploymentEventKind,
  by?: string,
  reason?: string | null,
): void {
  deployments.transaction(() => {
    const d = deployments.get(id);
    if (!d || d.status === 'stopped' || d.status === 'failed') return;
    deployments.update(id, { status, error, pid: null, stoppedAt: Date.now() });
    deployments.recordEvent({
      deploymentId: id,
      kind,
      at: Date.now(),
      by: by ?? whoAmI(),
      reason: reason ?? error,
      before: splitOf(d),
      after: null,
    });
  });
}

/**
 * Stops a deployment: a stop control message (the server flushes its log, records the
 * event and exits), else SIGTERM, then SIGKILL after `timeoutMs`; the row ends stopped.
 */
export async function stopDeployment(
  storePath: string,
  name: string,
  options: { by?: string; reason?: string | null; timeoutMs?: number } = {},
): Promise<Deployment> {
  const store = openStore({ path: absoluteStore(storePath), detectKilledRuns: false });
  try {
    const deployments = deploymentStore(store);
    const d = requireDeployment(deployments, name);
    if (d.status === 'stopped' || d.status === 'failed')
      throw new ServeError('NOT_RUNNING', `deployment ${name} is already ${d.status}`);
    const by = options.by ?? whoAmI(dirname(storeFilesDir(store.location)));
    if (d.pid !== null && isPidAlive(d.pid)) {
      try {
        await sendControl(d, { type: 'stop', by, reason: options.reason ?? null }, 5000);
      } catch {
        try {
          process.kill(d.pid, 'SIGTERM');
        } catch {
          // gone meanwhile
        }
      }
      const deadline = Date.now() + (options.timeoutMs ?? 10_000);
      while (isPidAlive(d.pid) && Date.now() < deadline) await sleep(50);
      if (isPidAlive(d.pid)) {
        try {
          process.kill(d.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    markEnded(deployments, d.id, 'stopped', null, 'stopped', by, options.reason ?? null);
    return deployments.get(d.id)!;
  } finally {
    store.close();
  }
}

/** Sends a control message to a deployment by name (the CLI's shift, switch, promote, rollback). */
export async function controlDeployment(
  storePath: string,
  name: string,
  message: ControlMessage,
): Promise<DeploymentStatusReport> {
  const store = openStore({ path: absoluteStore(storePath), detectKilledRuns: false });
  let d: Deployment;
  try {
    d = requireDeployment(deploymentStore(store), name);
  } finally {
    store.close();
  }
  // Changes are recorded as made by the person at this end, not by the server process.
  const by =
    message.type !== 'status' && !message.by
      ? whoAmI(dirname(storeFilesDir(absoluteStore(storePath))))
      : undefined;
  return sendControl(d, by ? ({ ...message, by } as ControlMessage) : message);
}
