/**
 * The workspace service's deployment requests (protocol.ts, "Deployments"): list, start,
 * control and stop local model servers, their tokens and events, and live monitoring.
 *
 * A server is a detached process of its own (core/serve/deployments.ts startDeployment),
 * so it keeps serving when the service or the window goes away; the service only talks to
 * it over HTTP and reads the store. Params are checked at runtime (params.ts: messages name
 * the field); ServeErrors become ResponseErrors with the server's message (context.ts
 * toResponseError), and a promotion refused by its gates carries the gate results as the
 * error's data.
 */
import { deploymentStore, type OpenStore } from '../store';
import {
  baseUrl,
  controlDeployment,
  isPidAlive,
  readToken,
  requireDeployment,
  splitOf,
  startDeployment,
  stopDeployment,
  type StartOptions,
} from '../serve/deployments';
import { monitorDeployment } from '../serve/monitor';
import {
  CONTROL_TYPES,
  DEFAULT_MONITOR_THRESHOLDS,
  STRATEGIES,
  type ControlMessage,
  type Deployment,
  type DeploymentStatusReport,
  type MonitorThresholds,
  type Strategy,
} from '../common/serve-types';
import { guarded, requiredStore, type HandlerContext } from './context';
import {
  invalidParams as bad,
  object,
  optionalBoolean,
  optionalNumber,
  optionalText,
  text,
  type Params,
} from './params';
import * as protocol from './protocol';

export interface DeployHandlerContext extends HandlerContext {
  /** Tests and the extension may name the node and server entry used for server processes. */
  startOptions?: StartOptions;
}

// ---- parameter checks ----

/** Deployment requests have always read a null field as one not given; kept so that callers sending null keep working. */
function optional(p: Params, field: string, max: number, prefix = ''): string | undefined {
  return optionalText(p, field, { max, prefix, null: 'absent' });
}

const isPercent = (v: number) => Number.isFinite(v) && v >= 0 && v <= 100;
const isShare = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;

/** A control message as the server expects it; the server checks the values again. */
export function checkControlMessage(value: unknown): ControlMessage {
  const m = object(value, 'message');
  const type = m.type;
  if (typeof type !== 'string' || !(CONTROL_TYPES as readonly string[]).includes(type)) {
    throw bad(
      `message.type must be one of ${CONTROL_TYPES.join(', ')}, got ${JSON.stringify(type)}`,
    );
  }
  if (type === 'status') return { type };
  const by = optional(m, 'by', 200, 'message.');
  const reason = optional(m, 'reason', 10_000, 'message.');
  const common = {
    ...(by !== undefined ? { by } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
  switch (type) {
    case 'shift': {
      const weight = optionalNumber(
        m,
        'weight',
        isPercent,
        'a percentage from 0 to 100',
        'message.',
      );
      if (weight === undefined) throw bad('message.weight must be a percentage from 0 to 100');
      return { type, weight, ...common };
    }
    case 'promote': {
      const to = optional(m, 'to', 100, 'message.');
      const force = optionalBoolean(m, 'force', 'message.');
      return {
        type,
        ...(to !== undefined ? { to } : {}),
        ...(force !== undefined ? { force } : {}),
        ...common,
      };
    }
    case 'candidate': {
      const ref = optionalText(m, 'ref', { max: 300, prefix: 'message.', null: 'absent' });
      if (ref === undefined || ref.trim() === '')
        throw bad('message.ref must name the candidate version: 4, NAME/4 or @staging');
      const strategy = m.strategy;
      if (
        strategy !== undefined &&
        strategy !== 'canary' &&
        strategy !== 'ab' &&
        strategy !== 'shadow' &&
        strategy !== 'bluegreen'
      )
        throw bad(
          `message.strategy must be canary, ab, shadow or bluegreen, got ${JSON.stringify(strategy)}`,
        );
      const weight = optionalNumber(
        m,
        'weight',
        isPercent,
        'a percentage from 0 to 100',
        'message.',
      );
      return {
        type,
        ref,
        ...(strategy !== undefined ? { strategy } : {}),
        ...(weight !== undefined ? { weight } : {}),
        ...common,
      };
    }
    default:
      return { type: type as 'switch' | 'rollback' | 'stop' | 'stop-candidate', ...common };
  }
}

/** Checks GetMonitoring's params; thresholds are checked key by key. */
export function checkMonitoringParams(params: unknown): {
  name: string;
  windowMs?: number;
  driftWindow?: number;
  thresholds?: Partial<MonitorThresholds>;
} {
  const p = object(params);
  const name = text(p, 'name', { max: 128 });
  const windowMs = optionalNumber(
    p,
    'windowMs',
    (v) => Number.isSafeInteger(v) && v >= 1000 && v <= 30 * 86_400_000,
    'a whole number of milliseconds from 1000 to 30 days',
  );
  const driftWindow = optionalNumber(
    p,
    'driftWindow',
    (v) => Number.isSafeInteger(v) && v >= 1 && v <= 100_000,
    'a whole number from 1 to 100000',
  );
  let thresholds: Partial<MonitorThresholds> | undefined;
  if (p.thresholds !== undefined) {
    const t = object(p.thresholds, 'thresholds');
    for (const key of Object.keys(t)) {
      if (!(key in DEFAULT_MONITOR_THRESHOLDS))
        throw bad(
          `thresholds.${key} is not a threshold (known: ${Object.keys(DEFAULT_MONITOR_THRESHOLDS).join(', ')})`,
        );
    }
    const errorRate = optionalNumber(t, 'errorRate', isShare, 'a share from 0 to 1', 'thresholds.');
    const p95LatencyMs = optionalNumber(
      t,
      'p95LatencyMs',
      (v) => Number.isFinite(v) && v >= 0,
      'a number of milliseconds >= 0',
      'thresholds.',
    );
    const minAccuracy = optionalNumber(
      t,
      'minAccuracy',
      isShare,
      'a share from 0 to 1',
      'thresholds.',
    );
    const minFeedback = optionalNumber(
      t,
      'minFeedback',
      (v) => Number.isSafeInteger(v) && v >= 0,
      'a whole number >= 0',
      'thresholds.',
    );
    const dataDrift = optionalBoolean(t, 'dataDrift', 'thresholds.');
    const dataDriftShare = optionalNumber(
      t,
      'dataDriftShare',
      isShare,
      'a share from 0 to 1',
      'thresholds.',
    );
    const conceptDrift = optionalBoolean(t, 'conceptDrift', 'thresholds.');
    thresholds = Object.fromEntries(
      Object.entries({
        errorRate,
        p95LatencyMs,
        minAccuracy,
        minFeedback,
        dataDrift,
        dataDriftShare,
        conceptDrift,
      }).filter(([, v]) => v !== undefined),
    );
  }
  return {
    name,
    ...(windowMs !== undefined ? { windowMs } : {}),
    ...(driftWindow !== undefined ? { driftWindow } : {}),
    ...(thresholds ? { thresholds } : {}),
  };
}

export function checkStartParams(params: unknown): protocol.StartDeploymentParams {
  const p = object(params);
  const ref = text(p, 'ref', { max: 500 });
  const name = optional(p, 'name', 128);
  if (name !== undefined && name.trim() === '')
    throw bad('name must be a non-empty string when given');
  const strategy = p.strategy;
  if (
    strategy !== undefined &&
    (typeof strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(strategy))
  ) {
    throw bad(`strategy must be one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(strategy)}`);
  }
  const candidate = optional(p, 'candidate', 500);
  const weight = optionalNumber(p, 'weight', isPercent, 'a percentage from 0 to 100');
  const port = optionalNumber(
    p,
    'port',
    (v) => Number.isSafeInteger(v) && v >= 0 && v <= 65535,
    'a whole number from 0 to 65535 (0: any free port)',
  );
  const reason = optional(p, 'reason', 10_000);
  const out: protocol.StartDeploymentParams = { ref };
  if (name !== undefined) out.name = name;
  if (strategy !== undefined) out.strategy = strategy as Strategy;
  if (candidate !== undefined && candidate.trim() !== '') out.candidate = candidate;
  if (weight !== undefined) out.weight = weight;
  if (port !== undefined) out.port = port;
  if (reason !== undefined) out.reason = reason;
  return out;
}

export function deploymentItem(d: Deployment): protocol.DeploymentItem {
  return {
    deployment: d,
    split: splitOf(d),
    url: `${baseUrl(d)}/v1/models/${d.name}`,
    processGone: d.status === 'running' && !isPidAlive(d.pid),
  };
}

// ---- the handlers ----

export function registerDeployHandlers(ctx: DeployHandlerContext): void {
  const { connection } = ctx;
  const required = (): OpenStore => requiredStore(ctx, 'no model has been registered or deployed');

  connection.onRequest(protocol.ListDeployments, (params) =>
    guarded(() => {
      const all =
        params === undefined || params === null
          ? undefined
          : optionalBoolean(object(params), 'all');
      const store = ctx.currentStore();
      return store
        ? deploymentStore(store)
            .list({ all: all === true })
            .map(deploymentItem)
        : [];
    }),
  );

  connection.onRequest(protocol.StartDeployment, (params) =>
    guarded(async () => {
      const input = checkStartParams(params);
      const store = required();
      try {
        const d = await startDeployment(store.address, input, ctx.startOptions);
        return deploymentItem(d);
      } finally {
        // A failed start is recorded too (status failed, with its event).
        ctx.notifyChanges(true);
      }
    }),
  );

  connection.onRequest(protocol.ControlDeployment, (params) =>
    guarded(async (): Promise<DeploymentStatusReport> => {
      const p = object(params);
      const name = text(p, 'name', { max: 128 });
      const message = checkControlMessage(p.message);
      const store = required();
      try {
        if (message.type === 'stop') {
          // stopDeployment also ends a server that no longer answers, and marks the row stopped.
          const d = await stopDeployment(store.address, name, {
            by: message.by,
            reason: message.reason ?? null,
          });
          return { deployment: d, split: splitOf(d), message: `${name} stopped` };
        }
        return await controlDeployment(store.address, name, message);
      } finally {
        if (message.type !== 'status') ctx.notifyChanges(true);
      }
    }),
  );

  connection.onRequest(protocol.GetDeploymentToken, (params) =>
    guarded(() => {
      const name = text(object(params), 'name', { max: 128 });
      return readToken(requireDeployment(deploymentStore(required()), name));
    }),
  );

  connection.onRequest(protocol.GetDeploymentEvents, (params) =>
    guarded(() => {
      const name = text(object(params), 'name', { max: 128 });
      const deployments = deploymentStore(required());
      return deployments.events(requireDeployment(deployments, name).id).reverse();
    }),
  );

  connection.onRequest(protocol.GetMonitoring, (params) =>
    guarded(async () => {
      const { name, ...options } = checkMonitoringParams(params);
      const store = required();
      return monitorDeployment(store, requireDeployment(deploymentStore(store), name), options);
    }),
  );
}
