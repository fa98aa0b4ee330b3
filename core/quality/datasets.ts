/**
 * Data set versions in the store (tables of migration 3, same SQLite file as the runs):
 * one row per distinct content (fingerprint) of a named data set, numbered 1, 2, 3… per
 * name, and the runs that used each version with their role and validation result.
 * Synchronous like the store. The rules (names, roles, fingerprints) are here; the rows
 * are the DatasetStore's (core/store/datasets.ts).
 */
import { datasetStore as datasetsOf, isOpenStore, type OpenStore } from '../store/stores';
import type { SyncRunStore } from '../store/types';
import type { DatasetProfile } from './types';
import type { ValidationResult } from './suite';

/** What the data set functions need: an open Labbook store (its runs and its data sets). */
export type DatasetStore = OpenStore;

export const MAX_DATASET_NAME_LENGTH = 200;

/** Artifact name of a version's rows (core/quality/snapshot.ts): by content, so the same data is stored once. */
export function snapshotArtifactName(fingerprint: string): string {
  return `labbook/datasets/${fingerprint}.parquet`;
}
/** Roles the editor knows; any other non-empty word is accepted too. */
export const DATASET_ROLES = ['train', 'test', 'validation', 'reference', 'current'] as const;
export type DatasetRole = (typeof DATASET_ROLES)[number] | (string & {});

export interface DatasetSchema {
  columns: { name: string; type: string; sqlType?: string }[];
}

export interface DatasetVersion {
  id: number;
  name: string;
  version: number;
  fingerprint: string;
  schema: DatasetSchema;
  profile: DatasetProfile | null;
  rows: number;
  source: string | null;
  createdAt: number;
}

export interface NewDataset {
  name: string;
  fingerprint: string;
  schema: DatasetSchema;
  profile?: DatasetProfile | null;
  rows: number;
  source?: string | null;
  createdAt?: number;
}

export interface RunInput {
  runId: string;
  dataset: DatasetVersion;
  role: string;
  validation: ValidationResult | null;
  createdAt: number;
}

/** The store as a DatasetStore, or a TypeError naming `method` when it has no SQL access. */
export function datasetStore(store: SyncRunStore, method: string): DatasetStore {
  if (!isOpenStore(store)) {
    throw new TypeError(
      `${method}: the store at ${store.location} cannot record data sets (it is not a Labbook SQLite store)`,
    );
  }
  return store;
}

/** A data set name: non-empty, trimmed, no control characters, no "@" or ":" (the run tag writes `name@version:role`). */
export function validateDatasetName(name: unknown, method = 'logDataset'): string {
  if (typeof name !== 'string' || name.trim() === '')
    throw new TypeError(`${method}: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (name !== name.trim())
    throw new TypeError(`${method}: name ${JSON.stringify(name)} starts or ends with white space`);
  if (name.length > MAX_DATASET_NAME_LENGTH)
    throw new TypeError(
      `${method}: name is ${name.length} characters long; the limit is ${MAX_DATASET_NAME_LENGTH}`,
    );
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name))
    throw new TypeError(`${method}: name ${JSON.stringify(name)} contains a control character`);
  if (/[@:,]/.test(name))
    throw new TypeError(
      `${method}: name ${JSON.stringify(name)} contains "@", ":" or ",", which the run tag labbook.datasets uses (name@version:role)`,
    );
  return name;
}

/** A role: a non-empty word of letters, digits, "_" or "-" (train, test, validation, reference, current, …). */
export function validateRole(role: unknown, method = 'logDataset'): string {
  if (typeof role !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(role)) {
    throw new TypeError(
      `${method}: role must be a word such as ${DATASET_ROLES.map((r) => JSON.stringify(r)).join(', ')}, got ${JSON.stringify(role)}`,
    );
  }
  return role;
}

/**
 * Records a data set version: when `name` already has a version with this fingerprint,
 * that version is returned unchanged (`created: false`); otherwise the next version number
 * of the name is created. One transaction, so two writers never get the same number.
 */
export function recordDataset(
  store: DatasetStore,
  input: NewDataset,
): DatasetVersion & { created: boolean } {
  const name = validateDatasetName(input.name, 'recordDataset');
  if (typeof input.fingerprint !== 'string' || !/^[0-9a-f]{64}$/.test(input.fingerprint)) {
    throw new TypeError(
      `recordDataset: fingerprint must be 64 lower-case hex digits (SHA-256), got ${JSON.stringify(input.fingerprint)}`,
    );
  }
  if (!Number.isSafeInteger(input.rows) || input.rows < 0)
    throw new TypeError(`recordDataset: rows must be a whole number >= 0, got ${input.rows}`);
  const datasets = datasetsOf(store);
  return datasets.transaction(() => {
    const existing = datasets.withFingerprint(name, input.fingerprint);
    if (existing) return { ...existing, created: false };
    const added = datasets.addVersion({
      name,
      fingerprint: input.fingerprint,
      schema: input.schema ?? { columns: [] },
      profile: input.profile ?? null,
      rows: input.rows,
      source: input.source ?? null,
      createdAt: input.createdAt ?? Date.now(),
    });
    return { ...added, created: true };
  });
}

/** Links a run to a data set version with its role (and validation result); logging the same (run, data set, role) again replaces the validation. */
export function recordRunInput(
  store: DatasetStore,
  input: {
    runId: string;
    datasetId: number;
    role: string;
    validation?: ValidationResult | null;
    createdAt?: number;
  },
): void {
  const role = validateRole(input.role, 'recordRunInput');
  if (!store.getRun(input.runId))
    throw new TypeError(
      `recordRunInput: no run ${JSON.stringify(input.runId)} in ${store.location}`,
    );
  datasetsOf(store).recordRunInput({
    runId: input.runId,
    datasetId: input.datasetId,
    role,
    validation: input.validation ?? null,
    createdAt: input.createdAt ?? Date.now(),
  });
}

/** One version, by name and number (default: the newest). */
export function getDataset(
  store: DatasetStore,
  name: string,
  version?: number,
): DatasetVersion | undefined {
  return datasetsOf(store).version(name, version);
}

/** Every version of every data set (or of one name), by name then version. */
export function listDatasets(store: DatasetStore, name?: string): DatasetVersion[] {
  return datasetsOf(store).versions(name);
}

/** The data sets a run used, in the order logged. */
export function runInputs(store: DatasetStore, runId: string): RunInput[] {
  return datasetsOf(store).runInputs(runId);
}

/** The runs that used a data set version, with their roles (deleted runs included). */
export function runsUsingDataset(
  store: DatasetStore,
  datasetId: number,
): { runId: string; role: string; passed: boolean | null }[] {
  return datasetsOf(store)
    .uses(datasetId)
    .map((use) => ({
      runId: use.runId,
      role: use.role,
      passed: use.validation === null ? null : use.validation.passed,
    }));
}
