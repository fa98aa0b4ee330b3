/**
 * The data sets' store (issue 17, item 1): what core/quality may ask of data set versions
 * (one per distinct content of a name, numbered 1, 2, 3…) and of the runs that used them.
 * Each backend implements it (SQLite: core/store/sqlite/datasets.ts); core/quality keeps
 * the rules (names, roles, fingerprints) and holds no SQL.
 *
 * Plain data in and out, and atomicity through `transaction(fn)`, so the methods turn into
 * Promise-returning ones for an asynchronous backend without changing shape.
 */
import type { DatasetVersion, NewDataset, RunInput } from '../quality/datasets';
import type { ValidationResult } from '../quality/suite';

/** A run's use of a data set version, as recorded. */
export interface NewRunInput {
  runId: string;
  datasetId: number;
  role: string;
  validation: ValidationResult | null;
  createdAt: number;
}

/** A run that used a data set version, with its role and validation result. */
export interface DatasetUse {
  runId: string;
  role: string;
  validation: ValidationResult | null;
}

export interface DatasetStore {
  /**
   * Runs `fn` atomically, taking the write lock first; a nested call nests, a throw undoes
   * what `fn` wrote.
   */
  transaction<T>(fn: () => T): T;
  /** The version of `name` with this content, if one was recorded. */
  withFingerprint(name: string, fingerprint: string): DatasetVersion | undefined;
  /**
   * Records the next version of the name (1 for a new name). Call it inside `transaction`
   * after `withFingerprint`, so two writers never record the same content twice.
   */
  addVersion(dataset: Required<NewDataset>): DatasetVersion;
  /** One version by name and number (default: the newest). */
  version(name: string, version?: number): DatasetVersion | undefined;
  /** Every version of every data set (or of one name), by name then version. */
  versions(name?: string): DatasetVersion[];
  /** Links a run to a version with its role; the same (run, version, role) again replaces it. */
  recordRunInput(input: NewRunInput): void;
  /** The data sets a run used, in the order logged. */
  runInputs(runId: string): RunInput[];
  /** The runs that used a version (deleted runs included), in the order logged. */
  uses(datasetId: number): DatasetUse[];
}
