/**
 * The workspace service's model registry requests (protocol.ts, "Model registry"). Params
 * are checked at runtime (messages name the field); registry errors become ResponseErrors
 * with the registry's message: INVALID as InvalidParams, the rest as InvalidRequest, and a
 * promotion refused by its gates carries the GateResult[] as the error's data.
 */
import { ErrorCodes, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Store } from '../store';
import { StoreError } from '../store/errors';
import {
  Registry, RegistryError, buildModelCard, gatesPath, modelCardMarkdown, readGates, saveGates, validateGatesConfig,
  type RegistryOptions,
} from '../registry';
import { STAGES, type GatesConfig } from '../registry/types';
import * as protocol from './protocol';

export interface RegistryHandlerContext {
  connection: MessageConnection;
  /** The open store, or undefined before a notebook has created one. May throw (newer schema, not a database). */
  currentStore: () => Store | undefined;
  /** Where the store is (or will be), once initialized. */
  storePath: () => string | undefined;
  /** Tell the views; `true` after the service's own writes. */
  notifyChanges: (ownWrite: boolean) => void;
  /** Tests inject a fake evaluation here. */
  registryOptions?: RegistryOptions;
}

// ---- parameter checks ----

type Params = Record<string, unknown>;

function object(p: unknown): Params {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new ResponseError(ErrorCodes.InvalidParams, 'params must be an object');
  return p as Params;
}

function bad(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function text(p: Params, field: string, { max = 10_000 } = {}): string {
  const v = p[field];
  if (typeof v !== 'string' || v.trim() === '') throw bad(`${field} must be a non-empty string`);
  if (v.length > max) throw bad(`${field} must be at most ${max} characters`);
  return v;
}

function optionalText(p: Params, field: string, { nullable = false, max = 100_000 } = {}): string | null | undefined {
  const v = p[field];
  if (v === undefined) return undefined;
  if (v === null && nullable) return null;
  if (typeof v !== 'string') throw bad(`${field} must be a string${nullable ? ' or null' : ''}`);
  if (v.length > max) throw bad(`${field} must be at most ${max} characters`);
  return v;
}

function versionOf(p: Params): number {
  const v = p.version;
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw bad(`version must be a whole number >= 1, got ${JSON.stringify(v)}`);
  return v as number;
}

function stageOf(p: Params): string {
  const v = p.to;
  if (typeof v !== 'string' || !STAGES.some((s) => s.toLowerCase() === v.trim().toLowerCase())) {
    throw bad(`to must be one of ${STAGES.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function optionalBoolean(p: Params, field: string): boolean | undefined {
  const v = p[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`${field} must be true or false`);
  return v;
}

// ---- errors ----

function toResponseError(error: unknown): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof RegistryError) {
    if (error.code === 'GATES_FAILED') return new ResponseError(ErrorCodes.InvalidRequest, error.message, error.gates ?? []);
    return new ResponseError(error.code === 'INVALID' ? ErrorCodes.InvalidParams : ErrorCodes.InvalidRequest, error.message);
  }
  if (error instanceof StoreError) return new ResponseError(ErrorCodes.InvalidRequest, error.message);
  return new ResponseError(ErrorCodes.InternalError, (error as Error)?.message ?? String(error));
}

async function guarded<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toResponseError(error);
  }
}

// ---- the handlers ----

export function registerRegistryHandlers(ctx: RegistryHandlerContext): void {
  const registries = new WeakMap<Store, Registry>();
  const registryOf = (store: Store): Registry => {
    let registry = registries.get(store);
    if (!registry) {
      registry = new Registry(store, ctx.registryOptions);
      registries.set(store, registry);
    }
    return registry;
  };
  /** The registry, or undefined before any store exists. */
  const maybe = (): { store: Store; registry: Registry } | undefined => {
    const store = ctx.currentStore();
    return store ? { store, registry: registryOf(store) } : undefined;
  };
  const required = (): { store: Store; registry: Registry } => {
    const found = maybe();
    if (!found) throw new ResponseError(ErrorCodes.InvalidRequest, `There is no store yet at ${ctx.storePath()}: no model has been registered.`);
    return found;
  };
  const storeLocation = (): string => {
    const path = ctx.currentStore()?.location ?? ctx.storePath();
    if (!path) throw new ResponseError(ErrorCodes.InvalidRequest, 'The service has not been initialized with a store path.');
    return path;
  };
  const { connection } = ctx;

  connection.onRequest(protocol.ListModels, () => guarded(() => maybe()?.registry.listModels() ?? []));

  connection.onRequest(protocol.GetModel, (params) => guarded((): protocol.ModelDetails | null => {
    const name = text(object(params), 'name');
    const found = maybe();
    const model = found?.registry.getModel(name);
    if (!found || !model) return null;
    const { store, registry } = found;
    const versions = registry.listVersions(name);
    const runIds = [...new Set(versions.map((v) => v.runId))];
    const latest = store.latestMetricsOfRuns(runIds);
    const runs = new Map(runIds.map((id) => [id, store.getRun(id)]));
    let gates: GatesConfig | null = null;
    try {
      gates = readGates(store.location, name);
    } catch (error) {
      // An invalid gates file must not hide the model; promotion reports the problem in full.
      process.stderr.write(`labbook service: ${(error as Error).message}\n`);
    }
    return {
      model,
      versions: versions.map((v) => ({
        ...v,
        runName: runs.get(v.runId)?.name ?? '(missing run)',
        experiment: runs.get(v.runId)?.experimentName ?? '',
        metrics: Object.fromEntries(Object.entries(latest.get(v.runId) ?? {}).map(([k, m]) => [k, protocol.toWireNumber(m.value)])),
        inUse: registry.inUse(v.name, v.version),
      })),
      history: registry.history(name),
      gates,
      gatesPath: gatesPath(store.location, name),
    };
  }));

  connection.onRequest(protocol.PreviewPromotion, (params) => guarded(async () => {
    const p = object(params);
    const name = text(p, 'name');
    const version = versionOf(p);
    const to = stageOf(p);
    return required().registry.previewPromotion(name, version, to);
  }));

  connection.onRequest(protocol.PromoteModelVersion, (params) => guarded(async () => {
    const p = object(params);
    const name = text(p, 'name');
    const version = versionOf(p);
    const to = stageOf(p);
    const reason = optionalText(p, 'reason', { max: 10_000 });
    const force = optionalBoolean(p, 'force');
    const { transition, archived } = await required().registry.promote({ name, version, to, reason, force });
    ctx.notifyChanges(true);
    return { transition, archived };
  }));

  connection.onRequest(protocol.SetModelAlias, (params) => guarded(() => {
    const p = object(params);
    const name = text(p, 'name');
    const version = versionOf(p);
    const alias = text(p, 'alias', { max: 64 });
    const reason = optionalText(p, 'reason', { max: 10_000 });
    required().registry.setAlias(name, version, alias, { reason });
    ctx.notifyChanges(true);
  }));

  connection.onRequest(protocol.RemoveModelAlias, (params) => guarded(() => {
    const p = object(params);
    const name = text(p, 'name');
    const alias = text(p, 'alias', { max: 64 });
    const reason = optionalText(p, 'reason', { max: 10_000 });
    required().registry.removeAlias(name, alias, { reason });
    ctx.notifyChanges(true);
  }));

  connection.onRequest(protocol.GetModelCard, (params) => guarded(async () => {
    const p = object(params);
    const name = text(p, 'name');
    const version = versionOf(p);
    const sliceColumn = optionalText(p, 'sliceColumn', { max: 500 }) ?? undefined;
    const { store, registry } = required();
    const card = await buildModelCard(store, registry, name, version, { sliceColumn, evaluate: ctx.registryOptions?.evaluate });
    return { card, markdown: modelCardMarkdown(card) };
  }));

  connection.onRequest(protocol.UpdateModelCard, (params) => guarded(() => {
    const p = object(params);
    const name = text(p, 'name');
    const version = versionOf(p);
    const fields = {
      intendedUse: optionalText(p, 'intendedUse', { nullable: true }),
      limitations: optionalText(p, 'limitations', { nullable: true }),
      description: optionalText(p, 'description', { nullable: true }),
    };
    required().registry.updateCard(name, version, fields);
    ctx.notifyChanges(true);
  }));

  connection.onRequest(protocol.SaveGates, (params) => guarded(() => {
    const p = object(params);
    const name = text(p, 'name', { max: 500 });
    const gates = validateGatesConfig(p.gates, 'gates');
    saveGates(storeLocation(), name, gates);
    ctx.notifyChanges(true);
  }));

  connection.onRequest(protocol.RegisterModelFromRun, (params) => guarded(() => {
    const p = object(params);
    const runId = text(p, 'runId', { max: 200 });
    const artifactPath = text(p, 'artifactPath', { max: 255 });
    const name = text(p, 'name', { max: 500 });
    const description = optionalText(p, 'description');
    const version = required().registry.registerFromRun({ name, runId, artifactPath, description });
    ctx.notifyChanges(true);
    return version;
  }));
}
