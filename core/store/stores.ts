/**
 * The domain stores of an open store, by backend. Today every store is SQLite (Store, with
 * its `sql` handle); a second backend answers here with its own implementations, and the
 * feature folders, which only see the interfaces, do not change.
 */
import type { DeploymentStore, PredictionLogStore } from './serving';
import { artifactByName, type ArtifactFile } from './sqlite/artifact-lookup';
import { SqliteDeploymentStore } from './sqlite/deployments';
import { SqlitePredictionLogStore } from './sqlite/prediction-logs';
import type { SqlAccess } from './types';

/** An open SQLite store (Store, or anything handing out its SQL handle). */
export interface SqliteBacked {
  readonly sql: SqlAccess;
}

// One instance per SQL handle: callers ask for the store per call, the object is reused.
const deployments = new WeakMap<SqlAccess, DeploymentStore>();
const predictionLogs = new WeakMap<SqlAccess, PredictionLogStore>();

/** Deployments and their events. */
export function deploymentStore(store: SqliteBacked): DeploymentStore {
  let found = deployments.get(store.sql);
  if (!found) deployments.set(store.sql, (found = new SqliteDeploymentStore(store.sql)));
  return found;
}

/** The prediction log, its feedback and the monitoring queries over them. */
export function predictionLogStore(store: SqliteBacked): PredictionLogStore {
  let found = predictionLogs.get(store.sql);
  if (!found) predictionLogs.set(store.sql, (found = new SqlitePredictionLogStore(store.sql)));
  return found;
}

/** An artifact file by its name: the given run's if it logged one, else any run's. */
export function findArtifactByName(
  store: SqliteBacked,
  name: string,
  options: { preferRunId?: string } = {},
): ArtifactFile | undefined {
  return artifactByName(store.sql, name, options.preferRunId);
}
