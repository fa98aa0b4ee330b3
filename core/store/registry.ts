/**
 * The model registry's store (issue 17, item 1): what core/registry may ask of registered
 * models, their numbered versions, aliases and the history of transitions. Each backend
 * implements it (SQLite: core/store/sqlite/registry.ts); core/registry keeps the rules
 * (names, gates, what a promotion archives) and holds no SQL.
 *
 * Plain data in and out, and atomicity through `transaction(fn)`, so the methods turn into
 * Promise-returning ones for an asynchronous backend without changing shape.
 */
import type { ModelTransition, ModelVersion, RegisteredModel, Stage } from '../registry/types';

/** A version as registered: it starts in stage None, without aliases or model card text. */
export type NewModelVersion = Pick<
  ModelVersion,
  | 'name'
  | 'runId'
  | 'artifactPath'
  | 'signature'
  | 'holdout'
  | 'description'
  | 'createdAt'
  | 'createdBy'
>;

/** The model card fields people write; undefined leaves a field as it is, null clears it. */
export type ModelCardChanges = Partial<
  Pick<ModelVersion, 'description' | 'intendedUse' | 'limitations'>
>;

export interface RegistryStore {
  /**
   * Runs `fn` atomically, taking the write lock first; a nested call nests, a throw undoes
   * what `fn` wrote.
   */
  transaction<T>(fn: () => T): T;
  /** Every registered model's name, sorted. */
  modelNames(): string[];
  /** The model with its latest, Staging and Production version numbers and its aliases. */
  model(name: string): RegisteredModel | undefined;
  /** A model's versions, newest first. */
  versions(name: string): ModelVersion[];
  version(name: string, version: number): ModelVersion | undefined;
  /** The version of a model in a stage (the newest, should there be several). */
  versionInStage(name: string, stage: Stage): ModelVersion | undefined;
  /** Every version a run produced (any model), by model name then version. */
  versionsOfRun(runId: string): ModelVersion[];
  /**
   * Registers the model's next version (1, 2, 3…), creating the model on its first version,
   * in one transaction so two writers never get the same number. Returns the number.
   */
  addVersion(version: NewModelVersion): number;
  setStage(name: string, version: number, stage: Stage): void;
  updateCard(name: string, version: number, changes: ModelCardChanges): void;
  setModelDescription(name: string, description: string | null): void;
  /** The version an alias points at. */
  aliasTarget(name: string, alias: string): number | undefined;
  /** Points the alias at the version, moving it when it pointed elsewhere. */
  setAlias(name: string, alias: string, version: number): void;
  removeAlias(name: string, alias: string): void;
  recordTransition(transition: Omit<ModelTransition, 'id'>): ModelTransition;
  /** A model's transitions, newest first. */
  transitions(name: string): ModelTransition[];
}
