/**
 * The domain stores of an open store. Each is written once, against the store's SqlAccess,
 * in SQL both backends speak: SQLite's Store answers it in-process, PostgreSQL's
 * PostgresSyncStore on its session connection (core/store/postgres/sync). The feature
 * folders only see the interfaces.
 */
import type { DatasetStore } from './datasets';
import type { RegistryStore } from './registry';
import type { DeploymentStore, PredictionLogStore } from './serving';
import { artifactByName, type ArtifactFile } from './sqlite/artifact-lookup';
import { SqliteDatasetStore } from './sqlite/datasets';
import { SqliteDeploymentStore } from './sqlite/deployments';
import { SqlitePredictionLogStore } from './sqlite/prediction-logs';
import { SqliteRegistryStore } from './sqlite/registry';
import { SqlStudyStore } from './sqlite/studies';
import type { StudyStore } from './studies';
import type { SyncRunStore, SqlAccess } from './types';

/** An open store's SQL handle, on which every domain store is made. */
export interface SqlBacked {
  readonly sql: SqlAccess;
}

/** An open store with every domain's store: the runs (SyncRunStore) and the factories below. */
export type OpenStore = SyncRunStore &
  SqlBacked & {
    readonly backend: 'sqlite' | 'postgres';
    readonly isOpen: boolean;
    /**
     * What opens this store again (a server process, a nested run): the file's path, or the
     * URL with its password. `location` is for messages: a URL's password is hidden there.
     */
    readonly address: string;
    /** The file holding an artifact's content (content-addressed, under the root it was recorded at). */
    artifactPath(sha256: string): string;
  };

/** Whether a SyncRunStore also opens the domain stores (a Labbook store, not a stand-in). */
export function isOpenStore(store: SyncRunStore): store is OpenStore {
  return Boolean((store as Partial<SqlBacked>).sql);
}

/**
 * A factory of one domain's store: one instance per SQL handle, so callers ask for the
 * store per call and the object is reused.
 */
function perHandle<T>(create: (sql: SqlAccess) => T): (store: SqlBacked) => T {
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

/** Shared hyperparameter studies, their trials, leases and intermediate values. */
export const studyStore = perHandle<StudyStore>((sql) => new SqlStudyStore(sql));

/** An artifact file by its name: the given run's if it logged one, else any run's. */
export function findArtifactByName(
  store: SqlBacked,
  name: string,
  options: { preferRunId?: string } = {},
): ArtifactFile | undefined {
  return artifactByName(store.sql, name, options.preferRunId);
}
