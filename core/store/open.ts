/**
 * Opens the runs-and-metrics store a location names, on its backend: a `postgres://` or
 * `postgresql://` URL is a PostgreSQL database, anything else a SQLite file. One rule for
 * every entry point, on top of resolveStoreLocation (explicit > LABBOOK_STORE > default).
 */
import { resolveStoreLocation, type LocationOptions } from './location';
import { PostgresRunStore } from './postgres/store';
import { asyncRunStore } from './sqlite/async-run-store';
import { Store, type OpenStoreOptions } from './store';
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
