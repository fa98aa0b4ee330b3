/** Tests look at what code under test wrote through a read-only connection of their own. */
import { Store } from '../../core/store';

export function readStore<T>(path: string, fn: (store: Store) => T): T {
  const store = Store.open({ path, readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
