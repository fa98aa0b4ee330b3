/**
 * The serving domain's stores (issue 17, item 1): what core/serve and the registry may ask
 * of deployments, their events, the prediction log and its feedback. Each backend
 * implements these (SQLite: core/store/sqlite/); the feature folders call the methods and
 * hold no SQL, so a second backend changes nothing outside core/store/.
 *
 * The shapes are the domain's (core/common/serve-types.ts); how a backend encodes them
 * (JSON text, 0/1 for booleans) stays inside it.
 */
import type {
  Deployment,
  DeploymentEvent,
  Feedback,
  LoggedPrediction,
  PredictionLog,
  Variant,
} from '../common/serve-types';

/** How long a write may wait for another writer's lock (see SqlAccess.transaction). */
export interface LockWait {
  waitMs?: number;
}

/** A new deployment row: it starts `starting`, with no process, token file or times yet. */
export type NewDeployment = Pick<
  Deployment,
  | 'name'
  | 'modelName'
  | 'modelRef'
  | 'strategy'
  | 'primaryVersion'
  | 'candidateRef'
  | 'candidateVersion'
  | 'weight'
  | 'host'
  | 'port'
  | 'config'
  | 'createdAt'
  | 'createdBy'
>;

/** The fields a deployment changes over its life; `updatedAt` is set on every update. */
export type DeploymentChanges = Partial<
  Pick<
    Deployment,
    | 'strategy'
    | 'primaryVersion'
    | 'candidateRef'
    | 'candidateVersion'
    | 'weight'
    | 'port'
    | 'pid'
    | 'status'
    | 'error'
    | 'startedAt'
    | 'stoppedAt'
  >
>;

/** What holds a deployment's name while it is starting or running. */
export type LiveDeployment = Pick<Deployment, 'id' | 'port' | 'status' | 'pid' | 'updatedAt'>;

export interface DeploymentStore {
  /**
   * Runs `fn` atomically, taking the write lock first; a nested call nests. What `fn` does
   * outside the store (a token file) is not undone on a throw.
   */
  transaction<T>(fn: () => T): T;
  get(id: number): Deployment | undefined;
  /** The live (starting or running) deployment of that name, else its latest one. */
  find(name: string): Deployment | undefined;
  /** Every name ever deployed, sorted, once each. */
  names(): string[];
  /** Newest first; stopped and failed ones only with `all`. */
  list(options?: { all?: boolean }): Deployment[];
  /** The starting or running deployment holding `name`. */
  live(name: string): LiveDeployment | undefined;
  /** Records the deployment (status starting, empty token file); returns its id. */
  create(deployment: NewDeployment): number;
  setTokenFile(id: number, tokenFile: string): void;
  /** Changes the given fields (undefined ones are left alone) and `updatedAt` to now. */
  update(id: number, changes: DeploymentChanges): void;
  recordEvent(event: Omit<DeploymentEvent, 'id'>): DeploymentEvent;
  /** Newest first. */
  events(deploymentId: number): DeploymentEvent[];
  /** Whether a starting or running deployment serves that version, as primary or candidate. */
  servesVersion(modelName: string, version: number): boolean;
}

/** A logged answer of the primary or the candidate (not a shadow's), for feedback. */
export type AnsweredPrediction = Pick<PredictionLog, 'variant' | 'predicted' | 'outputs'>;

/** A logged prediction in a monitoring window. */
export type WindowPrediction = Pick<PredictionLog, 'at' | 'variant' | 'shadow' | 'latencyMs'>;

/** Logged predictions per variant and version among rows past a log position. */
export interface PredictionCount {
  variant: Variant;
  modelVersion: number;
  n: number;
  /** The newest log position counted: the next look starts after it. */
  seq: number;
}

/** A prediction with its feedback label. */
export type LabelledPrediction = Pick<
  PredictionLog,
  'variant' | 'modelVersion' | 'shadow' | 'predicted'
> & { label: Feedback['label'] };

/** Logged inputs with their log position (which grows with every write). */
export interface LoggedInputs {
  seq: number;
  inputs: PredictionLog['inputs'];
}

export interface PredictionLogStore {
  /** Writes the rows in one transaction (all or none); non-finite outputs are kept as null. */
  write(rows: readonly PredictionLog[], lock?: LockWait): void;
  /**
   * Deletes a deployment's rows older than `cutoff` and all but the newest `maxRows`
   * (rows tied with the newest one past the bound go too), with their feedback, in one
   * transaction. Returns the predictions deleted.
   */
  prune(
    deploymentId: number,
    retention: { maxRows: number; cutoff: number },
    lock?: LockWait,
  ): number;
  /** Stores (or replaces) the ground truth of one prediction. */
  recordFeedback(feedback: Feedback): void;
  /** Predictions at or after `since` with their feedback joined by id, newest first. */
  read(deploymentId: number, options: { limit: number; since: number }): LoggedPrediction[];
  answered(deploymentId: number, id: string): AnsweredPrediction | undefined;
  /** Predictions from `since` to `until` (inclusive), newest first, at most `limit`. */
  window(deploymentId: number, since: number, until: number, limit: number): WindowPrediction[];
  /**
   * Requests answered from `since` to `until`: one per request, whose instances are logged
   * as REQUEST.0, REQUEST.1… (one instance as REQUEST); shadows not counted.
   */
  requests(deploymentId: number, since: number, until: number): number;
  /** Counts of the rows logged after position `seq` (0: all). */
  countsAfter(deploymentId: number, seq: number): PredictionCount[];
  /** The predictions of the newest `limit` labels, oldest prediction first. */
  labelled(deploymentId: number, limit: number): LabelledPrediction[];
  /** The newest inputs answered by a version (shadows excluded), newest first. */
  recentInputs(deploymentId: number, modelVersion: number, limit: number): LoggedInputs[];
}
