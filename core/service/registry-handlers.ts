/**
 * The workspace service's model registry requests (protocol.ts, "Model registry"). Params
 * are checked at runtime (params.ts: messages name the field); registry errors become
 * ResponseErrors with the registry's message (context.ts toResponseError), and a promotion
 * refused by its gates carries the GateResult[] as the error's data.
 */
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import type { OpenStore } from '../store';
import {
  Registry,
  buildModelCard,
  gatesPath,
  modelCardMarkdown,
  readGates,
  saveGates,
  validateGatesConfig,
  type RegistryOptions,
} from '../registry';
import { STAGES, type GatesConfig } from '../registry/types';
import { guarded, requiredStore, type HandlerContext } from './context';
import {
  MAX_RUN_ID_LENGTH,
  invalidParams as bad,
  object,
  optionalBoolean,
  optionalText,
  text,
  type Params,
} from './params';
import * as protocol from './protocol';

export interface RegistryHandlerContext extends HandlerContext {
  /** Tests inject a fake evaluation here. */
  registryOptions?: RegistryOptions;
}

// ---- parameter checks ----

function versionOf(p: Params): number {
  const v = p.version;
  if (!Number.isSafeInteger(v) || (v as number) < 1)
    throw bad(`version must be a whole number >= 1, got ${JSON.stringify(v)}`);
  return v as number;
}

/** The model version a request is about; `p` for the request's other fields. */
function modelVersionParams(params: unknown): { p: Params; name: string; version: number } {
  const p = object(params);
  const name = text(p, 'name');
  return { p, name, version: versionOf(p) };
}

function stageOf(p: Params): string {
  const v = p.to;
  if (typeof v !== 'string' || !STAGES.some((s) => s.toLowerCase() === v.trim().toLowerCase())) {
    throw bad(`to must be one of ${STAGES.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v;
}

// ---- the handlers ----

export function registerRegistryHandlers(ctx: RegistryHandlerContext): void {
  const registries = new WeakMap<OpenStore, Registry>();
  const registryOf = (store: OpenStore): Registry => {
    let registry = registries.get(store);
    if (!registry) {
      registry = new Registry(store, ctx.registryOptions);
      registries.set(store, registry);
    }
    return registry;
  };
  /** The registry, or undefined before any store exists. */
  const maybe = (): { store: OpenStore; registry: Registry } | undefined => {
    const store = ctx.currentStore();
    return store ? { store, registry: registryOf(store) } : undefined;
  };
  const required = (): { store: OpenStore; registry: Registry } => {
    const store = requiredStore(ctx, 'no model has been registered');
    return { store, registry: registryOf(store) };
  };
  const storeLocation = (): string => {
    const path = ctx.currentStore()?.address ?? ctx.storePath();
    if (!path)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'The service has not been initialized with a store path.',
      );
    return path;
  };
  const { connection } = ctx;

  connection.onRequest(protocol.ListModels, () =>
    guarded(() => maybe()?.registry.listModels() ?? []),
  );

  connection.onRequest(protocol.GetModel, (params) =>
    guarded((): protocol.ModelDetails | null => {
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
          metrics: Object.fromEntries(
            Object.entries(latest.get(v.runId) ?? {}).map(([k, m]) => [
              k,
              protocol.toWireNumber(m.value),
            ]),
          ),
          inUse: registry.inUse(v.name, v.version),
        })),
        history: registry.history(name),
        gates,
        gatesPath: gatesPath(store.location, name),
      };
    }),
  );

  connection.onRequest(protocol.PreviewPromotion, (params) =>
    guarded(async () => {
      const { p, name, version } = modelVersionParams(params);
      const to = stageOf(p);
      return required().registry.previewPromotion(name, version, to);
    }),
  );

  connection.onRequest(protocol.PromoteModelVersion, (params) =>
    guarded(async () => {
      const { p, name, version } = modelVersionParams(params);
      const to = stageOf(p);
      const reason = optionalText(p, 'reason', { max: 10_000 });
      const force = optionalBoolean(p, 'force');
      const { transition, archived } = await required().registry.promote({
        name,
        version,
        to,
        reason,
        force,
      });
      ctx.notifyChanges(true);
      return { transition, archived };
    }),
  );

  connection.onRequest(protocol.SetModelAlias, (params) =>
    guarded(() => {
      const { p, name, version } = modelVersionParams(params);
      const alias = text(p, 'alias', { max: 64 });
      const reason = optionalText(p, 'reason', { max: 10_000 });
      required().registry.setAlias(name, version, alias, { reason });
      ctx.notifyChanges(true);
    }),
  );

  connection.onRequest(protocol.RemoveModelAlias, (params) =>
    guarded(() => {
      const p = object(params);
      const name = text(p, 'name');
      const alias = text(p, 'alias', { max: 64 });
      const reason = optionalText(p, 'reason', { max: 10_000 });
      required().registry.removeAlias(name, alias, { reason });
      ctx.notifyChanges(true);
    }),
  );

  connection.onRequest(protocol.GetModelCard, (params) =>
    guarded(async () => {
      const { p, name, version } = modelVersionParams(params);
      const sliceColumn = optionalText(p, 'sliceColumn', { max: 500 });
      const { store, registry } = required();
      const card = await buildModelCard(store, registry, name, version, {
        sliceColumn,
        evaluate: ctx.registryOptions?.evaluate,
      });
      return { card, markdown: modelCardMarkdown(card) };
    }),
  );

  connection.onRequest(protocol.UpdateModelCard, (params) =>
    guarded(() => {
      const { p, name, version } = modelVersionParams(params);
      const fields = {
        intendedUse: optionalText(p, 'intendedUse', { null: 'keep' }),
        limitations: optionalText(p, 'limitations', { null: 'keep' }),
        description: optionalText(p, 'description', { null: 'keep' }),
      };
      required().registry.updateCard(name, version, fields);
      ctx.notifyChanges(true);
    }),
  );

  connection.onRequest(protocol.SaveGates, (params) =>
    guarded(() => {
      const p = object(params);
      const name = text(p, 'name', { max: 500 });
      const gates = validateGatesConfig(p.gates, 'gates');
      saveGates(storeLocation(), name, gates);
      ctx.notifyChanges(true);
    }),
  );

  connection.onRequest(protocol.RegisterModelFromRun, (params) =>
    guarded(() => {
      const p = object(params);
      const runId = text(p, 'runId', { max: MAX_RUN_ID_LENGTH });
      const artifactPath = text(p, 'artifactPath', { max: 255 });
      const name = text(p, 'name', { max: 500 });
      const description = optionalText(p, 'description');
      const version = required().registry.registerFromRun({
        name,
        runId,
        artifactPath,
        description,
      });
      ctx.notifyChanges(true);
      return version;
    }),
  );
}
