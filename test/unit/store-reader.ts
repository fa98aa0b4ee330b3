/** Tests look at what code under test wrote through a read-only connection of their own. */
import { Store, type RunStore } from '../../core/store';
import { asyncRunStore } from '../../core/store/sqlite/async-run-store';

export function readStore<T>(path: string, fn: (store: Store) => T): T {
  const store = Store.open({ path, readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/** readStore for code that reads through the async RunStore interface. */
export async function readRunStore<T>(
  path: string,
  fn: (store: RunStore, sync: Store) => Promise<T>,
): Promise<T> {
  const store = Store.open({ path, readonly: true });
  try {
    return await fn(asyncRunStore(store), store);
  } finally {
    store.close();
  }
}
