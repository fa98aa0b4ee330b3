/**
 * Data set versions in the store (tables of migration 3, same SQLite file as the runs):
 * one row per distinct content (fingerprint) of a named data set, numbered 1, 2, 3… per
 * name, and the runs that used each version with their role and validation result.
 * Synchronous like the store, and written with the store's own SQL access (like
 * core/registry).
 */
import type { SyncRunStore, SqlAccess } from '../store/types';
import type { DatasetProfile } from './types';
import type { ValidationResult } from './suite';

/** What the data set functions need from a store: the SyncRunStore API plus SQL on its connection (core/store's Store). */
export type DatasetStore = SyncRunStore & { readonly sql: SqlAccess };

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

interface DatasetRow {
  id: number;
  name: string;
  version: number;
  fingerprint: string;
  schema: string;
  profile: string | null;
  rows: number;
  source: string | null;
  created_at: number;
}

const DATASET_COLUMNS =
  'd.id, d.name, d.version, d.fingerprint, d.schema, d.profile, d.rows, d.source, d.created_at';

function toDataset(row: DatasetRow): DatasetVersion {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    fingerprint: row.fingerprint,
    schema: JSON.parse(row.schema) as DatasetSchema,
    profile: row.profile === null ? null : (JSON.parse(row.profile) as DatasetProfile),
    rows: row.rows,
    source: row.source,
    createdAt: row.created_at,
  };
}

/** The store as a DatasetStore, or a TypeError naming `method` when it has no SQL access. */
export function datasetStore(store: SyncRunStore, method: string): DatasetStore {
  if (!('sql' in store) || !(store as Partial<DatasetStore>).sql) {
    throw new TypeError(
      `${method}: the store at ${store.location} cannot record data sets (it is not a Labbook SQLite store)`,
    );
  }
  return store as DatasetStore;
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
  return store.sql.transaction(() => {
    const existing = store.sql.get<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.name = ? AND d.fingerprint = ?`,
      name,
      input.fingerprint,
    );
    if (existing) return { ...toDataset(existing), created: false };
    const next =
      (store.sql.get<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM datasets WHERE name = ?',
        name,
      )?.v ?? 0) + 1;
    const createdAt = input.createdAt ?? Date.now();
    const result = store.sql.run(
      'INSERT INTO datasets (name, version, fingerprint, schema, profile, rows, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      name,
      next,
      input.fingerprint,
      JSON.stringify(input.schema ?? { columns: [] }),
      input.profile ? JSON.stringify(input.profile) : null,
      input.rows,
      input.source ?? null,
      createdAt,
    );
    const row = store.sql.get<DatasetRow>(
      `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.id = ?`,
      Number(result.lastInsertRowid),
    );
    return { ...toDataset(row as DatasetRow), created: true };
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
  store.sql.run(
    `INSERT INTO run_inputs (run_id, dataset_id, role, validation, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, dataset_id, role) DO UPDATE SET validation = excluded.validation, created_at = excluded.created_at`,
    input.runId,
    input.datasetId,
    role,
    input.validation ? JSON.stringify(input.validation) : null,
    input.createdAt ?? Date.now(),
  );
}

/** One version, by name and number (default: the newest). */
export function getDataset(
  store: DatasetStore,
  name: string,
  version?: number,
): DatasetVersion | undefined {
  const row =
    version === undefined
      ? store.sql.get<DatasetRow>(
          `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.name = ? ORDER BY d.version DESC LIMIT 1`,
          name,
        )
      : store.sql.get<DatasetRow>(
          `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.name = ? AND d.version = ?`,
          name,
          version,
        );
  return row ? toDataset(row) : undefined;
}

/** Every version of every data set (or of one name), by name then version. */
export function listDatasets(store: DatasetStore, name?: string): DatasetVersion[] {
  const rows =
    name === undefined
      ? store.sql.all<DatasetRow>(
          `SELECT ${DATASET_COLUMNS} FROM datasets d ORDER BY d.name, d.version`,
        )
      : store.sql.all<DatasetRow>(
          `SELECT ${DATASET_COLUMNS} FROM datasets d WHERE d.name = ? ORDER BY d.version`,
          name,
        );
  return rows.map(toDataset);
}

/** The data sets a run used, in the order logged. */
export function runInputs(store: DatasetStore, runId: string): RunInput[] {
  const rows = store.sql.all<
    DatasetRow & {
      run_id: string;
      role: string;
      validation: string | null;
      input_created_at: number;
    }
  >(
    `SELECT ${DATASET_COLUMNS}, i.run_id, i.role, i.validation, i.created_at AS input_created_at
     FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_id = ? ORDER BY i.created_at, d.name, i.role`,
    runId,
  );
  return rows.map((r) => ({
    runId: r.run_id,
    dataset: toDataset(r),
    role: r.role,
    validation: r.validation === null ? null : (JSON.parse(r.validation) as ValidationResult),
    createdAt: r.input_created_at,
  }));
}

/** The runs that used a data set version, with their roles (deleted runs included). */
export function runsUsingDataset(
  store: DatasetStore,
  datasetId: number,
): { runId: string; role: string; passed: boolean | null }[] {
  return store.sql
    .all<{ run_id: string; role: string; validation: string | null }>(
      'SELECT run_id, role, validation FROM run_inputs WHERE dataset_id = ? ORDER BY created_at, run_id',
      datasetId,
    )
    .map((r) => ({
      runId: r.run_id,
      role: r.role,
      passed: r.validation === null ? null : (JSON.parse(r.validation) as ValidationResult).passed,
    }));
}
