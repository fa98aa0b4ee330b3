/**
 * Data sets in notebooks: `await run.logDataset(data, { name, role, suite? })` records the
 * data a run used: its content fingerprint (the same content is the same version), schema,
 * profile and, with a suite, the validation result, linked to the run with its role.
 *
 * DuckDB is loaded on first use (core/engines.ts), so `import * as lab from "labbook"`
 * stays cheap.
 */
import { isAbsolute, resolve } from 'node:path';
import type { SyncRunStore } from '../../core/store';
import { datasetStore } from '../../core/store/stores';
import * as datasets from '../../core/quality/datasets';
import { examineDataset } from '../../core/quality/examine';
import { fingerprintFile, fingerprintRows } from '../../core/quality/fingerprint';
import { snapshotArtifactName } from '../../core/quality/snapshot';
import { parseSuite, type Suite, type ValidationResult } from '../../core/quality/suite';
import { loadSuite } from '../../core/quality/suite-io';
import type { DatasetProfile } from '../../core/quality/types';
import type { DatasetRole, DatasetSchema } from '../../core/quality/datasets';

export type { DatasetRole, Suite, ValidationResult, DatasetProfile };

/** Run tag listing the data sets a run used: `name@version:role`, comma-separated. */
export const DATASETS_TAG = 'labbook.datasets';

/**
 * What {@link Run.logDataset} takes: a file path (CSV, TSV, JSON, NDJSON, Parquet), rows (any objects: a typed `interface Penguin` array works, which
 * `Record<string, unknown>[]` would refuse for want of an index signature), or columns.
 */
export type DatasetInput = string | readonly object[] | Record<string, readonly unknown[]>;

export interface LogDatasetOptions {
  /** Data set name, e.g. `penguins-train`; versions are numbered 1, 2, 3… per distinct content. */
  name: string;
  /** What the run used it for: `train`, `test`, `validation`, `reference`, `current` or another word. */
  role: DatasetRole;
  /**
   * Validate against this suite: the name of a saved suite (`.labbook/suites/NAME.json`
   * next to the store) or a suite object. The result is stored with the run; a failing
   * suite does not throw (check `result.validation.passed`).
   */
  suite?: string | Suite;
  /**
   * Keep the rows as a Parquet artifact of the run so this version can later be compared
   * for drift with another (default true: up to 100,000 rows, a seeded sample beyond);
   * a number caps the rows; false keeps only fingerprint, schema and profile.
   */
  snapshot?: boolean | number;
  /** Where the data came from, recorded with the version (default: the file's path; for derived data, its lineage, e.g. `derived:penguins@1:clean`). */
  source?: string;
}

export interface LoggedDataset {
  name: string;
  version: number;
  /** SHA-256 of the file bytes, or of the canonical JSON of the rows. */
  fingerprint: string;
  /** True when this content was new (a new version). */
  created: boolean;
  rows: number;
  schema: DatasetSchema;
  profile: DatasetProfile;
  validation?: ValidationResult;
  /** The run artifact holding the rows (absent with `snapshot: false`). */
  snapshot?: { artifact: string; rows: number; sampled: boolean };
}

function describeData(data: unknown): string {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  return typeof data;
}

/** @internal The body of Run.logDataset. */
export async function logDatasetForRun(
  runId: string,
  store: SyncRunStore,
  data: DatasetInput,
  options: LogDatasetOptions,
): Promise<LoggedDataset> {
  if (!options || typeof options !== 'object')
    throw new TypeError(
      'logDataset: options { name, role } are required, e.g. { name: "penguins", role: "train" }',
    );
  const name = datasets.validateDatasetName(options.name);
  const role = datasets.validateRole(options.role);
  if (options.source !== undefined && typeof options.source !== 'string')
    throw new TypeError(`logDataset: source must be text, got ${describeData(options.source)}`);
  const target = datasets.datasetStore(store, 'logDataset');

  let path: string | undefined;
  if (typeof data === 'string') {
    if (data.trim() === '')
      throw new TypeError(
        'logDataset: data must be a file path, an array of row objects or an object of column arrays; got an empty string',
      );
    path = isAbsolute(data) ? data : resolve(process.cwd(), data);
  } else if (data === null || typeof data !== 'object') {
    throw new TypeError(
      `logDataset: data must be a file path, an array of row objects or an object of column arrays; got ${describeData(data)}`,
    );
  }

  let suite: Suite | undefined;
  if (options.suite !== undefined) {
    suite =
      typeof options.suite === 'string'
        ? loadSuite(store.location, options.suite)
        : parseSuite(options.suite, 'logDataset: suite');
  }

  const snapshotRows =
    options.snapshot === undefined || options.snapshot === true ? undefined : options.snapshot;
  if (
    snapshotRows !== undefined &&
    snapshotRows !== false &&
    (!Number.isSafeInteger(snapshotRows) || snapshotRows < 1)
  ) {
    throw new TypeError(
      `logDataset: snapshot must be true, false or a whole number of rows >= 1, got ${JSON.stringify(options.snapshot)}`,
    );
  }

  let fingerprint: string;
  const rows = data as Record<string, unknown>[] | Record<string, unknown[]>;
  if (path !== undefined) {
    try {
      fingerprint = await fingerprintFile(path);
    } catch (error) {
      throw new Error(`logDataset: cannot read ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  } else {
    fingerprint = fingerprintRows(rows);
  }
  // Profile, validation and snapshot from one load of the data into DuckDB.
  const { profile, validation, snapshot } = await examineDataset(path ?? rows, {
    profile: { source: path ?? name },
    suite,
    snapshot: snapshotRows,
  });
  const schema: DatasetSchema = {
    columns: profile.columns.map((c) => ({ name: c.name, type: c.type })),
  };

  // The version, the run's input and its tag in one transaction: all or none.
  const recorded = datasetStore(target).transaction(() => {
    const version = datasets.recordDataset(target, {
      name,
      fingerprint,
      schema,
      profile,
      rows: profile.rows,
      source: options.source ?? path ?? null,
    });
    datasets.recordRunInput(target, {
      runId,
      datasetId: version.id,
      role,
      validation: validation ?? null,
    });
    const entry = `${name}@${version.version}:${role}`;
    const previous = store.getTags(runId)[DATASETS_TAG];
    const entries = previous ? previous.split(',') : [];
    if (!entries.includes(entry)) entries.push(entry);
    store.setTags(runId, { [DATASETS_TAG]: entries.join(',') });
    return version;
  });
  let artifact: string | undefined;
  if (snapshot) {
    artifact = snapshotArtifactName(fingerprint);
    store.logArtifact(runId, artifact, snapshot.bytes, {
      mediaType: 'application/vnd.apache.parquet',
    });
  }
  const result: LoggedDataset = {
    name,
    version: recorded.version,
    fingerprint,
    created: recorded.created,
    rows: recorded.rows,
    schema,
    profile,
  };
  if (validation) result.validation = validation;
  if (snapshot && artifact)
    result.snapshot = { artifact, rows: snapshot.rows, sampled: snapshot.sampled };
  return result;
}
