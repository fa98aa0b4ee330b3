/**
 * Opens the runs-and-metrics store a location names, on its backend: a `postgres://` or
 * `postgresql://` URL is a PostgreSQL database, anything else a SQLite file. One rule for
 * every entry point, on top of resolveStoreLocation (explicit > LABBOOK_STORE > default).
 */
import { resolveStoreLocation, type LocationOptions } from './location';
import { PostgresRunStore } from './postgres/store';
import { PostgresSyncStore } from './postgres/sync/store';
import { asyncRunStore } from './sqlite/async-run-store';
import { Store, type OpenStoreOptions } from './store';
import type { OpenStore } from './stores';
import type { RunStore } from './types';

/** `artifactRoot` on PostgreSQL defaults to LABBOOK_ARTIFACTS, else `<cwd>/.labbook/artifacts`. */
export type OpenRunStoreOptions = OpenStoreOptions & LocationOptions;

export async function openRunStore(options: OpenRunStoreOptions = {}): Promise<RunStore> {
  const location = resolveStoreLocation(options);
  if (location.backend === 'postgres') {
    return PostgresRunStore.open(location.url, {
      artifactRoot: options.artifactRoot,
      detectKilledRuns: options.detectKilledRuns,
      env: options.env,
      cwd: options.cwd,
    });
  }
  return asyncRunStore(Store.open({ ...options, path: location.path }));
}

/**
 * Opens the store a location names with the synchronous API (runs and metrics plus every
 * domain's store): the SDK, the registry, serving and the workspace service are written
 * against it. SQLite answers in-process; PostgreSQL through a connection thread
 * (core/store/postgres/sync), so the same code runs on a team's server.
 */
export function openStore(options: OpenStoreOptions = {}): OpenStore {
  const location = resolveStoreLocation(options);
  if (location.backend === 'postgres') {
    return PostgresSyncStore.open(location.url, {
      artifactRoot: options.artifactRoot,
      detectKilledRuns: options.readonly ? false : options.detectKilledRuns,
      env: options.env,
      cwd: options.cwd,
    });
  }
  return Store.open({ ...options, path: location.path });
}
