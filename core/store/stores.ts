/**
 * The domain stores of an open store, by backend. Today every store is SQLite (Store, with
 * its `sql` handle); a second backend answers here with its own implementations, and the
 * feature folders, which only see the interfaces, do not change.
 */
import type { DatasetStore } from './datasets';
import type { RegistryStore } from './registry';
import type { DeploymentStore, PredictionLogStore } from './serving';
import { artifactByName, type ArtifactFile } from './sqlite/artifact-lookup';
import { SqliteDatasetStore } from './sqlite/datasets';
import { SqliteDeploymentStore } from './sqlite/deployments';
import { SqlitePredictionLogStore } from './sqlite/prediction-logs';
import { SqliteRegistryStore } from './sqlite/registry';
import type { SyncRunStore, SqlAccess } from './types';

/** An open SQLite store (Store, or anything handing out its SQL handle). */
export interface SqliteBacked {
  readonly sql: SqlAccess;
}

/** An open store with every domain's store: the runs (SyncRunStore, SQLite's synchronous API) and the factories below. */
export type OpenStore = SyncRunStore & SqliteBacked;

/** Whether a SyncRunStore also opens the domain stores (a Labbook store, not a stand-in). */
export function isOpenStore(store: SyncRunStore): store is OpenStore {
  return Boolean((store as Partial<SqliteBacked>).sql);
}

/**
 * A factory of one domain's store: one instance per SQL handle, so callers ask for the
 * store per call and the object is reused.
 */
function perHandle<T>(create: (sql: SqlAccess) => T): (store: SqliteBacked) => T {
  const made = new WeakMap<SqlAccess, T>();
  return (store) => {
    let found = made.get(store.sql);
    if (found === undefined) made.set(store.sql, (found = create(store.sql)));
    return found;
  };
}

/** Deployments and their events. */
export const deploymentStore = perHandle<DeploymentStore>((sql) => new SqliteDeploymentStore(sql));

/** The prediction log, its feedback and the monitoring queries over them. */
export const predictionLogStore = perHandle<PredictionLogStore>(
  (sql) => new SqlitePredictionLogStore(sql),
);

/** Registered models, their versions, aliases and transitions. */
export const registryStore = perHandle<RegistryStore>((sql) => new SqliteRegistryStore(sql));

/** Data set versions and the runs that used them. */
export const datasetStore = perHandle<DatasetStore>((sql) => new SqliteDatasetStore(sql));

/** An artifact file by its name: the given run's if it logged one, else any run's. */
export function findArtifactByName(
  store: SqliteBacked,
  name: string,
  options: { preferRunId?: string } = {},
): ArtifactFile | undefined {
  return artifactByName(store.sql, name, options.preferRunId);
}
