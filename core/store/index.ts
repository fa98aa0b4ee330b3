/** The store's public API. Code outside core/store imports from here, never from better-sqlite3. */
export { Store } from './store';
export type { OpenStoreOptions } from './store';
export { StoreError, isBusy } from './errors';
export type { StoreErrorCode } from './errors';
export { resolveStorePath, artifactsDirFor, STORE_ENV_VAR } from './location';
export type { LocationOptions } from './location';
export { validateArtifactName, MAX_ARTIFACT_NAME_LENGTH } from './artifacts';
export type { ArtifactData } from './artifacts';
export { SCHEMA_VERSION } from './schema';
export { HEARTBEAT_INTERVAL_MS, STALE_HEARTBEAT_MS } from './liveness';
export type {
  Artifact,
  EndStatus,
  Experiment,
  LogArtifactOptions,
  MetricPoint,
  MetricValue,
  NewRun,
  Run,
  RunEnvironment,
  RunFilter,
  RunSearch,
  RunStatus,
  SyncRunStore,
} from './types';
export {
  datasetStore,
  deploymentStore,
  findArtifactByName,
  isOpenStore,
  predictionLogStore,
  registryStore,
  studyStore,
} from './stores';
export type { OpenStore, SqlBacked } from './stores';
export type { ModelCardChanges, NewModelVersion, RegistryStore } from './registry';
export type {
  AttemptOutcome,
  IntermediateValue,
  NewStudy,
  Study,
  StudyDirection,
  StudyStore,
  Trial,
  TrialAttempt,
  TrialEnd,
  TrialLease,
  TrialState,
} from './studies';
export type { DatasetStore, DatasetUse, NewRunInput } from './datasets';
export type { ArtifactFile } from './sqlite/artifact-lookup';
export type {
  AnsweredPrediction,
  DeploymentChanges,
  DeploymentStore,
  LabelledPrediction,
  LiveDeployment,
  LockWait,
  LoggedInputs,
  NewDeployment,
  PredictionCount,
  PredictionLogStore,
  WindowPrediction,
} from './serving';
export { openRunStore, openStore } from './open';
export type { OpenRunStoreOptions } from './open';
export {
  absoluteStore,
  isPostgresUrl,
  resolveStoreLocation,
  storeExists,
  storeFilesDir,
  storeName,
} from './location';
export type { StoreLocation } from './location';
export type { Async, RunStore } from './types';
