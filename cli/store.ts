/** The store a command reads: the CLI never creates one by reading it. */
import { storeExists } from '../core/store/location';
import { UsageError } from './errors';

/** `path`, when a store is there; else a usage error, with `nothingYet` saying what cannot exist without one. */
export function existingStore(path: string, nothingYet?: string): string {
  if (!storeExists(path))
    throw new UsageError(`No Labbook store at ${path}${nothingYet ? `: ${nothingYet}` : ''}`);
  return path;
}
