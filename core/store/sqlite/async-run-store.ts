/**
 * The SQLite store behind the async RunStore interface. better-sqlite3 answers in-process,
 * so each method runs synchronously and hands back a settled promise: a thrown error becomes
 * a rejection, never an exception out of the call, exactly as a network store behaves.
 */
import type { Store } from '../store';
import type { RunStore, SyncRunStore } from '../types';

type Method = (...args: unknown[]) => unknown;

/** `store` answering through promises; closing it closes the Store. */
export function asyncRunStore(store: Store): RunStore & { readonly sqlite: Store } {
  const sync = store as SyncRunStore;
  return new Proxy({} as RunStore & { readonly sqlite: Store }, {
    get(_target, property) {
      if (property === 'backend') return 'sqlite';
      if (property === 'sqlite') return store;
      if (property === 'location') return store.location;
      if (property === 'watch') return (onChange: () => void) => watchDataVersion(store, onChange);
      // A promise-like check (`await store`) must not see a `then` method.
      if (property === 'then') return undefined;
      const method = (sync as unknown as Record<PropertyKey, unknown>)[property];
      if (typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        try {
          return Promise.resolve((method as Method).apply(store, args));
        } catch (error) {
          return Promise.reject(error);
        }
      };
    },
  });
}

/** How often a SQLite watcher looks at data_version (the service's live views). */
export const WATCH_POLL_MS = 400;

/** SQLite has no push: a commit by another connection changes PRAGMA data_version. */
function watchDataVersion(store: Store, onChange: () => void): Promise<() => Promise<void>> {
  let last = store.dataVersion();
  const timer = setInterval(() => {
    if (!store.isOpen) return;
    const version = store.dataVersion();
    if (version !== last) {
      last = version;
      onChange();
    }
  }, WATCH_POLL_MS);
  timer.unref();
  return Promise.resolve(async () => clearInterval(timer));
}
