/**
 * The model registry over an open store (tables of migration 2, same SQLite file as the
 * runs): registered models, numbered versions linked to their run, stages, aliases and
 * the history of every transition. Synchronous like the store; only promotion is async,
 * because a gate may evaluate models on a holdout set.
 *
 * Versions are never deleted: there is no delete API, and the store refuses to purge a run
 * that produced one.
 */
import { storeFilesDir } from '../store/location';
import { dirname } from 'node:path';
import { validateArtifactName } from '../store/artifacts';
import type { ModelCardChanges, RegistryStore } from '../store/registry';
import { deploymentStore, registryStore, type OpenStore } from '../store/stores';
import {
  describeFailures,
  judgeGates,
  readGates,
  type EvaluateVersion,
  type JudgeContext,
} from './gates';
import { evaluateVersion } from './evaluate';
import { parseStage } from './refs';
import {
  RegistryError,
  STAGES,
  type GateResult,
  type HoldoutInfo,
  type ModelSignature,
  type ModelTransition,
  type ModelVersion,
  type RegisteredModel,
  type Stage,
} from './types';
import { whoAmI } from '../who';

export const MAX_MODEL_NAME_LENGTH = 200;
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Words a reference reads specially (`NAME@production`, `NAME@latest` later): never aliases. */
const RESERVED_ALIASES = new Set([...STAGES.map((s) => s.toLowerCase()), 'latest']);

export interface RegisterVersionInput {
  name: string;
  runId: string;
  /** Artifact folder of the run holding `model.json` and the weights, e.g. `model/`. */
  artifactPath: string;
  signature?: ModelSignature | null;
  holdout?: HoldoutInfo | null;
  description?: string | null;
  by?: string;
}

export interface PromoteInput {
  name: string;
  version: number;
  to: Stage | string;
  reason?: string | null;
  /** Override failing gates; needs a reason. */
  force?: boolean;
  by?: string;
}

export interface PromotionPreview {
  gates: GateResult[];
  passed: boolean;
  willArchive: number | null;
}

export interface RegistryOptions {
  /** Holdout evaluation (default: core/registry/evaluate.ts, loaded on first use: it needs tfjs). */
  evaluate?: EvaluateVersion;
  /** Who makes changes when a call does not say (default: git user.name next to the store, else the OS user). */
  who?: () => string;
  /** Progress of holdout evaluations (the CLI's progress line). */
  onProgress?: JudgeContext['onProgress'];
}

/** The default evaluator (tfjs loads only when a holdout is evaluated: core/engines.ts). */
export const defaultEvaluate: EvaluateVersion = (store, version, options) =>
  evaluateVersion(store, version, options);

export function validateModelName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw new RegistryError(
      'INVALID',
      `model name must be a non-empty string, got ${JSON.stringify(name)}`,
    );
  if (name !== name.trim())
    throw new RegistryError(
      'INVALID',
      `model name ${JSON.stringify(name)} starts or ends with white space`,
    );
  if (name.length > MAX_MODEL_NAME_LENGTH)
    throw new RegistryError(
      'INVALID',
      `model name is ${name.length} characters long; the limit is ${MAX_MODEL_NAME_LENGTH}`,
    );
  if (name.includes('@') || name.includes('/')) {
    throw new RegistryError(
      'INVALID',
      `model name ${JSON.stringify(name)} contains "${name.includes('@') ? '@' : '/'}", which references use (NAME@production, NAME/3)`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new RegistryError(
      'INVALID',
      `model name ${JSON.stringify(name)} contains a control character`,
    );
  return name;
}

export function validateAlias(alias: unknown): string {
  if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias)) {
    throw new RegistryError(
      'INVALID',
      `alias ${JSON.stringify(alias)} is not valid: it starts with a letter and has up to 64 letters, digits, "_" or "-" (e.g. champion, challenger)`,
    );
  }
  if (RESERVED_ALIASES.has(alias.toLowerCase())) {
    throw new RegistryError(
      'INVALID',
      `alias ${JSON.stringify(alias)} is reserved: NAME@${alias.toLowerCase()} ${alias.toLowerCase() === 'latest' ? 'means the newest version' : 'names a stage'}`,
    );
  }
  return alias;
}

export function validateStage(to: unknown): Stage {
  const stage = typeof to === 'string' ? parseStage(to) : undefined;
  if (!stage)
    throw new RegistryError(
      'INVALID',
      `unknown stage ${JSON.stringify(to)}: one of ${STAGES.join(', ')}`,
    );
  return stage;
}

function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string')
    throw new RegistryError('INVALID', `${field} must be a string, got ${typeof value}`);
  return value.trim() === '' ? null : value;
}

export class Registry {
  private readonly models: RegistryStore;
  private readonly evaluate: EvaluateVersion;
  private readonly who: () => string;
  private readonly onProgress?: JudgeContext['onProgress'];

  constructor(
    readonly store: OpenStore,
    options: RegistryOptions = {},
  ) {
    this.models = registryStore(store);
    this.evaluate = options.evaluate ?? defaultEvaluate;
    // The store lives in <workspace>/.labbook/: ask git there, not wherever the process started.
    this.who = options.who ?? (() => whoAmI(dirname(storeFilesDir(store.location))));
    this.onProgress = options.onProgress;
  }

  // ---- reading ----

  listModels(): RegisteredModel[] {
    return this.models.modelNames().map((name) => this.getModel(name)!);
  }

  getModel(name: string): RegisteredModel | undefined {
    return this.models.model(name);
  }

  /** Newest first. */
  listVersions(name: string): ModelVersion[] {
    return this.models.versions(name);
  }

  getVersion(name: string, version: number): ModelVersion | undefined {
    return this.models.version(name, version);
  }

  /** Every version a run produced (any model), oldest first: the run's lineage. */
  versionsOfRun(runId: string): ModelVersion[] {
    return this.models.versionsOfRun(runId);
  }

  /** The version or a NOT_FOUND error naming what exists. */
  requireVersion(name: string, version: number): ModelVersion {
    if (!Number.isSafeInteger(version) || version < 1)
      throw new RegistryError(
        'INVALID',
        `version must be a whole number >= 1, got ${JSON.stringify(version)}`,
      );
    const model = this.getModel(name);
    if (!model) {
      const known = this.listModels().map((m) => m.name);
      throw new RegistryError(
        'NOT_FOUND',
        `no registered model named ${JSON.stringify(name)}${known.length ? ` (models: ${known.join(', ')})` : ''}`,
      );
    }
    const found = this.getVersion(name, version);
    if (!found)
      throw new RegistryError(
        'NOT_FOUND',
        `model ${JSON.stringify(name)} has no version ${version} (versions 1 to ${model.latestVersion})`,
      );
    return found;
  }

  /** Newest first. */
  history(name: string): ModelTransition[] {
    return this.models.transitions(name);
  }

  /**
   * Whether a live deployment (starting or running, core/serve) serves the version, as its
   * primary or its candidate.
   */
  inUse(name: string, version: number): boolean {
    return deploymentStore(this.store).servesVersion(name, version);
  }

  productionVersion(name: string): ModelVersion | undefined {
    return this.models.versionInStage(name, 'Production');
  }

  // ---- writing ----

  private record(t: Omit<ModelTransition, 'id'>): ModelTransition {
    return this.models.recordTransition(t);
  }

  /** Registers the model a run saved under `artifactPath` as the model's next version (1, 2, 3…). */
  registerVersion(input: RegisterVersionInput): ModelVersion {
    const name = validateModelName(input?.name);
    if (typeof input.runId !== 'string' || input.runId === '')
      throw new RegistryError('INVALID', 'runId must be a non-empty string');
    const run = this.store.getRun(input.runId);
    if (!run)
      throw new RegistryError(
        'NOT_FOUND',
        `no run with id ${JSON.stringify(input.runId)} in ${this.store.location}`,
      );
    if (typeof input.artifactPath !== 'string')
      throw new RegistryError('INVALID', 'artifactPath must be a string such as "model/"');
    const folder = input.artifactPath.replace(/\/+$/, '');
    try {
      validateArtifactName(folder);
    } catch (error) {
      throw new RegistryError('INVALID', `artifactPath: ${(error as Error).message}`);
    }
    const artifactPath = `${folder}/`;
    const names = this.store.listArtifacts(run.id).map((a) => a.name);
    if (!names.includes(`${artifactPath}model.json`)) {
      const folders = [
        ...new Set(
          names
            .filter((n) => n.endsWith('/model.json'))
            .map((n) => n.slice(0, -'model.json'.length)),
        ),
      ];
      throw new RegistryError(
        'NOT_FOUND',
        `run ${run.id} has no model at ${artifactPath} (no artifact ${artifactPath}model.json)${folders.length ? `; models in this run: ${folders.join(', ')}` : ''}`,
      );
    }
    if (input.holdout && !names.includes(input.holdout.artifact)) {
      throw new RegistryError(
        'NOT_FOUND',
        `run ${run.id} has no holdout artifact ${JSON.stringify(input.holdout.artifact)}`,
      );
    }
    const description = optionalText(input.description, 'description');
    const by = input.by ?? this.who();
    const now = Date.now();
    const version = this.models.transaction(() => {
      const next = this.models.addVersion({
        name,
        runId: run.id,
        artifactPath,
        signature: input.signature ?? null,
        holdout: input.holdout ?? null,
        description,
        createdAt: now,
        createdBy: by,
      });
      this.record({
        name,
        version: next,
        kind: 'registered',
        from: null,
        to: 'None',
        alias: null,
        at: now,
        by,
        reason: null,
        forced: false,
        gates: null,
      });
      return next;
    });
    return this.getVersion(name, version)!;
  }

  /**
   * Registers a model an existing run saved as an artifact folder ("Register Model from
   * Run"). A `holdout.json` ({ rows, label }) in the folder, as `run.logModel` writes it, and
   * a `signature.json` are picked up; else the signature and holdout of a version already
   * registered from the same folder are reused. (Inferring a signature from the tfjs model
   * itself is model-io's job and needs tfjs; not done here.)
   */
  registerFromRun(input: {
    name: string;
    runId: string;
    artifactPath: string;
    description?: string | null;
    by?: string;
  }): ModelVersion {
    const folder = `${String(input.artifactPath ?? '').replace(/\/+$/, '')}/`;
    const artifacts = this.store.getRun(input.runId) ? this.store.listArtifacts(input.runId) : [];
    const find = (file: string) => artifacts.find((a) => a.name === `${folder}${file}`);
    let holdout: HoldoutInfo | null = null;
    const holdoutArtifact = find('holdout.json');
    if (holdoutArtifact) {
      try {
        const parsed = JSON.parse(
          this.store.readArtifact(input.runId, holdoutArtifact.name).toString('utf8'),
        ) as { rows?: unknown; label?: unknown };
        if (Array.isArray(parsed.rows) && typeof parsed.label === 'string') {
          const columns = [
            ...new Set(
              parsed.rows.flatMap((r) =>
                r && typeof r === 'object' ? Object.keys(r as object) : [],
              ),
            ),
          ];
          holdout = {
            artifact: holdoutArtifact.name,
            rows: parsed.rows.length,
            label: parsed.label,
            columns,
            sha256: holdoutArtifact.sha256,
          };
        }
      } catch {
        // not a holdout set after all: register without one
      }
    }
    let signature: ModelSignature | null = null;
    const signatureArtifact = find('signature.json');
    if (signatureArtifact) {
      try {
        const parsed = JSON.parse(
          this.store.readArtifact(input.runId, signatureArtifact.name).toString('utf8'),
        ) as ModelSignature;
        if (parsed && Array.isArray(parsed.features) && Array.isArray(parsed.inputShape))
          signature = parsed;
      } catch {
        // ignored: the signature is optional
      }
    }
    // The same folder registered before (by run.logModel, under any name): its signature and holdout still hold.
    const earlier = this.versionsOfRun(input.runId).find((v) => v.artifactPath === folder);
    return this.registerVersion({
      ...input,
      holdout: holdout ?? earlier?.holdout ?? null,
      signature: signature ?? earlier?.signature ?? null,
    });
  }

  private judgeContext(): JudgeContext {
    return { store: this.store, evaluate: this.evaluate, onProgress: this.onProgress };
  }

  /** Gates of the target stage judged now, and what promoting to Production would archive. */
  async previewPromotion(
    name: string,
    version: number,
    to: Stage | string,
  ): Promise<PromotionPreview> {
    const target = this.requireVersion(name, version);
    const stage = validateStage(to);
    const production = this.productionVersion(name);
    const other = production && production.version !== target.version ? production : null;
    const gates = await this.judge(target, stage, other);
    return {
      gates,
      passed: gates.every((g) => g.passed),
      willArchive: stage === 'Production' && other ? other.version : null,
    };
  }

  private async judge(
    target: ModelVersion,
    stage: Stage,
    production: ModelVersion | null,
  ): Promise<GateResult[]> {
    if (stage !== 'Staging' && stage !== 'Production') return [];
    const config = readGates(this.store.location, target.name);
    const gates = stage === 'Production' ? config?.production : config?.staging;
    return judgeGates(this.judgeContext(), target, gates, production);
  }

  /**
   * Moves a version to a stage. Gates of Staging/Production are judged first; failing gates
   * refuse the promotion (GATES_FAILED, every failing gate with its numbers) unless forced
   * with a reason. Then, in one transaction: the stage changes, a promotion to Production
   * archives the previous Production version (its own transition, "replaced by vN"), and the
   * transition is recorded with the gate results.
   */
  async promote(
    input: PromoteInput,
  ): Promise<{ transition: ModelTransition; archived: number | null; gates: GateResult[] }> {
    const name = validateModelName(input?.name);
    const to = validateStage(input.to);
    const reason = optionalText(input.reason, 'reason');
    const force = input.force === true;
    if (force && !reason)
      throw new RegistryError(
        'INVALID',
        'overriding the gates (--force) needs a reason (--reason TEXT); it is recorded with the transition',
      );
    const target = this.requireVersion(name, input.version);
    if (target.stage === to)
      throw new RegistryError('INVALID', `${name} v${target.version} is already in ${to}`);
    const production = this.productionVersion(name);
    const other = production && production.version !== target.version ? production : null;
    const gates = await this.judge(target, to, other);
    const passed = gates.every((g) => g.passed);
    if (!passed && !force)
      throw new RegistryError(
        'GATES_FAILED',
        describeFailures(name, target.version, to, gates),
        gates,
      );
    const by = input.by ?? this.who();
    return this.models.transaction(() => {
      // Gates were judged against this state: if another process moved things meanwhile, judge again.
      const now = this.getVersion(name, target.version)!;
      const prodNow = this.productionVersion(name);
      if (
        now.stage !== target.stage ||
        (prodNow?.version ?? null) !== (production?.version ?? null)
      ) {
        throw new RegistryError(
          'CONFLICT',
          `${name} changed while the gates were judged (v${target.version} is now ${now.stage}, Production is ${prodNow ? `v${prodNow.version}` : 'none'}); try again`,
        );
      }
      const at = Date.now();
      let archived: number | null = null;
      if (to === 'Production' && other) {
        this.models.setStage(name, other.version, 'Archived');
        this.record({
          name,
          version: other.version,
          kind: 'stage',
          from: 'Production',
          to: 'Archived',
          alias: null,
          at,
          by,
          reason: `replaced by v${target.version}`,
          forced: false,
          gates: null,
        });
        archived = other.version;
      }
      this.models.setStage(name, target.version, to);
      const transition = this.record({
        name,
        version: target.version,
        kind: 'stage',
        from: target.stage,
        to,
        alias: null,
        at,
        by,
        reason,
        forced: force && !passed,
        gates: to === 'Staging' || to === 'Production' ? gates : null,
      });
      return { transition, archived, gates };
    });
  }

  /** Points an alias at a version (moving it if it pointed elsewhere). */
  setAlias(
    name: string,
    version: number,
    alias: string,
    options: { reason?: string | null; by?: string } = {},
  ): ModelTransition | null {
    validateModelName(name);
    validateAlias(alias);
    const target = this.requireVersion(name, version);
    const reason = optionalText(options.reason, 'reason');
    const by = options.by ?? this.who();
    return this.models.transaction(() => {
      const current = this.models.aliasTarget(name, alias);
      if (current === target.version) return null; // already there: nothing to record
      this.models.setAlias(name, alias, target.version);
      return this.record({
        name,
        version: target.version,
        kind: 'alias-set',
        from: null,
        to: null,
        alias,
        at: Date.now(),
        by,
        reason: reason ?? (current !== undefined ? `moved from v${current}` : null),
        forced: false,
        gates: null,
      });
    });
  }

  removeAlias(
    name: string,
    alias: string,
    options: { reason?: string | null; by?: string; version?: number } = {},
  ): ModelTransition {
    validateModelName(name);
    if (typeof alias !== 'string' || alias === '')
      throw new RegistryError('INVALID', 'alias must be a non-empty string');
    const reason = optionalText(options.reason, 'reason');
    const by = options.by ?? this.who();
    return this.models.transaction(() => {
      const current = this.models.aliasTarget(name, alias);
      if (current === undefined) {
        const known = Object.keys(this.getModel(name)?.aliases ?? {});
        throw new RegistryError(
          'NOT_FOUND',
          `model ${JSON.stringify(name)} has no alias ${JSON.stringify(alias)}${known.length ? ` (aliases: ${known.join(', ')})` : ''}`,
        );
      }
      if (options.version !== undefined && options.version !== current) {
        throw new RegistryError(
          'CONFLICT',
          `alias ${alias} of ${name} points at v${current}, not v${options.version}; nothing was removed`,
        );
      }
      this.models.removeAlias(name, alias);
      return this.record({
        name,
        version: current,
        kind: 'alias-removed',
        from: null,
        to: null,
        alias,
        at: Date.now(),
        by,
        reason,
        forced: false,
        gates: null,
      });
    });
  }

  /** The human parts of the model card (and the version's description): undefined leaves a field, null or "" clears it. */
  updateCard(
    name: string,
    version: number,
    fields: {
      description?: string | null;
      intendedUse?: string | null;
      limitations?: string | null;
    },
  ): ModelVersion {
    this.requireVersion(name, version);
    const changes: ModelCardChanges = {};
    for (const field of ['description', 'intendedUse', 'limitations'] as const) {
      if (fields[field] !== undefined) changes[field] = optionalText(fields[field], field);
    }
    this.models.updateCard(name, version, changes);
    return this.getVersion(name, version)!;
  }

  /** The model's own description (shown above its versions). */
  setModelDescription(name: string, description: string | null): void {
    if (!this.getModel(name))
      throw new RegistryError('NOT_FOUND', `no registered model named ${JSON.stringify(name)}`);
    this.models.setModelDescription(name, optionalText(description, 'description'));
  }
}
