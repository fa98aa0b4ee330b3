/**
 * What every SQLite domain store shares: the store's SQL handle and transactions on it, so
 * the domains of one store write atomically together (a data set version and the run's tag).
 */
import type { SqlAccess } from '../types';

export abstract class SqliteDomainStore {
  constructor(protected readonly sql: SqlAccess) {}

  transaction<T>(fn: () => T): T {
    return this.sql.transaction(fn);
  }
}
